// Baseline kernels: portable C++ (SSE2 on x86-64 by the ABI, whatever the compiler emits).
#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

// Filled field by field, by name (C++17 has no designated initialisers): a positional list
// cannot tell nrm2sq from sum, which share a signature.
constexpr itersolve::Kernels make_table() {
  itersolve::Kernels t{};
  t.level = itersolve::SimdLevel::Scalar;
  t.name = "scalar";
  t.spmv = g_spmv;
  t.spmv_dot = g_spmv_dot;
  t.dot = g_dot;
  t.nrm2sq = g_nrm2sq;
  t.axpy = g_axpy;
  t.xpby = g_xpby;
  t.axpby = g_axpby;
  t.cg_update = g_cg_update;
  t.axpy_nrm2sq = g_axpy_nrm2sq;
  t.sum = g_sum;
  t.cg_direction = g_cg_direction;
  t.exp_row = g_exp_row;
  t.max_diff = g_max_diff;
  t.cost_row = g_cost_row;
  t.gemm_micro_4x8 = g_gemm_micro_4x8;
  return t;
}
constexpr itersolve::Kernels kTable = make_table();
static_assert(g_table_complete(kTable), "every kernel of kTable is set");
}  // namespace

namespace itersolve {
const Kernels* kernels_scalar() { return &kTable; }
}  // namespace itersolve
