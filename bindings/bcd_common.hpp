// The design matrix X of the coordinate-descent bindings (bindings/bcd*.cpp, logistic, group lasso,
// paths), unpacked once: three argument slots X0, X1, X2 and the io `layout` slot
// (layout::bcd_layout). colMajor / rowMajor: X0 the dense data (rows·cols entries), X1 and X2
// unused (null); csc: X0 colPtr (Int32Array, cols + 1), X1 rowIdx (Int32Array), X2 values
// (Float64Array). The arrays are pinned for an async job; the native solver validates the
// structure and the entries (bcd::Design::validate).
#pragma once
#include <cstdint>

#include "../native/bcd/design.hpp"
#include "common.hpp"
#include "layout.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {

static_assert(layout::bcd_layout::colMajor == static_cast<int>(bcd::Layout::ColMajor) &&
                  layout::bcd_layout::rowMajor == static_cast<int>(bcd::Layout::RowMajor) &&
                  layout::bcd_layout::csc == static_cast<int>(bcd::Layout::Csc),
              "layout bcd layouts != bcd::Layout");

inline bcd::Design read_design(Args& a, size_t argX0, int64_t rows, int64_t cols, int lay) {
  Napi::Env env = a.env();
  if (lay == layout::bcd_layout::csc) {
    const int32_t* colPtr = a.i32(argX0, "colPtr", cols + 1).data;
    const int64_t nnz = colPtr[cols];
    if (nnz < 0) throw_error(env, "ERR_INVALID_MATRIX", "X: colPtr[cols] is negative", "X");
    const int32_t* rowIdx = a.i32(argX0 + 1, "rowIdx", nnz).data;
    const double* values = a.f64(argX0 + 2, "values", nnz).data;
    return bcd::Design::csc(rows, cols, colPtr, rowIdx, values);
  }
  const int64_t rc = rows * cols;  // both < 2^31: no overflow
  const double* data = a.f64(argX0, "X", rc).data;
  return lay == layout::bcd_layout::colMajor ? bcd::Design::col_major(rows, cols, data)
                                             : bcd::Design::row_major(rows, cols, data);
}

// The entries of X an output must not overlap (values for CSC, the data otherwise).
inline const double* design_values(const bcd::Design& X) {
  return X.layout == bcd::Layout::Csc ? X.values : X.data;
}

}  // namespace binding
}  // namespace itersolve
