// GCROT(m, k) (Hicken and Zingg, "A simplified and flexible variant of GCROT for solving
// nonsymmetric linear systems", SIAM J. Sci. Comput. 32, 2010; the form of SciPy's gcrotmk with
// truncation 'oldest'), right-preconditioned and flexible (M may change between steps).
//
// The method keeps up to k pairs (c_i, u_i) with A u_i = c_i and the c_i orthonormal; the
// residual r stays orthogonal to every c_i. Each cycle (outer iteration) runs FGMRES on the
// projected operator (I − C Cᵀ) A M⁻¹ from v_0 = r/‖r‖:
//     A Z = C B + V H̄,   B = Cᵀ A Z,   Z = M⁻¹V (stored: M may vary),
// and solves min ‖β e₁ − H̄ y‖ by Givens rotations, as GMRES does. Then
//     u = Z y − U (B y),   c = A u = V H̄ y   (no product with A),
// normalised so ‖c‖ = 1; x += (cᵀr) u, r −= (cᵀr) c, and (c, u) joins the recycled set, the
// oldest pair leaving once k are kept. While fewer than k pairs are stored, a cycle runs
// m + (k − stored) steps (SciPy's ml), so every cycle uses the same m + k vectors of storage.
//
// Conventions (krylov.hpp): one iteration = one inner step = one product with A; history[i] is the
// least-squares residual estimate after inner step i; a recurrence residual meeting tol is
// confirmed against b − A x, and a miss replaces r by the true residual, re-projected against C
// (x += U Cᵀr, r −= C Cᵀr) so the invariant r ⊥ C holds again.
//
// Rank loss in the projected Hessenberg matrix is handled as in gmres.cpp: a column with which
// the σ_min(R) estimate (rank.hpp) falls below kRankTol·‖A M⁻¹‖ is dropped and ends the cycle, so
// the update is the least-squares minimiser over the space built. A cycle that cannot move x
// leaves r, C and U as they were, so the next cycle would be the same one: its first column
// already negligible → Reason::Breakdown; a least-squares step y = 0 (H̄ y = 0, no pair to add)
// → Reason::Stagnation, as in GMRES(m) (MaxIterations when the budget cut the cycle short).
// Stagnation otherwise: unlike GMRES(m), a cycle that gains little still changes the next one
// (its c joins the recycled set, the oldest pair leaves), and progress can resume once the
// recycled set has turned over (seen on bp_1600: five flat cycles while the set filled up,
// steady progress after). So the solve stops with Reason::Stagnation only after
// k + kStagnationCycles cycles in a row that each reduced ‖r‖ by less than a relative
// kStagnation: every recycled pair has then been replaced by one from a cycle that gained nothing.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "iteration.hpp"
#include "krylov.hpp"
#include "rank.hpp"

namespace itersolve {

namespace {
constexpr double kRankTol = 64 * std::numeric_limits<double>::epsilon();
constexpr double kStagnation = 1.4901161193847656e-08;  // √ε, as in gmres.cpp
constexpr int kStagnationCycles = 3;
}  // namespace

IterResult gcrotmk(const Engine& e, const LinearOperator& A, const double* b, double* x,
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
  // m inner steps per cycle (at least 1), k recycled pairs; neither can usefully exceed n.
  const int64_t m = std::max<int64_t>(1, std::min<int64_t>(opt.restart, n));
  const int64_t kr = std::max<int64_t>(0, std::min<int64_t>(opt.recycle < 0 ? m : opt.recycle, n));
  const int64_t mmax = m + kr;  // the longest cycle (no pair stored yet)
  const size_t nn = static_cast<size_t>(n);
  const size_t ld = static_cast<size_t>(mmax) + 1;  // leading dimension of H

  // Storage: V (mmax+1 vectors), Z (mmax, only with M: otherwise z_j = v_j), the recycled pairs
  // in slots C[s], U[s] with `order` listing the stored slots oldest first, and one spare slot
  // (index kr) where the new pair is built before the oldest leaves.
  std::vector<double> V(ld * nn), Z(M != nullptr ? static_cast<size_t>(mmax) * nn : 0);
  std::vector<std::vector<double>> C(static_cast<size_t>(kr) + 1), U(static_cast<size_t>(kr) + 1);
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(kr) + 1);
  std::vector<double> H(ld * static_cast<size_t>(mmax)), cs(ld), sn(ld), g(ld), y(ld), hy(ld),
      B(static_cast<size_t>(std::max<int64_t>(kr, 1)) * static_cast<size_t>(mmax)),
      by(static_cast<size_t>(kr) + 1);
  std::vector<double> r(nn);
  auto vec = [&](int64_t j) { return V.data() + static_cast<size_t>(j) * nn; };
  auto zvec = [&](int64_t j) {
    return M != nullptr ? Z.data() + static_cast<size_t>(j) * nn : vec(j);
  };
  krylov::IncrementalSigmaMin sigma_min(ld);
  double hmax = 0.0;  // largest ‖A M⁻¹ v_j‖ seen: the rank test's scale

  double rnorm;
  if (!krylov::start_residual(e, A, b, x, r.data(), opt, bnorm, res, rnorm)) return res;
  krylov::Iteration iter(ctl, opt, res, tol, bnorm);
  if (iter.start(rnorm, x, n, /*report_zero=*/false)) return res;
  bool known = true;  // r is the true residual of the current x
  // r := b − A x and its norm (the confirmations, true_residual_every and the exit).
  // A failed product (op_failed) makes it NaN and the solve ends as Aborted.
  bool op_failed = false;
  auto true_residual = [&]() {
    double t = std::numeric_limits<double>::quiet_NaN();
    if (op_failed) return t;
    ++res.matvecs;
    if (!krylov::residual(e, A, b, x, r.data(), t)) op_failed = true;
    return t;
  };
  // After a replacement r is no longer orthogonal to C: x += U Cᵀr, r −= C Cᵀr restores it (a
  // free reduction, since A u_i = c_i).
  auto project = [&]() {
    if (order.empty()) return;
    for (int64_t s : order) {
      const double yc = ops::dot(e, C[static_cast<size_t>(s)].data(), r.data(), n);
      ops::axpy(e, yc, U[static_cast<size_t>(s)].data(), x, n);
      ops::axpy(e, -yc, C[static_cast<size_t>(s)].data(), r.data(), n);
    }
    rnorm = ops::nrm2(e, r.data(), n);
    known = false;
  };

  int64_t it = 0;
  int64_t stagnant = 0;        // consecutive cycles that reduced ‖r‖ by less than kStagnation
  int64_t next_true = opt.true_residual_every > 0 ? opt.true_residual_every : -1;
  while (it < opt.max_iterations) {
    const int64_t stored = static_cast<int64_t>(order.size());
    // SciPy's ml = m + max(k − stored, 0); the Krylov space cannot exceed n − stored dimensions.
    const int64_t ml =
        std::max<int64_t>(1, std::min<int64_t>(m + std::max<int64_t>(kr - stored, 0), n - stored));
    const double beta = rnorm;
    ops::axpby(e, 1.0 / beta, r.data(), 0.0, vec(0), n);
    std::fill(g.begin(), g.end(), 0.0);
    sigma_min.reset();
    g[0] = beta;
    double est = beta;
    int64_t k = 0;  // usable columns
    bool stopped = false;  // res.reason is final
    bool can_update = true;
    for (int64_t j = 0; j < ml && it < opt.max_iterations; ++j) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        stopped = true;
        break;
      }
      if (M != nullptr && !M->apply(e, vec(j), zvec(j))) {
        res.reason = Reason::Aborted;  // columns 0..j−1 (with their stored z) still update x
        stopped = true;
        break;
      }
      double* w = vec(j + 1);
      if (!krylov::matvec(e, A, zvec(j), w)) {
        res.reason = Reason::Aborted;  // as for M: columns 0..j−1 still update x
        op_failed = stopped = true;
        break;
      }
      ++res.matvecs;
      const double wnorm = ops::nrm2(e, w, n);
      // Project out C (the B column), then orthogonalise against V (modified Gram–Schmidt).
      double* bj =
          B.data() + static_cast<size_t>(j) * static_cast<size_t>(std::max<int64_t>(kr, 1));
      for (size_t i = 0; i < order.size(); ++i) {
        const double* c = C[static_cast<size_t>(order[i])].data();
        bj[i] = ops::dot(e, w, c, n);
        ops::axpy(e, -bj[i], c, w, n);
      }
      double* h = H.data() + static_cast<size_t>(j) * ld;
      for (int64_t i = 0; i <= j; ++i) {
        h[i] = ops::dot(e, w, vec(i), n);
        ops::axpy(e, -h[i], vec(i), w, n);
      }
      const double hnext = ops::nrm2(e, w, n);
      if (!std::isfinite(hnext) || !std::isfinite(wnorm)) {
        res.reason = Reason::NonFinite;
        stopped = true;
        can_update = false;
        break;
      }
      hmax = std::max(hmax, wnorm);
      h[j + 1] = hnext;
      krylov::apply_rotations(cs.data(), sn.data(), j, h);
      const double rr = std::hypot(h[j], h[j + 1]);
      ++it;
      // v_{j+1} enters c = V H̄ y even when the cycle ends here (unlike GMRES's update).
      if (hnext > 0.0 && std::isfinite(1.0 / hnext)) ops::scale(e, 1.0 / hnext, w, n);
      // σ_min of R with this column (≤ rr): small means A z_j is numerically dependent.
      const double smin = hmax > 0.0 ? sigma_min.trial(h, rr, hmax) : 0.0;
      if (smin <= kRankTol * hmax) {
        // (I − CCᵀ) A z_j is (numerically) in the span of the earlier columns: dropped.
        iter.record(it, est);
        break;
      }
      sigma_min.commit(smin);
      est = krylov::new_rotation(cs.data(), sn.data(), j, rr, h, g.data());
      k = j + 1;
      iter.record(it, est);
      if (est <= tol) break;
      if (hnext <= eps * wnorm) break;  // invariant space (SciPy's breakdown test)
    }

    // The new pair, in the spare slot: u = Z y − U (B y), c = V H̄ y, both scaled by 1/‖c‖.
    bool updated = false;
    const double prev = rnorm;
    if (k > 0 && can_update) {
      krylov::back_substitute(H.data(), ld, g.data(), k, y.data());
      // H̄ y = G₀ᵀ…G_{k−1}ᵀ [R y; 0] = G₀ᵀ…G_{k−1}ᵀ [g₀ … g_{k−1}; 0].
      for (int64_t i = 0; i < k; ++i) hy[i] = g[i];
      hy[k] = 0.0;
      for (int64_t i = k - 1; i >= 0; --i) {
        const double a = hy[i], c2 = hy[i + 1];
        hy[i] = cs[i] * a - sn[i] * c2;
        hy[i + 1] = sn[i] * a + cs[i] * c2;
      }
      std::vector<double>& cnew = C[static_cast<size_t>(kr)];
      std::vector<double>& unew = U[static_cast<size_t>(kr)];
      cnew.resize(nn);
      unew.resize(nn);
      ops::axpby(e, y[0], zvec(0), 0.0, unew.data(), n);
      for (int64_t i = 1; i < k; ++i) ops::axpy(e, y[i], zvec(i), unew.data(), n);
      const double* bcol0 = B.data();
      const size_t bld = static_cast<size_t>(std::max<int64_t>(kr, 1));
      for (size_t i = 0; i < order.size(); ++i) {
        double s = 0.0;
        for (int64_t l = 0; l < k; ++l) s += bcol0[static_cast<size_t>(l) * bld + i] * y[l];
        ops::axpy(e, -s, U[static_cast<size_t>(order[i])].data(), unew.data(), n);
      }
      ops::axpby(e, hy[0], vec(0), 0.0, cnew.data(), n);
      for (int64_t i = 1; i <= k; ++i) ops::axpy(e, hy[i], vec(i), cnew.data(), n);
      const double cnorm = ops::nrm2(e, cnew.data(), n);
      const double alpha = 1.0 / cnorm;
      if (!std::isfinite(cnorm) || !std::isfinite(ops::nrm2(e, unew.data(), n))) {
        if (!stopped) res.reason = Reason::NonFinite;
        stopped = true;
      } else if (std::isfinite(alpha) && cnorm > 0.0) {
        ops::scale(e, alpha, cnew.data(), n);
        ops::scale(e, alpha, unew.data(), n);
        const double gamma = ops::dot(e, cnew.data(), r.data(), n);
        ops::axpy(e, gamma, unew.data(), x, n);
        rnorm = std::sqrt(ops::axpy_nrm2sq(e, -gamma, cnew.data(), r.data(), n));
        known = false;
        updated = true;
        // Truncate 'oldest', then store the pair (k = 0: nothing is recycled).
        if (kr > 0) {
          if (static_cast<int64_t>(order.size()) >= kr) {
            const int64_t oldest = order.front();
            order.erase(order.begin());
            std::swap(C[static_cast<size_t>(oldest)], C[static_cast<size_t>(kr)]);
            std::swap(U[static_cast<size_t>(oldest)], U[static_cast<size_t>(kr)]);
            order.push_back(oldest);
          } else {
            const int64_t slot = static_cast<int64_t>(order.size());
            std::swap(C[static_cast<size_t>(slot)], C[static_cast<size_t>(kr)]);
            std::swap(U[static_cast<size_t>(slot)], U[static_cast<size_t>(kr)]);
            order.push_back(slot);
          }
        }
      }
    }
    if (stopped) break;
    if (!updated) {
      // x cannot move, and r, C, U are unchanged. Not even the first column was usable (k = 0:
      // (I − CCᵀ) A M⁻¹ r is numerically zero): Breakdown. Otherwise the least-squares step is
      // y = 0 (H̄ y = 0, no pair to add): a cycle cut short by the budget says MaxIterations; a
      // whole cycle that gains nothing would repeat itself: Stagnation, as in GMRES(m).
      res.reason = k == 0                     ? Reason::Breakdown
                   : it >= opt.max_iterations ? Reason::MaxIterations
                                              : Reason::Stagnation;
      break;
    }
    if (!std::isfinite(rnorm)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (next_true > 0 && it >= next_true) {
      rnorm = true_residual();
      known = true;
      while (next_true <= it) next_true += opt.true_residual_every;
    }
    if (rnorm <= tol) {
      if (!known) {
        rnorm = true_residual();
        known = true;
      }
      if (rnorm <= tol) {
        res.reason = krylov::converged_reason(opt, bnorm);
        break;
      }
      // Missed: go on from the true residual.
    }
    if (op_failed) break;
    if (known) project();
    if (it >= opt.max_iterations) break;  // MaxIterations, also for a cycle cut short
    if (rnorm > prev * (1.0 - kStagnation)) {
      if (++stagnant >= kr + kStagnationCycles) {
        res.reason = Reason::Stagnation;
        break;
      }
    } else {
      stagnant = 0;
    }
  }
  res.iterations = it;
  iter.finish(x, n, rnorm, known, true_residual);
  if (op_failed) krylov::operator_failed(x, n, res);
  return res;
}

}  // namespace itersolve
