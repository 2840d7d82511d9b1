// CSR structure checks and conversions. Pure C++, no allocation in the checks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../kernels/kernels.hpp"

namespace itersolve {
namespace csr {

enum CheckFlags : unsigned {
  kCheckStructure = 1u,  // rowPtr[0]==0, monotone, rowPtr[rows]==nnz, columns in range
  kCheckSorted = 2u,     // columns strictly increasing within each row (sorted and unique)
  kCheckFinite = 4u,     // every value finite
  kCheckAll = 7u,
};

struct Problem {
  bool ok = true;
  std::string argument;  // "rowPtr", "colIdx", "values"
  std::string message;   // what was expected and what was received
};

// Validates a CSR triple whose array lengths were already checked by the caller
// (rowPtr: rows+1, colIdx and values: at least rowPtr[rows]).
Problem validate(int64_t rows, int64_t cols, const int32_t* rowPtr, int64_t rowPtrLen,
                 const int32_t* colIdx, int64_t colIdxLen, const double* values, int64_t valuesLen,
                 unsigned flags);

struct Owned {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> rowPtr, colIdx;
  std::vector<double> values;
};

// COO (0-based, any order, duplicates allowed) → CSR with sorted columns, duplicates summed.
// Indices must already be in range (checked by the caller); returns false if nnz overflows int32.
bool from_coo(int64_t rows, int64_t cols, int64_t nnz, const int32_t* ri, const int32_t* ci,
              const double* v, Owned& out);
// Dense row-major rows×cols → CSR keeping the non-zeros (dropZeros) or every entry.
bool from_dense(int64_t rows, int64_t cols, const double* data, bool dropZeros, Owned& out);
void to_dense(const CsrView& A, double* out);  // out: rows*cols, row-major
void transpose(const CsrView& A, Owned& out);
void diagonal(const CsrView& A, double* out);  // out: min(rows, cols)
// |a_ij − a_ji| ≤ tol·max(|a_ij|, |a_ji|) for every pair (missing entries are 0). Needs sorted
// rows.
bool is_symmetric(const CsrView& A, double tol);

}  // namespace csr
}  // namespace itersolve
