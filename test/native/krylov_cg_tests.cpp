// Unit tests of the preconditioners (precond.cpp), CG (cg.cpp) and batched CG (cg_batch.cpp).
// No framework: build with `test/native/build.sh krylov_cg_tests <dir>` (or the CMake target of
// the same name) and run; the exit code is non-zero on any failure.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/krylov/krylov.hpp"
#include "../../native/krylov/precond_impl.hpp"

using namespace itersolve;

#include "check.hpp"

using Vec = std::vector<double>;

struct Mat {
  int64_t n = 0;
  std::vector<int32_t> rp{0}, ci;
  Vec v;
  CsrView view() const { return CsrView{n, n, rp.data(), ci.data(), v.data()}; }
  void add(int64_t j, double a) {
    ci.push_back(static_cast<int32_t>(j));
    v.push_back(a);
  }
  void end_row() { rp.push_back(static_cast<int32_t>(ci.size())); }
};

// Rows given as callbacks: entries must come in ascending column order.
static Mat build(int64_t n, const std::function<void(int64_t, Mat&)>& row) {
  Mat m;
  m.n = n;
  for (int64_t i = 0; i < n; ++i) {
    row(i, m);
    m.end_row();
  }
  return m;
}

static Mat poisson2d(int N, double shift = 0.0) {
  return build(int64_t(N) * N, [&](int64_t r, Mat& m) {
    const int i = int(r / N), j = int(r % N);
    if (i > 0) m.add(r - N, -1);
    if (j > 0) m.add(r - 1, -1);
    m.add(r, 4 + shift);
    if (j < N - 1) m.add(r + 1, -1);
    if (i < N - 1) m.add(r + N, -1);
  });
}

static Mat tridiag(int64_t n, double lo, double d, double up) {
  return build(n, [&](int64_t i, Mat& m) {
    if (i > 0) m.add(i - 1, lo);
    m.add(i, d);
    if (i < n - 1) m.add(i + 1, up);
  });
}

// Symmetric, strictly diagonally dominant (so SPD), random pattern with no entry next to the
// diagonal (|i − j| ≥ 2): exercises the factor storage without adjacent columns.
static Mat random_spd(int64_t n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1), p(0, 1);
  std::vector<Vec> dense(static_cast<size_t>(n), Vec(static_cast<size_t>(n), 0.0));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 2; j < n; ++j)
      if (p(g) < 0.15) dense[i][j] = dense[j][i] = u(g);
  return build(n, [&](int64_t i, Mat& m) {
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += std::fabs(dense[i][j]);
    for (int64_t j = 0; j < n; ++j)
      if (j == i) m.add(j, s + 0.5 + p(g));
      else if (dense[i][j] != 0) m.add(j, dense[i][j]);
  });
}

// Convection–diffusion on an N×N grid: nonsymmetric, same pattern as poisson2d.
static Mat convdiff(int N, double c) {
  return build(int64_t(N) * N, [&](int64_t r, Mat& m) {
    const int i = int(r / N), j = int(r % N);
    if (i > 0) m.add(r - N, -1 - c);
    if (j > 0) m.add(r - 1, -1 - c);
    m.add(r, 4);
    if (j < N - 1) m.add(r + 1, -1 + c);
    if (i < N - 1) m.add(r + N, -1 + c);
  });
}

static std::vector<Vec> dense(const Mat& m) {
  std::vector<Vec> a(static_cast<size_t>(m.n), Vec(static_cast<size_t>(m.n), 0.0));
  for (int64_t i = 0; i < m.n; ++i)
    for (int32_t k = m.rp[i]; k < m.rp[i + 1]; ++k) a[i][m.ci[k]] += m.v[k];
  return a;
}

// Solves a x = b by Gaussian elimination with partial pivoting.
static Vec dense_solve(std::vector<Vec> a, Vec b) {
  const size_t n = b.size();
  for (size_t k = 0; k < n; ++k) {
    size_t p = k;
    for (size_t i = k + 1; i < n; ++i)
      if (std::fabs(a[i][k]) > std::fabs(a[p][k])) p = i;
    std::swap(a[k], a[p]);
    std::swap(b[k], b[p]);
    for (size_t i = k + 1; i < n; ++i) {
      const double f = a[i][k] / a[k][k];
      for (size_t j = k; j < n; ++j) a[i][j] -= f * a[k][j];
      b[i] -= f * b[k];
    }
  }
  Vec x(n);
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t j = i + 1; j < n; ++j) s -= a[i][j] * x[j];
    x[i] = s / a[i][i];
  }
  return x;
}

static std::vector<Vec> matmul(const std::vector<Vec>& a, const std::vector<Vec>& b) {
  const size_t n = a.size();
  std::vector<Vec> c(n, Vec(n, 0.0));
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k)
      for (size_t j = 0; j < n; ++j) c[i][j] += a[i][k] * b[k][j];
  return c;
}

static std::vector<Vec> transpose(const std::vector<Vec>& a) {
  std::vector<Vec> t(a.size(), Vec(a.size()));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a.size(); ++j) t[j][i] = a[i][j];
  return t;
}

static double rel(const Vec& a, const Vec& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::fmax(num, std::fabs(a[i] - b[i]));
    den = std::fmax(den, std::fabs(b[i]));
  }
  return den == 0 ? num : num / den;
}

static Vec random_vec(int64_t n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Vec x(static_cast<size_t>(n));
  for (double& v : x) v = u(g);
  return x;
}

static double norm(const Vec& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return std::sqrt(s);
}

static double true_residual(const Mat& m, const double* b, const double* x) {
  double s = 0;
  for (int64_t i = 0; i < m.n; ++i) {
    double r = b[i];
    for (int32_t k = m.rp[i]; k < m.rp[i + 1]; ++k) r -= m.v[k] * x[m.ci[k]];
    s += r * r;
  }
  return std::sqrt(s);
}

static Vec apply(const Engine& e, const Preconditioner& M, const Vec& r) {
  Vec z(r.size(), NAN);
  CHECK(M.apply(e, r.data(), z.data()));
  return z;
}

// ---------------------------------------------------------------------------------------------

static void test_preconditioner_values(const Engine& e) {
  struct Case {
    const char* name;
    Mat m;
  };
  std::vector<Case> cases = {{"tridiag", tridiag(12, -1, 3, -1)},
                             {"tridiag-nonsym", tridiag(12, -1, 3, -1.5)},
                             {"poisson", poisson2d(6, 0.3)},
                             {"random", random_spd(30, 3)},
                             {"convdiff", convdiff(6, 0.4)},
                             // a negative diagonal entry: SSOR keeps its unscaled form
                             {"negdiag", build(25, [](int64_t i, Mat& m) {
                                const Mat p = poisson2d(5);
                                for (int32_t k = p.rp[i]; k < p.rp[i + 1]; ++k)
                                  m.add(p.ci[k], p.ci[k] == i && i == 3 ? -4.0 : p.v[k]);
                              })}};
  for (const Case& c : cases) {
    const Mat& m = c.m;
    const std::vector<Vec> a = dense(m);
    const size_t n = a.size();
    const std::string name = c.name;
    const bool symmetric = name != "convdiff" && name != "tridiag-nonsym" && name != "negdiag";
    const Vec r = random_vec(m.n, 5);
    // Jacobi
    auto jac = make_jacobi(m.view());
    CHECK(std::string(jac->kind()) == "jacobi" && jac->size() == m.n);
    Vec zj = apply(e, *jac, r), ref(n);
    for (size_t i = 0; i < n; ++i) ref[i] = r[i] / a[i][i];
    CHECK(rel(zj, ref) <= 1e-15);
    // SSOR: M = 1/(ω(2−ω)) (D+ωL) D⁻¹ (D+ωU)
    for (double omega : {1.0, 1.4, 0.6}) {
      std::vector<Vec> lo(n, Vec(n, 0.0)), dinv(n, Vec(n, 0.0)), up(n, Vec(n, 0.0));
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
          if (j < i) lo[i][j] = omega * a[i][j];
          if (j > i) up[i][j] = omega * a[i][j];
          if (i == j) lo[i][j] = up[i][j] = a[i][i], dinv[i][i] = 1.0 / a[i][i];
        }
      std::vector<Vec> M = matmul(matmul(lo, dinv), up);
      for (auto& row : M)
        for (double& v : row) v /= omega * (2 - omega);
      auto ssor = make_ssor(m.view(), omega);
      CHECK(std::string(ssor->kind()) == "ssor");
      const double err = rel(apply(e, *ssor, r), dense_solve(M, r));
      if (err > 1e-12) std::printf("ssor %s omega %g err %g\n", c.name, omega, err);
      CHECK(err <= 1e-12);
    }
    // IC0 against a dense IC(0) restricted to the pattern of A's lower triangle
    if (symmetric) {
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
      auto ic = make_ic0(m.view());
      CHECK(std::string(ic->kind()) == "ic0");
      CHECK(ic->shift() == 0);  // no breakdown: textbook IC(0), no diagonal shift
      const Vec z = apply(e, *ic, r);
      CHECK(rel(z, dense_solve(matmul(L, transpose(L)), r)) <= 1e-12);
      if (std::string(c.name) == "tridiag")
        CHECK(rel(z, dense_solve(a, r)) <= 1e-12);  // no fill: exact
    }
    // ILU0 against a dense ILU(0) (IKJ restricted to A's pattern)
    {
      std::vector<Vec> f = a;
      for (size_t i = 0; i < n; ++i)
        for (size_t k = 0; k < i; ++k) {
          if (a[i][k] == 0) continue;
          f[i][k] /= f[k][k];
          for (size_t j = k + 1; j < n; ++j)
            if (a[i][j] != 0) f[i][j] -= f[i][k] * f[k][j];
        }
      std::vector<Vec> L(n, Vec(n, 0.0)), U(n, Vec(n, 0.0));
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
          if (j < i) L[i][j] = a[i][j] != 0 ? f[i][j] : 0.0;
          else if (a[i][j] != 0) U[i][j] = f[i][j];
          if (i == j) L[i][i] = 1;
        }
      auto ilu = make_ilu0(m.view());
      CHECK(std::string(ilu->kind()) == "ilu0");
      CHECK(ilu->shift() == 0);
      const Vec z = apply(e, *ilu, r);
      CHECK(rel(z, dense_solve(matmul(L, U), r)) <= 1e-12);
      if (std::string(c.name).rfind("tridiag", 0) == 0)
        CHECK(rel(z, dense_solve(a, r)) <= 1e-12);  // exact LU
    }
  }
  // identity; in-place application (z == r) for the triangular ones
  auto id = make_identity(4);
  CHECK(std::string(id->kind()) == "identity" && id->size() == 4);
  Vec r = random_vec(4, 1);
  CHECK(apply(e, *id, r) == r);
  Mat m = poisson2d(5);
  for (auto& M :
       {make_ic0(m.view()), make_ilu0(m.view()), make_ssor(m.view(), 1.2), make_jacobi(m.view())}) {
    Vec x = random_vec(m.n, 2), z = apply(e, *M, x);
    CHECK(M->apply(e, x.data(), x.data()));
    CHECK(x == z);
  }
  // n = 0
  Mat empty = build(0, [](int64_t, Mat&) {});
  CHECK(make_ic0(empty.view())->size() == 0 && make_ilu0(empty.view())->size() == 0);
  CHECK(make_ssor(empty.view(), 1.0)->size() == 0 && make_jacobi(empty.view())->size() == 0);
}

// Two threads applying one preconditioner at once get the serial answer.
static void test_concurrent_apply() {
  ThreadPool pool(1);
  Engine e{kernels_for(detect_simd()), &pool};
  Mat m = poisson2d(80);
  for (auto& M : {make_ic0(m.view()), make_ssor(m.view(), 1.5), make_ilu0(m.view())}) {
    const Vec r1 = random_vec(m.n, 1), r2 = random_vec(m.n, 2);
    const Vec z1 = apply(e, *M, r1), z2 = apply(e, *M, r2);
    bool same1 = true, same2 = true;
    std::thread t1([&] {
      for (int k = 0; k < 20; ++k) same1 = same1 && apply(e, *M, r1) == z1;
    });
    std::thread t2([&] {
      for (int k = 0; k < 20; ++k) same2 = same2 && apply(e, *M, r2) == z2;
    });
    t1.join();
    t2.join();
    CHECK(same1 && same2);
  }
}

template <class F>
static void expect_error(F&& f, const char* code, const std::string& message, int64_t row) {
  bool thrown = false;
  try {
    f();
  } catch (const SolverError& err) {
    thrown = true;
    CHECK(std::string(err.code) == code);
    CHECK(err.what() == message);
    CHECK(err.row == row);
    if (err.what() != message) std::fprintf(stderr, "  got message: %s\n", err.what());
  }
  CHECK(thrown);
}

static void test_pivot_errors() {
  // diagonal matrices with one bad entry at row 17
  auto diag = [](double bad, bool missing) {
    return build(20, [=](int64_t i, Mat& m) {
      if (i == 17 && missing) {
        m.add(3, 1.0);
        return;
      }
      m.add(i, i == 17 ? bad : 2.0);
    });
  };
  const Mat zero = diag(0.0, false), neg = diag(-3.5, false), inf = diag(INFINITY, false),
            nan = diag(NAN, false), missing = diag(0, true);
  expect_error([&] { make_jacobi(zero.view()); }, "ERR_ZERO_PIVOT",
               "jacobi: zero diagonal entry at row 17", 17);
  expect_error([&] { make_jacobi(missing.view()); }, "ERR_ZERO_PIVOT",
               "jacobi: row 17 has no diagonal entry", 17);
  expect_error([&] { make_jacobi(inf.view()); }, "ERR_ZERO_PIVOT",
               "jacobi: non-finite diagonal entry inf at row 17", 17);
  expect_error([&] { make_ssor(zero.view(), 1.0); }, "ERR_ZERO_PIVOT",
               "ssor: zero diagonal entry at row 17", 17);
  expect_error([&] { make_ssor(missing.view(), 1.0); }, "ERR_ZERO_PIVOT",
               "ssor: row 17 has no diagonal entry", 17);
  expect_error([&] { make_ssor(nan.view(), 1.0); }, "ERR_ZERO_PIVOT",
               "ssor: non-finite diagonal entry nan at row 17", 17);
  expect_error([&] { make_ssor(zero.view(), 2.5); }, "ERR_INVALID_ARGUMENT",
               "ssor: omega must be in (0, 2), received 2.5", -1);
  expect_error([&] { make_ssor(zero.view(), 0.0); }, "ERR_INVALID_ARGUMENT",
               "ssor: omega must be in (0, 2), received 0", -1);
  expect_error([&] { make_ssor(zero.view(), NAN); }, "ERR_INVALID_ARGUMENT",
               "ssor: omega must be in (0, 2), received nan", -1);
  // A non-positive diagonal entry shows that A is not positive definite (a_ii = e_iᵀ A e_i).
  expect_error([&] { make_ic0(neg.view()); }, "ERR_ZERO_PIVOT",
               "ic0: non-positive pivot -3.5 at row 17: A's own diagonal entry, so A is not "
               "positive definite",
               17);
  expect_error(
      [&] { make_ic0(zero.view()); }, "ERR_ZERO_PIVOT",
      "ic0: non-positive pivot 0 at row 17: A's own diagonal entry, so A is not positive definite",
      17);
  expect_error([&] { make_ic0(inf.view()); }, "ERR_ZERO_PIVOT",
               "ic0: non-finite diagonal entry inf at row 17", 17);
  expect_error([&] { make_ic0(missing.view()); }, "ERR_ZERO_PIVOT",
               "ic0: row 17 has no diagonal entry", 17);
  // A zero or missing diagonal entry sends ILU(0) through the reordering of ordering.hpp; these
  // diagonal matrices have no nonzero to move into row 17's place: structurally singular.
  const std::string singular =
      "ilu0: the matrix is structurally singular (no ordering gives a nonzero diagonal); row 17 is "
      "left over by a maximum matching of rows to columns";
  expect_error([&] { make_ilu0(zero.view()); }, "ERR_ZERO_PIVOT", singular, 17);
  expect_error([&] { make_ilu0(nan.view()); }, "ERR_ZERO_PIVOT",
               "ilu0: non-finite pivot nan at row 17", 17);
  expect_error([&] { make_ilu0(missing.view()); }, "ERR_ZERO_PIVOT", singular, 17);
  // Pivots that vanish during the factorisation: [[1 2] [2 1]] and [[1 1] [1 1]]. Textbook IC(0)
  // / ILU(0) (no retry) stops without claiming more than it showed; the default builders retry
  // with Manteuffel's shift A + α·diag(A) (test/native/precond_tests.cpp has the details).
  krylov::ShiftSchedule textbook;  // α = 0, no retry
  Mat a = build(2, [](int64_t i, Mat& m) { m.add(0, i == 0 ? 1 : 2), m.add(1, i == 0 ? 2 : 1); });
  expect_error([&] { krylov::make_ic0(a.view(), textbook); }, "ERR_ZERO_PIVOT",
               "ic0: non-positive pivot -3 at row 1 (no diagonal shift tried)", 1);
  CHECK(make_ic0(a.view())->shift() > 1.0);  // A + α·diag(A) is positive definite only for α > 1
  Mat b = build(2, [](int64_t, Mat& m) { m.add(0, 1), m.add(1, 1); });
  expect_error([&] { krylov::make_ilu0(b.view(), textbook); }, "ERR_ZERO_PIVOT",
               "ilu0: zero pivot 0 at row 1 (no diagonal shift tried)", 1);
  CHECK(make_ilu0(b.view())->shift() > 0.0);
  // ic0 reads only the lower triangle: garbage above the diagonal is ignored
  Mat t = tridiag(10, -1, 3, -1), tl = build(10, [](int64_t i, Mat& m) {
                                    if (i > 0) m.add(i - 1, -1);
                                    m.add(i, 3);
                                    if (i < 9) m.add(i + 1, 1e6);
                                  });
  ThreadPool pool(1);
  Engine e{kernels_for(detect_simd()), &pool};
  const Vec r = random_vec(10, 3);
  CHECK(rel(apply(e, *make_ic0(tl.view()), r), apply(e, *make_ic0(t.view()), r)) == 0);
}

// ---------------------------------------------------------------------------------------------

static IterResult solve(const Engine& e, const Mat& A, const Vec& b, Vec& x,
                        const Preconditioner* M, SolveOptions opt, Control* ctl = nullptr) {
  Control local;
  return cg(e, A.view(), b.data(), x.data(), M, opt, ctl != nullptr ? *ctl : local);
}

static void test_cg_poisson(const Engine& e) {
  const Mat A = poisson2d(64);
  const Vec b = random_vec(A.n, 42);
  SolveOptions opt;
  opt.rtol = 1e-6;
  opt.max_iterations = 5000;
  opt.history = true;
  Vec x(static_cast<size_t>(A.n), 0.0);
  IterResult r = solve(e, A, b, x, nullptr, opt);
  std::printf("  cg, 2D Poisson N=64, rtol 1e-6: %lld iterations, %lld matvecs\n",
              (long long)r.iterations, (long long)r.matvecs);
  CHECK(r.reason == Reason::Rtol);
  CHECK(r.iterations >= 150 && r.iterations <= 190);
  CHECK(r.matvecs == r.iterations + 2);  // initial residual + confirmation
  const double tr = true_residual(A, b.data(), x.data());
  CHECK(tr <= 1e-6 * norm(b));
  CHECK(std::fabs(r.value - tr) <= 1e-9 * tr);
  CHECK(r.history.size() == static_cast<size_t>(r.iterations) + 1);
  CHECK(std::fabs(r.history[0] - norm(b)) <= 1e-12 * norm(b));
  CHECK(r.history.back() <= 1e-6 * norm(b));
  // every ISA gives the same iteration count within one
  for (SimdLevel lvl : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lvl);
    if (k == nullptr) continue;
    Engine ek{k, e.pool};
    Vec y(x.size(), 0.0);
    IterResult rk = solve(ek, A, b, y, nullptr, opt);
    CHECK(rk.reason == Reason::Rtol && std::llabs(rk.iterations - r.iterations) <= 1);
  }
  // atol binding
  SolveOptions ao = opt;
  ao.rtol = 0;
  ao.atol = 1e-3;
  Vec y(x.size(), 0.0);
  CHECK(solve(e, A, b, y, nullptr, ao).reason == Reason::Atol);
  CHECK(true_residual(A, b.data(), y.data()) <= 1e-3);
  // x0: the solution converges at once; another start converges too
  IterResult r0 = solve(e, A, b, x, nullptr, opt);
  CHECK(r0.reason == Reason::Rtol && r0.iterations == 0 && r0.matvecs == 1 &&
        r0.history.size() == 1);
  Vec x0 = random_vec(A.n, 7), xs = x0;
  IterResult r1 = solve(e, A, b, xs, nullptr, opt);
  CHECK(r1.reason == Reason::Rtol && true_residual(A, b.data(), xs.data()) <= 1e-6 * norm(b));
  CHECK(std::fabs(r1.history[0] - true_residual(A, b.data(), x0.data())) <= 1e-9 * r1.history[0]);
  // b = 0 gives x = 0 at once
  Vec zero(x.size(), 0.0), xz = random_vec(A.n, 8);
  IterResult rz = solve(e, A, zero, xz, nullptr, opt);
  CHECK(rz.reason == Reason::Rtol && rz.iterations == 0 && rz.matvecs == 0 && rz.value == 0);
  CHECK(xz == zero && rz.history == Vec{0.0});
  // max_iterations
  SolveOptions mo = opt;
  mo.max_iterations = 10;
  Vec xm(x.size(), 0.0);
  IterResult rm = solve(e, A, b, xm, nullptr, mo);
  CHECK(rm.reason == Reason::MaxIterations && rm.iterations == 10 && rm.history.size() == 11);
  CHECK(rm.matvecs == 12);  // initial, 10 iterations, the true residual at exit
  CHECK(std::fabs(rm.value - true_residual(A, b.data(), xm.data())) <= 1e-9 * rm.value);
  mo.max_iterations = 0;
  std::fill(xm.begin(), xm.end(), 0.0);
  rm = solve(e, A, b, xm, nullptr, mo);
  CHECK(rm.reason == Reason::MaxIterations && rm.iterations == 0 && rm.history.size() == 1);
}

static void test_cg_true_residual_every(const Engine& e) {
  const Mat A = poisson2d(40);
  const Vec b = random_vec(A.n, 9);
  SolveOptions opt;
  opt.rtol = 1e-10;
  opt.max_iterations = 5000;
  Vec x(static_cast<size_t>(A.n), 0.0);
  IterResult plain = solve(e, A, b, x, nullptr, opt);
  for (int64_t k : {1, 7}) {
    SolveOptions o = opt;
    o.true_residual_every = k;
    o.history = true;
    Vec y(x.size(), 0.0);
    IterResult r = solve(e, A, b, y, nullptr, o);
    CHECK(r.reason == Reason::Rtol);
    CHECK(std::llabs(r.iterations - plain.iterations) <= 2);
    CHECK(true_residual(A, b.data(), y.data()) <= 1e-10 * norm(b));
    CHECK(r.history.size() == static_cast<size_t>(r.iterations) + 1);
    // one product per iteration, one per check, the initial one; the last check is the exit's
    CHECK(r.matvecs == 1 + r.iterations + r.iterations / k + (r.iterations % k != 0 ? 1 : 0));
  }
  // a tolerance below what the recurrence can confirm: stops at max_iterations, not looping on
  // confirmations forever
  SolveOptions t = opt;
  t.rtol = 1e-18;
  t.max_iterations = 400;
  Vec y(x.size(), 0.0);
  IterResult r = solve(e, A, b, y, nullptr, t);
  CHECK(r.reason == Reason::MaxIterations && r.iterations == 400);
}

static void test_cg_stops(const Engine& e) {
  const Mat A = poisson2d(50);
  const Vec b = random_vec(A.n, 10);
  SolveOptions opt;
  opt.rtol = 1e-12;
  opt.max_iterations = 10000;
  opt.history = true;
  // abort flag set before the solve: nothing happens
  {
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    Vec x0 = random_vec(A.n, 3), x = x0;
    IterResult r = solve(e, A, b, x, nullptr, opt, &ctl);
    CHECK(r.reason == Reason::Aborted && r.iterations == 0 && x == x0);
    CHECK(std::fabs(r.value - true_residual(A, b.data(), x0.data())) <= 1e-9 * r.value);
  }
  // abort flag raised from the progress callback at iteration 25: partial x, its true residual
  for (int variant = 0; variant < 3; ++variant) {
    struct Ctx {
      std::atomic<bool> flag{false};
      int64_t at = 25;
    } ctx;
    Control ctl;
    ctl.set_abort_flag(&ctx.flag);
    ctl.set_progress(
        [](void* c, const ProgressInfo& info) {
          Ctx* p = static_cast<Ctx*>(c);
          if (info.iteration >= p->at) p->flag = true;
        },
        &ctx, 0.0);
    auto M = variant == 1 ? make_ssor(A.view(), 1.5) : variant == 2 ? make_ic0(A.view()) : nullptr;
    Vec x(static_cast<size_t>(A.n), 0.0);
    IterResult r = solve(e, A, b, x, M.get(), opt, &ctl);
    CHECK(r.reason == Reason::Aborted && r.iterations == 25 && r.history.size() == 26);
    const double tr = true_residual(A, b.data(), x.data());
    CHECK(tr < norm(b) && std::fabs(r.value - tr) <= 1e-9 * tr);
  }
  // time limit
  {
    Control ctl;
    ctl.set_time_limit_ms(1e-3);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    Vec x(static_cast<size_t>(A.n), 0.0);
    IterResult r = solve(e, A, b, x, nullptr, opt, &ctl);
    CHECK(r.reason == Reason::TimeLimit && r.iterations == 0);
  }
  // non-finite: b with a NaN, or an infinite matrix entry
  {
    Vec bn = b;
    bn[5] = NAN;
    Vec x(static_cast<size_t>(A.n), 0.0);
    CHECK(solve(e, A, bn, x, nullptr, opt).reason == Reason::NonFinite);
    Mat Ai = A;
    Ai.v[100] = INFINITY;
    std::fill(x.begin(), x.end(), 0.0);
    CHECK(solve(e, Ai, b, x, nullptr, opt).reason == Reason::NonFinite);
  }
  // indefinite A: pᵀAp ≤ 0
  {
    const Mat D = build(30, [](int64_t i, Mat& m) { m.add(i, i == 4 ? -1.0 : 1.0 + i); });
    const Vec bb(30, 1.0);
    Vec x(30, 0.0);
    IterResult r = solve(e, D, bb, x, nullptr, opt);
    CHECK(r.reason == Reason::Indefinite);
    CHECK(std::isfinite(r.value) && r.value > 0);
    // A with a zero or negative diagonal fails the same way with a preconditioner built on it
    const Mat P = poisson2d(8);
    const Mat Pn = build(64, [&](int64_t i, Mat& m) {
      for (int32_t k = P.rp[i]; k < P.rp[i + 1]; ++k)
        m.add(P.ci[k], P.ci[k] == i && i == 9 ? -4.0 : P.v[k]);
    });
    const Vec b64 = random_vec(64, 4);
    for (auto& M : {make_jacobi(Pn.view()), make_ssor(Pn.view(), 1.2)}) {
      Vec y(64, 0.0);
      CHECK(solve(e, P, b64, y, M.get(), opt).reason == Reason::Indefinite);  // rᵀM⁻¹r ≤ 0
    }
  }
}

// Textbook SSOR-PCG (forward and backward sweeps each iteration) for the Eisenstat comparison.
static int64_t reference_ssor_pcg(const Mat& A, double omega, const Vec& b, Vec& x, double rtol) {
  const int64_t n = A.n;
  Vec d(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k)
      if (A.ci[k] == i) d[i] = A.v[k];
  auto precond = [&](const Vec& r, Vec& z) {  // z = ω(2−ω)(D+ωU)⁻¹ D (D+ωL)⁻¹ r
    for (int64_t i = 0; i < n; ++i) {
      double s = r[i];
      for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k)
        if (A.ci[k] < i) s -= omega * A.v[k] * z[A.ci[k]];
      z[i] = s / d[i];
    }
    for (int64_t i = 0; i < n; ++i) z[i] *= d[i];
    for (int64_t i = n - 1; i >= 0; --i) {
      double s = z[i];
      for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k)
        if (A.ci[k] > i) s -= omega * A.v[k] * z[A.ci[k]];
      z[i] = s / d[i];
    }
    for (double& v : z) v *= omega * (2 - omega);
  };
  auto matvec = [&](const Vec& p, Vec& q) {
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k) s += A.v[k] * p[A.ci[k]];
      q[i] = s;
    }
  };
  Vec r(static_cast<size_t>(n)), z(r.size()), p(r.size()), q(r.size());
  matvec(x, q);
  for (int64_t i = 0; i < n; ++i) r[i] = b[i] - q[i];
  const double tol = rtol * norm(b);
  precond(r, z);
  p = z;
  double rz = 0;
  for (int64_t i = 0; i < n; ++i) rz += r[i] * z[i];
  for (int64_t it = 1; it < 100000; ++it) {
    matvec(p, q);
    double pq = 0;
    for (int64_t i = 0; i < n; ++i) pq += p[i] * q[i];
    const double alpha = rz / pq;
    for (int64_t i = 0; i < n; ++i) x[i] += alpha * p[i], r[i] -= alpha * q[i];
    if (norm(r) <= tol) return it;
    precond(r, z);
    double rz2 = 0;
    for (int64_t i = 0; i < n; ++i) rz2 += r[i] * z[i];
    for (int64_t i = 0; i < n; ++i) p[i] = z[i] + rz2 / rz * p[i];
    rz = rz2;
  }
  return -1;
}

static void test_pcg(const Engine& e) {
  // Poisson with a random symmetric diagonal scaling (so Jacobi has work to do), and a random SPD
  // matrix without entries next to the diagonal.
  const Mat P = poisson2d(48);
  std::mt19937_64 g(11);
  std::uniform_real_distribution<double> u(0.2, 5);
  Vec s(static_cast<size_t>(P.n));
  for (double& v : s) v = u(g);
  Mat S = P;
  for (int64_t i = 0; i < S.n; ++i)
    for (int32_t k = S.rp[i]; k < S.rp[i + 1]; ++k) S.v[k] *= s[i] * s[S.ci[k]];
  const Mat R = random_spd(400, 12);
  for (const Mat* A : {static_cast<const Mat*>(&S), &R}) {
    const Vec b = random_vec(A->n, 13);
    SolveOptions opt;
    opt.rtol = 1e-8;
    opt.max_iterations = 20000;
    opt.history = true;
    Vec x(static_cast<size_t>(A->n), 0.0);
    const IterResult plain = solve(e, *A, b, x, nullptr, opt);
    CHECK(plain.reason == Reason::Rtol);
    std::printf("  pcg on %s (n=%lld): none %lld", A == &S ? "scaled Poisson" : "random SPD",
                (long long)A->n, (long long)plain.iterations);
    for (auto& M : {make_jacobi(A->view()), make_ssor(A->view(), 1.0), make_ssor(A->view(), 1.6),
                    make_ic0(A->view()), make_ilu0(A->view()), make_identity(A->n)}) {
      Vec y(x.size(), 0.0);
      const IterResult r = solve(e, *A, b, y, M.get(), opt);
      std::printf(", %s %lld", M->kind(), (long long)r.iterations);
      CHECK(r.reason == Reason::Rtol);
      CHECK(true_residual(*A, b.data(), y.data()) <= 1e-8 * norm(b));
      CHECK(std::fabs(r.value - true_residual(*A, b.data(), y.data())) <= 1e-6 * r.value);
      CHECK(r.history.size() == static_cast<size_t>(r.iterations) + 1);
      CHECK(rel(y, x) <= 1e-5);
      const std::string kind = M->kind();
      if (kind == "identity") CHECK(r.iterations == plain.iterations);
      else if (A == &S) CHECK(r.iterations < plain.iterations);
      if (kind == "ssor") CHECK(r.matvecs <= 3);  // Eisenstat: no product with A per iteration
      else CHECK(r.matvecs == r.iterations + 2);
    }
    std::printf("\n");
  }
  // Eisenstat's SSOR-PCG takes the iterations of the textbook SSOR-PCG
  for (const Mat* A : {static_cast<const Mat*>(&S), &R}) {
    const Vec b = random_vec(A->n, 14);
    for (double omega : {1.0, 1.5, 1.8}) {
      SolveOptions opt;
      opt.rtol = 1e-9;
      opt.max_iterations = 20000;
      Vec x(static_cast<size_t>(A->n), 0.0), y = x;
      const IterResult r = solve(e, *A, b, x, make_ssor(A->view(), omega).get(), opt);
      const int64_t ref = reference_ssor_pcg(*A, omega, b, y, opt.rtol);
      if (std::llabs(r.iterations - ref) > 1)
        std::printf("  eisenstat %lld vs textbook %lld (omega %g)\n", (long long)r.iterations,
                    (long long)ref, omega);
      CHECK(r.reason == Reason::Rtol && std::llabs(r.iterations - ref) <= 1);
      CHECK(rel(x, y) <= 1e-6);
    }
  }
  // an SSOR built from another matrix (here P for S) still preconditions S, through apply()
  {
    const Vec b = random_vec(S.n, 18);
    SolveOptions opt;
    opt.rtol = 1e-9;
    opt.max_iterations = 5000;
    Vec x(static_cast<size_t>(S.n), 0.0);
    auto M = make_ssor(P.view(), 1.5);
    const IterResult r = solve(e, S, b, x, M.get(), opt);
    CHECK(r.reason == Reason::Rtol && true_residual(S, b.data(), x.data()) <= 1e-9 * norm(b));
    CHECK(r.matvecs == r.iterations + 2);
  }
  // the Eisenstat form with residual replacement and from a non-zero start
  {
    const Vec b = random_vec(S.n, 15);
    SolveOptions opt;
    opt.rtol = 1e-10;
    opt.max_iterations = 5000;
    opt.true_residual_every = 5;
    Vec x = random_vec(S.n, 16);
    auto M = make_ssor(S.view(), 1.5);
    const IterResult r = solve(e, S, b, x, M.get(), opt);
    CHECK(r.reason == Reason::Rtol && true_residual(S, b.data(), x.data()) <= 1e-10 * norm(b));
    CHECK(r.matvecs == 1 + r.iterations / 5 + (r.iterations % 5 != 0 ? 1 : 0));
  }
}

// 1 and 2 threads give bit-identical results (n large enough for the pool to be used).
static void test_threads() {
  const Mat A = poisson2d(270);
  const Vec b = random_vec(A.n, 17);
  SolveOptions opt;
  opt.rtol = 1e-5;
  opt.max_iterations = 3000;
  opt.history = true;
  for (int variant = 0; variant < 4; ++variant) {
    auto M = variant == 1   ? make_jacobi(A.view())
             : variant == 2 ? make_ssor(A.view(), 1.5)
             : variant == 3 ? make_ic0(A.view())
                            : nullptr;
    Vec x1(static_cast<size_t>(A.n), 0.0), x2 = x1;
    ThreadPool p1(1), p2(2);
    Engine e1{kernels_for(detect_simd()), &p1}, e2{kernels_for(detect_simd()), &p2};
    const IterResult r1 = solve(e1, A, b, x1, M.get(), opt), r2 = solve(e2, A, b, x2, M.get(), opt);
    CHECK(r1.reason == Reason::Rtol && r1.iterations == r2.iterations);
    CHECK(x1 == x2 && r1.history == r2.history && r1.value == r2.value);
  }
  // batch
  const int64_t k = 3;
  Vec B(static_cast<size_t>(A.n * k));
  for (size_t i = 0; i < B.size(); ++i) B[i] = std::sin(0.001 * double(i));
  Vec X1(B.size(), 0.0), X2 = X1;
  ThreadPool p1(1), p2(2);
  Engine e1{kernels_for(detect_simd()), &p1}, e2{kernels_for(detect_simd()), &p2};
  Control c1, c2;
  auto r1 = cg_batch(e1, A.view(), B.data(), X1.data(), k, nullptr, opt, c1);
  auto r2 = cg_batch(e2, A.view(), B.data(), X2.data(), k, nullptr, opt, c2);
  CHECK(X1 == X2);
  for (int64_t c = 0; c < k; ++c)
    CHECK(r1[c].iterations == r2[c].iterations && r1[c].history == r2[c].history);
}

static void test_batch(const Engine& e) {
  const Mat A = poisson2d(30);
  const int64_t n = A.n;
  SolveOptions opt;
  opt.rtol = 1e-8;
  opt.max_iterations = 2000;
  opt.history = true;
  for (int64_t k : {1, 3, 8, 11}) {
    for (int variant = 0; variant < 3; ++variant) {
      auto M = variant == 1 ? make_jacobi(A.view()) : variant == 2 ? make_ic0(A.view()) : nullptr;
      Vec B(static_cast<size_t>(n * k)), X(B.size());
      for (int64_t c = 0; c < k; ++c) {
        const Vec bc = random_vec(n, 100 + unsigned(c));
        const Vec xc = random_vec(n, 200 + unsigned(c));
        for (int64_t i = 0; i < n; ++i) {
          // column 1: b = 0; column 2: a multiple of column 0, which converges with it
          B[c * n + i] = c == 1 ? 0.0 : c == 2 ? 3.0 * B[i] : bc[i];
          X[c * n + i] = c % 2 == 0 ? 0.0 : 0.1 * xc[i];
        }
      }
      const Vec X0 = X;
      Control ctl;
      const std::vector<IterResult> rs =
          cg_batch(e, A.view(), B.data(), X.data(), k, M.get(), opt, ctl);
      CHECK(rs.size() == static_cast<size_t>(k));
      for (int64_t c = 0; c < k; ++c) {
        Vec b(B.begin() + c * n, B.begin() + (c + 1) * n),
            x(X0.begin() + c * n, X0.begin() + (c + 1) * n);
        const IterResult one = solve(e, A, b, x, M.get(), opt);
        const IterResult& r = rs[static_cast<size_t>(c)];
        const Vec xb(X.begin() + c * n, X.begin() + (c + 1) * n);
        CHECK(r.reason == one.reason);
        CHECK(r.iterations == one.iterations);
        CHECK(r.matvecs == one.matvecs);
        CHECK(r.history.size() == one.history.size());
        CHECK(rel(xb, x) <= 1e-6);
        CHECK(true_residual(A, b.data(), xb.data()) <= std::fmax(1e-8 * norm(b), 0.0));
        CHECK(std::fabs(r.value - true_residual(A, b.data(), xb.data())) <=
              1e-6 * r.value + 1e-300);
        if (r.iterations != one.iterations)
          std::printf("  batch k=%lld col %lld: %lld vs %lld iterations\n", (long long)k,
                      (long long)c, (long long)r.iterations, (long long)one.iterations);
      }
      if (k > 1) CHECK(rs[1].iterations == 0 && rs[1].reason == Reason::Rtol && rs[1].value == 0);
    }
  }
  // max_iterations, per-column values
  {
    const int64_t k = 3;
    Vec B(static_cast<size_t>(n * k)), X(B.size(), 0.0);
    for (size_t i = 0; i < B.size(); ++i) B[i] = std::cos(0.01 * double(i));
    SolveOptions mo = opt;
    mo.max_iterations = 7;
    Control ctl;
    auto rs = cg_batch(e, A.view(), B.data(), X.data(), k, nullptr, mo, ctl);
    for (int64_t c = 0; c < k; ++c) {
      CHECK(rs[c].reason == Reason::MaxIterations && rs[c].iterations == 7 &&
            rs[c].history.size() == 8);
      CHECK(rs[c].matvecs == 9);
      CHECK(std::fabs(rs[c].value - true_residual(A, B.data() + c * n, X.data() + c * n)) <=
            1e-9 * rs[c].value);
    }
  }
  // abort: before the start, and from the progress callback at iteration 12
  {
    const int64_t k = 4;
    Vec B(static_cast<size_t>(n * k)), X(B.size(), 0.0);
    for (size_t i = 0; i < B.size(); ++i) B[i] = std::sin(0.37 * double(i));
    std::atomic<bool> flag{true};
    Control pre;
    pre.set_abort_flag(&flag);
    auto rs = cg_batch(e, A.view(), B.data(), X.data(), k, nullptr, opt, pre);
    for (const IterResult& r : rs) CHECK(r.reason == Reason::Aborted && r.iterations == 0);
    CHECK(X == Vec(X.size(), 0.0));
    flag = false;
    Control ctl;
    ctl.set_abort_flag(&flag);
    ctl.set_progress(
        [](void* f, const ProgressInfo& info) {
          if (info.iteration >= 12) static_cast<std::atomic<bool>*>(f)->store(true);
        },
        &flag, 0.0);
    rs = cg_batch(e, A.view(), B.data(), X.data(), k, make_ilu0(A.view()).get(), opt, ctl);
    for (int64_t c = 0; c < k; ++c) {
      CHECK(rs[c].reason == Reason::Aborted && rs[c].iterations == 12 &&
            rs[c].history.size() == 13);
      const double tr = true_residual(A, B.data() + c * n, X.data() + c * n);
      CHECK(tr > 0 && tr < norm(Vec(B.begin() + c * n, B.begin() + (c + 1) * n)));
      CHECK(std::fabs(rs[c].value - tr) <= 1e-9 * tr);
    }
  }
  // an indefinite column stops alone; the others go on
  {
    const Mat D = build(40, [](int64_t i, Mat& m) { m.add(i, i == 4 ? -1.0 : 1.0 + i); });
    Vec B(80, 0.0), X(80, 0.0);
    for (int i = 0; i < 40; ++i) B[i] = 1.0;  // hits the negative eigenvalue
    for (int i = 0; i < 40; ++i) B[40 + i] = i == 4 ? 0.0 : 1.0;
    Control ctl;
    auto rs = cg_batch(e, D.view(), B.data(), X.data(), 2, nullptr, opt, ctl);
    CHECK(rs[0].reason == Reason::Indefinite && rs[1].reason == Reason::Rtol);
    CHECK(true_residual(D, B.data() + 40, X.data() + 40) <= 1e-8 * std::sqrt(39.0));
  }
  // with an indefinite M: column 0 (b = e_4) stops at once (rᵀM⁻¹r < 0), the others behave as
  // their single solves (the preconditioned vectors are squeezed with the rest)
  {
    const Mat Pn = build(n, [&](int64_t i, Mat& m) {
      for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k)
        m.add(A.ci[k], A.ci[k] == i && i == 4 ? -4.0 : A.v[k]);
    });
    auto M = make_jacobi(Pn.view());
    const int64_t k = 3;
    Vec B(static_cast<size_t>(n * k), 0.0), X(B.size(), 0.0);
    B[4] = 1.0;
    for (int64_t i = 0; i < n; ++i)
      B[n + i] = std::sin(0.2 * double(i)), B[2 * n + i] = std::cos(0.3 * double(i));
    Control ctl;
    auto rs = cg_batch(e, A.view(), B.data(), X.data(), k, M.get(), opt, ctl);
    CHECK(rs[0].reason == Reason::Indefinite && rs[0].iterations == 0);
    for (int64_t c = 0; c < k; ++c) {
      Vec b(B.begin() + c * n, B.begin() + (c + 1) * n), x(static_cast<size_t>(n), 0.0);
      const IterResult one = solve(e, A, b, x, M.get(), opt);
      CHECK(rs[c].reason == one.reason && rs[c].iterations == one.iterations);
      CHECK(rel(Vec(X.begin() + c * n, X.begin() + (c + 1) * n), x) <= 1e-6);
    }
  }
  Control none;
  CHECK(cg_batch(e, A.view(), nullptr, nullptr, 0, nullptr, opt, none).empty());
}

// CG and batched CG with the Engine's scratch workspace: the same bits as without one, even when
// the reused buffers hold NaNs from before (every vector is written before it is read); a warm
// solve allocates nothing; the leases are all returned.
static void test_workspace(const Engine& e) {
  const Mat A = poisson2d(40);
  const Vec b = random_vec(A.n, 11);
  SolveOptions opt;
  opt.rtol = 1e-8;
  opt.max_iterations = 2000;
  opt.history = true;
  Workspace ws;
  Engine ew{e.k, e.pool, &ws};
  auto poison = [&] {
    std::vector<ScratchVec> held;
    for (int i = 0; i < 12; ++i) {
      held.push_back(ws.take(A.n * 3));
      for (int64_t j = 0; j < A.n * 3; ++j) held.back()[j] = std::nan("");
    }
  };
  std::unique_ptr<Preconditioner> Ms[] = {nullptr, make_jacobi(A.view()), make_ssor(A.view(), 1.4),
                                          make_ic0(A.view())};
  for (const auto& M : Ms) {
    for (bool zero : {false, true}) {
      SolveOptions o = opt;
      o.zero_start = zero;
      Vec x0(static_cast<size_t>(A.n), 0.0), x1 = x0, x2 = x0;
      const IterResult r0 = solve(e, A, b, x0, M.get(), o);
      poison();
      const IterResult r1 = solve(ew, A, b, x1, M.get(), o);
      const uint64_t allocs = ws.stats().allocations;
      const IterResult r2 = solve(ew, A, b, x2, M.get(), o);
      CHECK(r0.reason == Reason::Rtol && r1.reason == r0.reason && r2.reason == r0.reason);
      CHECK(r1.iterations == r0.iterations && r2.iterations == r0.iterations);
      CHECK(x1 == x0 && x2 == x0 && r1.history == r0.history && r1.value == r0.value);
      CHECK(ws.stats().allocations == allocs);  // warm: no new buffer
      CHECK(ws.stats().held == 0);
    }
  }
  // batched CG, with and without M
  const int64_t k = 3, n = A.n;
  Vec B(static_cast<size_t>(n * k));
  for (size_t i = 0; i < B.size(); ++i) B[i] = std::sin(0.13 * double(i));
  for (const auto& M : {std::unique_ptr<Preconditioner>(), make_ic0(A.view())}) {
    Vec X0(B.size(), 0.0), X1 = X0;
    Control c0, c1;
    auto r0 = cg_batch(e, A.view(), B.data(), X0.data(), k, M.get(), opt, c0);
    poison();
    auto r1 = cg_batch(ew, A.view(), B.data(), X1.data(), k, M.get(), opt, c1);
    CHECK(X1 == X0);
    for (int64_t c = 0; c < k; ++c)
      CHECK(r1[c].reason == Reason::Rtol && r1[c].iterations == r0[c].iterations &&
            r1[c].history == r0[c].history);
    CHECK(ws.stats().held == 0);
  }
}

// Progress: iteration 0 comes first (value = the initial residual, fraction 0), every fraction
// is in [0, 1], and a converged solve's last report has fraction 1.
static void test_progress_fraction(const Engine& e) {
  CHECK(krylov::progress_fraction(1.0, 1e-4, 1e-8) == 0.5);
  CHECK(krylov::progress_fraction(1.0, 2.0, 1e-8) == 0.0);
  CHECK(krylov::progress_fraction(1.0, 1e-9, 1e-8) == 1.0);
  CHECK(krylov::progress_fraction(1.0, 0.5, 0.0) == -1.0);
  CHECK(krylov::progress_fraction(0.0, 0.0, 1e-8) == -1.0);
  CHECK(krylov::progress_fraction(1.0, std::nan(""), 1e-8) == -1.0);
  const Mat A = poisson2d(40);
  const Vec b = random_vec(A.n, 12);
  struct Log {
    std::vector<ProgressInfo> reports;
  };
  for (int variant = 0; variant < 3; ++variant) {
    auto M = variant == 1 ? make_ssor(A.view(), 1.5) : variant == 2 ? make_ic0(A.view()) : nullptr;
    SolveOptions opt;
    opt.rtol = 1e-8;
    opt.max_iterations = 2000;
    opt.zero_start = true;
    Log log;
    Control ctl;
    ctl.set_progress(
        [](void* c, const ProgressInfo& info) { static_cast<Log*>(c)->reports.push_back(info); },
        &log, 0.0);
    Vec x(static_cast<size_t>(A.n), 0.0);
    const IterResult r = solve(e, A, b, x, M.get(), opt, &ctl);
    CHECK(r.reason == Reason::Rtol);
    CHECK(log.reports.size() == static_cast<size_t>(r.iterations) + 1);
    CHECK(log.reports.front().iteration == 0 && log.reports.front().fraction == 0.0);
    CHECK(std::fabs(log.reports.front().value - norm(b)) <= 1e-12 * norm(b));
    CHECK(log.reports.front().total == opt.max_iterations);
    bool in_range = true;
    for (const ProgressInfo& p : log.reports)
      in_range = in_range && p.fraction >= 0.0 && p.fraction <= 1.0;
    CHECK(in_range);
    CHECK(log.reports.back().iteration == r.iterations && log.reports.back().fraction == 1.0);
    // about halfway in log-residual terms, the fraction is about a half
    const ProgressInfo& mid = log.reports[log.reports.size() / 2];
    CHECK(mid.fraction > 0.2 && mid.fraction < 0.8);
  }
  // batched: iteration 0 first, fraction 0; the last report of a converged batch is the least
  // done column's fraction, in (0, 1]
  {
    const int64_t k = 2, n = A.n;
    Vec B(static_cast<size_t>(n * k)), X(B.size(), 0.0);
    for (size_t i = 0; i < B.size(); ++i) B[i] = std::cos(0.21 * double(i));
    SolveOptions opt;
    Log log;
    Control ctl;
    ctl.set_progress(
        [](void* c, const ProgressInfo& info) { static_cast<Log*>(c)->reports.push_back(info); },
        &log, 0.0);
    auto rs = cg_batch(e, A.view(), B.data(), X.data(), k, nullptr, opt, ctl);
    CHECK(rs[0].reason == Reason::Rtol && rs[1].reason == Reason::Rtol);
    CHECK(!log.reports.empty() && log.reports.front().iteration == 0 &&
          log.reports.front().fraction == 0.0);
    bool in_range = true;
    for (const ProgressInfo& p : log.reports)
      in_range = in_range && p.fraction >= 0.0 && p.fraction <= 1.0;
    CHECK(in_range && log.reports.back().fraction > 0.5);
  }
}

int main() {
  std::printf("krylov_cg_tests (detected SIMD: %s)\n", simd_name(detect_simd()));
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  test_preconditioner_values(e);
  test_concurrent_apply();
  test_pivot_errors();
  test_cg_poisson(e);
  test_cg_true_residual_every(e);
  test_cg_stops(e);
  test_pcg(e);
  test_threads();
  test_batch(e);
  test_workspace(e);
  test_progress_fraction(e);
  std::printf("krylov_cg_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
