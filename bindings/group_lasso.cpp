// Group Lasso by block coordinate descent (native/bcd/group_lasso.hpp):
//   groupLasso(X0, X1, X2, y, sampleWeight, groups, groupWeights, coef, io)
//   groupLassoAsync(..., io, jobOptions)
// The design X as in bindings/bcd_design.hpp (X0, X1, X2 and io's `layout` slot). groups is an
// Int32Array of io's `groupsLength` entries: offsets (G + 1) or labels (cols), by io's `groupsKind`
// (layout::group_kind); groupWeights (G) a Float64Array or null (√|g|). sampleWeight (rows) a
// Float64Array or null. coef (cols) is the output, and the start when io's `warmStart` is set. io
// carries the layout::group_lasso params, then the layout::group_lasso_stats the binding writes
// at the end. Resolves to { activeGroups: Int32Array, history? }.
#include <limits>
#include <string>

#include "../native/bcd/group_lasso.hpp"
#include "areas.hpp"
#include "bcd_design.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::group_lasso;
namespace S = layout::group_lasso_stats;
namespace BL = layout::bcd_layout;
namespace GK = layout::group_kind;

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

bool absent(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

class GroupLassoOp {
 public:
  static constexpr const char* kName = "groupLasso";
  static constexpr size_t kArgX0 = 0, kArgY = 3, kArgSw = 4, kArgGroups = 5, kArgGw = 6,
                          kArgCoef = 7, kArgIo = 8, kArgOptions = 9;

  explicit GroupLassoOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, kMaxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, kMaxDim);
    const int lay = static_cast<int>(param_int(env, p[P::layout], "layout", 0, BL::kCount - 1));
    kind_ = static_cast<int>(param_int(env, p[P::groupsKind], "groupsKind", 0, GK::kCount - 1));
    groups_length_ = param_int(env, p[P::groupsLength], "groupsLength", 0, kMaxDim);
    prob_.X = read_design(a, kArgX0, rows, cols, lay);
    prob_.y = a.f64(kArgY, "y", rows).data;
    prob_.y_length = rows;
    if (!absent(a[kArgSw])) {
      prob_.sample_weight = a.f64(kArgSw, "sampleWeight", rows).data;
      prob_.sample_weight_length = rows;
    }
    groups_ = a.i32(kArgGroups, "groups", groups_length_).data;
    if (!absent(a[kArgGw])) {
      const Span<double> gw = a.f64(kArgGw, "groupWeights");
      prob_.group_weights = gw.data;
      prob_.group_weights_length = gw.length;  // checked against G by the solver
    }
    coef_ = a.f64(kArgCoef, "coef", cols).data;
    cols_ = cols;
    // coef is written while X, y, the weights and io are read.
    check_distinct(env, design_values(prob_.X), prob_.X.nnz(), coef_, cols, "coef",
                   lay == BL::csc ? "values" : "X");
    check_distinct(env, prob_.y, rows, coef_, cols, "coef", "y");
    check_distinct(env, prob_.sample_weight, prob_.sample_weight ? rows : 0, coef_, cols, "coef",
                   "sampleWeight");
    check_distinct(env, prob_.group_weights, prob_.group_weights ? prob_.group_weights_length : 0,
                   coef_, cols, "coef", "groupWeights");
    check_distinct(env, io_, P::kParams + S::kStats, coef_, cols, "coef", "io");

    opt_.lambda = p[P::lambda];
    opt_.tol = p[P::tol];
    opt_.max_iterations = param_int(env, p[P::maxIterations], "maxIterations", 0, int64_t{1} << 52);
    opt_.fit_intercept = p[P::fitIntercept] != 0;
    opt_.history = p[P::history] != 0;
    warm_ = p[P::warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
  }

  void run(const Engine& e, Control& ctl) {
    // The groups are built (and checked: SolverError naming 'groups') here, off the main thread.
    group_index_ = kind_ == GK::labels
                       ? bcd::groups_from_labels(groups_, groups_length_, prob_.X.cols)
                       : bcd::groups_from_offsets(groups_, groups_length_, prob_.X.cols);
    prob_.groups = &group_index_;
    res_ = bcd::group_lasso(e, prob_, opt_, ctl, warm_ ? coef_ : nullptr);
    for (int64_t j = 0; j < cols_ && j < static_cast<int64_t>(res_.coef.size()); ++j)
      coef_[j] = res_.coef[j];
    double* s = io_ + P::kParams;
    s[S::reason] = static_cast<double>(static_cast<int>(res_.reason));
    s[S::iterations] = static_cast<double>(res_.iterations);
    s[S::intercept] = res_.intercept;
    s[S::objective] = res_.objective;
    s[S::dualGap] = res_.dual_gap;
    s[S::tolGap] = res_.tol_gap;
    s[S::outerIterations] = static_cast<double>(res_.outer_iterations);
    s[S::screened] = static_cast<double>(res_.screened);
    s[S::groups] = static_cast<double>(group_index_.count());
    s[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("activeGroups", new_i32(env, res_.active_groups.data(), res_.active_groups.size()));
    if (opt_.history) o.Set("history", new_f64(env, res_.history.data(), res_.history.size()));
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::GroupLassoProblem prob_;
  bcd::GroupLassoOptions opt_;
  bcd::Groups group_index_;
  const int32_t* groups_ = nullptr;
  int64_t groups_length_ = 0;
  int kind_ = 0;
  double* coef_ = nullptr;
  int64_t cols_ = 0;
  bool warm_ = false;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
  bcd::GroupLassoResult res_;
};

}  // namespace

void init_group_lasso(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<GroupLassoOp>>(env, exports, "groupLasso");
  export_fn<start_job<GroupLassoOp, GroupLassoOp::kArgOptions>>(env, exports, "groupLassoAsync");
}

}  // namespace binding
}  // namespace itersolve
