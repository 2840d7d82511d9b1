// Block triangular form of a square sparse matrix, the pre-order KLU uses before a sparse LU
// (T. A. Davis & E. Palamadai Natarajan, "Algorithm 907: KLU, a direct sparse solver for circuit
// simulation problems", ACM TOMS 37(3), 2010). Pure C++ (no Node). Two steps, written from the
// papers (no code copied):
//   1. Maximum transversal (I. S. Duff, "On algorithms for obtaining a maximum transversal", ACM
//      TOMS 7(3), 1981 — MC21): a row matched to every column, found by depth-first searches for
//      augmenting paths with a cheap look-ahead (an unmatched row in the current column ends the
//      path at once). Iterative (explicit stacks), O(n·nnz) worst case, near O(nnz) in practice.
//   2. Strongly connected components (R. Tarjan, "Depth-first search and linear graph
//      algorithms", SIAM J. Comput. 1(2), 1972) of the graph of the matched matrix B (B(j, j) =
//      A(match[j], j) ≠ 0; edge j → i for B(i, j) ≠ 0), iterative. Tarjan emits a component only
//      after every component reachable from it, which is exactly the order that makes B(P, P)
//      block UPPER triangular (an entry B(i, j) outside the diagonal blocks has block(i) <
//      block(j)).
// Input: the n×n matrix by COLUMNS (CSC pattern: colPtr[n+1], rowIdx), duplicates allowed.
#pragma once
#include <cstdint>
#include <vector>

namespace itersolve {
namespace direct {

// colMatch[j] = the row matched to column j, or −1 (structurally singular); returns the number
// of matched columns (the structural rank).
int32_t maximum_transversal(int32_t n, const int32_t* colPtr, const int32_t* rowIdx,
                            std::vector<int32_t>& colMatch);

struct BtfResult {
  // C = A(rowPerm, colPerm) is block upper triangular with a zero-free diagonal; rowPerm[k] /
  // colPerm[k] = the original row / column at position k. Block b covers positions
  // blockStart[b] .. blockStart[b+1]−1.
  std::vector<int32_t> rowPerm, colPerm, blockStart;
  int32_t rank = 0;  // structural rank; < n: structurally singular (then only `unmatched` is set)
  int32_t unmatched = -1;  // the smallest column without a matched row, when rank < n
  int32_t blocks() const { return static_cast<int32_t>(blockStart.size()) - 1; }
};

// Strongly connected components of the directed graph with n nodes and edges j → adj[ptr[j] ..
// ptr[j+1]) (self loops and duplicates allowed). comp[k] lists the nodes in emission order
// (components contiguous, each after all components reachable from it); start has ncomp + 1
// boundaries into it.
void strongly_connected_components(int32_t n, const int32_t* ptr, const int32_t* adj,
                                   std::vector<int32_t>& comp, std::vector<int32_t>& start);

// Both steps. With rank < n the permutations are left empty.
BtfResult btf_order(int32_t n, const int32_t* colPtr, const int32_t* rowIdx);

}  // namespace direct
}  // namespace itersolve
