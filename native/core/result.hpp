// Outcome of an iterative method, shared by every solver.
#pragma once
#include <cstdint>
#include <vector>

#include "control.hpp"

namespace itersolve {

enum class Reason : int {
  Rtol = 0,
  Atol,
  MaxIterations,
  Breakdown,
  Indefinite,
  NonFinite,
  Aborted,
  TimeLimit,
  Stagnation,  // a restarted method stopped improving (GMRES(m) cycles that reduce nothing)
  Tol,         // converged: the method's own tolerance test met (OT: marginal error ≤ tol)
  Optimal,     // converged: an exact method reached its optimum (network simplex)
  Divergence,  // the residual grew past a divergence bound (PETSc's KSP_DIVERGED_DTOL)
};

const char* reason_name(Reason r);
inline Reason reason_from_stop(StopReason s) {
  return s == StopReason::Aborted ? Reason::Aborted : Reason::TimeLimit;
}
inline bool reason_converged(Reason r) {
  return r == Reason::Rtol || r == Reason::Atol || r == Reason::Tol || r == Reason::Optimal;
}

struct IterResult {
  Reason reason = Reason::MaxIterations;
  int64_t iterations = 0;
  int64_t matvecs = 0;
  double value = 0.0;          // method-specific figure (residual norm, eigenvalue, ...)
  double change = 0.0;         // method-specific second figure
  std::vector<double> history; // filled when asked for
};

}  // namespace itersolve
