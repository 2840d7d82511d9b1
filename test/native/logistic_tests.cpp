// ℓ1-logistic regression by proximal Newton (native/bcd/logistic.hpp). Checks:
//  - against FISTA written here (dense, explicit intercept column, run to a KKT residual of
//    ~1e-13): coefficients and intercept to 1e-7, objective to 1e-10, with and without intercept,
//    n > p and p > n, with sample weights;
//  - the KKT conditions hold at the solution; the reported objective is the documented one
//    (recomputed here); the reported gap meets tol·P₀ and P₀ is log 2 / the label entropy;
//  - column-major, row-major and CSC views give the same solution; 0/1 and ±1 labels the same
//    bits; working sets on/off and a warm start give one solution;
//  - λ ≥ λ_max gives exactly w = 0 and c = log(p̄/(1 − p̄)); just below λ_max the solution is not
//    zero; λ_max is the documented formula;
//  - integer sample weights = duplicated rows;
//  - a separable problem with huge margins stays finite;
//  - errors name the argument; abort, time limit, max iterations end honestly.
// Build and run:  test/native/build.sh logistic_tests /tmp/out && /tmp/out/logistic_tests

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../../native/bcd/logistic.hpp"

using namespace itersolve;
using namespace itersolve::bcd;

#include "bcd_test_util.hpp"
#include "check.hpp"

using namespace bcd_test;

namespace {

double log1pexp(double t) { return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t)); }
double sigmoid(double t) {
  return t >= 0 ? 1.0 / (1.0 + std::exp(-t)) : std::exp(t) / (1.0 + std::exp(t));
}

// A dense column-major n×p design (entries zeroed with probability `zero`), its CSC form, and
// ±1 labels drawn from a sparse logistic model with intercept 0.3.
struct Problem : DesignForms {
  Vec y;
  Problem(int64_t n_, int64_t p_, double zero, uint64_t seed) : y(static_cast<size_t>(n_)) {
    Lcg r{seed};
    set(n_, p_, random_design(n_, p_, zero, r));
    for (int64_t i = 0; i < n; ++i) {
      double z = 0.3;
      for (int64_t j = 0; j < std::min<int64_t>(p, 4); ++j)
        z += (j % 2 ? -1.5 : 2.0) * F[j * n + i];
      y[i] = r.uniform() < sigmoid(z) ? 1.0 : -1.0;
    }
  }
  double weight_sum(const Vec* s) const {
    double S = 0;
    for (int64_t i = 0; i < n; ++i) S += s ? (*s)[i] : 1.0;
    return S;
  }
  // P(w, c) as documented.
  double objective(const Vec& w, double c, double lam, const Vec* s = nullptr) const {
    double acc = 0.0, l1 = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      double z = c;
      for (int64_t j = 0; j < p; ++j) z += F[j * n + i] * w[j];
      acc += (s ? (*s)[i] : 1.0) * log1pexp(-y[i] * z);
    }
    for (double v : w) l1 += std::fabs(v);
    return acc / weight_sum(s) + lam * l1;
  }
  // The gradient of the mean loss: (gw (p), gc).
  void gradient(const Vec& w, double c, const Vec* s, Vec& gw, double& gc) const {
    const double S = weight_sum(s);
    gw.assign(static_cast<size_t>(p), 0.0), gc = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      double z = c;
      for (int64_t j = 0; j < p; ++j) z += F[j * n + i] * w[j];
      const double g = -(s ? (*s)[i] : 1.0) * y[i] * sigmoid(-y[i] * z) / S;
      for (int64_t j = 0; j < p; ++j) gw[j] += F[j * n + i] * g;
      gc += g;
    }
  }
  // max KKT violation of (w, c).
  double kkt(const Vec& w, double c, double lam, bool intercept, const Vec* s = nullptr) const {
    Vec gw;
    double gc;
    gradient(w, c, s, gw, gc);
    double m = intercept ? std::fabs(gc) : 0.0;
    for (int64_t j = 0; j < p; ++j)
      m = std::max(m, w[j] != 0 ? std::fabs(gw[j] + (w[j] > 0 ? lam : -lam))
                                : std::max(0.0, std::fabs(gw[j]) - lam));
    return m;
  }
};

// FISTA with restarts on the mean loss, step 1/L (L = ‖[X 1]‖²_s/(4S) by the Frobenius bound),
// until the KKT residual ≤ 1e-13 or 200000 iterations.
void fista(const Problem& P, double lam, bool intercept, const Vec* s, Vec& w, double& c) {
  const double S = P.weight_sum(s);
  double fro = 0.0;
  for (int64_t i = 0; i < P.n; ++i) {
    double row = intercept ? 1.0 : 0.0;
    for (int64_t j = 0; j < P.p; ++j) row += P.F[j * P.n + i] * P.F[j * P.n + i];
    fro += (s ? (*s)[i] : 1.0) * row;
  }
  const double step = 4.0 * S / fro;
  w.assign(static_cast<size_t>(P.p), 0.0), c = 0.0;
  Vec yw = w, wold = w, gw;
  double yc = c, cold = c, gc, t = 1.0;
  double fprev = P.objective(w, c, lam, s);
  for (int it = 0; it < 200000; ++it) {
    P.gradient(yw, yc, s, gw, gc);
    wold = w, cold = c;
    for (int64_t j = 0; j < P.p; ++j) {
      const double v = yw[j] - step * gw[j], th = step * lam;
      w[j] = v > th ? v - th : (v < -th ? v + th : 0.0);
    }
    c = intercept ? yc - step * gc : 0.0;
    const double f = P.objective(w, c, lam, s);
    if (f > fprev) {  // restart
      t = 1.0, yw = w, yc = c;
    } else {
      const double tn = 0.5 * (1 + std::sqrt(1 + 4 * t * t)), b = (t - 1) / tn;
      for (int64_t j = 0; j < P.p; ++j) yw[j] = w[j] + b * (w[j] - wold[j]);
      yc = c + b * (c - cold);
      t = tn;
    }
    fprev = f;
    if (it % 50 == 0 && P.kkt(w, c, lam, intercept, s) <= 1e-13) break;
  }
}

LogisticOptions opts(double lam, bool intercept, double tol = 1e-13) {
  LogisticOptions o;
  o.lambda = lam, o.fit_intercept = intercept, o.tol = tol;
  o.max_iterations = 500;
  return o;
}

LogisticResult solve(const Engine& e, const Design& X, const Vec& y, const LogisticOptions& o,
                     const Vec* s = nullptr, const double* w0 = nullptr) {
  LogisticProblem pr;
  pr.X = X, pr.y = y.data(), pr.y_length = int64_t(y.size());
  if (s) pr.sample_weight = s->data(), pr.sample_weight_length = int64_t(s->size());
  Control ctl;
  return logistic_l1(e, pr, o, ctl, w0);
}

double lmax(const Engine& e, const Design& X, const Vec& y, bool intercept,
            const Vec* s = nullptr) {
  LogisticProblem pr;
  pr.X = X, pr.y = y.data();
  if (s) pr.sample_weight = s->data();
  return logistic_lambda_max(e, pr, intercept);
}

int nnz(const Vec& w) {
  int k = 0;
  for (double v : w) k += v != 0.0;
  return k;
}

void test_reference(const Engine& e) {
  const Problem tall(120, 15, 0.0, 1), wide(40, 90, 0.3, 2);
  Lcg r{7};
  Vec s(120);
  for (double& v : s) v = 0.2 + 2.0 * r.uniform();
  struct Case {
    const Problem* P;
    bool intercept;
    double ratio;
    bool weighted;
  } cases[] = {{&tall, true, 0.3, false},  {&tall, false, 0.05, false}, {&wide, true, 0.2, false},
               {&wide, false, 0.5, false}, {&wide, true, 0.02, false},  {&tall, true, 0.1, true}};
  for (const Case& k : cases) {
    const Problem& P = *k.P;
    const Vec* sw = k.weighted ? &s : nullptr;
    const double lam = k.ratio * lmax(e, P.dense(), P.y, k.intercept, sw);
    const LogisticResult R = solve(e, P.dense(), P.y, opts(lam, k.intercept), sw);
    Vec wr;
    double cr;
    fista(P, lam, k.intercept, sw, wr, cr);
    CHECK(R.reason == Reason::Tol);
    const double dw = maxdiff(R.coef, wr), dc = std::fabs(R.intercept - cr);
    const double obj = P.objective(R.coef, R.intercept, lam, sw);
    const double objr = P.objective(wr, cr, lam, sw);
    const double kk = P.kkt(R.coef, R.intercept, lam, k.intercept, sw);
    if (dw > 1e-7 || dc > 1e-7 || std::fabs(obj - objr) > 1e-10 || kk > 1e-6)
      std::fprintf(stderr,
                   "reference n=%lld p=%lld fi=%d r=%g: |dw| %.2e |dc| %.2e dobj %.2e kkt %.2e\n",
                   (long long)P.n, (long long)P.p, k.intercept, k.ratio, dw, dc, obj - objr, kk);
    CHECK(dw <= 1e-7);
    CHECK(dc <= 1e-7);
    CHECK(std::fabs(obj - objr) <= 1e-10);
    CHECK(std::fabs(R.objective - obj) <= 1e-12);
    CHECK(kk <= 1e-6);
    CHECK(R.dual_gap <= R.tol_gap);
    CHECK(nnz(R.coef) > 0);
    CHECK(!k.intercept || R.intercept != 0.0);
    CHECK(k.intercept || R.intercept == 0.0);
    CHECK(R.iterations > 0 && R.epochs >= R.iterations);
  }
}

void test_scale_and_lambda_max(const Engine& e) {
  const Problem P(80, 12, 0.0, 3);
  const Vec* none = nullptr;
  // P₀: log 2 without intercept, the label entropy with it.
  double Sp = 0;
  for (double v : P.y) Sp += v > 0;
  const double pb = Sp / P.n, H = -(pb * std::log(pb) + (1 - pb) * std::log(1 - pb));
  for (bool fi : {false, true}) {
    // λ_max formula.
    double m = 0;
    for (int64_t j = 0; j < P.p; ++j) {
      double acc = 0;
      for (int64_t i = 0; i < P.n; ++i)
        acc += P.F[j * P.n + i] * (fi ? (P.y[i] > 0 ? 1.0 : 0.0) - pb : 0.5 * P.y[i]);
      m = std::max(m, std::fabs(acc) / P.n);
    }
    const double lm = lmax(e, P.dense(), P.y, fi);
    CHECK(std::fabs(lm - m) <= 1e-14 * m);
    for (double ratio : {1.0, 1.5, 100.0}) {
      const LogisticResult R = solve(e, P.dense(), P.y, opts(ratio * lm, fi, 1e-4), none);
      CHECK(nnz(R.coef) == 0);
      CHECK(R.reason == Reason::Tol);
      CHECK(R.lambda_max == lm);
      CHECK(std::fabs(R.intercept - (fi ? std::log(pb / (1 - pb)) : 0.0)) <= 1e-14);
      CHECK(std::fabs(R.objective - (fi ? H : std::log(2.0))) <= 1e-14);
      CHECK(std::fabs(R.tol_gap - 1e-4 * (fi ? H : std::log(2.0))) <= 1e-18);
      CHECK(R.dual_gap <= 1e-14);
      CHECK(R.iterations == 0);
    }
    const LogisticResult R = solve(e, P.dense(), P.y, opts(0.98 * lm, fi), none);
    CHECK(nnz(R.coef) >= 1);
    CHECK(R.reason == Reason::Tol);
  }
}

void test_layouts_labels(const Engine& e) {
  const Problem P(60, 40, 0.6, 4);
  const Vec C = P.row_major();
  Vec y01 = P.y;
  for (double& v : y01) v = v > 0 ? 1.0 : 0.0;
  for (bool fi : {false, true}) {
    const double lam = 0.1 * lmax(e, P.dense(), P.y, fi);
    const LogisticOptions o = opts(lam, fi);
    const LogisticResult A = solve(e, P.dense(), P.y, o);
    const LogisticResult B = solve(e, Design::row_major(P.n, P.p, C.data()), P.y, o);
    const LogisticResult D = solve(e, P.sparse(), P.y, o);
    const LogisticResult Z = solve(e, P.dense(), y01, o);
    CHECK(maxdiff(A.coef, B.coef) <= 1e-9 && std::fabs(A.intercept - B.intercept) <= 1e-9);
    CHECK(maxdiff(A.coef, D.coef) <= 1e-9 && std::fabs(A.intercept - D.intercept) <= 1e-9);
    CHECK(A.coef == Z.coef && A.intercept == Z.intercept && A.objective == Z.objective);
    LogisticOptions nows = o;
    nows.working_set = false;
    const LogisticResult N = solve(e, P.dense(), P.y, nows);
    CHECK(N.reason == Reason::Tol);
    CHECK(maxdiff(A.coef, N.coef) <= 1e-9 && std::fabs(A.intercept - N.intercept) <= 1e-9);
    // Warm start from the solution: converges at once, same solution.
    const LogisticResult W = solve(e, P.dense(), P.y, o, nullptr, A.coef.data());
    CHECK(W.reason == Reason::Tol);
    CHECK(maxdiff(A.coef, W.coef) <= 1e-9);
    CHECK(W.iterations <= 2);
    // The same call twice: the same bits.
    const LogisticResult A2 = solve(e, P.dense(), P.y, o);
    CHECK(A.coef == A2.coef && A.intercept == A2.intercept);
  }
}

void test_weights(const Engine& e) {
  const Problem P(50, 10, 0.0, 5);
  Vec s(50);
  Lcg r{9};
  for (double& v : s) v = double(int(r.uniform() * 4));  // 0..3, zeros included
  // Duplicate rows.
  int64_t m = 0;
  for (double v : s) m += int64_t(v);
  Problem Q = P;
  Q.n = m;
  Q.F.assign(static_cast<size_t>(m * P.p), 0.0);
  Q.y.assign(static_cast<size_t>(m), 0.0);
  int64_t k = 0;
  for (int64_t i = 0; i < P.n; ++i)
    for (int c = 0; c < int(s[i]); ++c, ++k) {
      for (int64_t j = 0; j < P.p; ++j) Q.F[j * m + k] = P.F[j * P.n + i];
      Q.y[k] = P.y[i];
    }
  for (bool fi : {false, true}) {
    const double lam = 0.15 * lmax(e, P.dense(), P.y, fi, &s);
    CHECK(std::fabs(lam - 0.15 * lmax(e, Q.dense(), Q.y, fi)) <= 1e-14);
    const LogisticResult A = solve(e, P.dense(), P.y, opts(lam, fi), &s);
    const LogisticResult B = solve(e, Q.dense(), Q.y, opts(lam, fi));
    CHECK(A.reason == Reason::Tol && B.reason == Reason::Tol);
    CHECK(maxdiff(A.coef, B.coef) <= 1e-8);
    CHECK(std::fabs(A.intercept - B.intercept) <= 1e-8);
    CHECK(std::fabs(A.objective - B.objective) <= 1e-12);
  }
}

void test_separable(const Engine& e) {
  // Labels = sign of feature 0, scaled by 1e3: tiny λ drives margins huge; everything stays finite.
  Problem P(40, 5, 0.0, 6);
  for (int64_t i = 0; i < P.n; ++i) {
    P.y[i] = P.F[i] > 0 ? 1.0 : -1.0;
    for (int64_t j = 0; j < P.p; ++j) P.F[j * P.n + i] *= 1e3;
  }
  const double lam = 1e-6 * lmax(e, P.dense(), P.y, true);
  const LogisticResult R = solve(e, P.dense(), P.y, opts(lam, true, 1e-6));
  CHECK(std::isfinite(R.objective) && std::isfinite(R.intercept) && std::isfinite(R.dual_gap));
  for (double v : R.coef) CHECK(std::isfinite(v));
  CHECK(R.reason == Reason::Tol);
  CHECK(R.objective < 1e-3);
}

void test_errors(const Engine& e) {
  const Problem P(20, 4, 0.0, 8);
  const char* inv = "ERR_INVALID_ARGUMENT";
  auto run = [&](Vec y, const LogisticOptions& o, const Vec* s = nullptr, int64_t ylen = -2) {
    LogisticProblem pr;
    pr.X = P.dense(), pr.y = y.data(), pr.y_length = ylen == -2 ? int64_t(y.size()) : ylen;
    if (s) pr.sample_weight = s->data(), pr.sample_weight_length = int64_t(s->size());
    Control ctl;
    logistic_l1(e, pr, o, ctl);
  };
  const LogisticOptions o = opts(0.01, true, 1e-4);
  Vec y = P.y;
  y[3] = 2.0;
  CHECK(throws_named([&] { run(y, o); }, "y", inv));
  y = P.y, y[0] = 0.0, y[1] = -1.0;
  CHECK(throws_named([&] { run(y, o); }, "y", inv));
  y = P.y, y[5] = std::nan("");
  CHECK(throws_named([&] { run(y, o); }, "y", inv));
  CHECK(throws_named([&] { run(Vec(19, 1.0), o); }, "y", "ERR_DIMENSION_MISMATCH"));
  CHECK(throws_named([&] { run(Vec(20, 1.0), o); }, "y", inv));  // one class + intercept
  {
    LogisticOptions n = o;
    n.fit_intercept = false;
    run(Vec(20, 1.0), n);  // one class without intercept: fine
    CHECK(true);
  }
  LogisticOptions bad = o;
  bad.lambda = -1;
  CHECK(throws_named([&] { run(P.y, bad); }, "lambda", inv));
  bad = o, bad.lambda = std::nan("");
  CHECK(throws_named([&] { run(P.y, bad); }, "lambda", inv));
  bad = o, bad.tol = -1;
  CHECK(throws_named([&] { run(P.y, bad); }, "tol", inv));
  Vec s(20, 1.0);
  s[2] = -1;
  CHECK(throws_named([&] { run(P.y, o, &s); }, "sampleWeight", inv));
  s = Vec(20, 0.0);
  CHECK(throws_named([&] { run(P.y, o, &s); }, "sampleWeight", inv));
  s = Vec(7, 1.0);
  CHECK(throws_named([&] { run(P.y, o, &s); }, "sampleWeight", "ERR_DIMENSION_MISMATCH"));
  // Weights that leave one class: the intercept would diverge.
  s = Vec(20, 0.0);
  for (int i = 0; i < 20; ++i) s[i] = P.y[i] > 0 ? 1.0 : 0.0;
  CHECK(throws_named([&] { run(P.y, o, &s); }, "y", inv));
  Vec F = P.F;
  F[7] = std::numeric_limits<double>::infinity();
  CHECK(throws_named(
      [&] {
        LogisticProblem pr;
        pr.X = Design::col_major(P.n, P.p, F.data()), pr.y = P.y.data();
        Control ctl;
        logistic_l1(e, pr, o, ctl);
      },
      "X", inv));
  CHECK(throws_named(
      [&] {
        LogisticProblem pr;
        pr.X = Design::col_major(0, P.p, F.data()), pr.y = P.y.data(), pr.y_length = 0;
        Control ctl;
        logistic_l1(e, pr, o, ctl);
      },
      "X", inv));
}

void test_control(const Engine& e) {
  const Problem P(200, 300, 0.0, 10);
  LogisticProblem pr;
  pr.X = P.dense(), pr.y = P.y.data();
  const double lam = 0.01 * logistic_lambda_max(e, pr, true);
  std::atomic<bool> flag{true};
  Control ctl;
  ctl.set_abort_flag(&flag);
  LogisticResult R = logistic_l1(e, pr, opts(lam, true), ctl);
  CHECK(R.reason == Reason::Aborted);
  CHECK(R.coef.size() == size_t(P.p) && std::isfinite(R.objective));
  LogisticOptions o = opts(lam, true);
  o.max_iterations = 1;
  Control ctl2;
  R = logistic_l1(e, pr, o, ctl2);
  CHECK(R.reason == Reason::MaxIterations && R.iterations == 1);
  o.max_iterations = 0;
  Control ctl3;
  R = logistic_l1(e, pr, o, ctl3);
  CHECK(R.reason == Reason::MaxIterations && R.iterations == 0 && nnz(R.coef) == 0);
  Control ctl4;
  ctl4.set_time_limit_ms(1e-3);
  R = logistic_l1(e, pr, opts(lam, true, 0.0), ctl4);
  CHECK(R.reason == Reason::TimeLimit);
  // tol = 0: ends at the rounding floor (stagnation, or a gap that rounds to 0) in a few steps.
  Control ctl6;
  R = logistic_l1(e, pr, opts(lam, true, 0.0), ctl6);
  CHECK(R.reason == Reason::Stagnation || R.reason == Reason::Tol);
  CHECK(R.iterations < 60);
  CHECK(R.dual_gap <= 1e-12);
  // history: one gap per outer iteration, the last one the reported gap; progress reported.
  o = opts(lam, true);
  o.history = true;
  struct Seen {
    int calls = 0;
    double last = -1;
  } seen;
  Control ctl5;
  ctl5.set_progress(
      [](void* c, const ProgressInfo& pi) {
        auto* s = static_cast<Seen*>(c);
        ++s->calls, s->last = pi.value;
      },
      &seen, 0.0);
  R = logistic_l1(e, pr, o, ctl5);
  CHECK(R.reason == Reason::Tol);
  CHECK(int64_t(R.history.size()) == R.outer_iterations + 1);
  CHECK(!R.history.empty() && R.history.back() == R.dual_gap);
  CHECK(seen.calls == int(R.history.size()) && seen.last == R.dual_gap);
}

}  // namespace

int main() {
  ThreadPool pool(1);
  const Engine e{kernels_for(detect_simd()), &pool};
  test_reference(e);
  test_scale_and_lambda_max(e);
  test_layouts_labels(e);
  test_weights(e);
  test_separable(e);
  test_errors(e);
  test_control(e);
  std::printf("logistic_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
