// The start and the end of an iteration, the same in every solver that tracks a residual norm
// (bicgstab, conjugate_direction, minres and the stationary methods): record the history, report
// progress, stop on a non-finite norm, and confirm convergence on the true residual before
// reporting it. One place, so the solvers cannot drift apart on what a history entry, a progress
// report or a converged reason means. CG, GMRES and GCROT, whose stopping tests differ (CG
// records the recurrence norm before a replacement, GMRES and GCROT confirm at the end of a
// cycle), use start() and record() only.
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>

#include "krylov.hpp"

namespace itersolve {
namespace krylov {

class Iteration {
 public:
  // tol: the stopping tolerance max(rtol·ref, atol); ref: the norm rtol multiplies (‖b‖ for the
  // Krylov solvers, ‖b − A x0‖ for the stationary methods), which decides Rtol vs Atol.
  Iteration(Control& ctl, const SolveOptions& opt, IterResult& res, double tol, double ref)
      : ctl_(ctl), opt_(opt), res_(res), tol_(tol), ref_(ref) {}

  // The initial residual r0 of x (n entries) is known: history[0] and, with report_zero, the
  // progress report of iteration 0 (CG and the stationary methods send one; BiCGSTAB, GMRES,
  // GCROT, MINRES and conjugate_direction report from iteration 1, and the tests pin one report
  // per iteration for them). Returns true when the solve is already over: a non-finite r0 or ref
  // (NonFinite), or r0 ≤ tol (converged, x checked for ±Inf/NaN entries); res.reason and
  // res.value are then set. Otherwise res.reason is MaxIterations until the solver says more.
  bool start(double r0, const double* x, int64_t n, bool report_zero = true) {
    r0_ = r0;
    if (opt_.history) res_.history.push_back(r0);
    if (report_zero) report(ctl_, opt_, 0, r0, r0, tol_);
    if (!std::isfinite(r0) || !std::isfinite(ref_)) {
      res_.reason = Reason::NonFinite;
      res_.value = r0;
      return true;
    }
    if (r0 <= tol_) {
      res_.reason = converged_reason(opt_, ref_);
      res_.value = r0;
      flag_nonfinite(x, n, res_);  // x0 may hold ±Inf where A has no entries
      return true;
    }
    res_.reason = Reason::MaxIterations;
    return false;
  }

  // The end of iteration `it`. rnorm is what the iteration believes ‖b − A x‖ is (a recurrence
  // or an estimate) and `exact` says whether it is the true residual norm of the current x.
  // true_residual() recomputes b − A x (the solver's own buffers) and returns its norm; it is
  // called every opt.true_residual_every iterations and to confirm a norm that met tol, and then
  // rnorm and exact are updated. Records res.iterations and the history, reports progress, and
  // returns true when the solver must stop: a non-finite norm (NonFinite) or a confirmed
  // convergence (Rtol/Atol). A confirmation that misses leaves rnorm the true norm and goes on.
  template <class TrueResidual>
  bool end(int64_t it, double& rnorm, bool& exact, TrueResidual&& true_residual) {
    if (!exact && opt_.true_residual_every > 0 && it % opt_.true_residual_every == 0) {
      rnorm = true_residual();
      exact = true;
    }
    record(it, rnorm);
    if (!std::isfinite(rnorm)) {
      res_.reason = Reason::NonFinite;
      return true;
    }
    if (rnorm <= tol_) {
      if (!exact) {
        rnorm = true_residual();
        exact = true;
      }
      if (rnorm <= tol_) {
        res_.reason = converged_reason(opt_, ref_);
        return true;
      }
    }
    return false;
  }
  // The same for a norm that is always the true residual's (stationary methods).
  bool end_exact(int64_t it, double rnorm) {
    bool exact = true;
    return end(it, rnorm, exact, [rnorm] { return rnorm; });
  }

  // Iteration `it` ended with norm rnorm: res.iterations, the history entry and the progress
  // report (with the fraction done). end() starts with it; a solver's own exit that ends an
  // iteration without end()'s tests (BiCGSTAB's converged half step, a GMRES inner step whose
  // estimate is confirmed at the end of the cycle) calls it directly.
  void record(int64_t it, double rnorm) {
    res_.iterations = it;
    if (opt_.history) res_.history.push_back(rnorm);
    report(ctl_, opt_, it, rnorm, r0_, tol_);
  }

  // The solver's last step, whatever stopped it: res.value is the true residual norm of x
  // (rnorm when exact, otherwise true_residual()), and an x with a NaN or ±Inf entry reports
  // NonFinite (flag_nonfinite).
  template <class TrueResidual>
  void finish(const double* x, int64_t n, double rnorm, bool exact, TrueResidual&& true_residual) {
    res_.value = exact ? rnorm : true_residual();
    flag_nonfinite(x, n, res_);
  }

  double tol() const { return tol_; }
  double r0() const { return r0_; }

 private:
  Control& ctl_;
  const SolveOptions& opt_;
  IterResult& res_;
  double tol_, ref_, r0_ = 0.0;
};

}  // namespace krylov
}  // namespace itersolve
