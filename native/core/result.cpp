#include "result.hpp"

namespace itersolve {

const char* reason_name(Reason r) {
  switch (r) {
    case Reason::Rtol: return "rtol";
    case Reason::Atol: return "atol";
    case Reason::MaxIterations: return "max-iterations";
    case Reason::Breakdown: return "breakdown";
    case Reason::Indefinite: return "indefinite";
    case Reason::NonFinite: return "non-finite";
    case Reason::Aborted: return "aborted";
    case Reason::TimeLimit: return "time-limit";
    case Reason::Stagnation: return "stagnation";
    case Reason::Tol: return "tol";
    case Reason::Optimal: return "optimal";
    case Reason::Divergence: return "divergence";
  }
  return "unknown";
}

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::Aborted: return "aborted";
    case StopReason::TimeLimit: return "time-limit";
    default: return "none";
  }
}

}  // namespace itersolve
