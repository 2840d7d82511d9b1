#include "csr.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace itersolve {
namespace csr {
namespace {

Problem fail(const char* arg, std::string msg) {
  Problem p;
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

}  // namespace

Problem validate(int64_t rows, int64_t cols, const int32_t* rowPtr, int64_t rowPtrLen,
                 const int32_t* colIdx, int64_t colIdxLen, const double* values, int64_t valuesLen,
                 unsigned flags) {
  if (rowPtrLen != rows + 1)
    return fail("rowPtr", "expected length rows + 1 = " + num(rows + 1) + ", received length " +
                              num(rowPtrLen));
  if (flags & kCheckStructure) {
    if (rowPtr[0] != 0) return fail("rowPtr", "expected rowPtr[0] = 0, received " + num(rowPtr[0]));
    for (int64_t r = 0; r < rows; ++r) {
      if (rowPtr[r + 1] < rowPtr[r] || rowPtr[r + 1] > rowPtr[rows])
        return fail("rowPtr", "expected non-decreasing offsets, received rowPtr[" + num(r + 1) +
                                  "] = " + num(rowPtr[r + 1]) + " < rowPtr[" + num(r) +
                                  "] = " + num(rowPtr[r]));
    }
  }
  const int64_t nnz = rows >= 0 ? rowPtr[rows] : 0;
  if (nnz < 0) return fail("rowPtr", "expected rowPtr[rows] >= 0, received " + num(nnz));
  if (colIdxLen != nnz)
    return fail("colIdx", "expected length nnz = rowPtr[rows] = " + num(nnz) +
                              ", received length " + num(colIdxLen));
  if (valuesLen != nnz)
    return fail("values", "expected length nnz = rowPtr[rows] = " + num(nnz) +
                              ", received length " + num(valuesLen));
  if ((flags & kCheckSorted) && !(flags & kCheckStructure)) {
    // The sorted scan walks rowPtr ranges: make sure they stay inside colIdx.
    for (int64_t r = 0; r < rows; ++r)
      if (rowPtr[r] < 0 || rowPtr[r + 1] < rowPtr[r] || rowPtr[r + 1] > nnz)
        return fail("rowPtr", "expected non-decreasing offsets within [0, nnz], received rowPtr[" +
                                  num(r + 1) + "] = " + num(rowPtr[r + 1]));
  }
  if (flags & (kCheckStructure | kCheckSorted)) {
    for (int64_t r = 0; r < rows; ++r) {
      int64_t prev = -1;
      for (int64_t k = rowPtr[r]; k < rowPtr[r + 1]; ++k) {
        const int64_t c = colIdx[k];
        if ((flags & kCheckStructure) && (c < 0 || c >= cols))
          return fail("colIdx", "expected column indices in [0, " + num(cols) +
                                    "), received colIdx[" + num(k) + "] = " + num(c) + " in row " +
                                    num(r));
        if ((flags & kCheckSorted) && c <= prev)
          return fail("colIdx", std::string("expected strictly increasing (sorted, unique) columns "
                                            "within each row, received ") +
                                    (c == prev ? "duplicate" : "unsorted") + " column " + num(c) +
                                    " after " + num(prev) + " at colIdx[" + num(k) + "] in row " +
                                    num(r));
        prev = c;
      }
    }
  }
  if (flags & kCheckFinite) {
    for (int64_t k = 0; k < nnz; ++k)
      if (!std::isfinite(values[k]))
        return fail("values", "expected finite values, received values[" + num(k) +
                                  "] = " + fmt_double(values[k]));
  }
  return Problem{};
}

bool from_coo(int64_t rows, int64_t cols, int64_t nnz, const int32_t* ri, const int32_t* ci,
              const double* v, Owned& out) {
  out.rows = rows;
  out.cols = cols;
  if (nnz > std::numeric_limits<int32_t>::max()) return false;
  // Counting sort by row, then sort each row by column and merge duplicates.
  std::vector<int64_t> count(static_cast<size_t>(rows) + 1, 0);
  for (int64_t k = 0; k < nnz; ++k) ++count[static_cast<size_t>(ri[k]) + 1];
  for (int64_t r = 0; r < rows; ++r)
    count[static_cast<size_t>(r) + 1] += count[static_cast<size_t>(r)];
  std::vector<int32_t> tc(static_cast<size_t>(nnz));
  std::vector<double> tv(static_cast<size_t>(nnz));
  {
    std::vector<int64_t> next(count.begin(), count.end() - 1);
    for (int64_t k = 0; k < nnz; ++k) {
      const int64_t dst = next[static_cast<size_t>(ri[k])]++;
      tc[static_cast<size_t>(dst)] = ci[k];
      tv[static_cast<size_t>(dst)] = v[k];
    }
  }
  out.rowPtr.assign(static_cast<size_t>(rows) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  out.colIdx.reserve(static_cast<size_t>(nnz));
  out.values.reserve(static_cast<size_t>(nnz));
  std::vector<int32_t> perm;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t b = count[static_cast<size_t>(r)], e = count[static_cast<size_t>(r) + 1];
    bool sorted = true;
    for (int64_t k = b + 1; k < e; ++k)
      if (tc[static_cast<size_t>(k)] <= tc[static_cast<size_t>(k) - 1]) {
        sorted = false;
        break;
      }
    if (sorted) {
      for (int64_t k = b; k < e; ++k) {
        out.colIdx.push_back(tc[static_cast<size_t>(k)]);
        out.values.push_back(tv[static_cast<size_t>(k)]);
      }
    } else {
      perm.resize(static_cast<size_t>(e - b));
      std::iota(perm.begin(), perm.end(), 0);
      // stable: duplicates are summed in input order, so the result is reproducible
      std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t c) {
        return tc[static_cast<size_t>(b + a)] < tc[static_cast<size_t>(b + c)];
      });
      int32_t last = -1;
      for (int32_t p : perm) {
        const int32_t c = tc[static_cast<size_t>(b + p)];
        const double val = tv[static_cast<size_t>(b + p)];
        if (c == last) {
          out.values.back() += val;
        } else {
          out.colIdx.push_back(c);
          out.values.push_back(val);
          last = c;
        }
      }
    }
    out.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(out.colIdx.size());
  }
  return true;
}

bool from_dense(int64_t rows, int64_t cols, const double* data, bool dropZeros, Owned& out) {
  out.rows = rows;
  out.cols = cols;
  out.rowPtr.assign(static_cast<size_t>(rows) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const double v = data[r * cols + c];
      if (dropZeros && v == 0.0) continue;
      if (out.colIdx.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        return false;
      out.colIdx.push_back(static_cast<int32_t>(c));
      out.values.push_back(v);
    }
    out.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(out.colIdx.size());
  }
  return true;
}

void to_dense(const CsrView& A, double* out) {
  std::fill(out, out + A.rows * A.cols, 0.0);
  for (int64_t r = 0; r < A.rows; ++r)
    for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k)
      out[r * A.cols + A.colIdx[k]] += A.values[k];
}

void transpose(const CsrView& A, Owned& out) {
  out.rows = A.cols;
  out.cols = A.rows;
  const int64_t nnz = A.rowPtr[A.rows];
  out.rowPtr.assign(static_cast<size_t>(A.cols) + 1, 0);
  for (int64_t k = 0; k < nnz; ++k) ++out.rowPtr[static_cast<size_t>(A.colIdx[k]) + 1];
  for (int64_t c = 0; c < A.cols; ++c)
    out.rowPtr[static_cast<size_t>(c) + 1] += out.rowPtr[static_cast<size_t>(c)];
  out.colIdx.resize(static_cast<size_t>(nnz));
  out.values.resize(static_cast<size_t>(nnz));
  std::vector<int32_t> next(out.rowPtr.begin(), out.rowPtr.end() - 1);
  // Rows visited in order, so each output row's columns come out sorted.
  for (int64_t r = 0; r < A.rows; ++r)
    for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k) {
      const int32_t dst = next[static_cast<size_t>(A.colIdx[k])]++;
      out.colIdx[static_cast<size_t>(dst)] = static_cast<int32_t>(r);
      out.values[static_cast<size_t>(dst)] = A.values[k];
    }
}

void diagonal(const CsrView& A, double* out) {
  const int64_t m = std::min(A.rows, A.cols);
  for (int64_t r = 0; r < m; ++r) {
    double d = 0.0;
    for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k)
      if (A.colIdx[k] == r) d += A.values[k];
    out[r] = d;
  }
}

bool is_symmetric(const CsrView& A, double tol) {
  if (A.rows != A.cols) return false;
  Owned T;
  transpose(A, T);
  auto close = [tol](double a, double b) {
    if (a == b) return true;
    return std::fabs(a - b) <= tol * std::max(std::fabs(a), std::fabs(b));
  };
  for (int64_t r = 0; r < A.rows; ++r) {
    int32_t ka = A.rowPtr[r], ea = A.rowPtr[r + 1];
    int32_t kt = T.rowPtr[static_cast<size_t>(r)], et = T.rowPtr[static_cast<size_t>(r) + 1];
    while (ka < ea || kt < et) {
      const int32_t ca = ka < ea ? A.colIdx[ka] : std::numeric_limits<int32_t>::max();
      const int32_t ct =
          kt < et ? T.colIdx[static_cast<size_t>(kt)] : std::numeric_limits<int32_t>::max();
      double va = 0.0, vt = 0.0;
      if (ca <= ct) va = A.values[ka++];
      if (ct <= ca) vt = T.values[static_cast<size_t>(kt++)];
      if (!close(va, vt)) return false;
    }
  }
  return true;
}

}  // namespace csr
}  // namespace itersolve
