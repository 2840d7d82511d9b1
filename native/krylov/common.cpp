#include <algorithm>
#include <cmath>

#include "krylov.hpp"

namespace itersolve {
namespace krylov {

double residual(const Engine& e, const CsrView& A, const double* b, const double* x, double* r) {
  ops::spmv(e, A, x, r);
  // r = b − A x  ==  r = −1·r + b
  ops::axpby(e, 1.0, b, -1.0, r, A.rows);
  return ops::nrm2(e, r, A.rows);
}

double start_residual(const Engine& e, const CsrView& A, const double* b, double* x, double* r,
                      const SolveOptions& opt, double bnorm, IterResult& res) {
  if (opt.zero_start) {
    std::fill(x, x + A.rows, 0.0);
    ops::copy(e, b, r, A.rows);
    return bnorm;
  }
  ++res.matvecs;
  return residual(e, A, b, x, r);
}

}  // namespace krylov
}  // namespace itersolve
