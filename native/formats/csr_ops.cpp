#include "csr_ops.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <string>

#include "../core/errors.hpp"
#include "csc.hpp"

namespace itersolve {
namespace csr {
namespace {

std::string num(int64_t v) { return std::to_string(v); }

[[noreturn]] void too_many(const char* what, const char* arg, int64_t count, const char* unit) {
  throw SolverError("ERR_UNSUPPORTED",
                    std::string(arg) + ": " + what + " would have " + num(count) + " " + unit +
                        ", more than 2^31 - 1 (int32 indices)",
                    -1, arg);
}

// Per-task scratch of the row builder: a dense accumulator over the result's columns with a
// stamp per column (the row last seen there), and the list of the row's columns.
// The loops below copy the raw pointers into locals: with the vectors' members read through
// `acc` the compiler must reload them after every store (they could alias), which made the
// numeric pass of the product several times slower than the symbolic one.
struct Acc {
  std::vector<int32_t> mark;
  std::vector<double> val;
  std::vector<int32_t> list;  // the row's columns: list[0, len)
  int64_t len = 0;
  explicit Acc(int64_t cols)
      : mark(static_cast<size_t>(cols), -1), val(static_cast<size_t>(cols)),
        list(static_cast<size_t>(cols)) {}
};

// Builds out's rows [0, rows) in two passes over the Engine's threads. work: rows + 1 prefix
// sums of each row's cost (splits rows between tasks). count(r, acc) → the row's number of
// distinct columns; fill(r, acc, cols, vals) → writes the row (sorted) and returns how many it
// kept (≤ count; fewer when exact zeros are dropped). Every row is computed by one task, so the
// result does not depend on the split.
// accCols: the accumulator's width (0 when count / fill do not use it).
template <class Count, class Fill>
void build_rows(const Engine& e, int64_t rows, int64_t cols, int64_t accCols,
                const std::vector<int64_t>& work, const char* what, const char* arg, Count&& count,
                Fill&& fill, ResultSink& out) {
  std::vector<int64_t> ptr(static_cast<size_t>(rows) + 1, 0);
  const int64_t total = work[static_cast<size_t>(rows)];
  const bool parallel = total + rows >= ops::kParallelMin;
  std::atomic<bool> oom{false};
  // Task t owns the rows whose work prefix starts in [total·t/n, total·(t+1)/n).
  auto range = [&](int task, int ntasks, int64_t& r0, int64_t& r1) {
    auto at = [&](int t) -> int64_t {
      if (t <= 0) return 0;
      if (t >= ntasks) return rows;
      const int64_t target = static_cast<int64_t>(static_cast<double>(total) * t / ntasks);
      return std::lower_bound(work.begin(), work.end() - 1, target) - work.begin();
    };
    r0 = at(task);
    r1 = at(task + 1);
  };
  parallel_run(e.pool, parallel, [&](int task, int ntasks) {
    int64_t r0, r1;
    range(task, ntasks, r0, r1);
    if (r0 >= r1) return;
    try {
      Acc acc(accCols);
      for (int64_t r = r0; r < r1; ++r) ptr[static_cast<size_t>(r) + 1] = count(r, acc);
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  });
  if (oom) throw std::bad_alloc();
  for (int64_t r = 0; r < rows; ++r) ptr[static_cast<size_t>(r) + 1] += ptr[static_cast<size_t>(r)];
  const int64_t nnz = ptr[static_cast<size_t>(rows)];
  if (nnz > kMaxIndex) too_many(what, arg, nnz, "entries");
  int32_t* outPtr = nullptr;
  int32_t* outCol = nullptr;
  double* outVal = nullptr;
  out.allocate(rows, cols, nnz, outPtr, outCol, outVal);
  std::vector<int64_t> kept(static_cast<size_t>(rows), 0);
  parallel_run(e.pool, parallel, [&](int task, int ntasks) {
    int64_t r0, r1;
    range(task, ntasks, r0, r1);
    if (r0 >= r1) return;
    try {
      Acc acc(accCols);
      for (int64_t r = r0; r < r1; ++r) {
        const size_t b = static_cast<size_t>(ptr[static_cast<size_t>(r)]);
        kept[static_cast<size_t>(r)] = fill(r, acc, outCol + b, outVal + b);
      }
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  });
  if (oom) throw std::bad_alloc();
  // Compact the rows that dropped zeros (in place, front to back).
  outPtr[0] = 0;
  int64_t w = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t b = ptr[static_cast<size_t>(r)], n = kept[static_cast<size_t>(r)];
    if (w != b && n > 0) {
      std::memmove(outCol + w, outCol + b, static_cast<size_t>(n) * 4);
      std::memmove(outVal + w, outVal + b, static_cast<size_t>(n) * 8);
    }
    w += n;
    outPtr[r + 1] = static_cast<int32_t>(w);
  }
  out.finish(w);
}

// The Owned sink: vectors sized by allocate, trimmed by finish.
struct OwnedSink : ResultSink {
  explicit OwnedSink(Owned& o) : out(o) {}
  void allocate(int64_t rows, int64_t cols, int64_t nnz, int32_t*& rowPtr, int32_t*& colIdx,
                double*& values) override {
    out.rows = rows;
    out.cols = cols;
    out.rowPtr.assign(static_cast<size_t>(rows) + 1, 0);
    out.colIdx.resize(static_cast<size_t>(nnz));
    out.values.resize(static_cast<size_t>(nnz));
    rowPtr = out.rowPtr.data();
    colIdx = out.colIdx.data();
    values = out.values.data();
  }
  void finish(int64_t nnz) override {
    out.colIdx.resize(static_cast<size_t>(nnz));
    out.values.resize(static_cast<size_t>(nnz));
  }
  Owned& out;
};

// Writes the accumulated row (acc.list, acc.val) sorted into cols/vals; drops exact zeros when
// dropZeros. Returns the count written and leaves acc.list empty.
int64_t flush(Acc& acc, int32_t* cols, double* vals, bool dropZeros) {
  int32_t* list = acc.list.data();
  const double* val = acc.val.data();
  const int64_t len = acc.len;
  if (len <= 32) {  // insertion sort: rows are short in the common case
    for (int64_t i = 1; i < len; ++i) {
      const int32_t c = list[i];
      int64_t j = i;
      while (j > 0 && list[j - 1] > c) {
        list[j] = list[j - 1];
        --j;
      }
      list[j] = c;
    }
  } else {
    std::sort(list, list + len);
  }
  int64_t n = 0;
  for (int64_t i = 0; i < len; ++i) {
    const int32_t c = list[i];
    const double v = val[c];
    if (dropZeros && v == 0.0) continue;
    cols[n] = c;
    vals[n] = v;
    ++n;
  }
  acc.len = 0;
  return n;
}

// Adds v at column c of row `stamp` in acc.
inline void accumulate(Acc& acc, int32_t stamp, int32_t c, double v) {
  const size_t j = static_cast<size_t>(c);
  if (acc.mark[j] != stamp) {
    acc.mark[j] = stamp;
    acc.val[j] = v;
    acc.list[static_cast<size_t>(acc.len++)] = c;
  } else {
    acc.val[j] += v;
  }
}

// A canonical view of A: A itself, or a canonical copy kept in `store`.
CsrView canonical_view(const CsrView& A, Owned& store) {
  if (is_canonical(A)) return A;
  canonicalize(A, store);
  return CsrView{store.rows, store.cols, store.rowPtr.data(), store.colIdx.data(),
                 store.values.data()};
}

}  // namespace

bool is_canonical(const CsrView& A) {
  for (int64_t r = 0; r < A.rows; ++r)
    for (int32_t k = A.rowPtr[r] + 1; k < A.rowPtr[r + 1]; ++k)
      if (A.colIdx[k] <= A.colIdx[k - 1]) return false;
  return true;
}

void canonicalize(const CsrView& A, Owned& out) {
  // Two counting transposes: the first sorts (and merges repeats in storage order), the second
  // brings the rows back.
  csc::Owned t;
  csc::from_csr(A, t);
  csc::to_csr(CscView{t.rows, t.cols, t.colPtr.data(), t.rowIdx.data(), t.values.data()}, out);
}

void add(const Engine& e, const CsrView& A, const CsrView& B, double alpha, double beta, Owned& out,
         const char* nameB) {
  OwnedSink sink(out);
  add(e, A, B, alpha, beta, sink, nameB);
}

void add(const Engine& e, const CsrView& A, const CsrView& B, double alpha, double beta,
         ResultSink& out, const char* nameB) {
  if (A.rows != B.rows || A.cols != B.cols)
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      std::string(nameB) + ": expected a " + num(A.rows) + " x " + num(A.cols) +
                          " matrix (the shape of A), received " + num(B.rows) + " x " + num(B.cols),
                      -1, nameB);
  std::vector<int64_t> work(static_cast<size_t>(A.rows) + 1, 0);
  for (int64_t r = 0; r < A.rows; ++r)
    work[static_cast<size_t>(r) + 1] = work[static_cast<size_t>(r)] +
                                       (A.rowPtr[r + 1] - A.rowPtr[r]) +
                                       (B.rowPtr[r + 1] - B.rowPtr[r]);
  if (is_canonical(A) && is_canonical(B)) {
    // Both sorted: merge the two rows (no accumulator, no sort).
    build_rows(
        e, A.rows, A.cols, 0, work, "the sum", nameB,
        [&](int64_t r, Acc&) {
          int32_t ka = A.rowPtr[r], kb = B.rowPtr[r];
          const int32_t ea = A.rowPtr[r + 1], eb = B.rowPtr[r + 1];
          int64_t n = 0;
          while (ka < ea && kb < eb) {
            const int32_t ca = A.colIdx[ka], cb = B.colIdx[kb];
            ka += ca <= cb;
            kb += cb <= ca;
            ++n;
          }
          return n + (ea - ka) + (eb - kb);
        },
        [&](int64_t r, Acc&, int32_t* cols, double* vals) {
          int32_t ka = A.rowPtr[r], kb = B.rowPtr[r];
          const int32_t ea = A.rowPtr[r + 1], eb = B.rowPtr[r + 1];
          int64_t n = 0;
          while (ka < ea || kb < eb) {
            const int32_t ca = ka < ea ? A.colIdx[ka] : INT32_MAX;
            const int32_t cb = kb < eb ? B.colIdx[kb] : INT32_MAX;
            double v;
            int32_t c;
            if (ca < cb) {
              c = ca;
              v = alpha * A.values[ka++];
            } else if (cb < ca) {
              c = cb;
              v = beta * B.values[kb++];
            } else {
              c = ca;
              v = alpha * A.values[ka++] + beta * B.values[kb++];
            }
            if (v == 0.0) continue;
            cols[n] = c;
            vals[n] = v;
            ++n;
          }
          return n;
        },
        out);
    return;
  }
  auto gather = [&](int64_t r, Acc& acc, bool values) {
    const int32_t s = static_cast<int32_t>(r);
    for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k)
      accumulate(acc, s, A.colIdx[k], values ? alpha * A.values[k] : 0.0);
    for (int32_t k = B.rowPtr[r]; k < B.rowPtr[r + 1]; ++k)
      accumulate(acc, s, B.colIdx[k], values ? beta * B.values[k] : 0.0);
  };
  build_rows(
      e, A.rows, A.cols, A.cols, work, "the sum", nameB,
      [&](int64_t r, Acc& acc) {
        gather(r, acc, false);
        const int64_t n = acc.len;
        acc.len = 0;
        return n;
      },
      [&](int64_t r, Acc& acc, int32_t* c, double* v) {
        gather(r, acc, true);
        return flush(acc, c, v, true);
      },
      out);
}

void matmul(const Engine& e, const CsrView& A, const CsrView& B, Owned& out, const char* nameB) {
  OwnedSink sink(out);
  matmul(e, A, B, sink, nameB);
}

void matmul(const Engine& e, const CsrView& A, const CsrView& B, ResultSink& out,
            const char* nameB) {
  if (A.cols != B.rows)
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      std::string(nameB) + ": expected " + num(A.cols) +
                          " rows (the columns of A), received a " + num(B.rows) + " x " +
                          num(B.cols) + " matrix",
                      -1, nameB);
  // Work of a row: its multiply-adds (the flops of Gustavson's inner loop), plus one.
  std::vector<int64_t> work(static_cast<size_t>(A.rows) + 1, 0);
  for (int64_t r = 0; r < A.rows; ++r) {
    int64_t f = 1;
    for (int32_t k = A.rowPtr[r]; k < A.rowPtr[r + 1]; ++k) {
      const int32_t j = A.colIdx[k];
      f += B.rowPtr[j + 1] - B.rowPtr[j];
    }
    work[static_cast<size_t>(r) + 1] = work[static_cast<size_t>(r)] + f;
  }
  build_rows(
      e, A.rows, B.cols, B.cols, work, "the product", nameB,
      [&](int64_t r, Acc& acc) {
        const int32_t s = static_cast<int32_t>(r);
        int32_t* __restrict mark = acc.mark.data();
        const int32_t* __restrict brp = B.rowPtr;
        const int32_t* __restrict bci = B.colIdx;
        int64_t n = 0;
        for (int32_t k = A.rowPtr[r], ke = A.rowPtr[r + 1]; k < ke; ++k) {
          const int32_t j = A.colIdx[k];
          for (int32_t q = brp[j], qe = brp[j + 1]; q < qe; ++q) {
            const int32_t c = bci[q];
            if (mark[c] != s) {
              mark[c] = s;
              ++n;
            }
          }
        }
        return n;
      },
      [&](int64_t r, Acc& acc, int32_t* cols, double* vals) {
        // The symbolic pass stamped with r: stamp −2 − r here so the marks are fresh.
        const int32_t s = static_cast<int32_t>(-2 - r);
        int32_t* __restrict mark = acc.mark.data();
        double* __restrict val = acc.val.data();
        int32_t* __restrict list = acc.list.data();
        const int32_t* __restrict brp = B.rowPtr;
        const int32_t* __restrict bci = B.colIdx;
        const double* __restrict bv = B.values;
        int64_t len = 0;
        for (int32_t k = A.rowPtr[r], ke = A.rowPtr[r + 1]; k < ke; ++k) {
          const int32_t j = A.colIdx[k];
          const double a = A.values[k];
          for (int32_t q = brp[j], qe = brp[j + 1]; q < qe; ++q) {
            const int32_t c = bci[q];
            const double p = a * bv[q];
            if (mark[c] != s) {
              mark[c] = s;
              val[c] = p;
              list[len++] = c;
            } else {
              val[c] += p;
            }
          }
        }
        acc.len = len;
        return flush(acc, cols, vals, true);
      },
      out);
}

void slice(const Engine& e, const CsrView& A, const int32_t* rows, int64_t nrows,
           const int32_t* cols, int64_t ncols, Owned& out) {
  const bool selRows = nrows >= 0, selCols = ncols >= 0;
  if (!selRows) nrows = A.rows;
  if (!selCols) ncols = A.cols;
  if (nrows > kMaxIndex) too_many("the slice", "rows", nrows, "rows");
  if (ncols > kMaxIndex) too_many("the slice", "cols", ncols, "columns");
  for (int64_t i = 0; selRows && i < nrows; ++i)
    if (rows[i] < 0 || rows[i] >= A.rows)
      throw SolverError("ERR_INVALID_ARGUMENT",
                        "rows: expected row indices in [0, " + num(A.rows) + "), received rows[" +
                            num(i) + "] = " + num(rows[i]),
                        -1, "rows");
  for (int64_t i = 0; selCols && i < ncols; ++i)
    if (cols[i] < 0 || cols[i] >= A.cols)
      throw SolverError("ERR_INVALID_ARGUMENT",
                        "cols: expected column indices in [0, " + num(A.cols) +
                            "), received cols[" + num(i) + "] = " + num(cols[i]),
                        -1, "cols");
  auto src = [&](int64_t r) -> int64_t { return selRows ? rows[r] : r; };
  out.rows = nrows;
  out.cols = ncols;
  if (!selCols && is_canonical(A)) {
    // Whole rows: copy them.
    int64_t nnz = 0;
    for (int64_t r = 0; r < nrows; ++r) nnz += A.rowPtr[src(r) + 1] - A.rowPtr[src(r)];
    if (nnz > kMaxIndex) too_many("the slice", "rows", nnz, "entries");
    out.rowPtr.assign(static_cast<size_t>(nrows) + 1, 0);
    out.colIdx.resize(static_cast<size_t>(nnz));
    out.values.resize(static_cast<size_t>(nnz));
    int64_t w = 0;
    for (int64_t r = 0; r < nrows; ++r) {
      const int32_t b = A.rowPtr[src(r)], n = A.rowPtr[src(r) + 1] - b;
      if (n > 0) {  // (empty vectors may hand out null data pointers)
        std::memcpy(out.colIdx.data() + w, A.colIdx + b, static_cast<size_t>(n) * 4);
        std::memcpy(out.values.data() + w, A.values + b, static_cast<size_t>(n) * 8);
      }
      w += n;
      out.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(w);
    }
    return;
  }
  // Output positions of each source column: pos[start[c] .. start[c + 1]), increasing.
  std::vector<int64_t> start(static_cast<size_t>(A.cols) + 1, 0);
  std::vector<int32_t> pos;
  if (selCols) {
    for (int64_t i = 0; i < ncols; ++i) ++start[static_cast<size_t>(cols[i]) + 1];
    for (int64_t c = 0; c < A.cols; ++c)
      start[static_cast<size_t>(c) + 1] += start[static_cast<size_t>(c)];
    pos.resize(static_cast<size_t>(ncols));
    std::vector<int64_t> next(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < ncols; ++i)
      pos[static_cast<size_t>(next[static_cast<size_t>(cols[i])]++)] = static_cast<int32_t>(i);
  }
  auto mult = [&](int32_t c) -> int64_t {
    return selCols ? start[static_cast<size_t>(c) + 1] - start[static_cast<size_t>(c)] : 1;
  };
  std::vector<int64_t> work(static_cast<size_t>(nrows) + 1, 0);
  for (int64_t r = 0; r < nrows; ++r) {
    int64_t f = 1;
    const int64_t s = src(r);
    for (int32_t k = A.rowPtr[s]; k < A.rowPtr[s + 1]; ++k) f += mult(A.colIdx[k]);
    work[static_cast<size_t>(r) + 1] = work[static_cast<size_t>(r)] + f;
  }
  auto gather = [&](int64_t r, int32_t stamp, Acc& acc) {
    const int64_t s = src(r);
    for (int32_t k = A.rowPtr[s]; k < A.rowPtr[s + 1]; ++k) {
      const int32_t c = A.colIdx[k];
      if (!selCols) {
        accumulate(acc, stamp, c, A.values[k]);
      } else {
        for (int64_t p = start[static_cast<size_t>(c)]; p < start[static_cast<size_t>(c) + 1]; ++p)
          accumulate(acc, stamp, pos[static_cast<size_t>(p)], A.values[k]);
      }
    }
  };
  OwnedSink slice_sink(out);
  build_rows(
      e, nrows, ncols, ncols, work, "the slice", "rows",
      [&](int64_t r, Acc& acc) {
        gather(r, static_cast<int32_t>(r), acc);
        const int64_t n = acc.len;
        acc.len = 0;
        return n;
      },
      [&](int64_t r, Acc& acc, int32_t* c, double* v) {
        gather(r, static_cast<int32_t>(-2 - r), acc);
        return flush(acc, c, v, false);
      },
      slice_sink);
}

void kron(const CsrView& A0, const CsrView& B0, Owned& out) {
  const int64_t rows = A0.rows * B0.rows, cols = A0.cols * B0.cols;
  if (rows > kMaxIndex) too_many("the Kronecker product", "B", rows, "rows");
  if (cols > kMaxIndex) too_many("the Kronecker product", "B", cols, "columns");
  const int64_t nnz =
      static_cast<int64_t>(A0.rowPtr[A0.rows]) * static_cast<int64_t>(B0.rowPtr[B0.rows]);
  if (nnz > kMaxIndex) too_many("the Kronecker product", "B", nnz, "entries");
  Owned sa, sb;
  const CsrView A = canonical_view(A0, sa), B = canonical_view(B0, sb);
  out.rows = rows;
  out.cols = cols;
  out.rowPtr.assign(static_cast<size_t>(rows) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  out.colIdx.reserve(static_cast<size_t>(A.rowPtr[A.rows]) * static_cast<size_t>(B.rowPtr[B.rows]));
  out.values.reserve(out.colIdx.capacity());
  int64_t r = 0;
  for (int64_t ia = 0; ia < A.rows; ++ia)
    for (int64_t ib = 0; ib < B.rows; ++ib, ++r) {
      for (int32_t ka = A.rowPtr[ia]; ka < A.rowPtr[ia + 1]; ++ka) {
        const int64_t c0 = static_cast<int64_t>(A.colIdx[ka]) * B.cols;
        const double a = A.values[ka];
        for (int32_t kb = B.rowPtr[ib]; kb < B.rowPtr[ib + 1]; ++kb) {
          out.colIdx.push_back(static_cast<int32_t>(c0 + B.colIdx[kb]));
          out.values.push_back(a * B.values[kb]);
        }
      }
      out.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(out.colIdx.size());
    }
}

namespace {

void check_parts(const std::vector<CsrView>& parts, bool vertical) {
  if (parts.empty())
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "matrices: expected at least one matrix, received an empty list", -1,
                      "matrices");
  for (size_t i = 1; i < parts.size(); ++i) {
    const int64_t want = vertical ? parts[0].cols : parts[0].rows;
    const int64_t got = vertical ? parts[i].cols : parts[i].rows;
    if (want != got) {
      const std::string arg = "matrices[" + std::to_string(i) + "]";
      throw SolverError("ERR_DIMENSION_MISMATCH",
                        arg + ": expected " + num(want) + (vertical ? " columns" : " rows") +
                            " (as matrices[0]), received " + num(got),
                        -1, arg);
    }
  }
  int64_t total = 0, nnz = 0;
  for (const CsrView& P : parts) {
    total += vertical ? P.rows : P.cols;
    nnz += P.rowPtr[P.rows];
  }
  if (total > kMaxIndex)
    too_many(vertical ? "the stacked matrix" : "the stacked matrix", "matrices", total,
             vertical ? "rows" : "columns");
  if (nnz > kMaxIndex) too_many("the stacked matrix", "matrices", nnz, "entries");
}

}  // namespace

void vstack(const std::vector<CsrView>& parts0, Owned& out) {
  check_parts(parts0, true);
  std::vector<Owned> store(parts0.size());
  std::vector<CsrView> parts;
  for (size_t i = 0; i < parts0.size(); ++i) parts.push_back(canonical_view(parts0[i], store[i]));
  out.cols = parts[0].cols;
  out.rows = 0;
  for (const CsrView& P : parts) out.rows += P.rows;
  out.rowPtr.assign(static_cast<size_t>(out.rows) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  int64_t r = 0;
  for (const CsrView& P : parts) {
    const int32_t nnz = P.rowPtr[P.rows];
    out.colIdx.insert(out.colIdx.end(), P.colIdx, P.colIdx + nnz);
    out.values.insert(out.values.end(), P.values, P.values + nnz);
    const int32_t base = out.rowPtr[static_cast<size_t>(r)];
    for (int64_t i = 0; i < P.rows; ++i, ++r)
      out.rowPtr[static_cast<size_t>(r) + 1] = base + P.rowPtr[i + 1];
  }
}

void hstack(const std::vector<CsrView>& parts0, Owned& out) {
  check_parts(parts0, false);
  std::vector<Owned> store(parts0.size());
  std::vector<CsrView> parts;
  for (size_t i = 0; i < parts0.size(); ++i) parts.push_back(canonical_view(parts0[i], store[i]));
  out.rows = parts[0].rows;
  out.cols = 0;
  for (const CsrView& P : parts) out.cols += P.cols;
  out.rowPtr.assign(static_cast<size_t>(out.rows) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  for (int64_t r = 0; r < out.rows; ++r) {
    int64_t off = 0;
    for (const CsrView& P : parts) {
      for (int32_t k = P.rowPtr[r]; k < P.rowPtr[r + 1]; ++k) {
        out.colIdx.push_back(static_cast<int32_t>(off + P.colIdx[k]));
        out.values.push_back(P.values[k]);
      }
      off += P.cols;
    }
    out.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(out.colIdx.size());
  }
}

void identity(int64_t n, Owned& out) {
  if (n > kMaxIndex) too_many("the identity", "n", n, "rows");
  out.rows = out.cols = n;
  out.rowPtr.resize(static_cast<size_t>(n) + 1);
  out.colIdx.resize(static_cast<size_t>(n));
  out.values.assign(static_cast<size_t>(n), 1.0);
  for (int64_t i = 0; i <= n; ++i) out.rowPtr[static_cast<size_t>(i)] = static_cast<int32_t>(i);
  for (int64_t i = 0; i < n; ++i) out.colIdx[static_cast<size_t>(i)] = static_cast<int32_t>(i);
}

void diagonal_matrix(const double* d, int64_t n, Owned& out) {
  if (n > kMaxIndex) too_many("the diagonal matrix", "d", n, "rows");
  out.rows = out.cols = n;
  out.rowPtr.assign(static_cast<size_t>(n) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  for (int64_t i = 0; i < n; ++i) {
    if (d[i] != 0.0) {
      out.colIdx.push_back(static_cast<int32_t>(i));
      out.values.push_back(d[i]);
    }
    out.rowPtr[static_cast<size_t>(i) + 1] = static_cast<int32_t>(out.colIdx.size());
  }
}

int64_t diagonal_length(int64_t rows, int64_t cols, int64_t k) {
  const int64_t r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
  if (r0 >= rows || c0 >= cols) return 0;
  return std::min(rows - r0, cols - c0);
}

void set_diagonal(const CsrView& A0, const double* d, int64_t len, int64_t k, Owned& out) {
  const int64_t m = diagonal_length(A0.rows, A0.cols, k);
  if (len > m || len < 0)
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      "d: expected at most " + num(m) + " values (the length of diagonal " +
                          num(k) + " of a " + num(A0.rows) + " x " + num(A0.cols) +
                          " matrix), received " + num(len),
                      -1, "d");
  Owned sa;
  const CsrView A = canonical_view(A0, sa);
  const int64_t r0 = k < 0 ? -k : 0;
  if (static_cast<int64_t>(A.rowPtr[A.rows]) + len > kMaxIndex)
    too_many("the matrix", "d", A.rowPtr[A.rows] + len, "entries");
  out.rows = A.rows;
  out.cols = A.cols;
  out.rowPtr.assign(static_cast<size_t>(A.rows) + 1, 0);
  out.colIdx.clear();
  out.values.clear();
  out.colIdx.reserve(static_cast<size_t>(A.rowPtr[A.rows] + len));
  out.values.reserve(static_cast<size_t>(A.rowPtr[A.rows] + len));
  for (int64_t r = 0; r < A.rows; ++r) {
    const int64_t i = r - r0;  // position along the diagonal
    const bool set = i >= 0 && i < len;
    const int64_t c = r + k;
    bool done = !set;
    for (int32_t q = A.rowPtr[r]; q < A.rowPtr[r + 1]; ++q) {
      const int32_t cq = A.colIdx[q];
      if (!done && cq >= c) {
        out.colIdx.push_back(static_cast<int32_t>(c));
        out.values.push_back(d[i]);
        done = true;
        if (cq == c) continue;  // replaced
      }
      out.colIdx.push_back(cq);
      out.values.push_back(A.values[q]);
    }
    if (!done) {
      out.colIdx.push_back(static_cast<int32_t>(c));
      out.values.push_back(d[i]);
    }
    out.rowPtr[static_cast<size_t>(r) + 1] = static_cast<int32_t>(out.colIdx.size());
  }
}

}  // namespace csr
}  // namespace itersolve
