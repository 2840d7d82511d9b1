// Blocked dense GEMM and Cholesky helpers (gemm.hpp).
#include "gemm.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "errors.hpp"

namespace itersolve {
namespace dense {
namespace {

// op(M)(i, j) = data[i·rs + j·cs].
struct Strided {
  const double* data;
  int64_t rs, cs;
};

Strided strided(MatRef M, bool trans) {
  int64_t rs = M.order == Order::Row ? M.ld : 1;
  int64_t cs = M.order == Order::Row ? 1 : M.ld;
  if (trans) std::swap(rs, cs);
  return {M.data, rs, cs};
}

// Rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into kMr-row slivers, depth-major within a
// sliver (a[p·kMr + i]); rows past m are zeros.
void pack_a(const Strided& A, int64_t m, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
            double* out) {
  for (int64_t ir = 0; ir < mc; ir += kMr) {
    double* s = out + ir * kc;
    const int64_t h = std::min<int64_t>(kMr, std::min(mc, m - i0) - ir);
    const double* src = A.data + (i0 + ir) * A.rs + p0 * A.cs;
    if (h == kMr && A.rs == 1) {  // a column of the sliver is contiguous: walk p outer
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < kMr; ++i) s[p * kMr + i] = src[p * A.cs + i];
      continue;
    }
    for (int i = 0; i < kMr; ++i) {
      if (i < h) {
        const double* row = src + i * A.rs;
        for (int64_t p = 0; p < kc; ++p) s[p * kMr + i] = row[p * A.cs];
      } else {
        for (int64_t p = 0; p < kc; ++p) s[p * kMr + i] = 0.0;
      }
    }
  }
}

// Depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into kNr-column slivers (b[p·kNr + j]);
// columns past n are zeros.
void pack_b(const Strided& B, int64_t n, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
            double* out) {
  for (int64_t jr = 0; jr < nc; jr += kNr) {
    double* s = out + jr * kc;
    const int64_t w = std::min<int64_t>(kNr, std::min(nc, n - j0) - jr);
    const double* src = B.data + p0 * B.rs + (j0 + jr) * B.cs;
    if (B.cs != 1) {  // columns of B contiguous down p (or general strides): walk each column
      for (int64_t j = 0; j < kNr; ++j) {
        if (j < w) {
          const double* col = src + j * B.cs;
          for (int64_t p = 0; p < kc; ++p) s[p * kNr + j] = col[p * B.rs];
        } else {
          for (int64_t p = 0; p < kc; ++p) s[p * kNr + j] = 0.0;
        }
      }
      continue;
    }
    for (int64_t p = 0; p < kc; ++p) {
      const double* row = src + p * B.rs;
      double* d = s + p * kNr;
      int64_t j = 0;
      for (; j < w; ++j) d[j] = row[j];
      for (; j < kNr; ++j) d[j] = 0.0;
    }
  }
}

// acc (kMr × kNr, row-major) = Σ_p a[p·kMr + i]·b[p·kNr + j]: the loops the compiler turns
// into kMr·kNr/width vector accumulators.
void micro_kernel(int64_t kc, const double* __restrict a, const double* __restrict b,
                  double* __restrict acc) {
  double c[kMr][kNr];
  for (int i = 0; i < kMr; ++i)
    for (int j = 0; j < kNr; ++j) c[i][j] = 0.0;
  for (int64_t p = 0; p < kc; ++p) {
    const double* ap = a + p * kMr;
    const double* bp = b + p * kNr;
    for (int i = 0; i < kMr; ++i) {
      const double ai = ap[i];
      for (int j = 0; j < kNr; ++j) c[i][j] += ai * bp[j];
    }
  }
  for (int i = 0; i < kMr; ++i)
    for (int j = 0; j < kNr; ++j) acc[i * kNr + j] = c[i][j];
}

void scale_c(int64_t m, int64_t n, double beta, double* C, int64_t rs, int64_t cs) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double& c = C[i * rs + j * cs];
      c = beta == 0.0 ? 0.0 : beta * c;
    }
}

}  // namespace

void gemm(const Engine& e, int64_t m, int64_t n, int64_t k, double alpha, MatRef A, bool ta,
          MatRef B, bool tb, double beta, double* C, int64_t ldc, Order c_order) {
  if (m <= 0 || n <= 0) return;
  const int64_t crs = c_order == Order::Row ? ldc : 1;
  const int64_t ccs = c_order == Order::Row ? 1 : ldc;
  if (k <= 0 || alpha == 0.0) {
    if (beta != 1.0) scale_c(m, n, beta, C, crs, ccs);
    return;
  }
  const Strided a = strided(A, ta), b = strided(B, tb);
  // The active ISA's micro-kernel from the kernel table; the portable copy here when the
  // Engine carries no table.
  static_assert(kMr == 4 && kNr == 8, "the kernel table's micro-kernel is 4 x 8");
  void (*micro)(int64_t, const double*, const double*, double*) =
      e.k != nullptr && e.k->gemm_micro_4x8 != nullptr ? e.k->gemm_micro_4x8 : micro_kernel;
  const int64_t mt = (m + kMc - 1) / kMc, nt = (n + kNc - 1) / kNc;
  const int64_t tiles = mt * nt;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  parallel_run(e.pool, tiles > 1 && work >= 2e6, [&](int task, int ntasks) {
    const int64_t t0 = tiles * task / ntasks, t1 = tiles * (task + 1) / ntasks;
    if (t0 >= t1) return;
    const int64_t kc_max = std::min(k, kKc);
    std::vector<double> pa(
        static_cast<size_t>(((std::min(m, kMc) + kMr - 1) / kMr) * kMr * kc_max));
    std::vector<double> pb(
        static_cast<size_t>(((std::min(n, kNc) + kNr - 1) / kNr) * kNr * kc_max));
    double acc[kMr * kNr];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = (t % mt) * kMc, j0 = (t / mt) * kNc;
      const int64_t mc = std::min(kMc, m - i0), nc = std::min(kNc, n - j0);
      for (int64_t p0 = 0; p0 < k; p0 += kKc) {
        const int64_t kc = std::min(kKc, k - p0);
        const bool first = p0 == 0;
        pack_b(b, n, j0, nc, p0, kc, pb.data());
        pack_a(a, m, i0, mc, p0, kc, pa.data());
        for (int64_t jr = 0; jr < nc; jr += kNr) {
          const int64_t w = std::min<int64_t>(kNr, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += kMr) {
            const int64_t h = std::min<int64_t>(kMr, mc - ir);
            micro(kc, pa.data() + ir * kc, pb.data() + jr * kc, acc);
            double* c0 = C + (i0 + ir) * crs + (j0 + jr) * ccs;
            for (int64_t i = 0; i < h; ++i)
              for (int64_t j = 0; j < w; ++j) {
                double& c = c0[i * crs + j * ccs];
                const double v = alpha * acc[i * kNr + j];
                if (!first) c += v;
                else c = beta == 0.0 ? v : beta * c + v;
              }
          }
        }
      }
    }
  });
}

void cholesky(int64_t k, double* S) {
  for (int64_t j = 0; j < k; ++j) {
    double* rj = S + j * k;
    double d = rj[j];
    for (int64_t p = 0; p < j; ++p) d -= rj[p] * rj[p];
    if (!(d > 0.0) || !std::isfinite(d))
      throw SolverError(
          "ERR_ZERO_PIVOT",
          "cholesky: the matrix is not positive definite (pivot " + std::to_string(j) + ")", j);
    const double l = std::sqrt(d);
    rj[j] = l;
    const double inv = 1.0 / l;
    for (int64_t i = j + 1; i < k; ++i) {
      double* ri = S + i * k;
      double s = ri[j];
      for (int64_t p = 0; p < j; ++p) s -= ri[p] * rj[p];
      ri[j] = s * inv;
    }
    for (int64_t p = j + 1; p < k; ++p) rj[p] = 0.0;
  }
}

void cholesky_solve(int64_t k, const double* L, double* B, int64_t nrhs, int64_t stride) {
  for (int64_t r = 0; r < nrhs; ++r) {
    double* x = B + r * stride;
    for (int64_t i = 0; i < k; ++i) {  // L y = b
      const double* li = L + i * k;
      double s = x[i];
      for (int64_t p = 0; p < i; ++p) s -= li[p] * x[p];
      x[i] = s / li[i];
    }
    for (int64_t i = k - 1; i >= 0; --i) {  // Lᵀ x = y
      double s = x[i];
      for (int64_t p = i + 1; p < k; ++p) s -= L[p * k + i] * x[p];
      x[i] = s / L[i * k + i];
    }
  }
}

void spd_inverse(const Engine& e, int64_t k, double* S) {
  if (k <= 0) return;
  std::vector<double> L(S, S + k * k);
  cholesky(k, L.data());
  // Xt = (L⁻¹)ᵀ, row j = column j of L⁻¹: L x = e_j by column-oriented forward substitution,
  // whose inner loop is a contiguous axpy over row p of Lᵀ (column p of L).
  std::vector<double> Lt(static_cast<size_t>(k * k)), Xt(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t p = 0; p <= i; ++p) Lt[p * k + i] = L[i * k + p];
  for (int64_t j = 0; j < k; ++j) {
    double* x = Xt.data() + j * k;
    x[j] = 1.0;
    for (int64_t p = j; p < k; ++p) {
      const double xp = x[p] / Lt[p * k + p];
      x[p] = xp;
      const double* lp = Lt.data() + p * k;
      for (int64_t i = p + 1; i < k; ++i) x[i] -= xp * lp[i];
    }
  }
  // S⁻¹ = L⁻ᵀL⁻¹ = Xt·Xtᵀ.
  const MatRef X{Xt.data(), k, Order::Row};
  gemm(e, k, k, k, 1.0, X, false, X, true, 0.0, S, k, Order::Row);
  for (int64_t i = 0; i < k; ++i)  // exactly symmetric
    for (int64_t j = i + 1; j < k; ++j) {
      const double v = 0.5 * (S[i * k + j] + S[j * k + i]);
      S[i * k + j] = v;
      S[j * k + i] = v;
    }
}

}  // namespace dense
}  // namespace itersolve
