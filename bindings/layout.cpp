#include "layout.hpp"

#include <initializer_list>
#include <string>

#include "../native/core/errors.hpp"
#include "../native/core/result.hpp"

namespace itersolve {
namespace binding {
namespace layout {

namespace {

#define ITERSOLVE_NAME_ITEM(n) #n,
const char* const kKrylovParams[] = {ITERSOLVE_KRYLOV_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kSolveStats[] = {ITERSOLVE_SOLVE_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kBatchParams[] = {ITERSOLVE_BATCH_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kSketchParams[] = {ITERSOLVE_SKETCH_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kPowerParams[] = {ITERSOLVE_POWER_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kPowerStats[] = {ITERSOLVE_POWER_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kEigshParams[] = {ITERSOLVE_EIGSH_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kEigshStats[] = {ITERSOLVE_EIGSH_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kEigWhich[] = {ITERSOLVE_EIG_WHICH(ITERSOLVE_NAME_ITEM)};
const char* const kMethods[] = {ITERSOLVE_METHODS(ITERSOLVE_NAME_ITEM)};
const char* const kStationaryParams[] = {ITERSOLVE_STATIONARY_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kStationaryMethods[] = {ITERSOLVE_STATIONARY_METHODS(ITERSOLVE_NAME_ITEM)};
const char* const kSweeps[] = {ITERSOLVE_SWEEPS(ITERSOLVE_NAME_ITEM)};
const char* const kOrderings[] = {ITERSOLVE_ORDERINGS(ITERSOLVE_NAME_ITEM)};
const char* const kOtStats[] = {ITERSOLVE_OT_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kSinkhornParams[] = {ITERSOLVE_SINKHORN_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kSinkhornBatchParams[] = {ITERSOLVE_SINKHORN_BATCH_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kSinkhornNewtonParams[] = {ITERSOLVE_SINKHORN_NEWTON_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kEmdParams[] = {ITERSOLVE_EMD_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kCostMatrixParams[] = {ITERSOLVE_COST_MATRIX_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kMetrics[] = {ITERSOLVE_METRICS(ITERSOLVE_NAME_ITEM)};
const char* const kPlanKinds[] = {ITERSOLVE_PLAN_KINDS(ITERSOLVE_NAME_ITEM)};
const char* const kLassoParams[] = {ITERSOLVE_LASSO_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kLassoStats[] = {ITERSOLVE_LASSO_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kLogisticParams[] = {ITERSOLVE_LOGISTIC_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kLogisticStats[] = {ITERSOLVE_LOGISTIC_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kBcdLayouts[] = {ITERSOLVE_BCD_LAYOUTS(ITERSOLVE_NAME_ITEM)};
const char* const kSelections[] = {ITERSOLVE_SELECTIONS(ITERSOLVE_NAME_ITEM)};
const char* const kGroupLassoParams[] = {ITERSOLVE_GROUP_LASSO_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kGroupLassoStats[] = {ITERSOLVE_GROUP_LASSO_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kGroupKinds[] = {ITERSOLVE_GROUP_KINDS(ITERSOLVE_NAME_ITEM)};
const char* const kPathParams[] = {ITERSOLVE_PATH_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kPathStats[] = {ITERSOLVE_PATH_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kNnlsParams[] = {ITERSOLVE_NNLS_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kNnlsStats[] = {ITERSOLVE_NNLS_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kProxBcdParams[] = {ITERSOLVE_PROX_BCD_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kProxBcdStats[] = {ITERSOLVE_PROX_BCD_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kProxVariances[] = {ITERSOLVE_PROX_VARIANCES(ITERSOLVE_NAME_ITEM)};
const char* const kMlpParams[] = {ITERSOLVE_MLP_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kMlpStats[] = {ITERSOLVE_MLP_STATS(ITERSOLVE_NAME_ITEM)};
const char* const kMlpPredictParams[] = {ITERSOLVE_MLP_PREDICT_PARAMS(ITERSOLVE_NAME_ITEM)};
const char* const kMlpInits[] = {ITERSOLVE_MLP_INITS(ITERSOLVE_NAME_ITEM)};
#define ITERSOLVE_NAME_ITEM2(id, name) name,
const char* const kSinkhornMethods[] = {ITERSOLVE_SINKHORN_METHODS(ITERSOLVE_NAME_ITEM2)};
const char* const kProxSmooths[] = {ITERSOLVE_PROX_SMOOTHS(ITERSOLVE_NAME_ITEM2)};
const char* const kProxKinds[] = {ITERSOLVE_PROX_KINDS(ITERSOLVE_NAME_ITEM2)};
#undef ITERSOLVE_NAME_ITEM2
#undef ITERSOLVE_NAME_ITEM

template <size_t N>
Napi::Array names(Napi::Env env, const char* const (&list)[N]) {
  Napi::Array a = Napi::Array::New(env, N);
  for (size_t i = 0; i < N; ++i) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, list[i]));
  return a;
}

template <size_t P, size_t S>
Napi::Object slots(Napi::Env env, const char* const (&params)[P], const char* const (&stats)[S]) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("params", names(env, params));
  o.Set("stats", names(env, stats));
  return o;
}

}  // namespace

const char* method_name(int m) { return m >= 0 && m < method::kCount ? kMethods[m] : "solver"; }

Napi::Object make_layout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Array reasons = Napi::Array::New(env);
  // Every Reason value, in enum order (the stats' `reason` slot holds the index).
  for (int r = 0;; ++r) {
    const char* name = reason_name(static_cast<Reason>(r));
    if (std::string(name) == "unknown") break;
    reasons.Set(static_cast<uint32_t>(r), Napi::String::New(env, name));
  }
  o.Set("reasons", reasons);
  o.Set("errorCodes", names(env, kErrorCodes));
  o.Set("methods", names(env, kMethods));
  o.Set("krylov", slots(env, kKrylovParams, kSolveStats));
  o.Set("batch", slots(env, kBatchParams, kSolveStats));
  o.Set("sketch", slots(env, kSketchParams, kSolveStats));
  o.Set("power", slots(env, kPowerParams, kPowerStats));
  Napi::Object eg = slots(env, kEigshParams, kEigshStats);
  eg.Set("which", names(env, kEigWhich));
  o.Set("eigsh", eg);
  Napi::Object st = slots(env, kStationaryParams, kSolveStats);
  st.Set("methods", names(env, kStationaryMethods));
  st.Set("sweeps", names(env, kSweeps));
  st.Set("orderings", names(env, kOrderings));
  o.Set("stationary", st);
  Napi::Object sk = slots(env, kSinkhornParams, kOtStats);
  sk.Set("methods", names(env, kSinkhornMethods));
  o.Set("sinkhorn", sk);
  o.Set("sinkhornBatch", slots(env, kSinkhornBatchParams, kOtStats));
  Napi::Object sn = slots(env, kSinkhornNewtonParams, kOtStats);
  sn.Set("plans", names(env, kPlanKinds));
  o.Set("sinkhornNewton", sn);
  o.Set("emd", slots(env, kEmdParams, kOtStats));
  Napi::Object cm = Napi::Object::New(env);
  cm.Set("params", names(env, kCostMatrixParams));
  cm.Set("metrics", names(env, kMetrics));
  o.Set("costMatrix", cm);
  Napi::Object la = slots(env, kLassoParams, kLassoStats);
  la.Set("layouts", names(env, kBcdLayouts));
  la.Set("selections", names(env, kSelections));
  o.Set("lasso", la);
  o.Set("logisticL1", slots(env, kLogisticParams, kLogisticStats));
  Napi::Object gl = slots(env, kGroupLassoParams, kGroupLassoStats);
  gl.Set("groupKinds", names(env, kGroupKinds));
  o.Set("groupLasso", gl);
  o.Set("lassoPath", slots(env, kPathParams, kPathStats));
  o.Set("nnls", slots(env, kNnlsParams, kNnlsStats));
  Napi::Object pb = slots(env, kProxBcdParams, kProxBcdStats);
  pb.Set("smooths", names(env, kProxSmooths));
  pb.Set("proxes", names(env, kProxKinds));
  pb.Set("variances", names(env, kProxVariances));
  o.Set("proxBcd", pb);
  Napi::Object ml = slots(env, kMlpParams, kMlpStats);
  ml.Set("inits", names(env, kMlpInits));
  o.Set("trainMlp", ml);
  Napi::Object mp = Napi::Object::New(env);
  mp.Set("params", names(env, kMlpPredictParams));
  o.Set("mlpPredict", mp);
  return o;
}

}  // namespace layout
}  // namespace binding
}  // namespace itersolve
