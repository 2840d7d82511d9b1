#include "lu.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "../core/errors.hpp"
#include "amd.hpp"
#include "btf.hpp"
#include "colamd.hpp"
#include "lu_supernodal.hpp"
#include "ordering.hpp"

namespace itersolve {
namespace direct {

const char* lu_ordering_name(LuOrdering o) {
  switch (o) {
    case LuOrdering::Auto: return "auto";
    case LuOrdering::Colamd: return "colamd";
    case LuOrdering::Amd: return "amd";
    case LuOrdering::Natural: return "natural";
  }
  return "natural";
}

namespace {

inline size_t Z(int64_t i) { return static_cast<size_t>(i); }

// Poll ctl every so many columns or multiply-adds.
struct Poller {
  Control* ctl;
  int64_t cols = 0, work = 0;
  void step(int64_t w) {
    if (ctl == nullptr) return;
    ++cols;
    work += w;
    if (cols < 256 && work < (int64_t{1} << 22)) return;
    cols = work = 0;
    const StopReason r = ctl->poll();
    if (r == StopReason::Aborted)
      throw SolverError("ABORT_ERR", "lu: the factorisation was aborted");
    if (r == StopReason::TimeLimit)
      throw SolverError("ERR_TIME_LIMIT", "lu: the factorisation ran out of its time limit");
  }
};

[[noreturn]] void throw_singular(int32_t col, bool structural) {
  throw SolverError("ERR_SINGULAR",
                    std::string("lu: the matrix is ") + (structural ? "structurally " : "") +
                        "singular (column " + std::to_string(col) + " has no nonzero pivot)",
                    -1, "A")
      .withColumn(col);
}

void validate(const CsrView& A) {
  if (A.rows != A.cols)
    throw SolverError("ERR_DIMENSION_MISMATCH", "lu: A must be square", -1, "A");
  if (A.rows < 0 || A.rows > std::numeric_limits<int32_t>::max() - 1)
    throw SolverError("ERR_INVALID_MATRIX", "lu: bad dimension", -1, "A");
  const int64_t n = A.rows;
  if (n == 0) return;
  if (A.rowPtr == nullptr || A.rowPtr[0] != 0)
    throw SolverError("ERR_INVALID_MATRIX", "lu: rowPtr[0] must be 0", -1, "A");
  for (int64_t i = 0; i < n; ++i) {
    if (A.rowPtr[i + 1] < A.rowPtr[i])
      throw SolverError("ERR_INVALID_MATRIX", "lu: rowPtr must be nondecreasing", i, "A");
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
      if (A.colIdx[p] < 0 || A.colIdx[p] >= n)
        throw SolverError("ERR_INVALID_MATRIX", "lu: column index out of range", i, "A");
      if (!std::isfinite(A.values[p]))
        throw SolverError("ERR_INVALID_MATRIX", "lu: A has a non-finite value", i, "A");
    }
  }
}

// CSR -> CSC pattern with the source entry of each (rows sorted within a column).
void to_csc(int32_t n, const int32_t* rowPtr, const int32_t* colIdx, std::vector<int32_t>& cp,
            std::vector<int32_t>& ri, std::vector<int32_t>* src) {
  const int32_t nnz = n > 0 ? rowPtr[n] : 0;
  cp.assign(Z(n) + 1, 0);
  for (int32_t p = 0; p < nnz; ++p) ++cp[Z(colIdx[p]) + 1];
  for (int32_t j = 0; j < n; ++j) cp[Z(j) + 1] += cp[Z(j)];
  std::vector<int32_t> next(cp.begin(), cp.end() - 1);
  ri.resize(Z(nnz));
  if (src != nullptr) src->resize(Z(nnz));
  for (int32_t i = 0; i < n; ++i)
    for (int32_t p = rowPtr[i]; p < rowPtr[i + 1]; ++p) {
      const int32_t q = next[Z(colIdx[p])]++;
      ri[Z(q)] = i;
      if (src != nullptr) (*src)[Z(q)] = p;
    }
}

}  // namespace

double structural_symmetry(int32_t n, const int32_t* rowPtr, const int32_t* colIdx) {
  if (n <= 0) return 1.0;
  std::vector<int32_t> cp, ri;
  to_csc(n, rowPtr, colIdx, cp, ri, nullptr);
  std::vector<int32_t> inRow(Z(n), -1), seen(Z(n), -1);
  int64_t total = 0, matched = 0;
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t p = rowPtr[i]; p < rowPtr[i + 1]; ++p) inRow[Z(colIdx[p])] = i;  // A(i, ·)
    // Column i: the entries A(r, i); partner A(i, r).
    for (int32_t q = cp[Z(i)]; q < cp[Z(i) + 1]; ++q) {
      const int32_t r = ri[Z(q)];
      if (r == i || seen[Z(r)] == i) continue;
      seen[Z(r)] = i;
      ++total;
      if (inRow[Z(r)] == i) ++matched;
    }
  }
  return total == 0 ? 1.0 : static_cast<double>(matched) / static_cast<double>(total);
}

void LuFactor::check_valid() const {
  if (!valid_)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "lu: the factor is not usable (its last factorisation failed)", -1, "factor");
}

void LuFactor::analyse(const CsrView& A, LuOrdering which) {
  const int32_t n = static_cast<int32_t>(A.rows);
  n_ = n;
  rowPtr_.assign(A.rowPtr, A.rowPtr + n + 1);
  const int32_t nnz = n > 0 ? A.rowPtr[n] : 0;
  colIdx_.assign(A.colIdx, A.colIdx + nnz);
  if (n == 0) {
    rowPtr_.assign(1, 0);
    used_ = which == LuOrdering::Auto ? LuOrdering::Natural : which;
    name_ = lu_ordering_name(used_);
    blockStart_.assign(1, 0);
    Cp_.assign(1, 0);
    Op_.assign(1, 0);
    Lp_.assign(1, 0);
    Up_.assign(1, 0);
    return;
  }
  std::vector<int32_t> cp, ri, src;
  to_csc(n, A.rowPtr, A.colIdx, cp, ri, &src);
  if (which == LuOrdering::Auto)
    which =
        structural_symmetry(n, A.rowPtr, A.colIdx) >= 0.9 ? LuOrdering::Amd : LuOrdering::Colamd;
  used_ = which;
  name_ = lu_ordering_name(used_);
  P0_.resize(Z(n));
  Q_.resize(Z(n));
  if (which == LuOrdering::Natural) {
    for (int32_t k = 0; k < n; ++k) P0_[Z(k)] = Q_[Z(k)] = k;
    blockStart_ = {0, n};
  } else {
    BtfResult b = btf_order(n, cp.data(), ri.data());
    if (b.rank < n) throw_singular(b.unmatched, true);
    blockStart_ = b.blockStart;
    std::vector<int32_t> rowPos(Z(n));
    for (int32_t k = 0; k < n; ++k) rowPos[Z(b.rowPerm[Z(k)])] = k;
    std::vector<int32_t> bp, bi, perm;
    for (int32_t blk = 0; blk + 1 < static_cast<int32_t>(blockStart_.size()); ++blk) {
      const int32_t r0 = blockStart_[Z(blk)], r1 = blockStart_[Z(blk) + 1], nb = r1 - r0;
      perm.resize(Z(nb));
      for (int32_t k = 0; k < nb; ++k) perm[Z(k)] = k;
      if (nb > 2) {
        // The block's pattern by columns, local indices.
        bp.assign(1, 0);
        bi.clear();
        for (int32_t jj = 0; jj < nb; ++jj) {
          const int32_t col = b.colPerm[Z(r0 + jj)];
          for (int32_t q = cp[Z(col)]; q < cp[Z(col) + 1]; ++q) {
            const int32_t pos = rowPos[Z(ri[Z(q)])];
            if (pos >= r0 && pos < r1) bi.push_back(pos - r0);
          }
          bp.push_back(static_cast<int32_t>(bi.size()));
        }
        if (which == LuOrdering::Amd) {
          // AMD orders the pattern of B + Bᵀ; B by columns is Bᵀ by rows: the same symmetrised
          // graph.
          perm = amd_order(nb, bp.data(), bi.data()).perm;
        } else {
          perm = colamd_order(nb, nb, bp.data(), bi.data());
        }
      }
      for (int32_t k = 0; k < nb; ++k) {
        P0_[Z(r0 + k)] = b.rowPerm[Z(r0 + perm[Z(k)])];
        Q_[Z(r0 + k)] = b.colPerm[Z(r0 + perm[Z(k)])];
      }
    }
  }
  // The permuted matrix by columns, split into the diagonal blocks (C) and the rest (O).
  std::vector<int32_t> pos0(Z(n));
  for (int32_t k = 0; k < n; ++k) pos0[Z(P0_[Z(k)])] = k;
  Cp_.assign(1, 0);
  Op_.assign(1, 0);
  Ci_.clear();
  Cs_.clear();
  Oi0_.clear();
  Os_.clear();
  Ci_.reserve(Z(nnz));
  Cs_.reserve(Z(nnz));
  for (int32_t blk = 0; blk + 1 < static_cast<int32_t>(blockStart_.size()); ++blk) {
    const int32_t r0 = blockStart_[Z(blk)], r1 = blockStart_[Z(blk) + 1];
    for (int32_t k = r0; k < r1; ++k) {
      const int32_t col = Q_[Z(k)];
      for (int32_t q = cp[Z(col)]; q < cp[Z(col) + 1]; ++q) {
        const int32_t pos = pos0[Z(ri[Z(q)])];
        if (pos >= r0) {
          Ci_.push_back(pos);
          Cs_.push_back(src[Z(q)]);
        } else {
          Oi0_.push_back(pos);
          Os_.push_back(src[Z(q)]);
        }
      }
      Cp_.push_back(static_cast<int32_t>(Ci_.size()));
      Op_.push_back(static_cast<int32_t>(Oi0_.size()));
    }
  }
}

void LuFactor::factor_numeric(const double* Ax, Control* ctl) {
  const int32_t n = n_;
  Poller poller{ctl};
  patternOk_ = false;
  Lp_.assign(1, 0);
  Up_.assign(1, 0);
  Li_.clear();
  Lx_.clear();
  Ui_.clear();
  Ux_.clear();
  Ud_.assign(Z(n), 0.0);
  P_.assign(Z(n), 0);
  pinv0_.assign(Z(n), -1);
  std::vector<int32_t>& pinv = pinv0_;  // pre-order position -> final position, −1: not pivotal
  std::vector<double> x(Z(n), 0.0);
  std::vector<int32_t> mark(Z(n), -1), xi(Z(n)), stack(Z(n)), ptr(Z(n));
  // Symmetric pruning (Eisenstat & Liu, "Exploiting structural symmetry in a sparse partial
  // pivoting code", SIAM J. Sci. Comput. 14(1), 1993): the depth-first search over column c of L
  // only needs the rows before lend[c]; see below.
  std::vector<int32_t> lend(Z(n), 0);
  std::vector<char> pruned(Z(n), 0);
  const double tau = tau_;
  for (int32_t blk = 0; blk + 1 < static_cast<int32_t>(blockStart_.size()); ++blk) {
    const int32_t r0 = blockStart_[Z(blk)], r1 = blockStart_[Z(blk) + 1];
    if (r1 - r0 == 1) {  // singleton
      double v = 0;
      for (int32_t q = Cp_[Z(r0)]; q < Cp_[Z(r0) + 1]; ++q) v += Ax[Cs_[Z(q)]];
      if (v == 0.0) throw_singular(Q_[Z(r0)], false);
      Ud_[Z(r0)] = v;
      P_[Z(r0)] = P0_[Z(r0)];
      pinv[Z(r0)] = r0;
      Lp_.push_back(static_cast<int32_t>(Li_.size()));
      Up_.push_back(static_cast<int32_t>(Ui_.size()));
      poller.step(1);
      continue;
    }
    const size_t lstart = Li_.size();
    for (int32_t k = r0; k < r1; ++k) {
      // Symbolic: the reach of C(:, k)'s rows in the graph of L (rows pivotal so far lead to
      // their L column), in xi[top .. n) in topological order.
      int32_t top = n;
      for (int32_t q = Cp_[Z(k)]; q < Cp_[Z(k) + 1]; ++q) {
        const int32_t i0 = Ci_[Z(q)];
        if (mark[Z(i0)] == k) continue;
        int32_t head = 0;
        stack[0] = i0;
        mark[Z(i0)] = k;
        {
          const int32_t c = pinv[Z(i0)];
          ptr[Z(i0)] = c >= 0 ? Lp_[Z(c)] : 0;
        }
        while (head >= 0) {
          const int32_t j = stack[Z(head)];
          const int32_t c = pinv[Z(j)];
          bool pushed = false;
          if (c >= 0) {
            const int32_t end = lend[Z(c)];
            for (int32_t& p = ptr[Z(j)]; p < end; ++p) {
              const int32_t r = Li_[Z(p)];
              if (mark[Z(r)] == k) continue;
              mark[Z(r)] = k;
              ++p;
              stack[Z(++head)] = r;
              const int32_t cr = pinv[Z(r)];
              ptr[Z(r)] = cr >= 0 ? Lp_[Z(cr)] : 0;
              pushed = true;
              break;
            }
          }
          if (!pushed) {
            --head;
            xi[Z(--top)] = j;
          }
        }
      }
      // Numeric: x = L \ C(:, k) on that pattern.
      for (int32_t q = Cp_[Z(k)]; q < Cp_[Z(k) + 1]; ++q) x[Z(Ci_[Z(q)])] += Ax[Cs_[Z(q)]];
      int64_t work = n - top;
      for (int32_t t = top; t < n; ++t) {
        const int32_t j = xi[Z(t)];
        const int32_t c = pinv[Z(j)];
        if (c < 0) continue;
        const double xj = x[Z(j)];
        const int32_t end = Lp_[Z(c) + 1];
        work += end - Lp_[Z(c)];
        if (xj == 0.0) continue;
        for (int32_t p = Lp_[Z(c)]; p < end; ++p) x[Z(Li_[Z(p)])] -= Lx_[Z(p)] * xj;
      }
      // Pivot: the diagonal (pre-order row k) when it passes the threshold, else the largest.
      double amax = -1.0;
      int32_t imax = -1;
      for (int32_t t = top; t < n; ++t) {
        const int32_t j = xi[Z(t)];
        if (pinv[Z(j)] >= 0) continue;
        const double a = std::fabs(x[Z(j)]);
        if (a > amax) {
          amax = a;
          imax = j;
        }
      }
      if (imax < 0 || !(amax > 0.0)) {
        for (int32_t t = top; t < n; ++t) x[Z(xi[Z(t)])] = 0.0;
        throw_singular(Q_[Z(k)], false);
      }
      int32_t piv = imax;
      // (τ = 0 keeps any nonzero diagonal entry.)
      if (mark[Z(k)] == k && pinv[Z(k)] < 0 && x[Z(k)] != 0.0 && std::fabs(x[Z(k)]) >= tau * amax)
        piv = k;
      const double pv = x[Z(piv)];
      // Store U(:, k) (topological order), the pivot, L(:, k) (pre-order rows for now).
      for (int32_t t = top; t < n; ++t) {
        const int32_t j = xi[Z(t)];
        const int32_t c = pinv[Z(j)];
        if (c >= 0) {
          Ui_.push_back(c);
          Ux_.push_back(x[Z(j)]);
        } else if (j != piv) {
          Li_.push_back(j);
          Lx_.push_back(x[Z(j)] / pv);
        }
        x[Z(j)] = 0.0;
      }
      Ud_[Z(k)] = pv;
      pinv[Z(piv)] = k;
      P_[Z(k)] = P0_[Z(piv)];
      Lp_.push_back(static_cast<int32_t>(Li_.size()));
      Up_.push_back(static_cast<int32_t>(Ui_.size()));
      lend[Z(k)] = Lp_[Z(k) + 1];
      // Prune: for U(c, k) ≠ 0 with L(piv, c) ≠ 0 (the symmetric pair), every row of L(:, c)
      // that is not pivotal yet is also a row of L(:, k), so a search reaching c reaches them
      // through piv: keep only the pivotal rows of L(:, c) in front for the search.
      for (int32_t p = Up_[Z(k)]; p < Up_[Z(k) + 1]; ++p) {
        const int32_t c = Ui_[Z(p)];
        if (pruned[Z(c)]) continue;
        int32_t q0 = Lp_[Z(c)];
        const int32_t q1 = Lp_[Z(c) + 1];
        bool hit = false;
        for (int32_t q = q0; q < q1; ++q)
          if (Li_[Z(q)] == piv) {
            hit = true;
            break;
          }
        if (!hit) continue;
        for (int32_t q = q0; q < q1; ++q)
          if (pinv[Z(Li_[Z(q)])] >= 0) {
            std::swap(Li_[Z(q)], Li_[Z(q0)]);
            std::swap(Lx_[Z(q)], Lx_[Z(q0)]);
            ++q0;
          }
        lend[Z(c)] = q0;
        pruned[Z(c)] = 1;
      }
      if (Li_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() - n) ||
          Ui_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max() - n))
        throw SolverError("ERR_INVALID_ARGUMENT", "lu: the factors exceed 2^31 entries", -1, "A");
      poller.step(work);
    }
    // The block's L rows in final positions.
    for (size_t p = lstart; p < Li_.size(); ++p) Li_[p] = pinv[Z(Li_[p])];
  }
  patternOk_ = true;
  finish_offdiag(Ax);
}

bool LuFactor::refactor_numeric(const double* Ax, Control* ctl) {
  const int32_t n = n_;
  Poller poller{ctl};
  std::vector<double> x(Z(n), 0.0);
  const double tau = tau_;
  for (int32_t blk = 0; blk + 1 < static_cast<int32_t>(blockStart_.size()); ++blk) {
    const int32_t r0 = blockStart_[Z(blk)], r1 = blockStart_[Z(blk) + 1];
    for (int32_t k = r0; k < r1; ++k) {
      for (int32_t q = Cp_[Z(k)]; q < Cp_[Z(k) + 1]; ++q)
        x[Z(pinv0_[Z(Ci_[Z(q)])])] += Ax[Cs_[Z(q)]];
      int64_t work = 1;
      for (int32_t p = Up_[Z(k)]; p < Up_[Z(k) + 1]; ++p) {
        const int32_t c = Ui_[Z(p)];
        const double xc = x[Z(c)];
        x[Z(c)] = 0.0;
        Ux_[Z(p)] = xc;
        const int32_t end = Lp_[Z(c) + 1];
        work += end - Lp_[Z(c)];
        if (xc == 0.0) continue;
        for (int32_t q = Lp_[Z(c)]; q < end; ++q) x[Z(Li_[Z(q)])] -= Lx_[Z(q)] * xc;
      }
      const double pv = x[Z(k)];
      x[Z(k)] = 0.0;
      double amax = std::fabs(pv);
      for (int32_t p = Lp_[Z(k)]; p < Lp_[Z(k) + 1]; ++p)
        amax = std::max(amax, std::fabs(x[Z(Li_[Z(p)])]));
      if (!(pv != 0.0) || !(std::fabs(pv) >= tau * amax) || !std::isfinite(pv)) {
        for (int32_t p = Lp_[Z(k)]; p < Lp_[Z(k) + 1]; ++p) x[Z(Li_[Z(p)])] = 0.0;
        return false;
      }
      for (int32_t p = Lp_[Z(k)]; p < Lp_[Z(k) + 1]; ++p) {
        const size_t r = Z(Li_[Z(p)]);
        Lx_[Z(p)] = x[r] / pv;
        x[r] = 0.0;
      }
      Ud_[Z(k)] = pv;
      poller.step(work);
    }
  }
  finish_offdiag(Ax);
  return true;
}

void LuFactor::finish_offdiag(const double* Ax) {
  const size_t m = Oi0_.size();
  Oi_.resize(m);
  Ox_.resize(m);
  for (size_t p = 0; p < m; ++p) {
    Oi_[p] = pinv0_[Z(Oi0_[p])];
    Ox_[p] = Ax[Os_[p]];
  }
  compute_anorm(Ax);
}

void LuFactor::compute_anorm(const double* Ax) {
  // ‖A‖₁: the largest column sum of |A| (duplicate entries summed first).
  anorm_ = 0;
  std::vector<double> colsum(Z(n_), 0.0), acc(Z(n_), 0.0);
  for (int32_t i = 0; i < n_; ++i) {
    for (int32_t p = rowPtr_[Z(i)]; p < rowPtr_[Z(i) + 1]; ++p) acc[Z(colIdx_[Z(p)])] += Ax[p];
    for (int32_t p = rowPtr_[Z(i)]; p < rowPtr_[Z(i) + 1]; ++p) {
      const size_t j = Z(colIdx_[Z(p)]);
      colsum[j] += std::fabs(acc[j]);
      acc[j] = 0.0;
    }
  }
  for (double s : colsum) anorm_ = std::max(anorm_, s);
}

LuFactor::~LuFactor() = default;

int64_t LuFactor::nnzL() const {
  if (sn_) return sn_->nnzL();
  return static_cast<int64_t>(Li_.size()) + n_;
}
int64_t LuFactor::nnzU() const {
  if (sn_) return sn_->nnzU();
  return static_cast<int64_t>(Ui_.size()) + n_ + static_cast<int64_t>(Oi_.size());
}
int64_t LuFactor::btf_blocks() const {
  if (sn_) return n_ > 0 ? 1 : 0;
  return static_cast<int64_t>(blockStart_.size()) - 1;
}

namespace {

// Every diagonal entry present with a nonzero value (duplicates summed).
bool zero_free_diagonal(const CsrView& A) {
  for (int64_t i = 0; i < A.rows; ++i) {
    double d = 0;
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
      if (A.colIdx[p] == i) d += A.values[p];
    if (d == 0.0) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<LuFactor> LuFactor::factorize(const Engine& e, const CsrView& A, const LuOptions& o,
                                              Control* ctl) {
  if (!(o.pivot_threshold >= 0.0 && o.pivot_threshold <= 1.0))
    throw SolverError("ERR_INVALID_ARGUMENT", "lu: pivotThreshold must be in [0, 1]", -1,
                      "pivotThreshold");
  validate(A);
  std::unique_ptr<LuFactor> f(new LuFactor());
  f->tau_ = o.pivot_threshold;
  const int32_t n = static_cast<int32_t>(A.rows);
  // Which path: see lu.hpp.
  LuOrdering gp = o.ordering;
  bool trySupernodal = false;
  Ordering sym = Ordering::Amd;
  if (o.ordering == LuOrdering::Auto && n > 0) {
    const bool nearlySymmetric = structural_symmetry(n, A.rowPtr, A.colIdx) >= 0.9;
    trySupernodal = nearlySymmetric && zero_free_diagonal(A);
    sym = Ordering::Auto;
    gp = nearlySymmetric ? LuOrdering::Amd : LuOrdering::Colamd;
  } else if (o.ordering == LuOrdering::Amd && n > 0) {
    trySupernodal = true;
  }
  if (trySupernodal) {
    const OrderingResult ord = order_symmetric(e, n, A.rowPtr, A.colIdx, sym);
    std::unique_ptr<SupernodalLu> sn = SupernodalLu::factorize(e, A, ord.perm, f->tau_, ctl);
    if (sn) {
      f->n_ = n;
      f->sn_ = std::move(sn);
      f->name_ = direct::ordering_name(ord.used);
      f->rowPtr_.assign(A.rowPtr, A.rowPtr + n + 1);
      f->colIdx_.assign(A.colIdx, A.colIdx + A.rowPtr[n]);
      f->compute_anorm(A.values);
      f->valid_ = true;
      return f;
    }
  }
  f->analyse(A, gp);
  f->factor_numeric(A.values, ctl);
  f->valid_ = true;
  return f;
}

void LuFactor::refactor(const Engine& e, const CsrView& A, Control* ctl) {
  if (A.rows != n_ || A.cols != n_)
    throw SolverError("ERR_INVALID_ARGUMENT", "lu refactor: A has another size than the factor", -1,
                      "A");
  validate(A);
  const int32_t nnz = n_ > 0 ? A.rowPtr[n_] : 0;
  if (static_cast<size_t>(nnz) != colIdx_.size() ||
      !std::equal(rowPtr_.begin(), rowPtr_.end(), A.rowPtr) ||
      !std::equal(colIdx_.begin(), colIdx_.end(), A.colIdx))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "lu refactor: A must have the same sparsity pattern as the factorised matrix",
                      -1, "A");
  valid_ = false;
  repivots_ = 0;
  if (n_ == 0) {
    valid_ = true;
    return;
  }
  if (sn_) {
    if (sn_->refactor(e, A, ctl)) {
      compute_anorm(A.values);
      valid_ = true;
      return;
    }
    // A pivot was rejected: the left-looking path with BTF + AMD, as factorize's fallback.
    sn_.reset();
    repivots_ = 1;
    analyse(A, LuOrdering::Amd);
    factor_numeric(A.values, ctl);
    valid_ = true;
    return;
  }
  if (!patternOk_ || !refactor_numeric(A.values, ctl)) {
    repivots_ = 1;
    factor_numeric(A.values, ctl);
  }
  valid_ = true;
}

void LuFactor::solve(const Engine& e, double* B, int64_t nrhs, int64_t ldb) const {
  check_valid();
  if (sn_) {
    sn_->solve(e, B, nrhs, ldb, false);
    return;
  }
  const int32_t n = n_;
  if (n == 0 || nrhs <= 0) return;
  if (ldb < n) throw SolverError("ERR_INVALID_ARGUMENT", "lu solve: ldb < n", -1, "B");
  std::vector<double> y(Z(n));
  const int32_t nb = static_cast<int32_t>(blockStart_.size()) - 1;
  for (int64_t r = 0; r < nrhs; ++r) {
    double* b = B + r * ldb;
    for (int32_t k = 0; k < n; ++k) y[Z(k)] = b[P_[Z(k)]];
    for (int32_t blk = nb - 1; blk >= 0; --blk) {
      const int32_t r0 = blockStart_[Z(blk)], r1 = blockStart_[Z(blk) + 1];
      if (r1 - r0 == 1) {
        y[Z(r0)] /= Ud_[Z(r0)];
      } else {
        for (int32_t k = r0; k < r1; ++k) {
          const double yk = y[Z(k)];
          if (yk == 0.0) continue;
          for (int32_t p = Lp_[Z(k)]; p < Lp_[Z(k) + 1]; ++p) y[Z(Li_[Z(p)])] -= Lx_[Z(p)] * yk;
        }
        for (int32_t k = r1 - 1; k >= r0; --k) {
          const double yk = (y[Z(k)] /= Ud_[Z(k)]);
          if (yk == 0.0) continue;
          for (int32_t p = Up_[Z(k)]; p < Up_[Z(k) + 1]; ++p) y[Z(Ui_[Z(p)])] -= Ux_[Z(p)] * yk;
        }
      }
      for (int32_t k = r0; k < r1; ++k) {
        const double yk = y[Z(k)];
        if (yk == 0.0) continue;
        for (int32_t p = Op_[Z(k)]; p < Op_[Z(k) + 1]; ++p) y[Z(Oi_[Z(p)])] -= Ox_[Z(p)] * yk;
      }
    }
    for (int32_t k = 0; k < n; ++k) b[Q_[Z(k)]] = y[Z(k)];
  }
}

void LuFactor::solve_transpose(const Engine& e, double* B, int64_t nrhs, int64_t ldb) const {
  check_valid();
  if (sn_) {
    sn_->solve(e, B, nrhs, ldb, true);
    return;
  }
  const int32_t n = n_;
  if (n == 0 || nrhs <= 0) return;
  if (ldb < n) throw SolverError("ERR_INVALID_ARGUMENT", "lu solve: ldb < n", -1, "B");
  std::vector<double> y(Z(n));
  const int32_t nb = static_cast<int32_t>(blockStart_.size()) - 1;
  for (int64_t r = 0; r < nrhs; ++r) {
    double* b = B + r * ldb;
    for (int32_t k = 0; k < n; ++k) y[Z(k)] = b[Q_[Z(k)]];
    for (int32_t blk = 0; blk < nb; ++blk) {
      const int32_t r0 = blockStart_[Z(blk)], r1 = blockStart_[Z(blk) + 1];
      for (int32_t k = r0; k < r1; ++k) {
        double s = y[Z(k)];
        for (int32_t p = Op_[Z(k)]; p < Op_[Z(k) + 1]; ++p) s -= Ox_[Z(p)] * y[Z(Oi_[Z(p)])];
        y[Z(k)] = s;
      }
      // Uᵀ forward, then Lᵀ backward.
      for (int32_t k = r0; k < r1; ++k) {
        double s = y[Z(k)];
        for (int32_t p = Up_[Z(k)]; p < Up_[Z(k) + 1]; ++p) s -= Ux_[Z(p)] * y[Z(Ui_[Z(p)])];
        y[Z(k)] = s / Ud_[Z(k)];
      }
      if (r1 - r0 > 1)
        for (int32_t k = r1 - 1; k >= r0; --k) {
          double s = y[Z(k)];
          for (int32_t p = Lp_[Z(k)]; p < Lp_[Z(k) + 1]; ++p) s -= Lx_[Z(p)] * y[Z(Li_[Z(p)])];
          y[Z(k)] = s;
        }
    }
    for (int32_t k = 0; k < n; ++k) b[P_[Z(k)]] = y[Z(k)];
  }
}

double LuFactor::condest(const Engine& e) const {
  check_valid();
  const int32_t n = n_;
  if (n == 0) return 0.0;
  if (anorm_ == 0.0) return 0.0;
  const size_t N = Z(n);
  std::vector<double> x(N), xi(N), z(N);
  auto norm1 = [&](const std::vector<double>& v) {
    double s = 0;
    for (double a : v) s += std::fabs(a);
    return s;
  };
  // Hager / Higham (block size 1 of Higham–Tisseur): maximise ‖A⁻¹x‖₁ over ‖x‖₁ = 1.
  auto sign = [](double v) { return v >= 0 ? 1.0 : -1.0; };
  std::fill(x.begin(), x.end(), 1.0 / n);
  solve(e, x.data(), 1, n);
  double est = norm1(x);
  if (n > 1) {
    for (size_t i = 0; i < N; ++i) xi[i] = sign(x[i]);
    z = xi;
    solve_transpose(e, z.data(), 1, n);
    size_t j = 0;
    double ztx = 0;
    for (size_t i = 0; i < N; ++i) {
      ztx += z[i] / n;
      if (std::fabs(z[i]) > std::fabs(z[j])) j = i;
    }
    // Hager's test: x is a local maximum when ‖z‖∞ ≤ zᵀx.
    bool more = std::fabs(z[j]) > ztx;
    for (int iter = 2; more && iter <= 5; ++iter) {
      std::fill(x.begin(), x.end(), 0.0);
      x[j] = 1.0;
      solve(e, x.data(), 1, n);
      const double v = norm1(x);
      if (v <= est) break;
      est = v;
      bool same = true;
      for (size_t i = 0; i < N; ++i)
        if (sign(x[i]) != xi[i]) same = false;
      if (same) break;
      for (size_t i = 0; i < N; ++i) xi[i] = sign(x[i]);
      z = xi;
      solve_transpose(e, z.data(), 1, n);
      size_t jn = 0;
      for (size_t i = 1; i < N; ++i)
        if (std::fabs(z[i]) > std::fabs(z[jn])) jn = i;
      if (std::fabs(z[jn]) <= z[j]) break;
      j = jn;
    }
    // Higham's extra vector: alternating signs, growing magnitudes.
    for (size_t i = 0; i < N; ++i)
      x[i] =
          (i % 2 == 0 ? 1.0 : -1.0) * (1.0 + static_cast<double>(i) / static_cast<double>(n - 1));
    solve(e, x.data(), 1, n);
    est = std::max(est, 2.0 * norm1(x) / (3.0 * n));
  }
  return est * anorm_;
}

}  // namespace direct
}  // namespace itersolve
