#include "colamd.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../core/errors.hpp"
#include "amd.hpp"

namespace itersolve {
namespace direct {

namespace {

void validate(int32_t nrows, int32_t ncols, const int32_t* colPtr, const int32_t* rowIdx) {
  if (nrows < 0 || ncols < 0)
    throw SolverError("ERR_INVALID_ARGUMENT", "colamd: dimensions must be >= 0", -1, "A");
  if (colPtr[0] != 0)
    throw SolverError("ERR_INVALID_MATRIX", "colamd: colPtr[0] must be 0", -1, "A");
  for (int32_t j = 0; j < ncols; ++j) {
    if (colPtr[j + 1] < colPtr[j])
      throw SolverError("ERR_INVALID_MATRIX", "colamd: colPtr must be nondecreasing", -1, "A");
    for (int32_t p = colPtr[j]; p < colPtr[j + 1]; ++p)
      if (rowIdx[p] < 0 || rowIdx[p] >= nrows)
        throw SolverError("ERR_INVALID_MATRIX", "colamd: row index out of range", rowIdx[p], "A");
  }
}

}  // namespace

void ata_pattern(int32_t nrows, int32_t ncols, const int32_t* colPtr, const int32_t* rowIdx,
                 int64_t denseRow, std::vector<int32_t>& ptr, std::vector<int32_t>& idx) {
  // Rows of A (CSR), dense rows dropped.
  std::vector<int32_t> rcount(static_cast<size_t>(nrows) + 1, 0);
  for (int32_t p = 0; p < colPtr[ncols]; ++p) ++rcount[static_cast<size_t>(rowIdx[p]) + 1];
  std::vector<char> dense(static_cast<size_t>(nrows), 0);
  for (int32_t i = 0; i < nrows; ++i)
    if (denseRow >= 0 && rcount[static_cast<size_t>(i) + 1] > denseRow)
      dense[static_cast<size_t>(i)] = 1;
  for (int32_t i = 0; i < nrows; ++i)
    rcount[static_cast<size_t>(i) + 1] += rcount[static_cast<size_t>(i)];
  std::vector<int32_t> rptr(rcount.begin(), rcount.end() - 1),
      rcol(static_cast<size_t>(colPtr[ncols]));
  for (int32_t j = 0; j < ncols; ++j)
    for (int32_t p = colPtr[j]; p < colPtr[j + 1]; ++p)
      rcol[static_cast<size_t>(rptr[static_cast<size_t>(rowIdx[p])]++)] = j;
  // rptr now holds row ends; rcount row starts.
  std::vector<int32_t> mark(static_cast<size_t>(ncols), -1);
  ptr.assign(static_cast<size_t>(ncols) + 1, 0);
  idx.clear();
  for (int32_t c = 0; c < ncols; ++c) {
    mark[static_cast<size_t>(c)] = c;
    for (int32_t p = colPtr[c]; p < colPtr[c + 1]; ++p) {
      const int32_t r = rowIdx[p];
      if (dense[static_cast<size_t>(r)]) continue;
      for (int32_t q = rcount[static_cast<size_t>(r)]; q < rptr[static_cast<size_t>(r)]; ++q) {
        const int32_t c2 = rcol[static_cast<size_t>(q)];
        if (mark[static_cast<size_t>(c2)] == c) continue;
        mark[static_cast<size_t>(c2)] = c;
        idx.push_back(c2);
      }
    }
    if (idx.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw SolverError("ERR_INVALID_ARGUMENT", "colamd: AᵀA has too many entries", -1, "A");
    ptr[static_cast<size_t>(c) + 1] = static_cast<int32_t>(idx.size());
  }
}

std::vector<int32_t> colamd_order(int32_t nrows, int32_t ncols, const int32_t* colPtr,
                                  const int32_t* rowIdx) {
  validate(nrows, ncols, colPtr, rowIdx);
  if (ncols == 0) return {};
  int64_t denseRow =
      std::max<int64_t>(16, static_cast<int64_t>(10.0 * std::sqrt(static_cast<double>(ncols))));
  // Estimated size of AᵀA first (Σ deg² over kept rows), halving the dense-row bound while it
  // would not fit in int32 indices.
  std::vector<int64_t> deg(static_cast<size_t>(nrows), 0);
  for (int32_t p = 0; p < colPtr[ncols]; ++p) ++deg[static_cast<size_t>(rowIdx[p])];
  for (;;) {
    int64_t total = 0;
    for (int64_t d : deg)
      if (d <= denseRow) total += d * d;
    if (total < std::numeric_limits<int32_t>::max() || denseRow <= 1) break;
    denseRow /= 2;
  }
  std::vector<int32_t> ptr, idx;
  ata_pattern(nrows, ncols, colPtr, rowIdx, denseRow, ptr, idx);
  AmdOrdering o = amd_order(ncols, ptr.data(), idx.data());
  return std::move(o.perm);
}

}  // namespace direct
}  // namespace itersolve
