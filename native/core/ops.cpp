#include "ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace itersolve {
namespace ops {
namespace {

// Partial sums per fixed block, added in block order.
template <class BlockFn>
double blocked_reduce(const Engine& e, int64_t n, BlockFn&& fn) {
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  if (nblocks <= 1) return n > 0 ? fn(0, n) : 0.0;
  double stackbuf[256];
  std::vector<double> heap;
  double* partial = stackbuf;
  if (nblocks > 256) {
    heap.resize(static_cast<size_t>(nblocks));
    partial = heap.data();
  }
  parallel_run(e.pool, n >= kParallelMin, [&](int task, int ntasks) {
    const int64_t b0 = nblocks * task / ntasks, b1 = nblocks * (task + 1) / ntasks;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i0 = b * kBlock, i1 = std::min(n, i0 + kBlock);
      partial[b] = fn(i0, i1);
    }
  });
  double s = 0.0;
  for (int64_t b = 0; b < nblocks; ++b) s += partial[b];
  return s;
}

template <class RangeFn>
void blocked_map(const Engine& e, int64_t n, RangeFn&& fn) {
  parallel_run(e.pool, n >= kParallelMin, [&](int task, int ntasks) {
    // Split on kBlock boundaries so each element is always handled by the same kernel call shape.
    const int64_t nblocks = (n + kBlock - 1) / kBlock;
    const int64_t b0 = nblocks * task / ntasks, b1 = nblocks * (task + 1) / ntasks;
    const int64_t i0 = b0 * kBlock, i1 = std::min(n, b1 * kBlock);
    if (i1 > i0) fn(i0, i1);
  });
}

}  // namespace

void balance_rows(const CsrView& A, int parts, int64_t granule, std::vector<int64_t>& bounds) {
  bounds.assign(static_cast<size_t>(parts) + 1, A.rows);
  bounds[0] = 0;
  const int64_t base = A.rowPtr[0];
  const double total = static_cast<double>(A.rowPtr[A.rows] - base) + static_cast<double>(A.rows);
  int64_t r = 0;
  for (int p = 1; p < parts; ++p) {
    const double target = total * p / parts;
    // first row r with (rowPtr[r]-base) + r >= target
    int64_t lo = r, hi = A.rows;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (static_cast<double>(A.rowPtr[mid] - base) + static_cast<double>(mid) < target)
        lo = mid + 1;
      else hi = mid;
    }
    int64_t b = granule > 1 ? (lo / granule) * granule : lo;
    if (b < r) b = r;
    bounds[static_cast<size_t>(p)] = b;
    r = b;
  }
}

void spmv(const Engine& e, const CsrView& A, const double* x, double* y) {
  const int64_t work = static_cast<int64_t>(A.rowPtr[A.rows] - A.rowPtr[0]) + A.rows;
  parallel_run(e.pool, work >= kParallelMin, [&](int task, int ntasks) {
    if (ntasks == 1) {
      e.k->spmv(A, x, y, 0, A.rows);
      return;
    }
    std::vector<int64_t> bounds;
    balance_rows(A, ntasks, 1, bounds);
    e.k->spmv(A, x, y, bounds[static_cast<size_t>(task)], bounds[static_cast<size_t>(task) + 1]);
  });
}

double spmv_dot(const Engine& e, const CsrView& A, const double* x, double* y, const double* w) {
  const int64_t rows = A.rows;
  const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
  if (nblocks <= 1) return rows > 0 ? e.k->spmv_dot(A, x, y, w, 0, rows) : 0.0;
  std::vector<double> partial(static_cast<size_t>(nblocks));
  const int64_t work = static_cast<int64_t>(A.rowPtr[rows] - A.rowPtr[0]) + rows;
  parallel_run(e.pool, work >= kParallelMin, [&](int task, int ntasks) {
    int64_t r0 = 0, r1 = rows;
    if (ntasks > 1) {
      std::vector<int64_t> bounds;
      balance_rows(A, ntasks, kRowBlock, bounds);
      r0 = bounds[static_cast<size_t>(task)];
      r1 = bounds[static_cast<size_t>(task) + 1];
    }
    for (int64_t b0 = r0; b0 < r1; b0 += kRowBlock) {
      const int64_t b1 = std::min(r1, b0 + kRowBlock);
      partial[static_cast<size_t>(b0 / kRowBlock)] = e.k->spmv_dot(A, x, y, w, b0, b1);
    }
  });
  double s = 0.0;
  for (double p : partial) s += p;
  return s;
}

double residual(const Engine& e, const CsrView& A, const double* b, const double* x, double* r) {
  const int64_t rows = A.rows;
  auto block = [&](int64_t r0, int64_t r1) {
    e.k->spmv(A, x, r, r0, r1);
    e.k->axpby(1.0, b + r0, -1.0, r + r0, r1 - r0);  // r = b − r, on rows still in cache
    return e.k->nrm2sq(r + r0, r1 - r0);
  };
  const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
  if (nblocks <= 1) return rows > 0 ? std::sqrt(block(0, rows)) : 0.0;
  double stackbuf[512];
  std::vector<double> heap;
  double* partial = stackbuf;
  if (nblocks > 512) {
    heap.resize(static_cast<size_t>(nblocks));
    partial = heap.data();
  }
  const int64_t work = static_cast<int64_t>(A.rowPtr[rows] - A.rowPtr[0]) + rows;
  parallel_run(e.pool, work >= kParallelMin, [&](int task, int ntasks) {
    int64_t r0 = 0, r1 = rows;
    if (ntasks > 1) {
      std::vector<int64_t> bounds;
      balance_rows(A, ntasks, kRowBlock, bounds);
      r0 = bounds[static_cast<size_t>(task)];
      r1 = bounds[static_cast<size_t>(task) + 1];
    }
    for (int64_t b0 = r0; b0 < r1; b0 += kRowBlock)
      partial[b0 / kRowBlock] = block(b0, std::min(r1, b0 + kRowBlock));
  });
  double s = 0.0;
  for (int64_t i = 0; i < nblocks; ++i) s += partial[i];  // block order: thread-count independent
  return std::sqrt(s);
}

void spmv_transpose(const Engine& e, const CsrView& A, const double* x, double* y) {
  // Scatter: each task accumulates its rows into a private buffer; buffers are added in task
  // order (deterministic for a given thread count).
  const int64_t cols = A.cols;
  const int64_t work = static_cast<int64_t>(A.rowPtr[A.rows] - A.rowPtr[0]) + A.rows;
  int ntasks = 1;
  if (e.pool != nullptr && e.pool->threads() > 1 && work >= kParallelMin &&
      cols <= (int64_t{1} << 26))
    ntasks = e.pool->threads();
  if (ntasks == 1) {
    std::fill(y, y + cols, 0.0);
    for (int64_t r = 0; r < A.rows; ++r) {
      const double xr = x[r];
      for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k) y[A.colIdx[k]] += A.values[k] * xr;
    }
    return;
  }
  std::vector<int64_t> bounds;
  balance_rows(A, ntasks, 1, bounds);
  std::vector<double> priv(static_cast<size_t>(ntasks - 1) * static_cast<size_t>(cols), 0.0);
  parallel_run(e.pool, true, [&](int task, int nt) {
    // If the pool was busy, nt == 1 and this single task does every part in order.
    for (int part = task; part < ntasks; part += nt) {
      double* out = part == 0 ? y : priv.data() + static_cast<size_t>(part - 1) * cols;
      if (part == 0) std::fill(y, y + cols, 0.0);
      for (int64_t r = bounds[static_cast<size_t>(part)]; r < bounds[static_cast<size_t>(part) + 1];
           ++r) {
        const double xr = x[r];
        for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k)
          out[A.colIdx[k]] += A.values[k] * xr;
      }
    }
  });
  blocked_map(e, cols, [&](int64_t i0, int64_t i1) {
    for (int part = 1; part < ntasks; ++part) {
      const double* p = priv.data() + static_cast<size_t>(part - 1) * cols;
      for (int64_t i = i0; i < i1; ++i) y[i] += p[i];
    }
  });
}

double dot(const Engine& e, const double* x, const double* y, int64_t n) {
  return blocked_reduce(e, n,
                        [&](int64_t i0, int64_t i1) { return e.k->dot(x + i0, y + i0, i1 - i0); });
}

double nrm2(const Engine& e, const double* x, int64_t n) {
  return std::sqrt(
      blocked_reduce(e, n, [&](int64_t i0, int64_t i1) { return e.k->nrm2sq(x + i0, i1 - i0); }));
}

void axpy(const Engine& e, double a, const double* x, double* y, int64_t n) {
  blocked_map(e, n, [&](int64_t i0, int64_t i1) { e.k->axpy(a, x + i0, y + i0, i1 - i0); });
}

void xpby(const Engine& e, const double* x, double b, double* y, int64_t n) {
  blocked_map(e, n, [&](int64_t i0, int64_t i1) { e.k->xpby(x + i0, b, y + i0, i1 - i0); });
}

void axpby(const Engine& e, double a, const double* x, double b, double* y, int64_t n) {
  blocked_map(e, n, [&](int64_t i0, int64_t i1) { e.k->axpby(a, x + i0, b, y + i0, i1 - i0); });
}

double cg_update(const Engine& e, double a, const double* p, const double* q, double* x, double* r,
                 int64_t n) {
  return blocked_reduce(e, n, [&](int64_t i0, int64_t i1) {
    return e.k->cg_update(a, p + i0, q + i0, x + i0, r + i0, i1 - i0);
  });
}

double axpy_nrm2sq(const Engine& e, double a, const double* x, double* y, int64_t n) {
  return blocked_reduce(
      e, n, [&](int64_t i0, int64_t i1) { return e.k->axpy_nrm2sq(a, x + i0, y + i0, i1 - i0); });
}

double sum(const Engine& e, const double* x, int64_t n) {
  return blocked_reduce(e, n, [&](int64_t i0, int64_t i1) { return e.k->sum(x + i0, i1 - i0); });
}

void scale(const Engine& e, double a, double* x, int64_t n) {
  blocked_map(e, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) x[i] *= a;
  });
}

void cg_direction(const Engine& e, double a, const double* z, double b, double* x, double* p,
                  int64_t n) {
  blocked_map(e, n, [&](int64_t i0, int64_t i1) {
    e.k->cg_direction(a, z + i0, b, x + i0, p + i0, i1 - i0);
  });
}

void copy(const Engine& e, const double* x, double* y, int64_t n) {
  if (x == y || n <= 0) return;
  blocked_map(e, n, [&](int64_t i0, int64_t i1) {
    std::memcpy(y + i0, x + i0, static_cast<size_t>(i1 - i0) * sizeof(double));
  });
}

}  // namespace ops
}  // namespace itersolve
