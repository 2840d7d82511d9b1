#include "ordering.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "../core/errors.hpp"
#include "amd.hpp"
#include "nested_dissection.hpp"
#include "symbolic.hpp"

namespace itersolve {
namespace direct {

const char* ordering_name(Ordering o) {
  switch (o) {
    case Ordering::Auto: return "auto";
    case Ordering::Amd: return "amd";
    case Ordering::NestedDissection: return "nested-dissection";
    case Ordering::Natural: return "natural";
  }
  return "unknown";
}

namespace {

void validate(int32_t n, const int32_t* rowPtr, const int32_t* colIdx) {
  if (n < 0) throw SolverError("ERR_INVALID_ARGUMENT", "ordering: n must be >= 0", -1, "n");
  if (n == 0) return;
  if (rowPtr == nullptr || rowPtr[0] != 0)
    throw SolverError("ERR_INVALID_MATRIX", "ordering: rowPtr[0] must be 0", -1, "A");
  for (int32_t i = 0; i < n; ++i) {
    if (rowPtr[i + 1] < rowPtr[i])
      throw SolverError("ERR_INVALID_MATRIX", "ordering: rowPtr must be nondecreasing", i, "A");
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k)
      if (colIdx == nullptr || colIdx[k] < 0 || colIdx[k] >= n)
        throw SolverError(
            "ERR_INVALID_MATRIX",
            "ordering: column index " + std::to_string(colIdx ? colIdx[k] : -1) + " out of range",
            i, "A");
  }
}

// Predicted cost of factorising with ordering perm: nnz(L) and Σ colCount² (flops).
struct Cost {
  int64_t nnzL = 0;
  double flops = 0;
};
Cost predict(int32_t n, const int32_t* rowPtr, const int32_t* colIdx,
             const std::vector<int32_t>& perm) {
  const Symbolic s = analyse(n, rowPtr, colIdx, perm.data());
  Cost c;
  c.nnzL = s.nnzL;
  for (int32_t cc : s.colCount) c.flops += static_cast<double>(cc) * static_cast<double>(cc);
  return c;
}

// nnz of one triangle of the symmetrised pattern, diagonal included (what CHOLMOD's anz is for
// a symmetric matrix stored by one triangle).
int64_t triangle_nnz(int32_t n, const int32_t* rowPtr, const int32_t* colIdx) {
  std::vector<int32_t> mark(static_cast<size_t>(n), -1);
  // Count each unordered off-diagonal pair once: (i, j) from row i and (j, i) from row j are the
  // same pair; gather per row max(i,j) the set of min(i,j).
  std::vector<int32_t> cnt(static_cast<size_t>(n) + 1, 0);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k)
      if (colIdx[k] != i) ++cnt[static_cast<size_t>(std::max(i, colIdx[k])) + 1];
  for (int32_t i = 0; i < n; ++i) cnt[static_cast<size_t>(i) + 1] += cnt[static_cast<size_t>(i)];
  std::vector<int32_t> lower(static_cast<size_t>(cnt[static_cast<size_t>(n)]));
  std::vector<int32_t> pos(cnt.begin(), cnt.end() - 1);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k)
      if (colIdx[k] != i)
        lower[static_cast<size_t>(pos[static_cast<size_t>(std::max(i, colIdx[k]))]++)] =
            std::min(i, colIdx[k]);
  int64_t total = n;
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = cnt[static_cast<size_t>(i)]; k < cnt[static_cast<size_t>(i) + 1]; ++k) {
      const int32_t j = lower[static_cast<size_t>(k)];
      if (mark[static_cast<size_t>(j)] == i) continue;
      mark[static_cast<size_t>(j)] = i;
      ++total;
    }
  return total;
}

}  // namespace

bool auto_tries_nested_dissection(int64_t nnzL, double flops, int64_t nnzA) {
  return static_cast<double>(nnzL) >= 5.0 * static_cast<double>(nnzA) &&
         flops >= 500.0 * static_cast<double>(nnzL);
}

OrderingResult order_symmetric(const Engine& e, int32_t n, const int32_t* rowPtr,
                               const int32_t* colIdx, Ordering which) {
  (void)e;
  validate(n, rowPtr, colIdx);
  OrderingResult r;
  switch (which) {
    case Ordering::Natural:
      r.perm.resize(static_cast<size_t>(n));
      for (int32_t i = 0; i < n; ++i) r.perm[static_cast<size_t>(i)] = i;
      r.used = Ordering::Natural;
      return r;
    case Ordering::NestedDissection:
      r.perm = nested_dissection(n, rowPtr, colIdx);
      r.used = Ordering::NestedDissection;
      return r;
    case Ordering::Amd:
      r.perm = std::move(amd_order(n, rowPtr, colIdx).perm);
      r.used = Ordering::Amd;
      return r;
    case Ordering::Auto:
    default: {
      r.perm = std::move(amd_order(n, rowPtr, colIdx).perm);
      r.used = Ordering::Amd;
      if (n < 2) return r;
      const Cost amd = predict(n, rowPtr, colIdx, r.perm);
      if (!auto_tries_nested_dissection(amd.nnzL, amd.flops, triangle_nnz(n, rowPtr, colIdx)))
        return r;
      std::vector<int32_t> nd = nested_dissection(n, rowPtr, colIdx);
      const Cost ndc = predict(n, rowPtr, colIdx, nd);
      if (ndc.flops < amd.flops) {
        r.perm = std::move(nd);
        r.used = Ordering::NestedDissection;
      }
      return r;
    }
  }
}

}  // namespace direct
}  // namespace itersolve
