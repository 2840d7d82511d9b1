// Sparse arithmetic and access on CSR matrices: C = αA + βB, the sparse × sparse product, row /
// column selection (ranges or index arrays with repeats, in any order), Kronecker product,
// vertical / horizontal stacking, identity and diagonal matrices, and setting the diagonal.
//
// Every result is canonical: columns strictly increasing within each row (sorted, no
// duplicates). Inputs may be non-canonical (a CsrMatrix built with validate: { sorted: false });
// their repeated entries are summed in storage order first. Which explicit zeros a result keeps
// follows SciPy 1.17 (scipy.sparse csr_array), checked against it when this was written:
//  - add / matmul drop entries whose computed value is exactly 0 (SciPy's csr_binop_csr and
//    csr_matmat keep only result != 0; NaN is kept), so A − A has no entries;
//  - slice, kron, vstack / hstack and set_diagonal keep every stored entry, explicit zeros
//    included (set_diagonal stores each value it is given, 0 too, as SciPy's setdiag does);
//  - diagonal_matrix drops zeros (as scipy.sparse.diags(d).tocsr()); identity stores n ones.
//
// The product is Gustavson's row-by-row algorithm (F. G. Gustavson, "Two fast algorithms for
// sparse matrices: multiplication and permuted transposition", ACM TOMS 4(3), 1978) in two
// passes: a symbolic pass counts each row's distinct columns, the offsets are summed, then the
// numeric pass fills every row in place. Rows are split over the Engine's threads by their
// flop count; each row is computed by one thread with its entries summed in the order
// (A's storage order, then B's), so the result is bit for bit the same for any thread count.
//
// Failures throw SolverError naming the argument: ERR_DIMENSION_MISMATCH for incompatible
// shapes, ERR_INVALID_ARGUMENT for an index out of range, ERR_UNSUPPORTED when a result would
// need more than 2^31 − 1 rows, columns or entries (int32 indices).
#pragma once
#include <cstdint>
#include <vector>

#include "../core/ops.hpp"
#include "csr.hpp"

namespace itersolve {
namespace csr {

constexpr int64_t kMaxIndex = 2147483647;  // int32 row / column / entry limit

// Columns strictly increasing in every row.
bool is_canonical(const CsrView& A);
// Sorted rows with repeated entries summed in storage order (a copy even when A is canonical).
void canonicalize(const CsrView& A, Owned& out);

// Where the arrays of a sum or product are written. The Owned overloads below keep them in an
// Owned; the binding's sink allocates JS typed arrays instead, so the numeric pass writes the
// result where JS reads it (no copy). allocate() is called once, on the calling thread, after
// the symbolic pass, with the entry count before exact zeros are dropped (rowPtr: rows + 1
// entries, colIdx / values: nnz); finish() with the final count (≤ nnz; the first entries of
// colIdx / values hold the result).
struct ResultSink {
  virtual ~ResultSink() = default;
  virtual void allocate(int64_t rows, int64_t cols, int64_t nnz, int32_t*& rowPtr, int32_t*& colIdx,
                        double*& values) = 0;
  virtual void finish(int64_t nnz) = 0;
};

// C = alpha·A + beta·B (same shape, else ERR_DIMENSION_MISMATCH naming `nameB`). Union pattern;
// exactly zero results dropped.
void add(const Engine& e, const CsrView& A, const CsrView& B, double alpha, double beta,
         ResultSink& out, const char* nameB = "B");
void add(const Engine& e, const CsrView& A, const CsrView& B, double alpha, double beta, Owned& out,
         const char* nameB = "B");

// C = A·B (A.cols == B.rows, else ERR_DIMENSION_MISMATCH naming `nameB`). Exactly zero results
// dropped. Threaded and deterministic (see above).
void matmul(const Engine& e, const CsrView& A, const CsrView& B, ResultSink& out,
            const char* nameB = "B");
void matmul(const Engine& e, const CsrView& A, const CsrView& B, Owned& out,
            const char* nameB = "B");

// C = A[rows, cols] with NumPy fancy-indexing semantics: output row r is source row rows[r],
// output column c is source column cols[c]; repeats and any order are allowed. nrows < 0
// (ncols < 0) selects every row (column) in order; nrows = 0 selects none. Indices must be in [0,
// A.rows) / [0, A.cols) (ERR_INVALID_ARGUMENT naming "rows" / "cols"); negative ones are the
// caller's to wrap.
void slice(const Engine& e, const CsrView& A, const int32_t* rows, int64_t nrows,
           const int32_t* cols, int64_t ncols, Owned& out);

// Kronecker product A ⊗ B: (A.rows·B.rows) × (A.cols·B.cols), entry (iA·B.rows + iB,
// jA·B.cols + jB) = a·b for every stored pair (zeros kept).
void kron(const CsrView& A, const CsrView& B, Owned& out);

// Stacks parts top to bottom (equal cols) or left to right (equal rows); a mismatch is
// ERR_DIMENSION_MISMATCH naming "matrices[i]". An empty list is ERR_INVALID_ARGUMENT.
void vstack(const std::vector<CsrView>& parts, Owned& out);
void hstack(const std::vector<CsrView>& parts, Owned& out);

// n × n identity; n × n matrix with d on its diagonal (exact zeros dropped).
void identity(int64_t n, Owned& out);
void diagonal_matrix(const double* d, int64_t n, Owned& out);

// A copy of A whose entries (i, i + k) are d[0..len) — i counted from max(0, −k) — inserted
// where missing, replaced where present; len must not exceed the length of that diagonal
// (ERR_DIMENSION_MISMATCH naming "d"). k = 0 is the main diagonal.
void set_diagonal(const CsrView& A, const double* d, int64_t len, int64_t k, Owned& out);
// Length of diagonal k of a rows × cols matrix (0 when it lies outside).
int64_t diagonal_length(int64_t rows, int64_t cols, int64_t k);

}  // namespace csr
}  // namespace itersolve
