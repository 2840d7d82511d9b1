// Right-preconditioned BiCGSTAB (van der Vorst 1992). The recurrences run on A M⁻¹ with the
// iterate x = x0 + M⁻¹u, so r and the half-step residual s are residuals of the original system:
// the stopping test needs no extra work and x is updated with the preconditioned directions.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "iteration.hpp"
#include "krylov.hpp"

namespace itersolve {

IterResult bicgstab(const Engine& e, const LinearOperator& A, const double* b, double* x,
                    const Preconditioner* M, const SolveOptions& options, Control& ctl) {
  const SolveOptions opt = krylov::resolved(options, A.rows());
  IterResult res;
  const int64_t n = A.rows();
  const double bnorm = ops::nrm2(e, b, n);
  if (bnorm == 0.0) {
    krylov::solve_zero_rhs(x, n, opt, res);
    return res;
  }
  const double tol = krylov::tolerance(opt, bnorm);
  const size_t nn = static_cast<size_t>(n);
  // r holds r_i and, within an iteration, the half-step residual s (r is dead once s exists).
  std::vector<double> r(nn), rhat(nn), p(nn), v(nn), t(nn), ph, sh;
  if (M != nullptr) {
    ph.resize(nn);
    sh.resize(nn);
  }
  double* const php = M != nullptr ? ph.data() : p.data();  // M⁻¹p
  double* const shp = M != nullptr ? sh.data() : r.data();  // M⁻¹s

  double rnorm;
  if (!krylov::start_residual(e, A, b, x, r.data(), opt, bnorm, res, rnorm)) return res;
  krylov::Iteration iter(ctl, opt, res, tol, bnorm);
  if (iter.start(rnorm, x, n, /*report_zero=*/false)) return res;
  bool exact = true;  // rnorm is the true residual norm of the current x (saves the exit matvec)
  // r := b − A x, the true residual, and its norm: the confirmations, true_residual_every and
  // the exit.
  // A failed product (op_failed) makes it NaN and the solve ends as Aborted.
  bool op_failed = false;
  auto true_residual = [&]() {
    double t = std::numeric_limits<double>::quiet_NaN();
    if (op_failed) return t;
    ++res.matvecs;
    if (!krylov::residual(e, A, b, x, r.data(), t)) op_failed = true;
    return t;
  };
  ops::copy(e, r.data(), rhat.data(), n);

  double rho_old = 1.0, alpha = 1.0, omega = 1.0;
  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    const double rho = ops::dot(e, rhat.data(), r.data(), n);
    if (!std::isfinite(rho)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (rho == 0.0) {
      res.reason = Reason::Breakdown;
      break;
    }
    if (it == 1) {
      ops::copy(e, r.data(), p.data(), n);
    } else {
      // p = r + β (p − ω v)
      const double beta = (rho / rho_old) * (alpha / omega);
      if (!std::isfinite(beta)) {
        res.reason = Reason::NonFinite;
        break;
      }
      ops::axpy(e, -omega, v.data(), p.data(), n);
      ops::xpby(e, r.data(), beta, p.data(), n);
    }
    if (M != nullptr && !M->apply(e, p.data(), php)) {
      res.reason = Reason::Aborted;
      break;
    }
    double sigma;  // v = A M⁻¹p, r̂ᵀv
    if (!krylov::matvec_dot(e, A, php, v.data(), rhat.data(), sigma)) {
      op_failed = true;
      break;
    }
    ++res.matvecs;
    if (!std::isfinite(sigma)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (sigma == 0.0) {
      res.reason = Reason::Breakdown;
      break;
    }
    alpha = rho / sigma;
    if (!std::isfinite(alpha)) {
      res.reason = Reason::NonFinite;
      break;
    }
    // Half step: s = r − α v (in r), x += α M⁻¹p.
    double snorm = std::sqrt(ops::axpy_nrm2sq(e, -alpha, v.data(), r.data(), n));
    if (!std::isfinite(snorm)) {
      res.reason = Reason::NonFinite;
      break;
    }
    ops::axpy(e, alpha, php, x, n);
    exact = false;
    if (snorm <= tol) {
      // The half step converged if the true s confirms it; the iteration is recorded with the
      // recurrence norm, as a full step's would be.
      const double recurrence = snorm;
      snorm = rnorm = true_residual();
      exact = true;
      if (snorm <= tol) {
        iter.record(it, recurrence);
        res.reason = krylov::converged_reason(opt, bnorm);
        break;
      }
      if (op_failed) break;
      // Missed: go on with the true s.
    }
    if (M != nullptr && !M->apply(e, r.data(), shp)) {
      res.reason = Reason::Aborted;
      break;
    }
    double ts;  // t = A M⁻¹s, tᵀs
    if (!krylov::matvec_dot(e, A, shp, t.data(), r.data(), ts)) {
      op_failed = true;
      break;
    }
    ++res.matvecs;
    const double tt = ops::dot(e, t.data(), t.data(), n);
    if (!std::isfinite(ts) || !std::isfinite(tt)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (tt == 0.0) {  // A M⁻¹s = 0 with s ≠ 0: singular operator
      res.reason = Reason::Breakdown;
      break;
    }
    omega = ts / tt;
    if (!std::isfinite(omega)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (omega == 0.0) {
      // The half step stands (r = s) but the next β would divide by ω.
      rnorm = snorm;
      iter.record(it, rnorm);
      res.reason = Reason::Breakdown;
      break;
    }
    ops::axpy(e, omega, shp, x, n);
    rnorm = std::sqrt(ops::axpy_nrm2sq(e, -omega, t.data(), r.data(), n));  // r = s − ω t
    exact = false;
    rho_old = rho;
    // A confirmation that misses leaves r the true residual; the recurrences go on from it.
    if (iter.end(it, rnorm, exact, true_residual) || op_failed) break;
  }
  iter.finish(x, n, rnorm, exact, true_residual);
  if (op_failed) krylov::operator_failed(x, n, res);
  return res;
}

}  // namespace itersolve
