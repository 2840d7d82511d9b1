// libFuzzer target for the coordinate-descent solvers (native/bcd/lasso.hpp): arbitrary bytes
// become a lasso / elastic-net problem — a small design X (1..8 × 1..8) read column-major,
// row-major (with a leading dimension above the minimum) or as CSC (sometimes a valid structure
// drawn from a bit mask, sometimes raw colPtr / rowIdx: non-monotone, out of range, unsorted,
// duplicated), y, optional sample weights / penalty factors / warm start (small integers, or raw
// doubles: negative, NaN, ±∞, huge), box bounds (±∞ included), λ (a multiple of λ_max, or a raw
// double), l1Ratio, tol and every solver switch (intercept, positive, selection, working sets, Gap
// Safe, Anderson, Gram).
// lambda_max and lasso must either throw SolverError naming an argument — exactly when the
// problem breaks a documented rule (lasso.hpp: a malformed or non-finite X, non-finite y, negative
// or non-finite weights / factors, weights summing to zero, λ < 0, l1Ratio outside [0, 1],
// tol < 0, Gram with CSC, NaN bounds, lower above upper after positive, lower = +∞, upper = −∞) —
// or return a result that keeps lasso.hpp's promises: coefficients and intercept finite,
// objective and gap finite unless the reason is NonFinite, w inside its box (w ≥ 0 when positive),
// 'tol' only with the gap at or below the gap the rule asked for, at most maxIterations epochs,
// and w = 0 on the penalised features from a zero start when λ > λ_max. No crash, no sanitizer
// report.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bcd/lasso.hpp"
#include "bcd/path.hpp"
#include "core/errors.hpp"
#include "core/ops.hpp"

#include "reader.hpp"

using namespace itersolve;

namespace {
using fuzz::Reader;

// A broken promise: say which, then trap (the input is saved as the crashing one).
#define require(ok)                                                                   \
  do {                                                                                \
    if (!(ok)) {                                                                      \
      std::fprintf(stderr, "fuzz_bcd: check failed at line %d: %s\n", __LINE__, #ok); \
      __builtin_trap();                                                               \
    }                                                                                 \
  } while (0)

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// A value: a small integer / 4 (mode bit clear) or the raw double of the next 8 bytes.
double value(Reader& in, bool raw) {
  return raw ? in.take<double>() : static_cast<double>(in.take<int8_t>()) / 4;
}

// The arrays of a CSC design, built from the input; `structure_ok` says whether Design::validate
// must accept the structure (colPtr from 0, non-decreasing, row indices in range).
struct Csc {
  std::vector<int32_t> colPtr, rowIdx;
  std::vector<double> values;
  bool structure_ok = true;
};

Csc make_csc(Reader& in, int64_t rows, int64_t cols, bool raw_structure, bool raw_values) {
  Csc c;
  c.colPtr.assign(static_cast<size_t>(cols + 1), 0);
  if (!raw_structure) {  // a bit mask per column: sorted, in range, no duplicates
    for (int64_t j = 0; j < cols; ++j) {
      const uint8_t mask = in.take<uint8_t>();
      for (int64_t i = 0; i < rows; ++i)
        if (mask & (1u << i)) {
          c.rowIdx.push_back(static_cast<int32_t>(i));
          c.values.push_back(value(in, raw_values));
        }
      c.colPtr[j + 1] = static_cast<int32_t>(c.rowIdx.size());
    }
    return c;
  }
  // Raw: colPtr entries in [-2, 13] (colPtr[cols] = nnz ≥ 0: the binding rejects a negative one
  // and sizes rowIdx and values by it), row indices in [-2, 9].
  for (auto& v : c.colPtr) v = static_cast<int32_t>(in.take<uint8_t>() % 16) - 2;
  c.colPtr[cols] = std::max<int32_t>(0, c.colPtr[cols]);
  const int64_t nnz = c.colPtr[cols];
  c.rowIdx.resize(static_cast<size_t>(nnz));
  c.values.resize(static_cast<size_t>(nnz));
  for (auto& v : c.rowIdx) v = static_cast<int32_t>(in.take<uint8_t>() % 12) - 2;
  for (auto& v : c.values) v = value(in, raw_values);
  c.structure_ok = c.colPtr[0] == 0;
  for (int64_t j = 0; j < cols && c.structure_ok; ++j)
    if (c.colPtr[j + 1] < c.colPtr[j]) c.structure_ok = false;
  for (size_t k = 0; k < c.rowIdx.size() && c.structure_ok; ++k)
    if (c.rowIdx[k] < 0 || c.rowIdx[k] >= rows) c.structure_ok = false;
  return c;
}

// Documented argument errors of a vector: non-finite entries, or negative ones where nonneg.
bool vector_ok(const std::vector<double>& v, bool nonneg) {
  for (double x : v)
    if (!std::isfinite(x) || (nonneg && x < 0)) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  const int64_t rows = 1 + in.take<uint8_t>() % 8;
  const int64_t cols = 1 + in.take<uint8_t>() % 8;
  const uint8_t mode = in.take<uint8_t>();   // layout and which inputs are raw
  const uint8_t flags = in.take<uint8_t>();  // solver switches
  const uint8_t extra = in.take<uint8_t>();  // optional inputs
  const int layout = mode % 3;               // 0 col-major, 1 row-major, 2 CSC
  const bool raw_x = mode & 4, raw_y = mode & 8, raw_opt = mode & 16, raw_struct = mode & 32;

  // ---- X ----
  std::vector<double> dense;
  Csc csc;
  bcd::Design X;
  bool x_ok = true;
  if (layout == 2) {
    csc = make_csc(in, rows, cols, raw_struct, raw_x);
    X = bcd::Design::csc(rows, cols, csc.colPtr.data(), csc.rowIdx.data(), csc.values.data());
    x_ok = csc.structure_ok && vector_ok(csc.values, false);
  } else {
    const int64_t pad = in.take<uint8_t>() % 3;  // leading dimension above the minimum
    const int64_t ld = (layout == 0 ? rows : cols) + pad;
    dense.resize(static_cast<size_t>(ld * (layout == 0 ? cols : rows)));
    for (auto& v : dense) v = value(in, raw_x);
    X = layout == 0 ? bcd::Design::col_major(rows, cols, dense.data(), ld)
                    : bcd::Design::row_major(rows, cols, dense.data(), ld);
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t i = 0; i < rows; ++i) x_ok = x_ok && std::isfinite(X.at(i, j));
  }

  // ---- y, weights, factors, warm start ----
  std::vector<double> y(static_cast<size_t>(rows)), sw, pf, w0;
  for (auto& v : y) v = value(in, raw_y);
  if (extra & 1) {
    sw.resize(static_cast<size_t>(rows));
    for (auto& v : sw)
      v = raw_opt ? in.take<double>() : static_cast<double>(in.take<uint8_t>() % 4);
  }
  if (extra & 2) {
    pf.resize(static_cast<size_t>(cols));
    for (auto& v : pf)
      v = raw_opt ? in.take<double>() : static_cast<double>(in.take<uint8_t>() % 3);
  }
  if (extra & 4) {
    w0.resize(static_cast<size_t>(cols));
    for (auto& v : w0) v = value(in, raw_opt);
  }
  bool sw_ok = vector_ok(sw, true);
  if (sw_ok && !sw.empty()) {
    double S = 0;
    for (double v : sw) S += v;
    sw_ok = S > 0;
  }
  const bool data_ok = x_ok && vector_ok(y, false) && sw_ok && vector_ok(pf, true);

  bcd::LassoProblem pr;
  pr.X = X;
  pr.y = y.data();
  pr.y_length = rows;
  if (!sw.empty()) pr.sample_weight = sw.data(), pr.sample_weight_length = rows;
  if (!pf.empty()) pr.penalty_factor = pf.data(), pr.penalty_factor_length = cols;

  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};

  // ---- options ----
  bcd::LassoOptions o;
  o.fit_intercept = flags & 1;
  o.positive = flags & 2;
  o.selection = (flags & 4) ? bcd::Selection::Random : bcd::Selection::Cyclic;
  o.working_set = !(flags & 8);
  o.screening = !(flags & 16);
  o.anderson = !(flags & 32);
  o.gram = flags & 64;
  o.history = flags & 128;
  const uint8_t knobs = in.take<uint8_t>();
  o.seed = in.take<uint8_t>();
  o.max_iterations = in.take<uint8_t>() % 64;
  o.working_set_start = 1 + knobs % 12;
  o.anderson_every = 1 + (knobs >> 4) % 6;
  const uint8_t l1 = in.take<uint8_t>();
  o.l1_ratio = (l1 & 128) ? in.take<double>() : (l1 % 5) / 4.0;
  const uint8_t t = in.take<uint8_t>();
  o.tol = (t & 128) ? in.take<double>() : ((t & 64) ? 0.0 : std::ldexp(1.0, -(t % 48)));

  // λ_max (the lasso's, or of the drawn l1Ratio).
  double lmax = -1;
  const bool l1_ok = o.l1_ratio >= 0 && o.l1_ratio <= 1;
  try {
    lmax = bcd::lambda_max(e, pr, o.l1_ratio, o.fit_intercept, o.positive);
    require(data_ok && l1_ok);
    require(lmax >= 0);  // not NaN; +∞ with l1Ratio 0 (or beyond the largest double)
  } catch (const SolverError& err) {
    require(!(data_ok && l1_ok));
    require(!err.argument.empty());
  }

  const uint8_t lam = in.take<uint8_t>();
  bool above = false;  // λ > λ_max
  if (lam & 128) {
    o.lambda = in.take<double>();
  } else if (lmax >= 0 && std::isfinite(lmax)) {
    // A multiple of λ_max: 2^-(k) below it, or 1.01·2^k above it.
    const int k = lam % 12;
    o.lambda = (lam & 64) ? lmax * 1.01 * std::ldexp(1.0, k % 4) : lmax * std::ldexp(1.0, -k);
    above = (lam & 64) && lmax > 0;
  } else {
    o.lambda = std::ldexp(1.0, -(lam % 16));
  }
  const bool opt_ok = std::isfinite(o.lambda) && o.lambda >= 0 && l1_ok && std::isfinite(o.tol) &&
                      o.tol >= 0 && !(o.gram && layout == 2);
  const bool w0_ok = vector_ok(w0, false);

  // Box bounds (read last, so that inputs without them decode as before): small integers / 4,
  // 127 → +∞, −128 → −∞, or raw doubles. Refused (naming 'lower' / 'upper'): NaN, lower above
  // upper after `positive` raised it to 0, lower = +∞, upper = −∞.
  std::vector<double> lower, upper;
  auto bound = [&](std::vector<double>& b) {
    b.resize(static_cast<size_t>(cols));
    for (auto& v : b) {
      if (raw_opt) {
        v = in.take<double>();
        continue;
      }
      const int8_t c = in.take<int8_t>();
      v = c == 127 ? INFINITY : c == -128 ? -INFINITY : c / 4.0;
    }
  };
  if (extra & 8) bound(lower);
  if (extra & 16) bound(upper);
  if (!lower.empty()) pr.lower = lower.data(), pr.lower_length = cols;
  if (!upper.empty()) pr.upper = upper.data(), pr.upper_length = cols;
  std::vector<double> lo(static_cast<size_t>(cols), o.positive ? 0.0 : -INFINITY),
      hi(static_cast<size_t>(cols), INFINITY);
  bool bounds_ok = true, box_has_zero = true;
  for (int64_t j = 0; j < cols; ++j) {
    if (!lower.empty()) {
      bounds_ok = bounds_ok && !std::isnan(lower[j]) && lower[j] != INFINITY;
      lo[j] = o.positive ? std::max(lower[j], 0.0) : lower[j];
    }
    if (!upper.empty()) {
      bounds_ok = bounds_ok && !std::isnan(upper[j]) && upper[j] != -INFINITY;
      hi[j] = upper[j];
    }
    bounds_ok = bounds_ok && !(lo[j] > hi[j]);
    box_has_zero = box_has_zero && lo[j] <= 0 && hi[j] >= 0;
  }
  // Every promise is checked at every scale: the coefficients are finite (NonFinite keeps the last
  // finite iterate, at worst the start), and unless the reason is NonFinite the intercept,
  // objective and gap are too (overflowing columns or targets are reported as NonFinite).
  try {
    Control ctl;
    const bcd::LassoResult r = bcd::lasso(e, pr, o, ctl, w0.empty() ? nullptr : w0.data());
    require(data_ok && opt_ok && w0_ok && bounds_ok);
    require(static_cast<int64_t>(r.coef.size()) == cols);
    require(r.iterations >= 0 && r.iterations <= o.max_iterations);
    require(all_finite(r.coef));
    if (r.reason != Reason::NonFinite) {
      require(std::isfinite(r.intercept));
      require(std::isfinite(r.objective));
      require(std::isfinite(r.dual_gap));
    }
    if (r.reason == Reason::Tol) require(r.dual_gap <= r.tol_gap * (1 + 1e-12) + 1e-300);
    // Inside the box (a zero column included: its w_j is the point of the box nearest 0).
    for (int64_t j = 0; j < cols; ++j) require(r.coef[j] >= lo[j] && r.coef[j] <= hi[j]);
    // λ > λ_max from a zero start: w = 0 exactly. Only without unpenalised features: with them
    // λ_max is measured after their own fit, which can leave a residual of rounding size (then
    // λ_max is too, and the penalised coefficients may move by as much).
    bool all_penalised = true;
    for (double f : pf) all_penalised = all_penalised && f > 0;
    if (above && w0.empty() && o.l1_ratio > 0 && all_penalised && box_has_zero)
      for (double v : r.coef) require(v == 0.0);
    if (o.history) require(r.history.size() <= static_cast<size_t>(r.outer_iterations) + 1);
  } catch (const SolverError& err) {
    require(!(data_ok && opt_ok && w0_ok && bounds_ok));
    require(!err.argument.empty());
  }

  // A short path (bcd::lasso_path, warm starts) on the same problem: 1..4 values, sklearn's grid
  // from λ_max or given values (sometimes increasing or negative: refused naming 'lambdas').
  const uint8_t pk = in.take<uint8_t>();
  bcd::PathOptions po;
  po.lasso = o;
  po.n_lambdas = 1 + pk % 4;
  po.lambda_min_ratio = std::ldexp(1.0, -(1 + (pk >> 2) % 12));
  std::vector<double> grid;
  bool grid_ok = true;
  if (pk & 64) {
    grid.resize(static_cast<size_t>(po.n_lambdas));
    for (auto& v : grid)
      v = (lmax > 0 && std::isfinite(lmax) ? lmax : 1.0) * in.take<int8_t>() / 64;
    for (size_t k = 0; k < grid.size(); ++k)
      grid_ok =
          grid_ok && std::isfinite(grid[k]) && grid[k] >= 0 && (k == 0 || grid[k] <= grid[k - 1]);
    po.lambdas = grid.data();
  } else {
    // sklearn's grid needs λ_max finite and l1Ratio > 0; λ_max beyond the largest double (a tiny
    // raw l1Ratio) makes the first fit's λ non-finite: a named error, or not, either is fine.
    grid_ok = o.l1_ratio > 0;
  }
  const bool path_known = (pk & 64) || (lmax >= 0 && std::isfinite(lmax)) || !(data_ok && l1_ok);
  const bool path_ok = data_ok && l1_ok && std::isfinite(o.tol) && o.tol >= 0 &&
                       !(o.gram && layout == 2) && bounds_ok && grid_ok;
  std::vector<double> coefs(static_cast<size_t>(po.n_lambdas * cols), 0.0);
  try {
    Control ctl;
    const bcd::PathResult r = bcd::lasso_path(e, pr, po, ctl, coefs.data());
    if (path_known) require(path_ok);
    require(static_cast<int64_t>(r.lambdas.size()) == po.n_lambdas);
    for (size_t k = 1; k < r.lambdas.size(); ++k) require(r.lambdas[k] <= r.lambdas[k - 1]);
    require(r.count >= 0 && r.count <= po.n_lambdas);
    if (r.reason != Reason::NonFinite && r.reason != Reason::Aborted &&
        r.reason != Reason::TimeLimit)
      require(r.count == po.n_lambdas);
    require(static_cast<int64_t>(r.objectives.size()) == r.count);
    for (int64_t k = 0; k < r.count; ++k) {
      if (r.reasons[k] == Reason::Tol) require(r.dual_gaps[k] <= r.dual_gaps[k] + 0.0);  // not NaN
      if (r.reasons[k] != Reason::NonFinite) {
        require(std::isfinite(r.objectives[k]));
        for (int64_t j = 0; j < cols; ++j) require(std::isfinite(coefs[k * cols + j]));
      }
    }
  } catch (const SolverError& err) {
    if (path_known) require(!path_ok);
    require(!err.argument.empty());
  }
  return 0;
}
