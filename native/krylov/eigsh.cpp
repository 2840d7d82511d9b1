// eigsh: Lanczos directly or in shift-invert mode through a sparse Cholesky / LDLᵀ factor. See
// eigsh.hpp.
#include "eigsh.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "../core/errors.hpp"
#include "../direct/cholesky.hpp"
#include "../formats/csr_ops.hpp"

namespace itersolve {

namespace {

// x ↦ F⁻¹x for a factor F of A − σI.
class FactorInverse final : public LinearOperator {
 public:
  FactorInverse(const direct::CholeskyFactor& f) : f_(f) {}
  int64_t rows() const override { return f_.n(); }
  int64_t cols() const override { return f_.n(); }
  bool apply(const Engine& e, const double* x, double* y) const override {
    std::memcpy(y, x, static_cast<size_t>(f_.n()) * sizeof(double));
    f_.solve(e, y, 1, f_.n());
    return true;
  }

 private:
  const direct::CholeskyFactor& f_;
};

double inf_norm(const CsrView& A) {
  double m = 0.0;
  for (int64_t i = 0; i < A.rows; ++i) {
    double s = 0.0;
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) s += std::fabs(A.values[p]);
    m = std::max(m, s);
  }
  return m;
}

// The factorisation of A − σI (A itself when σ = 0). Returns null when `ldlt` is false and the
// matrix is not positive definite (ERR_NOT_SPD); other errors propagate. An abort or time limit
// inside the factorisation sets *stop.
std::unique_ptr<direct::CholeskyFactor> factor_shifted(const Engine& e, const CsrView& A,
                                                       double sigma, bool ldlt, Control& ctl,
                                                       StopReason* stop) {
  csr::Owned shifted;
  CsrView M = A;
  if (sigma != 0.0) {
    csr::Owned I;
    csr::identity(A.rows, I);
    const CsrView Iv{I.rows, I.cols, I.rowPtr.data(), I.colIdx.data(), I.values.data()};
    csr::add(e, A, Iv, 1.0, -sigma, shifted);
    M = CsrView{shifted.rows, shifted.cols, shifted.rowPtr.data(), shifted.colIdx.data(),
                shifted.values.data()};
  }
  direct::CholeskyOptions co;
  co.ldlt = ldlt;
  try {
    return direct::CholeskyFactor::factorize(e, M, co, &ctl);
  } catch (const SolverError& err) {
    if (std::strcmp(err.code, "ABORT_ERR") == 0) {
      *stop = StopReason::Aborted;
      return nullptr;
    }
    if (std::strcmp(err.code, "ERR_TIME_LIMIT") == 0) {
      *stop = StopReason::TimeLimit;
      return nullptr;
    }
    if (!ldlt && std::strcmp(err.code, "ERR_NOT_SPD") == 0) return nullptr;
    throw;
  }
}

EigResult stopped(int64_t n, int64_t k, StopReason s) {
  EigResult r;
  r.values.assign(static_cast<size_t>(k), std::numeric_limits<double>::quiet_NaN());
  r.vectors.assign(static_cast<size_t>(n * k), 0.0);
  r.reason = reason_from_stop(s);
  return r;
}

}  // namespace

double gershgorin_lower(const CsrView& A) {
  double g = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < A.rows; ++i) {
    double d = 0.0, off = 0.0;
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
      if (A.colIdx[p] == i) d += A.values[p];
      else off += std::fabs(A.values[p]);
    }
    g = std::min(g, d - off);
  }
  return A.rows > 0 ? g : 0.0;
}

EigResult eigsh(const Engine& e, const LinearOperator& A, EigWhich which, double sigma,
                const LanczosOptions& o, Control& ctl, EigshInfo* info) {
  EigshInfo local;
  EigshInfo& inf = info ? *info : local;
  inf = EigshInfo{};
  const CsrView* csr = A.csr();
  if (which == EigWhich::Largest || (which == EigWhich::Smallest && csr == nullptr)) {
    LanczosOptions lo = o;
    lo.largest = which == EigWhich::Largest;
    lo.magnitude = false;
    return lanczos(e, A, lo, ctl);
  }
  if (which == EigWhich::Nearest) {
    if (!std::isfinite(sigma))
      throw SolverError("ERR_INVALID_ARGUMENT", "sigma: expected a finite number", -1, "sigma");
    if (csr == nullptr)
      throw SolverError("ERR_UNSUPPORTED",
                        "sigma: which 'nearest' factorises A − σI and needs A's entries (a "
                        "CsrMatrix), not an operator",
                        -1, "sigma");
  }
  // Checked before factorising (the factorisation may be the expensive part).
  if (A.rows() != A.cols())
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      "A: expected a square matrix, got " + std::to_string(A.rows()) + "x" +
                          std::to_string(A.cols()),
                      -1, "A");
  if (o.k < 1 || o.k >= A.rows())
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "k: expected an integer in [1, n − 1] = [1, " + std::to_string(A.rows() - 1) +
                          "], got " + std::to_string(o.k),
                      -1, "k");
  const int64_t n = A.rows(), k = o.k;
  StopReason stop = StopReason::None;
  std::unique_ptr<direct::CholeskyFactor> F;
  if (which == EigWhich::Nearest) {
    F = factor_shifted(e, *csr, sigma, true, ctl, &stop);
    inf.ldlt = true;
  } else {
    sigma = 0.0;
    F = factor_shifted(e, *csr, 0.0, false, ctl, &stop);
    if (F == nullptr && stop == StopReason::None) {
      sigma = gershgorin_lower(*csr) - 1e-6 * std::max(1.0, inf_norm(*csr));
      F = factor_shifted(e, *csr, sigma, false, ctl, &stop);
      if (F == nullptr && stop == StopReason::None) {
        F = factor_shifted(e, *csr, sigma, true, ctl, &stop);
        inf.ldlt = true;
      }
    }
  }
  inf.shift_invert = true;
  inf.sigma = sigma;
  if (stop != StopReason::None) return stopped(n, k, stop);
  inf.nnzL = F->nnzL();
  FactorInverse inv(*F);
  return lanczos_shift_invert(e, inv, sigma, o, ctl);
}

}  // namespace itersolve
