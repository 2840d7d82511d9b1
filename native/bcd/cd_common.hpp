// Pieces the coordinate-descent solvers of native/bcd/ share (lasso, group_lasso, logistic, nnls):
// named argument errors, vector checks, the (weighted, optionally centred) target, and Anderson
// extrapolation weights. Pure C++ (no Node).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/control.hpp"
#include "../core/errors.hpp"

namespace itersolve {
namespace bcd {

[[noreturn]] inline void fail(const char* code, const char* argument, const std::string& message) {
  throw SolverError(code, std::string(argument) + ": " + message, -1, argument);
}

// v has `want` finite entries (≥ 0 with nonneg); len ≥ 0 is the caller's length (checked against
// want: ERR_DIMENSION_MISMATCH), −1 trusts the caller.
inline void check_vector(const double* v, int64_t len, int64_t want, const char* name,
                         bool nonneg) {
  if (len >= 0 && len != want)
    fail("ERR_DIMENSION_MISMATCH", name,
         "has " + std::to_string(len) + " entries, expected " + std::to_string(want));
  if (v == nullptr && want > 0) fail("ERR_INVALID_ARGUMENT", name, "missing");
  for (int64_t i = 0; i < want; ++i) {
    if (!std::isfinite(v[i]))
      fail("ERR_INVALID_ARGUMENT", name, "non-finite entry at " + std::to_string(i));
    if (nonneg && v[i] < 0)
      fail("ERR_INVALID_ARGUMENT", name, "negative entry at " + std::to_string(i));
  }
}

// y − ȳ with ȳ = Σ s_i y_i / S (0 without intercept), and ‖y − ȳ‖²_s.
struct Target {
  double ybar = 0.0;
  double yy = 0.0;
  std::vector<double> yc;
};
inline Target centre_target(const double* y, const double* s, int64_t n, double S,
                            bool fit_intercept) {
  Target t;
  if (fit_intercept && S > 0) {
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i) acc += (s ? s[i] : 1.0) * y[i];
    t.ybar = acc / S;
  }
  t.yc.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    t.yc[i] = y[i] - t.ybar;
    t.yy += (s ? s[i] : 1.0) * t.yc[i] * t.yc[i];
  }
  return t;
}

// K×K solve M z = b by Gaussian elimination with partial pivoting (M row-major, overwritten);
// false when singular or the solution is not finite.
inline bool small_solve(std::vector<double>& M, std::vector<double>& b, int K) {
  for (int col = 0; col < K; ++col) {
    int piv = col;
    for (int i = col + 1; i < K; ++i)
      if (std::fabs(M[i * K + col]) > std::fabs(M[piv * K + col])) piv = i;
    if (!(std::fabs(M[piv * K + col]) > 0)) return false;
    if (piv != col) {
      for (int k = 0; k < K; ++k) std::swap(M[col * K + k], M[piv * K + k]);
      std::swap(b[col], b[piv]);
    }
    for (int i = col + 1; i < K; ++i) {
      const double f = M[i * K + col] / M[col * K + col];
      for (int k = col; k < K; ++k) M[i * K + k] -= f * M[col * K + k];
      b[i] -= f * b[col];
    }
  }
  for (int i = K - 1; i >= 0; --i) {
    double acc = b[i];
    for (int k = i + 1; k < K; ++k) acc -= M[i * K + k] * b[k];
    b[i] = acc / M[i * K + i];
  }
  for (int i = 0; i < K; ++i)
    if (!std::isfinite(b[i])) return false;
  return true;
}

// Anderson extrapolation (regularised, as in celer / skglm) of K + 1 successive iterates of m
// values: hist holds them one after another (iterate a at hist[a·m .. a·m + m)). With U_a =
// x_{a+1} − x_a, solves (UᵀU + 1e-12·tr) z = 1 and writes out = Σ_a z_a/Σz · x_{a+1}. False (out
// untouched) when the differences vanish or the system is singular.
inline bool anderson_extrapolate(const std::vector<double>& hist, int64_t m, int K,
                                 std::vector<double>& out) {
  std::vector<double> M(static_cast<size_t>(K * K)), z(static_cast<size_t>(K), 1.0);
  for (int a = 0; a < K; ++a)
    for (int b = 0; b <= a; ++b) {
      double acc = 0.0;
      for (int64_t k = 0; k < m; ++k)
        acc +=
            (hist[(a + 1) * m + k] - hist[a * m + k]) * (hist[(b + 1) * m + k] - hist[b * m + k]);
      M[a * K + b] = M[b * K + a] = acc;
    }
  double tr = 0.0;
  for (int a = 0; a < K; ++a) tr += M[a * K + a];
  if (!(tr > 0)) return false;
  for (int a = 0; a < K; ++a) M[a * K + a] += 1e-12 * tr;
  if (!small_solve(M, z, K)) return false;
  double zs = 0.0;
  for (int a = 0; a < K; ++a) zs += z[a];
  if (!(std::fabs(zs) > 0)) return false;
  out.assign(static_cast<size_t>(m), 0.0);
  for (int a = 0; a < K; ++a)
    for (int64_t k = 0; k < m; ++k) out[k] += z[a] / zs * hist[(a + 1) * m + k];
  for (int64_t k = 0; k < m; ++k)
    if (!std::isfinite(out[k])) return false;
  return true;
}

// The inner loop of a working-set solver with Anderson acceleration (lasso, group lasso): epochs
// of sweep() until restricted_gap() ≤ target (checked every K epochs), the epoch budget
// (epochs < max_epochs, counted in `epochs`) is spent or ctl says stop (its reason is returned;
// StopReason::None otherwise). With anderson, the iterates w[feats] are saved after every epoch
// and, once K + 1 are held, extrapolate(hist) is called with them (anderson_extrapolate's layout),
// then the history restarts from the current w. A non-finite restricted gap ends the loop too.
template <class Sweep, class Extrapolate, class RestrictedGap>
StopReason working_set_epochs(Control& ctl, int64_t max_epochs, int64_t& epochs, int K,
                              bool anderson, const std::vector<int64_t>& feats, const double* w,
                              double target, Sweep&& sweep, Extrapolate&& extrapolate,
                              RestrictedGap&& restricted_gap) {
  const int64_t m = static_cast<int64_t>(feats.size());
  std::vector<double> hist;
  int nhist = 0;
  if (anderson) hist.resize(static_cast<size_t>((K + 1) * m));
  auto save = [&]() {
    for (int64_t k = 0; k < m; ++k) hist[nhist * m + k] = w[feats[k]];
    ++nhist;
  };
  if (anderson) save();
  int since_check = 0;
  while (epochs < max_epochs) {
    const StopReason s = ctl.poll();
    if (s != StopReason::None) return s;
    sweep();
    ++epochs;
    ++since_check;
    if (anderson) {
      save();
      if (nhist == K + 1) {
        extrapolate(static_cast<const std::vector<double>&>(hist));
        nhist = 0;
        save();
      }
    }
    if (since_check >= K) {
      since_check = 0;
      const double g = restricted_gap();
      if (!std::isfinite(g) || g <= target) break;
    }
  }
  return StopReason::None;
}

}  // namespace bcd
}  // namespace itersolve
