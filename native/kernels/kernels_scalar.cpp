// Baseline kernels: portable C++ (SSE2 on x86-64 by the ABI, whatever the compiler emits).
#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

const itersolve::Kernels kTable = {
    itersolve::SimdLevel::Scalar, "scalar", g_spmv, g_spmv_dot, g_dot,
    g_nrm2sq, g_axpy, g_xpby, g_axpby, g_cg_update, g_axpy_nrm2sq, g_sum, g_cg_direction,
};
}  // namespace

namespace itersolve {
const Kernels* kernels_scalar() { return &kTable; }
}  // namespace itersolve
