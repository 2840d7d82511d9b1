// Whole-vector operations: the kernel table for the active ISA plus the thread pool.
// Reductions are computed over fixed blocks of kBlock elements (or kRowBlock rows) whose partial
// sums are added in block order, so a result depends only on the data and the ISA, never on the
// number of threads or on scheduling.
#pragma once
#include <cstdint>
#include <vector>

#include "../kernels/kernels.hpp"
#include "threadpool.hpp"
#include "workspace.hpp"

namespace itersolve {

struct Engine {
  const Kernels* k = nullptr;
  ThreadPool* pool = nullptr;  // may be null: serial
  // Scratch vectors kept between solves (see workspace.hpp); may be null: each solve allocates
  // its own. The binding passes the Addon's (sync calls) or the job-runner thread's (async jobs).
  Workspace* ws = nullptr;
};

namespace ops {

// n doubles of uninitialised scratch, from e.ws when there is one: a solver's work vectors. The
// lease ends with the ScratchVec (the buffer goes back to the workspace for the next solve).
inline ScratchVec scratch(const Engine& e, int64_t n) { return ScratchVec(e.ws, n); }

constexpr int64_t kBlock = 8192;  // elements per reduction block
constexpr int64_t kRowBlock = 2048;  // rows per SpMV reduction block
constexpr int64_t kParallelMin = 1 << 16;  // below this much work, stay on the calling thread

void spmv(const Engine& e, const CsrView& A, const double* x, double* y);
// y = A x, returns wᵀy.
double spmv_dot(const Engine& e, const CsrView& A, const double* x, double* y, const double* w);
// r = b − A x, returns ‖r‖₂, in one pass over A and the vectors: each block of kRowBlock rows
// is multiplied, subtracted from b and squared while it is still in cache (a solver's true
// residual check; the separate product, axpby and norm passes cost ~0.4 SpMV more on large n).
double residual(const Engine& e, const CsrView& A, const double* b, const double* x, double* r);
// y = Aᵀ x (y has A.cols entries).
void spmv_transpose(const Engine& e, const CsrView& A, const double* x, double* y);

double dot(const Engine& e, const double* x, const double* y, int64_t n);
double nrm2(const Engine& e, const double* x, int64_t n);
void axpy(const Engine& e, double a, const double* x, double* y, int64_t n);
void xpby(const Engine& e, const double* x, double b, double* y, int64_t n);
void axpby(const Engine& e, double a, const double* x, double b, double* y, int64_t n);
double cg_update(const Engine& e, double a, const double* p, const double* q, double* x, double* r,
                 int64_t n);
double axpy_nrm2sq(const Engine& e, double a, const double* x, double* y, int64_t n);
double sum(const Engine& e, const double* x, int64_t n);
// x *= a (in place)
void scale(const Engine& e, double a, double* x, int64_t n);
// y = x
void copy(const Engine& e, const double* x, double* y, int64_t n);
// x += a p ; p = z + b p
void cg_direction(const Engine& e, double a, const double* z, double b, double* x, double* p,
                  int64_t n);

// Splits rows [0, rows) into `parts` contiguous ranges of about equal nnz + rows; bounds has
// parts+1 entries. Boundaries are multiples of `granule` rows (except the last).
void balance_rows(const CsrView& A, int parts, int64_t granule, std::vector<int64_t>& bounds);

// Building blocks for solvers that fuse their own vector passes, with the same determinism as
// the functions above.
// fn(i0, i1) over [0, n), each task taking a run of whole kBlock blocks.
template <class RangeFn>
void for_blocks(const Engine& e, int64_t n, RangeFn&& fn) {
  parallel_run(e.pool, n >= kParallelMin, [&](int task, int ntasks) {
    const int64_t nblocks = (n + kBlock - 1) / kBlock;
    const int64_t i0 = nblocks * task / ntasks * kBlock;
    const int64_t i1 = nblocks * (task + 1) / ntasks * kBlock;
    if (i0 < n) fn(i0, i1 < n ? i1 : n);
  });
}
// kSums simultaneous sums: fn(i0, i1, acc) adds the contributions of one kBlock block to
// acc[0..kSums) (zeroed per block); the blocks' partials are added in block order into out.
template <int kSums, class BlockFn>
void sum_blocks(const Engine& e, int64_t n, BlockFn&& fn, double* out) {
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(nblocks) * kSums, 0.0);
  parallel_run(e.pool, n >= kParallelMin, [&](int task, int ntasks) {
    for (int64_t b = nblocks * task / ntasks; b < nblocks * (task + 1) / ntasks; ++b) {
      const int64_t i0 = b * kBlock, i1 = i0 + kBlock < n ? i0 + kBlock : n;
      fn(i0, i1, partial.data() + b * kSums);
    }
  });
  for (int s = 0; s < kSums; ++s) out[s] = 0.0;
  for (int64_t b = 0; b < nblocks; ++b)
    for (int s = 0; s < kSums; ++s) out[s] += partial[static_cast<size_t>(b * kSums + s)];
}

}  // namespace ops
}  // namespace itersolve
