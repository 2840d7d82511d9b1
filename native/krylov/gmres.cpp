// Restarted GMRES(m) with right preconditioning: the Arnoldi process runs on A M⁻¹, so the
// least-squares residual |g_{j+1}| estimates ‖b − A x‖₂ of the original system. Modified
// Gram–Schmidt (CGS2 was measured slower: GMRES's h_{j+1,j} is small next to ‖A v_j‖, so the
// reorthogonalisation pass is nearly always due), Givens rotations. FGMRES keeps z_j = M⁻¹v_j, so
// M may change between steps.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "krylov.hpp"

namespace itersolve {

IterResult gmres(const Engine& e, const CsrView& A, const double* b, double* x, const Preconditioner* M,
                 const SolveOptions& opt, Control& ctl) {
  IterResult res;
  const int64_t n = A.rows;
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

  // V_0 holds the true residual at the start of every cycle.
  double rnorm = krylov::start_residual(e, A, b, x, vec(0), opt, bnorm, res);
  if (opt.history) res.history.push_back(rnorm);
  if (!std::isfinite(rnorm) || !std::isfinite(bnorm)) {
    res.reason = Reason::NonFinite;
    res.value = rnorm;
    return res;
  }
  if (rnorm <= tol) {
    res.reason = krylov::converged_reason(opt, bnorm);
    res.value = rnorm;
    return res;
  }

  int64_t it = 0;
  for (;;) {
    if (it >= opt.max_iterations) {
      res.reason = Reason::MaxIterations;
      break;
    }
    ops::scale(e, 1.0 / rnorm, vec(0), n);
    std::fill(g.begin(), g.end(), 0.0);
    g[0] = rnorm;
    double est = rnorm;
    int64_t k = 0;            // columns of the least-squares problem usable for the update
    bool stopped = false;     // res.reason is final
    bool can_update = true;   // the cycle's update may be applied
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
      ops::spmv(e, A, zj, w);
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
      h[j + 1] = hnext;
      for (int64_t i = 0; i < j; ++i) {
        const double t = cs[i] * h[i] + sn[i] * h[i + 1];
        h[i + 1] = -sn[i] * h[i] + cs[i] * h[i + 1];
        h[i] = t;
      }
      const double rr = std::hypot(h[j], h[j + 1]);
      ++it;
      if (rr == 0.0) {
        // A z_j lies in span(v_0..v_{j−1}) and adds nothing: the cycle ends without this column.
        if (opt.history) res.history.push_back(est);
        krylov::report(ctl, opt, it, est);
        break;
      }
      cs[j] = h[j] / rr;
      sn[j] = h[j + 1] / rr;
      h[j] = rr;
      h[j + 1] = 0.0;
      g[j + 1] = -sn[j] * g[j];
      g[j] = cs[j] * g[j];
      est = std::fabs(g[j + 1]);
      k = j + 1;
      if (opt.history) res.history.push_back(est);
      krylov::report(ctl, opt, it, est);
      if (est <= tol) break;
      // Lucky breakdown: what is left of A z_j is rounding noise, the Krylov space is invariant.
      if (hnext <= eps * std::sqrt(hsq + hnext * hnext)) break;
      if (j + 1 < m && it < opt.max_iterations) ops::scale(e, 1.0 / hnext, w, n);
    }

    // x += M⁻¹ V_k y_k (or Z_k y_k), y_k solving the k×k triangular system R y = g.
    bool updated = false;
    if (k > 0 && can_update) {
      for (int64_t i = k - 1; i >= 0; --i) {
        double s = g[i];
        for (int64_t l = i + 1; l < k; ++l) s -= H[static_cast<size_t>(l) * ld + i] * y[l];
        y[i] = s / H[static_cast<size_t>(i) * ld + i];
      }
      if (flexible) {
        for (int64_t i = 0; i < k; ++i) ops::axpy(e, y[i], Z.data() + static_cast<size_t>(i) * nn, x, n);
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
      // x is unchanged, so is its residual: a cycle that cannot move x would repeat itself.
      if (!stopped) res.reason = Reason::Breakdown;
      break;
    }
    const double prev = rnorm;
    rnorm = krylov::residual(e, A, b, x, vec(0));
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
    if (rnorm == prev) {  // no progress at all in a whole cycle (stagnation)
      res.reason = Reason::Breakdown;
      break;
    }
  }
  res.iterations = it;
  res.value = rnorm;
  return res;
}

}  // namespace itersolve
