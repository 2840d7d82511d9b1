// Stationary methods (issue 9, section 1): Jacobi, Gauss-Seidel, SOR, SSOR in natural and
// multicolour order (native/stationary/). Checks:
//  - every method, sweep and ordering converges on Poisson and on a nonsymmetric convection-
//    diffusion M-matrix (where theory says so: all of them, ω in (0, 2) for SOR/SSOR on these);
//  - natural SOR / Gauss-Seidel / SSOR / Jacobi take exactly the iterations of a plain textbook
//    loop written here; the reported residual is a recomputed ‖b − A x‖; history has
//    iterations + 1 entries; matvecs counts the passes over A;
//  - zero, missing and non-finite diagonals name the row; ω outside (0, 2); b = 0; abort and the
//    time limit; non-finite input; a diverging Jacobi ends honestly (max-iterations, non-finite);
//  - multicolour results are bit for bit the same on 1 and 2 threads; the greedy colouring is
//    valid (2 colours on a 5-point stencil).
// Build and run:  test/native/build.sh stationary_tests /tmp/out && /tmp/out/stationary_tests
// Timings (issue 9, section 4):  stationary_tests --bench [N] [iterations]

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../../native/stationary/stationary.hpp"
#include "../../native/stationary/sweep.hpp"

using namespace itersolve;

#include "check.hpp"

#include "matrices.hpp"
using namespace itersolve::testing;

namespace {

Vec rhs(int64_t n) {  // deterministic, no structure
  Vec b(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) b[i] = std::sin(1.0 + 0.37 * double(i)) + 0.5;
  return b;
}

double true_residual(const Mat& A, const Vec& b, const Vec& x) {
  const Vec ax = A.mul(x);
  double s = 0;
  for (size_t i = 0; i < b.size(); ++i) s += (b[i] - ax[i]) * (b[i] - ax[i]);
  return std::sqrt(s);
}

StationaryParams params(StationaryMethod m, double omega,
                        SweepDirection dir = SweepDirection::Forward,
                        SweepOrdering ord = SweepOrdering::Natural) {
  StationaryParams p;
  p.method = m;
  p.omega = omega;
  p.sweep = dir;
  p.ordering = ord;
  return p;
}

IterResult solve(const Engine& e, const Mat& A, const Vec& b, Vec& x, const StationaryParams& p,
                 SolveOptions opt = SolveOptions()) {
  Control ctl;
  return stationary(e, A.view(), b.data(), x.data(), p, opt, ctl);
}

// The textbook loop: x_i = (1−ω) x_i + ω (b_i − Σ_{j≠i} a_ij x_j)/a_ii, rows in the given order
// (a symmetric sweep: forward then backward); Jacobi from the previous iterate. Returns the
// iterations to ‖b − A x‖ ≤ rtol·‖b − A x0‖ (x0 = 0), or -1 past maxit.
int64_t reference(const Mat& A, const Vec& b, StationaryMethod m, double omega, SweepDirection dir,
                  double rtol, int64_t maxit) {
  const int64_t n = A.n;
  Vec x(n, 0.0);
  const double tol = rtol * true_residual(A, b, x);
  auto relax = [&](int64_t i, const Vec& from, Vec& to) {
    double s = b[i], d = 0;
    for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k)
      if (A.ci[k] == i) d += A.v[k];
      else s -= A.v[k] * from[A.ci[k]];
    to[i] = (1 - omega) * from[i] + omega * s / d;
  };
  for (int64_t it = 1; it <= maxit; ++it) {
    if (m == StationaryMethod::Jacobi) {
      Vec y(n);
      for (int64_t i = 0; i < n; ++i) relax(i, x, y);
      x = y;
    } else {
      if (dir != SweepDirection::Backward)
        for (int64_t i = 0; i < n; ++i) relax(i, x, x);
      if (dir != SweepDirection::Forward)
        for (int64_t i = n - 1; i >= 0; --i) relax(i, x, x);
    }
    if (true_residual(A, b, x) <= tol) return it;
  }
  return -1;
}

struct Case {
  const char* name;
  StationaryMethod m;
  double omega;
  SweepDirection dir;
};
const Case kCases[] = {
    {"jacobi", StationaryMethod::Jacobi, 1.0, SweepDirection::Forward},
    {"jacobi 0.7", StationaryMethod::Jacobi, 0.7, SweepDirection::Forward},
    {"gs forward", StationaryMethod::GaussSeidel, 1.0, SweepDirection::Forward},
    {"gs backward", StationaryMethod::GaussSeidel, 1.0, SweepDirection::Backward},
    {"gs symmetric", StationaryMethod::GaussSeidel, 1.0, SweepDirection::Symmetric},
    {"sor 1.5", StationaryMethod::Sor, 1.5, SweepDirection::Forward},
    {"sor 0.8", StationaryMethod::Sor, 0.8, SweepDirection::Forward},
    {"ssor 1.3", StationaryMethod::Ssor, 1.3, SweepDirection::Symmetric},
};

void test_convergence(const Engine& e) {
  const Mat mats[] = {poisson(12), convdiff(12, 30.0, 20.0), poisson(9, -0.5)};
  for (const Mat& A : mats) {
    const Vec b = rhs(A.n);
    for (const Case& c : kCases)
      for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
        Vec x(A.n, 0.0);
        SolveOptions opt;
        opt.history = true;
        opt.zero_start = true;
        const IterResult r = solve(e, A, b, x, params(c.m, c.omega, c.dir, ord), opt);
        const bool ok = reason_converged(r.reason) && r.reason == Reason::Rtol;
        CHECK(ok);
        const double tr = true_residual(A, b, x);
        CHECK(std::fabs(r.value - tr) <= 1e-9 * true_residual(A, b, Vec(A.n, 0.0)));
        CHECK(r.value <= 1e-8 * r.history[0] * (1 + 1e-12));
        CHECK(static_cast<int64_t>(r.history.size()) == r.iterations + 1);
        const int64_t per = c.dir == SweepDirection::Symmetric ? 2 : 1;
        CHECK(r.matvecs == (c.m == StationaryMethod::Jacobi ? r.iterations : per * r.iterations));
        // Every history entry is the exact residual of that iterate: the last one is r.value.
        CHECK(r.history.back() == r.value);
        if (!ok)
          std::fprintf(stderr, "  %s ordering %d: reason %d\n", c.name, int(ord), int(r.reason));
        if (ord == SweepOrdering::Natural) {
          const int64_t ref = reference(A, b, c.m, c.omega, c.dir, 1e-8, 100000);
          CHECK(ref == r.iterations);
          if (ref != r.iterations)
            std::fprintf(stderr, "  %s: %lld iterations, reference %lld\n", c.name,
                         (long long)r.iterations, (long long)ref);
        }
      }
  }
}

// x0 given (not zero_start): the initial residual costs one pass, rtol is relative to it.
void test_x0(const Engine& e) {
  const Mat A = poisson(10);
  const Vec b = rhs(A.n);
  Vec x0(A.n);
  for (int64_t i = 0; i < A.n; ++i) x0[i] = std::cos(0.3 * double(i));
  for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
    Vec x = x0;
    SolveOptions opt;
    opt.history = true;
    const IterResult r =
        solve(e, A, b, x, params(StationaryMethod::Sor, 1.6, SweepDirection::Forward, ord), opt);
    CHECK(r.reason == Reason::Rtol);
    CHECK(r.history[0] == r.history[0] &&
          std::fabs(r.history[0] - true_residual(A, b, x0)) <= 1e-12 * r.history[0]);
    CHECK(r.matvecs == r.iterations + 1);
    CHECK(std::fabs(r.value - true_residual(A, b, x)) <= 1e-9 * r.history[0]);
  }
  // atol binding: reason Atol.
  Vec x = x0;
  SolveOptions opt;
  opt.rtol = 0;
  opt.atol = 1e-6;
  const IterResult r = solve(e, A, b, x, params(StationaryMethod::Sor, 1.6), opt);
  CHECK(r.reason == Reason::Atol);
  CHECK(true_residual(A, b, x) <= 1e-6);
}

bool throws(const std::function<void()>& f, const char* code, const std::string& text,
            int64_t row) {
  try {
    f();
  } catch (const SolverError& err) {
    const bool ok = std::strcmp(err.code, code) == 0 && err.row == row &&
                    std::string(err.what()).find(text) != std::string::npos;
    if (!ok)
      std::fprintf(stderr, "  got %s row %lld: %s\n", err.code, (long long)err.row, err.what());
    return ok;
  }
  std::fprintf(stderr, "  no throw (expected %s)\n", text.c_str());
  return false;
}

void test_errors(const Engine& e) {
  const Vec b = {1, 1, 1};
  Vec x(3, 0.0);
  const Mat zero = from_dense(3, {2, -1, 0, -1, 0, -1, 0, -1, 2});  // a_11 absent (zero)
  Mat explicit_zero;
  explicit_zero.n = 3;
  for (int i = 0; i < 3; ++i) {
    explicit_zero.add(i, i == 2 ? 0.0 : 2.0);
    explicit_zero.end_row();
  }
  const Mat nonfinite = from_dense(3, {2, 0, 0, 0, NAN, 0, 0, 0, 2});
  for (StationaryMethod m : {StationaryMethod::Jacobi, StationaryMethod::GaussSeidel,
                             StationaryMethod::Sor, StationaryMethod::Ssor})
    for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
      const StationaryParams p = params(m, 1.0, SweepDirection::Forward, ord);
      CHECK(throws([&] { solve(e, zero, b, x, p); }, "ERR_ZERO_PIVOT",
                   "row 1 has no diagonal entry", 1));
      CHECK(throws([&] { solve(e, explicit_zero, b, x, p); }, "ERR_ZERO_PIVOT",
                   "zero diagonal entry at row 2", 2));
      CHECK(throws([&] { solve(e, nonfinite, b, x, p); }, "ERR_ZERO_PIVOT",
                   "non-finite diagonal entry nan at row 1", 1));
    }
  CHECK(throws([&] { solve(e, zero, b, x, params(StationaryMethod::Sor, 1.0)); }, "ERR_ZERO_PIVOT",
               "sor: row 1", 1));
  // Duplicates summed: 1 + (−1) on the diagonal is a zero pivot.
  const Mat dup = from_triplets(2, {{0, 0, 1}, {0, 0, -1}, {1, 1, 1}});
  CHECK(throws([&] { solve(e, dup, {1, 1}, x, params(StationaryMethod::Sor, 1.0)); },
               "ERR_ZERO_PIVOT", "zero diagonal entry at row 0", 0));
  const Mat A = poisson(3);
  Vec b9(9, 1.0), x9(9, 0.0);
  for (double w : {0.0, 2.0, -0.5, 2.5, double(NAN)})
    for (StationaryMethod m :
         {StationaryMethod::Jacobi, StationaryMethod::Sor, StationaryMethod::Ssor})
      CHECK(throws([&] { solve(e, A, b9, x9, params(m, w)); }, "ERR_INVALID_ARGUMENT",
                   "omega must be in (0, 2)", -1));
  // Gauss-Seidel ignores omega.
  CHECK(solve(e, A, b9, x9, params(StationaryMethod::GaussSeidel, 5.0)).reason == Reason::Rtol);
  // The diagonal of the preconditioners comes from the same place (precond.cpp).
  CHECK(throws([&] { relax::checked_diagonal("jacobi", zero.view()); }, "ERR_ZERO_PIVOT",
               "jacobi: row 1 has no diagonal entry", 1));
}

void test_zero_rhs(const Engine& e) {
  const Mat A = poisson(5);
  const Vec b(A.n, 0.0);
  for (StationaryMethod m :
       {StationaryMethod::Jacobi, StationaryMethod::Sor, StationaryMethod::Ssor})
    for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
      Vec x(A.n, 3.0);
      SolveOptions opt;
      opt.zero_start = true;
      opt.history = true;
      const double w = m == StationaryMethod::Jacobi ? 0.8 : 1.2;  // damped Jacobi ω > 1 diverges
      IterResult r = solve(e, A, b, x, params(m, w, SweepDirection::Forward, ord), opt);
      CHECK(r.reason == Reason::Rtol && r.iterations == 0 && r.value == 0 && r.matvecs == 0);
      CHECK(r.history.size() == 1 && r.history[0] == 0);
      bool zero = true;
      for (double v : x) zero = zero && v == 0;
      CHECK(zero);
      // b = 0 from x0 ≠ 0: iterates towards 0, relative to ‖A x0‖.
      Vec y(A.n, 1.0);
      r = solve(e, A, b, y, params(m, w, SweepDirection::Forward, ord));
      CHECK(r.reason == Reason::Rtol && r.iterations > 0);
      // x0 = 0 exactly, no zero_start: r0 = 0 is converged at once.
      Vec z(A.n, 0.0);
      r = solve(e, A, b, z, params(m, w, SweepDirection::Forward, ord));
      CHECK(r.reason == Reason::Rtol && r.iterations == 0 && r.matvecs == 1);
    }
}

void test_control(const Engine& e) {
  const Mat A = poisson(60);
  const Vec b = rhs(A.n);
  for (StationaryMethod m : {StationaryMethod::Jacobi, StationaryMethod::Sor})
    for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
      const StationaryParams p = params(m, 1.0, SweepDirection::Forward, ord);
      SolveOptions opt;
      opt.zero_start = true;
      opt.history = true;
      std::atomic<bool> flag{true};
      Control ctl;
      ctl.set_abort_flag(&flag);
      Vec x(A.n, 0.0);
      IterResult r = stationary(e, A.view(), b.data(), x.data(), p, opt, ctl);
      CHECK(r.reason == Reason::Aborted && r.iterations == 0 && r.history.size() == 1);
      // A time limit ends a long solve with the partial x and its exact residual.
      Control slow;
      slow.set_time_limit_ms(20);
      opt.rtol = 1e-300;
      opt.max_iterations = 100000000;
      Vec y(A.n, 0.0);
      r = stationary(e, A.view(), b.data(), y.data(), p, opt, slow);
      CHECK(r.reason == Reason::TimeLimit && r.iterations > 0);
      CHECK(std::fabs(r.value - true_residual(A, b, y)) <= 1e-9 * r.history[0]);
      CHECK(static_cast<int64_t>(r.history.size()) == r.iterations + 1);
      // max_iterations ends with MaxIterations and the exact residual.
      opt.max_iterations = 7;
      Control c2;
      Vec z(A.n, 0.0);
      r = stationary(e, A.view(), b.data(), z.data(), p, opt, c2);
      CHECK(r.reason == Reason::MaxIterations && r.iterations == 7);
      CHECK(std::fabs(r.value - true_residual(A, b, z)) <= 1e-12 * r.history[0]);
      // Progress is reported.
      int reports = 0;
      Control c3;
      c3.set_progress([](void* ctx, const ProgressInfo&) { ++*static_cast<int*>(ctx); }, &reports,
                      0.0);
      Vec w(A.n, 0.0);
      stationary(e, A.view(), b.data(), w.data(), p, opt, c3);
      CHECK(reports == 8);
    }
}

void test_nonfinite(const Engine& e) {
  const Mat A = poisson(4);
  Vec b = rhs(A.n);
  b[3] = NAN;
  Vec x(A.n, 0.0);
  CHECK(solve(e, A, b, x, params(StationaryMethod::Sor, 1.5)).reason == Reason::NonFinite);
  b[3] = 1.0;
  Vec y(A.n, 0.0);
  y[5] = INFINITY;
  CHECK(solve(e, A, b, y, params(StationaryMethod::Jacobi, 1.0)).reason == Reason::NonFinite);
  // Jacobi on [[1, 2], [2, 1]] diverges (spectral radius 2): max-iterations with a growing
  // residual, then overflow to non-finite.
  const Mat D = from_dense(2, {1, 2, 2, 1});
  const Vec b2 = {1, 0};
  Vec x2(2, 0.0);
  SolveOptions opt;
  opt.max_iterations = 50;
  opt.history = true;
  IterResult r = solve(e, D, b2, x2, params(StationaryMethod::Jacobi, 1.0), opt);
  CHECK(r.reason == Reason::MaxIterations && r.iterations == 50 && r.value > 1e10 * r.history[0]);
  CHECK(std::isfinite(r.value));
  opt.max_iterations = 5000;
  Vec x3(2, 0.0);
  r = solve(e, D, b2, x3, params(StationaryMethod::Jacobi, 1.0), opt);
  CHECK(r.reason == Reason::NonFinite && r.iterations < 5000);
  // SOR with ω near 2 on an indefinite matrix: also honest.
  Vec x4(2, 0.0);
  r = solve(e, D, b2, x4, params(StationaryMethod::Sor, 1.9), opt);
  CHECK(r.reason == Reason::NonFinite || r.reason == Reason::MaxIterations);
  CHECK(r.reason != Reason::MaxIterations || r.iterations == 5000);
}

bool valid_coloring(const Mat& A, const Coloring& c) {
  bool ok = c.color.size() == size_t(A.n) && c.start.size() == size_t(c.ncolors) + 1 &&
            c.start[0] == 0 && c.start[c.ncolors] == A.n;
  for (int64_t i = 0; ok && i < A.n; ++i) {
    ok = c.color[i] >= 0 && c.color[i] < c.ncolors;
    for (int32_t k = A.rp[i]; ok && k < A.rp[i + 1]; ++k)
      if (A.ci[k] != i) ok = c.color[A.ci[k]] != c.color[i];
  }
  for (int k = 0; ok && k < c.ncolors; ++k)
    for (int64_t q = c.start[k]; ok && q < c.start[k + 1]; ++q) {
      ok = c.color[c.rows[q]] == k;
      if (q > c.start[k]) ok = ok && c.rows[q] > c.rows[q - 1];
    }
  return ok;
}

void test_coloring() {
  for (int N : {1, 2, 7, 30}) {
    const Mat A = poisson(N);
    const Coloring c = greedy_coloring(A.view());
    CHECK(valid_coloring(A, c));
    CHECK(c.ncolors == (N == 1 ? 1 : 2));
    bool redblack = true;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) redblack = redblack && c.color[i * N + j] == (i + j) % 2;
    CHECK(redblack);
  }
  // Nonsymmetric pattern: row 2 holds column 0 but row 0 not column 2; A + Aᵀ's graph counts.
  std::vector<Triplet> t;
  uint64_t s = 12345;
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    t.push_back({i, i, 4.0});
    for (int k = 0; k < 3; ++k) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      t.push_back({i, int32_t((s >> 33) % n), -0.5});
    }
  }
  const Mat R = from_triplets(n, t);
  Mat RT = from_triplets(n, [&] {
    std::vector<Triplet> u;
    for (const Triplet& x : t) u.push_back({x.j, x.i, x.v});
    return u;
  }());
  const Coloring c = greedy_coloring(R.view());
  CHECK(valid_coloring(R, c));
  CHECK(valid_coloring(RT, c));
  CHECK(c.ncolors >= 3);
  // The random matrix is diagonally dominant (4 > 3·0.5): multicolour SOR converges on it too.
  const Engine e{kernels_for(detect_simd()), nullptr};
  const Vec b = rhs(n);
  for (SweepDirection dir :
       {SweepDirection::Forward, SweepDirection::Backward, SweepDirection::Symmetric}) {
    Vec x(n, 0.0);
    SolveOptions opt;
    opt.zero_start = true;
    const IterResult r = solve(
        e, R, b, x, params(StationaryMethod::GaussSeidel, 1, dir, SweepOrdering::Multicolor), opt);
    CHECK(r.reason == Reason::Rtol);
    CHECK(std::fabs(r.value - true_residual(R, b, x)) <= 1e-9 * true_residual(R, b, Vec(n, 0.0)));
    Vec y(n, 0.0);
    const IterResult q = solve(e, R, b, y, params(StationaryMethod::GaussSeidel, 1, dir), opt);
    CHECK(q.reason == Reason::Rtol &&
          q.iterations == reference(R, b, StationaryMethod::GaussSeidel, 1.0, dir, 1e-8, 100000));
  }
  for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
    Vec x(n, 0.0);
    SolveOptions opt;
    opt.zero_start = true;
    const IterResult r =
        solve(e, R, b, x, params(StationaryMethod::Ssor, 1.1, SweepDirection::Forward, ord), opt);
    CHECK(r.reason == Reason::Rtol);
    CHECK(std::fabs(r.value - true_residual(R, b, x)) <= 1e-9 * true_residual(R, b, Vec(n, 0.0)));
    if (ord == SweepOrdering::Natural)
      CHECK(r.iterations ==
            reference(R, b, StationaryMethod::Ssor, 1.1, SweepDirection::Symmetric, 1e-8, 100000));
  }
}

// Multicolour steps and Jacobi passes are parallel over fixed blocks: bit for bit the same x,
// residual and history on 1 and 2 threads (n large enough that the pool is used).
void test_threads() {
  const Mat A = poisson(400);
  const Vec b = rhs(A.n);
  ThreadPool p1(1), p2(2);
  const Engine e1{kernels_for(detect_simd()), &p1}, e2{kernels_for(detect_simd()), &p2};
  for (const StationaryParams& p :
       {params(StationaryMethod::Sor, 1.7, SweepDirection::Forward, SweepOrdering::Multicolor),
        params(StationaryMethod::Ssor, 1.4, SweepDirection::Symmetric, SweepOrdering::Multicolor),
        params(StationaryMethod::Jacobi, 0.9)}) {
    SolveOptions opt;
    opt.max_iterations = 6;
    opt.history = true;
    Vec x1(A.n, 0.0), x2(A.n, 0.0);
    const IterResult r1 = solve(e1, A, b, x1, p, opt);
    const IterResult r2 = solve(e2, A, b, x2, p, opt);
    CHECK(x1 == x2);
    CHECK(r1.history == r2.history && r1.value == r2.value && r1.iterations == 6);
  }
}

// ---- --bench ----

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int bench(int N, int K) {
  const Mat A = poisson(N);
  const int64_t n = A.n;
  const Vec b(n, 1.0);
  std::printf("Poisson N=%d (n=%lld), omega 1.9, best of %d iterations\n", N, (long long)n, K);
  // Natural-order fused sweep, one thread: the kernel alone (sweep + exact residual).
  {
    Vec invd(n);
    std::vector<int32_t> left(n), right(n);
    const relax::SweepData d =
        relax::prepare("sor", A.view(), invd.data(), left.data(), right.data());
    Vec x(n, 0.0);
    double best = 1e30, rr = 0;
    for (int k = 0; k < K; ++k) {
      const double t = now_ms();
      rr = relax::sor_forward(d, b.data(), x.data(), 1.9, true);
      best = std::min(best, now_ms() - t);
    }
    std::printf(
        "natural SOR forward (fused residual), 1 thread: %.3f ms/iteration, residual %.6e\n", best,
        std::sqrt(rr));
  }
  // Whole solves (set-up included), natural 1 thread and multicolour 1 and 2 threads.
  for (int threads : {1, 2})
    for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
      if (ord == SweepOrdering::Natural && threads == 2) continue;
      ThreadPool pool(threads);
      Workspace ws;
      const Engine e{kernels_for(detect_simd()), &pool, &ws};
      SolveOptions opt;
      opt.zero_start = true;
      opt.rtol = 0;
      opt.max_iterations = 1;
      Vec x(n, 0.0);
      solve(e, A, b, x, params(StationaryMethod::Sor, 1.9, SweepDirection::Forward, ord),
            opt);  // warm
      // Each iteration's end reports progress (interval 0): the best gap between two reports is
      // the time of one iteration (sweep and exact residual), as the anchor measures it.
      opt.max_iterations = K;
      struct Clock {
        double last = 0, best = 1e30;
      } clk;
      Control ctl;
      ctl.set_progress(
          [](void* c, const ProgressInfo&) {
            Clock& k = *static_cast<Clock*>(c);
            const double t = now_ms();
            if (k.last > 0) k.best = std::min(k.best, t - k.last);
            k.last = t;
          },
          &clk, 0.0);
      const double t = now_ms();
      stationary(e, A.view(), b.data(), x.data(),
                 params(StationaryMethod::Sor, 1.9, SweepDirection::Forward, ord), opt, ctl);
      std::printf("solve %-10s %d thread(s): %.3f ms/iteration best (%d-iteration solve %.1f ms)\n",
                  ord == SweepOrdering::Natural ? "natural" : "multicolor", threads, clk.best, K,
                  now_ms() - t);
    }
  // Iteration counts at rtol 1e-8 on N = 200.
  {
    const Mat S = poisson(200);
    const Vec bs(S.n, 1.0);
    ThreadPool pool(2);
    const Engine e{kernels_for(detect_simd()), &pool};
    for (SweepOrdering ord : {SweepOrdering::Natural, SweepOrdering::Multicolor}) {
      Vec x(S.n, 0.0);
      SolveOptions opt;
      opt.zero_start = true;
      const double t = now_ms();
      const IterResult r =
          solve(e, S, bs, x, params(StationaryMethod::Sor, 1.9, SweepDirection::Forward, ord), opt);
      std::printf("N=200 omega 1.9 rtol 1e-8 %-10s: %lld iterations (%s), %.1f ms\n",
                  ord == SweepOrdering::Natural ? "natural" : "multicolor", (long long)r.iterations,
                  reason_name(r.reason), now_ms() - t);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0)
    return bench(argc > 2 ? std::atoi(argv[2]) : 1000, argc > 3 ? std::atoi(argv[3]) : 30);
  std::printf("stationary_tests (SIMD: %s)\n", simd_name(detect_simd()));
  ThreadPool pool(2);
  const Engine e{kernels_for(detect_simd()), &pool};
  test_convergence(e);
  test_x0(e);
  test_errors(e);
  test_zero_rhs(e);
  test_control(e);
  test_nonfinite(e);
  test_coloring();
  test_threads();
  std::printf("stationary_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
