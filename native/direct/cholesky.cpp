// Supernodal sparse Cholesky / LDLᵀ (cholesky.hpp).
#include "cholesky.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>

#include "../core/errors.hpp"
#include "dense_kernels.hpp"

namespace itersolve {
namespace direct {
namespace {

// Relaxed supernodes (symbolic.hpp's rule): merge a child into its parent chain when the merged
// width is at most kRelaxSmall, or when the explicit zeros stay below kRelaxZeros of the merged
// trapezoid. Fewer, wider supernodes trade a few stored zeros for dense-kernel efficiency.
constexpr int32_t kRelaxSmall = 16;
constexpr double kRelaxZeros = 0.05;

void check_square(const CsrView& A) {
  if (A.rows != A.cols)
    throw SolverError(
        "ERR_DIMENSION_MISMATCH",
        "A must be square, received " + std::to_string(A.rows) + " x " + std::to_string(A.cols), -1,
        "A");
  if (A.rows < 0 || A.rows > INT32_MAX)
    throw SolverError("ERR_INVALID_ARGUMENT", "A: n out of range", -1, "A");
  if (A.rows > 0 && (A.rowPtr == nullptr || A.rowPtr[0] != 0))
    throw SolverError("ERR_INVALID_MATRIX", "A: rowPtr[0] must be 0", -1, "A");
  for (int64_t i = 0; i < A.rows; ++i)
    if (A.rowPtr[i + 1] < A.rowPtr[i])
      throw SolverError("ERR_INVALID_MATRIX", "A: rowPtr decreases at row " + std::to_string(i), i,
                        "A");
  for (int64_t p = 0; p < (A.rows > 0 ? A.rowPtr[A.rows] : 0); ++p)
    if (A.colIdx[p] < 0 || A.colIdx[p] >= A.rows)
      throw SolverError("ERR_INVALID_MATRIX",
                        "A: column index " + std::to_string(A.colIdx[p]) + " outside [0, " +
                            std::to_string(A.rows) + ")",
                        -1, "A");
  if (A.rows > 0 && A.rowPtr[A.rows] > 0 && A.values == nullptr)
    throw SolverError("ERR_INVALID_MATRIX", "A: values missing", -1, "A");
}

// Exact symmetry of values (duplicates summed): row i of A against column i of A.
void check_symmetry(const CsrView& A) {
  const int64_t n = A.rows;
  if (n == 0) return;
  // Transpose positions by counting sort.
  std::vector<int32_t> tptr(static_cast<size_t>(n) + 1, 0);
  const int64_t nnz = A.rowPtr[n];
  for (int64_t p = 0; p < nnz; ++p) ++tptr[A.colIdx[p] + 1];
  for (int64_t i = 0; i < n; ++i) tptr[i + 1] += tptr[i];
  std::vector<int32_t> trow(static_cast<size_t>(nnz)), tpos(static_cast<size_t>(nnz));
  {
    std::vector<int32_t> next(tptr.begin(), tptr.end() - 1);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
        const int32_t q = next[A.colIdx[p]]++;
        trow[q] = static_cast<int32_t>(i);
        tpos[q] = static_cast<int32_t>(p);
      }
  }
  std::vector<double> wa(n, 0.0), wb(n, 0.0);
  std::vector<int32_t> mark(n, -1);
  std::vector<int32_t> touched;
  for (int64_t i = 0; i < n; ++i) {
    touched.clear();
    for (int64_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
      const int32_t j = A.colIdx[p];
      if (mark[j] != i) {
        mark[j] = static_cast<int32_t>(i);
        wa[j] = 0.0;
        wb[j] = 0.0;
        touched.push_back(j);
      }
      wa[j] += A.values[p];
    }
    for (int32_t q = tptr[i]; q < tptr[i + 1]; ++q) {
      const int32_t j = trow[q];
      if (mark[j] != i) {
        mark[j] = static_cast<int32_t>(i);
        wa[j] = 0.0;
        wb[j] = 0.0;
        touched.push_back(j);
      }
      wb[j] += A.values[tpos[q]];
    }
    for (int32_t j : touched)
      if (!(wa[j] == wb[j]) && !(std::isnan(wa[j]) && std::isnan(wb[j])))
        throw SolverError("ERR_NOT_SYMMETRIC",
                          "A is not symmetric: A(" + std::to_string(i) + ", " + std::to_string(j) +
                              ") != A(" + std::to_string(j) + ", " + std::to_string(i) + ")",
                          i, "A")
            .withColumn(j);
  }
}

}  // namespace

std::unique_ptr<CholeskyFactor> CholeskyFactor::factorize(const Engine& e, const CsrView& A,
                                                          const CholeskyOptions& o, Control* ctl) {
  check_square(A);
  if (o.check_symmetric) check_symmetry(A);
  std::unique_ptr<CholeskyFactor> F(new CholeskyFactor());
  const int32_t n = static_cast<int32_t>(A.rows);
  F->n_ = n;
  F->ldlt_ = o.ldlt;
  F->check_symmetric_ = o.check_symmetric;
  const int64_t nnzA = n > 0 ? A.rowPtr[n] : 0;
  F->rowPtr_.assign(A.rowPtr, A.rowPtr + (n > 0 ? n + 1 : 0));
  F->colIdx_.assign(A.colIdx, A.colIdx + nnzA);
  const int32_t* rp = n > 0 ? A.rowPtr : nullptr;
  static const int32_t zero = 0;
  if (rp == nullptr) rp = &zero;

  // Ordering and symbolic analysis.
  OrderingResult ord = order_symmetric(e, n, rp, A.colIdx, o.ordering);
  F->ordering_ = ord.used;
  SymbolicOptions so;
  so.postorder = true;
  so.relax = true;
  so.relaxSmall = kRelaxSmall;
  so.relaxZeroFraction = kRelaxZeros;
  const Symbolic S = analyse(n, rp, A.colIdx, ord.perm.data(), so);
  F->perm_ = S.perm;
  F->nnzL_ = S.nnzL;
  {
    const UpperPattern U = permutedUpper(n, rp, A.colIdx, S.perm.data());
    SupernodalStructure SS = supernodalStructure(S, U);
    F->super_ = std::move(SS.superStart);
    F->rptr_ = std::move(SS.rowPtr);
    F->rows_ = std::move(SS.rows);
    F->colToSuper_ = std::move(SS.colToSuper);
  }
  const int32_t ns = static_cast<int32_t>(F->super_.size()) - 1;
  F->px_.assign(static_cast<size_t>(ns) + 1, 0);
  int64_t amax = 1, bmax = 1, mmax = 1;
  for (int32_t s = 0; s < ns; ++s) {
    const int64_t w = F->super_[s + 1] - F->super_[s];
    const int64_t m = F->rptr_[s + 1] - F->rptr_[s];
    F->px_[s + 1] = F->px_[s] + m * w;
    // update_scatter's packing as a descendant (m − w rows below, depth w) and inside
    // factor_panel (m rows, depth kPanelBlock).
    amax = std::max(amax, std::max((m - w + 3) * w, (m + 3) * kPanelBlock));
    bmax = std::max(bmax, std::max((m - w + 7) * w, (w + 7) * kPanelBlock));
    mmax = std::max(mmax, m);
  }
  F->lxSize_ = F->px_[ns];
  F->Lx_.reset(new double[static_cast<size_t>(std::max<int64_t>(F->lxSize_, 1))]);
  F->packA_.resize(static_cast<size_t>(amax));
  F->packB_.resize(static_cast<size_t>(bmax));
  F->col_.resize(static_cast<size_t>(mmax));
  F->rmap_.resize(static_cast<size_t>(mmax));
  F->relmap_.assign(static_cast<size_t>(n) + mmax, 0);
  F->head_.assign(ns, -1);
  F->next_.assign(ns, -1);
  F->nextRow_.assign(ns, 0);
  if (o.ldlt) F->D_.assign(n, 0.0);

  // A's lower triangle (original numbering i ≥ j) scattered to the panels: entry (i, j) goes to
  // C(max, min) with C = A(perm, perm), in the supernode of column min.
  {
    std::vector<int32_t> pinv(n);
    for (int32_t k = 0; k < n; ++k) pinv[S.perm[k]] = k;
    F->aptr_.assign(static_cast<size_t>(ns) + 1, 0);
    int64_t cnt = 0;
    for (int32_t i = 0; i < n; ++i)
      for (int64_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
        if (A.colIdx[p] <= i) {
          const int32_t c = std::min(pinv[i], pinv[A.colIdx[p]]);
          ++F->aptr_[F->colToSuper_[c] + 1];
          ++cnt;
        }
    for (int32_t s = 0; s < ns; ++s) F->aptr_[s + 1] += F->aptr_[s];
    F->asrc_.resize(static_cast<size_t>(cnt));
    F->adst_.resize(static_cast<size_t>(cnt));
    std::vector<int64_t> next(F->aptr_.begin(), F->aptr_.end() - 1);
    for (int32_t i = 0; i < n; ++i)
      for (int64_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
        if (A.colIdx[p] <= i) {
          const int32_t a = pinv[i], b = pinv[A.colIdx[p]];
          const int32_t r = std::max(a, b), c = std::min(a, b);
          const int32_t s = F->colToSuper_[c];
          const int32_t* rs = F->rows_.data() + F->rptr_[s];
          const int32_t* re = F->rows_.data() + F->rptr_[s + 1];
          const int64_t local = std::lower_bound(rs, re, r) - rs;
          const int64_t m = re - rs;
          const int64_t q = next[s]++;
          F->asrc_[q] = static_cast<int32_t>(p);
          F->adst_[q] = F->px_[s] + (c - F->super_[s]) * m + local;
        }
  }
  F->assemble_and_factor(e, A, ctl);
  return F;
}

void CholeskyFactor::refactor(const Engine& e, const CsrView& A, Control* ctl) {
  if (A.rows != n_ || A.cols != n_)
    throw SolverError(
        "ERR_INVALID_ARGUMENT",
        "A: refactor needs a matrix of the same size and pattern (n = " + std::to_string(n_) + ")",
        -1, "A");
  const int64_t nnzA = n_ > 0 ? A.rowPtr[n_] : 0;
  const bool same =
      n_ == 0 ||
      (std::memcmp(A.rowPtr, rowPtr_.data(), sizeof(int32_t) * (n_ + 1)) == 0 &&
       static_cast<int64_t>(colIdx_.size()) == nnzA &&
       (nnzA == 0 || std::memcmp(A.colIdx, colIdx_.data(), sizeof(int32_t) * nnzA) == 0));
  if (!same)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "A: refactor needs the same sparsity pattern (rowPtr and colIdx) as the "
                      "factorised matrix",
                      -1, "A");
  if (nnzA > 0 && A.values == nullptr)
    throw SolverError("ERR_INVALID_MATRIX", "A: values missing", -1, "A");
  valid_ = false;
  if (check_symmetric_) check_symmetry(A);
  assemble_and_factor(e, A, ctl);
}

void CholeskyFactor::assemble_and_factor(const Engine& e, const CsrView& A, Control* ctl) {
  valid_ = false;
  logdet_ = 0.0;
  negative_ = 0;
  const int32_t ns = static_cast<int32_t>(super_.size()) - 1;
  std::fill(head_.begin(), head_.end(), -1);
  double* Lx = Lx_.get();
  const double* Ax = A.values;
  double* packA = packA_.data();
  double* packB = packB_.data();
  double* colbuf = col_.data();
  int32_t* rmap = rmap_.data();
  int32_t* relmap = relmap_.data();
  int32_t* cmap = relmap_.data() + n_;
  for (int32_t s = 0; s < ns; ++s) {
    if (ctl != nullptr) {
      const StopReason r = ctl->poll();
      if (r == StopReason::Aborted)
        throw SolverError("ABORT_ERR", "cholesky: the factorisation was aborted");
      if (r == StopReason::TimeLimit)
        throw SolverError("ERR_TIME_LIMIT", "cholesky: the time limit was reached");
    }
    const int32_t a = super_[s];
    const int64_t w = super_[s + 1] - a;
    const int64_t m = rptr_[s + 1] - rptr_[s];
    const int32_t* rs = rows_.data() + rptr_[s];
    double* P = Lx + px_[s];
    for (int64_t i = 0; i < m; ++i) relmap[rs[i]] = static_cast<int32_t>(i);
    std::memset(P, 0, sizeof(double) * static_cast<size_t>(m * w));
    for (int64_t q = aptr_[s]; q < aptr_[s + 1]; ++q) Lx[adst_[q]] += Ax[asrc_[q]];
    // Updates from the descendants waiting on this supernode.
    int32_t d = head_[s];
    while (d != -1) {
      const int32_t dn = next_[d];
      const int32_t da = super_[d];
      const int64_t wd = super_[d + 1] - da;
      const int64_t md = rptr_[d + 1] - rptr_[d];
      const int32_t* rd = rows_.data() + rptr_[d];
      const double* Ld = Lx + px_[d];
      const int64_t pd = nextRow_[d];
      int64_t pd2 = pd;
      const int32_t end = a + static_cast<int32_t>(w);
      while (pd2 < md && rd[pd2] < end) ++pd2;
      const int64_t n1 = pd2 - pd, m2 = md - pd;
      // Subtract L_D(pd:, :) · [D_D] · L_D(pd:pd2, :)ᵀ (its lower trapezoid) from the panel
      // through the relative map: rows to panel rows, the first n1 to panel columns.
      const int32_t* rr = rd + pd;
      for (int64_t i = 0; i < m2; ++i) rmap[i] = relmap[rr[i]];
      for (int64_t j = 0; j < n1; ++j) cmap[j] = rr[j] - a;
      update_scatter(e, m2, n1, wd, Ld + pd, md, ldlt_ ? D_.data() + da : nullptr, P, m, rmap, cmap,
                     packA, packB, colbuf);
      nextRow_[d] = static_cast<int32_t>(pd2);
      if (pd2 < md) {
        const int32_t t = colToSuper_[rd[pd2]];
        next_[d] = head_[t];
        head_[t] = d;
      }
      d = dn;
    }
    const int64_t fail = factor_panel(e, m, w, P, m, ldlt_, packA, packB, colbuf);
    if (fail >= 0) {
      const int64_t col = perm_[a + fail];
      if (ldlt_)
        throw SolverError("ERR_SINGULAR",
                          "A is singular: zero or non-finite pivot at column " +
                              std::to_string(col) + " (LDL^T without pivoting)",
                          -1, "A")
            .withColumn(col);
      throw SolverError("ERR_NOT_SPD",
                        "A is not positive definite: the pivot at column " + std::to_string(col) +
                            " is not positive",
                        -1, "A")
          .withColumn(col);
    }
    for (int64_t j = 0; j < w; ++j) {
      const double dj = P[j + j * m];
      if (ldlt_) {
        D_[a + j] = dj;
        if (dj < 0) ++negative_;
        logdet_ += std::log(std::fabs(dj));
      } else {
        logdet_ += 2.0 * std::log(dj);
      }
    }
    if (m > w) {
      nextRow_[s] = static_cast<int32_t>(w);
      const int32_t t = colToSuper_[rs[w]];
      next_[s] = head_[t];
      head_[t] = s;
    }
  }
  valid_ = true;
}

void CholeskyFactor::solve(const Engine& e, double* B, int64_t nrhs, int64_t ldb) const {
  if (!valid_)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "factor: the last factorisation failed; refactor before solving", -1,
                      "factor");
  if (nrhs < 0 || (nrhs > 0 && ldb < n_))
    throw SolverError("ERR_INVALID_ARGUMENT", "B: nrhs must be >= 0 and ldb >= n", -1, "B");
  const int64_t n = n_;
  if (n == 0 || nrhs == 0) return;
  // Right-hand sides are independent: with several, tasks of the pool take contiguous groups of
  // columns (each column's arithmetic is the same whichever task runs it).
  const bool parallel = nrhs > 1 && static_cast<double>(nnzL_) * static_cast<double>(nrhs) >= 1e6;
  parallel_run(e.pool, parallel, [&](int task, int ntasks) {
    const int64_t r0 = nrhs * task / ntasks, r1 = nrhs * (task + 1) / ntasks;
    if (r0 < r1) solve_range(B, r0, r1, ldb);
  });
}

void CholeskyFactor::solve_range(double* B, int64_t r0, int64_t r1, int64_t ldb) const {
  const int64_t n = n_;
  const int64_t nr = r1 - r0;
  B += r0 * ldb;
  const int32_t ns = static_cast<int32_t>(super_.size()) - 1;
  int64_t ymax = 1;
  for (int32_t s = 0; s < ns; ++s)
    ymax = std::max<int64_t>(ymax, (rptr_[s + 1] - rptr_[s]) - (super_[s + 1] - super_[s]));
  std::vector<double> X(static_cast<size_t>(n * nr)), Y(static_cast<size_t>(ymax));
  for (int64_t r = 0; r < nr; ++r)
    for (int64_t k = 0; k < n; ++k) X[k + r * n] = B[perm_[k] + r * ldb];
  const double* Lx = Lx_.get();
  // Forward: L y = b (unit L for ldlt).
  for (int32_t s = 0; s < ns; ++s) {
    const int32_t a = super_[s];
    const int64_t w = super_[s + 1] - a;
    const int64_t m = rptr_[s + 1] - rptr_[s];
    const int32_t* rs = rows_.data() + rptr_[s];
    const double* P = Lx + px_[s];
    for (int64_t r = 0; r < nr; ++r) {
      double* x = X.data() + r * n + a;
      double* y = Y.data();
      for (int64_t i = 0; i < m - w; ++i) y[i] = 0.0;
      for (int64_t j = 0; j < w; ++j) {
        const double* col = P + j * m;
        double xj = x[j];
        if (!ldlt_) xj /= col[j];
        x[j] = xj;
        for (int64_t i = j + 1; i < w; ++i) x[i] -= col[i] * xj;
        const double* below = col + w;
        for (int64_t i = 0; i < m - w; ++i) y[i] += below[i] * xj;
      }
      double* xg = X.data() + r * n;
      for (int64_t i = 0; i < m - w; ++i) xg[rs[w + i]] -= y[i];
    }
  }
  if (ldlt_)
    for (int64_t r = 0; r < nr; ++r)
      for (int64_t k = 0; k < n; ++k) X[k + r * n] /= D_[k];
  // Backward: Lᵀ x = y.
  for (int32_t s = ns - 1; s >= 0; --s) {
    const int32_t a = super_[s];
    const int64_t w = super_[s + 1] - a;
    const int64_t m = rptr_[s + 1] - rptr_[s];
    const int32_t* rs = rows_.data() + rptr_[s];
    const double* P = Lx + px_[s];
    for (int64_t r = 0; r < nr; ++r) {
      double* xg = X.data() + r * n;
      double* x = xg + a;
      double* y = Y.data();
      for (int64_t i = 0; i < m - w; ++i) y[i] = xg[rs[w + i]];
      for (int64_t j = w - 1; j >= 0; --j) {
        const double* col = P + j * m;
        double t = 0.0;
        const double* below = col + w;
        for (int64_t i = 0; i < m - w; ++i) t += below[i] * y[i];
        for (int64_t i = j + 1; i < w; ++i) t += col[i] * x[i];
        double xj = x[j] - t;
        if (!ldlt_) xj /= col[j];
        x[j] = xj;
      }
    }
  }
  for (int64_t r = 0; r < nr; ++r)
    for (int64_t k = 0; k < n; ++k) B[perm_[k] + r * ldb] = X[k + r * n];
}

}  // namespace direct
}  // namespace itersolve
