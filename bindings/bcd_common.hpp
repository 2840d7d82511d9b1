// What the coordinate-descent bindings (bindings/bcd.cpp, logistic, group lasso, paths) share.
//
// The design matrix X, unpacked once: three argument slots X0, X1, X2 and the io `layout` slot
// (layout::bcd_layout). colMajor / rowMajor: X0 the dense data (rows·cols entries), X1 and X2
// unused (null); csc: X0 colPtr (Int32Array, cols + 1), X1 rowIdx (Int32Array), X2 values
// (Float64Array). The arrays are pinned for an async job; the native solver validates the
// structure and the entries (bcd::Design::validate). Every estimator takes X0, X1, X2, y and
// sampleWeight as its first five arguments (read_fit_data), its io params rows, cols and layout
// (read_dims), and writes its outputs while it reads the inputs (check_output: no overlap).
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "../native/bcd/design.hpp"
#include "common.hpp"
#include "layout.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {

static_assert(layout::bcd_layout::colMajor == static_cast<int>(bcd::Layout::ColMajor) &&
                  layout::bcd_layout::rowMajor == static_cast<int>(bcd::Layout::RowMajor) &&
                  layout::bcd_layout::csc == static_cast<int>(bcd::Layout::Csc),
              "layout bcd layouts != bcd::Layout");

constexpr int64_t kBcdMaxDim = std::numeric_limits<int32_t>::max();

inline bool absent(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

inline bcd::Design read_design(Args& a, size_t argX0, int64_t rows, int64_t cols, int lay) {
  Napi::Env env = a.env();
  if (lay == layout::bcd_layout::csc) {
    const int32_t* colPtr = a.i32(argX0, "colPtr", cols + 1).data;
    const int64_t nnz = colPtr[cols];
    if (nnz < 0) throw_error(env, "ERR_INVALID_MATRIX", "X: colPtr[cols] is negative", "X");
    const int32_t* rowIdx = a.i32(argX0 + 1, "rowIdx", nnz).data;
    const double* values = a.f64(argX0 + 2, "values", nnz).data;
    return bcd::Design::csc(rows, cols, colPtr, rowIdx, values);
  }
  const int64_t rc = rows * cols;  // both < 2^31: no overflow
  const double* data = a.f64(argX0, "X", rc).data;
  return lay == layout::bcd_layout::colMajor ? bcd::Design::col_major(rows, cols, data)
                                             : bcd::Design::row_major(rows, cols, data);
}

// The entries of X an output must not overlap (values for CSC, the data otherwise).
inline const double* design_values(const bcd::Design& X) {
  return X.layout == bcd::Layout::Csc ? X.values : X.data;
}

// io's rows, cols (each in [0, 2^31)) and layout slots.
struct Dims {
  int64_t rows = 0, cols = 0;
  int layout = 0;
};
inline Dims read_dims(Napi::Env env, const double* p, int rows, int cols, int lay) {
  Dims d;
  d.rows = param_int(env, p[rows], "rows", 0, kBcdMaxDim);
  d.cols = param_int(env, p[cols], "cols", 0, kBcdMaxDim);
  d.layout = static_cast<int>(param_int(env, p[lay], "layout", 0, layout::bcd_layout::kCount - 1));
  return d;
}

// An optional Float64Array argument of n entries: data and length set when it is given (a
// Float64Array), left as they are (null, -1) when it is null or undefined.
inline void read_optional(Args& a, size_t arg, const char* name, int64_t n, const double*& data,
                          int64_t& length) {
  if (absent(a[arg])) return;
  data = a.f64(arg, name, n).data;
  length = n;
}

// X (arguments argX0..argX0 + 2), y (argX0 + 3, rows) and sampleWeight (argX0 + 4, rows or null)
// into a problem with the fields X, y, y_length, sample_weight, sample_weight_length.
template <class Problem>
void read_fit_data(Args& a, size_t argX0, const Dims& d, Problem& prob) {
  prob.X = read_design(a, argX0, d.rows, d.cols, d.layout);
  prob.y = a.f64(argX0 + 3, "y", d.rows).data;
  prob.y_length = d.rows;
  read_optional(a, argX0 + 4, "sampleWeight", d.rows, prob.sample_weight,
                prob.sample_weight_length);
}

// An input an output must not overlap: its entries (null: none) and its argument name.
struct Input {
  const double* data;
  int64_t length;
  const char* name;
};
// X's entries, named 'values' for CSC and `dense_name` otherwise.
inline Input design_input(const bcd::Design& X, const char* dense_name = "X") {
  return {design_values(X), X.nnz(), X.layout == bcd::Layout::Csc ? "values" : dense_name};
}
// Throws ERR_INVALID_ARGUMENT naming `name` when out (n entries) overlaps one of the inputs.
inline void check_output(Napi::Env env, const double* out, int64_t n, const char* name,
                         std::initializer_list<Input> inputs) {
  for (const Input& in : inputs)
    check_distinct(env, in.data, in.data ? in.length : 0, out, n, name, in.name);
}
// X, y and sampleWeight of a problem read by read_fit_data (rows = X's rows).
template <class Problem>
std::array<Input, 3> fit_data_inputs(const Problem& prob) {
  const int64_t rows = prob.X.rows;
  return {design_input(prob.X), Input{prob.y, rows, "y"},
          Input{prob.sample_weight, rows, "sampleWeight"}};
}
// check_output against X, y, sampleWeight (fit_data_inputs), then the other inputs.
inline void check_output(Napi::Env env, const double* out, int64_t n, const char* name,
                         const std::array<Input, 3>& data, std::initializer_list<Input> inputs) {
  for (const Input& in : data)
    check_distinct(env, in.data, in.data ? in.length : 0, out, n, name, in.name);
  check_output(env, out, n, name, inputs);
}

// tol ≥ 0 (ERR_INVALID_ARGUMENT naming 'tol' otherwise).
inline double read_tol(Napi::Env env, double tol) {
  if (!(tol >= 0))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "tol: expected a number >= 0, received " + std::to_string(tol), "tol");
  return tol;
}
// An integer io param in [0, 2^52] (maxIterations, seed).
inline int64_t read_count(Napi::Env env, double v, const char* name) {
  return param_int(env, v, name, 0, int64_t{1} << 52);
}

// The solver's coefficients into the caller's coef (cols entries).
inline void copy_out(double* out, int64_t cols, const std::vector<double>& v) {
  for (int64_t j = 0; j < cols && j < static_cast<int64_t>(v.size()); ++j) out[j] = v[j];
}

// The io slots a coefficient fit (lasso, logistic, group lasso) reads and writes alike: io's
// param count and length, the common params, the common stats (counted from the first stat).
struct FitSlots {
  int64_t params, length;
  int rows, cols, layout, lambda, maxIterations, fitIntercept, history, warmStart, timeLimitMs;
  int reason, iterations, intercept, objective, dualGap, tolGap, outerIterations, elapsedMs;
};
// The FitSlots of an op whose layout namespaces P (params) and S (stats) name them so.
#define ITERSOLVE_FIT_SLOTS(P, S)                                                                 \
  FitSlots {                                                                                      \
    P::kParams, P::kParams + S::kStats, P::rows, P::cols, P::layout, P::lambda, P::maxIterations, \
        P::fitIntercept, P::history, P::warmStart, P::timeLimitMs, S::reason, S::iterations,      \
        S::intercept, S::objective, S::dualGap, S::tolGap, S::outerIterations, S::elapsedMs       \
  }

// What the coefficient-fit ops (LassoOp, LogisticOp, GroupLassoOp) keep alike: io (read first,
// at argument argIo), the coef output (the start with io's warmStart), the time limit;
// time_limit_ms() as run_sync / start_job ask for it.
class CoefFit {
 public:
  double time_limit_ms() const { return timeLimitMs_; }

 protected:
  CoefFit(Args& a, size_t argIo, const FitSlots& k)
      : k_(k), io_(a.f64(argIo, "io", k.length).data) {}
  // io's rows, cols and layout.
  Dims read_dims(Napi::Env env) const {
    return binding::read_dims(env, io_, k_.rows, k_.cols, k_.layout);
  }
  // coef (cols entries) at argument `arg`.
  void read_coef(Args& a, size_t arg, int64_t cols) {
    coef_ = a.f64(arg, "coef", cols).data;
    cols_ = cols;
  }
  // io as an input coef must not overlap.
  Input io_input() const { return {io_, k_.length, "io"}; }
  // λ, maxIterations, fitIntercept, history, warmStart and timeLimitMs from io into o.
  template <class Options>
  void read_fit_options(Napi::Env env, Options& o) {
    const double* p = io_;
    o.lambda = p[k_.lambda];
    o.max_iterations = read_count(env, p[k_.maxIterations], "maxIterations");
    o.fit_intercept = p[k_.fitIntercept] != 0;
    o.history = p[k_.history] != 0;
    warm_ = p[k_.warmStart] != 0;
    timeLimitMs_ = param_time_limit(env, p[k_.timeLimitMs]);
  }
  double* warm_start() const { return warm_ ? coef_ : nullptr; }
  // io's stats (after the params).
  double* stats() const { return io_ + k_.params; }
  // The solver's coefficients into coef, and the common stats into io.
  template <class Result>
  void write_fit(const Result& r, double elapsed_ms) {
    copy_out(coef_, cols_, r.coef);
    double* s = stats();
    s[k_.reason] = static_cast<double>(static_cast<int>(r.reason));
    s[k_.iterations] = static_cast<double>(r.iterations);
    s[k_.intercept] = r.intercept;
    s[k_.objective] = r.objective;
    s[k_.dualGap] = r.dual_gap;
    s[k_.tolGap] = r.tol_gap;
    s[k_.outerIterations] = static_cast<double>(r.outer_iterations);
    s[k_.elapsedMs] = elapsed_ms;
  }

  const FitSlots k_;
  double* io_ = nullptr;
  double* coef_ = nullptr;
  int64_t cols_ = 0;
  bool warm_ = false;
  double timeLimitMs_ = 0;
};

// { history? }: the per-iteration measure when it was recorded.
inline Napi::Object history_object(Napi::Env env, bool wanted, const std::vector<double>& h) {
  Napi::Object o = Napi::Object::New(env);
  if (wanted) o.Set("history", new_f64(env, h.data(), h.size()));
  return o;
}

}  // namespace binding
}  // namespace itersolve
