// aarch64 kernels. NEON is part of the aarch64 baseline, so this translation unit needs no extra
// flags; it exists so that the table carries its own level and so hand-written NEON kernels have
// a home. On other architectures it compiles to nothing.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels.hpp"

namespace {
#include "kernels_generic.inc"

double v_dot(const double* x, const double* y, int64_t n) {
  float64x2_t a0 = vdupq_n_f64(0.0), a1 = vdupq_n_f64(0.0);
  float64x2_t a2 = vdupq_n_f64(0.0), a3 = vdupq_n_f64(0.0);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = vfmaq_f64(a0, vld1q_f64(x + i), vld1q_f64(y + i));
    a1 = vfmaq_f64(a1, vld1q_f64(x + i + 2), vld1q_f64(y + i + 2));
    a2 = vfmaq_f64(a2, vld1q_f64(x + i + 4), vld1q_f64(y + i + 4));
    a3 = vfmaq_f64(a3, vld1q_f64(x + i + 6), vld1q_f64(y + i + 6));
  }
  double s = vaddvq_f64(vaddq_f64(vaddq_f64(a0, a1), vaddq_f64(a2, a3)));
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}
double v_nrm2sq(const double* x, int64_t n) { return v_dot(x, x, n); }

// Filled field by field, by name (C++17 has no designated initialisers): a positional list
// cannot tell nrm2sq from sum, which share a signature.
constexpr itersolve::Kernels make_table() {
  itersolve::Kernels t{};
  t.level = itersolve::SimdLevel::Neon;
  t.name = "neon";
  t.spmv = g_spmv;
  t.spmv_dot = g_spmv_dot;
  t.dot = v_dot;
  t.nrm2sq = v_nrm2sq;
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
const Kernels* kernels_neon() { return &kTable; }
}  // namespace itersolve
#endif
