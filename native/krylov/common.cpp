#include <algorithm>
#include <cmath>
#include <limits>

#include "krylov.hpp"

namespace itersolve {
namespace krylov {

double residual(const Engine& e, const CsrView& A, const double* b, const double* x, double* r) {
  ops::spmv(e, A, x, r);
  // r = b − A x  ==  r = −1·r + b
  ops::axpby(e, 1.0, b, -1.0, r, A.rows);
  return ops::nrm2(e, r, A.rows);
}

double start_residual(const Engine& e, const CsrView& A, const double* b, double* x, double* r,
                      const SolveOptions& opt, double bnorm, IterResult& res) {
  if (opt.zero_start) {
    std::fill(x, x + A.rows, 0.0);
    ops::copy(e, b, r, A.rows);
    return bnorm;
  }
  ++res.matvecs;
  return residual(e, A, b, x, r);
}

bool matvec_dot(const Engine& e, const LinearOperator& A, const double* x, double* y,
                const double* w, double& dot) {
  if (const CsrView* m = A.csr()) {
    dot = ops::spmv_dot(e, *m, x, y, w);
    return true;
  }
  if (!A.apply(e, x, y)) return false;
  dot = ops::dot(e, w, y, A.rows());
  return true;
}

bool residual(const Engine& e, const LinearOperator& A, const double* b, const double* x, double* r,
              double& norm) {
  if (const CsrView* m = A.csr()) {
    norm = residual(e, *m, b, x, r);
    return true;
  }
  if (!A.apply(e, x, r)) {
    norm = std::numeric_limits<double>::quiet_NaN();
    return false;
  }
  ops::axpby(e, 1.0, b, -1.0, r, A.rows());
  norm = ops::nrm2(e, r, A.rows());
  return true;
}

bool residual_fused(const Engine& e, const LinearOperator& A, const double* b, const double* x,
                    double* r, double& norm) {
  if (const CsrView* m = A.csr()) {
    norm = ops::residual(e, *m, b, x, r);
    return true;
  }
  return residual(e, A, b, x, r, norm);
}

bool start_residual(const Engine& e, const LinearOperator& A, const double* b, double* x, double* r,
                    const SolveOptions& opt, double bnorm, IterResult& res, double& rnorm) {
  if (opt.zero_start) {
    std::fill(x, x + A.rows(), 0.0);
    ops::copy(e, b, r, A.rows());
    rnorm = bnorm;
    return true;
  }
  ++res.matvecs;
  if (residual(e, A, b, x, r, rnorm)) return true;
  res.reason = Reason::Aborted;
  res.value = rnorm;
  if (opt.history) res.history.push_back(rnorm);
  return false;
}

void operator_failed(const double* x, int64_t n, IterResult& res) {
  res.reason = Reason::Aborted;
  res.value = std::numeric_limits<double>::quiet_NaN();
  flag_nonfinite(x, n, res);
}

bool flag_nonfinite(const double* x, int64_t n, IterResult& res) {
  // x·0 is 0 for every finite x and NaN for NaN and ±Inf; the sum of those cannot overflow (a sum
  // of the x themselves could, on finite values), and the loop vectorises. Serial on purpose: one
  // pass over x per solve is noise next to the solve.
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) acc += x[i] * 0.0;
  if (acc == 0.0) return false;
  const bool changed = res.reason != Reason::NonFinite;
  res.reason = Reason::NonFinite;
  return changed;
}

}  // namespace krylov
}  // namespace itersolve
