#include "ordering.hpp"

#include <string>

#include "../core/errors.hpp"
#include "amd.hpp"

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

}  // namespace

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
      throw SolverError("ERR_UNSUPPORTED", "ordering: nested dissection is not available yet", -1,
                        "ordering");
    case Ordering::Auto:
    case Ordering::Amd:
    default: {
      AmdOrdering a = amd_order(n, rowPtr, colIdx);
      r.perm = std::move(a.perm);
      r.used = Ordering::Amd;
      return r;
    }
  }
}

}  // namespace direct
}  // namespace itersolve
