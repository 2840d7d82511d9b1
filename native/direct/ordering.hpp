// Fill-reducing symmetric orderings for the sparse direct solvers (native/direct/). Pure C++ (no
// Node). One entry point, order_symmetric, that the Cholesky factorisation and the supernodal LU
// (on the pattern of A + Aᵀ) call.
//
//   Amd               approximate minimum degree (native/direct/amd.hpp; Amestoy, Davis & Duff
//   1996). NestedDissection  our own multilevel nested dissection
//   (native/direct/nested_dissection.hpp;
//                     George 1973, Karypis & Kumar 1998).
//   Natural           the identity.
//   Auto              AMD first. Its fill is predicted by the symbolic analysis (column counts of
//                     the Cholesky factor, native/direct/symbolic.hpp): nnz(L) = Σ c_j and the
//                     factorisation's flop count Σ c_j². When the fill is high relative to the
//                     matrix, i.e. nnz(L) > 5·nnz(A) or flops / nnz(L) > 500 (nnz(A) counting both
//                     triangles and the diagonal of the symmetrised pattern), nested dissection
//                     is also computed and analysed, and the ordering with fewer flops is kept
//                     (AMD on a tie). This is the rule CHOLMOD's User Guide documents for its
//                     default ordering strategy (try AMD; if fill is high, try METIS and keep the
//                     best); the code here is ours. In practice: AMD for banded, tree-like, small
//                     or already low-fill matrices; nested dissection for 3D meshes and large 2D
//                     meshes.
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
OrderingResult order_symmetric(const Engine& e, int32_t n, const int32_t* rowPtr,
                               const int32_t* colIdx, Ordering which);

}  // namespace direct
}  // namespace itersolve
