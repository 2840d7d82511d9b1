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

#include "krylov.hpp"

namespace itersolve {

IterResult minres(const Engine& e, const CsrView& A, const double* b, double* x,
                  const Preconditioner* M, const SolveOptions& options, Control& ctl) {
  const SolveOptions opt = krylov::resolved(options, A.rows);
  IterResult res;
  const int64_t n = A.rows;
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

  double rnorm = krylov::start_residual(e, A, b, x, r_cur, opt, bnorm, res);
  bool known = true;  // rnorm is the true residual norm of the current x
  if (opt.history) res.history.push_back(rnorm);
  if (!std::isfinite(rnorm) || !std::isfinite(bnorm)) {
    res.reason = Reason::NonFinite;
    res.value = rnorm;
    return res;
  }
  if (rnorm <= tol) {
    res.reason = krylov::converged_reason(opt, bnorm);
    res.value = rnorm;
    krylov::flag_nonfinite(x, n, res);  // x0 may hold ±Inf where A has no entries
    return res;
  }

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
  // The true residual of the current x (into the spare buffer), recalibrating κ.
  auto true_residual = [&]() {
    rnorm = krylov::residual(e, A, b, x, spare);
    ++res.matvecs;
    known = true;
    if (phibar > 0.0) kappa = rnorm / phibar;
  };
  res.reason = Reason::MaxIterations;
  if (start()) {
    for (int64_t it = 1; it <= opt.max_iterations; ++it) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        break;
      }
      // Lanczos step: v = z/β, r_{k+1} = A v − (β/β_old) r_{k−1} − (α/β) r_k.
      ops::axpby(e, 1.0 / beta, z, 0.0, v.data(), n);
      ops::spmv(e, A, v.data(), spare);
      ++res.matvecs;
      if (!first) ops::axpy(e, -beta / oldb, r_prev, spare, n);
      const double alfa = ops::dot(e, v.data(), spare, n);
      ops::axpy(e, -alfa / beta, r_cur, spare, n);
      std::swap(r_prev, r_cur);  // r_prev = r_k
      std::swap(r_cur, spare);   // r_cur = r_{k+1}, spare = old r_{k−1}
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
      known = false;
      first = false;
      res.iterations = it;

      double est = kappa * phibar;
      const bool check_true =
          invariant || (opt.true_residual_every > 0 && it % opt.true_residual_every == 0);
      if (check_true) {
        true_residual();
        est = rnorm;
      }
      if (opt.history) res.history.push_back(est);
      krylov::report(ctl, opt, it, est);
      if (!std::isfinite(est)) {
        res.reason = Reason::NonFinite;
        break;
      }
      if (est <= tol) {
        if (!known) true_residual();
        if (rnorm <= tol) {
          res.reason = krylov::converged_reason(opt, bnorm);
          break;
        }
      }
      if (invariant) {
        // The recurrences cannot continue past β = 0: restart from the true residual.
        std::swap(r_cur, spare);
        if (!start()) break;
      }
    }
  }
  if (!known) {
    rnorm = krylov::residual(e, A, b, x, spare);
    ++res.matvecs;
  }
  res.value = rnorm;
  krylov::flag_nonfinite(x, n, res);
  return res;
}

}  // namespace itersolve
