// CSC (compressed sparse column) structure checks, conversions and products. A CSC matrix
// (rows, cols, colPtr, rowIdx, values) stores the same arrays as the CSR form of its transpose, so
// the kernels below reuse the CSR ones through transposed_view where that is exact.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/ops.hpp"
#include "../kernels/kernels.hpp"
#include "csr.hpp"

namespace itersolve {

struct CscView {
  int64_t rows;
  int64_t cols;
  const int32_t* colPtr;  // cols + 1 offsets
  const int32_t* rowIdx;  // colPtr[cols] row indices
  const double* values;   // colPtr[cols] values
};

namespace csc {

// The CSR view of Aᵀ over A's own arrays (no copy).
inline CsrView transposed_view(const CscView& A) {
  return CsrView{A.cols, A.rows, A.colPtr, A.rowIdx, A.values};
}

struct Owned {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> colPtr, rowIdx;
  std::vector<double> values;
};

// Validates a CSC triple with the csr::CheckFlags of csr::validate and the same strictness:
// kCheckStructure: colPtr[0] = 0, non-decreasing, row indices in [0, rows); kCheckSorted: rows
// strictly increasing within each column (sorted, no duplicates); kCheckFinite: finite values.
// The Problem names "colPtr", "rowIdx" or "values". colPtr must have length cols + 1 (checked
// first); no allocation.
csr::Problem validate(int64_t rows, int64_t cols, const int32_t* colPtr, int64_t colPtrLen,
                      const int32_t* rowIdx, int64_t rowIdxLen, const double* values,
                      int64_t valuesLen, unsigned flags);

// COO (0-based, any order, in range — the caller checks) → CSC with sorted rows, duplicates
// summed in input order. False if nnz overflows int32.
bool from_coo(int64_t rows, int64_t cols, int64_t nnz, const int32_t* ri, const int32_t* ci,
              const double* v, Owned& out);
// Dense rows×cols (column-major when colMajor, else row-major) → CSC keeping the non-zeros
// (dropZeros) or every entry. False if nnz overflows int32.
bool from_dense(int64_t rows, int64_t cols, const double* data, bool colMajor, bool dropZeros,
                Owned& out);
// out: rows*cols, column-major when colMajor, else row-major; duplicates (unsorted input) add up.
void to_dense(const CscView& A, double* out, bool colMajor);

// CSR → CSC and CSC → CSR: one O(nnz + rows + cols) counting pass. The result is always sorted
// and duplicate-free (an unsorted input's repeated entries are summed in storage order), so it
// passes validate with kCheckAll whenever the input's values are finite.
void from_csr(const CsrView& A, Owned& out);
void to_csr(const CscView& A, csr::Owned& out);

// y = A x (x: cols, y: rows). With sortedRows (rows strictly increasing in each column, as
// validate's kCheckSorted guarantees) and enough work, tasks own contiguous row ranges and find
// their part of each column by binary search; every y[i] is then summed in column order exactly
// as the serial loop does, so the result is bit-identical for any thread count. Without
// sortedRows the product runs serially.
void spmv(const Engine& e, const CscView& A, const double* x, double* y, bool sortedRows);
// y = Aᵀ x (x: rows, y: cols): a CSR product over the transposed view (threaded, deterministic).
void spmv_transpose(const Engine& e, const CscView& A, const double* x, double* y);

}  // namespace csc
}  // namespace itersolve
