// PLACEHOLDER until GCROT(m, k) lands (being written in parallel): fails cleanly.
#include "krylov.hpp"

namespace itersolve {
IterResult gcrotmk(const Engine&, const CsrView&, const double*, double*, const Preconditioner*,
                   const SolveOptions&, Control&) {
  throw SolverError("ERR_UNSUPPORTED", "gcrotmk: not built yet", -1, "method");
}
}  // namespace itersolve
