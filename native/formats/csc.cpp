#include "csc.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace itersolve {
namespace csc {
namespace {

csr::Problem fail(const char* arg, std::string msg) {
  csr::Problem p;
  p.ok = false;
  p.argument = arg;
  p.message = std::move(msg);
  return p;
}

std::string num(int64_t v) { return std::to_string(v); }

std::string fmt_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The counting transpose both conversions share: (n major lines of ptr/idx over m minor indices)
// → (m lines over n), lines visited in order so each output line comes out sorted; repeated
// (line, index) pairs of an unsorted input land next to each other and are summed.
void counting_transpose(int64_t n, int64_t m, const int32_t* ptr, const int32_t* idx,
                        const double* val, std::vector<int32_t>& optr, std::vector<int32_t>& oidx,
                        std::vector<double>& oval) {
  const int64_t nnz = ptr[n];
  optr.assign(static_cast<size_t>(m) + 1, 0);
  for (int64_t k = 0; k < nnz; ++k) ++optr[static_cast<size_t>(idx[k]) + 1];
  for (int64_t j = 0; j < m; ++j) optr[static_cast<size_t>(j) + 1] += optr[static_cast<size_t>(j)];
  oidx.resize(static_cast<size_t>(nnz));
  oval.resize(static_cast<size_t>(nnz));
  std::vector<int32_t> next(optr.begin(), optr.end() - 1);
  bool dup = false;
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = ptr[i]; k < ptr[i + 1]; ++k) {
      const size_t line = static_cast<size_t>(idx[k]);
      const int32_t dst = next[line]++;
      if (dst > optr[line] && oidx[static_cast<size_t>(dst) - 1] == i) dup = true;
      oidx[static_cast<size_t>(dst)] = static_cast<int32_t>(i);
      oval[static_cast<size_t>(dst)] = val[k];
    }
  if (!dup) return;
  // Merge adjacent repeats in place, line by line (storage order is kept, so sums reproduce).
  int32_t w = 0;
  for (int64_t j = 0; j < m; ++j) {
    const int32_t b = optr[static_cast<size_t>(j)], e = optr[static_cast<size_t>(j) + 1];
    optr[static_cast<size_t>(j)] = w;
    for (int32_t k = b; k < e; ++k) {
      if (k > b && oidx[static_cast<size_t>(k)] == oidx[static_cast<size_t>(w) - 1]) {
        oval[static_cast<size_t>(w) - 1] += oval[static_cast<size_t>(k)];
      } else {
        oidx[static_cast<size_t>(w)] = oidx[static_cast<size_t>(k)];
        oval[static_cast<size_t>(w)] = oval[static_cast<size_t>(k)];
        ++w;
      }
    }
  }
  optr[static_cast<size_t>(m)] = w;
  oidx.resize(static_cast<size_t>(w));
  oval.resize(static_cast<size_t>(w));
}

}  // namespace

csr::Problem validate(int64_t rows, int64_t cols, const int32_t* colPtr, int64_t colPtrLen,
                      const int32_t* rowIdx, int64_t rowIdxLen, const double* values,
                      int64_t valuesLen, unsigned flags) {
  if (colPtrLen != cols + 1)
    return fail("colPtr", "expected length cols + 1 = " + num(cols + 1) + ", received length " +
                              num(colPtrLen));
  if (flags & csr::kCheckStructure) {
    if (colPtr[0] != 0) return fail("colPtr", "expected colPtr[0] = 0, received " + num(colPtr[0]));
    for (int64_t c = 0; c < cols; ++c)
      if (colPtr[c + 1] < colPtr[c] || colPtr[c + 1] > colPtr[cols])
        return fail("colPtr", "expected non-decreasing offsets, received colPtr[" + num(c + 1) +
                                  "] = " + num(colPtr[c + 1]) + " < colPtr[" + num(c) +
                                  "] = " + num(colPtr[c]));
  }
  const int64_t nnz = cols >= 0 ? colPtr[cols] : 0;
  if (nnz < 0) return fail("colPtr", "expected colPtr[cols] >= 0, received " + num(nnz));
  if (rowIdxLen != nnz)
    return fail("rowIdx", "expected length nnz = colPtr[cols] = " + num(nnz) +
                              ", received length " + num(rowIdxLen));
  if (valuesLen != nnz)
    return fail("values", "expected length nnz = colPtr[cols] = " + num(nnz) +
                              ", received length " + num(valuesLen));
  if ((flags & csr::kCheckSorted) && !(flags & csr::kCheckStructure)) {
    // The sorted scan walks colPtr ranges: make sure they stay inside rowIdx.
    for (int64_t c = 0; c < cols; ++c)
      if (colPtr[c] < 0 || colPtr[c + 1] < colPtr[c] || colPtr[c + 1] > nnz)
        return fail("colPtr", "expected non-decreasing offsets within [0, nnz], received colPtr[" +
                                  num(c + 1) + "] = " + num(colPtr[c + 1]));
  }
  if (flags & (csr::kCheckStructure | csr::kCheckSorted)) {
    for (int64_t c = 0; c < cols; ++c) {
      int64_t prev = -1;
      for (int64_t k = colPtr[c]; k < colPtr[c + 1]; ++k) {
        const int64_t r = rowIdx[k];
        if ((flags & csr::kCheckStructure) && (r < 0 || r >= rows))
          return fail("rowIdx", "expected row indices in [0, " + num(rows) + "), received rowIdx[" +
                                    num(k) + "] = " + num(r) + " in column " + num(c));
        if ((flags & csr::kCheckSorted) && r <= prev)
          return fail("rowIdx", std::string("expected strictly increasing (sorted, unique) rows "
                                            "within each column, received ") +
                                    (r == prev ? "duplicate" : "unsorted") + " row " + num(r) +
                                    " after " + num(prev) + " at rowIdx[" + num(k) +
                                    "] in column " + num(c));
        prev = r;
      }
    }
  }
  if (flags & csr::kCheckFinite) {
    for (int64_t k = 0; k < nnz; ++k)
      if (!std::isfinite(values[k]))
        return fail("values", "expected finite values, received values[" + num(k) +
                                  "] = " + fmt_double(values[k]));
  }
  return csr::Problem{};
}

bool from_coo(int64_t rows, int64_t cols, int64_t nnz, const int32_t* ri, const int32_t* ci,
              const double* v, Owned& out) {
  // The CSC arrays of A are the CSR arrays of Aᵀ: swap the roles of the indices.
  csr::Owned t;
  if (!csr::from_coo(cols, rows, nnz, ci, ri, v, t)) return false;
  out.rows = rows;
  out.cols = cols;
  out.colPtr = std::move(t.rowPtr);
  out.rowIdx = std::move(t.colIdx);
  out.values = std::move(t.values);
  return true;
}

bool from_dense(int64_t rows, int64_t cols, const double* data, bool colMajor, bool dropZeros,
                Owned& out) {
  out.rows = rows;
  out.cols = cols;
  out.colPtr.assign(static_cast<size_t>(cols) + 1, 0);
  out.rowIdx.clear();
  out.values.clear();
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      const double v = colMajor ? data[c * rows + r] : data[r * cols + c];
      if (dropZeros && v == 0.0) continue;
      if (out.rowIdx.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        return false;
      out.rowIdx.push_back(static_cast<int32_t>(r));
      out.values.push_back(v);
    }
    out.colPtr[static_cast<size_t>(c) + 1] = static_cast<int32_t>(out.rowIdx.size());
  }
  return true;
}

void to_dense(const CscView& A, double* out, bool colMajor) {
  std::fill(out, out + A.rows * A.cols, 0.0);
  for (int64_t c = 0; c < A.cols; ++c)
    for (int32_t k = A.colPtr[c]; k < A.colPtr[c + 1]; ++k) {
      const int64_t r = A.rowIdx[k];
      out[colMajor ? c * A.rows + r : r * A.cols + c] += A.values[k];
    }
}

void from_csr(const CsrView& A, Owned& out) {
  out.rows = A.rows;
  out.cols = A.cols;
  counting_transpose(A.rows, A.cols, A.rowPtr, A.colIdx, A.values, out.colPtr, out.rowIdx,
                     out.values);
}

void to_csr(const CscView& A, csr::Owned& out) {
  out.rows = A.rows;
  out.cols = A.cols;
  counting_transpose(A.cols, A.rows, A.colPtr, A.rowIdx, A.values, out.rowPtr, out.colIdx,
                     out.values);
}

void spmv(const Engine& e, const CscView& A, const double* x, double* y, bool sortedRows) {
  const int64_t nnz = A.colPtr[A.cols];
  // Each task pays a binary search per column: thread only when columns hold enough entries.
  const bool parallel = sortedRows && nnz >= ops::kParallelMin && nnz >= 8 * A.cols && A.rows >= 64;
  parallel_run(e.pool, parallel, [&](int task, int ntasks) {
    const int64_t r0 = A.rows * task / ntasks, r1 = A.rows * (task + 1) / ntasks;
    std::fill(y + r0, y + r1, 0.0);
    if (r0 >= r1) return;
    for (int64_t c = 0; c < A.cols; ++c) {
      const double xc = x[c];
      const int32_t* b = A.rowIdx + A.colPtr[c];
      const int32_t* end = A.rowIdx + A.colPtr[c + 1];
      if (ntasks > 1) b = std::lower_bound(b, end, static_cast<int32_t>(r0));
      for (const int32_t* p = b; p < end; ++p) {
        const int64_t r = *p;
        if (ntasks > 1) {
          if (r >= r1) break;
          if (r < r0) continue;  // only for unsorted input claimed sorted: never race
        }
        y[r] += A.values[p - A.rowIdx] * xc;
      }
    }
  });
}

void spmv_transpose(const Engine& e, const CscView& A, const double* x, double* y) {
  ops::spmv(e, transposed_view(A), x, y);
}

}  // namespace csc
}  // namespace itersolve
