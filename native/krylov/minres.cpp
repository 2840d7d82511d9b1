// Preconditioned MINRES (Paige & Saunders 1975, in the form of SciPy's minres / Choi's thesis):
// Lanczos on M⁻¹A in the M inner product, with the QR factorisation of the tridiagonal updated
// by Givens rotations. A symmetric (possibly indefinite), M symmetric positive definite.
//
// The recurrence estimate φ̄ is ‖r‖ in the M⁻¹-norm, not the 2-norm of the stopping test. It is
// scaled by κ = ‖r‖₂ / ‖r‖_{M⁻¹} observed at the last true residual (exact without M); when a
// confirmation misses, κ is recalibrated and the iteration goes on, keeping the Krylov space.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "iteration.hpp"
#include "krylov.hpp"

namespace itersolve {

IterResult minres(const Engine& e, const LinearOperator& A, const double* b, double* x,
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
  const double eps = std::numeric_limits<double>::epsilon();
  const size_t nn = static_cast<size_t>(n);
  // Three rotating Lanczos residual buffers (r_{k−1}, r_k and a spare that receives A v and the
  // true residuals), z = M⁻¹r_k (r_k itself without M), v, and the directions w_{k−2}, w_{k−1}.
  std::vector<double> ra(nn), rb(nn), rc(nn), zbuf(M != nullptr ? nn : 0), v(nn), wa(nn), wb(nn);
  double* r_prev = ra.data();
  double* r_cur = rb.data();
  double* spare = rc.data();
  double* w1 = wa.data();  // w_{k−2}
  double* w2 = wb.data();  // w_{k−1}

  // rnorm: the residual norm the iteration goes by, the true one when exact, otherwise the
  // estimate κ·φ̄.
  double rnorm;
  if (!krylov::start_residual(e, A, b, x, r_cur, opt, bnorm, res, rnorm)) return res;
  krylov::Iteration iter(ctl, opt, res, tol, bnorm);
  if (iter.start(rnorm, x, n, /*report_zero=*/false)) return res;
  bool exact = true;

  double* z = r_cur;
  double beta = 0, oldb = 0, dbar = 0, epsln = 0, phibar = 0, cs = -1, sn = 0, tnorm2 = 0,
         kappa = 1;
  bool first = true;
  // Starts the Lanczos process from r_cur, the true residual (norm rnorm), of the current x.
  // Returns false (res.reason set) when M is not positive definite on it or fails.
  auto start = [&]() -> bool {
    z = r_cur;
    if (M != nullptr) {
      if (!M->apply(e, r_cur, zbuf.data())) {
        res.reason = Reason::Aborted;
        return false;
      }
      z = zbuf.data();
    }
    const double beta1sq = ops::dot(e, r_cur, z, n);
    if (!std::isfinite(beta1sq)) {
      res.reason = Reason::NonFinite;
      return false;
    }
    if (beta1sq <= 0.0) {
      res.reason = beta1sq < 0.0 ? Reason::Indefinite : Reason::Breakdown;
      return false;
    }
    beta = std::sqrt(beta1sq);
    oldb = dbar = epsln = sn = tnorm2 = 0.0;
    cs = -1.0;
    phibar = beta;
    kappa = rnorm / beta;
    std::fill(w1, w1 + n, 0.0);
    std::fill(w2, w2 + n, 0.0);
    first = true;
    return true;
  };
  // The true residual norm of the current x (the residual into the spare buffer), recalibrating κ.
  // A failed product (op_failed) makes it NaN and the solve ends as Aborted.
  bool op_failed = false;
  auto true_residual = [&]() {
    double t = std::numeric_limits<double>::quiet_NaN();
    if (op_failed) return t;
    if (!krylov::residual(e, A, b, x, spare, t)) op_failed = true;
    ++res.matvecs;
    if (phibar > 0.0) kappa = t / phibar;
    return t;
  };
  if (start()) {
    for (int64_t it = 1; it <= opt.max_iterations; ++it) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        break;
      }
      // Lanczos step: v = z/β, r_{k+1} = A v − (β/β_old) r_{k−1} − (α/β) r_k.
      ops::axpby(e, 1.0 / beta, z, 0.0, v.data(), n);
      if (!krylov::matvec(e, A, v.data(), spare)) {
        op_failed = true;
        break;
      }
      ++res.matvecs;
      if (!first) ops::axpy(e, -beta / oldb, r_prev, spare, n);
      const double alfa = ops::dot(e, v.data(), spare, n);
      ops::axpy(e, -alfa / beta, r_cur, spare, n);
      std::swap(r_prev, r_cur);  // r_prev = r_k
      std::swap(r_cur, spare);  // r_cur = r_{k+1}, spare = old r_{k−1}
      z = r_cur;
      if (M != nullptr) {
        if (!M->apply(e, r_cur, zbuf.data())) {
          res.reason = Reason::Aborted;
          break;
        }
        z = zbuf.data();
      }
      oldb = beta;
      const double betasq = ops::dot(e, r_cur, z, n);
      if (!std::isfinite(alfa) || !std::isfinite(betasq)) {
        res.reason = Reason::NonFinite;
        break;
      }
      if (betasq < 0.0) {  // rᵀM⁻¹r < 0: M is not positive definite
        res.reason = Reason::Indefinite;
        break;
      }
      beta = std::sqrt(betasq);
      tnorm2 += alfa * alfa + oldb * oldb + beta * beta;
      // β ≈ 0: the Krylov space is invariant and holds the solution (to rounding).
      const bool invariant = beta <= 10.0 * eps * std::sqrt(tnorm2);
      if (invariant) beta = 0.0;

      // Apply the previous rotation, then compute and apply the next one.
      const double oldeps = epsln;
      const double delta = cs * dbar + sn * alfa;
      const double gbar = sn * dbar - cs * alfa;
      epsln = sn * beta;
      dbar = -cs * beta;
      const double gamma = std::hypot(gbar, beta);
      if (gamma == 0.0) {  // singular tridiagonal: b has no component the iteration can reach
        res.reason = Reason::Breakdown;
        break;
      }
      cs = gbar / gamma;
      sn = beta / gamma;
      const double phi = cs * phibar;
      phibar = sn * phibar;

      // w_k = (v − ε_k w_{k−2} − δ_k w_{k−1}) / γ_k, over w_{k−2}; x += φ w_k.
      ops::axpby(e, 1.0 / gamma, v.data(), -oldeps / gamma, w1, n);
      ops::axpy(e, -delta / gamma, w2, w1, n);
      std::swap(w1, w2);
      ops::axpy(e, phi, w2, x, n);
      exact = false;
      first = false;

      rnorm = kappa * phibar;
      if (invariant) {  // the restart below needs the true residual
        rnorm = true_residual();
        exact = true;
      }
      if (iter.end(it, rnorm, exact, true_residual) || op_failed) break;
      if (invariant) {
        // The recurrences cannot continue past β = 0: restart from the true residual.
        std::swap(r_cur, spare);
        if (!start()) break;
      }
    }
  }
  iter.finish(x, n, rnorm, exact, true_residual);
  if (op_failed) krylov::operator_failed(x, n, res);
  return res;
}

}  // namespace itersolve
