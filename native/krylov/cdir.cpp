// Conjugate-direction method with a direction oracle (DCDM, Kaneda et al., ICML 2023). The
// oracle proposes a direction from the normalised residual; A-orthogonalising it against the
// last `memory` directions makes each step an exact line search in a growing A-conjugate set.
// With the identity oracle and memory ≥ 1 the iterates are CG's; memory 0 is steepest descent.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "iteration.hpp"
#include "krylov.hpp"

namespace itersolve {

IterResult conjugate_direction(const Engine& e, const LinearOperator& A, const double* b, double* x,
                               const Preconditioner* oracle, const SolveOptions& options,
                               Control& ctl) {
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
  // More stored directions than iterations (or than n) could never be used.
  const int64_t mem = std::max<int64_t>(
      0, std::min<int64_t>({static_cast<int64_t>(opt.memory), opt.max_iterations, n}));
  std::vector<double> r(nn), u(oracle != nullptr ? nn : 0), q(nn), w(nn);
  // Ring buffer of (p_j, A p_j, p_jᵀA p_j); slot `head` is the next to be overwritten.
  std::vector<std::vector<double>> P(static_cast<size_t>(mem), std::vector<double>(nn));
  std::vector<std::vector<double>> AP(static_cast<size_t>(mem), std::vector<double>(nn));
  std::vector<double> D(static_cast<size_t>(mem));
  int64_t stored = 0, head = 0;

  double rnorm;
  if (!krylov::start_residual(e, A, b, x, r.data(), opt, bnorm, res, rnorm)) return res;
  krylov::Iteration iter(ctl, opt, res, tol, bnorm);
  if (iter.start(rnorm, x, n, /*report_zero=*/false)) return res;
  bool exact = true;  // r is the true residual of the current x
  // r := b − A x and its norm: the confirmations, true_residual_every and the exit.
  // A failed product (op_failed) makes it NaN and the solve ends as Aborted.
  bool op_failed = false;
  auto true_residual = [&]() {
    double t = std::numeric_limits<double>::quiet_NaN();
    if (op_failed) return t;
    ++res.matvecs;
    if (!krylov::residual(e, A, b, x, r.data(), t)) op_failed = true;
    return t;
  };

  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    // q = oracle(r / ‖r‖): the oracle sees a unit vector whatever the residual's scale.
    if (oracle != nullptr) {
      ops::axpby(e, 1.0 / rnorm, r.data(), 0.0, u.data(), n);
      if (!oracle->apply(e, u.data(), q.data())) {
        res.reason = Reason::Aborted;
        break;
      }
    } else {
      ops::axpby(e, 1.0 / rnorm, r.data(), 0.0, q.data(), n);
    }
    if (!krylov::matvec(e, A, q.data(), w.data())) {
      op_failed = true;
      break;
    }
    ++res.matvecs;
    // Modified Gram–Schmidt in the A inner product, oldest direction first; wᵀp_j = qᵀA p_j
    // (A symmetric) keeps w = A q without another product.
    for (int64_t s = 0; s < stored; ++s) {
      const size_t j = static_cast<size_t>((head - stored + s + mem) % mem);
      const double c = ops::dot(e, w.data(), P[j].data(), n) / D[j];
      ops::axpy(e, -c, P[j].data(), q.data(), n);
      ops::axpy(e, -c, AP[j].data(), w.data(), n);
    }
    const double d = ops::dot(e, q.data(), w.data(), n);
    if (!std::isfinite(d)) {
      res.reason = Reason::NonFinite;
      break;
    }
    if (d <= 0.0) {
      res.reason = Reason::Indefinite;
      break;
    }
    const double alpha = ops::dot(e, q.data(), r.data(), n) / d;
    if (!std::isfinite(alpha)) {
      res.reason = Reason::NonFinite;
      break;
    }
    rnorm = std::sqrt(ops::cg_update(e, alpha, q.data(), w.data(), x, r.data(), n));
    exact = false;
    if (mem > 0) {
      const size_t h = static_cast<size_t>(head);
      std::swap(q, P[h]);
      std::swap(w, AP[h]);
      D[h] = d;
      head = (head + 1) % mem;
      stored = std::min(stored + 1, mem);
    }
    // A confirmation that misses leaves r the true residual; the iteration goes on from it.
    if (iter.end(it, rnorm, exact, true_residual) || op_failed) break;
  }
  iter.finish(x, n, rnorm, exact, true_residual);
  if (op_failed) krylov::operator_failed(x, n, res);
  return res;
}

}  // namespace itersolve
