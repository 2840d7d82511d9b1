// Column ordering for a sparse LU with partial pivoting: a fill-reducing permutation of the
// columns of A chosen from the pattern of AᵀA (whose Cholesky factor bounds the fill of L and U
// for any row pivoting: George & Ng 1985). Pure C++ (no Node).
//
// What this is: the documented fallback of the issue plan, NOT the COLAMD algorithm itself
// (Davis, Gilbert, Larimore & Ng, "A column approximate minimum degree ordering algorithm", ACM
// TOMS 30(3), 2004, orders AᵀA implicitly through A's row/column quotient graph). Here AᵀA's
// pattern is formed explicitly and ordered by our AMD (native/direct/amd.hpp, Amestoy, Davis &
// Duff 1996). As in COLAMD, "dense" rows of A (more than max(16, 10·√ncols) entries) are left
// out of AᵀA (each would make a clique of all its columns; COLAMD also ignores them); should AᵀA
// still exceed 2^31 − 1 entries, the dense-row bound is halved until it fits. Cost
// O(Σ_rows nnz(row)²) time and memory: fine for PDE and circuit matrices, worse than true COLAMD
// on matrices with many rows of moderate length.
#pragma once
#include <cstdint>
#include <vector>

namespace itersolve {
namespace direct {

// A: nrows×ncols pattern by columns (colPtr[ncols+1], rowIdx; duplicates allowed, any order).
// Returns perm (ncols entries): perm[k] = the original column at position k. Deterministic.
// Throws SolverError ERR_INVALID_MATRIX ("A") on a malformed pattern.
std::vector<int32_t> colamd_order(int32_t nrows, int32_t ncols, const int32_t* colPtr,
                                  const int32_t* rowIdx);

// The explicit pattern of AᵀA without its diagonal (ncols×ncols CSR, symmetric), dense rows
// (more than denseRow entries; < 0: no limit) left out. The function colamd_order orders.
void ata_pattern(int32_t nrows, int32_t ncols, const int32_t* colPtr, const int32_t* rowIdx,
                 int64_t denseRow, std::vector<int32_t>& ptr, std::vector<int32_t>& idx);

}  // namespace direct
}  // namespace itersolve
