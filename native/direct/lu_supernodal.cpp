// Supernodal (multifrontal) sparse LU with pivoting inside the diagonal blocks
// (lu_supernodal.hpp).
#include "lu_supernodal.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>

#include "../core/errors.hpp"
#include "../core/gemm.hpp"
#include "symbolic.hpp"

namespace itersolve {
namespace direct {
namespace {

constexpr int64_t kPanelBlock = 32;  // columns per block of the panel factorisation
constexpr double kGemmMin = 24.0 * 24.0 * 24.0;  // multiply-adds from which dense::gemm is used

// Relaxed supernodes (symbolic.hpp's rule): merge chains up to this width, or while the stored
// zeros stay below this fraction. Larger fronts than Cholesky's defaults: each front costs an
// m × m zeroing and extend-add whatever its width, so fewer, wider fronts pay off.
constexpr int32_t kRelaxSmall = 16;
constexpr double kRelaxZeroFraction = 0.1;

// y += a·x through the kernel table's axpy (the active ISA's vectors; a plain loop without one).
inline void axpy(const Engine& e, double a, const double* x, double* y, int64_t n) {
  if (e.k != nullptr && n >= 8) {
    e.k->axpy(a, x, y, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// C (m × n, column-major) −= A (m × k, column-major) · Btᵀ (Bt: n × k, column-major): the
// Schur-complement update of a front (A = L21, Bt = the transposed U panel). Blocked like
// dense::gemm around the kernel table's 4 × 8 micro-kernel, with the roles arranged for these
// layouts: the micro-kernel's 4 "rows" are 4 columns of C (slivers of Bt, 4 contiguous entries
// per depth step) and its 8 "columns" are 8 contiguous rows of C (slivers of A), so packing
// copies contiguous runs and the write-back subtracts 8 contiguous doubles per column. Tiles of
// C are shared out over the pool; each entry's depth is summed in fixed chunks of kKc in a fixed
// order, so the result does not depend on the thread count.
void schur_update(const Engine& e, int64_t m, int64_t n, int64_t k, const double* A, int64_t lda,
                  const double* Bt, int64_t bj, int64_t bp, double* C, int64_t ldc) {
  // Bt(j, p) = Bt[j·bj + p·bp] (bj = 1: column-major Bt with ld bp; bp = 1: B = Btᵀ
  // column-major with ld bj).
  using dense::kKc;
  constexpr int64_t kRowsTile = 128;  // rows of C per tile (A panel: kRowsTile × kKc)
  constexpr int64_t kColsTile = 256;  // columns of C per tile
  void (*micro)(int64_t, const double*, const double*, double*) = e.k->gemm_micro_4x8;
  const int64_t mt = (m + kRowsTile - 1) / kRowsTile, nt = (n + kColsTile - 1) / kColsTile;
  const int64_t tiles = mt * nt;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  parallel_run(e.pool, tiles > 1 && work >= 2e6, [&](int task, int ntasks) {
    const int64_t t0 = tiles * task / ntasks, t1 = tiles * (task + 1) / ntasks;
    if (t0 >= t1) return;
    const int64_t kc_max = std::min(k, kKc);
    std::vector<double> pr(static_cast<size_t>(kRowsTile * kc_max));  // rows of C (A)
    std::vector<double> pc(static_cast<size_t>(kColsTile * kc_max));  // columns of C (Bt)
    alignas(64) double acc[32];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = (t % mt) * kRowsTile, j0 = (t / mt) * kColsTile;
      const int64_t mc = std::min(kRowsTile, m - i0), nc = std::min(kColsTile, n - j0);
      const int64_t mcp = (mc + 7) / 8 * 8, ncp = (nc + 3) / 4 * 4;
      for (int64_t p0 = 0; p0 < k; p0 += kKc) {
        const int64_t kc = std::min(kKc, k - p0);
        for (int64_t jr = 0; jr < mcp; jr += 8) {  // 8-row slivers of A: s[p·8 + j]
          double* sl = pr.data() + jr * kc;
          const int64_t h = std::min<int64_t>(8, mc - jr);
          const double* src = A + (i0 + jr) + p0 * lda;
          if (h == 8) {
            for (int64_t p = 0; p < kc; ++p)
              for (int j = 0; j < 8; ++j) sl[p * 8 + j] = src[p * lda + j];
          } else {
            for (int64_t p = 0; p < kc; ++p)
              for (int j = 0; j < 8; ++j) sl[p * 8 + j] = j < h ? src[p * lda + j] : 0.0;
          }
        }
        for (int64_t ir = 0; ir < ncp; ir += 4) {  // 4-column slivers of Bt: s[p·4 + i]
          double* sl = pc.data() + ir * kc;
          const int64_t h = std::min<int64_t>(4, nc - ir);
          const double* src = Bt + (j0 + ir) * bj + p0 * bp;
          if (h == 4 && bj == 1) {
            for (int64_t p = 0; p < kc; ++p)
              for (int i = 0; i < 4; ++i) sl[p * 4 + i] = src[p * bp + i];
          } else if (h == 4) {
            for (int i = 0; i < 4; ++i)
              for (int64_t p = 0; p < kc; ++p) sl[p * 4 + i] = src[p * bp + i * bj];
          } else {
            for (int64_t p = 0; p < kc; ++p)
              for (int i = 0; i < 4; ++i) sl[p * 4 + i] = i < h ? src[p * bp + i * bj] : 0.0;
          }
        }
        for (int64_t ir = 0; ir < nc; ir += 4) {
          const int64_t hc = std::min<int64_t>(4, nc - ir);
          for (int64_t jr = 0; jr < mc; jr += 8) {
            const int64_t hr = std::min<int64_t>(8, mc - jr);
            micro(kc, pc.data() + ir * kc, pr.data() + jr * kc, acc);
            double* c0 = C + (i0 + jr) + (j0 + ir) * ldc;
            if (hr == 8) {
              for (int64_t i = 0; i < hc; ++i) {
                double* __restrict c = c0 + i * ldc;
                const double* a = acc + i * 8;
                for (int j = 0; j < 8; ++j) c[j] -= a[j];
              }
            } else {
              for (int64_t i = 0; i < hc; ++i)
                for (int64_t j = 0; j < hr; ++j) c0[j + i * ldc] -= acc[i * 8 + j];
            }
          }
        }
      }
    }
  });
}

// C (m × n) −= A (m × k) · op(B), column-major; op(B) = B (k × n, ld ldb) or, with tb, the
// transpose of the stored n × k matrix B.
void gemm_sub(const Engine& e, int64_t m, int64_t n, int64_t k, const double* A, int64_t lda,
              const double* B, int64_t ldb, bool tb, double* C, int64_t ldc) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) >= kGemmMin) {
    if (e.k != nullptr && e.k->gemm_micro_4x8 != nullptr) {
      schur_update(e, m, n, k, A, lda, B, tb ? 1 : ldb, tb ? ldb : 1, C, ldc);
      return;
    }
    dense::gemm(e, m, n, k, -1.0, dense::MatRef{A, lda, dense::Order::Col}, false,
                dense::MatRef{B, ldb, dense::Order::Col}, tb, 1.0, C, ldc, dense::Order::Col);
    return;
  }
  const int64_t bs = tb ? ldb : 1, bj = tb ? 1 : ldb;  // op(B)(p, j) = B[p·bs + j·bj]
  for (int64_t j = 0; j < n; ++j) {
    double* c = C + j * ldc;
    for (int64_t p = 0; p < k; ++p) {
      const double bp = B[p * bs + j * bj];
      if (bp != 0.0) axpy(e, -bp, A + p * lda, c, m);
    }
  }
}

// X (b × ncol) = L⁻¹ X, L unit lower b × b (only its strict lower triangle read).
void trsm_unit_lower_small(int64_t b, const double* L, int64_t ldl, int64_t ncol, double* X,
                           int64_t ldx) {
  for (int64_t j = 0; j < ncol; ++j) {
    double* __restrict x = X + j * ldx;
    for (int64_t k = 0; k < b; ++k) {
      const double xk = x[k];
      const double* __restrict l = L + k * ldl;
      for (int64_t i = k + 1; i < b; ++i) x[i] -= l[i] * xk;
    }
  }
}

// Y (r × w, column-major, ld r) = Y · L⁻ᵀ for the unit lower w × w L: the transposed panel
// Uᵀ = F12ᵀ L11⁻ᵀ, i.e. U12 = L11⁻¹ F12 with each row of U12 a contiguous column of Y. Blocks
// of kPanelBlock columns: axpy sweeps inside a block, GEMM for the columns right of it.
void trsm_right_unit_lower_t(const Engine& e, int64_t r, int64_t w, const double* L, int64_t ldl,
                             double* Y) {
  for (int64_t kb = 0; kb < w; kb += kPanelBlock) {
    const int64_t b = std::min(kPanelBlock, w - kb);
    for (int64_t k = kb; k < kb + b; ++k) {
      const double* yk = Y + k * r;
      const double* l = L + k * ldl;
      for (int64_t i = k + 1; i < kb + b; ++i)
        if (l[i] != 0.0) axpy(e, -l[i], yk, Y + i * r, r);
    }
    // Y(:, kb+b:w) −= Y(:, kb:kb+b) · L(kb+b:w, kb:kb+b)ᵀ
    gemm_sub(e, r, w - kb - b, b, Y + kb * r, r, L + (kb + b) + kb * ldl, ldl, true,
             Y + (kb + b) * r, r);
  }
}

[[noreturn]] void throw_stop(StopReason r) {
  if (r == StopReason::Aborted) throw SolverError("ABORT_ERR", "lu: the factorisation was aborted");
  throw SolverError("ERR_TIME_LIMIT", "lu: the time limit was reached during the factorisation");
}

}  // namespace

std::unique_ptr<SupernodalLu> SupernodalLu::factorize(const Engine& e, const CsrView& A,
                                                      const std::vector<int32_t>& perm,
                                                      double pivot_threshold, Control* ctl) {
  if (A.rows != A.cols)
    throw SolverError("ERR_INVALID_ARGUMENT", "A: the matrix must be square", -1, "A");
  if (A.rows > INT32_MAX) throw SolverError("ERR_INVALID_ARGUMENT", "A: too many rows", -1, "A");
  if (static_cast<int64_t>(perm.size()) != A.rows)
    throw SolverError("ERR_INVALID_ARGUMENT", "perm: must have one entry per row of A", -1, "perm");
  if (!(pivot_threshold >= 0.0 && pivot_threshold <= 1.0))
    throw SolverError("ERR_INVALID_ARGUMENT", "pivotThreshold: must be in [0, 1]", -1,
                      "pivotThreshold");
  const int32_t n = static_cast<int32_t>(A.rows);
  std::unique_ptr<SupernodalLu> F(new SupernodalLu());
  F->n_ = n;
  F->tau_ = pivot_threshold;

  // Symbolic analysis of A + Aᵀ (validates the pattern and perm).
  SymbolicOptions so;
  so.postorder = true;
  so.relax = true;
  so.relaxSmall = kRelaxSmall;
  so.relaxZeroFraction = kRelaxZeroFraction;
  const Symbolic S = analyse(n, A.rowPtr, A.colIdx, perm.data(), so);
  const int64_t nnz = n > 0 ? A.rowPtr[n] : 0;
  F->nnzA_ = nnz;
  F->rowPtrA_.assign(A.rowPtr, A.rowPtr + n + 1);
  F->colIdxA_.assign(A.colIdx, A.colIdx + nnz);
  F->perm_ = S.perm;
  std::vector<int32_t> sparent;
  {
    const UpperPattern U = permutedUpper(n, A.rowPtr, A.colIdx, S.perm.data());
    SupernodalStructure SS = supernodalStructure(S, U);
    sparent = SS.superParent;
    F->superStart_ = std::move(SS.superStart);
    F->rsPtr_ = std::move(SS.rowPtr);
    F->rows_ = std::move(SS.rows);
    const int32_t ns = static_cast<int32_t>(F->superStart_.size()) - 1;
    F->childHead_.assign(ns, -1);
    F->childNext_.assign(ns, -1);
    for (int32_t t = ns - 1; t >= 0; --t) {
      const int32_t p = SS.superParent[t];
      if (p >= 0) {
        F->childNext_[t] = F->childHead_[p];
        F->childHead_[p] = t;
      }
    }
  }
  const int32_t ns = static_cast<int32_t>(F->superStart_.size()) - 1;
  const std::vector<int32_t>& ss = F->superStart_;
  const std::vector<int32_t>& rp = F->rsPtr_;

  // Storage, counts.
  F->lPtr_.assign(static_cast<size_t>(ns) + 1, 0);
  F->uPtr_.assign(static_cast<size_t>(ns) + 1, 0);
  std::vector<double> work(static_cast<size_t>(ns), 0.0);  // front work, then subtree work
  for (int32_t s = 0; s < ns; ++s) {
    const int64_t w = ss[s + 1] - ss[s], m = rp[s + 1] - rp[s];
    F->lPtr_[s + 1] = F->lPtr_[s] + m * w;
    F->uPtr_[s + 1] = F->uPtr_[s] + (m - w) * w;
    F->maxRight_ = std::max(F->maxRight_, m * (m - w));
    F->nnzL_ += m * w - w * (w - 1) / 2;
    F->nnzU_ += w * (w + 1) / 2 + (m - w) * w;
    double fl = 0.0;
    for (int64_t k = 0; k < w; ++k) fl += static_cast<double>(m - k - 1) * (m - k - 1);
    F->flops_ += fl;
    work[s] = fl + static_cast<double>(m) * m;  // products + zeroing / extend-add
  }
  // Two worker groups of whole subtrees: descend from the roots while there is a single child;
  // at the first node (or the forest) with several children, hand the children's subtrees to
  // groups 0 and 1, heaviest first to the lighter group (ties to the smaller index). The rest
  // (that node and its ancestors, group 2) runs after both. Fixed by the structure alone.
  F->group_.assign(static_cast<size_t>(ns), 2);
  {
    std::vector<int32_t> firstDesc(static_cast<size_t>(ns));
    for (int32_t s = 0; s < ns; ++s) firstDesc[s] = s;
    for (int32_t s = 0; s < ns; ++s)
      if (sparent[s] >= 0) {
        work[sparent[s]] += work[s];
        firstDesc[sparent[s]] = std::min(firstDesc[sparent[s]], firstDesc[s]);
      }
    std::vector<int32_t> cand;
    for (int32_t s = 0; s < ns; ++s)
      if (sparent[s] < 0) cand.push_back(s);
    while (cand.size() == 1) {
      const int32_t x = cand[0];
      cand.clear();
      for (int32_t c = F->childHead_[x]; c != -1; c = F->childNext_[c]) cand.push_back(c);
    }
    if (cand.size() >= 2) {
      std::stable_sort(cand.begin(), cand.end(),
                       [&](int32_t a, int32_t b) { return work[a] > work[b]; });
      double load[2] = {0.0, 0.0};
      for (int32_t c : cand) {
        const int g = load[1] < load[0] ? 1 : 0;
        load[g] += work[c];
        for (int32_t t = firstDesc[c]; t <= c; ++t) F->group_[t] = static_cast<int8_t>(g);
      }
    }
  }
  // Each group's contribution-block stack peak.
  {
    std::vector<int64_t> cbSize(static_cast<size_t>(ns), 0);
    int64_t top[3] = {0, 0, 0};
    for (int32_t s = 0; s < ns; ++s) {
      const int g = F->group_[s];
      const int64_t mr = (rp[s + 1] - rp[s]) - (ss[s + 1] - ss[s]);
      for (int32_t c = F->childHead_[s]; c != -1; c = F->childNext_[c])
        if (F->group_[c] == g) top[g] -= cbSize[c];
      cbSize[s] = mr * mr;
      top[g] += cbSize[s];
      F->groupStack_[g] = std::max(F->groupStack_[g], top[g]);
    }
  }
  F->lx_.assign(static_cast<size_t>(F->lPtr_[ns]), 0.0);
  F->ux_.assign(static_cast<size_t>(F->uPtr_[ns]), 0.0);
  F->pivot_.assign(n, 0);

  // Scatter map of A's entries into the fronts. Entry (r, c) of M = A(p, p) belongs to the
  // supernode of column min(r, c): rows r of s with c ≥ first(s) come from A's rows, columns
  // c of s with r > last(s) from A's columns (a transposed index of the pattern).
  {
    std::vector<int32_t> iperm(n);
    for (int32_t k = 0; k < n; ++k) iperm[F->perm_[k]] = k;
    std::vector<int32_t> ctp(static_cast<size_t>(n) + 1, 0), cti(static_cast<size_t>(nnz));
    for (int64_t p = 0; p < nnz; ++p) ++ctp[A.colIdx[p] + 1];
    for (int32_t j = 0; j < n; ++j) ctp[j + 1] += ctp[j];
    {
      std::vector<int32_t> next(ctp.begin(), ctp.end() - 1);
      for (int32_t i = 0; i < n; ++i)
        for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
          cti[next[A.colIdx[p]]++] = p;  // the value index; its row is found via rowOf
    }
    std::vector<int32_t> rowOf(static_cast<size_t>(nnz));
    for (int32_t i = 0; i < n; ++i)
      for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) rowOf[p] = i;
    std::vector<int32_t> pos(n, 0);
    F->asmPtr_.assign(static_cast<size_t>(ns) + 1, 0);
    F->asmSrc_.resize(static_cast<size_t>(nnz));
    F->asmDst_.resize(static_cast<size_t>(nnz));
    int64_t q = 0;
    for (int32_t s = 0; s < ns; ++s) {
      const int32_t f = ss[s], l = ss[s + 1] - 1, w = l - f + 1;
      const int64_t m = rp[s + 1] - rp[s];
      for (int32_t k = rp[s]; k < rp[s + 1]; ++k) pos[F->rows_[k]] = k - rp[s];
      auto put = [&](int32_t src, int64_t lr, int64_t lc) {
        F->asmSrc_[q] = src;
        F->asmDst_[q] = lc < w ? lr + lc * m : -1 - (lr + (lc - w) * m);
        ++q;
      };
      for (int32_t r = f; r <= l; ++r) {
        const int32_t i = F->perm_[r];
        for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
          const int32_t c = iperm[A.colIdx[p]];
          if (c >= f) put(p, pos[r], pos[c]);
        }
      }
      for (int32_t c = f; c <= l; ++c) {
        const int32_t j = F->perm_[c];
        for (int32_t t = ctp[j]; t < ctp[j + 1]; ++t) {
          const int32_t p = cti[t];
          const int32_t r = iperm[rowOf[p]];
          if (r > l) put(p, pos[r], pos[c]);
        }
      }
      F->asmPtr_[s + 1] = q;
    }
  }

  if (F->numeric(e, A.values, ctl) == 0) return nullptr;
  return F;
}

bool SupernodalLu::refactor(const Engine& e, const CsrView& A, Control* ctl) {
  if (A.rows != n_ || A.cols != n_ || !std::equal(rowPtrA_.begin(), rowPtrA_.end(), A.rowPtr) ||
      (nnzA_ > 0 && !std::equal(colIdxA_.begin(), colIdxA_.end(), A.colIdx)))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "A: refactor needs the sparsity pattern of the factorised matrix", -1, "A");
  valid_ = false;
  valid_ = numeric(e, A.values, ctl) == 1;
  return valid_;
}

namespace {
// One worker's state: its front buffer, contribution-block stack and index maps.
struct FrontCtx {
  std::vector<double> right, stack;
  std::vector<int32_t> pos, rel;
  int64_t top = 0;
  int64_t offDiag = 0;
  int32_t failAt = INT32_MAX;  // the first supernode that failed (rejected or threw)
  bool rejected = false;
  std::exception_ptr error;
};
}  // namespace

int SupernodalLu::numeric(const Engine& e, const double* values, Control* ctl) {
  valid_ = false;
  offDiagPivots_ = 0;
  const int32_t ns = static_cast<int32_t>(superStart_.size()) - 1;
  const double tau = tau_;
  std::vector<double*> cbLoc(static_cast<size_t>(ns), nullptr);
  FrontCtx ctx[3];
  int64_t members[3] = {0, 0, 0};
  for (int32_t s = 0; s < ns; ++s) ++members[group_[s]];
  for (int g = 0; g < 3; ++g) {
    ctx[g].stack.resize(static_cast<size_t>(groupStack_[g]));
    if (members[g] > 0) {
      ctx[g].right.resize(static_cast<size_t>(maxRight_));
      ctx[g].pos.assign(n_, 0);
    }
  }
  // Factorises supernode s in cx's buffers: false when a pivot is rejected; throws on a
  // singular column or a stop request.
  auto front = [&](int32_t s, FrontCtx& cx, const Engine& e) -> bool {
    std::vector<double>& stack = cx.stack;
    std::vector<int32_t>& pos = cx.pos;
    std::vector<int32_t>& rel = cx.rel;
    int64_t& top = cx.top;
    double* right = cx.right.data();
    if (ctl != nullptr) {
      const StopReason r = ctl->poll();
      if (r != StopReason::None) throw_stop(r);
    }
    const int32_t f = superStart_[s];
    const int64_t w = superStart_[s + 1] - f;
    const int64_t m = rsPtr_[s + 1] - rsPtr_[s];
    const int64_t mr = m - w;
    const int32_t* rows = rows_.data() + rsPtr_[s];
    double* P = lx_.data() + lPtr_[s];  // the front's first w columns: the L panel (ld m)
    double* R = right;  // the other m − w columns (ld m)
    std::fill(P, P + m * w, 0.0);
    std::fill(R, R + m * mr, 0.0);
    // Assemble A.
    for (int64_t t = asmPtr_[s]; t < asmPtr_[s + 1]; ++t) {
      const int64_t d = asmDst_[t];
      const double v = values[asmSrc_[t]];
      if (d >= 0) P[d] += v;
      else R[-1 - d] += v;
    }
    // Extend-add the children's contribution blocks (on the stack top, in increasing order).
    // Children of another worker's group (only at the main group's fronts) keep their blocks
    // on that worker's stack; the others are popped from this one.
    int64_t cbTotal = 0, cbOwn = 0;
    for (int32_t c = childHead_[s]; c != -1; c = childNext_[c]) {
      const int64_t mc = (rsPtr_[c + 1] - rsPtr_[c]) - (superStart_[c + 1] - superStart_[c]);
      cbTotal += mc * mc;
      if (group_[c] == group_[s]) cbOwn += mc * mc;
    }
    if (cbTotal > 0) {
      for (int64_t k = 0; k < m; ++k) pos[rows[k]] = static_cast<int32_t>(k);
      for (int32_t c = childHead_[s]; c != -1; c = childNext_[c]) {
        const int64_t wc = superStart_[c + 1] - superStart_[c];
        const int64_t mc = (rsPtr_[c + 1] - rsPtr_[c]) - wc;
        const int32_t* crow = rows_.data() + rsPtr_[c] + wc;
        rel.resize(static_cast<size_t>(mc));
        for (int64_t i = 0; i < mc; ++i) rel[i] = pos[crow[i]];
        const double* cb = cbLoc[c];
        const bool contiguous = mc > 0 && rel[mc - 1] - rel[0] == mc - 1;
        for (int64_t j = 0; j < mc; ++j) {
          const int64_t tc = rel[j];
          double* __restrict dst = tc < w ? P + tc * m : R + (tc - w) * m;
          const double* __restrict src = cb + j * mc;
          if (contiguous) {
            double* __restrict d0 = dst + rel[0];
            for (int64_t i = 0; i < mc; ++i) d0[i] += src[i];
          } else {
            for (int64_t i = 0; i < mc; ++i) dst[rel[i]] += src[i];
          }
        }
      }
      top -= cbOwn;
    }
    // Panel LU with pivoting restricted to the diagonal block's rows.
    int32_t* piv = pivot_.data() + f;
    for (int64_t i = 0; i < w; ++i) piv[i] = static_cast<int32_t>(i);
    for (int64_t kb = 0; kb < w; kb += kPanelBlock) {
      const int64_t b = std::min(kPanelBlock, w - kb);
      for (int64_t k = kb; k < kb + b; ++k) {
        double* __restrict col = P + k * m;
        double amax = 0.0;
        bool finite = true;
        for (int64_t i = k; i < m; ++i) {
          const double a = std::fabs(col[i]);
          if (!(a <= DBL_MAX)) finite = false;
          amax = a > amax ? a : amax;
        }
        if (!finite || amax == 0.0) {
          const int32_t original = perm_[f + k];
          throw SolverError("ERR_SINGULAR",
                            std::string("lu: the matrix is singular: column ") +
                                std::to_string(original) +
                                (finite ? " has no nonzero pivot candidate"
                                        : " has a non-finite entry during the factorisation"),
                            -1, "A")
              .withColumn(original);
        }
        int64_t p = k;
        if (!(std::fabs(col[k]) >= tau * amax) || col[k] == 0.0) {
          double bmax = 0.0;
          p = -1;
          for (int64_t i = k + 1; i < w; ++i)
            if (std::fabs(col[i]) > bmax) {
              bmax = std::fabs(col[i]);
              p = i;
            }
          if (p < 0 || !(bmax >= tau * amax) || bmax == 0.0) return false;  // rejected
        }
        if (p != k) {
          ++cx.offDiag;
          std::swap(piv[k], piv[p]);
          for (int64_t j = 0; j < w; ++j) std::swap(P[k + j * m], P[p + j * m]);
          for (int64_t j = 0; j < mr; ++j) std::swap(R[k + j * m], R[p + j * m]);
        }
        const double inv = 1.0 / col[k];
        for (int64_t i = k + 1; i < m; ++i) col[i] *= inv;
        for (int64_t j = k + 1; j < kb + b; ++j) {
          double* cj = P + j * m;
          const double u = cj[k];
          if (u == 0.0) continue;
          axpy(e, -u, col + k + 1, cj + k + 1, m - k - 1);
        }
      }
      if (kb + b < w) {
        const int64_t rest = w - kb - b;
        trsm_unit_lower_small(b, P + kb + kb * m, m, rest, P + kb + (kb + b) * m, m);
        gemm_sub(e, m - kb - b, rest, b, P + (kb + b) + kb * m, m, P + kb + (kb + b) * m, m, false,
                 P + (kb + b) + (kb + b) * m, m);
      }
    }
    if (mr > 0) {
      // U12 = L11⁻¹ F12, computed transposed in the U panel (row k of U12 contiguous), then the
      // contribution block F22 −= L21 · U12.
      double* UT = ux_.data() + uPtr_[s];
      for (int64_t k = 0; k < w; ++k) {
        double* __restrict u = UT + k * mr;
        for (int64_t j = 0; j < mr; ++j) u[j] = R[k + j * m];
      }
      trsm_right_unit_lower_t(e, mr, w, P, m, UT);
      gemm_sub(e, mr, mr, w, P + w, m, UT, mr, true, R + w, m);
      double* cb = stack.data() + top;
      cbLoc[s] = cb;
      for (int64_t j = 0; j < mr; ++j)
        std::memcpy(cb + j * mr, R + w + j * m, static_cast<size_t>(mr) * sizeof(double));
      top += mr * mr;
    }
    return true;
  };
  // Runs group g's supernodes in increasing order, recording its first failure.
  auto runGroup = [&](int g, const Engine& eg) {
    FrontCtx& cx = ctx[g];
    for (int32_t s = 0; s < ns; ++s) {
      if (group_[s] != g) continue;
      try {
        if (!front(s, cx, eg)) {
          cx.failAt = s;
          cx.rejected = true;
          return;
        }
      } catch (...) {
        cx.failAt = s;
        cx.error = std::current_exception();
        return;
      }
    }
  };
  // Groups 0 and 1 (two disjoint sets of whole subtrees) are independent: one worker each when
  // the pool has threads, their products then serial; the same arithmetic either way.
  if (members[0] > 0 || members[1] > 0) {
    const Engine serial{e.k, nullptr, nullptr};
    parallel_run(e.pool, true, [&](int task, int ntasks) {
      for (int g = task; g < 2; g += ntasks) runGroup(g, ntasks > 1 ? serial : e);
    });
  }
  int first = -1;
  for (int g = 0; g < 2; ++g)
    if (ctx[g].failAt != INT32_MAX && (first < 0 || ctx[g].failAt < ctx[first].failAt)) first = g;
  if (first < 0) {
    runGroup(2, e);
    if (ctx[2].failAt != INT32_MAX) first = 2;
  }
  if (first >= 0) {
    if (ctx[first].error) std::rethrow_exception(ctx[first].error);
    return 0;
  }
  offDiagPivots_ = ctx[0].offDiag + ctx[1].offDiag + ctx[2].offDiag;
  valid_ = true;
  return 1;
}

void SupernodalLu::solve(const Engine& e, double* B, int64_t nrhs, int64_t ldb,
                         bool transpose) const {
  (void)e;
  if (!valid_)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "factor: the last factorisation failed; factorise the matrix again", -1,
                      "factor");
  if (nrhs < 0 || ldb < std::max<int64_t>(1, n_) || (B == nullptr && n_ > 0 && nrhs > 0))
    throw SolverError("ERR_INVALID_ARGUMENT", "B: bad right-hand side block", -1, "B");
  const int64_t n = n_;
  if (n == 0 || nrhs == 0) return;
  const int32_t ns = static_cast<int32_t>(superStart_.size()) - 1;
  std::vector<double> X(static_cast<size_t>(n * nrhs));
  for (int64_t r = 0; r < nrhs; ++r)
    for (int64_t k = 0; k < n; ++k) X[k + r * n] = B[perm_[k] + r * ldb];
  int64_t maxw = 0;
  for (int32_t s = 0; s < ns; ++s)
    maxw = std::max<int64_t>(maxw, superStart_[s + 1] - superStart_[s]);
  std::vector<double> tmpv(static_cast<size_t>(maxw));
  double* tmp = tmpv.data();
  if (!transpose) {
    // Pᵀ L y = b.
    for (int32_t s = 0; s < ns; ++s) {
      const int32_t f = superStart_[s];
      const int64_t w = superStart_[s + 1] - f, m = rsPtr_[s + 1] - rsPtr_[s];
      const int32_t* rows = rows_.data() + rsPtr_[s];
      const int32_t* piv = pivot_.data() + f;
      const double* P = lx_.data() + lPtr_[s];
      for (int64_t r = 0; r < nrhs; ++r) {
        double* x = X.data() + r * n;
        for (int64_t i = 0; i < w; ++i) tmp[i] = x[f + piv[i]];
        for (int64_t k = 0; k < w; ++k) {
          const double t = tmp[k];
          const double* l = P + k * m;
          for (int64_t i = k + 1; i < w; ++i) tmp[i] -= l[i] * t;
        }
        for (int64_t i = 0; i < w; ++i) x[f + i] = tmp[i];
        for (int64_t k = 0; k < w; ++k) {
          const double t = tmp[k];
          if (t == 0.0) continue;
          const double* l = P + k * m;
          for (int64_t i = w; i < m; ++i) x[rows[i]] -= l[i] * t;
        }
      }
    }
    // U x = y.
    for (int32_t s = ns - 1; s >= 0; --s) {
      const int32_t f = superStart_[s];
      const int64_t w = superStart_[s + 1] - f, m = rsPtr_[s + 1] - rsPtr_[s], mr = m - w;
      const int32_t* rows = rows_.data() + rsPtr_[s] + w;
      const double* P = lx_.data() + lPtr_[s];
      const double* U = ux_.data() + uPtr_[s];
      for (int64_t r = 0; r < nrhs; ++r) {
        double* x = X.data() + r * n;
        for (int64_t k = 0; k < w; ++k) {
          double sum = x[f + k];
          const double* u = U + k * mr;
          for (int64_t i = 0; i < mr; ++i) sum -= u[i] * x[rows[i]];
          tmp[k] = sum;
        }
        for (int64_t k = w - 1; k >= 0; --k) {
          const double t = tmp[k] / P[k + k * m];
          tmp[k] = t;
          const double* u = P + k * m;
          for (int64_t i = 0; i < k; ++i) tmp[i] -= u[i] * t;
        }
        for (int64_t k = 0; k < w; ++k) x[f + k] = tmp[k];
      }
    }
  } else {
    // Uᵀ z = b.
    for (int32_t s = 0; s < ns; ++s) {
      const int32_t f = superStart_[s];
      const int64_t w = superStart_[s + 1] - f, m = rsPtr_[s + 1] - rsPtr_[s], mr = m - w;
      const int32_t* rows = rows_.data() + rsPtr_[s] + w;
      const double* P = lx_.data() + lPtr_[s];
      const double* U = ux_.data() + uPtr_[s];
      for (int64_t r = 0; r < nrhs; ++r) {
        double* x = X.data() + r * n;
        for (int64_t k = 0; k < w; ++k) {
          double t = x[f + k];
          const double* u = P + k * m;
          for (int64_t i = 0; i < k; ++i) t -= u[i] * tmp[i];
          tmp[k] = t / u[k];
        }
        for (int64_t k = 0; k < w; ++k) {
          const double t = tmp[k];
          x[f + k] = t;
          if (t == 0.0) continue;
          const double* u = U + k * mr;
          for (int64_t i = 0; i < mr; ++i) x[rows[i]] -= u[i] * t;
        }
      }
    }
    // Lᵀ P x = z.
    for (int32_t s = ns - 1; s >= 0; --s) {
      const int32_t f = superStart_[s];
      const int64_t w = superStart_[s + 1] - f, m = rsPtr_[s + 1] - rsPtr_[s];
      const int32_t* rows = rows_.data() + rsPtr_[s];
      const int32_t* piv = pivot_.data() + f;
      const double* P = lx_.data() + lPtr_[s];
      for (int64_t r = 0; r < nrhs; ++r) {
        double* x = X.data() + r * n;
        for (int64_t k = 0; k < w; ++k) {
          double sum = x[f + k];
          const double* l = P + k * m;
          for (int64_t i = w; i < m; ++i) sum -= l[i] * x[rows[i]];
          tmp[k] = sum;
        }
        for (int64_t k = w - 1; k >= 0; --k) {
          double t = tmp[k];
          const double* l = P + k * m;
          for (int64_t i = k + 1; i < w; ++i) t -= l[i] * tmp[i];
          tmp[k] = t;
        }
        for (int64_t k = 0; k < w; ++k) x[f + piv[k]] = tmp[k];
      }
    }
  }
  for (int64_t r = 0; r < nrhs; ++r)
    for (int64_t k = 0; k < n; ++k) B[perm_[k] + r * ldb] = X[k + r * n];
}

}  // namespace direct
}  // namespace itersolve
