// Robustness of the incomplete factorisations (issue 8, section 2): Manteuffel's diagonal shift.
// IC(0) and ILU(0) factor A + α·diag(A), α = 0 first and then 1e-3 doubling after a breakdown
// (precond_impl.hpp). Checks:
//  - the 14 SPD bcsstk fixtures (and the other SPD fixtures): IC(0)-PCG converges to rtol 1e-8
//    in no more iterations than Jacobi-PCG; the shift is > 0 exactly on the 8 that break down
//    at α = 0 (bcsstk03, 06, 07, 09, 10, 19, 20, 21), with the α and attempt count pinned;
//  - textbook IC(0)/ILU(0) (no retry) is unchanged bit for bit where no breakdown happens, and the
//    shifted factor is the dense incomplete factorisation of A + α·diag(A);
//  - ILU(0) past an exact and a tiny zero pivot of nonsingular matrices, GMRES/BiCGSTAB with it;
//  - errors: "not positive definite" only for a non-positive diagonal entry; an exhausted schedule
//    names the row and the shifts tried; the diagonally dominant α ends the search.
// Build and run:  test/native/build.sh precond_tests /tmp/out && /tmp/out/precond_tests

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../native/formats/mmio.hpp"
#include "../../native/krylov/krylov.hpp"
#include "../../native/krylov/precond_impl.hpp"

using namespace itersolve;

#include "check.hpp"

#include "matrices.hpp"
using namespace itersolve::testing;

static bool load_mtx(const std::string& name, Mat& m) {
  std::string dir = __FILE__;
  dir = dir.substr(0, dir.find_last_of('/') + 1) + "../fixtures/matrices/";
  mm::Coo coo;
  mm::Header hdr;
  mm::Error err;
  if (mm::parse_file(dir + name + ".mtx", coo, hdr, err) != mm::Status::Ok ||
      coo.rows != coo.cols) {
    std::fprintf(stderr, "  cannot read %s: %s\n", name.c_str(), err.message.c_str());
    return false;
  }
  std::vector<Triplet> t(coo.row.size());
  for (size_t k = 0; k < t.size(); ++k) t[k] = {coo.row[k], coo.col[k], coo.val[k]};
  m = from_triplets(coo.rows, t);
  return true;
}

static std::vector<Vec> dense(const Mat& m) {
  std::vector<Vec> a(static_cast<size_t>(m.n), Vec(static_cast<size_t>(m.n), 0.0));
  for (int64_t i = 0; i < m.n; ++i)
    for (int32_t k = m.rp[i]; k < m.rp[i + 1]; ++k) a[i][m.ci[k]] += m.v[k];
  return a;
}

// Solves L U x = r for dense unit-lower L (strict part given) and upper U.
static Vec lu_solve(const std::vector<Vec>& L, const std::vector<Vec>& U, Vec x) {
  const size_t n = x.size();
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < i; ++j) x[i] -= L[i][j] * x[j];
  for (size_t i = n; i-- > 0;) {
    for (size_t j = i + 1; j < n; ++j) x[i] -= U[i][j] * x[j];
    x[i] /= U[i][i];
  }
  return x;
}

static double rel(const Vec& a, const Vec& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::fmax(num, std::fabs(a[i] - b[i]));
    den = std::fmax(den, std::fabs(b[i]));
  }
  return den == 0 ? num : num / den;
}

static Vec seq_vec(int64_t n) {  // deterministic, no structure
  Vec r(n);
  for (int64_t i = 0; i < n; ++i) r[i] = std::sin(1.0 + 0.7 * double(i));
  return r;
}

static Vec apply(const Engine& e, const Preconditioner& M, const Vec& r) {
  Vec z(r.size(), NAN);
  CHECK(M.apply(e, r.data(), z.data()));
  return z;
}

static krylov::ShiftSchedule fixed(double alpha) {
  krylov::ShiftSchedule s;
  s.start = alpha;
  s.retries = 0;
  return s;
}

constexpr int64_t kAnyRow = -2;

template <class F>
static bool throws(F&& f, const char* code, const std::string& prefix, int64_t row,
                   std::string* msg = nullptr) {
  try {
    f();
  } catch (const SolverError& err) {
    if (msg != nullptr) *msg = err.what();
    const bool ok = std::string(err.code) == code &&
                    std::string(err.what()).rfind(prefix, 0) == 0 &&
                    (row == kAnyRow ? err.row >= 0 : err.row == row);
    if (!ok)
      std::fprintf(stderr, "  got %s row %lld: %s\n", err.code, (long long)err.row, err.what());
    return ok;
  }
  std::fprintf(stderr, "  nothing thrown (expected: %s)\n", prefix.c_str());
  return false;
}

static bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// ---- the acceptance: IC(0)-PCG on every SPD fixture ----

struct PcgRun {
  int64_t iterations = 0;
  bool converged = false;
  double relres = 0;
};

static PcgRun pcg(const Engine& e, const Mat& A, const Vec& b, const Preconditioner* M) {
  SolveOptions opt;
  opt.rtol = 1e-8;
  opt.max_iterations = std::max<int64_t>(20000, 10 * A.n);
  Control ctl;
  Vec x(A.n, 0.0);
  const IterResult r = cg(e, A.view(), b.data(), x.data(), M, opt, ctl);
  const Vec ax = A.mul(x);
  double num = 0, den = 0;
  for (int64_t i = 0; i < A.n; ++i) num += (b[i] - ax[i]) * (b[i] - ax[i]), den += b[i] * b[i];
  return PcgRun{r.iterations, reason_converged(r.reason), std::sqrt(num / den)};
}

static void test_spd_fixtures(const Engine& e) {
  struct Case {
    const char* name;
    double shift;  // the α the default schedule lands on (0: no breakdown)
  };
  // The 14 SPD bcsstk matrices (test/fixtures/krylov/spd.json), then the other SPD fixtures.
  const Case cases[] = {
      {"bcsstk01", 0},     {"bcsstk02", 0},     {"bcsstk03", 0.064}, {"bcsstk04", 0},
      {"bcsstk05", 0},     {"bcsstk06", 0.128}, {"bcsstk07", 0.128}, {"bcsstk08", 0},
      {"bcsstk09", 0.064}, {"bcsstk10", 0.128}, {"bcsstk19", 0.256}, {"bcsstk20", 0.256},
      {"bcsstk21", 0.064}, {"bcsstk22", 0},     {"1138_bus", 0},     {"494_bus", 0},
      {"662_bus", 0},      {"685_bus", 0},      {"bcsstm07", 0},     {"bcsstm12", 0}};
  std::printf("  %-9s %6s %9s %9s %8s %10s %9s %10s\n", "matrix", "n", "shift", "attempts",
              "build ms", "IC(0) its", "Jacobi its", "IC relres");
  int64_t icTotal = 0, jacTotal = 0;
  for (const Case& c : cases) {
    Mat A;
    CHECK(load_mtx(c.name, A));
    if (A.n == 0) continue;
    const Vec b = A.mul(Vec(A.n, 1.0));
    const auto t0 = std::chrono::steady_clock::now();
    const auto ic = make_ic0(A.view());
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto jac = make_jacobi(A.view());
    const PcgRun ri = pcg(e, A, b, ic.get()), rj = pcg(e, A, b, jac.get());
    const int attempts = krylov::factorisations(ic.get());
    std::printf("  %-9s %6lld %9g %9d %8.2f %10lld %10lld %10.1e%s\n", c.name, (long long)A.n,
                ic->shift(), attempts, ms, (long long)ri.iterations, (long long)rj.iterations,
                ri.relres, ri.converged && ri.iterations <= rj.iterations ? "" : "  <-- FAILS");
    CHECK(ri.converged && rj.converged);
    CHECK(ri.relres <= 1e-8 * (1 + 1e-6));  // cg confirmed it with its own product
    CHECK(ri.iterations <= rj.iterations);
    CHECK(ic->shift() == c.shift);
    // α = 0, then 1e-3·2^k: shift 1e-3·2^k took k + 2 factorisations
    CHECK(attempts == (c.shift == 0 ? 1 : 2 + int(std::lround(std::log2(c.shift / 1e-3)))));
    // textbook IC(0) (no retry) breaks down exactly where a shift was needed, without claiming
    // that A is not positive definite (it is)
    if (c.shift > 0) {
      std::string msg;
      CHECK(throws([&] { krylov::make_ic0(A.view(), fixed(0.0)); }, "ERR_ZERO_PIVOT",
                   "ic0: non-positive pivot ", kAnyRow, &msg));
      CHECK(contains(msg, "(no diagonal shift tried)") && !contains(msg, "positive definite"));
      // the shift found is where the factorisation works and half of it is not
      CHECK(krylov::make_ic0(A.view(), fixed(c.shift)) != nullptr);
      CHECK(throws([&] { krylov::make_ic0(A.view(), fixed(c.shift / 2)); }, "ERR_ZERO_PIVOT",
                   "ic0: non-positive pivot ", kAnyRow, &msg));
      CHECK(
          contains(msg, "with the diagonal shift α = " + std::to_string(c.shift / 2).substr(0, 5)));
    }
    if (std::string(c.name).rfind("bcsstk", 0) == 0)
      icTotal += ri.iterations, jacTotal += rj.iterations;
  }
  std::printf("  14 bcsstk: IC(0) %lld iterations in all, Jacobi %lld\n", (long long)icTotal,
              (long long)jacTotal);
}

// ---- exactness ----

// Dense IC(0) of A + α·diag(A) on the pattern of A's lower triangle: M = L Lᵀ.
static Vec dense_ic0_solve(const Mat& m, double alpha, const Vec& r) {
  std::vector<Vec> a = dense(m);
  const size_t n = a.size();
  for (size_t i = 0; i < n; ++i) a[i][i] *= 1 + alpha;
  std::vector<Vec> L(n, Vec(n, 0.0));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (a[i][j] == 0) continue;
      double s = a[i][j];
      for (size_t k = 0; k < j; ++k) s -= L[i][k] * L[j][k];
      L[i][j] = s / L[j][j];
    }
    double d = a[i][i];
    for (size_t k = 0; k < i; ++k) d -= L[i][k] * L[i][k];
    L[i][i] = std::sqrt(d);
  }
  std::vector<Vec> Ls(n, Vec(n, 0.0)), U(n, Vec(n, 0.0));  // L Lᵀ = (L D⁻¹)(D Lᵀ)
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (j < i) Ls[i][j] = L[i][j] / L[j][j];
      if (j >= i) U[i][j] = L[j][i] * L[i][i];
    }
  return lu_solve(Ls, U, r);
}

// Dense ILU(0) (IKJ on A's pattern) of A + α·diag(A).
static Vec dense_ilu0_solve(const Mat& m, double alpha, const Vec& r) {
  const std::vector<Vec> a0 = dense(m);
  std::vector<Vec> f = a0;
  const size_t n = f.size();
  for (size_t i = 0; i < n; ++i) f[i][i] *= 1 + alpha;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < i; ++k) {
      if (a0[i][k] == 0) continue;
      f[i][k] /= f[k][k];
      for (size_t j = k + 1; j < n; ++j)
        if (a0[i][j] != 0 || i == j) f[i][j] -= f[i][k] * f[k][j];
    }
  std::vector<Vec> L(n, Vec(n, 0.0)), U(n, Vec(n, 0.0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (j < i && a0[i][j] != 0) L[i][j] = f[i][j];
      if (j >= i && (a0[i][j] != 0 || i == j)) U[i][j] = f[i][j];
    }
  return lu_solve(L, U, r);
}

static void test_exactness(const Engine& e) {
  // No breakdown: the default builder is textbook IC(0) / ILU(0), bit for bit.
  for (const char* name : {"bcsstk01", "bcsstk22", "494_bus"}) {
    Mat A;
    CHECK(load_mtx(name, A));
    const Vec r = seq_vec(A.n);
    const auto M = make_ic0(A.view());
    CHECK(M->shift() == 0 && krylov::factorisations(M.get()) == 1);
    CHECK(apply(e, *M, r) == apply(e, *krylov::make_ic0(A.view(), fixed(0.0)), r));
    CHECK(rel(apply(e, *M, r), dense_ic0_solve(A, 0.0, r)) <= 1e-9);
    const auto U = make_ilu0(A.view());
    CHECK(U->shift() == 0 && krylov::factorisations(U.get()) == 1);
    CHECK(apply(e, *U, r) == apply(e, *krylov::make_ilu0(A.view(), fixed(0.0)), r));
  }
  // A breakdown: the shifted factor is the dense IC(0) of A + α·diag(A) (bcsstk03, n = 112).
  {
    Mat A;
    CHECK(load_mtx("bcsstk03", A));
    const Vec r = seq_vec(A.n);
    const auto M = make_ic0(A.view());
    CHECK(M->shift() == 0.064);
    const double err = rel(apply(e, *M, r), dense_ic0_solve(A, M->shift(), r));
    if (err > 1e-8) std::printf("  bcsstk03 shifted IC(0) vs dense: %g\n", err);
    CHECK(err <= 1e-8);
    CHECK(apply(e, *M, r) == apply(e, *krylov::make_ic0(A.view(), fixed(0.064)), r));
    // ILU(0) of a symmetric A + α·diag(A) is its IC(0) up to rounding. (ILU(0) itself needs no
    // shift here: it only stops on zero pivots, and bcsstk03's are negative.)
    const auto U = krylov::make_ilu0(A.view(), fixed(0.064));
    CHECK(U->shift() == 0.064);
    CHECK(rel(apply(e, *U, r), apply(e, *M, r)) <= 1e-8);
    CHECK(make_ilu0(A.view())->shift() == 0);
  }
}

// ---- ILU(0) past zero pivots ----

static void test_ilu0_zero_pivots(const Engine& e) {
  // [[1 1 0] [1 1 1] [0 1 1]]: nonsingular (det −1), full diagonal, u₁₁ = 1 − 1·1 = 0.
  const Mat S = from_dense(3, {1, 1, 0, 1, 1, 1, 0, 1, 1});
  std::string msg;
  CHECK(throws([&] { krylov::make_ilu0(S.view(), fixed(0.0)); }, "ERR_ZERO_PIVOT",
               "ilu0: zero pivot 0 at row 1 (no diagonal shift tried)", 1, &msg));
  {
    const auto M = make_ilu0(S.view());
    CHECK(std::string(M->kind()) == "ilu0");
    CHECK(M->shift() == 1e-3 && krylov::factorisations(M.get()) == 2);
    // tridiagonal: ILU(0) is the exact LU of A + α·diag(A)
    const Vec r = {1, -2, 0.5};
    CHECK(rel(apply(e, *M, r), dense_ilu0_solve(S, 1e-3, r)) <= 1e-13);
  }
  // A pivot that is zero but for rounding counts as zero too: 1e-14 relative.
  const Mat T = from_dense(3, {1, 1, 0, 1, 1 + 1e-14, 1, 0, 1, 1});
  CHECK(throws([&] { krylov::make_ilu0(T.view(), fixed(0.0)); }, "ERR_ZERO_PIVOT",
               "ilu0: tiny pivot 9.99", 1, &msg));
  CHECK(make_ilu0(T.view())->shift() == 1e-3);
  // A larger nonsymmetric system with the same breakdown in rows 0-1 and a convection–diffusion
  // tridiagonal below; GMRES and BiCGSTAB with the shifted ILU(0) converge at once.
  const int64_t n = 400;
  std::vector<Triplet> t;
  for (int32_t i = 0; i < n; ++i) {
    if (i > 0) t.push_back({i, i - 1, i == 1 ? 1.0 : -1.3});
    t.push_back({i, i, i < 2 ? 1.0 : 2.5});
    if (i < n - 1) t.push_back({i, i + 1, i == 0 ? 1.0 : -0.7});
  }
  const Mat A = from_triplets(n, t);
  CHECK(throws([&] { krylov::make_ilu0(A.view(), fixed(0.0)); }, "ERR_ZERO_PIVOT",
               "ilu0: zero pivot 0 at row 1", 1));
  const auto M = make_ilu0(A.view());
  CHECK(M->shift() == 1e-3);
  const Vec b = A.mul(Vec(n, 1.0));
  for (int s = 0; s < 2; ++s) {
    SolveOptions opt;
    opt.rtol = 1e-10;
    opt.max_iterations = 200;
    Control ctl;
    Vec x(n, 0.0);
    const IterResult r = s == 0 ? gmres(e, A.view(), b.data(), x.data(), M.get(), opt, ctl)
                                : bicgstab(e, A.view(), b.data(), x.data(), M.get(), opt, ctl);
    std::printf("  ILU(0) past a zero pivot, n=%lld: %s %lld iterations, shift %g\n", (long long)n,
                s == 0 ? "gmres" : "bicgstab", (long long)r.iterations, M->shift());
    CHECK(reason_converged(r.reason));
    CHECK(r.iterations <= 10);
    Vec err(n);
    for (int64_t i = 0; i < n; ++i) err[i] = x[i] - 1.0;
    CHECK(rel(x, Vec(n, 1.0)) <= 1e-6);
  }
  // Matrices without a full diagonal keep the matching/reordering path (ordering.hpp): no shift.
  Mat bp;
  CHECK(load_mtx("bp_800", bp));
  const auto R = make_ilu0(bp.view());
  CHECK(std::string(R->kind()) == "ilu0" && R->shift() == 0 &&
        krylov::factorisations(R.get()) == 0);
}

// ---- errors ----

static void test_errors() {
  std::string msg;
  // A non-positive diagonal entry shows A is not positive definite (a_ii = e_iᵀ A e_i): said so.
  const Mat neg = from_dense(3, {2, -1, 0, -1, -0.5, -1, 0, -1, 2});
  CHECK(throws([&] { make_ic0(neg.view()); }, "ERR_ZERO_PIVOT",
               "ic0: non-positive pivot -0.5 at row 1: A's own diagonal entry, so A is not "
               "positive definite",
               1));
  const Mat inf = from_dense(2, {INFINITY, 0, 0, 1});
  CHECK(throws([&] { make_ic0(inf.view()); }, "ERR_ZERO_PIVOT",
               "ic0: non-finite diagonal entry inf at row 0", 0));
  const Mat nanoff = from_dense(2, {1, 0, NAN, 1});
  CHECK(throws([&] { make_ic0(nanoff.view()); }, "ERR_ZERO_PIVOT",
               "ic0: non-finite entry nan at row 1, column 0", 1));
  CHECK(throws([&] { make_ilu0(nanoff.view()); }, "ERR_ZERO_PIVOT",
               "ilu0: non-finite entry nan at row 1, column 0", 1));
  // [[1 2] [2 1]] (indefinite, positive diagonal): l₁₁² = 1 − 4 < 0. An exhausted schedule names
  // the row and the shifts tried, and does not call A indefinite: that was not shown.
  const Mat a = from_dense(2, {1, 2, 2, 1});
  krylov::ShiftSchedule s;
  s.first = 1e-3;
  s.retries = 3;
  CHECK(throws([&] { krylov::make_ic0(a.view(), s); }, "ERR_ZERO_PIVOT",
               "ic0: non-positive pivot -2.98", 1, &msg));
  CHECK(contains(msg,
                 "even with the diagonal shift α = 0.004, the largest of 4 factorisations of A + "
                 "α·diag(A) tried from α = 0"));
  CHECK(!contains(msg, "positive definite"));
  CHECK(throws([&] { krylov::make_ic0(a.view(), fixed(0.5)); }, "ERR_ZERO_PIVOT",
               "ic0: non-positive pivot", 1, &msg));
  CHECK(contains(msg, "with the diagonal shift α = 0.5 (factoring A + α·diag(A))"));
  // The default schedule ends at the α where A + α·diag(A) turns diagonally dominant (here
  // 1.001·2 − 1, before the doubling's 1.024), which always factors: M is SPD, and CG itself
  // reports A as indefinite.
  {
    const auto M = make_ic0(a.view());
    CHECK(M->shift() == 1.001 * 2 - 1);
    CHECK(krylov::factorisations(M.get()) == 12);  // 0, 1e-3 … 0.512, then the cap
  }
  // Missing diagonal entries.
  const Mat miss = from_dense(2, {1, 0, 1, 0});
  CHECK(throws([&] { make_ic0(miss.view()); }, "ERR_ZERO_PIVOT", "ic0: row 1 has no diagonal entry",
               1));
}

int main() {
  std::printf("precond_tests (SIMD: %s)\n", simd_name(detect_simd()));
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  test_spd_fixtures(e);
  test_exactness(e);
  test_ilu0_zero_pivots(e);
  test_errors();
  std::printf("precond_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
