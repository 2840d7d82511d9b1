// Fill-reducing symmetric orderings for the sparse direct solvers (native/direct/). Pure C++ (no
// Node). One entry point, order_symmetric, that the Cholesky factorisation and the supernodal LU
// (on the pattern of A + Aᵀ) call.
//
//   Amd               approximate minimum degree (native/direct/amd.hpp; Amestoy, Davis & Duff
//   1996). NestedDissection  our own multilevel nested dissection
//   (native/direct/nested_dissection.hpp;
//                     George 1973, Karypis & Kumar 1998).
//   Natural           the identity.
//   Auto              AMD first. Its cost is predicted by the symbolic analysis (column counts c_j
//                     of the Cholesky factor, native/direct/symbolic.hpp): nnz(L) = Σ c_j and the
//                     flop count Σ c_j². Nested dissection is tried only when AMD's fill is high
//                     relative to the matrix AND the factorisation is dense-ish:
//                         nnz(L) ≥ 5·nnz(A)   and   flops ≥ 500·nnz(L),
//                     nnz(A) counting one triangle of the symmetrised pattern with the diagonal;
//                     then the ordering with fewer flops is kept (AMD on a tie). This is the rule
//                     CHOLMOD's User Guide documents for its default strategy (AMD, then METIS
//                     when lnz/anz ≥ 5 and fl/lnz ≥ 500, keep the better); the code here is ours.
//                     In practice: AMD for banded, tree-like, small or 2D-mesh matrices (2D 500²:
//                     flops/nnz(L) ≈ 250, as CHOLMOD also keeps AMD there), nested dissection for
//                     3D meshes (3D 30³: AMD flops/nnz(L) ≈ 950, ND cuts the flops by about a
//                     third).
//
// Every ordering is deterministic (no clock or thread-count dependence).
#pragma once
#include <cstdint>
#include <vector>

#include "../core/ops.hpp"

namespace itersolve {
namespace direct {

enum class Ordering { Auto, Amd, NestedDissection, Natural };

// "auto" "amd" "nested-dissection" "natural".
const char* ordering_name(Ordering o);

struct OrderingResult {
  std::vector<int32_t> perm;  // perm[k] = the original index at new position k (new → old)
  Ordering used = Ordering::Natural;  // the ordering chosen (never Auto)
};

// Symmetric ordering of the pattern of A + Aᵀ (n×n CSR: rowPtr[n+1], colIdx; diagonal and
// duplicate entries ignored, indices in any order). e.pool (optional) may be used by nested
// dissection for independent subproblems; the result does not depend on it.
// Errors (SolverError): n < 0 ("n", ERR_INVALID_ARGUMENT), malformed pattern ("A",
// ERR_INVALID_MATRIX).
// The Auto rule above (exposed for tests).
bool auto_tries_nested_dissection(int64_t nnzL, double flops, int64_t nnzA);

OrderingResult order_symmetric(const Engine& e, int32_t n, const int32_t* rowPtr,
                               const int32_t* colIdx, Ordering which);

}  // namespace direct
}  // namespace itersolve
