// The call interface between lib/ and the addon, named once. Each operation takes its numbers in
// one Float64Array `io` (cheap to pass: a small solve's call is dominated by argument unpacking),
// its parameters first and the stats the binding writes back after them. The slot names below
// are the only place their order is defined on this side; the addon exports them as `layout`
// (with the reason names and error codes) and lib/layout.ts holds the same lists, which
// test/layout.test.ts compares. Add a slot by adding its name to a list here and in lib/layout.ts.
#pragma once
#include <napi.h>

namespace itersolve {
namespace binding {
namespace layout {

// clang-format off
// X(name) lists. The enum gives the index, the string the exported name.
#define ITERSOLVE_KRYLOV_PARAMS(X)                                                             \
  X(method) X(rows) X(cols) X(trusted) X(omega) X(rtol) X(atol) X(maxIterations) X(history)    \
  X(trueResidualEvery) X(restart) X(flexible) X(memory) X(timeLimitMs) X(zeroStart) X(recycle)
#define ITERSOLVE_SOLVE_STATS(X) X(reason) X(iterations) X(residualNorm) X(matvecs) X(elapsedMs)
#define ITERSOLVE_BATCH_PARAMS(X)                                                              \
  X(rows) X(cols) X(trusted) X(k) X(omega) X(rtol) X(atol) X(maxIterations) X(history)         \
  X(trueResidualEvery) X(timeLimitMs)
#define ITERSOLVE_SKETCH_PARAMS(X)                                                             \
  X(rows) X(cols) X(trusted) X(sketch) X(sampling) X(blockSize) X(seed) X(rtol) X(atol)        \
  X(maxIterations) X(history) X(trueResidualEvery) X(timeLimitMs)
#define ITERSOLVE_POWER_PARAMS(X)                                                              \
  X(rows) X(cols) X(trusted) X(maxIterations) X(rtol) X(history) X(timeLimitMs)
#define ITERSOLVE_POWER_STATS(X)                                                               \
  X(reason) X(iterations) X(eigenvalue) X(change) X(matvecs) X(elapsedMs)
// eigsh (native/krylov/eigsh.hpp, bindings/eigsh.cpp): `which` holds the index in
// ITERSOLVE_EIG_WHICH (EigWhich), `hasV0` 1 when the v0 argument is the start vector; the stats
// `sigma` / `shiftInvert` / `ldlt` / `nnzL` describe the shift-invert factorisation (0 without).
#define ITERSOLVE_EIGSH_PARAMS(X)                                                              \
  X(rows) X(cols) X(trusted) X(k) X(which) X(sigma) X(tol) X(maxIterations) X(ncv) X(seed)     \
  X(hasV0) X(timeLimitMs)
#define ITERSOLVE_EIGSH_STATS(X)                                                               \
  X(reason) X(iterations) X(matvecs) X(nconv) X(shiftInvert) X(sigma) X(ldlt) X(nnzL)          \
  X(elapsedMs)
#define ITERSOLVE_EIG_WHICH(X) X(largest) X(smallest) X(nearest)
// Krylov methods, by the index the io `method` slot holds.
#define ITERSOLVE_METHODS(X) X(cg) X(bicgstab) X(gmres) X(minres) X(conjugateDirection) X(gcrotmk)
// Stationary methods (native/stationary/stationary.hpp); `method`, `sweep` and `ordering` hold
// the index in the lists below (the native enums' values).
#define ITERSOLVE_STATIONARY_PARAMS(X)                                                         \
  X(rows) X(cols) X(trusted) X(method) X(omega) X(sweep) X(ordering) X(rtol) X(atol)           \
  X(maxIterations) X(history) X(timeLimitMs) X(zeroStart)
#define ITERSOLVE_STATIONARY_METHODS(X) X(jacobi) X(gaussSeidel) X(sor) X(ssor)
#define ITERSOLVE_SWEEPS(X) X(forward) X(backward) X(symmetric)
#define ITERSOLVE_ORDERINGS(X) X(natural) X(multicolor)
// Optimal transport (native/ot/ot.hpp, bindings/ot.cpp): one stats list for every OT operation
// (`method` holds the index in the Sinkhorn methods' list: the method that ran).
#define ITERSOLVE_OT_STATS(X)                                                                  \
  X(reason) X(iterations) X(marginalError) X(cost) X(objective) X(method) X(warmupIterations)  \
  X(newtonIterations) X(cgIterations) X(planNnz) X(elapsedMs)
#define ITERSOLVE_SINKHORN_PARAMS(X)                                                           \
  X(n) X(m) X(method) X(epsilon) X(tol) X(maxIterations) X(checkEvery) X(history)              \
  X(warmStart) X(timeLimitMs)
#define ITERSOLVE_SINKHORN_BATCH_PARAMS(X)                                                     \
  X(n) X(m) X(k) X(method) X(epsilon) X(tol) X(maxIterations) X(checkEvery)                    \
  X(history) X(timeLimitMs)
#define ITERSOLVE_SINKHORN_NEWTON_PARAMS(X)                                                    \
  X(n) X(m) X(epsilon) X(tol) X(warmupIterations) X(maxNewtonIterations)                       \
  X(sparsity) X(cgRtol) X(cgMaxIterations) X(plan) X(sparseDropTol) X(history) X(warmStart)    \
  X(timeLimitMs)
#define ITERSOLVE_EMD_PARAMS(X) X(n) X(m) X(maxIterations) X(timeLimitMs)
#define ITERSOLVE_COST_MATRIX_PARAMS(X) X(n) X(m) X(d) X(metric)
// Lasso / elastic net by coordinate descent (native/bcd/lasso.hpp, bindings/bcd.cpp); `layout`
// holds the index in ITERSOLVE_BCD_LAYOUTS (bcd::Layout), `selection` in ITERSOLVE_SELECTIONS.
#define ITERSOLVE_LASSO_PARAMS(X)                                                              \
  X(rows) X(cols) X(layout) X(lambda) X(l1Ratio) X(tol) X(maxIterations) X(fitIntercept)       \
  X(positive) X(selection) X(seed) X(warmStart) X(history) X(timeLimitMs) X(gram)
#define ITERSOLVE_LASSO_STATS(X)                                                               \
  X(reason) X(iterations) X(intercept) X(objective) X(dualGap) X(tolGap) X(outerIterations)    \
  X(screened) X(elapsedMs)
#define ITERSOLVE_BCD_LAYOUTS(X) X(colMajor) X(rowMajor) X(csc)
#define ITERSOLVE_SELECTIONS(X) X(cyclic) X(random)
// l1-logistic regression (native/bcd/logistic.hpp, bindings/logistic.cpp): `layout` as lasso's.
#define ITERSOLVE_LOGISTIC_PARAMS(X)                                                           \
  X(rows) X(cols) X(layout) X(lambda) X(tol) X(maxIterations) X(fitIntercept) X(warmStart)     \
  X(history) X(timeLimitMs)
#define ITERSOLVE_LOGISTIC_STATS(X)                                                            \
  X(reason) X(iterations) X(intercept) X(objective) X(dualGap) X(tolGap) X(lambdaMax) X(epochs) \
  X(outerIterations) X(elapsedMs)
// Group Lasso (native/bcd/group_lasso.hpp, bindings/group_lasso.cpp): `layout` as lasso's,
// `groupsKind` the index in ITERSOLVE_GROUP_KINDS, `groupsLength` the groups array's entries;
// the stat `groups` is the number of groups G.
#define ITERSOLVE_GROUP_LASSO_PARAMS(X)                                                        \
  X(rows) X(cols) X(layout) X(groupsKind) X(groupsLength) X(lambda) X(tol) X(maxIterations)    \
  X(fitIntercept) X(warmStart) X(history) X(timeLimitMs)
#define ITERSOLVE_GROUP_LASSO_STATS(X)                                                         \
  X(reason) X(iterations) X(intercept) X(objective) X(dualGap) X(tolGap) X(outerIterations)    \
  X(screened) X(groups) X(elapsedMs)
#define ITERSOLVE_GROUP_KINDS(X) X(offsets) X(labels)
// Lasso / elastic-net paths (native/bcd/path.hpp, bindings/bcd_path.cpp): `givenLambdas` 1 when
// the lambdas argument holds the caller's grid; the stat `count` is the number of λ values fitted.
#define ITERSOLVE_PATH_PARAMS(X)                                                               \
  X(rows) X(cols) X(layout) X(l1Ratio) X(nLambdas) X(lambdaMinRatio) X(givenLambdas) X(tol)    \
  X(maxIterations) X(fitIntercept) X(positive) X(selection) X(seed) X(timeLimitMs)
#define ITERSOLVE_PATH_STATS(X) X(reason) X(iterations) X(count) X(lambdaMax) X(elapsedMs)
// Non-negative least squares (native/bcd/nnls.hpp, bindings/bcd.cpp): `layout` as lasso's.
#define ITERSOLVE_NNLS_PARAMS(X) X(rows) X(cols) X(layout) X(tol) X(maxIterations) X(history) X(timeLimitMs)
#define ITERSOLVE_NNLS_STATS(X)                                                                \
  X(reason) X(iterations) X(residualNorm) X(objective) X(kkt) X(kktTarget) X(cdEpochs) X(elapsedMs)
// Generic proximal BCD (native/bcd/prox_bcd.hpp, bindings/prox_bcd.cpp): `smooth` holds the index
// in ITERSOLVE_PROX_SMOOTHS, `layout` in ITERSOLVE_BCD_LAYOUTS (A dense: colMajor or rowMajor),
// `order` in ITERSOLVE_SELECTIONS, `variance` in ITERSOLVE_PROX_VARIANCES; `blocks` is the number
// of blocks (0: one block, no offsets), `prox` the number of prox entries (4 numbers each: the
// index in ITERSOLVE_PROX_KINDS, lambda, lo, hi).
#define ITERSOLVE_PROX_BCD_PARAMS(X)                                                           \
  X(d) X(rows) X(smooth) X(layout) X(blocks) X(prox) X(backtracking) X(order) X(seed)          \
  X(variance) X(batchSize) X(refreshEvery) X(maxEpochs) X(tol) X(history) X(timeLimitMs)
#define ITERSOLVE_PROX_BCD_STATS(X)                                                            \
  X(reason) X(epochs) X(gradientMappingNorm) X(dataPasses) X(matrixPasses) X(objective)        \
  X(elapsedMs)
#define ITERSOLVE_PROX_VARIANCES(X) X(exact) X(stochastic) X(recursive)
#define ITERSOLVE_PROX_SMOOTHS(Y)                                                              \
  Y(leastSquares, "least-squares") Y(logistic, "logistic") Y(quadratic, "quadratic")           \
  Y(callback, "callback")
#define ITERSOLVE_PROX_KINDS(Y)                                                                \
  Y(none, "none") Y(l1, "l1") Y(groupL2, "group-l2") Y(box, "box") Y(nonnegative, "nonnegative")
// BCD training of ReLU networks (native/bcd/mlp.hpp, bindings/mlp.cpp): `xLayout` / `yLayout`
// hold the index in ITERSOLVE_BCD_LAYOUTS (colMajor or rowMajor: dense only), `init` in
// ITERSOLVE_MLP_INITS, `layers` the number of layers N (hidden widths + 1).
#define ITERSOLVE_MLP_PARAMS(X)                                                                \
  X(rows) X(cols) X(outputs) X(xLayout) X(yLayout) X(layers) X(gamma) X(rho) X(alpha)          \
  X(epochs) X(init) X(seed) X(timeLimitMs)
#define ITERSOLVE_MLP_STATS(X) X(reason) X(epochs) X(elapsedMs)
#define ITERSOLVE_MLP_PREDICT_PARAMS(X) X(rows) X(cols) X(layout) X(layers)
#define ITERSOLVE_MLP_INITS(X) X(paper) X(he)
// Lists whose names are not C++ identifiers ('auto', 'epsilon-scaling'): Y(identifier, "name").
#define ITERSOLVE_SINKHORN_METHODS(Y)                                                          \
  Y(automatic, "auto") Y(scaling, "scaling") Y(log, "log") Y(stabilized, "stabilized")         \
  Y(epsilonScaling, "epsilon-scaling")
#define ITERSOLVE_METRICS(X) X(sqeuclidean) X(euclidean) X(cityblock)
// The plan a Sinkhorn-Newton run returns (the newton io's `plan` slot).
#define ITERSOLVE_PLAN_KINDS(X) X(none) X(dense) X(sparse)

// clang-format on
#define ITERSOLVE_ENUM_ITEM(n) n,
namespace krylov {
enum : int { ITERSOLVE_KRYLOV_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace solve_stats {
enum : int { ITERSOLVE_SOLVE_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace batch {
enum : int { ITERSOLVE_BATCH_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace sketch {
enum : int { ITERSOLVE_SKETCH_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace power {
enum : int { ITERSOLVE_POWER_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace power_stats {
enum : int { ITERSOLVE_POWER_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace method {
enum : int { ITERSOLVE_METHODS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace eigsh {
enum : int { ITERSOLVE_EIGSH_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace eigsh_stats {
enum : int { ITERSOLVE_EIGSH_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace eig_which {
enum : int { ITERSOLVE_EIG_WHICH(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace stationary {
enum : int { ITERSOLVE_STATIONARY_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace stationary_method {
enum : int { ITERSOLVE_STATIONARY_METHODS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace sweep {
enum : int { ITERSOLVE_SWEEPS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace ordering {
enum : int { ITERSOLVE_ORDERINGS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace ot_stats {
enum : int { ITERSOLVE_OT_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace sinkhorn {
enum : int { ITERSOLVE_SINKHORN_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace sinkhorn_batch {
enum : int { ITERSOLVE_SINKHORN_BATCH_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace sinkhorn_newton {
enum : int { ITERSOLVE_SINKHORN_NEWTON_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace emd {
enum : int { ITERSOLVE_EMD_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace cost_matrix {
enum : int { ITERSOLVE_COST_MATRIX_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace lasso {
enum : int { ITERSOLVE_LASSO_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace lasso_stats {
enum : int { ITERSOLVE_LASSO_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace logistic {
enum : int { ITERSOLVE_LOGISTIC_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace logistic_stats {
enum : int { ITERSOLVE_LOGISTIC_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace bcd_layout {
enum : int { ITERSOLVE_BCD_LAYOUTS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace selection {
enum : int { ITERSOLVE_SELECTIONS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace group_lasso {
enum : int { ITERSOLVE_GROUP_LASSO_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace group_lasso_stats {
enum : int { ITERSOLVE_GROUP_LASSO_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace group_kind {
enum : int { ITERSOLVE_GROUP_KINDS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace path {
enum : int { ITERSOLVE_PATH_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace path_stats {
enum : int { ITERSOLVE_PATH_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace nnls {
enum : int { ITERSOLVE_NNLS_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace nnls_stats {
enum : int { ITERSOLVE_NNLS_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace prox_bcd {
enum : int { ITERSOLVE_PROX_BCD_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace prox_bcd_stats {
enum : int { ITERSOLVE_PROX_BCD_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace prox_variance {
enum : int { ITERSOLVE_PROX_VARIANCES(ITERSOLVE_ENUM_ITEM) kCount };
}
#define ITERSOLVE_ENUM_ITEM2(id, name) id,
namespace prox_smooth {
enum : int { ITERSOLVE_PROX_SMOOTHS(ITERSOLVE_ENUM_ITEM2) kCount };
}
namespace prox_kind {
enum : int { ITERSOLVE_PROX_KINDS(ITERSOLVE_ENUM_ITEM2) kCount };
}
#undef ITERSOLVE_ENUM_ITEM2
namespace mlp {
enum : int { ITERSOLVE_MLP_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace mlp_stats {
enum : int { ITERSOLVE_MLP_STATS(ITERSOLVE_ENUM_ITEM) kStats };
}
namespace mlp_predict {
enum : int { ITERSOLVE_MLP_PREDICT_PARAMS(ITERSOLVE_ENUM_ITEM) kParams };
}
namespace mlp_init {
enum : int { ITERSOLVE_MLP_INITS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace sinkhorn_method {
#define ITERSOLVE_ENUM_ITEM2(id, name) id,
enum : int { ITERSOLVE_SINKHORN_METHODS(ITERSOLVE_ENUM_ITEM2) kCount };
#undef ITERSOLVE_ENUM_ITEM2
}  // namespace sinkhorn_method
namespace metric {
enum : int { ITERSOLVE_METRICS(ITERSOLVE_ENUM_ITEM) kCount };
}
namespace plan_kind {
enum : int { ITERSOLVE_PLAN_KINDS(ITERSOLVE_ENUM_ITEM) kCount };
}
#undef ITERSOLVE_ENUM_ITEM

// Name of method m (0 <= m < method::kCount).
const char* method_name(int m);

// The exported `layout` object: { reasons, errorCodes, methods, krylov: { params, stats },
// batch, sketch, power, eigsh: { params, stats, which }, stationary: { params, stats, methods,
// sweeps, orderings }, sinkhorn: { params, stats, methods }, sinkhornBatch, sinkhornNewton:
// { params, stats, plans }, emd, costMatrix: { params, metrics }, lasso: { params, stats,
// layouts, selections }, trainMlp: { params, stats, inits }, mlpPredict: { params } }.
Napi::Object make_layout(Napi::Env env);

}  // namespace layout
}  // namespace binding
}  // namespace itersolve
