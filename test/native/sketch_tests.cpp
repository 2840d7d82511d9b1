// Unit tests of sketch_solve (randomized Kaczmarz, block Kaczmarz, Gaussian sketch-and-project):
// convergence on over-, under-determined (minimum-norm solution) and square indefinite
// non-symmetric systems with both samplings, determinism (seed, thread count), the incremental
// residual against the true one, stop reasons and option errors. Standalone: no Node.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../../native/core/ops.hpp"
#include "../../native/krylov/krylov.hpp"
#include "../../native/sketch/sketch.hpp"

using namespace itersolve;

#include "check.hpp"

struct Mat {
  int64_t rows, cols;
  std::vector<int32_t> rp, ci;
  std::vector<double> v;
  CsrView view() const { return CsrView{rows, cols, rp.data(), ci.data(), v.data()}; }
};

// Random sparse matrix; `diag` > 0 adds ±diag·(1 + u) on the diagonal (random signs: indefinite).
static Mat random_csr(int64_t rows, int64_t cols, double density, unsigned seed, double diag = 0) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1), p(0, 1);
  Mat m{rows, cols, {0}, {}, {}};
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      double val = p(g) < density ? u(g) : 0.0;
      if (diag > 0 && r == c) val += (u(g) < 0 ? -diag : diag) * (1.5 + 0.5 * u(g));
      if (val != 0.0) {
        m.ci.push_back(static_cast<int32_t>(c));
        m.v.push_back(val);
      }
    }
    m.rp.push_back(static_cast<int32_t>(m.ci.size()));
  }
  return m;
}

// Same, with about `per_row` entries per row (large problems).
static Mat random_sparse(int64_t rows, int64_t cols, int per_row, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::uniform_int_distribution<int64_t> col(0, cols - 1);
  Mat m{rows, cols, {0}, {}, {}};
  std::vector<int32_t> cs;
  for (int64_t r = 0; r < rows; ++r) {
    cs.clear();
    for (int k = 0; k < per_row; ++k) cs.push_back(static_cast<int32_t>(col(g)));
    std::sort(cs.begin(), cs.end());
    cs.erase(std::unique(cs.begin(), cs.end()), cs.end());
    for (int32_t c : cs) {
      m.ci.push_back(c);
      m.v.push_back(u(g));
    }
    m.rp.push_back(static_cast<int32_t>(m.ci.size()));
  }
  return m;
}

static std::vector<double> matvec(const Mat& A, const std::vector<double>& x) {
  std::vector<double> y(static_cast<size_t>(A.rows), 0.0);
  for (int64_t r = 0; r < A.rows; ++r)
    for (int32_t k = A.rp[r]; k < A.rp[r + 1]; ++k) y[r] += A.v[k] * x[A.ci[k]];
  return y;
}

static std::vector<double> random_vec(int64_t n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> x(static_cast<size_t>(n));
  for (double& xi : x) xi = u(g);
  return x;
}

static double rel(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::fmax(num, std::fabs(a[i] - b[i]));
    den = std::fmax(den, std::fabs(b[i]));
  }
  return den == 0 ? num : num / den;
}

static bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Minimum-norm solution Aᵀ (A Aᵀ)⁻¹ b (A of full row rank), dense Gaussian elimination.
static std::vector<double> min_norm(const Mat& A, const std::vector<double>& b) {
  const int64_t m = A.rows, n = A.cols;
  std::vector<double> D(static_cast<size_t>(m * n), 0.0);
  for (int64_t r = 0; r < m; ++r)
    for (int32_t k = A.rp[r]; k < A.rp[r + 1]; ++k) D[r * n + A.ci[k]] += A.v[k];
  std::vector<double> G(static_cast<size_t>(m * m)), z(b);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double s = 0;
      for (int64_t k = 0; k < n; ++k) s += D[i * n + k] * D[j * n + k];
      G[i * m + j] = s;
    }
  for (int64_t c = 0; c < m; ++c) {
    int64_t p = c;
    for (int64_t r = c + 1; r < m; ++r)
      if (std::fabs(G[r * m + c]) > std::fabs(G[p * m + c])) p = r;
    for (int64_t j = 0; j < m; ++j) std::swap(G[c * m + j], G[p * m + j]);
    std::swap(z[c], z[p]);
    for (int64_t r = c + 1; r < m; ++r) {
      const double f = G[r * m + c] / G[c * m + c];
      for (int64_t j = c; j < m; ++j) G[r * m + j] -= f * G[c * m + j];
      z[r] -= f * z[c];
    }
  }
  for (int64_t c = m - 1; c >= 0; --c) {
    for (int64_t j = c + 1; j < m; ++j) z[c] -= G[c * m + j] * z[j];
    z[c] /= G[c * m + c];
  }
  std::vector<double> x(static_cast<size_t>(n), 0.0);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t k = 0; k < n; ++k) x[k] += D[r * n + k] * z[r];
  return x;
}

static const SketchKind kKinds[] = {SketchKind::Kaczmarz, SketchKind::BlockKaczmarz,
                                    SketchKind::Gaussian};
static const char* kind_name(SketchKind k) {
  return k == SketchKind::Kaczmarz        ? "kaczmarz"
         : k == SketchKind::BlockKaczmarz ? "block"
                                          : "gaussian";
}

static SketchOptions options(SketchKind kind, RowSampling sampling, int64_t block, int64_t maxit,
                             double rtol) {
  SketchOptions o;
  o.kind = kind;
  o.sampling = sampling;
  o.block_size = block;
  o.max_iterations = maxit;
  o.rtol = rtol;
  o.history = true;
  return o;
}

static IterResult solve(const Engine& e, const Mat& A, const std::vector<double>& b,
                        std::vector<double>& x, const SketchOptions& opt) {
  Control ctl;
  return sketch_solve(e, A.view(), b.data(), x.data(), opt, ctl);
}

// Converged to `want` with a consistent result record.
static void check_converged(const Engine& e, const Mat& A, const std::vector<double>& b,
                            const std::vector<double>& want, const SketchOptions& opt,
                            const char* what) {
  std::vector<double> x(static_cast<size_t>(A.cols), 0.0);
  IterResult r = solve(e, A, b, x, opt);
  const double err = rel(x, want);
  std::printf("  %-14s %-8s %-7s its %7lld matvecs %6lld  |r| %.2e  err %.1e\n", what,
              kind_name(opt.kind), opt.sampling == RowSampling::Norm ? "norm" : "uniform",
              static_cast<long long>(r.iterations), static_cast<long long>(r.matvecs), r.value,
              err);
  CHECK(r.reason == Reason::Rtol);
  CHECK(err < 1e-6);
  std::vector<double> ax = matvec(A, x);
  double rn = 0, bn = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    rn += (b[i] - ax[i]) * (b[i] - ax[i]);
    bn += b[i] * b[i];
  }
  CHECK(std::fabs(std::sqrt(rn) - r.value) <= 1e-12 * std::sqrt(bn));
  CHECK(r.value <= opt.rtol * std::sqrt(bn));
  CHECK(r.history.size() == static_cast<size_t>(r.iterations) + 1);
  CHECK(std::fabs(r.history[0] - std::sqrt(bn)) <= 1e-12 * std::sqrt(bn));  // x0 = 0
  CHECK(r.history.back() == r.value);  // convergence is confirmed against the true residual
  CHECK(r.matvecs >= (opt.kind == SketchKind::Gaussian ? 2 * r.iterations + 1 : 2));
}

static void test_convergence(const Engine& e) {
  // (a) overdetermined m = 3n, consistent, with one zero row (never sampled)
  Mat over{120, 40, {0}, {}, {}};
  {
    const Mat t = random_csr(120, 40, 0.15, 1);
    for (int64_t r = 0; r < 120; ++r) {
      if (r != 5)
        for (int32_t k = t.rp[r]; k < t.rp[r + 1]; ++k) {
          over.ci.push_back(t.ci[k]);
          over.v.push_back(t.v[k]);
        }
      over.rp.push_back(static_cast<int32_t>(over.ci.size()));
    }
  }
  const std::vector<double> xo = random_vec(40, 11);
  const std::vector<double> bo = matvec(over, xo);
  // (b) underdetermined m < n from x0 = 0: the minimum-norm solution
  Mat under = random_csr(30, 80, 0.3, 2);
  const std::vector<double> bu = random_vec(30, 12);
  const std::vector<double> xu = min_norm(under, bu);
  // (c) square, non-symmetric, indefinite
  Mat sq = random_csr(60, 60, 0.1, 3, 2.0);
  const std::vector<double> xs = random_vec(60, 13);
  const std::vector<double> bs = matvec(sq, xs);
  for (SketchKind kind : kKinds)
    for (RowSampling sampling : {RowSampling::Norm, RowSampling::Uniform}) {
      const SketchOptions opt = options(kind, sampling, 6, 2000000, 1e-11);
      check_converged(e, over, bo, xo, opt, "overdetermined");
      check_converged(e, under, bu, xu, opt, "underdetermined");
      check_converged(e, sq, bs, xs, opt, "square-indef");
    }
}

// Rank-deficient blocks: every row three times (duplicate rows in a block), a sketch wider than
// rank A, a row repeating a column index (entries add up).
static void test_rank_deficient(const Engine& e) {
  Mat base = random_csr(40, 25, 0.2, 4, 1.0);
  Mat dup{120, 25, {0}, {}, {}};
  for (int64_t r = 0; r < 120; ++r) {
    const int64_t s = r % 40;
    for (int32_t k = base.rp[s]; k < base.rp[s + 1]; ++k) {
      dup.ci.push_back(base.ci[k]);
      dup.v.push_back(base.v[k]);
    }
    dup.rp.push_back(static_cast<int32_t>(dup.ci.size()));
  }
  const std::vector<double> xt = random_vec(25, 14);
  const std::vector<double> b = matvec(dup, xt);
  check_converged(e, dup, b, xt,
                  options(SketchKind::BlockKaczmarz, RowSampling::Norm, 12, 100000, 1e-11),
                  "duplicates");
  check_converged(e, dup, b, xt,
                  options(SketchKind::BlockKaczmarz, RowSampling::Uniform, 120, 100000, 1e-11),
                  "dup-all-rows");
  check_converged(e, dup, b, xt,
                  options(SketchKind::Gaussian, RowSampling::Norm, 60, 100000, 1e-11),
                  "wide-sketch");
  // row 0 = 1·x0 + 1·x0 (repeated column) + 1·x1; row 1 = x1; row 2 = x0 − x1
  Mat rep{3, 2, {0, 3, 4, 6}, {0, 0, 1, 1, 0, 1}, {1.0, 1.0, 1.0, 1.0, 1.0, -1.0}};
  const std::vector<double> xr = {0.5, -2.0};
  check_converged(e, rep, matvec(rep, xr), xr,
                  options(SketchKind::Kaczmarz, RowSampling::Norm, 1, 100000, 1e-12),
                  "repeated-col");
}

static void test_determinism(const Engine& e) {
  Mat A = random_csr(90, 30, 0.2, 5);
  const std::vector<double> b = matvec(A, random_vec(30, 15));
  for (SketchKind kind : kKinds) {
    SketchOptions opt = options(kind, RowSampling::Norm, 5, 150, 0.0);
    std::vector<double> x1(30, 0.0), x2(30, 0.0), x3(30, 0.0);
    IterResult r1 = solve(e, A, b, x1, opt), r2 = solve(e, A, b, x2, opt);
    CHECK(same_bits(x1, x2));
    CHECK(same_bits(r1.history, r2.history));
    CHECK(r1.iterations == r2.iterations && r1.iterations == 150);
    CHECK(r1.reason == Reason::MaxIterations);
    opt.seed = 2;
    IterResult r3 = solve(e, A, b, x3, opt);
    CHECK(!same_bits(x1, x3));
    CHECK(r3.history.size() == 151);
    // run to convergence: same seed ⇒ same iteration count
    opt = options(kind, RowSampling::Uniform, 5, 1000000, 1e-10);
    std::fill(x1.begin(), x1.end(), 0.0);
    std::fill(x2.begin(), x2.end(), 0.0);
    r1 = solve(e, A, b, x1, opt);
    r2 = solve(e, A, b, x2, opt);
    CHECK(r1.reason == Reason::Rtol && r1.iterations == r2.iterations && same_bits(x1, x2));
  }
}

// The incremental ‖r‖ (last history entry) agrees with the true ‖b − A x‖ (IterResult.value)
// after many steps without a forced re-sync; true_residual_every adds re-syncs.
static void test_incremental(const Engine& e) {
  Mat A = random_csr(300, 100, 0.05, 6);
  const std::vector<double> b = matvec(A, random_vec(100, 16));
  for (SketchKind kind : kKinds) {
    const int64_t steps = kind == SketchKind::Gaussian ? 250 : 2500;
    SketchOptions opt = options(kind, RowSampling::Norm, 4, steps, 0.0);
    std::vector<double> x(100, 0.0);
    IterResult r = solve(e, A, b, x, opt);
    CHECK(r.reason == Reason::MaxIterations && r.iterations == steps);
    CHECK(r.history.size() == static_cast<size_t>(steps) + 1);
    CHECK(r.value < 0.5 * r.history[0]);
    CHECK(std::fabs(r.history.back() - r.value) <= 1e-8 * r.value + 1e-14 * r.history[0]);
    std::vector<double> ax = matvec(A, x);
    double rn = 0;
    for (size_t i = 0; i < b.size(); ++i) rn += (b[i] - ax[i]) * (b[i] - ax[i]);
    CHECK(std::fabs(std::sqrt(rn) - r.value) <= 1e-12 * r.history[0]);
    // every 10 steps: at least steps/10 re-syncs besides the initial residual
    opt.true_residual_every = 10;
    opt.max_iterations = 200;
    std::fill(x.begin(), x.end(), 0.0);
    r = solve(e, A, b, x, opt);
    CHECK(r.matvecs >= 21 + (kind == SketchKind::Gaussian ? 400 : 0));
    CHECK(r.history.back() == r.value);  // step 200 re-synchronised: no extra product at exit
  }
}

static void test_stops(const Engine& e) {
  Mat A = random_csr(200, 50, 0.1, 7);
  const std::vector<double> b = matvec(A, random_vec(50, 17));
  const std::vector<double> x0 = random_vec(50, 18);
  for (SketchKind kind : kKinds) {
    SketchOptions opt = options(kind, RowSampling::Norm, 4, int64_t{1} << 40, 0.0);
    // pre-set abort flag: nothing done, x untouched
    std::atomic<bool> abort{true};
    Control ab;
    ab.set_abort_flag(&abort);
    std::vector<double> x(x0);
    IterResult r = sketch_solve(e, A.view(), b.data(), x.data(), opt, ab);
    CHECK(r.reason == Reason::Aborted && r.iterations == 0 && same_bits(x, x0));
    CHECK(r.history.size() == 1 && r.history[0] == r.value && r.matvecs == 1);
    // time limit with an unreachable tolerance
    Control tl;
    tl.set_time_limit_ms(20);
    int calls = 0;
    tl.set_progress([](void* ctx, const ProgressInfo&) { ++*static_cast<int*>(ctx); }, &calls, 1.0);
    r = sketch_solve(e, A.view(), b.data(), x.data(), opt, tl);
    CHECK(r.reason == Reason::TimeLimit);
    CHECK(r.iterations > 0 && r.history.size() == static_cast<size_t>(r.iterations) + 1);
    CHECK(calls > 0);
    // max iterations
    opt.max_iterations = 7;
    x = x0;
    r = solve(e, A, b, x, opt);
    CHECK(r.reason == Reason::MaxIterations && r.iterations == 7 && r.history.size() == 8);
    // b = 0 ⇒ x = 0 at once
    std::vector<double> zero(200, 0.0);
    x = x0;
    r = solve(e, A, zero, x, opt);
    CHECK(r.reason == Reason::Rtol && r.iterations == 0 && r.value == 0.0 && r.matvecs == 0);
    CHECK(x == std::vector<double>(50, 0.0));
    opt.atol = 1e-3;
    opt.rtol = 1e-8;
    r = solve(e, A, zero, x, opt);
    CHECK(r.reason == Reason::Atol);
    // x0 already a solution
    x = random_vec(50, 17);
    opt.max_iterations = 5;
    r = solve(e, A, b, x, opt);
    CHECK(r.reason == Reason::Atol && r.iterations == 0 && r.matvecs == 1);
    // non-finite right-hand side
    std::vector<double> bn(b);
    bn[3] = NAN;
    x = x0;
    r = solve(e, A, bn, x, opt);
    CHECK(r.reason == Reason::NonFinite && r.iterations == 0);
  }
}

static bool throws(const Engine& e, const Mat& A, const SketchOptions& opt, const char* code) {
  std::vector<double> b(static_cast<size_t>(A.rows), 1.0), x(static_cast<size_t>(A.cols), 0.0);
  try {
    solve(e, A, b, x, opt);
  } catch (const SolverError& err) {
    return std::strcmp(err.code, code) == 0 && err.what()[0] != '\0';
  }
  return false;
}

static void test_errors(const Engine& e) {
  Mat A = random_csr(20, 10, 0.3, 8);
  const char* kArg = "ERR_INVALID_ARGUMENT";
  for (SketchKind kind : kKinds) {
    SketchOptions opt = options(kind, RowSampling::Norm, 4, 0, 1e-8);
    CHECK(throws(e, A, opt, kArg));  // max_iterations 0: the caller forgot it
    opt.max_iterations = 10;
    opt.rtol = -1;
    CHECK(throws(e, A, opt, kArg));
    opt.rtol = 1e-8;
    opt.atol = INFINITY;
    CHECK(throws(e, A, opt, kArg));
    opt.atol = 0;
    opt.true_residual_every = -1;
    CHECK(throws(e, A, opt, kArg));
    opt.true_residual_every = 0;
    for (int64_t bs : {int64_t{0}, int64_t{21}, int64_t{-3}}) {
      opt.block_size = bs;
      if (kind == SketchKind::Kaczmarz) {
        CHECK(!throws(e, A, opt, kArg));  // unused by plain Kaczmarz
      } else {
        CHECK(throws(e, A, opt, kArg));
        try {
          std::vector<double> b(20, 1.0), x(10, 0.0);
          solve(e, A, b, x, opt);
        } catch (const SolverError& err) {
          CHECK(std::string(err.what()).find("blockSize") != std::string::npos);
        }
      }
    }
    opt.block_size = 20;
    CHECK(!throws(e, A, opt, kArg));
    opt.kind = static_cast<SketchKind>(3);
    CHECK(throws(e, A, opt, kArg));
    opt.kind = kind;
    opt.sampling = static_cast<RowSampling>(-1);
    CHECK(throws(e, A, opt, kArg));
    opt.sampling = RowSampling::Uniform;
    // every row zero: no entries, or explicit zeros
    Mat empty{20, 10, std::vector<int32_t>(21, 0), {}, {}};
    Mat zeros{2, 3, {0, 2, 3}, {0, 2, 1}, {0.0, 0.0, 0.0}};
    CHECK(throws(e, empty, opt, "ERR_INVALID_MATRIX"));
    opt.block_size = 2;
    CHECK(throws(e, zeros, opt, "ERR_INVALID_MATRIX"));
  }
}

// 1 and 2 threads give bit-identical runs on a problem large enough for the parallel ops.
static void test_threads() {
  Mat A = random_sparse(70000, 3000, 6, 9);
  const std::vector<double> b = matvec(A, random_vec(3000, 19));
  ThreadPool p1(1), p2(2);
  const Kernels* k = kernels_for(detect_simd());
  Engine e1{k, &p1}, e2{k, &p2};
  for (SketchKind kind : kKinds) {
    SketchOptions opt =
        options(kind, RowSampling::Norm, 16, kind == SketchKind::Gaussian ? 12 : 20000, 0.0);
    opt.true_residual_every = kind == SketchKind::Gaussian ? 5 : 3000;
    std::vector<double> x1(3000, 0.0), x2(3000, 0.0);
    IterResult r1 = solve(e1, A, b, x1, opt), r2 = solve(e2, A, b, x2, opt);
    CHECK(same_bits(x1, x2));
    CHECK(same_bits(r1.history, r2.history));
    CHECK(r1.value == r2.value && r1.matvecs == r2.matvecs);
    CHECK(r1.value < r1.history[0]);
  }
}

int main() {
  std::printf("sketch_tests (detected SIMD: %s)\n", simd_name(detect_simd()));
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  test_convergence(e);
  test_rank_deficient(e);
  test_determinism(e);
  test_incremental(e);
  test_stops(e);
  test_errors(e);
  test_threads();
  std::printf("sketch_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
