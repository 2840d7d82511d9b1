#include "btf.hpp"

#include <algorithm>

namespace itersolve {
namespace direct {

int32_t maximum_transversal(int32_t n, const int32_t* colPtr, const int32_t* rowIdx,
                            std::vector<int32_t>& colMatch) {
  const size_t N = static_cast<size_t>(n);
  colMatch.assign(N, -1);
  std::vector<int32_t> rowMatch(N, -1);
  std::vector<int32_t> cheap(colPtr, colPtr + n);  // look-ahead pointer per column (persistent)
  std::vector<int32_t> visited(N, -1);             // the start column of the last search
  std::vector<int32_t> pos(N), stack(N), rowUsed(N);
  int32_t rank = 0;
  for (int32_t s = 0; s < n; ++s) {
    int32_t top = 0;
    stack[0] = s;
    visited[static_cast<size_t>(s)] = s;
    pos[static_cast<size_t>(s)] = colPtr[s];
    while (top >= 0) {
      const int32_t j = stack[static_cast<size_t>(top)];
      // Look-ahead: an unmatched row in column j ends the augmenting path.
      int32_t found = -1;
      int32_t& c = cheap[static_cast<size_t>(j)];
      for (; c < colPtr[j + 1]; ++c)
        if (rowMatch[static_cast<size_t>(rowIdx[c])] < 0) {
          found = rowIdx[c];
          break;
        }
      if (found >= 0) {
        // Augment along the path stack[0..top]: each column takes the row that led onwards.
        for (int32_t t = top; t >= 0; --t) {
          const int32_t col = stack[static_cast<size_t>(t)];
          const int32_t row = t == top ? found : rowUsed[static_cast<size_t>(t)];
          rowMatch[static_cast<size_t>(row)] = col;
          colMatch[static_cast<size_t>(col)] = row;
        }
        ++rank;
        break;
      }
      // Depth-first step: follow a row of column j to the column it is matched to.
      int32_t& p = pos[static_cast<size_t>(j)];
      bool pushed = false;
      for (; p < colPtr[j + 1]; ++p) {
        const int32_t i = rowIdx[p];
        const int32_t cj = rowMatch[static_cast<size_t>(i)];
        if (visited[static_cast<size_t>(cj)] == s) continue;
        visited[static_cast<size_t>(cj)] = s;
        rowUsed[static_cast<size_t>(top)] = i;
        ++p;
        stack[static_cast<size_t>(++top)] = cj;
        pos[static_cast<size_t>(cj)] = colPtr[cj];
        pushed = true;
        break;
      }
      if (!pushed) --top;
    }
  }
  return rank;
}

void strongly_connected_components(int32_t n, const int32_t* ptr, const int32_t* adj,
                                   std::vector<int32_t>& comp, std::vector<int32_t>& start) {
  const size_t N = static_cast<size_t>(n);
  comp.clear();
  comp.reserve(N);
  start.assign(1, 0);
  std::vector<int32_t> index(N, -1), low(N), it(N), call, sstack;
  std::vector<char> onStack(N, 0);
  call.reserve(N);
  sstack.reserve(N);
  int32_t counter = 0;
  for (int32_t root = 0; root < n; ++root) {
    if (index[static_cast<size_t>(root)] >= 0) continue;
    auto visit = [&](int32_t v) {
      index[static_cast<size_t>(v)] = low[static_cast<size_t>(v)] = counter++;
      it[static_cast<size_t>(v)] = ptr[v];
      sstack.push_back(v);
      onStack[static_cast<size_t>(v)] = 1;
      call.push_back(v);
    };
    visit(root);
    while (!call.empty()) {
      const int32_t v = call.back();
      const size_t V = static_cast<size_t>(v);
      if (it[V] < ptr[v + 1]) {
        const int32_t w = adj[it[V]++];
        const size_t W = static_cast<size_t>(w);
        if (index[W] < 0) visit(w);
        else if (onStack[W]) low[V] = std::min(low[V], index[W]);
        continue;
      }
      call.pop_back();
      if (low[V] == index[V]) {
        // v is the root of a component: everything above it on the stack.
        int32_t w;
        do {
          w = sstack.back();
          sstack.pop_back();
          onStack[static_cast<size_t>(w)] = 0;
          comp.push_back(w);
        } while (w != v);
        start.push_back(static_cast<int32_t>(comp.size()));
      }
      if (!call.empty()) {
        const size_t U = static_cast<size_t>(call.back());
        low[U] = std::min(low[U], low[V]);
      }
    }
  }
}

BtfResult btf_order(int32_t n, const int32_t* colPtr, const int32_t* rowIdx) {
  BtfResult r;
  std::vector<int32_t> colMatch;
  r.rank = maximum_transversal(n, colPtr, rowIdx, colMatch);
  if (r.rank < n) {
    for (int32_t j = 0; j < n; ++j)
      if (colMatch[static_cast<size_t>(j)] < 0) {
        r.unmatched = j;
        break;
      }
    return r;
  }
  const size_t N = static_cast<size_t>(n);
  std::vector<int32_t> rowMatch(N);
  for (int32_t j = 0; j < n; ++j)
    rowMatch[static_cast<size_t>(colMatch[static_cast<size_t>(j)])] = j;
  // Graph of B = A(colMatch, :): edge j → i for every row r of column j, i = the column r is
  // matched to.
  const int32_t nnz = colPtr[n];
  std::vector<int32_t> adj(static_cast<size_t>(nnz));
  for (int32_t p = 0; p < nnz; ++p)
    adj[static_cast<size_t>(p)] = rowMatch[static_cast<size_t>(rowIdx[p])];
  std::vector<int32_t> comp;
  strongly_connected_components(n, colPtr, adj.data(), comp, r.blockStart);
  r.colPerm = comp;
  r.rowPerm.resize(N);
  for (size_t k = 0; k < N; ++k) r.rowPerm[k] = colMatch[static_cast<size_t>(comp[k])];
  return r;
}

}  // namespace direct
}  // namespace itersolve
