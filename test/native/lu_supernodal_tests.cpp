// Tests of native/direct/lu_supernodal (SupernodalLu): solutions against a dense partial-pivoting
// reference on seeded random unsymmetric matrices with a nearly symmetric pattern (identity,
// random and AMD orderings), upwind convection-diffusion grids (2D, 3D), pivoting inside a
// diagonal block, rejection (nullptr) when no block row passes the threshold, ERR_SINGULAR in
// the original column numbering, transpose solves, several right-hand sides, refactor (new
// values, rejection, wrong pattern), results independent of the thread count, abort / time
// limit, argument errors, n = 0 and 1.
#include <algorithm>
#include <atomic>
#include <functional>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../../native/core/control.hpp"
#include "../../native/core/errors.hpp"
#include "../../native/core/ops.hpp"
#include "../../native/direct/amd.hpp"
#include "../../native/direct/lu_supernodal.hpp"
#include "check.hpp"

using namespace itersolve;
using namespace itersolve::direct;

namespace {

struct Csr {
  int32_t n = 0;
  std::vector<int32_t> rowPtr{0};
  std::vector<int32_t> colIdx;
  std::vector<double> values;
  CsrView view() const { return CsrView{n, n, rowPtr.data(), colIdx.data(), values.data()}; }
  std::vector<double> dense() const {
    std::vector<double> D(static_cast<size_t>(n) * n, 0.0);  // row-major
    for (int32_t i = 0; i < n; ++i)
      for (int32_t p = rowPtr[i]; p < rowPtr[i + 1]; ++p) D[i * n + colIdx[p]] += values[p];
    return D;
  }
};

// From a dense row-major matrix: the nonzeros (and the diagonal when keepDiag).
Csr fromDense(int32_t n, const std::vector<double>& D, bool keepDiag = false) {
  Csr A;
  A.n = n;
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t j = 0; j < n; ++j)
      if (D[i * n + j] != 0.0 || (keepDiag && i == j)) {
        A.colIdx.push_back(j);
        A.values.push_back(D[i * n + j]);
      }
    A.rowPtr.push_back(static_cast<int32_t>(A.colIdx.size()));
  }
  return A;
}

// Random unsymmetric values on a nearly symmetric pattern: a random symmetric pattern of the
// given density, then a fraction `drop` of the off-diagonal entries removed from one side only.
// Diagonal: |row sum| · dominance (dominance > 1: no pivot can be rejected).
Csr randomNearlySymmetric(int32_t n, double density, double drop, double dominance,
                          std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0), c(0.0, 1.0);
  std::vector<double> D(static_cast<size_t>(n) * n, 0.0);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t j = 0; j < i; ++j)
      if (c(rng) < density) {
        D[i * n + j] = u(rng);
        D[j * n + i] = u(rng);
        if (c(rng) < drop) D[(c(rng) < 0.5 ? i * n + j : j * n + i)] = 0.0;
      }
  for (int32_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int32_t j = 0; j < n; ++j) s += std::fabs(D[i * n + j]);
    D[i * n + i] = (s + 0.5) * dominance * (c(rng) < 0.5 ? -1.0 : 1.0);
  }
  return fromDense(n, D);
}

// Upwind convection-diffusion on an N^dim grid (the issue-12 bench's generator): per axis the
// diffusion stencil (−1, 2, −1) plus pe·h·(1 on the diagonal, −1 on the lower neighbour).
Csr convectionDiffusion(int32_t N, int dim, double pe = 10.0) {
  const double h = 1.0 / (N + 1);
  const int64_t n = dim == 2 ? int64_t(N) * N : int64_t(N) * N * N;
  Csr A;
  A.n = static_cast<int32_t>(n);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t c[3] = {r % N, (r / N) % N, r / N / N};
    std::vector<std::pair<int64_t, double>> e;
    double d = 0.0;
    int64_t stride = 1;
    for (int a = 0; a < dim; ++a) {
      d += 2.0 + pe * h;
      if (c[a] > 0) e.push_back({r - stride, -1.0 - pe * h});
      if (c[a] < N - 1) e.push_back({r + stride, -1.0});
      stride *= N;
    }
    e.push_back({r, d});
    std::sort(e.begin(), e.end());
    for (auto& [j, x] : e) {
      A.colIdx.push_back(static_cast<int32_t>(j));
      A.values.push_back(x);
    }
    A.rowPtr.push_back(static_cast<int32_t>(A.colIdx.size()));
  }
  return A;
}

// Dense Gaussian elimination with partial pivoting: X (n × nrhs, column-major) = op(A)⁻¹ B.
std::vector<double> denseSolve(int32_t n, std::vector<double> D, std::vector<double> B,
                               int64_t nrhs, bool transpose) {
  if (transpose)
    for (int32_t i = 0; i < n; ++i)
      for (int32_t j = 0; j < i; ++j) std::swap(D[i * n + j], D[j * n + i]);
  for (int32_t k = 0; k < n; ++k) {
    int32_t p = k;
    for (int32_t i = k + 1; i < n; ++i)
      if (std::fabs(D[i * n + k]) > std::fabs(D[p * n + k])) p = i;
    if (p != k) {
      for (int32_t j = 0; j < n; ++j) std::swap(D[k * n + j], D[p * n + j]);
      for (int64_t r = 0; r < nrhs; ++r) std::swap(B[k + r * n], B[p + r * n]);
    }
    for (int32_t i = k + 1; i < n; ++i) {
      const double l = D[i * n + k] / D[k * n + k];
      for (int32_t j = k; j < n; ++j) D[i * n + j] -= l * D[k * n + j];
      for (int64_t r = 0; r < nrhs; ++r) B[i + r * n] -= l * B[k + r * n];
    }
  }
  for (int64_t r = 0; r < nrhs; ++r)
    for (int32_t i = n - 1; i >= 0; --i) {
      double s = B[i + r * n];
      for (int32_t j = i + 1; j < n; ++j) s -= D[i * n + j] * B[j + r * n];
      B[i + r * n] = s / D[i * n + i];
    }
  return B;
}

// max over columns of ‖b − op(A) x‖∞ / (‖A‖∞ ‖x‖∞ + ‖b‖∞).
double relResidual(const Csr& A, const double* x, const double* b, int64_t nrhs, int64_t ld,
                   bool transpose) {
  const int32_t n = A.n;
  double anorm = 0.0;
  std::vector<double> rowsum(n, 0.0), colsum(n, 0.0);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
      rowsum[i] += std::fabs(A.values[p]);
      colsum[A.colIdx[p]] += std::fabs(A.values[p]);
    }
  for (int32_t i = 0; i < n; ++i) anorm = std::max(anorm, transpose ? colsum[i] : rowsum[i]);
  double worst = 0.0;
  for (int64_t r = 0; r < nrhs; ++r) {
    std::vector<double> res(b + r * ld, b + r * ld + n);
    const double* xr = x + r * ld;
    for (int32_t i = 0; i < n; ++i)
      for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
        if (transpose) res[A.colIdx[p]] -= A.values[p] * xr[i];
        else res[i] -= A.values[p] * xr[A.colIdx[p]];
      }
    double rn = 0.0, xn = 0.0, bn = 0.0;
    for (int32_t i = 0; i < n; ++i) {
      rn = std::max(rn, std::fabs(res[i]));
      xn = std::max(xn, std::fabs(xr[i]));
      bn = std::max(bn, std::fabs(b[r * ld + i]));
    }
    worst = std::max(worst, rn / (anorm * xn + bn + 1e-300));
  }
  return worst;
}

std::vector<int32_t> identityPerm(int32_t n) {
  std::vector<int32_t> p(n);
  for (int32_t i = 0; i < n; ++i) p[i] = i;
  return p;
}
std::vector<int32_t> randomPerm(int32_t n, std::mt19937& rng) {
  std::vector<int32_t> p = identityPerm(n);
  std::shuffle(p.begin(), p.end(), rng);
  return p;
}
std::vector<int32_t> amdPerm(const Csr& A) {
  return amd_order(A.n, A.rowPtr.data(), A.colIdx.data()).perm;
}

std::vector<double> randomRhs(int64_t len, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> b(static_cast<size_t>(len));
  for (double& v : b) v = u(rng);
  return b;
}

const char* errorCode(const std::function<void()>& fn, int64_t* column = nullptr,
                      std::string* argument = nullptr) {
  try {
    fn();
  } catch (const SolverError& err) {
    if (column) *column = err.column;
    if (argument) *argument = err.argument;
    return err.code;
  }
  return "";
}

// Factorise, solve (plain and transpose, 3 right-hand sides with ldb > n) and compare with the
// dense reference.
void checkSolves(const Engine& e, const Csr& A, const std::vector<int32_t>& perm, double tol,
                 std::mt19937& rng, const char* what) {
  const int32_t n = A.n;
  auto F = SupernodalLu::factorize(e, A.view(), perm, 0.1, nullptr);
  CHECK(F != nullptr);
  if (!F) {
    std::fprintf(stderr, "  case %s: rejected\n", what);
    return;
  }
  const std::vector<double> D = A.dense();
  const int64_t nrhs = 3, ld = n + 2;
  for (int t = 0; t < 2; ++t) {
    const bool tr = t == 1;
    std::vector<double> B = randomRhs(ld * nrhs, rng), X = B;
    F->solve(e, X.data(), nrhs, ld, tr);
    const double rr = relResidual(A, X.data(), B.data(), nrhs, ld, tr);
    std::vector<double> Bc(static_cast<size_t>(n) * nrhs);
    for (int64_t r = 0; r < nrhs; ++r)
      for (int32_t i = 0; i < n; ++i) Bc[i + r * n] = B[i + r * ld];
    const std::vector<double> Xd = denseSolve(n, D, Bc, nrhs, tr);
    double diff = 0.0, xn = 0.0;
    bool padding = true;
    for (int64_t r = 0; r < nrhs; ++r) {
      for (int32_t i = 0; i < n; ++i) {
        diff = std::max(diff, std::fabs(X[i + r * ld] - Xd[i + r * n]));
        xn = std::max(xn, std::fabs(Xd[i + r * n]));
      }
      for (int64_t i = n; i < ld; ++i) padding = padding && X[i + r * ld] == B[i + r * ld];
    }
    CHECK(rr <= tol);
    CHECK(diff <= 1e-9 * (xn + 1.0));
    CHECK(padding);  // rows past n of each column untouched
    if (rr > tol || diff > 1e-9 * (xn + 1.0))
      std::fprintf(stderr, "  case %s transpose=%d: residual %.2e diff %.2e\n", what, t, rr, diff);
  }
}

void testRandom(const Engine& e) {
  std::mt19937 rng(12345);
  const int32_t sizes[] = {1, 2, 3, 5, 8, 13, 20, 40, 70, 120};
  const double densities[] = {0.02, 0.08, 0.3};
  int cases = 0;
  int64_t interchanges = 0;
  for (int32_t n : sizes)
    for (double dens : densities)
      for (int ord = 0; ord < 3; ++ord) {
        const double dominance = ord == 0 ? 1.5 : 0.03;  // 0.03: interchanges, some rejections
        Csr A = randomNearlySymmetric(n, dens, 0.2, dominance, rng);
        std::vector<int32_t> perm = ord == 0   ? identityPerm(n)
                                    : ord == 1 ? randomPerm(n, rng)
                                               : amdPerm(A);
        auto F = SupernodalLu::factorize(e, A.view(), perm, 0.1, nullptr);
        if (dominance > 1.0) CHECK(F != nullptr);
        if (!F) continue;  // a weakly dominant case rejected in its block: the caller's fallback
        ++cases;
        interchanges += F->offDiagonalPivots();
        char what[64];
        std::snprintf(what, sizeof what, "random n=%d dens=%.2f ord=%d", n, dens, ord);
        checkSolves(e, A, perm, 1e-12, rng, what);
        CHECK(F->nnzL() >= n && F->nnzU() >= n);
      }
  CHECK(cases >= 60);  // many weakly dominant cases factorise too
  CHECK(interchanges >= 20);  // and they exercise the interchanges inside the blocks
  std::printf("random: %d cases factorised, %lld row interchanges\n", cases,
              static_cast<long long>(interchanges));
}

void testConvectionDiffusion(const Engine& e) {
  std::mt19937 rng(7);
  const Csr A2 = convectionDiffusion(12, 2), A3 = convectionDiffusion(6, 3);
  checkSolves(e, A2, amdPerm(A2), 1e-12, rng, "cd 2D 12");
  checkSolves(e, A2, identityPerm(A2.n), 1e-12, rng, "cd 2D 12 natural");
  checkSolves(e, A3, amdPerm(A3), 1e-12, rng, "cd 3D 6");
  // Strong convection (pe = 2000: off-diagonals dominate) still factorises on these grids.
  const Csr S = convectionDiffusion(10, 2, 2000.0);
  checkSolves(e, S, amdPerm(S), 1e-12, rng, "cd 2D 10 pe 2000");
  // nnz of L and U: ≥ the lower / upper triangles of A (L includes the unit diagonal).
  auto F = SupernodalLu::factorize(e, A2.view(), amdPerm(A2), 0.1, nullptr);
  CHECK(F && F->nnzL() >= (A2.rowPtr[A2.n] + A2.n) / 2 && F->nnzU() == F->nnzL());
  CHECK(F && F->supernodes() >= 1 && F->supernodes() <= A2.n && F->flops() > 0);
}

// A dense 6 × 6 block (one supernode) whose first diagonal entries fail the threshold but other
// rows of the block pass: interchanges inside the block, then the solution checked.
void testBlockPivoting(const Engine& e) {
  std::mt19937 rng(99);
  const int32_t n = 6;
  std::vector<double> D(n * n);
  std::uniform_real_distribution<double> u(0.5, 1.0);
  for (double& v : D) v = u(rng);
  D[0 * n + 0] = 1e-4;  // column 0: diagonal fails τ = 0.1
  D[1 * n + 1] = 0.0;   // an exactly zero diagonal entry as well
  const Csr A = fromDense(n, D, true);
  auto F = SupernodalLu::factorize(e, A.view(), identityPerm(n), 0.1, nullptr);
  CHECK(F != nullptr);
  if (!F) return;
  CHECK(F->supernodes() == 1);
  CHECK(F->offDiagonalPivots() >= 1);
  checkSolves(e, A, identityPerm(n), 1e-12, rng, "block pivoting");
  // The same matrix inside a larger one (a tridiagonal tail coupled to the block).
  const int32_t m = 40;
  std::vector<double> E(static_cast<size_t>(m) * m, 0.0);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t j = 0; j < n; ++j) E[i * m + j] = D[i * n + j];
  for (int32_t i = n; i < m; ++i) {
    E[i * m + i] = 4.0;
    E[i * m + i - 1] = -1.0;
    E[(i - 1) * m + i] = -1.5;
  }
  const Csr B = fromDense(m, E, true);
  auto G = SupernodalLu::factorize(e, B.view(), identityPerm(m), 0.1, nullptr);
  CHECK(G != nullptr && G->offDiagonalPivots() >= 1);
  if (G) checkSolves(e, B, identityPerm(m), 1e-12, rng, "block pivoting, tail");
}

// Arrow matrix: leaves 0..n−2 each a supernode of width 1 whose structure is {i, hub}. Leaf 0's
// diagonal is tiny against its entry in the hub's row: nothing in its block passes -> nullptr.
void testRejection(const Engine& e) {
  const int32_t n = 6;
  std::vector<double> D(n * n, 0.0);
  for (int32_t i = 0; i < n - 1; ++i) {
    D[i * n + i] = 2.0;
    D[i * n + (n - 1)] = 1.0;
    D[(n - 1) * n + i] = 1.0;
  }
  D[(n - 1) * n + (n - 1)] = 10.0;
  D[0] = 1e-3;
  const Csr A = fromDense(n, D);
  CHECK(SupernodalLu::factorize(e, A.view(), identityPerm(n), 0.1, nullptr) == nullptr);
  // With τ = 0.0005 the diagonal passes; the solution is right.
  auto F = SupernodalLu::factorize(e, A.view(), identityPerm(n), 0.0005, nullptr);
  CHECK(F != nullptr);
  if (F) {
    std::vector<double> b = {1, 2, 3, 4, 5, 6}, x = b;
    F->solve(e, x.data(), 1, n, false);
    CHECK(relResidual(A, x.data(), b.data(), 1, n, false) <= 1e-12);
  }
  // refactor: good values, then the tiny diagonal (false, the factor refuses to solve), then
  // good values again.
  std::vector<double> G = D;
  G[0] = 2.0;
  const Csr Ag = fromDense(n, G);
  auto H = SupernodalLu::factorize(e, Ag.view(), identityPerm(n), 0.1, nullptr);
  CHECK(H != nullptr);
  if (H) {
    CHECK(!H->refactor(e, A.view(), nullptr));
    std::vector<double> x(n, 1.0);
    CHECK(std::string(errorCode([&] { H->solve(e, x.data(), 1, n, false); })) ==
          "ERR_INVALID_ARGUMENT");
    CHECK(H->refactor(e, Ag.view(), nullptr));
    std::vector<double> b = {1, -2, 3, -4, 5, -6};
    x = b;
    H->solve(e, x.data(), 1, n, false);
    CHECK(relResidual(Ag, x.data(), b.data(), 1, n, false) <= 1e-12);
  }
  // An exactly zero diagonal with τ = 0 is still rejected (never a zero pivot).
  std::vector<double> Z = D;
  Z[0] = 0.0;
  const Csr Az = fromDense(n, Z, true);
  CHECK(SupernodalLu::factorize(e, Az.view(), identityPerm(n), 0.0, nullptr) == nullptr);
}

void testSingular(const Engine& e) {
  std::mt19937 rng(5);
  // Column 3 of A entirely zero (row 3 is not): ERR_SINGULAR naming column 3 whatever the order.
  const int32_t n = 12;
  std::vector<double> D(n * n, 0.0);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int32_t i = 0; i < n; ++i) {
    D[i * n + i] = 5.0;
    if (i + 1 < n) D[i * n + i + 1] = u(rng);
    if (i > 0) D[i * n + i - 1] = u(rng);
  }
  for (int32_t i = 0; i < n; ++i) D[i * n + 3] = 0.0;
  D[3 * n + 7] = 1.0;
  const Csr A = fromDense(n, D);
  for (int t = 0; t < 3; ++t) {
    const std::vector<int32_t> perm = t == 0   ? identityPerm(n)
                                      : t == 1 ? randomPerm(n, rng)
                                               : amdPerm(A);
    int64_t col = -2;
    std::string arg;
    const std::string code =
        errorCode([&] { SupernodalLu::factorize(e, A.view(), perm, 0.1, nullptr); }, &col, &arg);
    CHECK(code == "ERR_SINGULAR");
    CHECK(col == 3);
    CHECK(arg == "A");
  }
  // Numerically singular: two equal rows in a dense 3 × 3 block.
  std::vector<double> S = {1, 2, 3, 1, 2, 3, 4, 5, 7};
  const Csr As = fromDense(3, S);
  int64_t col = -2;
  CHECK(std::string(errorCode(
            [&] { SupernodalLu::factorize(e, As.view(), identityPerm(3), 0.1, nullptr); }, &col)) ==
        "ERR_SINGULAR");
  CHECK(col == 2);
  // A NaN entry: ERR_SINGULAR (non-finite column).
  Csr An = convectionDiffusion(4, 2);
  An.values[5] = std::nan("");
  CHECK(std::string(errorCode([&] {
          SupernodalLu::factorize(e, An.view(), identityPerm(An.n), 0.1, nullptr);
        })) == "ERR_SINGULAR");
}

void testRefactor(const Engine& e) {
  std::mt19937 rng(31);
  Csr A = convectionDiffusion(9, 2);
  const std::vector<int32_t> perm = amdPerm(A);
  auto F = SupernodalLu::factorize(e, A.view(), perm, 0.1, nullptr);
  CHECK(F != nullptr);
  if (!F) return;
  // New values on the same pattern.
  Csr A2 = A;
  std::uniform_real_distribution<double> u(0.5, 1.5);
  for (double& v : A2.values) v *= u(rng);
  CHECK(F->refactor(e, A2.view(), nullptr));
  std::vector<double> b = randomRhs(A.n, rng), x = b;
  F->solve(e, x.data(), 1, A.n, false);
  CHECK(relResidual(A2, x.data(), b.data(), 1, A.n, false) <= 1e-12);
  // Same result as a fresh factorisation of A2 (same ordering): bitwise.
  auto G = SupernodalLu::factorize(e, A2.view(), perm, 0.1, nullptr);
  std::vector<double> y = b;
  G->solve(e, y.data(), 1, A.n, false);
  CHECK(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0);
  // The original values again (a transpose solve this time).
  CHECK(F->refactor(e, A.view(), nullptr));
  x = b;
  F->solve(e, x.data(), 1, A.n, true);
  CHECK(relResidual(A, x.data(), b.data(), 1, A.n, true) <= 1e-12);
  // A different pattern: ERR_INVALID_ARGUMENT naming A.
  Csr B = convectionDiffusion(9, 2, 0.0);
  B.colIdx[1] = B.colIdx[1] == 1 ? 2 : 1;
  std::sort(B.colIdx.begin() + B.rowPtr[0], B.colIdx.begin() + B.rowPtr[1]);
  std::string arg;
  CHECK(std::string(errorCode([&] { F->refactor(e, B.view(), nullptr); }, nullptr, &arg)) ==
        "ERR_INVALID_ARGUMENT");
  CHECK(arg == "A");
  // A singular refactor throws ERR_SINGULAR and leaves the factor invalid.
  Csr C = A;
  for (int32_t i = 0; i < A.n; ++i)
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
      if (A.colIdx[p] == 4) C.values[p] = 0.0;
  int64_t col = -2;
  CHECK(std::string(errorCode([&] { F->refactor(e, C.view(), nullptr); }, &col)) == "ERR_SINGULAR");
  CHECK(col == 4);
  CHECK(std::string(errorCode([&] { F->solve(e, x.data(), 1, A.n, false); })) ==
        "ERR_INVALID_ARGUMENT");
}

// Bitwise-equal factors and solutions with 1 and 2 threads, on fronts big enough for the
// threaded GEMM (3D 12^3 under AMD).
void testThreads(const Engine& e1, const Engine& e2) {
  std::mt19937 rng(2);
  const Csr A = convectionDiffusion(12, 3);
  const std::vector<int32_t> perm = amdPerm(A);
  auto F1 = SupernodalLu::factorize(e1, A.view(), perm, 0.1, nullptr);
  auto F2 = SupernodalLu::factorize(e2, A.view(), perm, 0.1, nullptr);
  CHECK(F1 && F2);
  if (!F1 || !F2) return;
  CHECK(F1->flops() > 5e6);
  const int64_t nrhs = 2;
  std::vector<double> b = randomRhs(A.n * nrhs, rng), x1 = b, x2 = b;
  F1->solve(e1, x1.data(), nrhs, A.n, false);
  F2->solve(e2, x2.data(), nrhs, A.n, false);
  CHECK(std::memcmp(x1.data(), x2.data(), x1.size() * sizeof(double)) == 0);
  CHECK(relResidual(A, x1.data(), b.data(), nrhs, A.n, false) <= 1e-12);
  // Several right-hand sides at once equal one at a time.
  std::vector<double> y = b;
  for (int64_t r = 0; r < nrhs; ++r) F1->solve(e1, y.data() + r * A.n, 1, A.n, false);
  CHECK(std::memcmp(x1.data(), y.data(), y.size() * sizeof(double)) == 0);
}

void testControlAndErrors(const Engine& e) {
  const Csr A = convectionDiffusion(6, 2);
  const std::vector<int32_t> perm = identityPerm(A.n);
  std::atomic<bool> flag{true};
  Control c1;
  c1.set_abort_flag(&flag);
  CHECK(std::string(errorCode([&] { SupernodalLu::factorize(e, A.view(), perm, 0.1, &c1); })) ==
        "ABORT_ERR");
  Control c2;
  c2.set_time_limit_ms(1e-6);
  CHECK(std::string(errorCode([&] { SupernodalLu::factorize(e, A.view(), perm, 0.1, &c2); })) ==
        "ERR_TIME_LIMIT");
  std::string arg;
  CHECK(std::string(errorCode(
            [&] { SupernodalLu::factorize(e, A.view(), std::vector<int32_t>(3, 0), 0.1, nullptr); },
            nullptr, &arg)) == "ERR_INVALID_ARGUMENT");
  CHECK(arg == "perm");
  std::vector<int32_t> dup = perm;
  dup[1] = dup[0];
  CHECK(std::string(errorCode([&] { SupernodalLu::factorize(e, A.view(), dup, 0.1, nullptr); },
                              nullptr, &arg)) == "ERR_INVALID_ARGUMENT");
  CHECK(arg == "perm");
  CHECK(std::string(errorCode([&] { SupernodalLu::factorize(e, A.view(), perm, 1.5, nullptr); },
                              nullptr, &arg)) == "ERR_INVALID_ARGUMENT");
  CHECK(arg == "pivotThreshold");
  CsrView rect = A.view();
  rect.cols = A.n + 1;
  CHECK(std::string(errorCode([&] { SupernodalLu::factorize(e, rect, perm, 0.1, nullptr); },
                              nullptr, &arg)) == "ERR_INVALID_ARGUMENT");
  CHECK(arg == "A");
  Csr bad = A;
  bad.colIdx[2] = A.n + 5;
  CHECK(std::string(errorCode([&] {
          SupernodalLu::factorize(e, bad.view(), perm, 0.1, nullptr);
        })) == "ERR_INVALID_MATRIX");
  auto F = SupernodalLu::factorize(e, A.view(), perm, 0.1, nullptr);
  std::vector<double> b(A.n, 1.0);
  CHECK(std::string(errorCode([&] { F->solve(e, b.data(), 1, A.n - 1, false); })) ==
        "ERR_INVALID_ARGUMENT");
  // n = 0 and n = 1.
  const Csr E;
  auto F0 = SupernodalLu::factorize(e, E.view(), {}, 0.1, nullptr);
  CHECK(F0 != nullptr && F0->nnzL() == 0);
  if (F0) F0->solve(e, nullptr, 1, 1, false);
  const Csr One = fromDense(1, {4.0});
  auto F1 = SupernodalLu::factorize(e, One.view(), {0}, 0.1, nullptr);
  double x = 2.0;
  F1->solve(e, &x, 1, 1, true);
  CHECK(x == 0.5);
}

}  // namespace

int main() {
  ThreadPool pool2(2);
  Engine e1{kernels_for(detect_simd()), nullptr, nullptr};
  Engine e2{kernels_for(detect_simd()), &pool2, nullptr};
  testRandom(e1);
  testConvectionDiffusion(e2);
  testBlockPivoting(e1);
  testRejection(e1);
  testSingular(e1);
  testRefactor(e2);
  testThreads(e1, e2);
  testControlAndErrors(e1);
  std::printf("lu_supernodal_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
