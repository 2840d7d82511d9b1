// Whole-vector operations: the kernel table for the active ISA plus the thread pool.
// Reductions are computed over fixed blocks of kBlock elements (or kRowBlock rows) whose partial
// sums are added in block order, so a result depends only on the data and the ISA, never on the
// number of threads or on scheduling.
#pragma once
#include <cstdint>
#include <vector>

#include "../kernels/kernels.hpp"
#include "threadpool.hpp"

namespace itersolve {

struct Engine {
  const Kernels* k = nullptr;
  ThreadPool* pool = nullptr;  // may be null: serial
};

namespace ops {

constexpr int64_t kBlock = 8192;          // elements per reduction block
constexpr int64_t kRowBlock = 2048;       // rows per SpMV reduction block
constexpr int64_t kParallelMin = 1 << 16; // below this much work, stay on the calling thread

void spmv(const Engine& e, const CsrView& A, const double* x, double* y);
// y = A x, returns wᵀy.
double spmv_dot(const Engine& e, const CsrView& A, const double* x, double* y, const double* w);
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

// Splits rows [0, rows) into `parts` contiguous ranges of about equal nnz + rows; bounds has
// parts+1 entries. Boundaries are multiples of `granule` rows (except the last).
void balance_rows(const CsrView& A, int parts, int64_t granule, std::vector<int64_t>& bounds);

}  // namespace ops
}  // namespace itersolve
