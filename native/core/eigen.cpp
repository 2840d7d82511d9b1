#include "eigen.hpp"

#include <cmath>
#include <utility>

namespace itersolve {

IterResult power_iteration(const Engine& e, const CsrView& A, double* x, double* work,
                           const PowerOptions& opt, Control& ctl) {
  IterResult res;
  const int64_t n = A.rows;
  double nx = ops::nrm2(e, x, n);
  if (!std::isfinite(nx)) {
    res.reason = Reason::NonFinite;
    return res;
  }
  if (nx == 0.0) {
    res.reason = Reason::Breakdown;
    return res;
  }
  ops::scale(e, 1.0 / nx, x, n);
  double* v = x;
  double* y = work;
  double lambda = 0.0;
  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    const double rq = ops::spmv_dot(e, A, v, y, v);  // y = A v, λ = vᵀA v (‖v‖ = 1)
    ++res.matvecs;
    res.iterations = it;
    const double ny = ops::nrm2(e, y, n);
    if (!std::isfinite(rq) || !std::isfinite(ny)) {
      res.reason = Reason::NonFinite;
      lambda = rq;
      break;
    }
    const double change =
        it > 1 ? std::fabs(rq - lambda) / std::fmax(std::fabs(rq), 1e-300) : INFINITY;
    lambda = rq;
    res.change = change;
    if (opt.history) res.history.push_back(rq);
    if (ny == 0.0) {  // v in the null space: A v = 0, λ = 0 exactly
      res.reason = Reason::Breakdown;
      break;
    }
    ops::scale(e, 1.0 / ny, y, n);
    std::swap(v, y);
    ProgressInfo pi;
    pi.iteration = it;
    pi.total = opt.max_iterations;
    pi.value = lambda;
    ctl.progress(pi);
    if (opt.rtol > 0 && change <= opt.rtol) {
      res.reason = Reason::Rtol;
      break;
    }
  }
  if (v != x) ops::copy(e, v, x, n);
  res.value = lambda;
  return res;
}

}  // namespace itersolve
