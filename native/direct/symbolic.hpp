// Symbolic analysis of a sparse Cholesky factorisation C = L·Lᵀ (native/direct/). Pure C++ (no
// Node). Written from the algorithms in T. A. Davis, "Direct Methods for Sparse Linear Systems"
// (SIAM 2006), ch. 4, and J. W. H. Liu, "The role of elimination trees in sparse factorization"
// (1990); no code copied.
//
// Input: the pattern of a symmetric n×n matrix A in CSR (rowPtr[n+1], colIdx[rowPtr[n]], int32).
// Values are not looked at. The pattern is SYMMETRISED: an entry (i, j) in either triangle stands
// for both (i, j) and (j, i), so the caller may pass the full pattern, the upper triangle or the
// lower triangle (or any mixture); diagonal entries and duplicates are ignored (the diagonal of L
// is always taken as nonzero). Column indices need not be sorted.
//
// Ordering: perm (length n, optional) lists the original index of each row/column of the matrix
// that is factorised, C = A(perm, perm), i.e. C(k, l) = A(perm[k], perm[l]) (Davis's "p"). Null:
// the natural ordering. With options.postorder the analysis then composes perm with a postorder of
// C's elimination tree (an equivalent ordering: same nnz(L), same fill, columns of each subtree
// contiguous, parent[j] > j, so fundamental supernodes are contiguous); Symbolic::perm is the
// final ordering and every other field refers to it.
//
// Output (all in the final ordering, 0-based):
//   parent[j]    elimination tree: the row of the first off-diagonal nonzero of L(:, j), −1 at a
//                root (one root per connected component of C's graph). Liu's algorithm with path
//                compression over a virtual-forest ancestor array: O(nnz(A) α(n)) in practice.
//   post[k]      the k-th node of a postorder of that forest (children visited in increasing
//                index, roots in increasing index; iterative, no recursion).
//   colCount[j]  nnz(L(:, j)) including the diagonal, by Gilbert–Ng–Peyton's skeleton / least-
//                common-ancestor method, O(nnz(C) α(n)) (columnCountsSkeleton). The simpler
//                row-subtree traversal (row k of L is the etree subtree reached from the nonzeros
//                of C(k, 0:k−1) climbing towards k; O(nnz(L))) is kept as columnCounts, the
//                tests' cross-check. nnzL = Σ colCount (int64).
//   superStart   fundamental supernodes, nsuper + 1 boundaries: columns j and j+1 share one when
//                parent[j] = j+1, colCount[j] = colCount[j+1] + 1 and j is the only child of j+1
//                (Liu, Ng & Peyton 1993). Columns of a supernode have nested identical structure
//                below the diagonal block, which is dense.
//   relaxedStart relaxed supernodes (the fundamental ones when options.relax is false): scanning
//                supernodes in column order, the running supernode S = [a, b] absorbs the next
//                T = [b+1, e] when parent[b] = b+1 (so T's columns are the etree parent chain of
//                S's last column, and S's structure below b is contained in T's) and either the
//                merged width e−a+1 ≤ options.relaxSmall, or the zeros the merge stores
//                explicitly, z = dense(a, e) − Σ_{j=a..e} colCount[j], satisfy
//                z ≤ options.relaxZeroFraction · dense(a, e). dense(a, e) is the size of the
//                merged trapezoid, Σ_{t=0..w−1} (c0 − t), w = e−a+1, with first-column count
//                c0 = w + colCount[e] − 1 (S's rows below b lie in T's). nnzRelaxed = Σ over
//                relaxed supernodes of their trapezoid sizes (≥ nnzL; = nnzL without relaxation).
//
// Errors (SolverError naming the argument): n < 0 ("n", ERR_INVALID_ARGUMENT); rowPtr not starting
// at 0 or decreasing, or a column index outside [0, n) ("A", ERR_INVALID_MATRIX); perm not a
// permutation of 0..n−1 ("perm", ERR_INVALID_ARGUMENT); relaxSmall < 0 or relaxZeroFraction not
// in [0, 1] ("options", ERR_INVALID_ARGUMENT). n = 0 is valid (empty result, one boundary 0).
#pragma once
#include <cstdint>
#include <vector>

namespace itersolve {
namespace direct {

struct SymbolicOptions {
  bool postorder = false;         // compose perm with the etree postorder (see above)
  bool relax = false;             // build relaxedStart by relaxed merging
  int32_t relaxSmall = 4;         // merge whenever the merged width is at most this
  double relaxZeroFraction = 0.05;  // or when the explicit zeros are at most this fraction
};

struct Symbolic {
  int32_t n = 0;
  std::vector<int32_t> perm;        // final ordering: row/column k of C is A's perm[k]
  std::vector<int32_t> parent;      // etree, −1 at roots
  std::vector<int32_t> post;        // postorder of the etree
  std::vector<int32_t> colCount;    // nnz per column of L, diagonal included
  int64_t nnzL = 0;
  std::vector<int32_t> superStart;    // fundamental supernodes: nsuper + 1 boundaries
  std::vector<int32_t> relaxedStart;  // relaxed supernodes (= superStart without relax)
  int64_t nnzRelaxed = 0;  // entries stored by the relaxed supernodes (zeros included)
};

// The permuted, symmetrised strict upper triangle of A by columns: for each column k of C, the
// rows i < k with C(i, k) ≠ 0 (duplicates removed, sorted). ptr has n + 1 entries. Validates A and
// perm as analyse() does.
struct UpperPattern {
  std::vector<int32_t> ptr;
  std::vector<int32_t> idx;
};
UpperPattern permutedUpper(int32_t n, const int32_t* rowPtr, const int32_t* colIdx,
                           const int32_t* perm);

// The building blocks analyse() runs, each on the permuted upper pattern / etree.
std::vector<int32_t> eliminationTree(int32_t n, const UpperPattern& U);
std::vector<int32_t> postorderForest(const std::vector<int32_t>& parent);
std::vector<int32_t> columnCounts(int32_t n, const UpperPattern& U,
                                  const std::vector<int32_t>& parent);
// The same counts in O(nnz(C) α(n)) by Gilbert–Ng–Peyton's skeleton / least-common-ancestor
// method (Davis §4.5); what analyse() uses. post must be a postorder of parent.
std::vector<int32_t> columnCountsSkeleton(int32_t n, const UpperPattern& U,
                                          const std::vector<int32_t>& parent,
                                          const std::vector<int32_t>& post);
std::vector<int32_t> fundamentalSupernodes(const std::vector<int32_t>& parent,
                                           const std::vector<int32_t>& colCount);
// Relaxed merging of the given supernodes (boundaries) as documented above; *stored (optional)
// receives the entries the result stores.
std::vector<int32_t> relaxSupernodes(const std::vector<int32_t>& superStart,
                                     const std::vector<int32_t>& parent,
                                     const std::vector<int32_t>& colCount, int32_t relaxSmall,
                                     double relaxZeroFraction, int64_t* stored);
// The entries a supernode partition stores (Σ trapezoid sizes; parent chains inside each
// supernode assumed, as both functions above produce).
int64_t supernodeStorage(const std::vector<int32_t>& superStart,
                         const std::vector<int32_t>& colCount);

// Supernodal row structure (the index sets of supernodal Cholesky / LU panels), for the
// supernode partition superStart (any partition into contiguous column ranges whose columns
// form etree parent chains, as fundamentalSupernodes and relaxSupernodes produce; typically
// Symbolic::relaxedStart). Supernode s covers columns superStart[s] .. superStart[s+1]−1; its
// rows rows[rowPtr[s] .. rowPtr[s+1]) are sorted and start with its own columns, followed by
// the union of the below-diagonal structures of its columns (merged supernodes store the zeros
// of that union explicitly). Computed bottom-up: struct(s) = own columns ∪ {C(i, j) ≠ 0: j in
// s, i > last(s)} ∪ ⋃ over child supernodes c of struct(c) ∩ (last(s), n). superParent[s]:
// the supernode holding parent[last column of s], −1 at a root (children have smaller
// indices). colToSuper[j]: the supernode of column j. Cost O(Σ |struct(s)| log) (each set
// sorted once).
struct SupernodalStructure {
  std::vector<int32_t> superStart;  // nsuper + 1 boundaries
  std::vector<int32_t> rowPtr;  // nsuper + 1 offsets into rows (int32: Σ rows < 2^31)
  std::vector<int32_t> rows;  // row indices of each supernode, own columns first, sorted
  std::vector<int32_t> colToSuper;  // n entries
  std::vector<int32_t> superParent;  // nsuper entries, −1 at roots
};
// U: the permuted upper pattern the analysis ran on (permutedUpper(n, A, s.perm)); superStart:
// empty for s.relaxedStart. Throws ERR_INVALID_ARGUMENT ("A") when Σ rows exceeds int32.
SupernodalStructure supernodalStructure(const Symbolic& s, const UpperPattern& U,
                                        const std::vector<int32_t>& superStart = {});

// The whole analysis. perm may be null (natural ordering).
Symbolic analyse(int32_t n, const int32_t* rowPtr, const int32_t* colIdx, const int32_t* perm,
                 const SymbolicOptions& options = SymbolicOptions());

}  // namespace direct
}  // namespace itersolve
