// libFuzzer target for the sparse direct factorisations (native/direct/cholesky.hpp, lu.hpp) and
// the sparse arithmetic (native/formats/csr_ops.hpp). The bytes become a small square matrix
// (n ≤ 40) with an arbitrary pattern (duplicates, empty rows and columns, missing diagonal) and
// arbitrary values (0, ±1e±200, NaN, ±Infinity, raw doubles, small integers), optionally made
// symmetric (mirrored) and/or diagonally dominant. Then:
//  - Cholesky (LLᵀ and LDLᵀ, every ordering) and LU (every ordering, a pivot threshold from the
//    input in (0, 1]) factorise it; refactor with changed values; solve and (LU) solve_transpose.
//    The only acceptable failure is a SolverError (any code: NOT_SPD, SINGULAR, NOT_SYMMETRIC,
//    INVALID_MATRIX, ...); anything else escapes and libFuzzer reports it, as it does every
//    sanitizer report.
//  - When a factorisation succeeds, the solve of A x = b (b = A·(1, −2, 3, ...)) must have a
//    small normwise backward error η = ‖b − A x̂‖∞ / (‖A‖∞‖x̂‖∞ + ‖b‖∞) ≤ 1e-8, checked only where
//    backward stability is guaranteed or the matrix is well conditioned:
//      LLᵀ: always (a Cholesky factorisation that completes is backward stable; Higham,
//           "Accuracy and Stability of Numerical Algorithms", 2nd ed., Thm 10.3);
//      LDLᵀ (no pivoting): only on the diagonally dominant variant (no element growth);
//      LU:  pivot_threshold ≥ 0.1 and condest ≤ 1e8 (threshold pivoting bounds the growth by
//           (1 + 1/τ) per step in theory; in practice it is small, and a real bug gives η ~ 1);
//    and only when every |a_ij| is 0 or within [1e-100, 1e100] and x̂ is finite (no overflow in
//    forming the residual).
//  - csr_ops: A·A, A + Aᵀ, A − A, slice and kron of the same matrix must be canonical, and A − A
//    empty.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "direct/cholesky.hpp"
#include "direct/lu.hpp"
#include "formats/csr.hpp"
#include "formats/csr_ops.hpp"

#include "reader.hpp"

using namespace itersolve;

namespace {
using fuzz::Reader;

double decode_value(Reader& in) {
  const uint8_t kind = in.take<uint8_t>();
  switch (kind % 16) {
    case 0: return 0.0;
    case 1: return std::nan("");
    case 2: return HUGE_VAL;
    case 3: return -HUGE_VAL;
    case 4: return 1e200;
    case 5: return -1e-200;
    case 6: return in.take<double>();
    default: return static_cast<double>(in.take<int8_t>());
  }
}

[[noreturn]] void fail(const char* what, double eta) {
  std::fprintf(stderr, "fuzz_direct: %s: backward error %.3g > 1e-8\n", what, eta);
  std::abort();
}

struct Problem {
  int64_t n = 0;
  csr::Owned A;
  bool moderate = true;  // every |a_ij| 0 or within [1e-100, 1e100]
  bool finite = true;
};

CsrView view(const csr::Owned& A) {
  return CsrView{A.rows, A.cols, A.rowPtr.data(), A.colIdx.data(), A.values.data()};
}

// η = ‖b − A x‖∞ / (‖A‖∞‖x‖∞ + ‖b‖∞), or −1 when x is not finite (not checked).
double backward_error(const csr::Owned& A, const std::vector<double>& b,
                      const std::vector<double>& x, bool transpose) {
  const size_t n = b.size();
  std::vector<double> r(b);
  std::vector<double> rowsum(n, 0.0);
  for (double v : x)
    if (!std::isfinite(v)) return -1.0;
  for (int64_t i = 0; i < A.rows; ++i)
    for (int32_t k = A.rowPtr[static_cast<size_t>(i)]; k < A.rowPtr[static_cast<size_t>(i) + 1];
         ++k) {
      const size_t c = static_cast<size_t>(A.colIdx[static_cast<size_t>(k)]);
      const double a = A.values[static_cast<size_t>(k)];
      if (transpose) {
        r[c] -= a * x[static_cast<size_t>(i)];
        rowsum[c] += std::fabs(a);
      } else {
        r[static_cast<size_t>(i)] -= a * x[c];
        rowsum[static_cast<size_t>(i)] += std::fabs(a);
      }
    }
  double rn = 0, an = 0, xn = 0, bn = 0;
  for (size_t i = 0; i < n; ++i) {
    rn = std::max(rn, std::fabs(r[i]));
    an = std::max(an, rowsum[i]);
    xn = std::max(xn, std::fabs(x[i]));
    bn = std::max(bn, std::fabs(b[i]));
  }
  const double den = an * xn + bn;
  if (!std::isfinite(rn) || !std::isfinite(den)) return -1.0;
  return den > 0 ? rn / den : rn;
}

// b = A·(1, −2, 3, ...) (or Aᵀ·...), column-major n×1.
std::vector<double> rhs(const csr::Owned& A, bool transpose) {
  const size_t n = static_cast<size_t>(A.rows);
  std::vector<double> xt(n), b(n, 0.0);
  for (size_t i = 0; i < n; ++i) xt[i] = (i % 2 ? -1.0 : 1.0) * static_cast<double>(i + 1);
  for (size_t i = 0; i < n; ++i)
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k) {
      const size_t c = static_cast<size_t>(A.colIdx[static_cast<size_t>(k)]);
      if (transpose) b[c] += A.values[static_cast<size_t>(k)] * xt[i];
      else b[i] += A.values[static_cast<size_t>(k)] * xt[c];
    }
  return b;
}

template <class Solve>
void check_solve(const Engine& e, const Problem& p, const char* what, bool check,
                 const Solve& solve, bool transpose) {
  std::vector<double> b = rhs(p.A, transpose);
  std::vector<double> x(b);
  x.push_back(0.0);  // ldb = n + 1 for a second, padded right-hand side
  x.resize(2 * static_cast<size_t>(p.n) + 2, 0.0);
  std::copy(b.begin(), b.end(), x.begin() + static_cast<std::ptrdiff_t>(p.n) + 1);
  solve(e, x.data(), int64_t{2}, p.n + 1);
  if (!check || !p.moderate || !p.finite) return;
  for (int col = 0; col < 2; ++col) {
    std::vector<double> xc(x.begin() + col * (p.n + 1), x.begin() + col * (p.n + 1) + p.n);
    const double eta = backward_error(p.A, b, xc, transpose);
    if (eta > 1e-8) fail(what, eta);
  }
}

void run_cholesky(const Engine& e, const Problem& p, direct::Ordering ord, bool ldlt,
                  bool dominant) {
  direct::CholeskyOptions o;
  o.ordering = ord;
  o.ldlt = ldlt;
  try {
    auto F = direct::CholeskyFactor::factorize(e, view(p.A), o, nullptr);
    if (!F) std::abort();  // factorize returns a factor or throws
    const bool check = !ldlt || dominant;
    check_solve(
        e, p, ldlt ? "ldlt solve" : "llt solve", check,
        [&](const Engine& en, double* B, int64_t k, int64_t ldb) { F->solve(en, B, k, ldb); },
        false);
    (void)F->log_determinant();
    // refactor with doubled values (same pattern): the factor scales, the checks still hold
    csr::Owned A2 = p.A;
    for (double& v : A2.values) v *= 2.0;
    F->refactor(e, view(A2), nullptr);
    Problem p2 = p;
    p2.A = A2;
    check_solve(
        e, p2, "refactor solve", check,
        [&](const Engine& en, double* B, int64_t k, int64_t ldb) { F->solve(en, B, k, ldb); },
        false);
  } catch (const SolverError&) {
  }
}

void run_lu(const Engine& e, const Problem& p, direct::LuOrdering ord, double tau) {
  direct::LuOptions o;
  o.ordering = ord;
  o.pivot_threshold = tau;
  try {
    auto F = direct::LuFactor::factorize(e, view(p.A), o, nullptr);
    if (!F) std::abort();
    const double kappa = F->condest(e);
    const bool check = tau >= 0.1 && std::isfinite(kappa) && kappa <= 1e8;
    check_solve(
        e, p, "lu solve", check,
        [&](const Engine& en, double* B, int64_t k, int64_t ldb) { F->solve(en, B, k, ldb); },
        false);
    check_solve(
        e, p, "lu solve_transpose", check,
        [&](const Engine& en, double* B, int64_t k, int64_t ldb) {
          F->solve_transpose(en, B, k, ldb);
        },
        true);
    // refactor with perturbed values (same pattern): may re-pivot or fail with a SolverError
    csr::Owned A2 = p.A;
    for (size_t k = 0; k < A2.values.size(); ++k) A2.values[k] *= (k % 3 == 0) ? -0.5 : 1.5;
    F->refactor(e, view(A2), nullptr);
    Problem p2 = p;
    p2.A = A2;
    const double kappa2 = F->condest(e);
    check_solve(
        e, p2, "lu refactor solve", tau >= 0.1 && std::isfinite(kappa2) && kappa2 <= 1e8,
        [&](const Engine& en, double* B, int64_t k, int64_t ldb) { F->solve(en, B, k, ldb); },
        false);
  } catch (const SolverError&) {
  }
}

void require_canonical(const csr::Owned& C) {
  const csr::Problem pr = csr::validate(
      C.rows, C.cols, C.rowPtr.data(), static_cast<int64_t>(C.rowPtr.size()), C.colIdx.data(),
      static_cast<int64_t>(C.colIdx.size()), C.values.data(), static_cast<int64_t>(C.values.size()),
      csr::kCheckStructure | csr::kCheckSorted);
  if (!pr.ok) {
    std::fprintf(stderr, "fuzz_direct: csr_ops result not canonical: %s\n", pr.message.c_str());
    std::abort();
  }
}

void run_csr_ops(const Engine& e, const Problem& p, Reader& in) {
  const CsrView A = view(p.A);
  csr::Owned C, T;
  csr::matmul(e, A, A, C);
  require_canonical(C);
  csr::transpose(A, T);
  csr::add(e, A, view(T), 1.0, 1.0, C);
  require_canonical(C);
  csr::add(e, A, A, 1.0, -1.0, C);
  require_canonical(C);
  if (p.finite && !C.values.empty()) {
    std::fprintf(stderr, "fuzz_direct: A - A has %zu entries\n", C.values.size());
    std::abort();
  }
  std::vector<int32_t> sel(in.take<uint8_t>() % 50);
  for (auto& s : sel) s = static_cast<int32_t>(in.take<uint8_t>() % (p.n > 0 ? p.n : 1));
  if (p.n > 0) {
    csr::slice(e, A, sel.data(), static_cast<int64_t>(sel.size()), sel.data(),
               static_cast<int64_t>(sel.size()), C);
    require_canonical(C);
  }
  // A ⊗ A while it stays small (≤ 4096 entries), else A ⊗ I₂
  if (p.A.values.size() <= 64) {
    csr::kron(A, A, C);
  } else {
    csr::Owned I2;
    csr::identity(2, I2);
    csr::kron(A, view(I2), C);
  }
  require_canonical(C);
  std::vector<double> d(static_cast<size_t>(p.n) + 1, 1.0);
  csr::set_diagonal(A, d.data(), p.n, 0, C);
  require_canonical(C);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  Problem p;
  p.n = in.take<uint8_t>() % 41;
  const uint8_t mode = in.take<uint8_t>();
  const uint8_t which = in.take<uint8_t>();
  const int64_t count = in.take<uint8_t>() % 200;
  const bool symmetric = (mode & 1) != 0;
  const bool dominant = (mode & 2) != 0;
  const int64_t n = p.n;
  std::vector<int32_t> ri, ci;
  std::vector<double> vals;
  for (int64_t k = 0; k < count && n > 0; ++k) {
    const int32_t i = static_cast<int32_t>(in.take<uint8_t>() % n);
    const int32_t j = static_cast<int32_t>(in.take<uint8_t>() % n);
    const double v = decode_value(in);
    ri.push_back(i);
    ci.push_back(j);
    vals.push_back(v);
    if (symmetric && i != j) {
      ri.push_back(j);
      ci.push_back(i);
      vals.push_back(v);
    }
  }
  if (!csr::from_coo(n, n, static_cast<int64_t>(ri.size()), ri.data(), ci.data(), vals.data(), p.A))
    return 0;
  if (dominant) {
    // Add (1 + Σ_j |a_ij|) on the diagonal (entries inserted where missing): strictly
    // diagonally dominant by rows; positive definite when also symmetric.
    std::vector<double> diag(static_cast<size_t>(n) + 1, 0.0);
    for (int64_t i = 0; i < n; ++i) {
      double s = 1.0;
      double aii = 0.0;
      for (int32_t k = p.A.rowPtr[static_cast<size_t>(i)];
           k < p.A.rowPtr[static_cast<size_t>(i) + 1]; ++k) {
        if (p.A.colIdx[static_cast<size_t>(k)] == i) aii = p.A.values[static_cast<size_t>(k)];
        else s += std::fabs(p.A.values[static_cast<size_t>(k)]);
      }
      diag[static_cast<size_t>(i)] = s + std::fabs(aii);
    }
    csr::Owned D;
    csr::set_diagonal(view(p.A), diag.data(), n, 0, D);
    p.A = std::move(D);
  }
  for (double v : p.A.values) {
    if (!std::isfinite(v)) p.finite = false;
    const double a = std::fabs(v);
    if (a != 0.0 && (a < 1e-100 || a > 1e100)) p.moderate = false;
  }

  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  const direct::Ordering chol[] = {direct::Ordering::Auto, direct::Ordering::Amd,
                                   direct::Ordering::NestedDissection, direct::Ordering::Natural};
  const direct::LuOrdering lu[] = {direct::LuOrdering::Auto, direct::LuOrdering::Colamd,
                                   direct::LuOrdering::Amd, direct::LuOrdering::Natural};
  // Every input runs one Cholesky ordering in both modes and one LU ordering (chosen by `which`),
  // so a run stays short; the fuzzer reaches the others through `which`.
  const direct::Ordering co = chol[which & 3];
  run_cholesky(e, p, co, false, dominant);
  run_cholesky(e, p, co, true, dominant);
  const double taus[] = {1.0, 0.1, 0.5, 1e-3};
  run_lu(e, p, lu[(which >> 2) & 3], taus[(which >> 4) & 3]);
  // An out-of-range threshold must be refused with a SolverError, never crash.
  if (which & 64) run_lu(e, p, direct::LuOrdering::Natural, (which & 128) ? 0.0 : 1.5);
  run_csr_ops(e, p, in);
  return 0;
}
