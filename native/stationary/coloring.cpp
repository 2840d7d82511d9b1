// Greedy (first-fit, natural order) colouring of the graph of A + Aᵀ (stationary.hpp).
#include <algorithm>

#include "stationary.hpp"

namespace itersolve {

Coloring greedy_coloring(const CsrView& A) {
  const int64_t n = A.rows;
  const int32_t* rp = A.rowPtr;
  const int32_t* ci = A.colIdx;
  // Aᵀ's pattern (columns of A restricted to square indices), so a row sees the rows j < i whose
  // row j holds column i as well as its own columns.
  std::vector<int32_t> tp(static_cast<size_t>(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = rp[i]; k < rp[i + 1]; ++k)
      if (ci[k] >= 0 && ci[k] < n && ci[k] != i) ++tp[ci[k] + 1];
  for (int64_t i = 0; i < n; ++i) tp[i + 1] += tp[i];
  std::vector<int32_t> tc(static_cast<size_t>(tp[n]));
  {
    std::vector<int32_t> fill(tp.begin(), tp.end() - 1);
    for (int64_t i = 0; i < n; ++i)
      for (int32_t k = rp[i]; k < rp[i + 1]; ++k)
        if (ci[k] >= 0 && ci[k] < n && ci[k] != i) tc[fill[ci[k]]++] = static_cast<int32_t>(i);
  }
  Coloring c;
  c.color.assign(static_cast<size_t>(n), -1);
  // mark[col] == i: colour col is taken by a neighbour of row i.
  std::vector<int64_t> mark;
  for (int64_t i = 0; i < n; ++i) {
    auto see = [&](int64_t j) {
      if (j == i || j < 0 || j >= n) return;
      const int32_t cj = c.color[j];
      if (cj >= 0) mark[cj] = i;
    };
    for (int32_t k = rp[i]; k < rp[i + 1]; ++k) see(ci[k]);
    for (int32_t k = tp[i]; k < tp[i + 1]; ++k) see(tc[k]);
    int32_t col = 0;
    while (col < c.ncolors && mark[col] == i) ++col;
    if (col == c.ncolors) {
      ++c.ncolors;
      mark.push_back(-1);
    }
    c.color[i] = col;
  }
  c.start.assign(static_cast<size_t>(c.ncolors) + 1, 0);
  for (int64_t i = 0; i < n; ++i) ++c.start[c.color[i] + 1];
  for (int k = 0; k < c.ncolors; ++k) c.start[k + 1] += c.start[k];
  c.rows.resize(static_cast<size_t>(n));
  std::vector<int64_t> fill(c.start.begin(), c.start.end() - 1);
  for (int64_t i = 0; i < n; ++i) c.rows[fill[c.color[i]]++] = static_cast<int32_t>(i);
  return c;
}

}  // namespace itersolve
