// Approximate minimum degree ordering (Amestoy, Davis & Duff, "An approximate minimum degree
// ordering algorithm", SIAM J. Matrix Anal. Appl. 17(4), 1996), written from the paper's algorithm:
// a quotient graph of variables and elements, element absorption (including aggressive
// absorption), supervariables found by hashing, and the approximate external degree
//   d_i = min(n_left − |i|, d_i_old + |L_p \ i|, |A_i \ i| + |L_p \ i| + Σ_{e ∈ E_i \ p} |L_e
//   \ L_p|).
// Pure C++ (no Node).
#pragma once
#include <cstdint>
#include <vector>

namespace itersolve {

struct AmdOrdering {
  std::vector<int32_t> perm;  // perm[k] = the original index placed at position k (new → old)
  std::vector<int32_t> iperm;  // iperm[perm[k]] = k (old → new)
  int64_t denseRows = 0;  // rows treated as dense and ordered last
};

// Rows whose off-diagonal degree (in A + Aᵀ) exceeds this are "dense": removed before the
// ordering and placed last, in ascending index order. 10·√n as in the paper's implementation,
// and never below 16 so that small matrices have none.
int64_t amd_dense_threshold(int64_t n);

// Orders the symmetric pattern of A + Aᵀ (diagonal and duplicate entries ignored) of the n × n
// matrix given in CSR form (rowPtr has n + 1 entries, rowPtr[0] = 0, nondecreasing; colIdx
// entries in [0, n), any order). Deterministic: degree buckets are linked lists, the pivot is the
// head of the lowest nonempty bucket, so a tie goes to the variable whose degree was set most
// recently (before any elimination: the smallest index).
// Throws SolverError ERR_INVALID_MATRIX (argument "A") on a malformed pattern and
// ERR_INVALID_ARGUMENT for n < 0.
AmdOrdering amd_order(int64_t n, const int32_t* rowPtr, const int32_t* colIdx);

// Constrained AMD (as CAMD does; used by nested dissection to order all of its parts at once):
// constraint[i] >= 0 is i's class; every variable of class c is ordered before any of class
// c + 1 (dense rows excepted: they still go last). Within a class the pivots are chosen by
// approximate degree in the WHOLE graph, so a part's boundary vertices see their neighbours in
// later classes. constraint == nullptr: plain AMD.
AmdOrdering amd_order_constrained(int64_t n, const int32_t* rowPtr, const int32_t* colIdx,
                                  const int32_t* constraint);

}  // namespace itersolve
