// CG (PCG) on k right-hand sides at once. The iterates of the columns still running ("slots")
// live row-interleaved, n × w row-major (element (i, s) at i·w + s), so one pass over A forms
// A·P for every slot: for a nonzero (i, j, a) the w products a·P[j·w + s] read one contiguous
// run. Each slot keeps its own α, β, stopping test (confirmed against its true residual),
// history and reason. A slot that stops is copied out to X and squeezed out of the interleaved
// arrays, so later passes cost what the remaining slots need.
// Per-slot sums are taken over fixed blocks of ops::kRowBlock rows whose partials are added in
// block order: results do not depend on the number of threads.
// An operator without entries (no csr(): a JS object, ...) is applied column by column: each
// active slot's vector is gathered into a contiguous column, multiplied, and scattered back.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "krylov.hpp"

namespace itersolve {
namespace {

constexpr int64_t kRows = ops::kRowBlock;

// Runs fn(r0, r1, acc) over the fixed row blocks of [0, n) on the pool; acc points at the
// block's w per-slot partials (zeroed). With A, tasks get row ranges of about equal nnz. Adds
// the partials in block order into out (w entries) when out is not null.
template <class Fn>
void for_row_blocks(const Engine& e, const CsrView* A, int64_t n, int w, int64_t work,
                    std::vector<double>& partial, double* out, Fn&& fn) {
  const int64_t nblocks = (n + kRows - 1) / kRows;
  partial.assign(static_cast<size_t>(nblocks * w), 0.0);
  parallel_run(e.pool, work >= ops::kParallelMin, [&](int task, int ntasks) {
    int64_t b0 = nblocks * task / ntasks, b1 = nblocks * (task + 1) / ntasks;
    if (A != nullptr && ntasks > 1) {
      std::vector<int64_t> bounds;
      ops::balance_rows(*A, ntasks, kRows, bounds);
      b0 = bounds[static_cast<size_t>(task)] / kRows;
      b1 = (bounds[static_cast<size_t>(task) + 1] + kRows - 1) / kRows;
    }
    for (int64_t b = b0; b < b1; ++b)
      fn(b * kRows, std::min(n, (b + 1) * kRows), partial.data() + b * w);
  });
  if (out == nullptr) return;
  std::fill(out, out + w, 0.0);
  for (int64_t b = 0; b < nblocks; ++b)
    for (int s = 0; s < w; ++s) out[s] += partial[static_cast<size_t>(b * w + s)];
}

// Q = A·P on rows [r0, r1) for w interleaved slots; acc[s] += P(i,s)·Q(i,s) when acc is not null.
// W > 0 fixes the width at compile time (the slot loop becomes straight vector code).
template <int W>
void spmm_rows(const CsrView& A, const double* __restrict P, double* __restrict Q, int w,
               int64_t r0, int64_t r1, double* acc) {
  const int ww = W > 0 ? W : w;
  const int32_t* rp = A.rowPtr;
  const int32_t* ci = A.colIdx;
  const double* v = A.values;
  for (int64_t i = r0; i < r1; ++i) {
    double* __restrict q = Q + i * ww;
    if (W > 0) {
      double s[W > 0 ? W : 1];
      for (int c = 0; c < W; ++c) s[c] = 0.0;
      for (int32_t k = rp[i]; k < rp[i + 1]; ++k) {
        const double a = v[k];
        const double* __restrict pj = P + static_cast<int64_t>(ci[k]) * W;
        for (int c = 0; c < W; ++c) s[c] += a * pj[c];
      }
      for (int c = 0; c < W; ++c) q[c] = s[c];
    } else {
      for (int c = 0; c < ww; ++c) q[c] = 0.0;
      for (int32_t k = rp[i]; k < rp[i + 1]; ++k) {
        const double a = v[k];
        const double* __restrict pj = P + static_cast<int64_t>(ci[k]) * ww;
        for (int c = 0; c < ww; ++c) q[c] += a * pj[c];
      }
    }
    if (acc != nullptr) {
      const double* __restrict p = P + i * ww;
      for (int c = 0; c < ww; ++c) acc[c] += p[c] * q[c];
    }
  }
}

void spmm(const CsrView& A, const double* P, double* Q, int w, int64_t r0, int64_t r1,
          double* acc) {
  switch (w) {
    case 1: spmm_rows<1>(A, P, Q, w, r0, r1, acc); break;
    case 2: spmm_rows<2>(A, P, Q, w, r0, r1, acc); break;
    case 3: spmm_rows<3>(A, P, Q, w, r0, r1, acc); break;
    case 4: spmm_rows<4>(A, P, Q, w, r0, r1, acc); break;
    case 5: spmm_rows<5>(A, P, Q, w, r0, r1, acc); break;
    case 6: spmm_rows<6>(A, P, Q, w, r0, r1, acc); break;
    case 7: spmm_rows<7>(A, P, Q, w, r0, r1, acc); break;
    case 8: spmm_rows<8>(A, P, Q, w, r0, r1, acc); break;
    default: spmm_rows<0>(A, P, Q, w, r0, r1, acc); break;
  }
}

class Batch {
 public:
  Batch(const Engine& e, const LinearOperator& A, const double* B, double* X, int64_t k,
        const Preconditioner* M, const SolveOptions& opt, Control& ctl)
      : e_(e), op_(A), A_(A.csr()), B_(B), X_(X), n_(A.rows()), M_(M), opt_(opt), ctl_(ctl),
        res_(static_cast<size_t>(k)) {
    for (int64_t c = 0; c < k; ++c) {
      const double bnorm = ops::nrm2(e_, B_ + c * n_, n_);
      if (bnorm == 0.0) {  // x = 0 solves it exactly
        krylov::solve_zero_rhs(X_ + c * n_, n_, opt_, res_[static_cast<size_t>(c)]);
        continue;
      }
      Slot s;
      s.col = c;
      s.bnorm = bnorm;
      s.tol = krylov::tolerance(opt_, bnorm);
      slots_.push_back(s);
    }
    w_ = static_cast<int>(slots_.size());
  }

  std::vector<IterResult> run() {
    if (w_ == 0) return std::move(res_);
    // Uninitialised scratch from the Engine's workspace (kept between solves); each array is
    // written before it is read.
    const int64_t len = n_ * w_;
    x_ = ops::scratch(e_, len);
    r_ = ops::scratch(e_, len);
    p_ = ops::scratch(e_, len);
    q_ = ops::scratch(e_, len);
    if (M_ != nullptr || A_ == nullptr) {
      cm_r_ = ops::scratch(e_, len);
      cm_z_ = ops::scratch(e_, len);
    }
    if (M_ != nullptr) z_ = ops::scratch(e_, len);
    const int w = w_;
    ops::for_blocks(e_, n_, [&](int64_t i0, int64_t i1) {
      for (int s = 0; s < w; ++s) {
        const double* xc = X_ + slots_[static_cast<size_t>(s)].col * n_;
        for (int64_t i = i0; i < i1; ++i) x_[static_cast<size_t>(i * w + s)] = xc[i];
      }
    });
    // r = b − A x for every slot, which may already meet its tolerance.
    for (Slot& s : slots_) s.confirm = true;
    if (!true_residuals()) {
      for (Slot& s : slots_) {
        if (opt_.history) result(s).history.push_back(std::numeric_limits<double>::quiet_NaN());
      }
      resolve_failed();
      return std::move(res_);
    }
    for (Slot& s : slots_) {
      s.r0 = s.rt;
      if (opt_.history) result(s).history.push_back(s.rt);
    }
    report(0);
    if (resolve(0) && w_ > 0 && precondition()) {
      for (Slot& s : slots_) check_rz(s);
      if (resolve(0)) {
        std::copy(z(), z() + static_cast<size_t>(n_) * w_, p_.data());
        for (Slot& s : slots_) s.rz = s.rz_next;
        iterate();
      }
    }
    // What still runs stops for a reason common to all (abort, time limit, M or A failed).
    for (Slot& s : slots_) fail(s, reason_);
    if (reason_ == Reason::Aborted && op_failed_) resolve_failed();
    else if (!resolve(0)) resolve_failed();
    return std::move(res_);
  }

 private:
  struct Slot {
    int64_t col = 0;
    double bnorm = 0, tol = 0;
    double rr = 0;               // ‖r‖²: recurrence, or true after a replacement
    double rz = 0, rz_next = 0;  // rᵀM⁻¹r
    double rt = 0;               // last true residual norm
    double r0 = 0;               // initial residual norm (progress fraction)
    bool have_true = false;      // rt belongs to the current x
    bool confirm = false;        // test rt this iteration (r is replaced by the true residual)
    bool failing = false;        // stops with `why` once its rt is known
    Reason why = Reason::MaxIterations;
    bool done = false;
  };

  IterResult& result(const Slot& s) { return res_[static_cast<size_t>(s.col)]; }

  // Progress: value = the largest residual norm of the running columns, fraction = the least
  // done of them (krylov::progress_fraction of each column's own r0 and tolerance).
  void report(int64_t it) {
    if (!ctl_.wants_progress() || slots_.empty()) return;
    double worst = 0.0, fraction = 1.0;
    for (const Slot& s : slots_) {
      if (s.done || s.failing) continue;
      const double rn = it == 0 ? s.rt : std::sqrt(s.rr);
      worst = std::max(worst, rn);
      const double f = krylov::progress_fraction(s.r0, rn, s.tol);
      fraction = f < 0.0 || fraction < 0.0 ? -1.0 : std::min(fraction, f);
    }
    ProgressInfo pi;
    pi.iteration = it;
    pi.total = opt_.max_iterations;
    pi.value = worst;
    pi.fraction = fraction;
    ctl_.progress(pi);
  }
  const double* z() const { return M_ != nullptr ? z_.data() : r_.data(); }
  int64_t work() const {
    const int64_t nnz = A_ != nullptr ? static_cast<int64_t>(A_->rowPtr[n_] - A_->rowPtr[0]) : 0;
    return (nnz + n_) * w_;
  }

  // Q = A·P for the w interleaved slots (n × w row-major), acc: pᵀq per slot when not null. One
  // pass over A's entries, or one apply() per slot. false: a product failed (reason_ Aborted).
  bool multiply(const double* P, double* Q, double* acc) {
    const int w = w_;
    if (A_ != nullptr) {
      for_row_blocks(e_, A_, n_, w, work(), partial_, acc, [&](int64_t r0, int64_t r1, double* a) {
        spmm(*A_, P, Q, w, r0, r1, acc != nullptr ? a : nullptr);
      });
      return true;
    }
    for (int s = 0; s < w; ++s) {
      double* in = cm_r_.data() + s * n_;
      double* out = cm_z_.data() + s * n_;
      for (int64_t i = 0; i < n_; ++i) in[i] = P[i * w + s];
      if (!op_.apply(e_, in, out)) {
        op_failed_ = true;
        reason_ = Reason::Aborted;
        return false;
      }
    }
    for_row_blocks(e_, nullptr, n_, w, work(), partial_, acc,
                   [&](int64_t r0, int64_t r1, double* a) {
                     for (int64_t i = r0; i < r1; ++i)
                       for (int s = 0; s < w; ++s) {
                         const double q = cm_z_[static_cast<size_t>(s * n_ + i)];
                         Q[i * w + s] = q;
                         if (acc != nullptr) a[s] += P[i * w + s] * q;
                       }
                   });
    return true;
  }

  void fail(Slot& s, Reason why) {
    s.failing = true;
    s.why = why;
  }
  void check_rz(Slot& s) {
    if (!std::isfinite(s.rz_next)) fail(s, Reason::NonFinite);
    else if (s.rz_next <= 0.0) fail(s, Reason::Indefinite);  // M is not positive definite
  }

  void iterate() {
    std::vector<double> pq(static_cast<size_t>(w_)), rr(static_cast<size_t>(w_));
    std::vector<double> alpha(static_cast<size_t>(w_)), beta(static_cast<size_t>(w_));
    for (int64_t it = 1; w_ > 0; ++it) {
      const StopReason why = ctl_.poll();
      if (why != StopReason::None) {
        reason_ = reason_from_stop(why);
        return;
      }
      const int w = w_;
      // q = A p and pᵀq per slot.
      if (!multiply(p_.data(), q_.data(), pq.data())) return;
      for (int s = 0; s < w; ++s) {
        Slot& sl = slots_[static_cast<size_t>(s)];
        ++result(sl).matvecs;
        const double d = pq[static_cast<size_t>(s)], a = sl.rz / d;
        alpha[static_cast<size_t>(s)] = 0.0;  // a failing slot keeps its x and r
        if (!std::isfinite(d) || !std::isfinite(a)) fail(sl, Reason::NonFinite);
        else if (d <= 0.0) fail(sl, Reason::Indefinite);
        else alpha[static_cast<size_t>(s)] = a;
      }
      // x += αp, r −= αq, ‖r‖² per slot.
      for_row_blocks(e_, nullptr, n_, w, work(), partial_, rr.data(),
                     [&](int64_t r0, int64_t r1, double* acc) {
                       double* __restrict x = x_.data();
                       double* __restrict r = r_.data();
                       const double* __restrict p = p_.data();
                       const double* __restrict q = q_.data();
                       const double* __restrict al = alpha.data();
                       for (int64_t i = r0; i < r1; ++i)
                         for (int s = 0; s < w; ++s) {
                           const int64_t m = i * w + s;
                           x[m] += al[s] * p[m];
                           r[m] -= al[s] * q[m];
                           acc[s] += r[m] * r[m];
                         }
                     });
      for (int s = 0; s < w; ++s) {
        Slot& sl = slots_[static_cast<size_t>(s)];
        if (sl.failing) continue;
        IterResult& res = result(sl);
        sl.rr = rr[static_cast<size_t>(s)];
        sl.have_true = false;
        res.iterations = it;
        const double rn = std::sqrt(sl.rr);
        if (opt_.history) res.history.push_back(rn);
        if (!std::isfinite(rn)) fail(sl, Reason::NonFinite);
        else if (rn <= sl.tol ||
                 (opt_.true_residual_every > 0 && it % opt_.true_residual_every == 0))
          sl.confirm = true;
        else if (it >= opt_.max_iterations) fail(sl, Reason::MaxIterations);
      }
      report(it);
      if (!resolve(it) || w_ == 0 || !precondition()) return;
      for (Slot& sl : slots_) check_rz(sl);
      if (!resolve(it)) return;
      // p = z + βp
      const int w2 = w_;
      for (int s = 0; s < w2; ++s) {
        Slot& sl = slots_[static_cast<size_t>(s)];
        beta[static_cast<size_t>(s)] = sl.rz_next / sl.rz;
        sl.rz = sl.rz_next;
      }
      for_row_blocks(e_, nullptr, n_, w2, work(), partial_, nullptr,
                     [&](int64_t r0, int64_t r1, double*) {
                       double* __restrict p = p_.data();
                       const double* __restrict zz = z();
                       const double* __restrict be = beta.data();
                       for (int64_t i = r0; i < r1; ++i)
                         for (int s = 0; s < w2; ++s) {
                           const int64_t m = i * w2 + s;
                           p[m] = zz[m] + be[s] * p[m];
                         }
                     });
    }
  }

  // r = b − A x and rt = ‖r‖ for the slots that confirm, or fail without a current rt: one
  // pass over A for all of them (a product with each of those columns). false: a product
  // failed (nothing is updated; reason_ is Aborted).
  bool true_residuals() {
    std::vector<char> want(static_cast<size_t>(w_), 0);
    bool any = false;
    for (int s = 0; s < w_; ++s) {
      const Slot& sl = slots_[static_cast<size_t>(s)];
      want[static_cast<size_t>(s)] = !sl.have_true && (sl.confirm || sl.failing);
      any = any || want[static_cast<size_t>(s)];
    }
    if (!any) return true;
    const int w = w_;
    if (op_failed_ || !multiply(x_.data(), q_.data(), nullptr)) return false;
    std::vector<double> sq(static_cast<size_t>(w));
    for_row_blocks(e_, nullptr, n_, w, work(), partial_, sq.data(),
                   [&](int64_t r0, int64_t r1, double* acc) {
                     for (int s = 0; s < w; ++s) {
                       if (!want[static_cast<size_t>(s)]) continue;
                       const double* b = B_ + slots_[static_cast<size_t>(s)].col * n_;
                       double* __restrict r = r_.data();
                       const double* __restrict q = q_.data();
                       for (int64_t i = r0; i < r1; ++i) {
                         const double v = b[i] - q[i * w + s];
                         r[i * w + s] = v;
                         acc[s] += v * v;
                       }
                     }
                   });
    for (int s = 0; s < w; ++s) {
      if (!want[static_cast<size_t>(s)]) continue;
      Slot& sl = slots_[static_cast<size_t>(s)];
      ++result(sl).matvecs;
      sl.rt = std::sqrt(sq[static_cast<size_t>(s)]);
      sl.have_true = true;
    }
    return true;
  }

  // Settles the slots that confirm or fail (after their true residuals), then squeezes out the
  // stopped ones. false: a product with A failed (nothing settled; the caller stops).
  bool resolve(int64_t it) {
    bool any = false;
    for (const Slot& s : slots_) any = any || s.confirm || s.failing;
    if (!any) return true;
    if (!true_residuals()) return false;
    for (Slot& s : slots_) {
      if (s.failing) {
        finish(s, s.why);
        continue;
      }
      if (!s.confirm) continue;
      s.confirm = false;
      if (s.rt <= s.tol) finish(s, krylov::converged_reason(opt_, s.bnorm));
      else if (!std::isfinite(s.rt)) finish(s, Reason::NonFinite);
      else if (it >= opt_.max_iterations) finish(s, Reason::MaxIterations);
      else s.rr = s.rt * s.rt;  // the true residual replaces the recurrence one
    }
    squeeze();
    return true;
  }

  // A product with A failed: every slot still running stops as Aborted with its current x and
  // value NaN (its true residual cannot be formed).
  void resolve_failed() {
    for (Slot& s : slots_) {
      finish(s, Reason::Aborted);
      result(s).value = std::numeric_limits<double>::quiet_NaN();
    }
    squeeze();
  }

  void finish(Slot& s, Reason why) {
    IterResult& r = result(s);
    r.reason = why;
    r.value = s.rt;
    s.done = true;
  }

  // z = M⁻¹ r and rz_next = rᵀz per slot. Returns false when M fails (every slot then stops as
  // Aborted).
  bool precondition() {
    if (M_ == nullptr) {
      for (Slot& s : slots_) s.rz_next = s.rr;
      return true;
    }
    const int w = w_;
    // Column-major copies, so M sees contiguous vectors.
    ops::for_blocks(e_, n_, [&](int64_t i0, int64_t i1) {
      for (int s = 0; s < w; ++s)
        for (int64_t i = i0; i < i1; ++i)
          cm_r_[static_cast<size_t>(s * n_ + i)] = r_[static_cast<size_t>(i * w + s)];
    });
    for (int s = 0; s < w; ++s) {
      const double* rc = cm_r_.data() + s * n_;
      double* zc = cm_z_.data() + s * n_;
      if (!M_->apply(e_, rc, zc)) {
        reason_ = Reason::Aborted;
        return false;
      }
      slots_[static_cast<size_t>(s)].rz_next = ops::dot(e_, rc, zc, n_);
    }
    ops::for_blocks(e_, n_, [&](int64_t i0, int64_t i1) {
      for (int s = 0; s < w; ++s)
        for (int64_t i = i0; i < i1; ++i)
          z_[static_cast<size_t>(i * w + s)] = cm_z_[static_cast<size_t>(s * n_ + i)];
    });
    return true;
  }

  // Copies the x of stopped slots out to X and compacts the interleaved arrays to the others.
  void squeeze() {
    std::vector<int> keep;
    for (int s = 0; s < w_; ++s) {
      const Slot& sl = slots_[static_cast<size_t>(s)];
      if (!sl.done) {
        keep.push_back(s);
        continue;
      }
      double* xc = X_ + sl.col * n_;
      for (int64_t i = 0; i < n_; ++i) xc[i] = x_[static_cast<size_t>(i * w_ + s)];
    }
    const int w = static_cast<int>(keep.size());
    if (w == w_) return;
    // In place, rows ascending: element (i, keep[s]) moves to i·w + s ≤ i·w_ + keep[s].
    for (ScratchVec* v : {&x_, &r_, &p_, &z_}) {
      if (v->empty()) continue;  // z_ without M
      double* a = v->data();
      for (int64_t i = 0; i < n_; ++i)
        for (int s = 0; s < w; ++s) a[i * w + s] = a[i * w_ + keep[static_cast<size_t>(s)]];
    }
    std::vector<Slot> rest;
    for (int s : keep) rest.push_back(slots_[static_cast<size_t>(s)]);
    slots_.swap(rest);
    w_ = w;
  }

  const Engine& e_;
  const LinearOperator& op_;
  const CsrView* A_;  // op_.csr(): A's entries, or null
  const double* B_;
  double* X_;
  int64_t n_;
  const Preconditioner* M_;
  const SolveOptions& opt_;
  Control& ctl_;
  std::vector<IterResult> res_;
  std::vector<Slot> slots_;
  int w_ = 0;
  Reason reason_ = Reason::MaxIterations;
  bool op_failed_ = false;
  ScratchVec x_, r_, p_, q_, z_, cm_r_, cm_z_;
  std::vector<double> partial_;
};

}  // namespace

std::vector<IterResult> cg_batch(const Engine& e, const LinearOperator& A, const double* B,
                                 double* X, int64_t k, const Preconditioner* M,
                                 const SolveOptions& options, Control& ctl) {
  const int64_t n = A.rows();
  const SolveOptions opt = krylov::resolved(options, n);
  if (k <= 0) return {};
  Batch b(e, A, B, X, k, M, opt, ctl);
  std::vector<IterResult> out = b.run();
  for (int64_t c = 0; c < k; ++c) krylov::flag_nonfinite(X + c * n, n, out[c]);
  return out;
}

}  // namespace itersolve
