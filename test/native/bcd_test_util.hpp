// What the coordinate-descent test programs share (lasso, group_lasso, logistic, path, prox_bcd,
// mlp): a seeded generator, random column-major designs (sparse by a drop rate, neighbours
// correlated by a factor) with their CSC and row-major forms, a response driven by the first
// features, maxdiff, and the probes of the argument and code a SolverError names.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../../native/bcd/design.hpp"
#include "../../native/core/errors.hpp"

namespace bcd_test {

using Vec = std::vector<double>;

// A 64-bit linear congruential generator: uniform in [0, 1), normal by Box-Muller.
struct Lcg {
  uint64_t s;
  double uniform() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return double(s >> 11) * (1.0 / 9007199254740992.0);
  }
  double normal() {
    const double u = uniform() + 1e-300, v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};

// A column-major n×p array, column by column: each entry draws one uniform and is 0 with
// probability `zero`, else rho·(its left neighbour) + N(0, 1) + shift.
inline Vec random_design(int64_t n, int64_t p, double zero, Lcg& r, double shift = 0.0,
                         double rho = 0.0) {
  Vec F(size_t(n * p));
  for (int64_t j = 0; j < p; ++j)
    for (int64_t i = 0; i < n; ++i) {
      const double prev = j > 0 ? F[(j - 1) * n + i] : 0.0;
      F[j * n + i] = r.uniform() < zero ? 0.0 : rho * prev + r.normal() + shift;
    }
  return F;
}

// y_i = 0.5·N(0, 1) + offset + Σ_{j < k} (j even ? even : odd)·F_ij.
inline Vec linear_response(const Vec& F, int64_t n, int64_t p, Lcg& r, double offset, int64_t k,
                           double even, double odd) {
  Vec y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double acc = 0.5 * r.normal() + offset;
    for (int64_t j = 0; j < std::min<int64_t>(p, k); ++j)
      acc += (j % 2 ? odd : even) * F[j * n + i];
    y[i] = acc;
  }
  return y;
}

// One n×p matrix as dense column-major data F and its CSC twin (cp, ri, cv; explicit zeros
// dropped), viewed as bcd::Design either way.
struct DesignForms {
  int64_t n = 0, p = 0;
  Vec F;  // column-major
  std::vector<int32_t> cp, ri;
  Vec cv;
  void set(int64_t n_, int64_t p_, Vec F_) {
    n = n_, p = p_, F = std::move(F_);
    to_csc();
  }
  // (Re)builds the CSC twin from F.
  void to_csc() {
    cp.assign(1, 0), ri.clear(), cv.clear();
    for (int64_t j = 0; j < p; ++j) {
      for (int64_t i = 0; i < n; ++i)
        if (F[j * n + i] != 0.0) ri.push_back(int32_t(i)), cv.push_back(F[j * n + i]);
      cp.push_back(int32_t(ri.size()));
    }
  }
  Vec row_major() const {
    Vec C(F.size());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < p; ++j) C[i * p + j] = F[j * n + i];
    return C;
  }
  itersolve::bcd::Design dense() const { return itersolve::bcd::Design::col_major(n, p, F.data()); }
  itersolve::bcd::Design sparse() const {
    return itersolve::bcd::Design::csc(itersolve::CscView{n, p, cp.data(), ri.data(), cv.data()});
  }
};

// A regression problem: random_design(n, p, zero, ·, shift, rho) and linear_response(offset,
// informative, even, odd) from one generator seeded with `seed`.
struct LinearModel {
  double shift, rho, offset;
  int64_t informative;
  double even, odd;
};
struct Regression : DesignForms {
  Vec y;
  Regression(int64_t n_, int64_t p_, double zero, uint64_t seed, const LinearModel& m) {
    Lcg r{seed};
    set(n_, p_, random_design(n_, p_, zero, r, m.shift, m.rho));
    y = linear_response(F, n, p, r, m.offset, m.informative, m.even, m.odd);
  }
};

// The weighted centring a reference solver starts from (s empty: unit weights): S = Σ s_i; with
// an intercept ȳ and μ_j the weighted means of y and column j (else 0); X = F − μ column-major.
struct Centred {
  double S = 0, ybar = 0;
  Vec mu, X;
};
inline Centred centre(const DesignForms& P, const Vec& y, const Vec& s, bool intercept) {
  const int64_t n = P.n, p = P.p;
  auto sw = [&](int64_t i) { return s.empty() ? 1.0 : s[i]; };
  Centred c;
  for (int64_t i = 0; i < n; ++i) c.S += sw(i);
  c.mu.assign(size_t(p), 0.0);
  if (intercept) {
    for (int64_t i = 0; i < n; ++i) c.ybar += sw(i) * y[i] / c.S;
    for (int64_t j = 0; j < p; ++j)
      for (int64_t i = 0; i < n; ++i) c.mu[j] += sw(i) * P.F[j * n + i] / c.S;
  }
  c.X.resize(P.F.size());
  for (int64_t j = 0; j < p; ++j)
    for (int64_t i = 0; i < n; ++i) c.X[j * n + i] = P.F[j * n + i] - c.mu[j];
  return c;
}

inline double maxdiff(const Vec& a, const Vec& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// The argument the SolverError fn throws names ("(none)" when it throws nothing); its code into
// *code where given.
template <class Fn>
std::string error_argument(Fn&& fn, std::string* code = nullptr) {
  try {
    fn();
  } catch (const itersolve::SolverError& err) {
    if (code) *code = err.code;
    return err.argument;
  }
  return "(none)";
}

// Whether fn throws a SolverError naming `arg` with `code` (a mismatch is printed).
template <class Fn>
bool throws_named(Fn&& fn, const char* arg, const char* code) {
  std::string got_code = "(none)";
  const std::string got = error_argument(fn, &got_code);
  const bool ok = got == arg && got_code == code;
  if (!ok)
    std::fprintf(stderr, "  threw %s (%s), expected %s (%s)\n", got.c_str(), got_code.c_str(), arg,
                 code);
  return ok;
}

}  // namespace bcd_test
