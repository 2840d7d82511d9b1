// Tests of native/direct/cholesky (supernodal LLᵀ / LDLᵀ): solutions, log-determinants and
// inertia against a dense reference on seeded random patterns (many sizes and densities,
// disconnected, dense rows, n = 0 / 1), multi-RHS with ldb > n, refactor (same pattern: bitwise
// the fresh factor; other pattern: an error; failed refactor invalidates solve), ERR_NOT_SPD /
// ERR_SINGULAR naming the ORIGINAL column under every ordering, symmetry checks, abort / time
// limit, and bitwise independence of the thread count. Also the dense kernels on their own.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/direct/cholesky.hpp"
#include "../../native/direct/dense_kernels.hpp"
#include "check.hpp"

using namespace itersolve;
using namespace itersolve::direct;

namespace {

struct Csr {
  int32_t n = 0;
  std::vector<int32_t> rowPtr{0};
  std::vector<int32_t> colIdx;
  std::vector<double> values;
  CsrView view() const {
    return CsrView{n, n, rowPtr.data(), colIdx.data(), values.empty() ? nullptr : values.data()};
  }
};

// From a dense symmetric matrix (row-major), keeping the entries flagged in `pattern` (and the
// diagonal when `diag`), in shuffled order within each row.
Csr fromDense(int32_t n, const std::vector<double>& M, const std::vector<char>& pattern,
              std::mt19937& rng) {
  Csr A;
  A.n = n;
  A.rowPtr.assign(n + 1, 0);
  for (int32_t i = 0; i < n; ++i) {
    std::vector<int32_t> cols;
    for (int32_t j = 0; j < n; ++j)
      if (pattern[i * n + j]) cols.push_back(j);
    std::shuffle(cols.begin(), cols.end(), rng);
    for (int32_t j : cols) {
      A.colIdx.push_back(j);
      A.values.push_back(M[i * n + j]);
    }
    A.rowPtr[i + 1] = static_cast<int32_t>(A.colIdx.size());
  }
  return A;
}

// A random symmetric pattern with values; the diagonal dominates (|a_ii| > Σ|a_ij|) with the
// sign given by `signs` (all positive: SPD; mixed: nonsingular indefinite, inertia = the number
// of negative diagonal entries). kind: 0 plain random, 1 disconnected blocks, 2 with dense rows.
struct Problem {
  int32_t n;
  std::vector<double> M;  // dense, row-major
  std::vector<char> P;
};
Problem randomProblem(int32_t n, double density, int kind, bool indefinite, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Problem pr{n, std::vector<double>(static_cast<size_t>(n) * n, 0.0),
             std::vector<char>(static_cast<size_t>(n) * n, 0)};
  const int32_t blocks = kind == 1 ? 3 : 1;
  for (int32_t i = 0; i < n; ++i)
    for (int32_t j = 0; j < i; ++j) {
      bool on = u(rng) < density;
      if (kind == 1 && (i * blocks / std::max(n, 1)) != (j * blocks / std::max(n, 1))) on = false;
      if (kind == 2 && (j % 17 == 3)) on = true;  // dense columns/rows
      if (!on) continue;
      const double v = u(rng) * 2.0 - 1.0;
      pr.M[i * n + j] = pr.M[j * n + i] = v;
      pr.P[i * n + j] = pr.P[j * n + i] = 1;
    }
  for (int32_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int32_t j = 0; j < n; ++j)
      if (j != i) s += std::fabs(pr.M[i * n + j]);
    double d = s + 0.5 + u(rng);
    if (indefinite && u(rng) < 0.4) d = -d;
    pr.M[i * n + i] = d;
    pr.P[i * n + i] = 1;
  }
  return pr;
}

// Dense LDLᵀ without pivoting (natural order): x = M⁻¹ b for each column, log|det|, negatives.
struct DenseRef {
  std::vector<double> x;
  double logdet = 0.0;
  int64_t negative = 0;
};
DenseRef denseSolve(int32_t n, std::vector<double> M, const std::vector<double>& B, int64_t nrhs) {
  DenseRef R;
  std::vector<double> d(n);
  for (int32_t j = 0; j < n; ++j) {
    double dj = M[j * n + j];
    for (int32_t p = 0; p < j; ++p) dj -= M[j * n + p] * M[j * n + p] * d[p];
    d[j] = dj;
    R.logdet += std::log(std::fabs(dj));
    if (dj < 0) ++R.negative;
    for (int32_t i = j + 1; i < n; ++i) {
      double s = M[i * n + j];
      for (int32_t p = 0; p < j; ++p) s -= M[i * n + p] * M[j * n + p] * d[p];
      M[i * n + j] = s / dj;
    }
  }
  R.x = B;
  for (int64_t r = 0; r < nrhs; ++r) {
    double* x = R.x.data() + r * n;
    for (int32_t i = 0; i < n; ++i)
      for (int32_t p = 0; p < i; ++p) x[i] -= M[i * n + p] * x[p];
    for (int32_t i = 0; i < n; ++i) x[i] /= d[i];
    for (int32_t i = n - 1; i >= 0; --i)
      for (int32_t p = i + 1; p < n; ++p) x[i] -= M[p * n + i] * x[p];
  }
  return R;
}

double maxRelDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::max(num, std::fabs(a[i] - b[i]));
    den = std::max(den, std::fabs(b[i]));
  }
  return den > 0 ? num / den : num;
}

const Ordering kOrderings[] = {Ordering::Natural, Ordering::Amd, Ordering::NestedDissection,
                               Ordering::Auto};

int cases = 0;

void checkCase(const Engine& e, const Problem& pr, bool ldlt, Ordering ord, std::mt19937& rng,
               const char* what) {
  ++cases;
  const int before = failures;
  const Csr A = fromDense(pr.n, pr.M, pr.P, rng);
  CholeskyOptions o;
  o.ordering = ord;
  o.ldlt = ldlt;
  std::unique_ptr<CholeskyFactor> F;
  try {
    F = CholeskyFactor::factorize(e, A.view(), o, nullptr);
  } catch (const SolverError& err) {
    std::fprintf(stderr, "unexpected %s: %s\n", err.code, err.what());
    CHECK(false);
    return;
  }
  CHECK(F->n() == pr.n);
  CHECK(F->ldlt() == ldlt);
  CHECK(F->ordering() != Ordering::Auto);
  if (ord != Ordering::Auto) CHECK(F->ordering() == ord);
  CHECK(static_cast<int32_t>(F->perm().size()) == pr.n);
  // nnzL: at least the lower triangle of A, at most the dense triangle.
  int64_t lowerA = 0;
  for (int32_t i = 0; i < pr.n; ++i)
    for (int32_t j = 0; j <= i; ++j) lowerA += pr.P[i * pr.n + j];
  CHECK(F->nnzL() >= lowerA);
  CHECK(F->nnzL() <= static_cast<int64_t>(pr.n) * (pr.n + 1) / 2);
  CHECK(F->nnzStored() >= F->nnzL());
  // Three right-hand sides in a block with ldb = n + 2.
  const int64_t nrhs = 3, ldb = pr.n + 2;
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> B(static_cast<size_t>(ldb * nrhs)), Bd(static_cast<size_t>(pr.n * nrhs));
  for (auto& v : B) v = u(rng);
  for (int64_t r = 0; r < nrhs; ++r)
    for (int32_t i = 0; i < pr.n; ++i) Bd[r * pr.n + i] = B[r * ldb + i];
  const std::vector<double> B0 = B;
  F->solve(e, B.data(), nrhs, ldb);
  const DenseRef R = denseSolve(pr.n, pr.M, Bd, nrhs);
  std::vector<double> X(static_cast<size_t>(pr.n * nrhs));
  for (int64_t r = 0; r < nrhs; ++r) {
    for (int32_t i = 0; i < pr.n; ++i) X[r * pr.n + i] = B[r * ldb + i];
    for (int64_t i = pr.n; i < ldb; ++i) CHECK(B[r * ldb + i] == B0[r * ldb + i]);  // padding kept
  }
  CHECK(maxRelDiff(X, R.x) < 1e-10);
  CHECK(std::fabs(F->log_determinant() - R.logdet) <= 1e-9 * std::max(1.0, std::fabs(R.logdet)));
  CHECK(F->negative_pivots() == (ldlt ? R.negative : 0));
  // One column alone gives the same bits as inside the block.
  std::vector<double> b1(B0.begin() + ldb, B0.begin() + ldb + pr.n);
  F->solve(e, b1.data(), 1, pr.n);
  CHECK(pr.n == 0 || std::memcmp(b1.data(), X.data() + pr.n, sizeof(double) * pr.n) == 0);
  if (failures != before)
    std::fprintf(stderr, "  in case %s (n = %d, ldlt %d, ordering %s)\n", what, pr.n, ldlt,
                 ordering_name(ord));
}

void testRandom(const Engine& e) {
  std::mt19937 rng(12);
  const int32_t sizes[] = {0, 1, 2, 3, 7, 16, 33, 60, 120, 200};
  const double densities[] = {0.02, 0.1, 0.4};
  for (int32_t n : sizes)
    for (double dens : densities)
      for (int kind = 0; kind < 3; ++kind) {
        if (n > 100 && dens > 0.2 && kind != 0) continue;  // keep the run short
        const Problem spd = randomProblem(n, dens, kind, false, rng);
        const Problem ind = randomProblem(n, dens, kind, true, rng);
        for (Ordering ord : kOrderings) {
          checkCase(e, spd, false, ord, rng, "spd llt");
          checkCase(e, spd, true, ord, rng, "spd ldlt");
          checkCase(e, ind, true, ord, rng, "indefinite ldlt");
        }
      }
  // Indefinite under llt: ERR_NOT_SPD (some column; the precise column is tested below).
  {
    Problem ind = randomProblem(50, 0.1, 0, true, rng);
    ind.M[10 * 50 + 10] = -std::fabs(ind.M[10 * 50 + 10]);
    const Csr A = fromDense(50, ind.M, ind.P, rng);
    bool threw = false;
    try {
      CholeskyFactor::factorize(e, A.view(), CholeskyOptions(), nullptr);
    } catch (const SolverError& err) {
      threw = std::strcmp(err.code, "ERR_NOT_SPD") == 0 && err.column >= 0 && err.column < 50;
    }
    CHECK(threw);
  }
}

// 2D 5-point Poisson on an N × N grid (both triangles).
Csr poisson2d(int32_t N, double shift = 0.0) {
  Csr A;
  A.n = N * N;
  A.rowPtr.assign(A.n + 1, 0);
  for (int32_t k = 0; k < A.n; ++k) {
    const int32_t i = k % N, j = k / N;
    auto add = [&](int32_t c, double v) {
      A.colIdx.push_back(c);
      A.values.push_back(v);
    };
    if (j > 0) add(k - N, -1.0);
    if (i > 0) add(k - 1, -1.0);
    add(k, 4.0 + shift);
    if (i < N - 1) add(k + 1, -1.0);
    if (j < N - 1) add(k + N, -1.0);
    A.rowPtr[k + 1] = static_cast<int32_t>(A.colIdx.size());
  }
  return A;
}

double relResidual(const Csr& A, const std::vector<double>& x, const std::vector<double>& b) {
  double rn = 0.0, bn = 0.0;
  for (int32_t i = 0; i < A.n; ++i) {
    double s = 0.0;
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) s += A.values[p] * x[A.colIdx[p]];
    rn += (b[i] - s) * (b[i] - s);
    bn += b[i] * b[i];
  }
  return std::sqrt(rn / bn);
}

void testGridAndRefactor(const Engine& e) {
  const Csr A = poisson2d(40);
  for (Ordering ord : kOrderings)
    for (int ldlt = 0; ldlt < 2; ++ldlt) {
      CholeskyOptions o;
      o.ordering = ord;
      o.ldlt = ldlt != 0;
      auto F = CholeskyFactor::factorize(e, A.view(), o, nullptr);
      std::vector<double> b(A.n), x;
      for (int32_t i = 0; i < A.n; ++i) b[i] = std::sin(0.1 * i) + 1.0;
      x = b;
      F->solve(e, x.data(), 1, A.n);
      CHECK(relResidual(A, x, b) < 1e-12);
      CHECK(F->negative_pivots() == 0);
      // Refactor with new values (shifted diagonal): bitwise a fresh factorisation's solve.
      const Csr A2 = poisson2d(40, 0.75);
      F->refactor(e, A2.view(), nullptr);
      auto G = CholeskyFactor::factorize(e, A2.view(), o, nullptr);
      std::vector<double> x1 = b, x2 = b;
      F->solve(e, x1.data(), 1, A.n);
      G->solve(e, x2.data(), 1, A.n);
      CHECK(std::memcmp(x1.data(), x2.data(), sizeof(double) * A.n) == 0);
      CHECK(F->log_determinant() == G->log_determinant());
      CHECK(relResidual(A2, x1, b) < 1e-12);
      // A pattern with one entry moved: rejected, the factor still usable.
      Csr A3 = A2;
      std::swap(A3.colIdx[0], A3.colIdx[1]);
      bool threw = false;
      try {
        F->refactor(e, A3.view(), nullptr);
      } catch (const SolverError& err) {
        threw = std::strcmp(err.code, "ERR_INVALID_ARGUMENT") == 0 && err.argument == "A";
      }
      CHECK(threw);
      // Different size: rejected.
      threw = false;
      try {
        const Csr A4 = poisson2d(39);
        F->refactor(e, A4.view(), nullptr);
      } catch (const SolverError& err) {
        threw = std::strcmp(err.code, "ERR_INVALID_ARGUMENT") == 0;
      }
      CHECK(threw);
      // Failing refactor (diagonal 0: llt not SPD / ldlt hits a zero or negative pivot): solve
      // refuses until a good refactor.
      Csr A5 = A2;
      for (int32_t i = 0; i < A5.n; ++i)
        for (int32_t p = A5.rowPtr[i]; p < A5.rowPtr[i + 1]; ++p)
          if (A5.colIdx[p] == i) A5.values[p] = i == 5 ? 0.0 : 4.0;
      threw = false;
      try {
        F->refactor(e, A5.view(), nullptr);
      } catch (const SolverError&) {
        threw = true;
      }
      if (!ldlt) CHECK(threw);
      if (threw) {
        CHECK(!F->valid());
        bool refused = false;
        try {
          std::vector<double> y = b;
          F->solve(e, y.data(), 1, A.n);
        } catch (const SolverError& err) {
          refused = std::strcmp(err.code, "ERR_INVALID_ARGUMENT") == 0;
        }
        CHECK(refused);
        F->refactor(e, A2.view(), nullptr);
        CHECK(F->valid());
        std::vector<double> y = b;
        F->solve(e, y.data(), 1, A.n);
        CHECK(std::memcmp(y.data(), x2.data(), sizeof(double) * A.n) == 0);
      }
    }
}

// A failing pivot is reported at the ORIGINAL column whatever the ordering: column c has a
// negative diagonal (llt: ERR_NOT_SPD at c, since every pivot before c's comes from an SPD
// leading block and c's own is a_cc minus a positive quantity); ldlt: an isolated zero diagonal
// (ERR_SINGULAR at c).
void testPivotColumns(const Engine& e) {
  std::mt19937 rng(7);
  for (int32_t c : {0, 13, 57, 99})
    for (Ordering ord : kOrderings) {
      Problem pr = randomProblem(100, 0.05, 0, false, rng);
      pr.M[c * 100 + c] = -1.0;
      const Csr A = fromDense(100, pr.M, pr.P, rng);
      int64_t col = -2;
      std::string code;
      try {
        CholeskyOptions o;
        o.ordering = ord;
        CholeskyFactor::factorize(e, A.view(), o, nullptr);
      } catch (const SolverError& err) {
        code = err.code;
        col = err.column;
      }
      CHECK(code == "ERR_NOT_SPD");
      CHECK(col == c);
      // The same matrix is fine for ldlt (one negative pivot).
      CholeskyOptions o;
      o.ordering = ord;
      o.ldlt = true;
      auto F = CholeskyFactor::factorize(e, A.view(), o, nullptr);
      CHECK(F->negative_pivots() == 1);
      // ldlt: row/column c zeroed (diagonal stored as 0).
      Problem z = pr;
      for (int32_t j = 0; j < 100; ++j) {
        z.M[c * 100 + j] = z.M[j * 100 + c] = 0.0;
        if (j != c) z.P[c * 100 + j] = z.P[j * 100 + c] = 0;
      }
      const Csr Z = fromDense(100, z.M, z.P, rng);
      code.clear();
      col = -2;
      try {
        CholeskyFactor::factorize(e, Z.view(), o, nullptr);
      } catch (const SolverError& err) {
        code = err.code;
        col = err.column;
      }
      CHECK(code == "ERR_SINGULAR");
      CHECK(col == c);
    }
  // A singular 2 × 2 block [[1, 1], [1, 1]] under the natural ordering: ldlt fails at column 1.
  {
    Csr A;
    A.n = 2;
    A.rowPtr = {0, 2, 4};
    A.colIdx = {0, 1, 0, 1};
    A.values = {1.0, 1.0, 1.0, 1.0};
    CholeskyOptions o;
    o.ordering = Ordering::Natural;
    o.ldlt = true;
    int64_t col = -2;
    std::string code;
    try {
      CholeskyFactor::factorize(e, A.view(), o, nullptr);
    } catch (const SolverError& err) {
      code = err.code;
      col = err.column;
    }
    CHECK(code == "ERR_SINGULAR");
    CHECK(col == 1);
  }
  // Non-finite entries: a NaN diagonal is a failing pivot in both modes.
  {
    Csr A = poisson2d(5);
    for (int32_t p = A.rowPtr[7]; p < A.rowPtr[8]; ++p)
      if (A.colIdx[p] == 7) A.values[p] = std::nan("");
    for (int ldlt = 0; ldlt < 2; ++ldlt) {
      CholeskyOptions o;
      o.ldlt = ldlt != 0;
      std::string code;
      try {
        CholeskyFactor::factorize(e, A.view(), o, nullptr);
      } catch (const SolverError& err) {
        code = err.code;
      }
      CHECK(code == (ldlt ? "ERR_SINGULAR" : "ERR_NOT_SPD"));
    }
  }
}

void testInputErrors(const Engine& e) {
  std::mt19937 rng(3);
  auto codeOf = [&](const Csr& A, const CholeskyOptions& o) {
    try {
      CholeskyFactor::factorize(e, A.view(), o, nullptr);
    } catch (const SolverError& err) {
      return std::string(err.code) + ":" + err.argument + ":" + std::to_string(err.row) + ":" +
             std::to_string(err.column);
    }
    return std::string("ok");
  };
  // Unsymmetric values: ERR_NOT_SYMMETRIC naming row and column; without the check the lower
  // triangle is what counts.
  Problem pr = randomProblem(30, 0.2, 0, false, rng);
  Csr A = fromDense(30, pr.M, pr.P, rng);
  int32_t pi = -1, pj = -1;
  for (int32_t i = 0; i < 30 && pi < 0; ++i)
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
      if (A.colIdx[p] > i) {  // an upper entry: perturb it
        A.values[p] += 0.25;
        pi = i;
        pj = A.colIdx[p];
        break;
      }
  CholeskyOptions o;
  const std::string s = codeOf(A, o);
  CHECK(s.rfind("ERR_NOT_SYMMETRIC:A:", 0) == 0);
  CHECK(s == "ERR_NOT_SYMMETRIC:A:" + std::to_string(pi) + ":" + std::to_string(pj) ||
        s == "ERR_NOT_SYMMETRIC:A:" + std::to_string(pj) + ":" + std::to_string(pi));
  o.check_symmetric = false;
  {
    auto F = CholeskyFactor::factorize(e, A.view(), o, nullptr);
    std::vector<double> b(30, 1.0), x = b;
    F->solve(e, x.data(), 1, 30);
    const DenseRef R = denseSolve(30, pr.M, b, 1);  // pr.M is the symmetric (lower) matrix
    CHECK(maxRelDiff(x, R.x) < 1e-10);
  }
  // Non-square, bad index.
  {
    Csr B = poisson2d(3);
    CsrView v = B.view();
    v.cols = 8;
    bool threw = false;
    try {
      CholeskyFactor::factorize(e, v, CholeskyOptions(), nullptr);
    } catch (const SolverError& err) {
      threw = std::strcmp(err.code, "ERR_DIMENSION_MISMATCH") == 0 && err.argument == "A";
    }
    CHECK(threw);
    B.colIdx[3] = 9;
    CHECK(codeOf(B, CholeskyOptions()).rfind("ERR_INVALID_MATRIX:A", 0) == 0);
  }
  // Solve arguments.
  {
    const Csr B = poisson2d(3);
    auto F = CholeskyFactor::factorize(e, B.view(), CholeskyOptions(), nullptr);
    std::vector<double> x(9, 1.0);
    bool threw = false;
    try {
      F->solve(e, x.data(), 2, 5);
    } catch (const SolverError& err) {
      threw = std::strcmp(err.code, "ERR_INVALID_ARGUMENT") == 0;
    }
    CHECK(threw);
    F->solve(e, x.data(), 0, 9);  // no right-hand sides: nothing to do
  }
  // Abort and time limit.
  {
    const Csr B = poisson2d(20);
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    std::string code;
    try {
      CholeskyFactor::factorize(e, B.view(), CholeskyOptions(), &ctl);
    } catch (const SolverError& err) {
      code = err.code;
    }
    CHECK(code == "ABORT_ERR");
    Control tl;
    tl.set_time_limit_ms(1e-6);
    code.clear();
    try {
      CholeskyFactor::factorize(e, B.view(), CholeskyOptions(), &tl);
    } catch (const SolverError& err) {
      code = err.code;
    }
    CHECK(code == "ERR_TIME_LIMIT");
    // An aborted refactor leaves the factor invalid.
    auto F = CholeskyFactor::factorize(e, B.view(), CholeskyOptions(), nullptr);
    code.clear();
    try {
      F->refactor(e, B.view(), &ctl);
    } catch (const SolverError& err) {
      code = err.code;
    }
    CHECK(code == "ABORT_ERR");
    CHECK(!F->valid());
  }
}

// Bitwise the same factor with 1 and 2 threads, on matrices big enough for the threaded
// dense updates (a nearly dense block) and for many supernodes.
void testThreads(const Engine& e1, const Engine& e2) {
  std::mt19937 rng(99);
  const Problem dense = randomProblem(360, 0.6, 0, false, rng);
  const Csr A = fromDense(360, dense.M, dense.P, rng);
  const Csr G = poisson2d(60);
  for (const Csr* M : {&A, &G})
    for (int ldlt = 0; ldlt < 2; ++ldlt) {
      CholeskyOptions o;
      o.ldlt = ldlt != 0;
      auto F1 = CholeskyFactor::factorize(e1, M->view(), o, nullptr);
      auto F2 = CholeskyFactor::factorize(e2, M->view(), o, nullptr);
      std::vector<double> b(static_cast<size_t>(M->n) * 2);
      for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(0.37 * static_cast<double>(i));
      std::vector<double> x1 = b, x2 = b;
      F1->solve(e1, x1.data(), 2, M->n);
      F2->solve(e2, x2.data(), 2, M->n);
      CHECK(std::memcmp(x1.data(), x2.data(), sizeof(double) * x1.size()) == 0);
      CHECK(F1->log_determinant() == F2->log_determinant());
      std::vector<double> b0(b.begin(), b.begin() + M->n), xs(x1.begin(), x1.begin() + M->n);
      CHECK(relResidual(*M, xs, b0) < 1e-11);
    }
  // Many right-hand sides (shared out over the pool by columns): bitwise one at a time.
  {
    auto F = CholeskyFactor::factorize(e2, G.view(), CholeskyOptions(), nullptr);
    CHECK(static_cast<double>(F->nnzL()) * 24 >= 1e6);  // large enough to run in parallel
    const int64_t nrhs = 24, ldb = G.n + 1;
    std::vector<double> Bm(static_cast<size_t>(ldb * nrhs));
    for (size_t i = 0; i < Bm.size(); ++i) Bm[i] = std::sin(0.011 * static_cast<double>(i));
    std::vector<double> X2 = Bm, X1 = Bm;
    F->solve(e2, X2.data(), nrhs, ldb);
    for (int64_t r = 0; r < nrhs; ++r) F->solve(e1, X1.data() + r * ldb, 1, G.n);
    CHECK(std::memcmp(X1.data(), X2.data(), sizeof(double) * X1.size()) == 0);
  }
}

// The dense kernels alone: factor_panel against the dense reference for panel shapes around
// the block size, and update_scatter (both paths) against a plain triple loop.
void testDenseKernels(const Engine& e) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int64_t w : {1, 5, 47, 48, 49, 100})
    for (int64_t extra : {0, 3, 61})
      for (int ldlt = 0; ldlt < 2; ++ldlt) {
        const int64_t m = w + extra, ld = m + 1;
        std::vector<double> G(static_cast<size_t>(m * w));
        for (auto& v : G) v = u(rng);
        // Panel = the first w columns of S = G Gᵀ + m I (SPD), lower part.
        std::vector<double> S(static_cast<size_t>(m * m), 0.0);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < m; ++j) {
            double s = i == j ? static_cast<double>(m) : 0.0;
            for (int64_t p = 0; p < w; ++p) s += G[i * w + p] * G[j * w + p];
            S[i * m + j] = s;
          }
        if (ldlt)
          for (int64_t i = 0; i < m; ++i) S[i * m + i] *= (i % 3 == 1) ? -1.0 : 1.0;
        std::vector<double> P(static_cast<size_t>(ld * w), 7.0);
        for (int64_t j = 0; j < w; ++j)
          for (int64_t i = j; i < m; ++i) P[i + j * ld] = S[i * m + j];
        std::vector<double> pa(static_cast<size_t>((m + 3) * kPanelBlock)),
            pb(static_cast<size_t>((w + 7) * kPanelBlock)), col(static_cast<size_t>(m));
        const int64_t fail =
            factor_panel(e, m, w, P.data(), ld, ldlt != 0, pa.data(), pb.data(), col.data());
        CHECK(fail == -1);
        // Reconstruct A(i, j) = Σ_p L(i, p) d_p L(j, p) for j < w, i ≥ j.
        double err = 0.0, scale = 0.0;
        for (int64_t j = 0; j < w; ++j)
          for (int64_t i = j; i < m; ++i) {
            double s = 0.0;
            for (int64_t p = 0; p <= j; ++p) {
              const double lip = i == p && ldlt ? 1.0 : P[i + p * ld];
              const double ljp = j == p && ldlt ? 1.0 : P[j + p * ld];
              s += lip * ljp * (ldlt ? P[p + p * ld] : 1.0);
            }
            err = std::max(err, std::fabs(s - S[i * m + j]));
            scale = std::max(scale, std::fabs(S[i * m + j]));
          }
        CHECK(err <= 1e-12 * scale * static_cast<double>(w));
        CHECK(P[m] == 7.0);  // the row past m in each column untouched
      }
  // update_scatter: random maps into a larger target.
  for (int64_t m : {1, 4, 9, 40, 130})
    for (int64_t n : {1, 3, 8, 17})
      for (int64_t k : {1, 4, 30}) {
        if (n > m) continue;
        const int64_t ldx = m + 2, ldp = 3 * m + 5;
        std::vector<double> X(static_cast<size_t>(ldx * k)), d(static_cast<size_t>(k));
        for (auto& v : X) v = u(rng);
        for (auto& v : d) v = u(rng);
        std::vector<int32_t> rmap(m), cmap(n);
        for (int64_t i = 0; i < m; ++i) rmap[i] = static_cast<int32_t>(2 * i + 1);
        for (int64_t j = 0; j < n; ++j) cmap[j] = static_cast<int32_t>(n - 1 - j);
        for (int useD = 0; useD < 2; ++useD) {
          std::vector<double> T(static_cast<size_t>(ldp * n), 0.5), ref = T;
          for (int64_t j = 0; j < n; ++j)
            for (int64_t i = j; i < m; ++i) {
              double s = 0.0;
              for (int64_t p = 0; p < k; ++p)
                s += X[i + p * ldx] * X[j + p * ldx] * (useD ? d[p] : 1.0);
              ref[rmap[i] + cmap[j] * ldp] -= s;
            }
          std::vector<double> pa(static_cast<size_t>((m + 3) * k)),
              pb(static_cast<size_t>((n + 7) * k)), col(static_cast<size_t>(m));
          update_scatter(e, m, n, k, X.data(), ldx, useD ? d.data() : nullptr, T.data(), ldp,
                         rmap.data(), cmap.data(), pa.data(), pb.data(), col.data());
          CHECK(maxRelDiff(T, ref) < 1e-13);
        }
      }
}

}  // namespace

int main() {
  ThreadPool pool2(2);
  Engine e1{kernels_for(detect_simd()), nullptr, nullptr};
  Engine e2{kernels_for(detect_simd()), &pool2, nullptr};
  Engine e0{nullptr, nullptr, nullptr};  // portable micro-kernel
  testDenseKernels(e1);
  testDenseKernels(e0);
  testRandom(e1);
  testGridAndRefactor(e2);
  testPivotColumns(e1);
  testInputErrors(e1);
  testThreads(e1, e2);
  std::printf("cholesky_tests: %d cases, %d checks, %d failures\n", cases, checks, failures);
  return failures != 0;
}
