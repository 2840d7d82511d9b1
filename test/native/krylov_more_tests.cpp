// Unit tests of BiCGSTAB, GMRES/FGMRES, MINRES and the conjugate-direction method (DCDM): the
// solutions against dense solves, the shared conventions of krylov.hpp (stopping test confirmed
// by the true residual, history, reasons, abort/time limit, non-finite input, x0, b = 0) and
// bit-identical results for 1 and 2 pool threads. The preconditioners are defined here (the
// library's own are tested elsewhere). Built by CMakeLists.txt (target krylov_more_tests) or
//   test/native/build.sh krylov_more_tests /tmp/out && /tmp/out/krylov_more_tests
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../native/krylov/krylov.hpp"

using namespace itersolve;

static int failures = 0;
static int checks = 0;
static std::string ctx;  // names the solver or case a failed CHECK belongs to
#define CHECK(cond)                                                                           \
  do {                                                                                        \
    ++checks;                                                                                 \
    if (!(cond)) {                                                                            \
      ++failures;                                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed [%s]: %s\n", __FILE__, __LINE__, ctx.c_str(), \
                   #cond);                                                                    \
    }                                                                                         \
  } while (0)

#include "matrices.hpp"
using namespace itersolve::testing;

static Vec random_vec(int64_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Vec x(static_cast<size_t>(n));
  for (double& xi : x) xi = u(g);
  return x;
}

static double norm(const Vec& x) {
  double s = 0;
  for (double xi : x) s += xi * xi;
  return std::sqrt(s);
}

static double resid(const Mat& A, const Vec& b, const Vec& x) {
  Vec y(b.size());
  A.mul(x.data(), y.data());
  for (size_t i = 0; i < y.size(); ++i) y[i] = b[i] - y[i];
  return norm(y);
}

static double rel(const Vec& a, const Vec& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / den);
}

static bool all_finite(const Vec& x) {
  for (double xi : x)
    if (!std::isfinite(xi)) return false;
  return true;
}

// Dense LU with partial pivoting (row-major), for reference solutions and the exact oracle.
struct DenseLU {
  int64_t n = 0;
  std::vector<double> lu;
  std::vector<int64_t> piv;
  explicit DenseLU(const Mat& A)
      : n(A.n), lu(static_cast<size_t>(A.n * A.n)), piv(static_cast<size_t>(A.n)) {
    for (int64_t i = 0; i < n; ++i)
      for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k) lu[i * n + A.ci[k]] += A.v[k];
    for (int64_t c = 0; c < n; ++c) {
      int64_t p = c;
      for (int64_t i = c + 1; i < n; ++i)
        if (std::fabs(lu[i * n + c]) > std::fabs(lu[p * n + c])) p = i;
      piv[c] = p;
      if (p != c)
        for (int64_t j = 0; j < n; ++j) std::swap(lu[c * n + j], lu[p * n + j]);
      const double d = lu[c * n + c];
      for (int64_t i = c + 1; i < n; ++i) {
        const double f = lu[i * n + c] /= d;
        if (f != 0)
          for (int64_t j = c + 1; j < n; ++j) lu[i * n + j] -= f * lu[c * n + j];
      }
    }
  }
  void solve(const double* b, double* x) const {
    for (int64_t i = 0; i < n; ++i) x[i] = b[i];
    for (int64_t c = 0; c < n; ++c) std::swap(x[c], x[piv[c]]);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < i; ++j) x[i] -= lu[i * n + j] * x[j];
    for (int64_t i = n - 1; i >= 0; --i) {
      for (int64_t j = i + 1; j < n; ++j) x[i] -= lu[i * n + j] * x[j];
      x[i] /= lu[i * n + i];
    }
  }
  Vec solve(const Vec& b) const {
    Vec x(b.size());
    solve(b.data(), x.data());
    return x;
  }
};

// ---- test preconditioners / oracles ----

struct TestPre : Preconditioner {
  int64_t n;
  explicit TestPre(int64_t n_) : n(n_) {}
  const char* kind() const override { return "callback"; }
  int64_t size() const override { return n; }
};

struct Identity : TestPre {
  using TestPre::TestPre;
  bool apply(const Engine&, const double* r, double* z) const override {
    std::memcpy(z, r, static_cast<size_t>(n) * sizeof(double));
    return true;
  }
};

// z = s·r / diag(A) (s = −1: a negative definite M).
struct Diag : TestPre {
  Vec inv;
  explicit Diag(const Mat& A, double s = 1.0) : TestPre(A.n), inv(static_cast<size_t>(A.n)) {
    for (int64_t i = 0; i < n; ++i) inv[i] = s / A.diag(i);
  }
  const char* kind() const override { return "jacobi"; }
  bool apply(const Engine&, const double* r, double* z) const override {
    for (int64_t i = 0; i < n; ++i) z[i] = r[i] * inv[i];
    return true;
  }
};

// z = d ∘ r with a fixed random d ∈ [0.2, 5]: SPD, unrelated to A.
struct RandomDiag : TestPre {
  Vec d;
  RandomDiag(int64_t n_, uint64_t seed) : TestPre(n_), d(random_vec(n_, seed)) {
    for (double& di : d) di = std::exp(1.6 * di);
  }
  bool apply(const Engine&, const double* r, double* z) const override {
    for (int64_t i = 0; i < n; ++i) z[i] = d[i] * r[i];
    return true;
  }
};

struct ExactInverse : TestPre {
  DenseLU lu;
  explicit ExactInverse(const Mat& A) : TestPre(A.n), lu(A) {}
  bool apply(const Engine&, const double* r, double* z) const override {
    lu.solve(r, z);
    return true;
  }
};

// `steps` of plain CG from zero on A z = r: a nonlinear approximate inverse (A SPD).
struct InnerCG : TestPre {
  const Mat& A;
  int steps;
  InnerCG(const Mat& A_, int steps_) : TestPre(A_.n), A(A_), steps(steps_) {}
  bool apply(const Engine&, const double* r, double* z) const override {
    Vec res(r, r + n), p(r, r + n), q(static_cast<size_t>(n));
    std::fill(z, z + n, 0.0);
    double rr = 0;
    for (double ri : res) rr += ri * ri;
    for (int s = 0; s < steps && rr > 0; ++s) {
      A.mul(p.data(), q.data());
      double pq = 0;
      for (int64_t i = 0; i < n; ++i) pq += p[i] * q[i];
      const double a = rr / pq;
      double rr2 = 0;
      for (int64_t i = 0; i < n; ++i) {
        z[i] += a * p[i];
        res[i] -= a * q[i];
        rr2 += res[i] * res[i];
      }
      for (int64_t i = 0; i < n; ++i) p[i] = res[i] + rr2 / rr * p[i];
      rr = rr2;
    }
    return true;
  }
};

// `steps` of the minimal-residual iteration from zero on A z = r: nonlinear, any A.
struct InnerMR : TestPre {
  const Mat& A;
  int steps;
  InnerMR(const Mat& A_, int steps_) : TestPre(A_.n), A(A_), steps(steps_) {}
  bool apply(const Engine&, const double* r, double* z) const override {
    Vec s(r, r + n), t(static_cast<size_t>(n));
    std::fill(z, z + n, 0.0);
    for (int k = 0; k < steps; ++k) {
      A.mul(s.data(), t.data());
      double ts = 0, tt = 0;
      for (int64_t i = 0; i < n; ++i) {
        ts += t[i] * s[i];
        tt += t[i] * t[i];
      }
      if (tt == 0) break;
      const double a = ts / tt;
      for (int64_t i = 0; i < n; ++i) {
        z[i] += a * s[i];
        s[i] -= a * t[i];
      }
    }
    return true;
  }
};

// Identity that misbehaves from its (after+1)-th application: sets `flag`, fails, or returns NaN.
struct Faulty : Identity {
  enum Mode { SetFlag, Fail, NaN } mode;
  int after;
  std::atomic<bool>* flag;
  mutable std::atomic<int> calls{0};
  Faulty(int64_t n_, Mode m, int after_, std::atomic<bool>* flag_ = nullptr)
      : Identity(n_), mode(m), after(after_), flag(flag_) {}
  bool apply(const Engine& e, const double* r, double* z) const override {
    Identity::apply(e, r, z);
    if (calls.fetch_add(1) < after) return true;
    if (mode == SetFlag) flag->store(true);
    if (mode == NaN) z[0] = std::numeric_limits<double>::quiet_NaN();
    return mode != Fail;
  }
};

// ---- solver table ----

using SolveFn = IterResult (*)(const Engine&, const CsrView&, const double*, double*,
                               const Preconditioner*, const SolveOptions&, Control&);
struct Solver {
  const char* name;
  SolveFn fn;
  int restart;
  bool flexible;
  bool symmetric_only;
};
static const Solver kSolvers[] = {
    {"bicgstab", bicgstab, 30, false, false},
    {"gmres(30)", gmres, 30, false, false},
    {"gmres(5)", gmres, 5, false, false},
    {"fgmres(10)", gmres, 10, true, false},
    {"minres", minres, 30, false, true},
    {"cdir(m=2)", conjugate_direction, 30, false, true},
    {"gcrotmk(10,k=10)", gcrotmk, 10, false, false},
};

static SolveOptions opts_for(const Solver& s, double rtol, int64_t maxit) {
  SolveOptions o;
  o.rtol = rtol;
  o.max_iterations = maxit;
  o.restart = s.restart;
  o.flexible = s.flexible;
  o.history = true;
  return o;
}

static IterResult run(const Solver& s, const Engine& e, const Mat& A, const Vec& b, Vec& x,
                      const Preconditioner* M, const SolveOptions& o, Control& ctl) {
  return s.fn(e, A.view(), b.data(), x.data(), M, o, ctl);
}
static IterResult run(const Solver& s, const Engine& e, const Mat& A, const Vec& b, Vec& x,
                      const Preconditioner* M, const SolveOptions& o) {
  Control ctl;
  return run(s, e, A, b, x, M, o, ctl);
}

// The contract's invariants for a finished solve.
static void check_result(const IterResult& r, const Mat& A, const Vec& b, const Vec& x,
                         const SolveOptions& o) {
  CHECK(r.history.size() == static_cast<size_t>(r.iterations) + 1);
  CHECK(r.matvecs >= r.iterations);
  const double tr = resid(A, b, x);
  CHECK(std::fabs(r.value - tr) <= 1e-8 * std::fmax(tr, 1e-300) + 1e-14 * norm(b));
  if (reason_converged(r.reason)) {
    const double tol = std::fmax(o.rtol * norm(b), o.atol);
    CHECK(r.value <= tol);
    CHECK(tr <= tol * (1 + 1e-10));
  }
}

static void count_progress(void* c, const ProgressInfo&) { ++*static_cast<int64_t*>(c); }

// ---- tests ----

// Nonsymmetric convection–diffusion: every nonsymmetric solver, several preconditioners.
static void test_nonsymmetric(const Engine& e) {
  const Mat A = convdiff(32, 40.0, 25.0);
  const Vec b = random_vec(A.n, 11);
  const Vec xref = DenseLU(A).solve(b);
  const Diag jac(A);
  const RandomDiag rd(A.n, 5);
  const InnerMR mr(A, 4);
  for (const Solver& s : kSolvers) {
    if (s.symmetric_only) continue;
    for (const Preconditioner* M :
         {static_cast<const Preconditioner*>(nullptr), static_cast<const Preconditioner*>(&jac),
          static_cast<const Preconditioner*>(&rd), static_cast<const Preconditioner*>(&mr)}) {
      // A nonlinear M needs the flexible variant (or BiCGSTAB's single use per step is fine).
      if (M == &mr && s.fn == SolveFn(gmres) && !s.flexible) continue;
      ctx = std::string("convdiff ") + s.name +
            (M == nullptr ? ""
             : M == &jac  ? "+jacobi"
             : M == &rd   ? "+randdiag"
                          : "+innerMR");
      Vec x(b.size(), 0.0);
      const SolveOptions o = opts_for(s, 1e-10, 5000);
      const IterResult r = run(s, e, A, b, x, M, o);
      CHECK(r.reason == Reason::Rtol);
      check_result(r, A, b, x, o);
      CHECK(rel(x, xref) < 1e-7);
      CHECK(r.history[0] == norm(b) || std::fabs(r.history[0] - norm(b)) <= 1e-12 * norm(b));
      std::printf("  %-28s %5lld iterations, %5lld matvecs\n", ctx.c_str(), (long long)r.iterations,
                  (long long)r.matvecs);
    }
  }
  // GMRES counts one iteration per inner step: without restarts (restart ≥ iterations) it
  // needs no more steps than GMRES(5).
  ctx = "gmres restart comparison";
  Vec x1(b.size(), 0.0), x2(b.size(), 0.0);
  SolveOptions o = opts_for(kSolvers[1], 1e-10, 5000);
  o.restart = 1000;
  Control c1, c2;
  const IterResult full = gmres(e, A.view(), b.data(), x1.data(), nullptr, o, c1);
  o.restart = 5;
  const IterResult small = gmres(e, A.view(), b.data(), x2.data(), nullptr, o, c2);
  CHECK(full.reason == Reason::Rtol && small.reason == Reason::Rtol);
  CHECK(full.iterations <= small.iterations);
  // Full GMRES: the estimate decreases monotonically.
  for (size_t i = 1; i < full.history.size(); ++i)
    CHECK(full.history[i] <= full.history[i - 1] * (1 + 1e-12));
}

// Symmetric indefinite: 2D Poisson shifted inside its spectrum.
static void test_indefinite(const Engine& e) {
  const Mat A = poisson(32, 1.0);
  const Vec b = random_vec(A.n, 12);
  const Vec xref = DenseLU(A).solve(b);
  // An SPD M unrelated to A: the M⁻¹-norm estimate differs from ‖r‖₂ and is rescaled.
  const RandomDiag rd(A.n, 6);
  for (const Preconditioner* M :
       {static_cast<const Preconditioner*>(nullptr), static_cast<const Preconditioner*>(&rd)}) {
    ctx = std::string("indefinite minres") + (M ? "+randdiag" : "");
    Vec x(b.size(), 0.0);
    SolveOptions o = opts_for(kSolvers[4], 1e-10, 5000);
    Control ctl;
    IterResult r = minres(e, A.view(), b.data(), x.data(), M, o, ctl);
    CHECK(r.reason == Reason::Rtol);
    check_result(r, A, b, x, o);
    CHECK(rel(x, xref) < 1e-6);
    std::printf("  %-28s %5lld iterations, %5lld matvecs\n", ctx.c_str(), (long long)r.iterations,
                (long long)r.matvecs);
    // Without M the estimate is the residual norm itself, non-increasing.
    if (M == nullptr)
      for (size_t i = 1; i < r.history.size(); ++i)
        CHECK(r.history[i] <= r.history[i - 1] * (1 + 1e-12));
  }
  // Restarted GMRES stagnates on this indefinite spectrum; without restarts it converges.
  {
    const int restart = 1000;
    ctx = "indefinite gmres(" + std::to_string(restart) + ")";
    Vec x(b.size(), 0.0);
    SolveOptions o = opts_for(kSolvers[1], 1e-10, 20000);
    o.restart = restart;
    Control ctl;
    IterResult r = gmres(e, A.view(), b.data(), x.data(), nullptr, o, ctl);
    CHECK(r.reason == Reason::Rtol);
    check_result(r, A, b, x, o);
    CHECK(rel(x, xref) < 1e-6);
    std::printf("  %-28s %5lld iterations, %5lld matvecs\n", ctx.c_str(), (long long)r.iterations,
                (long long)r.matvecs);
  }
  // An M that is not positive definite.
  {
    ctx = "minres negative M";
    const Diag neg(A, -1.0);
    Vec x(b.size(), 0.0);
    Control ctl;
    IterResult r =
        minres(e, A.view(), b.data(), x.data(), &neg, opts_for(kSolvers[4], 1e-8, 100), ctl);
    CHECK(r.reason == Reason::Indefinite);
    CHECK(r.iterations == 0);
  }
  // CG-like methods reject an indefinite A.
  {
    ctx = "cdir indefinite A";
    Vec x(b.size(), 0.0);
    Control ctl;
    IterResult r = conjugate_direction(e, A.view(), b.data(), x.data(), nullptr,
                                       opts_for(kSolvers[5], 1e-10, 5000), ctl);
    CHECK(r.reason == Reason::Indefinite);
    CHECK(all_finite(x));
    CHECK(std::fabs(r.value - resid(A, b, x)) <= 1e-8 * r.value);
  }
}

// Small hand-made cases: breakdowns, eigenvector right-hand sides.
static void test_small(const Engine& e) {
  const Mat swap2 = from_dense(2, {0, 1, 1, 0});
  const Mat sing = from_dense(2, {1, 0, 0, 0});
  const Vec e0 = {1, 0}, e1 = {0, 1};
  SolveOptions o;
  o.rtol = 1e-12;
  o.history = true;
  {
    ctx = "bicgstab r̂ᵀv = 0";
    Vec x(2, 0.0);
    Control ctl;
    IterResult r = bicgstab(e, swap2.view(), e0.data(), x.data(), nullptr, o, ctl);
    CHECK(r.reason == Reason::Breakdown);
    CHECK(r.iterations == 0 && r.history.size() == 1);
    CHECK(r.value == 1.0);
  }
  for (const Solver& s : kSolvers) {
    if (s.fn == SolveFn(bicgstab) || s.fn == SolveFn(conjugate_direction)) continue;
    ctx = std::string(s.name) + " on [[0,1],[1,0]]";
    Vec x(2, 0.0);
    IterResult r = run(s, e, swap2, e0, x, nullptr, opts_for(s, 1e-12, 100));
    CHECK(reason_converged(r.reason));
    CHECK(r.iterations <= 2);
    CHECK(std::fabs(x[0]) < 1e-14 && std::fabs(x[1] - 1) < 1e-14);
  }
  for (const Solver& s : kSolvers) {
    if (s.fn != SolveFn(gmres) && s.fn != SolveFn(minres)) continue;
    ctx = std::string(s.name) + " singular, b ∉ range";
    Vec x(2, 0.0);
    IterResult r = run(s, e, sing, e1, x, nullptr, opts_for(s, 1e-12, 100));
    CHECK(r.reason == Reason::Breakdown);
    CHECK(x[0] == 0 && x[1] == 0);
    CHECK(r.value == 1.0);
  }
  // An exact inverse as M: one iteration (right preconditioning puts M⁻¹ on the right side).
  {
    const Mat S = poisson(12), N = convdiff(12, 30.0, 20.0);
    const ExactInverse invS(S), invN(N);
    for (const Solver& s : kSolvers) {
      if (s.fn == SolveFn(conjugate_direction)) continue;  // its oracle test is in test_cdir
      ctx = std::string(s.name) + " exact-inverse M";
      const Mat& A = s.symmetric_only ? S : N;
      const Vec b = random_vec(A.n, 8);
      Vec x(b.size(), 0.0);
      const SolveOptions oo = opts_for(s, 1e-10, 50);
      const IterResult r = run(s, e, A, b, x, s.symmetric_only ? &invS : &invN, oo);
      CHECK(r.reason == Reason::Rtol);
      CHECK(r.iterations == 1);
      check_result(r, A, b, x, oo);
    }
  }
  // b an eigenvector of A: one step is exact (β = 0 / lucky breakdown).
  {
    const int N = 16;
    const Mat A = poisson(N);
    const double pi = std::acos(-1.0);
    Vec b(static_cast<size_t>(A.n));
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j)
        b[i * N + j] = std::sin(pi * (i + 1) / (N + 1)) * std::sin(2 * pi * (j + 1) / (N + 1));
    for (const Solver& s : kSolvers) {
      ctx = std::string(s.name) + " eigenvector b";
      Vec x(b.size(), 0.0);
      const SolveOptions oo = opts_for(s, 1e-12, 100);
      IterResult r = run(s, e, A, b, x, nullptr, oo);
      CHECK(reason_converged(r.reason));
      CHECK(r.iterations == 1);
      check_result(r, A, b, x, oo);
    }
  }
}

// The shared conventions, for every solver, on 2D Poisson (SPD, so all solvers apply).
static void test_conventions(const Engine& e) {
  const Mat A = poisson(32);
  const Vec b = random_vec(A.n, 13);
  const double bn = norm(b);
  const Vec xref = DenseLU(A).solve(b);
  const Diag jac(A);
  const Mat big = poisson(200);
  const Vec bbig = random_vec(big.n, 14);
  const Diag jacBig(big);  // the flexible solver's preconditioner must be built for `big` itself
  for (const Solver& s : kSolvers) {
    const SolveOptions o = opts_for(s, 1e-8, 3000);
    const Preconditioner* M = s.flexible ? &jac : nullptr;
    // Plain solve, then with Jacobi and with true_residual_every.
    ctx = s.name;
    Vec x(b.size(), 0.0);
    int64_t progress_calls = 0;
    Control pc;
    pc.set_progress(count_progress, &progress_calls, 0.0);
    const IterResult base = run(s, e, A, b, x, M, o, pc);
    CHECK(base.reason == Reason::Rtol);
    check_result(base, A, b, x, o);
    CHECK(rel(x, xref) < 1e-6);
    CHECK(std::fabs(base.history[0] - bn) <= 1e-12 * bn);
    CHECK(progress_calls == base.iterations);
    {
      ctx = std::string(s.name) + " jacobi";
      Vec xj(b.size(), 0.0);
      const IterResult r = run(s, e, A, b, xj, &jac, o);
      CHECK(r.reason == Reason::Rtol);
      check_result(r, A, b, xj, o);
    }
    {
      ctx = std::string(s.name) + " true_residual_every 7";
      SolveOptions ot = o;
      ot.true_residual_every = 7;
      Vec xt(b.size(), 0.0);
      const IterResult r = run(s, e, A, b, xt, M, ot);
      CHECK(r.reason == Reason::Rtol);
      check_result(r, A, b, xt, ot);
      if (s.fn != SolveFn(gmres)) CHECK(r.matvecs > base.matvecs);
    }
    // atol binding
    {
      ctx = std::string(s.name) + " atol";
      SolveOptions oa = o;
      oa.rtol = 1e-9;
      oa.atol = 1e-6 * bn;
      Vec xa(b.size(), 0.0);
      const IterResult r = run(s, e, A, b, xa, M, oa);
      CHECK(r.reason == Reason::Atol);
      check_result(r, A, b, xa, oa);
    }
    // A tolerance below attainable accuracy: convergence is never claimed unconfirmed.
    {
      ctx = std::string(s.name) + " rtol 1e-17";
      const SolveOptions ou = opts_for(s, 1e-17, 400);
      Vec xu(b.size(), 0.0);
      const IterResult r = run(s, e, A, b, xu, M, ou);
      CHECK(r.reason != Reason::NonFinite && r.reason != Reason::Indefinite);
      check_result(r, A, b, xu, ou);
      std::printf("  %-28s %s after %lld iterations, %lld matvecs, residual %.3g\n", ctx.c_str(),
                  reason_name(r.reason), (long long)r.iterations, (long long)r.matvecs,
                  r.value / bn);
    }
    // zero_start: whatever x holds (NaN here), the solve is the one from x = 0, bit for bit,
    // less the product that formed the initial residual.
    {
      ctx = std::string(s.name) + " zero_start";
      SolveOptions oz = o;
      oz.zero_start = true;
      Vec xz(b.size(), std::nan(""));
      const IterResult r = run(s, e, A, b, xz, M, oz);
      CHECK(r.reason == base.reason && r.iterations == base.iterations);
      CHECK(r.matvecs == base.matvecs - 1);
      CHECK(xz == x && r.history == base.history && r.value == base.value);
    }
    // x0 is used: from the solution, 0 iterations; from near it, fewer than from 0.
    {
      ctx = std::string(s.name) + " x0";
      Vec x0 = xref;
      IterResult r = run(s, e, A, b, x0, M, o);
      CHECK(reason_converged(r.reason) && r.iterations == 0 && r.matvecs == 1);
      CHECK(x0 == xref);
      const Vec pert = random_vec(A.n, 15);
      for (size_t i = 0; i < x0.size(); ++i) x0[i] = xref[i] + 1e-5 * pert[i];
      r = run(s, e, A, b, x0, M, o);
      CHECK(r.reason == Reason::Rtol);
      CHECK(r.iterations < base.iterations);
      check_result(r, A, b, x0, o);
    }
    // b = 0: x = 0, converged in 0 iterations.
    {
      ctx = std::string(s.name) + " b=0";
      const Vec zero(b.size(), 0.0);
      Vec xz(b.size(), 1.0);
      const IterResult r = run(s, e, A, zero, xz, M, o);
      CHECK(reason_converged(r.reason));
      CHECK(r.iterations == 0 && r.value == 0 && r.history.size() == 1);
      CHECK(xz == zero);
    }
    // max_iterations
    {
      ctx = std::string(s.name) + " max_iterations";
      Vec xm(b.size(), 0.0);
      const IterResult r = run(s, e, A, b, xm, M, opts_for(s, 1e-12, 7));
      CHECK(r.reason == Reason::MaxIterations);
      CHECK(r.iterations == 7);
      check_result(r, A, b, xm, o);
      CHECK(r.value < bn);
      Vec x0(b.size(), 0.0);
      const IterResult r0 = run(s, e, A, b, x0, M, opts_for(s, 1e-12, 0));
      CHECK(r0.reason == Reason::MaxIterations && r0.iterations == 0);
      CHECK(std::fabs(r0.value - bn) <= 1e-12 * bn);
    }
    // Abort flag set before the solve: nothing moves.
    {
      ctx = std::string(s.name) + " abort preset";
      std::atomic<bool> flag{true};
      Control ctl;
      ctl.set_abort_flag(&flag);
      Vec xa = random_vec(A.n, 16);
      const Vec xa0 = xa;
      const IterResult r = run(s, e, A, b, xa, M, o, ctl);
      CHECK(r.reason == Reason::Aborted);
      CHECK(r.iterations == 0 && xa == xa0);
      check_result(r, A, b, xa, o);
    }
    // Abort flag raised mid-solve (by the preconditioner): partial x, its true residual.
    {
      ctx = std::string(s.name) + " abort mid-solve";
      std::atomic<bool> flag{false};
      Control ctl;
      ctl.set_abort_flag(&flag);
      const Faulty f(A.n, Faulty::SetFlag, 12, &flag);
      Vec xa(b.size(), 0.0);
      SolveOptions of = o;
      of.restart = 30;  // the flag is seen within the first cycle
      const IterResult r = run(s, e, A, b, xa, &f, of, ctl);
      CHECK(r.reason == Reason::Aborted);
      CHECK(r.iterations > 0 && r.iterations < 20);
      check_result(r, A, b, xa, of);
      CHECK(r.value < 0.9 * bn);
    }
    // A preconditioner (or oracle) that fails: Aborted, x finite.
    {
      ctx = std::string(s.name) + " preconditioner fails";
      const Faulty f(A.n, Faulty::Fail, 9);
      Vec xa(b.size(), 0.0);
      const IterResult r = run(s, e, A, b, xa, &f, o);
      CHECK(r.reason == Reason::Aborted);
      CHECK(r.iterations > 0 && r.iterations < 12);
      CHECK(all_finite(xa));
      check_result(r, A, b, xa, o);
    }
    // Non-finite: in b, in A, and from the preconditioner.
    {
      ctx = std::string(s.name) + " non-finite";
      Vec bnan = b;
      bnan[5] = std::numeric_limits<double>::quiet_NaN();
      Vec xn(b.size(), 0.0);
      IterResult r = run(s, e, A, bnan, xn, M, o);
      CHECK(r.reason == Reason::NonFinite && r.iterations == 0);
      Mat Ainf = A;
      Ainf.v[40] = std::numeric_limits<double>::infinity();
      std::fill(xn.begin(), xn.end(), 1.0);
      r = run(s, e, Ainf, b, xn, M, o);
      CHECK(r.reason == Reason::NonFinite && r.iterations == 0);
      const Faulty f(A.n, Faulty::NaN, 6);
      std::fill(xn.begin(), xn.end(), 0.0);
      r = run(s, e, A, b, xn, &f, o);
      CHECK(r.reason == Reason::NonFinite);
      CHECK(r.iterations < 10);
      CHECK(all_finite(xn));
      check_result(r, A, b, xn, o);
    }
    // Time limit on a larger problem that cannot converge (tolerance 0).
    {
      ctx = std::string(s.name) + " time limit";
      Control ctl;
      ctl.set_time_limit_ms(30);
      SolveOptions ot = opts_for(s, 0.0, int64_t(1) << 40);
      Vec xt(bbig.size(), 0.0);
      const IterResult r = run(s, e, big, bbig, xt, s.flexible ? &jacBig : nullptr, ot, ctl);
      CHECK(r.reason == Reason::TimeLimit);
      CHECK(ctl.elapsed_ms() < 2000);
      CHECK(r.history.size() == static_cast<size_t>(r.iterations) + 1);
      CHECK(all_finite(xt));
    }
  }
}

// Bit-identical results whatever the number of pool threads (n large enough to go parallel).
static void test_threads() {
  const Mat S = poisson(300);
  const Mat N = convdiff(300, 40.0, 25.0);
  const Vec b = random_vec(S.n, 17);
  const Diag jac(N);
  const InnerMR mr(N, 2);
  const Kernels* k = kernels_for(detect_simd());
  for (const Solver& s : kSolvers) {
    const Mat& A = s.symmetric_only ? S : N;
    const Preconditioner* M = s.flexible         ? static_cast<const Preconditioner*>(&mr)
                              : s.symmetric_only ? nullptr
                                                 : &jac;
    ctx = std::string(s.name) + " threads";
    std::vector<Vec> xs;
    std::vector<IterResult> rs;
    for (int threads : {1, 2, 0}) {
      ThreadPool pool(threads > 0 ? threads : 1);
      Engine e{k, threads > 0 ? &pool : nullptr};
      Vec x(b.size(), 0.0);
      rs.push_back(run(s, e, A, b, x, M, opts_for(s, 1e-12, 40)));
      xs.push_back(std::move(x));
    }
    for (size_t i = 1; i < xs.size(); ++i) {
      CHECK(std::memcmp(xs[0].data(), xs[i].data(), xs[0].size() * sizeof(double)) == 0);
      CHECK(rs[0].history == rs[i].history);
      CHECK(rs[0].value == rs[i].value && rs[0].iterations == rs[i].iterations);
    }
    CHECK(rs[0].reason == Reason::MaxIterations && rs[0].iterations == 40);
  }
}

#ifndef KRYLOV_TESTS_NO_PRECOND
// The library's preconditioners with these solvers (build with -DKRYLOV_TESTS_NO_PRECOND to
// leave them out).
static void test_library_precond(const Engine& e) {
  const Mat N = convdiff(32, 40.0, 25.0), S = poisson(32);
  const Vec b = random_vec(N.n, 21);
  const auto ilu = make_ilu0(N.view());
  const auto jac = make_jacobi(N.view());
  const auto ic = make_ic0(S.view());
  struct Case {
    const Solver& s;
    const Mat& A;
    const Preconditioner* M;
    const char* mname;
  };
  const Case cases[] = {{kSolvers[0], N, ilu.get(), "ilu0"}, {kSolvers[1], N, ilu.get(), "ilu0"},
                        {kSolvers[3], N, ilu.get(), "ilu0"}, {kSolvers[0], N, jac.get(), "jacobi"},
                        {kSolvers[4], S, ic.get(), "ic0"},   {kSolvers[5], S, ic.get(), "ic0"}};
  for (const Case& c : cases) {
    ctx = std::string(c.s.name) + "+" + c.mname;
    const SolveOptions o = opts_for(c.s, 1e-10, 3000);
    Vec x0(b.size(), 0.0), x1(b.size(), 0.0);
    const IterResult plain = run(c.s, e, c.A, b, x0, nullptr, o);
    const IterResult r = run(c.s, e, c.A, b, x1, c.M, o);
    CHECK(r.reason == Reason::Rtol);
    check_result(r, c.A, b, x1, o);
    if (c.M != jac.get()) CHECK(r.iterations < plain.iterations);
    std::printf("  %-28s %5lld iterations (%lld without)\n", ctx.c_str(), (long long)r.iterations,
                (long long)plain.iterations);
  }
}
#endif

// Plain CG from zero, stopping on the recurrence residual: returns the iteration count.
static int64_t plain_cg(const Mat& A, const Vec& b, double rtol, Vec& x) {
  const size_t n = b.size();
  x.assign(n, 0.0);
  Vec r = b, p = b, q(n);
  double rr = 0;
  for (double ri : r) rr += ri * ri;
  const double tol = rtol * std::sqrt(rr);
  for (int64_t it = 1; it <= 10000; ++it) {
    A.mul(p.data(), q.data());
    double pq = 0;
    for (size_t i = 0; i < n; ++i) pq += p[i] * q[i];
    const double a = rr / pq;
    double rr2 = 0;
    for (size_t i = 0; i < n; ++i) {
      x[i] += a * p[i];
      r[i] -= a * q[i];
      rr2 += r[i] * r[i];
    }
    if (std::sqrt(rr2) <= tol) return it;
    for (size_t i = 0; i < n; ++i) p[i] = r[i] + rr2 / rr * p[i];
    rr = rr2;
  }
  return -1;
}

// DCDM's golden properties.
static void test_cdir(const Engine& e) {
  const Mat A = poisson(64);
  const Vec b = random_vec(A.n, 2023);
  Vec xcg;
  const int64_t cg_its = plain_cg(A, b, 1e-6, xcg);
  std::printf("  plain CG (64x64, rtol 1e-6): %lld iterations\n", (long long)cg_its);
  CHECK(cg_its > 150 && cg_its < 190);
  SolveOptions o;
  o.rtol = 1e-6;
  o.max_iterations = 5000;
  o.history = true;
  // Identity oracle, memory ≥ 1: CG's iterates.
  for (int mem : {1, 2, 4}) {
    ctx = "cdir identity memory " + std::to_string(mem);
    o.memory = mem;
    Vec x(b.size(), 0.0);
    Control ctl;
    const IterResult r = conjugate_direction(e, A.view(), b.data(), x.data(), nullptr, o, ctl);
    CHECK(r.reason == Reason::Rtol);
    CHECK(r.iterations == cg_its);
    CHECK(rel(x, xcg) < 1e-8);
    check_result(r, A, b, x, o);
    std::printf("  cdir identity, memory %d: %lld iterations\n", mem, (long long)r.iterations);
  }
  // Identity oracle, memory 0: steepest descent.
  {
    ctx = "cdir memory 0 = steepest descent";
    const int steps = 25;
    Vec xs(b.size(), 0.0), r = b, w(b.size());
    for (int it = 0; it < steps; ++it) {
      A.mul(r.data(), w.data());
      double rr = 0, rw = 0;
      for (size_t i = 0; i < r.size(); ++i) {
        rr += r[i] * r[i];
        rw += r[i] * w[i];
      }
      const double a = rr / rw;
      for (size_t i = 0; i < r.size(); ++i) {
        xs[i] += a * r[i];
        r[i] -= a * w[i];
      }
    }
    SolveOptions os = o;
    os.memory = 0;
    os.max_iterations = steps;
    Vec x(b.size(), 0.0);
    Control ctl;
    const IterResult res = conjugate_direction(e, A.view(), b.data(), x.data(), nullptr, os, ctl);
    CHECK(res.reason == Reason::MaxIterations && res.iterations == steps);
    CHECK(rel(x, xs) < 1e-10);
    CHECK(std::fabs(res.history.back() - norm(r)) <= 1e-8 * norm(r));
  }
  // Exact-inverse oracle: one iteration.
  {
    ctx = "cdir exact oracle";
    const Mat As = poisson(16);
    const Vec bs = random_vec(As.n, 7);
    const ExactInverse inv(As);
    for (int mem : {0, 2}) {
      SolveOptions ox = o;
      ox.rtol = 1e-10;
      ox.memory = mem;
      Vec x(bs.size(), 0.0);
      Control ctl;
      const IterResult r = conjugate_direction(e, As.view(), bs.data(), x.data(), &inv, ox, ctl);
      CHECK(r.reason == Reason::Rtol);
      CHECK(r.iterations == 1);
      check_result(r, As, bs, x, ox);
    }
  }
  // Nonlinear oracle (5 steps of CG): a few dozen iterations with memory ≥ 1.
  {
    const InnerCG inner(A, 5);
    std::printf("  cdir with a 5-step inner-CG oracle (64x64, rtol 1e-6):");
    for (int mem : {0, 1, 2, 4, 8}) {
      ctx = "cdir nonlinear oracle memory " + std::to_string(mem);
      o.memory = mem;
      Vec x(b.size(), 0.0);
      Control ctl;
      const IterResult r = conjugate_direction(e, A.view(), b.data(), x.data(), &inner, o, ctl);
      std::printf(" m=%d: %lld%s", mem, (long long)r.iterations, mem == 8 ? "\n" : ",");
      CHECK(r.reason == Reason::Rtol);
      check_result(r, A, b, x, o);
      if (mem > 0) CHECK(r.iterations >= 25 && r.iterations <= 45);
    }
  }
}

// ---- matrix-free operators (native/core/operator.hpp) ----

// A's products through apply() only (csr() is null: the solvers' generic path); with
// fail_after >= 0 every product after the first fail_after ones fails (a JS multiply that threw).
class PlainOperator final : public LinearOperator {
 public:
  explicit PlainOperator(const Mat& A, int64_t fail_after = -1)
      : A_(A.view()), fail_after_(fail_after) {}
  int64_t rows() const override { return A_.rows; }
  int64_t cols() const override { return A_.cols; }
  bool apply(const Engine& e, const double* x, double* y) const override {
    if (calls.fetch_add(1) >= fail_after_ && fail_after_ >= 0) return false;
    ops::spmv(e, A_, x, y);
    return true;
  }
  mutable std::atomic<int64_t> calls{0};

 private:
  CsrView A_;
  int64_t fail_after_;
};

using OpSolveFn = IterResult (*)(const Engine&, const LinearOperator&, const double*, double*,
                                 const Preconditioner*, const SolveOptions&, Control&);
struct OpSolver {
  const char* name;
  OpSolveFn fn;
  int restart;
};
static const OpSolver kOpSolvers[] = {
    {"cg", cg, 30},
    {"bicgstab", bicgstab, 30},
    {"gmres(30)", gmres, 30},
    {"gmres(5)", gmres, 5},
    {"minres", minres, 30},
    {"cdir(m=2)", conjugate_direction, 30},
    {"gcrotmk(10)", gcrotmk, 10},
};

static void test_linear_operator(const Engine& e) {
  const Mat A = poisson(12, 0.1);  // SPD: every solver applies
  const Vec b = random_vec(A.n, 21), x0 = random_vec(A.n, 22);
  const Diag jac(A);
  for (const OpSolver& s : kOpSolvers)
    for (const Preconditioner* M :
         {static_cast<const Preconditioner*>(nullptr), static_cast<const Preconditioner*>(&jac)}) {
      ctx = std::string("operator ") + s.name + (M == nullptr ? "" : "+jacobi");
      SolveOptions o;
      o.rtol = 1e-10;
      o.max_iterations = 2000;
      o.restart = s.restart;
      o.history = true;
      // The same solve on the CSR operator (fast paths) and on apply() only.
      Vec xc = x0, xp = x0;
      Control c1, c2;
      const IterResult rc = s.fn(e, CsrOperator(A.view()), b.data(), xc.data(), M, o, c1);
      const PlainOperator op(A);
      const IterResult rp = s.fn(e, op, b.data(), xp.data(), M, o, c2);
      CHECK(rc.reason == Reason::Rtol && rp.reason == Reason::Rtol);
      // Not bitwise: the fused product-and-dot kernels round differently from apply() + dot
      // (BiCGSTAB amplifies that most: 3e-12 here).
      CHECK(rel(xc, xp) <= 1e-11);
      CHECK(std::llabs(rc.iterations - rp.iterations) <= 1);
      CHECK(rp.matvecs == op.calls.load());
      CHECK(std::fabs(rc.value - rp.value) <= 1e-11 * norm(b));
      // A product that fails mid-solve: Aborted, the partial x (finite, moved from x0), value NaN.
      for (int64_t after : {int64_t{0}, int64_t{1}, int64_t{7}}) {
        ctx = std::string("operator ") + s.name + (M == nullptr ? "" : "+jacobi") +
              " failing after " + std::to_string(after);
        Vec xf = x0;
        Control c3;
        const PlainOperator bad(A, after);
        const IterResult rf = s.fn(e, bad, b.data(), xf.data(), M, o, c3);
        CHECK(rf.reason == Reason::Aborted);
        CHECK(std::isnan(rf.value));
        CHECK(all_finite(xf));
        CHECK(rf.history.size() == static_cast<size_t>(rf.iterations) + 1);
        if (after == 0) CHECK(xf == x0 && rf.iterations == 0);
        if (after == 7) CHECK(rf.iterations > 0 && xf != x0);
        // No product is attempted after the failed one.
        CHECK(bad.calls.load() == after + 1);
      }
    }
  // Zero start: no product before the first iteration.
  {
    ctx = "operator cg zero start, failing at once";
    SolveOptions o;
    o.zero_start = true;
    o.history = true;
    Vec x(b.size(), 5.0);
    Control c;
    const PlainOperator bad(A, 0);
    const IterResult r = cg(e, bad, b.data(), x.data(), nullptr, o, c);
    CHECK(r.reason == Reason::Aborted && r.iterations == 0 && std::isnan(r.value));
    CHECK(std::all_of(x.begin(), x.end(), [](double v) { return v == 0.0; }));
  }
  // cg_batch: one apply per active column instead of the shared pass.
  {
    ctx = "operator cg_batch";
    const int64_t k = 3;
    Vec B(static_cast<size_t>(A.n * k)), X1(B.size(), 0.0), X2(B.size(), 0.0);
    for (int64_t c = 0; c < k; ++c) {
      const Vec bc = random_vec(A.n, 30 + static_cast<uint64_t>(c));
      std::copy(bc.begin(), bc.end(), B.begin() + c * A.n);
    }
    std::fill(B.begin() + 2 * A.n, B.end(), 0.0);  // a zero column
    SolveOptions o;
    o.rtol = 1e-10;
    o.history = true;
    Control c1, c2, c3;
    const std::vector<IterResult> r1 =
        cg_batch(e, A.view(), B.data(), X1.data(), k, nullptr, o, c1);
    const PlainOperator op(A);
    const std::vector<IterResult> r2 = cg_batch(e, op, B.data(), X2.data(), k, nullptr, o, c2);
    CHECK(rel(X1, X2) <= 1e-12);
    int64_t products = 0;
    for (int64_t c = 0; c < k; ++c) {
      CHECK(reason_converged(r1[size_t(c)].reason) && reason_converged(r2[size_t(c)].reason));
      CHECK(r1[size_t(c)].iterations == r2[size_t(c)].iterations);
      products += r2[size_t(c)].matvecs;
    }
    CHECK(products == op.calls.load());
    ctx = "operator cg_batch failing after 5";
    Vec X3(B.size(), 0.0);
    const PlainOperator bad(A, 5);
    const std::vector<IterResult> r3 = cg_batch(e, bad, B.data(), X3.data(), k, nullptr, o, c3);
    for (int64_t c = 0; c < 2; ++c) {
      CHECK(r3[size_t(c)].reason == Reason::Aborted);
      CHECK(std::isnan(r3[size_t(c)].value));
      CHECK(r3[size_t(c)].history.size() == size_t(r3[size_t(c)].iterations) + 1);
    }
    CHECK(reason_converged(r3[2].reason));  // b = 0: solved before any product
    CHECK(all_finite(X3));
    CHECK(bad.calls.load() == 6);
  }
}

int main() {
  std::printf("krylov_more_tests (SIMD: %s)\n", simd_name(detect_simd()));
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  test_small(e);
  test_nonsymmetric(e);
  test_indefinite(e);
  test_conventions(e);
  test_threads();
#ifndef KRYLOV_TESTS_NO_PRECOND
  test_library_precond(e);
#endif
  test_cdir(e);
  test_linear_operator(e);
  std::printf("krylov_more_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
