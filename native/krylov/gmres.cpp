// Restarted GMRES(m) with right preconditioning: the Arnoldi process runs on A M⁻¹, so the
// least-squares residual |g_{j+1}| estimates ‖b − A x‖₂ of the original system. Modified
// Gram–Schmidt (CGS2 was measured slower: GMRES's h_{j+1,j} is small next to ‖A v_j‖, so the
// reorthogonalisation pass is nearly always due), Givens rotations. FGMRES keeps z_j = M⁻¹v_j, so
// M may change between steps.
//
// Singular and defective operators. When A M⁻¹ is singular on the Krylov space built so far, the
// triangular factor R of the Hessenberg matrix is singular in exact arithmetic but only nearly so
// in floating point; solving with it gives a spurious residual estimate (below what is reachable)
// and a huge, wrong update. Each new column is therefore tested before it is used: if the
// incremental estimate of σ_min(R) with it (rank.hpp; ≤ its rotated diagonal R_jj) is below
// kRankTol·‖A M⁻¹‖ (‖A M⁻¹‖ estimated by the largest column seen), A z_j is numerically in the
// span of the earlier A z_i. The column is dropped and ends the cycle, and the update is the
// least-squares minimiser over the columns kept: when the dependency shows in R_jj itself (the
// usual case: h_{j+1,j} ≤ R_jj is negligible too, the space is invariant, and the first j columns,
// with nonzero subdiagonals, span the range of the whole Hessenberg matrix) that is the minimum
// of ‖b − A x‖ over x ∈ x₀ + M⁻¹K, not just a small residual. No restart can then reduce the
// residual (the next Krylov space lies inside this invariant one and the new residual is
// orthogonal to its image), so the solve stops with Reason::Breakdown; FGMRES goes on, since a
// changing M changes the space.
//
// Reasons at the end of a cycle, in this order: converged (true residual confirmed); rank loss →
// Breakdown (a definite diagnosis, even when the budget ran out in the same step); the iteration
// budget spent → MaxIterations (also when the budget cut the cycle short); a cycle that reduced
// the true residual by less than a relative kStagnation → Stagnation (GMRES(m) from an unchanged
// residual repeats the same cycle, so a cycle that cannot reduce it marks the fixed point
// restarted GMRES converges to).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "iteration.hpp"
#include "krylov.hpp"
#include "rank.hpp"

namespace itersolve {

namespace {
// σ_min(R) ≤ kRankTol·‖A M⁻¹‖ is numerical rank loss. Rounding leaves a few ε·‖A M⁻¹‖ on an
// exactly singular Krylov space (2–4 ε on the cases); a nonsingular operator gives
// σ_min(R) ≥ σ_min(A M⁻¹) (V orthonormal) and the estimate is never below σ_min(R), so only
// operators with condition number beyond 1/kRankTol ≈ 7e13 could be misjudged.
constexpr double kRankTol = 64 * std::numeric_limits<double>::epsilon();
// A cycle that reduces ‖b − A x‖ by less than this relative amount has stagnated: at that rate a
// single digit would take more than 1e8 cycles. √ε: the cycle changed at most the last half of
// the residual's digits.
constexpr double kStagnation = 1.4901161193847656e-08;
}  // namespace

IterResult gmres(const Engine& e, const LinearOperator& A, const double* b, double* x,
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
  const bool flexible = opt.flexible && M != nullptr;
  // A Krylov space has at most n dimensions and a cycle at most max_iterations steps.
  const int64_t m = std::max<int64_t>(
      1, std::min<int64_t>({static_cast<int64_t>(opt.restart), n, opt.max_iterations}));
  const size_t nn = static_cast<size_t>(n);
  const size_t ld = static_cast<size_t>(m) + 1;  // leading dimension of H
  std::vector<double> V(ld * nn), Z(flexible ? static_cast<size_t>(m) * nn : 0),
      z(M != nullptr && !flexible ? nn : 0);
  std::vector<double> H(ld * static_cast<size_t>(m)), cs(ld), sn(ld), g(ld), y(ld);
  auto vec = [&](int64_t j) { return V.data() + static_cast<size_t>(j) * nn; };
  const double eps = std::numeric_limits<double>::epsilon();
  krylov::IncrementalSigmaMin sigma_min(ld);
  double hmax = 0.0;  // largest ‖A M⁻¹ v_j‖ seen: a lower bound on ‖A M⁻¹‖, the rank test's scale

  // V_0 holds the true residual at the start of every cycle.
  double rnorm;
  if (!krylov::start_residual(e, A, b, x, vec(0), opt, bnorm, res, rnorm)) return res;
  bool op_failed = false;  // a product with A failed: the solve ends as Aborted
  krylov::Iteration iter(ctl, opt, res, tol, bnorm);
  if (iter.start(rnorm, x, n, /*report_zero=*/false)) return res;

  int64_t it = 0;
  for (;;) {
    if (it >= opt.max_iterations) {
      res.reason = Reason::MaxIterations;
      break;
    }
    ops::scale(e, 1.0 / rnorm, vec(0), n);
    std::fill(g.begin(), g.end(), 0.0);
    sigma_min.reset();
    g[0] = rnorm;
    double est = rnorm;
    int64_t k = 0;  // columns of the least-squares problem usable for the update
    bool stopped = false;  // res.reason is final
    bool can_update = true;  // the cycle's update may be applied
    bool rank_loss = false;  // the cycle ended on a numerically dependent column (dropped)
    for (int64_t j = 0; j < m && it < opt.max_iterations; ++j) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        stopped = true;
        break;
      }
      const double* zj = vec(j);
      if (M != nullptr) {
        double* dst = flexible ? Z.data() + static_cast<size_t>(j) * nn : z.data();
        if (!M->apply(e, vec(j), dst)) {
          res.reason = Reason::Aborted;
          stopped = true;
          // Without the stored z_i, the update would need M once more.
          can_update = flexible;
          break;
        }
        zj = dst;
      }
      double* w = vec(j + 1);
      if (!krylov::matvec(e, A, zj, w)) {
        res.reason = Reason::Aborted;
        op_failed = stopped = true;
        // The columns before j stand: the update uses them (x moves to their minimiser).
        break;
      }
      ++res.matvecs;
      double* h = H.data() + static_cast<size_t>(j) * ld;
      double hsq = 0.0;
      for (int64_t i = 0; i <= j; ++i) {
        h[i] = ops::dot(e, w, vec(i), n);
        ops::axpy(e, -h[i], vec(i), w, n);
        hsq += h[i] * h[i];
      }
      const double hnext = ops::nrm2(e, w, n);
      if (!std::isfinite(hnext) || !std::isfinite(hsq)) {
        res.reason = Reason::NonFinite;
        stopped = true;
        can_update = false;
        break;
      }
      const double colnorm = std::sqrt(hsq + hnext * hnext);  // ‖A M⁻¹ v_j‖ (to rounding)
      hmax = std::max(hmax, colnorm);
      h[j + 1] = hnext;
      krylov::apply_rotations(cs.data(), sn.data(), j, h);
      const double rr = std::hypot(h[j], h[j + 1]);
      ++it;
      // σ_min of R with this column (≤ rr): small means A z_j is numerically dependent.
      const double smin = hmax > 0.0 ? sigma_min.trial(h, rr, hmax) : 0.0;
      if (smin <= kRankTol * hmax) {
        // A z_j lies (numerically) in span(A z_0..A z_{j−1}) and adds nothing: the cycle ends
        // without this column, on the least-squares minimiser of the columns before it.
        rank_loss = true;
        iter.record(it, est);
        break;
      }
      sigma_min.commit(smin);
      est = krylov::new_rotation(cs.data(), sn.data(), j, rr, h, g.data());
      k = j + 1;
      iter.record(it, est);
      if (est <= tol) break;
      // Lucky breakdown: what is left of A z_j is rounding noise, the Krylov space is invariant.
      if (hnext <= eps * colnorm) break;
      if (j + 1 < m && it < opt.max_iterations) ops::scale(e, 1.0 / hnext, w, n);
    }

    // x += M⁻¹ V_k y_k (or Z_k y_k), y_k solving the k×k triangular system R y = g.
    bool updated = false;
    if (k > 0 && can_update) {
      krylov::back_substitute(H.data(), ld, g.data(), k, y.data());
      if (flexible) {
        for (int64_t i = 0; i < k; ++i)
          ops::axpy(e, y[i], Z.data() + static_cast<size_t>(i) * nn, x, n);
        updated = true;
      } else if (M == nullptr) {
        for (int64_t i = 0; i < k; ++i) ops::axpy(e, y[i], vec(i), x, n);
        updated = true;
      } else {
        double* u = vec(k);  // free now: only v_0..v_{k−1} enter the update
        ops::axpby(e, y[0], vec(0), 0.0, u, n);
        for (int64_t i = 1; i < k; ++i) ops::axpy(e, y[i], vec(i), u, n);
        if (!M->apply(e, u, z.data())) {
          if (!stopped) res.reason = Reason::Aborted;
          stopped = true;
        } else if (!std::isfinite(ops::nrm2(e, z.data(), n))) {
          // Checked here because no product with A follows to reveal it before x is hit.
          if (!stopped) res.reason = Reason::NonFinite;
          stopped = true;
        } else {
          ops::axpy(e, 1.0, z.data(), x, n);
          updated = true;
        }
      }
    }
    if (!updated) {
      // x is unchanged, so is its residual (rnorm stays exact). Without a stop, the cycle could
      // not use even its first column: A M⁻¹ r is (numerically) zero, no restart can help.
      if (!stopped) res.reason = Reason::Breakdown;
      break;
    }
    const double prev = rnorm;
    if (op_failed || !krylov::residual(e, A, b, x, vec(0), rnorm)) {
      op_failed = true;
      break;
    }
    ++res.matvecs;
    if (stopped) break;
    if (!std::isfinite(rnorm)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (rnorm <= tol) {
      res.reason = krylov::converged_reason(opt, bnorm);
      break;
    }
    if (rank_loss && !flexible) {
      // x is the least-squares solution over an invariant Krylov space (see the top).
      res.reason = Reason::Breakdown;
      break;
    }
    if (it >= opt.max_iterations) {
      res.reason = Reason::MaxIterations;
      break;
    }
    if (rnorm > prev * (1.0 - kStagnation)) {
      res.reason = Reason::Stagnation;
      break;
    }
  }
  res.iterations = it;
  res.value = rnorm;
  krylov::flag_nonfinite(x, n, res);
  if (op_failed) krylov::operator_failed(x, n, res);
  return res;
}

}  // namespace itersolve
