// Tests of native/krylov/lanczos: the dense symmetric eigensolver (residuals, orthogonality,
// order, structured cases), thick-restart Lanczos against known spectra (random orthogonal
// similarity transforms of chosen eigenvalues: spread, clustered, repeated; k close to n; the
// dense path), the 2D Poisson matrix against its analytic eigenvalues, v0 (including an
// eigenvector: an invariant start), determinism (same seed, 1 vs 2 threads: the same bits),
// orthonormal vectors, shift-invert through a dense inverse operator, stops and errors.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/core/operator.hpp"
#include "../../native/core/threadpool.hpp"
#include "../../native/kernels/kernels.hpp"
#include "../../native/krylov/eigsh.hpp"
#include "../../native/krylov/lanczos.hpp"
#include "check.hpp"

using namespace itersolve;

namespace {

using Vec = std::vector<double>;

// A dense symmetric n×n operator (column-major).
class DenseOp final : public LinearOperator {
 public:
  DenseOp(int64_t n, Vec a) : n_(n), a_(std::move(a)) {}
  int64_t rows() const override { return n_; }
  int64_t cols() const override { return n_; }
  bool apply(const Engine&, const double* x, double* y) const override {
    ++calls;
    for (int64_t i = 0; i < n_; ++i) y[i] = 0.0;
    for (int64_t j = 0; j < n_; ++j) {
      const double xj = x[j];
      const double* c = a_.data() + j * n_;
      for (int64_t i = 0; i < n_; ++i) y[i] += c[i] * xj;
    }
    if (fail_after >= 0 && calls > fail_after) return false;
    if (nan_after >= 0 && calls > nan_after) y[0] = NAN;
    return true;
  }
  const Vec& data() const { return a_; }
  mutable int64_t calls = 0;
  int64_t fail_after = -1, nan_after = -1;

 private:
  int64_t n_;
  Vec a_;
};

// Q diag(lambda) Qᵀ with Q a product of 4 seeded random Householder reflectors: the spectrum is
// lambda exactly (up to rounding), the eigenvectors dense.
struct Known {
  int64_t n;
  Vec A;       // n×n column-major
  Vec lambda;  // ascending
};
Known known(const Vec& lambda_in, uint32_t seed) {
  Known K;
  K.n = static_cast<int64_t>(lambda_in.size());
  K.lambda = lambda_in;
  std::sort(K.lambda.begin(), K.lambda.end());
  const int64_t n = K.n;
  K.A.assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    K.A[static_cast<size_t>(i + i * n)] = lambda_in[static_cast<size_t>(i)];
  std::mt19937 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  for (int r = 0; r < 4; ++r) {
    Vec v(static_cast<size_t>(n));
    double s = 0.0;
    for (auto& x : v) {
      x = N(rng);
      s += x * x;
    }
    const double tau = 2.0 / s;
    // A ← H A H, H = I − τ v vᵀ: p = A v, A ← A − τ v pᵀ − τ p vᵀ + τ² (vᵀp) v vᵀ
    Vec p(static_cast<size_t>(n), 0.0);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < n; ++i) p[i] += K.A[static_cast<size_t>(i + j * n)] * v[j];
    double vp = 0.0;
    for (int64_t i = 0; i < n; ++i) vp += v[i] * p[i];
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < n; ++i)
        K.A[static_cast<size_t>(i + j * n)] +=
            -tau * v[i] * p[j] - tau * p[i] * v[j] + tau * tau * vp * v[i] * v[j];
  }
  for (int64_t j = 0; j < n; ++j)  // exactly symmetric
    for (int64_t i = 0; i < j; ++i)
      K.A[static_cast<size_t>(j + i * n)] = K.A[static_cast<size_t>(i + j * n)];
  return K;
}

double max_abs(const Vec& a) {
  double m = 0.0;
  for (double x : a) m = std::max(m, std::fabs(x));
  return m;
}

// max_j ‖A x_j − λ_j x_j‖ / max(|λ_j|, tiny) and max |XᵀX − I|.
void check_pairs(const DenseOp& A, const EigResult& r, double resTol, double orthTol,
                 const char* what) {
  const int64_t n = A.rows(), k = static_cast<int64_t>(r.values.size());
  Engine e{kernels_for(detect_simd()), nullptr};
  double worst = 0.0, orth = 0.0;
  Vec y(static_cast<size_t>(n));
  for (int64_t j = 0; j < k; ++j) {
    const double* x = r.vectors.data() + j * n;
    A.apply(e, x, y.data());
    A.calls--;
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += (y[i] - r.values[j] * x[i]) * (y[i] - r.values[j] * x[i]);
    worst = std::max(worst, std::sqrt(s) / std::max(std::fabs(r.values[j]), 1e-300));
    for (int64_t c = 0; c <= j; ++c) {
      double d = 0.0;
      for (int64_t i = 0; i < n; ++i) d += x[i] * r.vectors[static_cast<size_t>(i + c * n)];
      orth = std::max(orth, std::fabs(d - (c == j ? 1.0 : 0.0)));
    }
  }
  for (int64_t j = 1; j < k; ++j) CHECK(r.values[j - 1] <= r.values[j]);
  if (!(worst <= resTol) || !(orth <= orthTol))
    std::fprintf(stderr, "%s: residual %.3g (tol %.3g), orthogonality %.3g\n", what, worst, resTol,
                 orth);
  CHECK(worst <= resTol);
  CHECK(orth <= orthTol);
}

// values vs the k largest / smallest of lambda, relative to max |lambda|.
double value_error(const EigResult& r, const Vec& lambda, bool largest) {
  const int64_t k = static_cast<int64_t>(r.values.size()), n = static_cast<int64_t>(lambda.size());
  double scale = 0.0, err = 0.0;
  for (double x : lambda) scale = std::max(scale, std::fabs(x));
  for (int64_t j = 0; j < k; ++j) {
    const double ref =
        largest ? lambda[static_cast<size_t>(n - k + j)] : lambda[static_cast<size_t>(j)];
    err = std::max(err, std::fabs(r.values[static_cast<size_t>(j)] - ref) / scale);
  }
  return err;
}

void test_dense_eigen() {
  std::mt19937 rng(7);
  std::normal_distribution<double> N(0.0, 1.0);
  for (int64_t m : {1, 2, 3, 5, 8, 17, 40, 90}) {
    Vec A(static_cast<size_t>(m * m));
    for (int64_t j = 0; j < m; ++j)
      for (int64_t i = 0; i <= j; ++i)
        A[static_cast<size_t>(i + j * m)] = A[static_cast<size_t>(j + i * m)] = N(rng);
    Vec Z = A, w(static_cast<size_t>(m));
    dense::symmetric_eigen(m, Z.data(), m, w.data());
    double res = 0.0, orth = 0.0, norm = 0.0;
    for (double x : A) norm = std::max(norm, std::fabs(x));
    for (int64_t j = 0; j < m; ++j) {
      for (int64_t i = 0; i < m; ++i) {
        double s = 0.0;
        for (int64_t p = 0; p < m; ++p)
          s += A[static_cast<size_t>(i + p * m)] * Z[static_cast<size_t>(p + j * m)];
        res = std::max(res, std::fabs(s - w[j] * Z[static_cast<size_t>(i + j * m)]));
      }
      for (int64_t c = 0; c < m; ++c) {
        double d = 0.0;
        for (int64_t i = 0; i < m; ++i)
          d += Z[static_cast<size_t>(i + j * m)] * Z[static_cast<size_t>(i + c * m)];
        orth = std::max(orth, std::fabs(d - (c == j ? 1.0 : 0.0)));
      }
      if (j > 0) CHECK(w[j - 1] <= w[j]);
    }
    CHECK(res <= 1e-13 * m * norm);
    CHECK(orth <= 1e-13 * m);
  }
  // The lower triangle is ignored (the upper one is the matrix).
  {
    Vec A = {2, 99, 1, 2};  // column-major: A(1,0) = 99 ignored, A(0,1) = 1
    Vec w(2);
    dense::symmetric_eigen(2, A.data(), 2, w.data());
    CHECK(std::fabs(w[0] - 1.0) < 1e-15 && std::fabs(w[1] - 3.0) < 1e-15);
  }
  // Diagonal, zero and repeated eigenvalues (the Householder steps are trivial or exact).
  {
    const int64_t m = 6;
    Vec A(static_cast<size_t>(m * m), 0.0), w(static_cast<size_t>(m));
    const double d[] = {3, -1, 3, 0, 3, 2};
    for (int64_t i = 0; i < m; ++i) A[static_cast<size_t>(i + i * m)] = d[i];
    dense::symmetric_eigen(m, A.data(), m, w.data());
    const double want[] = {-1, 0, 2, 3, 3, 3};
    for (int64_t i = 0; i < m; ++i) CHECK(w[i] == want[i]);
    Vec Zr(static_cast<size_t>(m * m), 0.0);
    dense::symmetric_eigen(m, Zr.data(), m, w.data());
    CHECK(max_abs(w) == 0.0);
  }
  // The 1D Laplacian tridiag(-1, 2, -1): λ_j = 2 − 2 cos(jπ/(m+1)).
  {
    const int64_t m = 50;
    Vec A(static_cast<size_t>(m * m), 0.0), w(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) {
      A[static_cast<size_t>(i + i * m)] = 2;
      if (i + 1 < m)
        A[static_cast<size_t>(i + (i + 1) * m)] = A[static_cast<size_t>(i + 1 + i * m)] = -1;
    }
    dense::symmetric_eigen(m, A.data(), m, w.data());
    double err = 0.0;
    for (int64_t j = 0; j < m; ++j)
      err = std::max(err, std::fabs(w[j] - (2 - 2 * std::cos((j + 1) * M_PI / (m + 1)))));
    CHECK(err < 1e-14);
  }
}

EigResult run(const Engine& e, const LinearOperator& A, LanczosOptions o) {
  Control ctl;
  return lanczos(e, A, o, ctl);
}

void test_known_spectra(const Engine& e) {
  // Spread spectrum, both ends, several k.
  {
    Vec lam(300);
    for (int i = 0; i < 300; ++i) lam[i] = -5.0 + 0.05 * i + 0.001 * std::sin(i);
    Known K = known(lam, 11);
    DenseOp A(K.n, K.A);
    for (int64_t k : {1, 3, 6, 12}) {
      for (bool largest : {true, false}) {
        LanczosOptions o;
        o.k = k;
        o.largest = largest;
        EigResult r = run(e, A, o);
        CHECK(r.converged && r.reason == Reason::Tol && r.nconv == k);
        CHECK(static_cast<int64_t>(r.values.size()) == k);
        CHECK(value_error(r, K.lambda, largest) < 1e-13);
        check_pairs(A, r, 1e-11, 1e-12, "spread");
        CHECK(r.matvecs > 0 && r.iterations >= 1);
      }
    }
    // magnitude: the spectrum is in [-5, 10]: the largest |λ| are the largest λ.
    LanczosOptions o;
    o.magnitude = true;
    EigResult r = run(e, A, o);
    CHECK(r.converged && value_error(r, K.lambda, true) < 1e-13);
  }
  // Clustered: the wanted end is a tight cluster (gaps 1e-6 relative) — many restarts.
  {
    Vec lam(400);
    for (int i = 0; i < 400; ++i) lam[i] = i < 394 ? 0.002 * i : 1.0 + 1e-6 * (i - 394);
    Known K = known(lam, 12);
    DenseOp A(K.n, K.A);
    LanczosOptions o;
    o.k = 6;
    EigResult r = run(e, A, o);
    CHECK(r.converged);
    CHECK(value_error(r, K.lambda, true) < 1e-12);
    check_pairs(A, r, 1e-10, 1e-12, "clustered");
    CHECK(r.iterations > 1);
  }
  // Repeated eigenvalues inside and at the wanted end: every returned pair is an eigenpair of
  // the spectrum; Lanczos from one start vector sees one copy of a repeated eigenvalue in exact
  // arithmetic (as ARPACK), so the check is on what it returns, not on the multiplicity.
  {
    Vec lam(200);
    for (int i = 0; i < 200; ++i) lam[i] = 0.01 * i;
    lam[199] = lam[198] = lam[197] = 3.0;
    lam[190] = lam[191] = 2.5;
    Known K = known(lam, 13);
    DenseOp A(K.n, K.A);
    LanczosOptions o;
    o.k = 4;
    EigResult r = run(e, A, o);
    CHECK(r.converged);
    CHECK(std::fabs(r.values[3] - 3.0) < 1e-13);
    for (double v : r.values) {
      double d = 1e300;
      for (double x : K.lambda) d = std::min(d, std::fabs(v - x));
      CHECK(d < 1e-12);
    }
    check_pairs(A, r, 1e-11, 1e-11, "repeated");
  }
  // k close to n: the Lanczos path (ncv < n) and the dense path (ncv = n).
  {
    Vec lam(100);
    for (int i = 0; i < 100; ++i) lam[i] = 1.0 + i + 0.3 * std::cos(3.0 * i);
    Known K = known(lam, 14);
    DenseOp A(K.n, K.A);
    for (int64_t k : {40, 49, 90, 99}) {
      LanczosOptions o;
      o.k = k;
      o.largest = (k % 2) == 0;
      EigResult r = run(e, A, o);
      CHECK(r.converged);
      CHECK(value_error(r, K.lambda, o.largest) < 1e-13);
      check_pairs(A, r, 1e-11, 1e-11, "k close to n");
      if (k >= 90) CHECK(r.matvecs == 100 && r.iterations == 1);  // dense: n products
    }
    LanczosOptions o;
    o.k = 5;
    o.ncv = 7;  // the smallest sensible basis: slow but converges
    EigResult r = run(e, A, o);
    CHECK(r.converged && value_error(r, K.lambda, true) < 1e-12);
    o.ncv = 100;  // dense path asked for
    r = run(e, A, o);
    CHECK(r.converged && r.matvecs == 100 && value_error(r, K.lambda, true) < 1e-13);
  }
}

// 2D Poisson 5-point on an N×N grid: λ = 4 sin²(iπ/(2(N+1))) + 4 sin²(jπ/(2(N+1))).
struct Csr {
  int64_t n;
  std::vector<int32_t> rowPtr, colIdx;
  Vec values;
  CsrView view() const { return {n, n, rowPtr.data(), colIdx.data(), values.data()}; }
};
Csr poisson2d(int N) {
  Csr A;
  A.n = static_cast<int64_t>(N) * N;
  A.rowPtr.push_back(0);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      auto add = [&](int ii, int jj, double v) {
        A.colIdx.push_back(ii * N + jj);
        A.values.push_back(v);
      };
      if (i > 0) add(i - 1, j, -1);
      if (j > 0) add(i, j - 1, -1);
      add(i, j, 4);
      if (j + 1 < N) add(i, j + 1, -1);
      if (i + 1 < N) add(i + 1, j, -1);
      A.rowPtr.push_back(static_cast<int32_t>(A.colIdx.size()));
    }
  return A;
}
Vec poisson_spectrum(int N) {
  Vec s;
  for (int i = 1; i <= N; ++i)
    for (int j = 1; j <= N; ++j) {
      const double a = std::sin(i * M_PI / (2.0 * (N + 1))),
                   b = std::sin(j * M_PI / (2.0 * (N + 1)));
      s.push_back(4 * a * a + 4 * b * b);
    }
  std::sort(s.begin(), s.end());
  return s;
}

void test_poisson(const Engine& e) {
  const int N = 30;
  Csr P = poisson2d(N);
  CsrOperator A(P.view());
  Vec spec = poisson_spectrum(N);
  // The square grid's eigenvalues come in pairs (i, j) / (j, i): distinct values only.
  Vec distinct;
  for (double x : spec)
    if (distinct.empty() || x - distinct.back() > 1e-10) distinct.push_back(x);
  LanczosOptions o;
  o.k = 1;
  EigResult r = run(e, A, o);
  CHECK(r.converged && std::fabs(r.values[0] - spec.back()) < 1e-12 * spec.back());
  o.k = 1;
  o.largest = false;
  o.tol = 1e-10;
  r = run(e, A, o);
  CHECK(r.converged);
  CHECK(std::fabs(r.values[0] - spec.front()) < 1e-9 * spec.back());
  // Residual of the pair (the vector is an eigenvector to tol·|θ|).
  Vec y(static_cast<size_t>(P.n));
  A.apply(e, r.vectors.data(), y.data());
  double s = 0;
  for (int64_t i = 0; i < P.n; ++i) s += std::pow(y[i] - r.values[0] * r.vectors[i], 2);
  CHECK(std::sqrt(s) < 1e-8 * r.values[0] + 1e-9);
}

void test_v0_and_determinism(const Engine& e1, const Engine& e2) {
  Vec lam(500);
  for (int i = 0; i < 500; ++i) lam[i] = std::pow(1.01, i);
  Known K = known(lam, 21);
  DenseOp A(K.n, K.A);
  LanczosOptions o;
  o.k = 5;
  o.seed = 3;
  EigResult a = run(e1, A, o), b = run(e1, A, o);
  CHECK(a.values == b.values && a.vectors == b.vectors && a.matvecs == b.matvecs);
  o.seed = 4;
  EigResult c = run(e1, A, o);
  CHECK(c.converged && value_error(c, K.lambda, true) < 1e-13);
  CHECK(c.vectors != a.vectors);  // another start (the same answer to tolerance)
  // v0 given: the seed does not matter.
  Vec v0(500, 1.0);
  o.v0 = v0.data();
  EigResult d = run(e1, A, o);
  o.seed = 99;
  EigResult f = run(e1, A, o);
  CHECK(d.values == f.values && d.vectors == f.vectors);
  CHECK(d.converged && value_error(d, K.lambda, true) < 1e-13);
  // v0 an eigenvector of the wanted end: the Krylov space is invariant at once (breakdown in
  // the first step); the run goes on with fresh directions and still finds all k.
  {
    Vec diag(200);
    for (int i = 0; i < 200; ++i) diag[i] = 1.0 + i;
    Vec Ad(200 * 200, 0.0);
    for (int i = 0; i < 200; ++i) Ad[static_cast<size_t>(i + i * 200)] = diag[i];
    DenseOp D(200, Ad);
    Vec ev(200, 0.0);
    ev[199] = 1.0;
    LanczosOptions q;
    q.k = 3;
    q.v0 = ev.data();
    EigResult g = run(e1, D, q);
    CHECK(g.converged);
    CHECK(g.values.size() == 3 && g.values[0] == g.values[0]);
    CHECK(std::fabs(g.values[0] - 198) < 1e-12 && std::fabs(g.values[1] - 199) < 1e-12 &&
          std::fabs(g.values[2] - 200) < 1e-12);
    check_pairs(D, g, 1e-12, 1e-12, "invariant start");
  }
  // 1 vs 2 threads on an operator large enough for the parallel passes: the same bits.
  {
    // n = 40000 (n·cols ≥ 2^16): tridiagonal, diagonal i/n with the top 6 set apart, −0.1 off
    // the diagonal (dense eigenvectors near the top).
    Csr P;
    P.n = 40000;
    P.rowPtr.push_back(0);
    for (int64_t i = 0; i < P.n; ++i) {
      if (i > 0) P.colIdx.push_back(static_cast<int32_t>(i - 1)), P.values.push_back(-0.1);
      P.colIdx.push_back(static_cast<int32_t>(i));
      P.values.push_back(i < P.n - 6 ? static_cast<double>(i) / P.n : 2.0 + 0.5 * (i - P.n + 6));
      if (i + 1 < P.n) P.colIdx.push_back(static_cast<int32_t>(i + 1)), P.values.push_back(-0.1);
      P.rowPtr.push_back(static_cast<int32_t>(P.colIdx.size()));
    }
    CsrOperator A2(P.view());
    LanczosOptions q;
    q.k = 4;
    q.tol = 1e-8;
    q.seed = 5;
    Control c1, c2;
    EigResult x1 = lanczos(e1, A2, q, c1), x2 = lanczos(e2, A2, q, c2);
    CHECK(x1.converged && x2.converged);
    CHECK(x1.values == x2.values && x1.vectors == x2.vectors && x1.matvecs == x2.matvecs);
  }
}

// (A − σI)⁻¹ as a dense operator, from the known eigen-decomposition route: the inverse is
// formed by the dense solver (eigenvectors Z, values w): Z diag(1/(w − σ)) Zᵀ.
DenseOp dense_inverse(const Known& K, double sigma) {
  const int64_t n = K.n;
  Vec Z = K.A, w(static_cast<size_t>(n));
  dense::symmetric_eigen(n, Z.data(), n, w.data());
  Vec inv(static_cast<size_t>(n * n), 0.0);
  for (int64_t p = 0; p < n; ++p) {
    const double s = 1.0 / (w[p] - sigma);
    for (int64_t j = 0; j < n; ++j) {
      const double zj = Z[static_cast<size_t>(j + p * n)] * s;
      for (int64_t i = 0; i < n; ++i)
        inv[static_cast<size_t>(i + j * n)] += Z[static_cast<size_t>(i + p * n)] * zj;
    }
  }
  return DenseOp(n, inv);
}

void test_shift_invert(const Engine& e) {
  Vec lam(250);
  for (int i = 0; i < 250; ++i) lam[i] = -3.0 + 0.04 * i + 1e-3 * std::cos(i);
  Known K = known(lam, 31);
  DenseOp A(K.n, K.A);
  // nearest σ = 1.23 (inside the spectrum, A − σI indefinite)
  const double sigma = 1.23;
  DenseOp inv = dense_inverse(K, sigma);
  LanczosOptions o;
  o.k = 6;
  Control ctl;
  EigResult r = lanczos_shift_invert(e, inv, sigma, o, ctl);
  CHECK(r.converged);
  Vec byDist = K.lambda;
  std::sort(byDist.begin(), byDist.end(),
            [&](double a, double b) { return std::fabs(a - sigma) < std::fabs(b - sigma); });
  byDist.resize(6);
  std::sort(byDist.begin(), byDist.end());
  double err = 0;
  for (int j = 0; j < 6; ++j) err = std::max(err, std::fabs(r.values[j] - byDist[j]));
  CHECK(err < 1e-12);
  check_pairs(A, r, 1e-10, 1e-11, "shift-invert nearest");
  // smallest: σ below the spectrum (as eigsh picks for an indefinite A: a Gershgorin bound)
  const double low = -4.0;
  DenseOp inv2 = dense_inverse(K, low);
  Control ctl2;
  EigResult s = lanczos_shift_invert(e, inv2, low, o, ctl2);
  CHECK(s.converged && value_error(s, K.lambda, false) < 1e-13);
  check_pairs(A, s, 1e-10, 1e-11, "shift-invert smallest");
}

void test_stops_and_errors(const Engine& e) {
  Vec lam(300);
  for (int i = 0; i < 300; ++i) lam[i] = 1.0 + 1e-4 * i;  // slow: tiny relative gaps
  Known K = known(lam, 41);
  DenseOp A(K.n, K.A);
  {  // max iterations
    LanczosOptions o;
    o.k = 6;
    o.max_iterations = 2;
    EigResult r = run(e, A, o);
    CHECK(!r.converged && r.reason == Reason::MaxIterations && r.iterations == 2);
    CHECK(r.values.size() == 6 && r.vectors.size() == 300 * 6);
    for (double v : r.values) CHECK(v >= 1.0 - 1e-12 && v <= 1.0299 + 1e-12);
  }
  {  // abort before anything: NaN values, zero vectors
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    LanczosOptions o;
    EigResult r = lanczos(e, A, o, ctl);
    CHECK(r.reason == Reason::Aborted && !r.converged && r.matvecs == 0);
    CHECK(r.values.size() == 6 && std::isnan(r.values[0]) && max_abs(r.vectors) == 0.0);
  }
  {  // the operator fails after 30 products: Aborted with the Ritz pairs of 30 vectors
    DenseOp B(K.n, K.A);
    B.fail_after = 30;
    LanczosOptions o;
    EigResult r = run(e, B, o);
    CHECK(r.reason == Reason::Aborted && r.matvecs == 31);
    for (double v : r.values) CHECK(v >= 1.0 - 1e-9 && v <= 1.0299 + 1e-9);
  }
  {  // a NaN product
    DenseOp B(K.n, K.A);
    B.nan_after = 5;
    LanczosOptions o;
    EigResult r = run(e, B, o);
    CHECK(r.reason == Reason::NonFinite && !r.converged);
  }
  {  // time limit
    Control ctl;
    ctl.set_time_limit_ms(1e-3);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    LanczosOptions o;
    EigResult r = lanczos(e, A, o, ctl);
    CHECK(r.reason == Reason::TimeLimit);
  }
  auto argument_of = [&](LanczosOptions o, const LinearOperator& op) -> std::string {
    try {
      run(e, op, o);
    } catch (const SolverError& err) {
      return std::string(err.code) + " " + err.argument;
    }
    return "no error";
  };
  LanczosOptions o;
  o.k = 0;
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT k");
  o.k = 300;
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT k");
  o.k = 6;
  o.ncv = 6;
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT ncv");
  o.ncv = 301;
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT ncv");
  o.ncv = -1;
  Vec zero(300, 0.0);
  o.v0 = zero.data();
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT v0");
  o.v0 = nullptr;
  o.tol = -1;
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT tol");
  o.tol = 0;
  o.max_iterations = 0;
  CHECK(argument_of(o, A) == "ERR_INVALID_ARGUMENT maxIterations");
  Csr P = poisson2d(3);
  CsrView rect = P.view();
  rect.cols = 8;
  CsrOperator R(rect);
  CHECK(argument_of(LanczosOptions{}, R) == "ERR_DIMENSION_MISMATCH A");
}

// eigsh on CSR matrices: shift-invert through the sparse Cholesky / LDLᵀ factor.
void test_eigsh(const Engine& e) {
  const int N = 20;
  Csr P = poisson2d(N);  // SPD: 'smallest' shifts by σ = 0
  CsrOperator A(P.view());
  Vec spec = poisson_spectrum(N);
  LanczosOptions o;
  o.k = 6;
  Control c1;
  EigshInfo info;
  EigResult r = eigsh(e, A, EigWhich::Smallest, 0.0, o, c1, &info);
  CHECK(r.converged && info.shift_invert && info.sigma == 0.0 && !info.ldlt && info.nnzL > 0);
  double err = 0.0;
  for (int j = 0; j < 6; ++j) err = std::max(err, std::fabs(r.values[j] - spec[j]) / spec[j]);
  CHECK(err < 1e-12);
  CHECK(r.matvecs < 100);  // shift-invert: fast
  // Largest: plain Lanczos.
  Control c2;
  r = eigsh(e, A, EigWhich::Largest, 0.0, o, c2, &info);
  err = 0.0;
  for (int j = 0; j < 6; ++j)
    err = std::max(err, std::fabs(r.values[j] - spec[spec.size() - 6 + j]) / spec.back());
  CHECK(r.converged && !info.shift_invert && err < 1e-13);
  // Nearest σ = 3.1 (inside the spectrum: LDLᵀ of an indefinite A − σI).
  Control c3;
  r = eigsh(e, A, EigWhich::Nearest, 3.1, o, c3, &info);
  CHECK(r.converged && info.shift_invert && info.ldlt && info.sigma == 3.1);
  Vec near = spec;
  std::stable_sort(near.begin(), near.end(),
                   [](double a, double b) { return std::fabs(a - 3.1) < std::fabs(b - 3.1); });
  near.resize(6);
  std::sort(near.begin(), near.end());
  err = 0.0;
  for (int j = 0; j < 6; ++j) err = std::max(err, std::fabs(r.values[j] - near[j]));
  CHECK(err < 1e-12);
  // An indefinite A (Poisson − 2I): 'smallest' falls back to the Gershgorin shift.
  Csr Q = P;
  for (int64_t i = 0; i < Q.n; ++i)
    for (int32_t p = Q.rowPtr[i]; p < Q.rowPtr[i + 1]; ++p)
      if (Q.colIdx[p] == i) Q.values[p] -= 2.0;
  CsrOperator B(Q.view());
  CHECK(gershgorin_lower(Q.view()) == -2.0);
  Control c4;
  r = eigsh(e, B, EigWhich::Smallest, 0.0, o, c4, &info);
  CHECK(r.converged && info.shift_invert && info.sigma < -2.0 && info.sigma > -2.001);
  err = 0.0;
  for (int j = 0; j < 6; ++j) err = std::max(err, std::fabs(r.values[j] - (spec[j] - 2.0)));
  CHECK(err < 1e-12);
  // A singular PSD matrix (a graph Laplacian: the 1D path): Cholesky fails at the last pivot or
  // succeeds with a tiny one; either way the zero eigenvalue comes out.
  {
    Csr L;
    L.n = 300;
    L.rowPtr.push_back(0);
    for (int64_t i = 0; i < L.n; ++i) {
      const double deg = (i > 0) + (i + 1 < L.n);
      if (i > 0) L.colIdx.push_back(static_cast<int32_t>(i - 1)), L.values.push_back(-1);
      L.colIdx.push_back(static_cast<int32_t>(i)), L.values.push_back(deg);
      if (i + 1 < L.n) L.colIdx.push_back(static_cast<int32_t>(i + 1)), L.values.push_back(-1);
      L.rowPtr.push_back(static_cast<int32_t>(L.colIdx.size()));
    }
    CsrOperator Lop(L.view());
    LanczosOptions q;
    q.k = 3;
    Control c5;
    r = eigsh(e, Lop, EigWhich::Smallest, 0.0, q, c5, &info);
    CHECK(r.converged);
    // λ_j = 2 − 2 cos(jπ/n), j = 0, 1, 2
    for (int j = 0; j < 3; ++j)
      CHECK(std::fabs(r.values[j] - (2 - 2 * std::cos(j * M_PI / 300))) < 1e-10);
  }
  // Errors: a nonsymmetric A ('smallest' factorises), 'nearest' on an operator without entries,
  // a non-finite σ, σ an eigenvalue of a diagonal matrix (a zero pivot).
  auto code_of = [&](const LinearOperator& op, EigWhich w, double sigma) -> std::string {
    try {
      Control c;
      eigsh(e, op, w, sigma, o, c);
    } catch (const SolverError& err) {
      return std::string(err.code) + " " + err.argument;
    }
    return "no error";
  };
  Csr U = P;
  U.values[1] = -0.5;  // (0, 1) no longer equals (1, 0)
  CsrOperator Uop(U.view());
  CHECK(code_of(Uop, EigWhich::Smallest, 0.0).rfind("ERR_NOT_SYMMETRIC", 0) == 0);
  DenseOp D(P.n, Vec(static_cast<size_t>(P.n * P.n), 0.0));
  CHECK(code_of(D, EigWhich::Nearest, 1.0) == "ERR_UNSUPPORTED sigma");
  CHECK(code_of(A, EigWhich::Nearest, NAN) == "ERR_INVALID_ARGUMENT sigma");
  {
    Csr Dg;
    Dg.n = 50;
    Dg.rowPtr.push_back(0);
    for (int64_t i = 0; i < 50; ++i) {
      Dg.colIdx.push_back(static_cast<int32_t>(i));
      Dg.values.push_back(1.0 + i);
      Dg.rowPtr.push_back(static_cast<int32_t>(i + 1));
    }
    CsrOperator Dop(Dg.view());
    CHECK(code_of(Dop, EigWhich::Nearest, 7.0).rfind("ERR_SINGULAR", 0) == 0);
  }
  // Abort before the factorisation: no pairs.
  {
    std::atomic<bool> flag{true};
    Control c;
    c.set_abort_flag(&flag);
    r = eigsh(e, A, EigWhich::Smallest, 0.0, o, c, &info);
    CHECK(r.reason == Reason::Aborted && std::isnan(r.values[0]) && !r.converged);
  }
}

}  // namespace

int main() {
  const auto t0 = std::chrono::steady_clock::now();
  ThreadPool p1(1), p2(2);
  Engine e1{kernels_for(detect_simd()), &p1}, e2{kernels_for(detect_simd()), &p2};
  auto timed = [&](const char* name, auto&& f) {
    const auto a = std::chrono::steady_clock::now();
    f();
    if (std::getenv("LANCZOS_TESTS_TIMES"))
      std::printf("  %s: %.3f s\n", name,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  };
  timed("dense eigen", [&] { test_dense_eigen(); });
  timed("known spectra", [&] { test_known_spectra(e1); });
  timed("poisson", [&] { test_poisson(e1); });
  timed("v0 and determinism", [&] { test_v0_and_determinism(e1, e2); });
  timed("shift-invert", [&] { test_shift_invert(e2); });
  timed("stops and errors", [&] { test_stops_and_errors(e1); });
  timed("eigsh (shift-invert)", [&] { test_eigsh(e2); });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("lanczos_tests: %d checks, %d failures (%.2f s)\n", checks, failures, s);
  return failures == 0 ? 0 : 1;
}
