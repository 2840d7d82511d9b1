// Sinkhorn-Newton-Sparse and batched Sinkhorn (issue 10, section 2; native/ot/newton.cpp,
// native/ot/batch.cpp). Checks:
//  - SNS reaches the f, g (up to the gauge), plan and cost of a long log-domain Sinkhorn on small
//    problems, with marginal error ≤ tol, Reason::Tol and iterations = warm-up + Newton;
//  - the SNS paper's random assignment problem (C_ij ~ U[0, 1] seeded, a = b = 1/n, ε = 1/1200)
//    reaches marginal error ≤ 1e-12 in 20 warm-up + ≤ 40 Newton steps;
//  - zeros in a / b (−∞ potentials, zero rows/columns), 1×m and n×1, a warm start from the
//    solution, the sparse plan against the dense one (and its drop tolerance), history, abort
//    through Control, option and argument errors, the same bits on 1 and 2 threads;
//  - sinkhorn_batch equals k separate ot::sinkhorn calls (Scaling and Log, zeros in one pair).
// Build and run:  test/native/build.sh newton_tests /tmp/out && /tmp/out/newton_tests

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/ot/ot.hpp"

using namespace itersolve;
using namespace itersolve::ot;

#include "check.hpp"

namespace {

using Vec = std::vector<double>;

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 2862933555777941757ull + 3037000493ull) {}
  double uniform() {  // [0, 1)
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return double(s >> 11) * (1.0 / 9007199254740992.0);
  }
};

struct Case {
  int64_t n, m;
  Vec a, b, C;
  Problem problem() const { return Problem{n, m, a.data(), b.data(), C.data()}; }
};

// Random histograms (entries in [0.5, 1.5) normalised, or uniform) and C ~ U[0, 1).
Case random_case(int64_t n, int64_t m, uint64_t seed, bool uniform = false) {
  Rng rng(seed);
  Case c{n, m, Vec(n), Vec(m), Vec(n * m)};
  for (double& x : c.C) x = rng.uniform();
  double sa = 0, sb = 0;
  for (double& x : c.a) sa += (x = uniform ? 1.0 : 0.5 + rng.uniform());
  for (double& x : c.b) sb += (x = uniform ? 1.0 : 0.5 + rng.uniform());
  for (double& x : c.a) x /= sa;
  for (double& x : c.b) x /= sb;
  return c;
}

const Engine& engine() {
  static const Engine e{kernels_for(detect_simd()), nullptr};
  return e;
}

struct Solution {
  OtResult res;
  Vec f, g, plan;
};

Solution run_log(const Case& c, double eps, double tol = 1e-13, int64_t maxit = 200000) {
  Solution s{{}, Vec(c.n), Vec(c.m), Vec(c.n * c.m)};
  SinkhornOptions o;
  o.method = SinkhornMethod::Log;
  o.epsilon = eps;
  o.tol = tol;
  o.max_iterations = maxit;
  Control ctl;
  s.res = sinkhorn(engine(), c.problem(), s.f.data(), s.g.data(), s.plan.data(), o, ctl);
  return s;
}

Solution run_sns(const Case& c, NewtonOptions o, const Engine& e = engine(),
                 csr::Owned* sparse = nullptr) {
  Solution s{{}, Vec(c.n), Vec(c.m), Vec(c.n * c.m)};
  Control ctl;
  s.res = sinkhorn_newton(e, c.problem(), s.f.data(), s.g.data(), s.plan.data(), sparse, o, ctl);
  return s;
}

NewtonOptions newton(double eps, double tol = 1e-12) {
  NewtonOptions o;
  o.epsilon = eps;
  o.tol = tol;
  return o;
}

double max_abs_diff(const Vec& x, const Vec& y) {
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(x[i]) || std::isfinite(y[i])) d = std::max(d, std::fabs(x[i] - y[i]));
  return d;
}

// max |(f − f₀) − shift| and the same for g with the opposite shift: equality up to the gauge.
double gauge_diff(const Solution& s, const Solution& t) {
  double shift = 0;
  int64_t cnt = 0;
  for (size_t i = 0; i < s.f.size(); ++i)
    if (std::isfinite(s.f[i])) shift += s.f[i] - t.f[i], ++cnt;
  shift /= double(cnt);
  double d = 0;
  for (size_t i = 0; i < s.f.size(); ++i) {
    if (std::isinf(s.f[i]) || std::isinf(t.f[i])) {
      if (s.f[i] != t.f[i]) return 1e300;
      continue;
    }
    d = std::max(d, std::fabs(s.f[i] - t.f[i] - shift));
  }
  for (size_t j = 0; j < s.g.size(); ++j) {
    if (std::isinf(s.g[j]) || std::isinf(t.g[j])) {
      if (s.g[j] != t.g[j]) return 1e300;
      continue;
    }
    d = std::max(d, std::fabs(s.g[j] - t.g[j] + shift));
  }
  return d;
}

// Exact marginal error of a plan.
double plan_marginal_error(const Case& c, const Vec& P) {
  double e = 0;
  for (int64_t i = 0; i < c.n; ++i) {
    double s = 0;
    for (int64_t j = 0; j < c.m; ++j) s += P[i * c.m + j];
    e += std::fabs(s - c.a[i]);
  }
  for (int64_t j = 0; j < c.m; ++j) {
    double s = 0;
    for (int64_t i = 0; i < c.n; ++i) s += P[i * c.m + j];
    e += std::fabs(s - c.b[j]);
  }
  return e;
}

void same_solution(const Case& c, const Solution& s, const Solution& ref, double eps) {
  if (s.res.reason != Reason::Tol)
    std::fprintf(stderr, "n=%lld m=%lld eps=%g: reason %s, newton %lld, error %.3e\n",
                 (long long)c.n, (long long)c.m, eps, reason_name(s.res.reason),
                 (long long)s.res.newton_iterations, s.res.marginal_error);
  CHECK(s.res.reason == Reason::Tol);
  CHECK(s.res.marginal_error <= 1e-12);
  CHECK(plan_marginal_error(c, s.plan) <= 1e-11);
  CHECK(s.res.iterations == s.res.warmup_iterations + s.res.newton_iterations);
  CHECK(gauge_diff(s, ref) <= 1e-9 * std::max(1.0, eps * 100));
  CHECK(max_abs_diff(s.plan, ref.plan) <= 1e-10);
  CHECK(std::fabs(s.res.cost - ref.res.cost) <= 1e-9 * std::fabs(ref.res.cost));
  CHECK(std::fabs(s.res.objective - ref.res.objective) <= 1e-9 * std::fabs(ref.res.objective));
}

void test_agrees_with_log() {
  for (const double eps : {0.5, 0.05, 0.01}) {
    for (const uint64_t seed : {1u, 2u}) {
      const Case c = random_case(13, 9 + int64_t(seed), seed);
      const Solution ref = run_log(c, eps);
      CHECK(ref.res.reason == Reason::Tol);
      const Solution s = run_sns(c, newton(eps));
      same_solution(c, s, ref, eps);
      CHECK(s.res.newton_iterations >= 1 || s.res.warmup_iterations < 20);
      CHECK(s.res.method == SinkhornMethod::Log);
      CHECK(s.res.plan_nnz == 0);
    }
  }
  // Sparsity 1 (the pattern is then mostly what keeps the graph connected) still converges.
  const Case c = random_case(30, 25, 7);
  NewtonOptions o = newton(0.02);
  o.sparsity = 1;
  const Solution s = run_sns(c, o);
  same_solution(c, s, run_log(c, 0.02), 0.02);
}

// Small ε (1e-3 and 1e-4 of max C): point clouds (squared Euclidean cost / max), a random cost,
// zeros in a and b. SNS must converge (no stagnation: a failed Newton step falls back to
// log-domain Sinkhorn blocks) to the solution of a long log-domain Sinkhorn.
Case points_case(int64_t n, int64_t m, uint64_t seed) {
  Rng rng(seed);
  Vec X(2 * n), Y(2 * m);
  for (double& x : X) x = rng.uniform();
  for (double& y : Y) y = 0.3 + rng.uniform();
  Case c = random_case(n, m, seed + 100);
  double mx = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const double dx = X[2 * i] - Y[2 * j], dy = X[2 * i + 1] - Y[2 * j + 1];
      mx = std::max(mx, c.C[i * m + j] = dx * dx + dy * dy);
    }
  for (double& v : c.C) v /= mx;
  return c;
}

void test_small_eps() {
  Case zeros = random_case(24, 20, 11);
  zeros.a[2] = zeros.a[17] = zeros.b[0] = 0;
  double sa = 0, sb = 0;
  for (double x : zeros.a) sa += x;
  for (double x : zeros.b) sb += x;
  for (double& x : zeros.b) x *= sa / sb;
  const Case cases[] = {points_case(30, 25, 3), random_case(20, 22, 4), zeros};
  for (const Case& c : cases) {
    for (const double eps : {1e-3, 1e-4}) {
      // The reference to SNS's own tol (1e-12): at ε = 1e-4 the exact error of both sides stalls
      // near 1.4e-13 (rounding in f + g − C magnified by 1/ε), so a tighter one is unreachable.
      const Solution ref = run_log(c, eps, 1e-12, 400000);
      CHECK(ref.res.reason == Reason::Tol);
      const Solution s = run_sns(c, newton(eps));
      same_solution(c, s, ref, eps);
      CHECK(s.res.warmup_iterations >= 20);
    }
  }
}

// The SNS paper's random assignment problem.
void test_assignment(int64_t n) {
  const Case c = random_case(n, n, 2024, true);
  const double eps = 1.0 / 1200.0;
  NewtonOptions o = newton(eps);
  o.max_newton_iterations = 40;
  o.history = true;
  const Solution s = run_sns(c, o);
  std::printf("assignment n=%lld: newton %lld, cg %lld, marginal error %.3e\n", (long long)n,
              (long long)s.res.newton_iterations, (long long)s.res.cg_iterations,
              s.res.marginal_error);
  CHECK(s.res.reason == Reason::Tol);
  CHECK(s.res.warmup_iterations == 20);
  CHECK(s.res.newton_iterations <= 40);
  CHECK(s.res.marginal_error <= 1e-12);
  CHECK(s.res.cg_iterations > 0);
  // history: the warm-up's checks (every 10 iterations) and one entry per Newton step.
  CHECK(int64_t(s.res.history.size()) == 2 + s.res.newton_iterations);
  CHECK(s.res.history.back() <= 1e-12 && s.res.history.front() > 1e-6);
}

void test_zeros() {
  Case c = random_case(11, 8, 5);
  c.a[0] = 0;
  c.a[6] = 0;
  c.b[3] = 0;
  double sa = 0, sb = 0;
  for (double x : c.a) sa += x;
  for (double x : c.b) sb += x;
  for (double& x : c.b) x *= sa / sb;
  for (const double eps : {0.1, 0.01}) {
    const Solution ref = run_log(c, eps);
    csr::Owned sp;
    Solution s{{}, Vec(c.n), Vec(c.m), Vec(c.n * c.m, 7.0)};
    Control ctl;
    s.res = sinkhorn_newton(engine(), c.problem(), s.f.data(), s.g.data(), s.plan.data(), &sp,
                            newton(eps), ctl);
    same_solution(c, s, ref, eps);
    CHECK(std::isinf(s.f[0]) && s.f[0] < 0 && std::isinf(s.f[6]) && std::isinf(s.g[3]));
    for (int64_t j = 0; j < c.m; ++j)
      CHECK(s.plan[0 * c.m + j] == 0.0 && s.plan[6 * c.m + j] == 0.0);
    for (int64_t i = 0; i < c.n; ++i) CHECK(s.plan[i * c.m + 3] == 0.0);
    // The sparse plan holds exactly the dense plan's positive entries, zero rows included.
    CHECK(sp.rows == c.n && sp.cols == c.m && int64_t(sp.rowPtr.size()) == c.n + 1);
    CHECK(sp.rowPtr[1] == 0 && sp.rowPtr[7] == sp.rowPtr[6]);
    Vec dense(c.n * c.m, 0.0);
    for (int64_t i = 0; i < c.n; ++i)
      for (int32_t k = sp.rowPtr[i]; k < sp.rowPtr[i + 1]; ++k)
        dense[i * c.m + sp.colIdx[k]] = sp.values[k];
    CHECK(dense == s.plan);
    CHECK(s.res.plan_nnz == int64_t(sp.values.size()) && s.res.plan_nnz == 9 * 7);
  }
}

void test_thin() {
  for (const bool row : {true, false}) {
    const Case c = row ? random_case(1, 7, 3) : random_case(6, 1, 4);
    for (const double eps : {1.0, 0.01}) {
      const Solution ref = run_log(c, eps);
      const Solution s = run_sns(c, newton(eps));
      CHECK(s.res.reason == Reason::Tol);
      CHECK(s.res.marginal_error <= 1e-12);
      CHECK(max_abs_diff(s.plan, ref.plan) <= 1e-12);
      CHECK(std::fabs(s.res.cost - ref.res.cost) <= 1e-12);
      // The plan is a (or b) spread over the one column (row).
      for (int64_t i = 0; i < c.n; ++i)
        for (int64_t j = 0; j < c.m; ++j)
          CHECK(std::fabs(s.plan[i * c.m + j] - (row ? c.b[j] : c.a[i])) <= 1e-13);
    }
  }
}

void test_sparse_plan() {
  const Case c = random_case(40, 30, 9);
  const double eps = 0.01;
  csr::Owned sp;
  const Solution s = run_sns(c, newton(eps), engine(), &sp);
  double pmax = 0;
  for (double x : s.plan) pmax = std::max(pmax, x);
  int64_t positive = 0;
  for (double x : s.plan) positive += x > 0.0;
  CHECK(s.res.plan_nnz == positive && int64_t(sp.values.size()) == positive);
  // With a drop tolerance: exactly the entries ≥ tol·max, values unchanged, columns sorted.
  NewtonOptions o = newton(eps);
  o.sparse_drop_tol = 1e-6;
  csr::Owned dropped;
  Solution t{{}, Vec(c.n), Vec(c.m), {}};
  Control ctl;
  t.res = sinkhorn_newton(engine(), c.problem(), t.f.data(), t.g.data(), nullptr, &dropped, o, ctl);
  CHECK(t.f == s.f && t.g == s.g);
  int64_t kept = 0;
  bool ok = true;
  for (int64_t i = 0; i < c.n; ++i) {
    int32_t k = dropped.rowPtr[i];
    for (int64_t j = 0; j < c.m; ++j) {
      const double v = s.plan[i * c.m + j];
      if (v > 0 && v >= 1e-6 * pmax) {
        ++kept;
        ok = ok && k < dropped.rowPtr[i + 1] && dropped.colIdx[k] == j && dropped.values[k] == v;
        ++k;
      }
    }
    ok = ok && k == dropped.rowPtr[i + 1];
  }
  CHECK(ok);
  CHECK(kept == t.res.plan_nnz && kept < positive && kept > 0);
  // No plan at all: the same potentials and figures.
  Solution u{{}, Vec(c.n), Vec(c.m), {}};
  u.res = sinkhorn_newton(engine(), c.problem(), u.f.data(), u.g.data(), nullptr, nullptr,
                          newton(eps), ctl);
  CHECK(u.f == s.f && u.res.cost == s.res.cost && u.res.plan_nnz == 0);
}

void test_warm_start_and_history() {
  const Case c = random_case(20, 16, 11);
  const double eps = 0.02;
  NewtonOptions o = newton(eps);
  o.history = true;
  const Solution s = run_sns(c, o);
  CHECK(s.res.reason == Reason::Tol);
  CHECK(int64_t(s.res.history.size()) == 2 + s.res.newton_iterations);
  // From the solution: converged at the warm-up's first check, no Newton step.
  Solution t{{}, s.f, s.g, Vec(c.n * c.m)};
  NewtonOptions w = newton(eps);
  w.warm_start = true;
  Control ctl;
  t.res = sinkhorn_newton(engine(), c.problem(), t.f.data(), t.g.data(), t.plan.data(), nullptr, w,
                          ctl);
  CHECK(t.res.reason == Reason::Tol && t.res.newton_iterations == 0);
  CHECK(max_abs_diff(t.plan, s.plan) <= 1e-12);
  // No warm-up at all, from the solution: converged with no iteration.
  w.warmup_iterations = 0;
  t.f = s.f;
  t.g = s.g;
  t.res = sinkhorn_newton(engine(), c.problem(), t.f.data(), t.g.data(), t.plan.data(), nullptr, w,
                          ctl);
  CHECK(t.res.reason == Reason::Tol && t.res.iterations == 0);
  // maxNewtonIterations 0: the warm-up alone, honest about not converging.
  NewtonOptions z = newton(1e-3);
  z.max_newton_iterations = 0;
  const Solution u = run_sns(c, z);
  CHECK(u.res.reason == Reason::MaxIterations && u.res.iterations == 20 &&
        u.res.marginal_error > 1e-12);
}

struct AbortCtx {
  std::atomic<bool>* flag;
  int calls;
};

void test_abort() {
  const Case c = random_case(60, 60, 13, true);
  const double eps = 1e-3;
  // Aborted before the start.
  {
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    Solution s{{}, Vec(c.n), Vec(c.m), Vec(c.n * c.m)};
    s.res = sinkhorn_newton(engine(), c.problem(), s.f.data(), s.g.data(), s.plan.data(), nullptr,
                            newton(eps), ctl);
    CHECK(s.res.reason == Reason::Aborted);
    CHECK(s.res.newton_iterations == 0);
  }
  // Aborted from the progress callback at the first Newton step's report: the partial f, g are
  // finite and the plan is theirs.
  {
    std::atomic<bool> flag{false};
    AbortCtx ctx{&flag, 0};
    Control ctl;
    ctl.set_abort_flag(&flag);
    ctl.set_progress(
        [](void* p, const ProgressInfo& info) {
          AbortCtx& x = *static_cast<AbortCtx*>(p);
          ++x.calls;
          if (info.iteration > 20) x.flag->store(true);
        },
        &ctx, 0.0);
    Solution s{{}, Vec(c.n), Vec(c.m), Vec(c.n * c.m)};
    s.res = sinkhorn_newton(engine(), c.problem(), s.f.data(), s.g.data(), s.plan.data(), nullptr,
                            newton(eps), ctl);
    CHECK(s.res.reason == Reason::Aborted);
    CHECK(s.res.newton_iterations == 1);
    CHECK(ctx.calls >= 2);
    bool finite = true;
    for (double x : s.f) finite = finite && std::isfinite(x);
    for (double x : s.g) finite = finite && std::isfinite(x);
    CHECK(finite);
    CHECK(std::fabs(plan_marginal_error(c, s.plan) - s.res.marginal_error) <= 1e-12);
  }
}

void test_errors() {
  const Case c = random_case(5, 4, 1);
  auto throws = [&](NewtonOptions o, const char* arg, const Case& k) {
    Vec f(k.n), g(k.m);
    Control ctl;
    try {
      sinkhorn_newton(engine(), k.problem(), f.data(), g.data(), nullptr, nullptr, o, ctl);
    } catch (const SolverError& e) {
      return std::string(e.code) == "ERR_INVALID_ARGUMENT" && e.argument == arg;
    }
    return false;
  };
  NewtonOptions o = newton(0.1);
  o.sparsity = 0;
  CHECK(throws(o, "sparsity", c));
  o = newton(0.1);
  o.warmup_iterations = -1;
  CHECK(throws(o, "warmupIterations", c));
  o = newton(0.1);
  o.max_newton_iterations = -1;
  CHECK(throws(o, "maxNewtonIterations", c));
  o = newton(0.1);
  o.tol = std::nan("");
  CHECK(throws(o, "tol", c));
  o = newton(0.1);
  o.cg_rtol = -1;
  CHECK(throws(o, "cg", c));
  CHECK(throws(newton(0.0), "epsilon", c));
  Case bad = c;
  bad.a[2] = -0.1;
  CHECK(throws(newton(0.1), "a", bad));
  // The batch names its arguments A and B.
  Vec A(2 * c.n), B(2 * c.m), F(2 * c.n), G(2 * c.m);
  for (int64_t q = 0; q < 2; ++q) {
    std::copy(c.a.begin(), c.a.end(), A.begin() + q * c.n);
    std::copy(c.b.begin(), c.b.end(), B.begin() + q * c.m);
  }
  B[c.m + 1] = std::numeric_limits<double>::infinity();
  SinkhornOptions so;
  so.epsilon = 0.1;
  Control ctl;
  bool named = false;
  try {
    sinkhorn_batch(engine(), c.n, c.m, 2, A.data(), B.data(), c.C.data(), F.data(), G.data(), so,
                   ctl);
  } catch (const SolverError& e) {
    named = e.argument == "B" && std::string(e.what()).find("pair 1") != std::string::npos;
  }
  CHECK(named);
}

// Parallel passes over fixed row/column blocks: the same bits on 1 and 2 threads.
void test_threads() {
  const Case c = random_case(300, 280, 17, true);
  ThreadPool p1(1), p2(2);
  const Engine e1{kernels_for(detect_simd()), &p1}, e2{kernels_for(detect_simd()), &p2};
  NewtonOptions o = newton(2e-3);
  const Solution s1 = run_sns(c, o, e1), s2 = run_sns(c, o, e2);
  CHECK(s1.res.reason == Reason::Tol);
  CHECK(s1.f == s2.f && s1.g == s2.g && s1.plan == s2.plan);
  CHECK(s1.res.newton_iterations == s2.res.newton_iterations &&
        s1.res.cg_iterations == s2.res.cg_iterations);
}

void test_batch() {
  const int64_t n = 17, m = 13, k = 5;
  const Case base = random_case(n, m, 21);
  Vec A(n * k), B(m * k);
  for (int64_t q = 0; q < k; ++q) {
    const Case h = random_case(n, m, 100 + uint64_t(q));
    std::copy(h.a.begin(), h.a.end(), A.begin() + q * n);
    std::copy(h.b.begin(), h.b.end(), B.begin() + q * m);
  }
  // Pair 2 has zeros (b rescaled to a's sum).
  A[2 * n + 4] = 0;
  B[2 * m + 0] = 0;
  {
    double sa = 0, sb = 0;
    for (int64_t i = 0; i < n; ++i) sa += A[2 * n + i];
    for (int64_t j = 0; j < m; ++j) sb += B[2 * m + j];
    for (int64_t j = 0; j < m; ++j) B[2 * m + j] *= sa / sb;
  }
  struct Setting {
    SinkhornMethod method;
    double eps, tol;
    int64_t maxit;
  };
  for (const Setting st : {Setting{SinkhornMethod::Auto, 0.1, 1e-11, 5000},
                           Setting{SinkhornMethod::Scaling, 0.05, 1e-10, 40},
                           Setting{SinkhornMethod::Log, 0.02, 1e-10, 5000}}) {
    SinkhornOptions so;
    so.method = st.method;
    so.epsilon = st.eps;
    so.tol = st.tol;
    so.max_iterations = st.maxit;
    so.history = true;
    Vec F(n * k), G(m * k);
    Control ctl;
    const std::vector<OtResult> rs = sinkhorn_batch(engine(), n, m, k, A.data(), B.data(),
                                                    base.C.data(), F.data(), G.data(), so, ctl);
    CHECK(int64_t(rs.size()) == k);
    bool some_differ = false;
    for (int64_t q = 0; q < k; ++q) {
      const Problem p{n, m, A.data() + q * n, B.data() + q * m, base.C.data()};
      Vec f(n), g(m);
      const OtResult r = sinkhorn(engine(), p, f.data(), g.data(), nullptr, so, ctl);
      CHECK(rs[q].reason == r.reason);
      CHECK(rs[q].iterations == r.iterations);
      CHECK(rs[q].method == r.method);
      CHECK(rs[q].history.size() == r.history.size());
      some_differ = some_differ || rs[q].iterations != rs[0].iterations;
      Vec fb(F.begin() + q * n, F.begin() + (q + 1) * n),
          gb(G.begin() + q * m, G.begin() + (q + 1) * m);
      Solution x{r, f, g, {}}, y{rs[q], fb, gb, {}};
      CHECK(gauge_diff(x, y) <= 1e-10);
      CHECK(std::fabs(rs[q].cost - r.cost) <= 1e-10 * r.cost);
      CHECK(std::fabs(rs[q].marginal_error - r.marginal_error) <= 1e-12);
    }
    if (st.maxit > 100) CHECK(some_differ || st.method == SinkhornMethod::Log);
    if (st.method == SinkhornMethod::Scaling)
      for (const OtResult& r : rs) CHECK(r.reason == Reason::MaxIterations && r.iterations == 40);
    CHECK(std::isinf(F[2 * n + 4]) && std::isinf(G[2 * m + 0]));
  }
}

// A problem written as raw float64: n, m, a (n), b (m), C (n·m). SNS (and, with `log`, log-domain
// Sinkhorn) on it, timed: a development bench (`--file PATH EPS TOL [log]`).
void run_file(const char* path, double eps, double tol, bool with_log) {
  FILE* fp = std::fopen(path, "rb");
  if (fp == nullptr) {
    std::fprintf(stderr, "cannot open %s\n", path);
    ++failures;
    return;
  }
  double nm[2] = {0, 0};
  size_t got = std::fread(nm, sizeof(double), 2, fp);
  Case c{int64_t(nm[0]), int64_t(nm[1]), Vec(int64_t(nm[0])), Vec(int64_t(nm[1])),
         Vec(int64_t(nm[0]) * int64_t(nm[1]))};
  got += std::fread(c.a.data(), sizeof(double), c.a.size(), fp);
  got += std::fread(c.b.data(), sizeof(double), c.b.size(), fp);
  got += std::fread(c.C.data(), sizeof(double), c.C.size(), fp);
  std::fclose(fp);
  CHECK(got == 2 + c.a.size() + c.b.size() + c.C.size());
  const auto now = [] { return std::chrono::steady_clock::now(); };
  const auto ms = [](auto t0, auto t1) {
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  };
  NewtonOptions o = newton(eps, tol);
  o.history = true;
  auto t0 = now();
  const Solution s = run_sns(c, o);
  auto t1 = now();
  std::printf(
      "SNS n=%lld m=%lld eps=%g: %s, warm-up %lld + Newton %lld, cg %lld, error %.3e, "
      "cost %.12g, %.0f ms\n  history:",
      (long long)c.n, (long long)c.m, eps, reason_name(s.res.reason),
      (long long)s.res.warmup_iterations, (long long)s.res.newton_iterations,
      (long long)s.res.cg_iterations, s.res.marginal_error, s.res.cost, ms(t0, t1));
  for (double h : s.res.history) std::printf(" %.1e", h);
  std::printf("\n");
  if (with_log) {
    t0 = now();
    const Solution l = run_log(c, eps, tol, 1000000);
    t1 = now();
    std::printf("log: %s, %lld iterations, error %.3e, cost %.12g, %.0f ms\n",
                reason_name(l.res.reason), (long long)l.res.iterations, l.res.marginal_error,
                l.res.cost, ms(t0, t1));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--assignment") {
    test_assignment(std::atoll(argv[2]));
  } else if (argc > 4 && std::string(argv[1]) == "--file") {
    run_file(argv[2], std::atof(argv[3]), std::atof(argv[4]),
             argc > 5 && std::string(argv[5]) == "log");
  } else {
    test_agrees_with_log();
    test_assignment(300);
    test_small_eps();
    test_zeros();
    test_thin();
    test_sparse_plan();
    test_warm_start_and_history();
    test_abort();
    test_errors();
    test_threads();
    test_batch();
  }
  std::printf("newton_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
