// Lasso / elastic net by working-set coordinate descent (native/bcd/lasso.hpp). Checks:
//  - against a plain textbook cyclic CD written here (explicitly centred, weighted, dense), run
//    until its coefficients stop moving: coefficients and intercept to 1e-8, on small dense and
//    sparse problems, n > p and p > n, lasso and elastic net, with and without intercept;
//  - column-major, row-major and CSC views of one matrix give the same solution; CSC with an
//    intercept (implicit centring) equals the densified, explicitly centred problem;
//  - λ ≥ λ_max gives exactly zero coefficients (also positive, and with unpenalised features);
//  - the KKT conditions hold at the solution; the reported gap meets tol and equals a
//    recomputation; the objective is the documented one;
//  - screening, working sets and Anderson on/off, random selection, the Gram path: one solution;
//    the same seed gives the same bits;
//  - positive, penalty factors 0, sample weights = row duplication;
//  - errors name the argument; abort and max-iterations end honestly.
// Build and run:  test/native/build.sh lasso_tests /tmp/out && /tmp/out/lasso_tests

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../../native/bcd/lasso.hpp"
#include "../../native/bcd/nnls.hpp"

using namespace itersolve;
using namespace itersolve::bcd;

#include "bcd_test_util.hpp"
#include "check.hpp"

using namespace bcd_test;

namespace {

// A random column-major n×p design (entries zeroed with probability `zero`), its CSC form and a
// response with a few informative features.
struct Problem : Regression {
  Problem(int64_t n, int64_t p, double zero, uint64_t seed, double shift = 0.0)
      : Regression(n, p, zero, seed, {shift, 0.0, 3.0, 5, 2.0, -1.5}) {}
};

struct Ref {
  Vec w;
  double c = 0.0;
};

// The textbook: centre X and y with the weighted means, then cyclic
// w_j ← S(⟨x_j, r⟩ + ‖x_j‖² w_j, λ a f_j S)/(‖x_j‖² + λ(1−a) f_j S) (positive: clipped at 0)
// until no coefficient moves by more than 1e-15 in an epoch.
Ref reference(const Problem& P, double lambda, double a, bool intercept, bool positive,
              const Vec& s = Vec(), const Vec& pf = Vec(), const Vec& lo = Vec(),
              const Vec& hi = Vec()) {
  const int64_t n = P.n, p = P.p;
  auto sw = [&](int64_t i) { return s.empty() ? 1.0 : s[i]; };
  const Centred cen = centre(P, P.y, s, intercept);
  const double S = cen.S, ybar = cen.ybar;
  const Vec &mu = cen.mu, &X = cen.X;
  Vec r(n), w(p, 0.0), L(p, 0.0);
  for (int64_t i = 0; i < n; ++i) r[i] = P.y[i] - ybar;
  for (int64_t j = 0; j < p; ++j)
    for (int64_t i = 0; i < n; ++i) L[j] += sw(i) * X[j * n + i] * X[j * n + i];
  for (int epoch = 0; epoch < 2000000; ++epoch) {
    double moved = 0;
    for (int64_t j = 0; j < p; ++j) {
      const double f = pf.empty() ? 1.0 : pf[j];
      const double den = L[j] + lambda * (1 - a) * f * S;
      if (den <= 0) continue;
      double z = L[j] * w[j];
      for (int64_t i = 0; i < n; ++i) z += sw(i) * X[j * n + i] * r[i];
      const double t = lambda * a * f * S;
      double nw = z > t ? (z - t) / den : (z < -t && !positive ? (z + t) / den : 0.0);
      if (!lo.empty()) nw = std::max(nw, lo[j]);  // box bounds: the clipped 1-D minimiser
      if (!hi.empty()) nw = std::min(nw, hi[j]);
      const double d = nw - w[j];
      if (d != 0) {
        for (int64_t i = 0; i < n; ++i) r[i] -= d * X[j * n + i];
        w[j] = nw;
        moved = std::max(moved, std::fabs(d));
      }
    }
    if (moved < 1e-15) break;
  }
  Ref out;
  out.w = w;
  out.c = ybar;
  for (int64_t j = 0; j < p; ++j) out.c -= mu[j] * w[j];
  return out;
}

LassoOptions tight(double lambda, double a = 1.0, bool intercept = true) {
  LassoOptions o;
  o.lambda = lambda, o.l1_ratio = a, o.fit_intercept = intercept, o.tol = 1e-13;
  o.max_iterations = 200000;
  return o;
}

LassoResult solve(const Engine& e, const Design& X, const Vec& y, const LassoOptions& o,
                  const Vec& s = Vec(), const Vec& pf = Vec()) {
  LassoProblem pr;
  pr.X = X, pr.y = y.data(), pr.y_length = int64_t(y.size());
  if (!s.empty()) pr.sample_weight = s.data(), pr.sample_weight_length = int64_t(s.size());
  if (!pf.empty()) pr.penalty_factor = pf.data(), pr.penalty_factor_length = int64_t(pf.size());
  Control ctl;
  return lasso(e, pr, o, ctl);
}

double lmax(const Engine& e, const Design& X, const Vec& y, double a, bool intercept, bool pos,
            const Vec& s = Vec(), const Vec& pf = Vec()) {
  LassoProblem pr;
  pr.X = X, pr.y = y.data();
  if (!s.empty()) pr.sample_weight = s.data();
  if (!pf.empty()) pr.penalty_factor = pf.data();
  return lambda_max(e, pr, a, intercept, pos);
}

// KKT of the documented objective at (w, c): with g_j = ⟨x_j − μ_j, r⟩_s/S − λ(1−a)f_j w_j,
// g_j = λ a f_j sign(w_j) on the support and |g_j| ≤ λ a f_j off it (positive: g_j ≤ λ a f_j).
double kkt_violation(const Problem& P, const LassoResult& R, double lambda, double a, bool positive,
                     const Vec& s = Vec(), const Vec& pf = Vec()) {
  const int64_t n = P.n, p = P.p;
  auto sw = [&](int64_t i) { return s.empty() ? 1.0 : s[i]; };
  double S = 0;
  for (int64_t i = 0; i < n; ++i) S += sw(i);
  Vec r(n);
  for (int64_t i = 0; i < n; ++i) {
    double acc = P.y[i] - R.intercept;
    for (int64_t j = 0; j < p; ++j) acc -= P.F[j * n + i] * R.coef[j];
    r[i] = acc;
  }
  double worst = 0;
  for (int64_t j = 0; j < p; ++j) {
    const double f = pf.empty() ? 1.0 : pf[j];
    double g = 0;
    for (int64_t i = 0; i < n; ++i) g += sw(i) * P.F[j * n + i] * r[i] / S;
    g -= lambda * (1 - a) * f * R.coef[j];
    const double t = lambda * a * f;
    double v;
    if (R.coef[j] > 0) v = std::fabs(g - t);
    else if (R.coef[j] < 0) v = std::fabs(g + t);
    else v = positive ? std::max(0.0, g - t) : std::max(0.0, std::fabs(g) - t);
    worst = std::max(worst, v);
  }
  return worst;
}

void test_reference(const Engine& e) {
  struct Case {
    int64_t n, p;
    double zero;
  } cases[] = {{40, 12, 0.0}, {25, 60, 0.0}, {50, 20, 0.7}, {30, 80, 0.8}};
  for (const Case& c : cases)
    for (bool intercept : {true, false})
      for (double a : {1.0, 0.5})
        for (double frac : {0.3, 0.05}) {
          Problem P(c.n, c.p, c.zero, 11 + uint64_t(c.p), 0.3);
          const double lm = lmax(e, P.dense(), P.y, a, intercept, false);
          const double lam = frac * lm;
          const Ref ref = reference(P, lam, a, intercept, false);
          for (const Design& X : {P.dense(), P.sparse()}) {
            const LassoResult R = solve(e, X, P.y, tight(lam, a, intercept));
            CHECK(R.reason == Reason::Tol);
            CHECK(maxdiff(R.coef, ref.w) < 1e-8);
            CHECK(std::fabs(R.intercept - ref.c) < 1e-8);
            CHECK(kkt_violation(P, R, lam, a, false) < 1e-9);
            CHECK(R.dual_gap <= R.tol_gap);
            if (maxdiff(R.coef, ref.w) >= 1e-8 || R.reason != Reason::Tol)
              std::fprintf(stderr,
                           "  n=%lld p=%lld zero=%g icpt=%d a=%g frac=%g diff %.3g gap %.3g tolgap "
                           "%.3g it %lld\n",
                           (long long)c.n, (long long)c.p, c.zero, intercept, a, frac,
                           maxdiff(R.coef, ref.w), R.dual_gap, R.tol_gap, (long long)R.iterations);
          }
        }
}

// The objective as documented, recomputed from (w, c).
double objective(const Problem& P, const LassoResult& R, double lambda, double a) {
  double f = 0;
  for (int64_t i = 0; i < P.n; ++i) {
    double r = P.y[i] - R.intercept;
    for (int64_t j = 0; j < P.p; ++j) r -= P.F[j * P.n + i] * R.coef[j];
    f += r * r;
  }
  f /= 2.0 * double(P.n);
  for (double w : R.coef) f += lambda * (a * std::fabs(w) + (1 - a) / 2 * w * w);
  return f;
}

void test_layouts_and_objective(const Engine& e) {
  Problem P(60, 150, 0.6, 7, 1.0);
  const Vec C = P.row_major();
  for (bool intercept : {true, false}) {
    const double lam = 0.1 * lmax(e, P.dense(), P.y, 0.9, intercept, false);
    const LassoResult a = solve(e, P.dense(), P.y, tight(lam, 0.9, intercept));
    const LassoResult b =
        solve(e, Design::row_major(P.n, P.p, C.data()), P.y, tight(lam, 0.9, intercept));
    const LassoResult c = solve(e, P.sparse(), P.y, tight(lam, 0.9, intercept));
    CHECK(maxdiff(a.coef, b.coef) < 1e-10 && maxdiff(a.coef, c.coef) < 1e-10);
    CHECK(std::fabs(a.intercept - c.intercept) < 1e-10);
    CHECK(std::fabs(a.objective - objective(P, a, lam, 0.9)) < 1e-12 * std::fabs(a.objective));
    // Sparse X with an intercept = the densified, explicitly centred problem without one.
    if (intercept) {
      Problem Q = P;
      double ybar = 0;
      for (double v : Q.y) ybar += v / double(Q.n);
      for (double& v : Q.y) v -= ybar;
      Vec mu(P.p, 0.0);
      for (int64_t j = 0; j < P.p; ++j) {
        for (int64_t i = 0; i < P.n; ++i) mu[j] += P.F[j * P.n + i] / double(P.n);
        for (int64_t i = 0; i < P.n; ++i) Q.F[j * P.n + i] -= mu[j];
      }
      const LassoResult d = solve(e, Q.dense(), Q.y, tight(lam, 0.9, false));
      CHECK(maxdiff(c.coef, d.coef) < 1e-9);
      double icpt = ybar;
      for (int64_t j = 0; j < P.p; ++j) icpt -= mu[j] * d.coef[j];
      CHECK(std::fabs(c.intercept - icpt) < 1e-9);
      CHECK(std::fabs(c.objective - d.objective) < 1e-12 * d.objective);
    }
  }
}

void test_lambda_max(const Engine& e) {
  Problem P(30, 50, 0.5, 5, 0.5);
  for (bool positive : {false, true})
    for (const Design& X : {P.dense(), P.sparse()}) {
      const double lm = lmax(e, X, P.y, 0.7, true, positive);
      CHECK(lm > 0);
      LassoOptions o = tight(lm, 0.7);
      o.positive = positive;
      LassoResult R = solve(e, X, P.y, o);
      bool zero = true;
      for (double w : R.coef) zero = zero && w == 0.0;
      CHECK(zero && R.reason == Reason::Tol);
      CHECK(std::fabs(R.intercept - [&] {
              double m = 0;
              for (double v : P.y) m += v / double(P.n);
              return m;
            }()) < 1e-12);
      o.lambda = 0.98 * lm;
      R = solve(e, X, P.y, o);
      int nz = 0;
      for (double w : R.coef) nz += w != 0.0;
      CHECK(nz >= 1);
    }
  // Unpenalised features are fitted first: beyond λ_max only they are non-zero.
  Vec pf(P.p, 1.0);
  pf[3] = 0.0, pf[10] = 0.0;
  const double lm = lmax(e, P.dense(), P.y, 1.0, true, false, Vec(), pf);
  const LassoResult R = solve(e, P.dense(), P.y, tight(1.01 * lm), Vec(), pf);
  bool ok = R.coef[3] != 0.0 && R.coef[10] != 0.0;
  for (int64_t j = 0; j < P.p; ++j)
    if (j != 3 && j != 10) ok = ok && R.coef[j] == 0.0;
  CHECK(ok);
  const LassoResult R2 = solve(e, P.dense(), P.y, tight(0.97 * lm), Vec(), pf);
  int nz = 0;
  for (double w : R2.coef) nz += w != 0.0;
  CHECK(nz >= 3);
}

void test_accelerations(const Engine& e) {
  Problem P(50, 300, 0.0, 9, 0.0);
  const double lam = 0.05 * lmax(e, P.dense(), P.y, 1.0, true, false);
  const LassoResult base = solve(e, P.dense(), P.y, tight(lam));
  CHECK(base.reason == Reason::Tol);
  CHECK(base.screened > 0);
  CHECK(base.anderson_accepted > 0);
  for (int mask = 0; mask < 8; ++mask) {
    LassoOptions o = tight(lam);
    o.working_set = mask & 1, o.screening = mask & 2, o.anderson = mask & 4;
    const LassoResult R = solve(e, P.dense(), P.y, o);
    CHECK(R.reason == Reason::Tol);
    CHECK(maxdiff(R.coef, base.coef) < 1e-8);
    if (!o.screening) CHECK(R.screened == 0);
  }
  LassoOptions o = tight(lam);
  o.selection = Selection::Random, o.seed = 42;
  const LassoResult r1 = solve(e, P.dense(), P.y, o), r2 = solve(e, P.dense(), P.y, o);
  CHECK(r1.reason == Reason::Tol && maxdiff(r1.coef, base.coef) < 1e-8);
  CHECK(std::memcmp(r1.coef.data(), r2.coef.data(), r1.coef.size() * sizeof(double)) == 0);
  CHECK(r1.iterations == r2.iterations);
  // History: one gap per outer iteration, the last one meeting tol.
  o = tight(lam);
  o.history = true;
  const LassoResult h = solve(e, P.dense(), P.y, o);
  CHECK(!h.history.empty() && h.history.back() <= h.tol_gap);
  CHECK(int64_t(h.history.size()) == h.outer_iterations + 1);
}

void test_gram(const Engine& e) {
  Problem P(400, 15, 0.0, 21, 2.0);
  Vec s(P.n);
  for (int64_t i = 0; i < P.n; ++i) s[i] = 0.5 + double(i % 3);
  for (bool intercept : {true, false}) {
    const double lam = 0.02 * lmax(e, P.dense(), P.y, 0.8, intercept, false, s);
    LassoOptions o = tight(lam, 0.8, intercept);
    const LassoResult a = solve(e, P.dense(), P.y, o, s);
    o.gram = true;
    const LassoResult b = solve(e, P.dense(), P.y, o, s);
    CHECK(a.reason == Reason::Tol && b.reason == Reason::Tol);
    CHECK(maxdiff(a.coef, b.coef) < 1e-8);
    CHECK(std::fabs(a.intercept - b.intercept) < 1e-8);
    CHECK(std::fabs(a.objective - b.objective) < 1e-10 * a.objective);
    const Ref ref = reference(P, lam, 0.8, intercept, false, s);
    CHECK(maxdiff(b.coef, ref.w) < 1e-8);
  }
}

void test_positive_and_penalty(const Engine& e) {
  Problem P(40, 30, 0.3, 13, 0.0);
  const double lam = 0.05 * lmax(e, P.dense(), P.y, 1.0, true, true);
  for (const Design& X : {P.dense(), P.sparse()}) {
    LassoOptions o = tight(lam);
    o.positive = true;
    const LassoResult R = solve(e, X, P.y, o);
    bool nonneg = true;
    for (double w : R.coef) nonneg = nonneg && w >= 0;
    CHECK(nonneg && R.reason == Reason::Tol);
    const Ref ref = reference(P, lam, 1.0, true, true);
    CHECK(maxdiff(R.coef, ref.w) < 1e-8);
    CHECK(kkt_violation(P, R, lam, 1.0, true) < 1e-9);
  }
  Vec pf(P.p);
  for (int64_t j = 0; j < P.p; ++j) pf[j] = j % 7 == 0 ? 0.0 : 0.5 + 0.1 * double(j % 4);
  const double lam2 = 0.2 * lmax(e, P.dense(), P.y, 0.6, true, false, Vec(), pf);
  const Ref ref = reference(P, lam2, 0.6, true, false, Vec(), pf);
  for (const Design& X : {P.dense(), P.sparse()}) {
    const LassoResult R = solve(e, X, P.y, tight(lam2, 0.6), Vec(), pf);
    CHECK(R.reason == Reason::Tol);
    CHECK(maxdiff(R.coef, ref.w) < 1e-8);
    CHECK(kkt_violation(P, R, lam2, 0.6, false, Vec(), pf) < 1e-9);
  }
}

void test_weights(const Engine& e) {
  Problem P(25, 40, 0.5, 17, 0.7);
  Vec s(P.n);
  for (int64_t i = 0; i < P.n; ++i) s[i] = double(i % 3);  // 0, 1 and 2 copies
  // The duplicated problem.
  int64_t m = 0;
  for (double v : s) m += int64_t(v);
  Problem D(m, P.p, 0.0, 1);
  int64_t row = 0;
  for (int64_t i = 0; i < P.n; ++i)
    for (int c = 0; c < int(s[i]); ++c, ++row) {
      D.y[row] = P.y[i];
      for (int64_t j = 0; j < P.p; ++j) D.F[j * m + row] = P.F[j * P.n + i];
    }
  D.to_csc();
  for (bool intercept : {true, false}) {
    const double lm = lmax(e, P.dense(), P.y, 0.7, intercept, false, s);
    CHECK(std::fabs(lm - lmax(e, D.dense(), D.y, 0.7, intercept, false)) < 1e-12 * lm);
    const double lam = 0.1 * lm;
    const LassoResult dup = solve(e, D.dense(), D.y, tight(lam, 0.7, intercept));
    for (const Design& X : {P.dense(), P.sparse()}) {
      const LassoResult R = solve(e, X, P.y, tight(lam, 0.7, intercept), s);
      CHECK(R.reason == Reason::Tol);
      CHECK(maxdiff(R.coef, dup.coef) < 1e-8);
      CHECK(std::fabs(R.intercept - dup.intercept) < 1e-8);
      CHECK(std::fabs(R.objective - dup.objective) < 1e-10 * dup.objective);
    }
    const Ref ref = reference(P, lam, 0.7, intercept, false, s);
    CHECK(maxdiff(dup.coef, ref.w) < 1e-8);
  }
}

void test_errors(const Engine& e) {
  Problem P(10, 4, 0.0, 3);
  auto run = [&](Problem Q, LassoOptions o, Vec s = Vec(), Vec pf = Vec(), bool sparse = false,
                 int64_t ylen = -1) {
    LassoProblem pr;
    pr.X = sparse ? Q.sparse() : Q.dense();
    pr.y = Q.y.data(), pr.y_length = ylen < 0 ? int64_t(Q.y.size()) : ylen;
    if (!s.empty()) pr.sample_weight = s.data(), pr.sample_weight_length = int64_t(s.size());
    if (!pf.empty()) pr.penalty_factor = pf.data(), pr.penalty_factor_length = int64_t(pf.size());
    Control ctl;
    lasso(e, pr, o, ctl);
  };
  LassoOptions o;
  o.lambda = 0.1;
  std::string code;
  Problem bad = P;
  bad.F[5] = NAN;
  CHECK(error_argument([&] { run(bad, o); }) == "X");
  bad = P;
  bad.cv[2] = INFINITY;
  CHECK(error_argument([&] { run(bad, o, Vec(), Vec(), true); }) == "X");
  bad = P;
  bad.y[1] = NAN;
  CHECK(error_argument([&] { run(bad, o); }) == "y");
  CHECK(error_argument([&] { run(P, o, Vec(), Vec(), false, 9); }, &code) == "y");
  CHECK(code == std::string("ERR_DIMENSION_MISMATCH"));
  LassoOptions l = o;
  l.lambda = -1;
  CHECK(error_argument([&] { run(P, l); }) == "lambda");
  l = o;
  l.l1_ratio = 1.5;
  CHECK(error_argument([&] { run(P, l); }) == "l1Ratio");
  l.l1_ratio = NAN;
  CHECK(error_argument([&] { run(P, l); }) == "l1Ratio");
  CHECK(error_argument([&] { run(P, o, Vec(10, -1.0)); }) == "sampleWeight");
  CHECK(error_argument([&] { run(P, o, Vec(10, 0.0)); }) == "sampleWeight");
  CHECK(error_argument([&] { run(P, o, Vec(3, 1.0)); }, &code) == "sampleWeight");
  CHECK(code == std::string("ERR_DIMENSION_MISMATCH"));
  CHECK(error_argument([&] { run(P, o, Vec(), Vec(4, -1.0)); }) == "penaltyFactor");
  CHECK(error_argument([&] { run(P, o, Vec(), Vec(5, 1.0)); }) == "penaltyFactor");
  l = o;
  l.gram = true;
  CHECK(error_argument([&] { run(P, l, Vec(), Vec(), true); }) == "precompute");
  {
    Problem none(0, 4, 0.0, 1);
    CHECK(error_argument([&] { run(none, o); }) == "X");
    // No features: w is empty, the intercept the mean.
    Problem empty(10, 0, 0.0, 1);
    LassoProblem pr;
    pr.X = empty.dense(), pr.y = empty.y.data();
    Control ctl;
    const LassoResult R = lasso(e, pr, o, ctl);
    double m = 0;
    for (double v : empty.y) m += v / 10.0;
    CHECK(R.reason == Reason::Tol && R.coef.empty() && std::fabs(R.intercept - m) < 1e-12);
  }
  bad = P;
  bad.ri[0] = 99;
  CHECK(error_argument([&] { run(bad, o, Vec(), Vec(), true); }, &code) == "X");
  CHECK(code == std::string("ERR_INVALID_MATRIX"));
}

void test_control(const Engine& e) {
  Problem P(50, 200, 0.0, 31);
  const double lam = 0.01 * lmax(e, P.dense(), P.y, 1.0, true, false);
  LassoProblem pr;
  pr.X = P.dense(), pr.y = P.y.data();
  LassoOptions o = tight(lam);
  std::atomic<bool> flag{true};
  Control ctl;
  ctl.set_abort_flag(&flag);
  LassoResult R = lasso(e, pr, o, ctl);
  CHECK(R.reason == Reason::Aborted);
  CHECK(R.coef.size() == size_t(P.p) && R.iterations == 0);
  o.max_iterations = 3;
  Control ctl2;
  R = lasso(e, pr, o, ctl2);
  CHECK(R.reason == Reason::MaxIterations && R.iterations == 3);
  CHECK(std::isfinite(R.dual_gap) && R.dual_gap > R.tol_gap);
  // A warm start at the solution converges at once.
  o = tight(lam);
  Control ctl3;
  const LassoResult full = lasso(e, pr, o, ctl3);
  Control ctl4;
  R = lasso(e, pr, o, ctl4, full.coef.data());
  CHECK(R.reason == Reason::Tol && R.iterations <= 5 && maxdiff(R.coef, full.coef) < 1e-10);
  // Overflow (finite data whose squares are not): NonFinite, the start iterate kept.
  Problem H = P;
  for (double& v : H.y) v *= 1e300;
  pr.y = H.y.data();
  Control ctl5;
  R = lasso(e, pr, tight(lam), ctl5);
  CHECK(R.reason == Reason::NonFinite);
  bool zero = true;
  for (double w : R.coef) zero = zero && w == 0.0;
  CHECK(zero);
}

LassoResult solve_box(const Engine& e, const Design& X, const Vec& y, const LassoOptions& o,
                      const Vec& lo, const Vec& hi, Control* ctl = nullptr,
                      const double* w0 = nullptr) {
  LassoProblem pr;
  pr.X = X, pr.y = y.data(), pr.y_length = int64_t(y.size());
  if (!lo.empty()) pr.lower = lo.data(), pr.lower_length = int64_t(lo.size());
  if (!hi.empty()) pr.upper = hi.data(), pr.upper_length = int64_t(hi.size());
  Control own;
  return lasso(e, pr, o, ctl ? *ctl : own, w0);
}

// Box bounds: the clipped textbook CD agrees; bounds bind; a box excluding 0; lower = 0 is
// positive; the gap is ≥ 0, meets tol, and bounds the true suboptimality at early stops.
void test_box(const Engine& e) {
  const double inf = std::numeric_limits<double>::infinity();
  int binding = 0;
  for (int64_t shape = 0; shape < 3; ++shape) {
    const int64_t n = shape == 1 ? 25 : 50, p = shape == 1 ? 60 : 15;
    Problem P(n, p, shape == 2 ? 0.6 : 0.0, 41 + uint64_t(shape), 0.3);
    for (bool intercept : {true, false})
      for (double a : {1.0, 0.5}) {
        const double lam = 0.05 * lmax(e, P.dense(), P.y, a, intercept, false);
        const Ref free = reference(P, lam, a, intercept, false);
        Vec lo(p, -inf), hi(p, inf);
        for (int64_t j = 0; j < p; ++j) {
          if (free.w[j] > 0.05) hi[j] = 0.5 * free.w[j];  // binds
          if (free.w[j] < -0.05) lo[j] = 0.5 * free.w[j];
          if (j % 7 == 3) lo[j] = -0.01, hi[j] = 0.02;
        }
        lo[p - 1] = 0.1, hi[p - 1] = 0.2;  // 0 outside the box
        const Ref ref = reference(P, lam, a, intercept, false, Vec(), Vec(), lo, hi);
        for (const Design& X : {P.dense(), P.sparse()}) {
          LassoOptions ot = tight(lam, a, intercept);
          ot.tol = 1e-15;  // p > n elastic net: weakly strongly convex, a 1e-13 gap is ~1e-7 in w
          const LassoResult R = solve_box(e, X, P.y, ot, lo, hi);
          CHECK(R.reason == Reason::Tol);
          // p > n elastic net at λ = 0.05 λ_max: the objective is flat to rounding over ~1e-8
          // in w (both runs reach it to 1e-15), so 1e-6 there.
          const double wtol = shape == 1 && a < 1 ? 1e-6 : 1e-8;
          CHECK(maxdiff(R.coef, ref.w) < wtol);
          CHECK(std::fabs(R.intercept - ref.c) < wtol);
          CHECK(R.dual_gap >= 0 && R.dual_gap <= R.tol_gap);
          bool inside = true;
          for (int64_t j = 0; j < p; ++j) {
            inside = inside && R.coef[j] >= lo[j] && R.coef[j] <= hi[j];
            if (R.coef[j] == hi[j] || R.coef[j] == lo[j]) ++binding;
          }
          CHECK(inside);
          CHECK(std::fabs(objective(P, R, lam, a) - R.objective) <= 1e-12 * R.objective);
          if (maxdiff(R.coef, ref.w) >= wtol) {
            LassoResult RR = R;
            RR.coef = ref.w, RR.intercept = ref.c;
            std::fprintf(stderr, "  box shape %lld icpt %d a %g: diff %.3g gap %.3g dobj %.3g\n",
                         (long long)shape, intercept, a, maxdiff(R.coef, ref.w), R.dual_gap,
                         objective(P, RR, lam, a) - R.objective);
          }
          // Early stops: the gap bounds P(w) − P* (P* from the converged run).
          for (int64_t it : {1, 2, 4, 8}) {
            LassoOptions o = tight(lam, a, intercept);
            o.max_iterations = it;
            const LassoResult E = solve_box(e, X, P.y, o, lo, hi);
            CHECK(E.dual_gap >= E.objective - R.objective - 1e-12 * R.objective);
          }
        }
      }
  }
  CHECK(binding > 20);
  // lower = 0 is positive: true (also with the Gram path and screening).
  Problem P(40, 30, 0.0, 5, 0.0);
  const double lam = 0.05 * lmax(e, P.dense(), P.y, 1.0, true, true);
  LassoOptions o = tight(lam);
  o.positive = true;
  const LassoResult pos = solve(e, P.dense(), P.y, o);
  const LassoResult zero = solve_box(e, P.dense(), P.y, tight(lam), Vec(P.p, 0.0), Vec());
  CHECK(maxdiff(pos.coef, zero.coef) < 1e-9 && std::fabs(pos.objective - zero.objective) < 1e-12);
  LassoOptions og = tight(lam);
  og.gram = true;
  const LassoResult zg = solve_box(e, P.dense(), P.y, og, Vec(P.p, 0.0), Vec());
  CHECK(maxdiff(pos.coef, zg.coef) < 1e-9);
  // positive raises lower to 0: upper alone with positive is the box [0, u].
  Vec hi(P.p, 0.05);
  const LassoResult pb = solve_box(e, P.dense(), P.y, o, Vec(), hi);
  const Ref rb = reference(P, lam, 1.0, true, true, Vec(), Vec(), Vec(P.p, 0.0), hi);
  CHECK(maxdiff(pb.coef, rb.w) < 1e-8);
  // A warm start outside the box is clipped first.
  Vec w0(P.p, 1.0);
  const LassoResult pw = solve_box(e, P.dense(), P.y, o, Vec(), hi, nullptr, w0.data());
  CHECK(maxdiff(pw.coef, rb.w) < 1e-8);
  // Unpenalised features with bounds (both ways; one way: the gap is a bound only while their
  // correlation points to the closed side, and screening runs only then); the clipped reference
  // agrees.
  {
    Vec pf(P.p, 1.0), lo2(P.p, -inf), hi2(P.p, inf);
    pf[0] = 0.0, lo2[0] = -0.05, hi2[0] = 0.05;
    pf[1] = 0.0, lo2[1] = 0.0;
    const Ref ru = reference(P, lam, 1.0, true, false, Vec(), pf, lo2, hi2);
    LassoProblem pr;
    pr.X = P.dense(), pr.y = P.y.data(), pr.penalty_factor = pf.data();
    pr.lower = lo2.data(), pr.upper = hi2.data();
    Control cu;
    const LassoResult Ru = lasso(e, pr, tight(lam), cu);
    CHECK(Ru.reason == Reason::Tol && maxdiff(Ru.coef, ru.w) < 1e-8);
    pf[1] = 1.0;  // now every unpenalised feature is boxed: screening runs
    const Ref rb2 = reference(P, lam, 1.0, true, false, Vec(), pf, lo2, hi2);
    Control cb;
    const LassoResult Rb = lasso(e, pr, tight(lam), cb);
    CHECK(Rb.reason == Reason::Tol && maxdiff(Rb.coef, rb2.w) < 1e-8);
    CHECK(Rb.screened > 0 && Ru.screened > 0);
    for (int64_t it : {1, 2, 4}) {  // the gap bounds P − P* here too
      LassoOptions oe = tight(lam);
      oe.max_iterations = it;
      Control ce;
      const LassoResult E = lasso(e, pr, oe, ce);
      CHECK(E.dual_gap >= E.objective - Rb.objective - 1e-12 * Rb.objective);
    }
  }
  // Errors name the argument.
  auto code_of = [&](const Vec& lo, const Vec& up, bool positive) -> std::string {
    try {
      LassoOptions oo = tight(lam);
      oo.positive = positive;
      solve_box(e, P.dense(), P.y, oo, lo, up);
    } catch (const SolverError& err) {
      return err.argument;
    }
    return "";
  };
  Vec bad(P.p, 0.0);
  bad[3] = std::nan("");
  CHECK(code_of(bad, Vec(), false) == "lower");
  CHECK(code_of(Vec(), bad, false) == "upper");
  CHECK(code_of(Vec(P.p, 1.0), Vec(P.p, 0.5), false) == "lower");
  CHECK(code_of(Vec(), Vec(P.p, -0.5), true) == "lower");
  CHECK(code_of(Vec(P.p - 1, 0.0), Vec(), false) == "lower");
  CHECK(code_of(Vec(), Vec(P.p + 1, 0.0), false) == "upper");
  CHECK(code_of(Vec(P.p, inf), Vec(), false) == "lower");
  CHECK(code_of(Vec(), Vec(P.p, -inf), false) == "upper");
}

struct Reports {
  int64_t calls = 0, last_iteration = -1;
  double last_value = 0, last_fraction = -2;
  bool monotone = true;
};

// Progress: one report per outer iteration (interval 0), the last one the final gap.
void test_progress(const Engine& e) {
  Problem P(50, 200, 0.0, 31);
  const double lam = 0.02 * lmax(e, P.dense(), P.y, 1.0, true, false);
  LassoProblem pr;
  pr.X = P.dense(), pr.y = P.y.data();
  Reports rep;
  Control ctl;
  ctl.set_progress(
      [](void* ctx, const ProgressInfo& pi) {
        auto* r = static_cast<Reports*>(ctx);
        ++r->calls;
        r->monotone = r->monotone && pi.iteration >= r->last_iteration;
        r->last_iteration = pi.iteration, r->last_value = pi.value, r->last_fraction = pi.fraction;
      },
      &rep, 0.0);
  const LassoResult R = lasso(e, pr, tight(lam), ctl);
  CHECK(R.reason == Reason::Tol);
  CHECK(rep.calls == R.outer_iterations + 1);
  CHECK(rep.monotone && rep.last_iteration == R.iterations);
  CHECK(rep.last_value == R.dual_gap && rep.last_fraction == 1.0);
}

// NNLS: the KKT conditions hold to rounding (projected gradient ≤ 1e-10 relative, x ≥ 0), an
// exactly representable non-negative solution is recovered, dense and CSC agree, Aᵀb ≤ 0 gives
// x = 0, ill-conditioned columns, errors name the argument.
double nnls_kkt(const Problem& P, const Vec& b, const Vec& x) {
  Vec r(b);
  for (int64_t j = 0; j < P.p; ++j)
    for (int64_t i = 0; i < P.n; ++i) r[i] -= P.F[j * P.n + i] * x[j];
  double v = 0;
  for (int64_t j = 0; j < P.p; ++j) {
    double w = 0;
    for (int64_t i = 0; i < P.n; ++i) w += P.F[j * P.n + i] * r[i];
    v = std::max(v, x[j] > 0 ? std::fabs(w) : w);
  }
  return v;
}

void test_nnls(const Engine& e) {
  for (int shape = 0; shape < 4; ++shape) {
    const int64_t m = shape == 1 ? 20 : 60, n = shape == 1 ? 45 : 25;
    Problem P(m, n, shape == 2 ? 0.7 : 0.0, 100 + uint64_t(shape));
    if (shape == 3)  // nearly collinear pairs: condition number ~1e6
      for (int64_t j = 1; j < n; j += 2)
        for (int64_t i = 0; i < m; ++i)
          P.F[j * m + i] = P.F[(j - 1) * m + i] + 1e-6 * P.F[j * m + i];
    P.to_csc();
    Vec b(m);
    Lcg r{7 + uint64_t(shape)};
    for (auto& v : b) v = r.normal();
    double scale = 0;
    for (int64_t j = 0; j < n; ++j) {
      double w = 0;
      for (int64_t i = 0; i < m; ++i) w += P.F[j * m + i] * b[i];
      scale = std::max(scale, std::fabs(w));
    }
    NnlsOptions o;
    Vec first;
    const Vec C = P.row_major();
    for (const Design& A : {P.dense(), P.sparse(), Design::row_major(m, n, C.data())}) {
      Control ctl;
      const NnlsResult R = nnls(e, A, b.data(), m, o, ctl);
      CHECK(R.reason == Reason::Tol);
      CHECK(R.kkt <= 1e-10 * scale);
      CHECK(nnls_kkt(P, b, R.x) <= 1e-10 * scale);
      bool nonneg = true;
      for (double v : R.x) nonneg = nonneg && v >= 0;
      CHECK(nonneg);
      CHECK(std::fabs(R.objective - 0.5 * R.residual_norm * R.residual_norm) <=
            1e-14 * R.objective);
      if (first.empty()) first = R.x;
      else CHECK(maxdiff(first, R.x) <= 1e-9 * (1 + maxdiff(first, Vec(n, 0.0))));
      if (nnls_kkt(P, b, R.x) > 1e-10 * scale || R.reason != Reason::Tol)
        std::fprintf(stderr, "  nnls shape %d: kkt %.3g scale %.3g reason %d\n", shape,
                     nnls_kkt(P, b, R.x), scale, int(R.reason));
    }
  }
  // b = A x* with x* ≥ 0 sparse, m > n: x* recovered.
  Problem P(50, 20, 0.0, 9);
  Vec xs(20, 0.0), b(50, 0.0);
  for (int64_t j = 0; j < 20; j += 3) xs[j] = 0.5 + 0.1 * double(j);
  for (int64_t j = 0; j < 20; ++j)
    for (int64_t i = 0; i < 50; ++i) b[i] += P.F[j * 50 + i] * xs[j];
  Control c1;
  NnlsResult R = nnls(e, P.dense(), b.data(), 50, NnlsOptions(), c1);
  CHECK(R.reason == Reason::Tol && maxdiff(R.x, xs) < 1e-12 && R.residual_norm < 1e-12);
  // Aᵀb ≤ 0 everywhere (A > 0, b < 0): x = 0 at once.
  Vec pos(P.F.size()), nb(50, -1.0);
  for (size_t k = 0; k < pos.size(); ++k) pos[k] = std::fabs(P.F[k]) + 0.1;
  Control c2;
  R = nnls(e, Design::col_major(50, 20, pos.data()), nb.data(), 50, NnlsOptions(), c2);
  bool zero = true;
  for (double v : R.x) zero = zero && v == 0.0;
  CHECK(zero && R.reason == Reason::Tol && std::fabs(R.residual_norm - std::sqrt(50.0)) < 1e-12);
  // Errors.
  auto arg = [&](const Design& A, const Vec& bb, int64_t len) -> std::string {
    try {
      Control c;
      nnls(e, A, bb.data(), len, NnlsOptions(), c);
    } catch (const SolverError& err) {
      return err.argument;
    }
    return "";
  };
  Vec bad = b;
  bad[4] = std::nan("");
  CHECK(arg(P.dense(), bad, 50) == "b");
  CHECK(arg(P.dense(), b, 49) == "b");
  Vec Fbad = P.F;
  Fbad[17] = std::numeric_limits<double>::infinity();
  CHECK(arg(Design::col_major(50, 20, Fbad.data()), b, 50) == "A");
  // Abort: a feasible iterate comes back.
  std::atomic<bool> flag{true};
  Control c3;
  c3.set_abort_flag(&flag);
  R = nnls(e, P.dense(), b.data(), 50, NnlsOptions(), c3);
  CHECK(R.reason == Reason::Aborted && R.x.size() == 20);
}

}  // namespace

int main() {
  ThreadPool pool(1);
  const Engine e{kernels_for(detect_simd()), &pool};
  test_reference(e);
  test_layouts_and_objective(e);
  test_lambda_max(e);
  test_accelerations(e);
  test_gram(e);
  test_positive_and_penalty(e);
  test_weights(e);
  test_errors(e);
  test_control(e);
  test_box(e);
  test_progress(e);
  test_nnls(e);
  std::printf("lasso_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
