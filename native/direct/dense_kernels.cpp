// Dense kernels of the supernodal Cholesky (dense_kernels.hpp).
#include "dense_kernels.hpp"

#include <algorithm>
#include <cmath>

#include "../core/gemm.hpp"

namespace itersolve {
namespace direct {
namespace {

using Micro = void (*)(int64_t, const double*, const double*, double*);

// Portable copy of the kernel table's 4 × 8 micro-kernel (an Engine without a table).
void micro_portable(int64_t kc, const double* __restrict a, const double* __restrict b,
                    double* __restrict acc) {
  double c[dense::kMr * dense::kNr] = {};
  for (int64_t p = 0; p < kc; ++p)
    for (int i = 0; i < dense::kMr; ++i)
      for (int j = 0; j < dense::kNr; ++j) c[i * dense::kNr + j] += a[p * 4 + i] * b[p * 8 + j];
  for (int i = 0; i < dense::kMr * dense::kNr; ++i) acc[i] = c[i];
}

// The packed path pays for itself once the product has a few slivers' worth of work.
bool use_packed(int64_t m, int64_t n, int64_t k) { return n >= 4 && k >= 4 && m * n * k >= 2048; }

// Products this large split their column slivers over the pool.
constexpr double kParallelWork = 4.0e6;

}  // namespace

void update_scatter(const Engine& e, int64_t m, int64_t n, int64_t k, const double* X, int64_t ldx,
                    const double* d, double* P, int64_t ldp, const int32_t* rowmap,
                    const int32_t* colmap, double* packA, double* packB, double* col) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (!use_packed(m, n, k)) {
    for (int64_t j = 0; j < n; ++j) {
      double* __restrict c = col;
      for (int64_t i = j; i < m; ++i) c[i] = 0.0;
      int64_t p = 0;
      for (; p + 2 <= k; p += 2) {
        const double* __restrict x0 = X + p * ldx;
        const double* __restrict x1 = x0 + ldx;
        const double t0 = d ? x0[j] * d[p] : x0[j], t1 = d ? x1[j] * d[p + 1] : x1[j];
        for (int64_t i = j; i < m; ++i) c[i] += t0 * x0[i] + t1 * x1[i];
      }
      for (; p < k; ++p) {
        const double* __restrict x = X + p * ldx;
        const double t = d ? x[j] * d[p] : x[j];
        for (int64_t i = j; i < m; ++i) c[i] += t * x[i];
      }
      double* pc = P + (colmap ? colmap[j] : j) * ldp;
      if (rowmap)
        for (int64_t i = j; i < m; ++i) pc[rowmap[i]] -= c[i];
      else
        for (int64_t i = j; i < m; ++i) pc[i] -= c[i];
    }
    return;
  }
  constexpr int kMr = dense::kMr, kNr = dense::kNr;
  const Micro micro =
      e.k != nullptr && e.k->gemm_micro_4x8 != nullptr ? e.k->gemm_micro_4x8 : micro_portable;
  const int64_t nb = (n + kNr - 1) / kNr, na = (m + kMr - 1) / kMr;
  for (int64_t js = 0; js < nb; ++js) {  // Yᵀ (· D) in kNr-column slivers: b[p·kNr + jj]
    const int64_t j0 = js * kNr, wj = std::min<int64_t>(kNr, n - j0);
    double* dst = packB + js * kNr * k;
    for (int64_t p = 0; p < k; ++p) {
      const double* src = X + p * ldx + j0;
      const double dp = d ? d[p] : 1.0;
      double* o = dst + p * kNr;
      int64_t jj = 0;
      if (d)
        for (; jj < wj; ++jj) o[jj] = src[jj] * dp;
      else
        for (; jj < wj; ++jj) o[jj] = src[jj];
      for (; jj < kNr; ++jj) o[jj] = 0.0;
    }
  }
  for (int64_t is = 0; is < na; ++is) {  // X in kMr-row slivers: a[p·kMr + ii]
    const int64_t i0 = is * kMr, h = std::min<int64_t>(kMr, m - i0);
    double* dst = packA + is * kMr * k;
    if (h == kMr) {
      for (int64_t p = 0; p < k; ++p) {
        const double* src = X + p * ldx + i0;
        double* o = dst + p * kMr;
        o[0] = src[0];
        o[1] = src[1];
        o[2] = src[2];
        o[3] = src[3];
      }
    } else {
      for (int64_t p = 0; p < k; ++p) {
        const double* src = X + p * ldx + i0;
        double* o = dst + p * kMr;
        for (int64_t ii = 0; ii < kMr; ++ii) o[ii] = ii < h ? src[ii] : 0.0;
      }
    }
  }
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  parallel_run(e.pool, nb > 1 && work >= kParallelWork, [&](int task, int ntasks) {
    // Column slivers by equal shares of the lower trapezoid's area (later slivers are shorter).
    double acc[kMr * kNr];
    const int64_t js0 = nb * task / ntasks, js1 = nb * (task + 1) / ntasks;
    for (int64_t js = js0; js < js1; ++js) {
      const int64_t j0 = js * kNr, wj = std::min<int64_t>(kNr, n - j0);
      double* pc[kNr];
      for (int64_t jj = 0; jj < wj; ++jj) pc[jj] = P + (colmap ? colmap[j0 + jj] : j0 + jj) * ldp;
      const double* b = packB + js * kNr * k;
      for (int64_t is = j0 / kMr; is < na; ++is) {
        const int64_t i0 = is * kMr, h = std::min<int64_t>(kMr, m - i0);
        micro(k, packA + is * kMr * k, b, acc);
        if (i0 >= j0 + wj - 1) {  // wholly on or below the diagonal
          for (int64_t ii = 0; ii < h; ++ii) {
            const int64_t r = rowmap ? rowmap[i0 + ii] : i0 + ii;
            const double* ar = acc + ii * kNr;
            for (int64_t jj = 0; jj < wj; ++jj) pc[jj][r] -= ar[jj];
          }
        } else {
          for (int64_t ii = 0; ii < h; ++ii) {
            const int64_t i = i0 + ii;
            const int64_t r = rowmap ? rowmap[i] : i;
            const double* ar = acc + ii * kNr;
            for (int64_t jj = 0; jj < wj && j0 + jj <= i; ++jj) pc[jj][r] -= ar[jj];
          }
        }
      }
    }
  });
}

int64_t factor_panel(const Engine& e, int64_t m, int64_t w, double* P, int64_t ld, bool ldlt,
                     double* packA, double* packB, double* col) {
  double dblk[kPanelBlock];
  for (int64_t k0 = 0; k0 < w; k0 += kPanelBlock) {
    const int64_t k1 = std::min(w, k0 + kPanelBlock);
    // Columns k0..k1 over rows k0..m, left-looking inside the block (earlier blocks are applied).
    for (int64_t j = k0; j < k1; ++j) {
      double* __restrict pj = P + j * ld;
      int64_t p = k0;
      for (; p + 2 <= j; p += 2) {
        const double* __restrict x0 = P + p * ld;
        const double* __restrict x1 = x0 + ld;
        double t0 = x0[j], t1 = x1[j];
        if (ldlt) {
          t0 *= x0[p];
          t1 *= x1[p + 1];
        }
        for (int64_t i = j; i < m; ++i) pj[i] -= t0 * x0[i] + t1 * x1[i];
      }
      for (; p < j; ++p) {
        const double* __restrict x = P + p * ld;
        const double t = ldlt ? x[j] * x[p] : x[j];
        for (int64_t i = j; i < m; ++i) pj[i] -= t * x[i];
      }
      const double d = pj[j];
      if (ldlt) {
        if (d == 0.0 || !std::isfinite(d)) return j;
        const double inv = 1.0 / d;
        for (int64_t i = j + 1; i < m; ++i) pj[i] *= inv;
      } else {
        if (!(d > 0.0) || !std::isfinite(d)) return j;
        const double l = std::sqrt(d);
        pj[j] = l;
        const double inv = 1.0 / l;
        for (int64_t i = j + 1; i < m; ++i) pj[i] *= inv;
      }
    }
    if (k1 >= w) break;
    // Trailing columns k1..w, rows k1..m: −= L(k1:m, k0:k1) · [D] · L(k1:w, k0:k1)ᵀ.
    const int64_t kb = k1 - k0;
    if (ldlt)
      for (int64_t p = 0; p < kb; ++p) dblk[p] = P[(k0 + p) + (k0 + p) * ld];
    update_scatter(e, m - k1, w - k1, kb, P + k1 + k0 * ld, ld, ldlt ? dblk : nullptr,
                   P + k1 + k1 * ld, ld, nullptr, nullptr, packA, packB, col);
  }
  return -1;
}

}  // namespace direct
}  // namespace itersolve
