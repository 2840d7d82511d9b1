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

}  // namespace krylov
}  // namespace itersolve
