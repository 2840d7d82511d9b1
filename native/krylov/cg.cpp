// Conjugate gradients. One loop (run) keeps the bookkeeping every variant shares: stopping test,
// confirmation and replacement of the recurrence residual, history, progress, poll, reasons. A
// variant supplies the vector work of an iteration:
//  - Standard: no preconditioner (or a generic one). Per iteration three passes: q = A p with pᵀq
//    (ops::spmv_dot), r −= αq with ‖r‖² (ops::axpy_nrm2sq), then x += αp and p = z + βp in one
//    pass: the x update waits for the next direction so p is read once for both. Unpreconditioned
//    an iteration streams A once (12 B/nnz + 4 B/row) and 10 vectors (8 B/row each).
//  - JacobiFused: z = D⁻¹r is never stored; D⁻¹r and rᵀD⁻¹r are folded into the passes above.
//  - Eisenstat: SSOR-PCG as plain CG on (I+L_s)⁻¹ A_s (I+U_s)⁻¹, one backward and one forward
//    sweep per iteration instead of a product with A plus two sweeps (see below).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "iteration.hpp"
#include "krylov.hpp"
#include "precond_impl.hpp"

namespace itersolve {
namespace {

struct Problem {
  const Engine& e;
  const LinearOperator& A;  // products go through A.csr()'s fused kernels when it has entries
  const double* b;
  double* x;
  int64_t n;
  ScratchVec r;  // b − A x: the recurrence residual, replaced by the true one when known
};

// Every work vector below is uninitialised scratch from the Engine's workspace (kept between
// solves: a warm solve touches no fresh memory) and is written before it is read.

// Sums of r[i]² and d[i]·r[i]² after r −= a·q, over [i0, i1) (four accumulators each).
void jacobi_update(double a, const double* __restrict q, const double* __restrict d,
                   double* __restrict r, int64_t i0, int64_t i1, double* acc) {
  double s[4] = {0, 0, 0, 0}, t[4] = {0, 0, 0, 0};
  int64_t i = i0;
  for (; i + 4 <= i1; i += 4)
    for (int k = 0; k < 4; ++k) {
      const double v = r[i + k] - a * q[i + k];
      r[i + k] = v;
      s[k] += v * v;
      t[k] += d[i + k] * v * v;
    }
  for (; i < i1; ++i) {
    const double v = r[i] - a * q[i];
    r[i] = v;
    s[0] += v * v;
    t[0] += d[i] * v * v;
  }
  acc[0] += (s[0] + s[1]) + (s[2] + s[3]);
  acc[1] += (t[0] + t[1]) + (t[2] + t[3]);
}

// Σ d[i]·r[i]² over [i0, i1).
double weighted_sq(const double* __restrict d, const double* __restrict r, int64_t i0, int64_t i1) {
  double s[4] = {0, 0, 0, 0};
  int64_t i = i0;
  for (; i + 4 <= i1; i += 4)
    for (int k = 0; k < 4; ++k) s[k] += d[i + k] * r[i + k] * r[i + k];
  for (; i < i1; ++i) s[0] += d[i] * r[i] * r[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

double weighted_norm2(const Engine& e, const double* d, const double* r, int64_t n) {
  double s;
  ops::sum_blocks<1>(
      e, n, [&](int64_t i0, int64_t i1, double* acc) { acc[0] += weighted_sq(d, r, i0, i1); }, &s);
  return s;
}

// The interface run() expects of a variant:
//   kMatvecs       products with A per product();
//   zero_start()   with opt.zero_start: set x = 0 and r = b itself (possibly fused with its own
//                  set-up); false to leave it to krylov::start_residual;
//   start(rr, rz)  set up the first direction from r; rz = rᵀM⁻¹r; false if M failed;
//   product(pq)    q = (preconditioned) A p, pq = pᵀq; false if the product with A failed;
//   step(α, rz)    r −= αq; returns ‖r‖²; may give the next rᵀM⁻¹r in rz; x is then pending;
//   sync_x(α)      bring x up to date (α: the last step's);
//   refresh(rr, replaced, rz)  the next rᵀM⁻¹r (r was replaced by the true residual if
//                  `replaced`); false if M failed;
//   direction(α, β, x_pending)  p = z + βp; returns whether x is up to date (the pending update
//                  may be fused here or left to sync_x).
class Standard {
 public:
  static constexpr int kMatvecs = 1;

  Standard(Problem& pb, const Preconditioner* M)
      : pb_(pb), M_(M), p_(ops::scratch(pb.e, pb.n)), q_(ops::scratch(pb.e, pb.n)) {
    if (M != nullptr) z_ = ops::scratch(pb.e, pb.n);
  }

  // Zero start without a preconditioner: x = 0, r = b and p = r in one pass (instead of a fill,
  // a copy and another copy). Returns false when it does not apply.
  bool zero_start() {
    if (M_ != nullptr) return false;
    const double* __restrict b = pb_.b;
    double* __restrict x = pb_.x;
    double* __restrict r = pb_.r.data();
    double* __restrict p = p_.data();
    ops::for_blocks(pb_.e, pb_.n, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        x[i] = 0.0;
        r[i] = b[i];
        p[i] = b[i];
      }
    });
    p_ready_ = true;
    return true;
  }
  bool start(double rr, double& rz) {
    if (!refresh(rr, true, rz)) return false;
    if (!p_ready_) ops::copy(pb_.e, z(), p_.data(), pb_.n);
    return true;
  }
  bool product(double& pq) {
    return krylov::matvec_dot(pb_.e, pb_.A, p_.data(), q_.data(), p_.data(), pq);
  }
  double step(double alpha, double&) {
    return ops::axpy_nrm2sq(pb_.e, -alpha, q_.data(), pb_.r.data(), pb_.n);
  }
  void sync_x(double alpha) { ops::axpy(pb_.e, alpha, p_.data(), pb_.x, pb_.n); }
  bool refresh(double rr, bool, double& rz) {
    if (M_ == nullptr) {
      rz = rr;
      return true;
    }
    if (!M_->apply(pb_.e, pb_.r.data(), z_.data())) return false;
    rz = ops::dot(pb_.e, pb_.r.data(), z_.data(), pb_.n);
    return true;
  }
  bool direction(double alpha, double beta, bool x_pending) {
    if (!x_pending) {
      ops::xpby(pb_.e, z(), beta, p_.data(), pb_.n);
      return true;
    }
    ops::cg_direction(pb_.e, alpha, z(), beta, pb_.x, p_.data(), pb_.n);
    return true;
  }

 private:
  const double* z() const { return M_ != nullptr ? z_.data() : pb_.r.data(); }
  Problem& pb_;
  const Preconditioner* M_;
  ScratchVec p_, q_, z_;
  bool p_ready_ = false;  // zero_start() already set p = r
};

class JacobiFused {
 public:
  static constexpr int kMatvecs = 1;

  bool zero_start() { return false; }

  JacobiFused(Problem& pb, const double* inv_diag)
      : pb_(pb), d_(inv_diag), p_(ops::scratch(pb.e, pb.n)), q_(ops::scratch(pb.e, pb.n)) {}

  bool start(double, double& rz) {
    rz = weighted_norm2(pb_.e, d_, pb_.r.data(), pb_.n);
    const double* __restrict d = d_;
    const double* __restrict r = pb_.r.data();
    double* __restrict p = p_.data();
    ops::for_blocks(pb_.e, pb_.n, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) p[i] = d[i] * r[i];
    });
    return true;
  }
  bool product(double& pq) {
    return krylov::matvec_dot(pb_.e, pb_.A, p_.data(), q_.data(), p_.data(), pq);
  }
  double step(double alpha, double& rz) {
    double s[2];
    ops::sum_blocks<2>(
        pb_.e, pb_.n,
        [&](int64_t i0, int64_t i1, double* acc) {
          jacobi_update(alpha, q_.data(), d_, pb_.r.data(), i0, i1, acc);
        },
        s);
    rz = s[1];
    return s[0];
  }
  void sync_x(double alpha) { ops::axpy(pb_.e, alpha, p_.data(), pb_.x, pb_.n); }
  bool refresh(double, bool replaced, double& rz) {
    if (replaced) rz = weighted_norm2(pb_.e, d_, pb_.r.data(), pb_.n);
    return true;
  }
  bool direction(double alpha, double beta, bool x_pending) {
    double* __restrict x = pb_.x;
    double* __restrict p = p_.data();
    const double* __restrict r = pb_.r.data();
    const double* __restrict d = d_;
    ops::for_blocks(pb_.e, pb_.n, [&](int64_t i0, int64_t i1) {
      if (x_pending)
        for (int64_t i = i0; i < i1; ++i) {
          x[i] += alpha * p[i];
          p[i] = d[i] * r[i] + beta * p[i];
        }
      else
        for (int64_t i = i0; i < i1; ++i) p[i] = d[i] * r[i] + beta * p[i];
    });
    return true;
  }

 private:
  Problem& pb_;
  const double* d_;
  ScratchVec p_, q_;
};

// Eisenstat's trick, on the scaled SSOR factors (every a_ii > 0). With S = D̃^(−1/2) and
// A_s = S A S = L_s + ωI + U_s (whose D̃ is I), SSOR is M ∝ S⁻¹(I+L_s)(I+U_s)S⁻¹, and PCG(A, M)
// has the iterates of plain CG on B = (I+L_s)⁻¹ A_s (I+U_s)⁻¹ (symmetric when A is), mapped
// back by x = S (I+U_s)⁻¹ x̂ and r̂ = (I+L_s)⁻¹ S r. As A_s = (I+L_s) + (I+U_s) + κI with
// κ = ω − 2, a product with B costs one backward and one forward sweep:
//   t = (I+U_s)⁻¹ p̂,  B p̂ = t + w  with  w = (I+L_s)⁻¹ (p̂ + κt),
// and the same sweeps give A_s t = (1+κ)t + L_s t + p̂. So y = S⁻¹x follows y += αt and the
// unpreconditioned residual r (the stopping test) follows r −= α S⁻¹A_s t: the iteration count
// is that of plain SSOR-PCG. Row by row:
//   backward  p̂_i = r̂_i + β p̂_i;  t_i = p̂_i − Σ_{j>i} U_s,ij t_j
//   forward   w_i = p̂_i + κ t_i − Σ_{j<i} L_s,ij w_j;  g_i = (1+κ) t_i + Σ_{j<i} L_s,ij t_j + p̂_i
//   vector    y += αt;  r −= α g_i/σ_i;  r̂ −= α(t + w)
// The sweeps are sequential (single-core bandwidth bound) and read no diagonal; the update of p̂
// rides on the next backward sweep; the vector pass runs on the pool; x = S y is formed only when
// x is needed. No product with A happens per iteration (kMatvecs = 0).
class Eisenstat {
 public:
  static constexpr int kMatvecs = 0;

  bool zero_start() { return false; }

  Eisenstat(Problem& pb, const krylov::SsorFactors& f)
      : pb_(pb), f_(f), kappa_(f.omega - 2.0), y_(ops::scratch(pb.e, pb.n)),
        inv_s_(ops::scratch(pb.e, pb.n)), rh_(ops::scratch(pb.e, pb.n)),
        p_(ops::scratch(pb.e, pb.n)), t_(ops::scratch(pb.e, pb.n)), w_(ops::scratch(pb.e, pb.n)),
        g_(ops::scratch(pb.e, pb.n)) {}

  bool start(double rr, double& rz) {
    const double* __restrict s = f_.s.data();
    const double* __restrict x = pb_.x;
    double* __restrict y = y_.data();
    double* __restrict is = inv_s_.data();
    double* __restrict p = p_.data();
    // p̂ = 0 too: the first backward sweep reads β·p̂ with β = 0, and scratch may hold NaNs.
    ops::for_blocks(pb_.e, pb_.n, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        is[i] = 1.0 / s[i];
        y[i] = x[i] * is[i];
        p[i] = 0.0;
      }
    });
    beta_ = 0.0;
    return refresh(rr, true, rz);
  }
  bool product(double& pq) {
    if (f_.upper.adj.empty()) backward_sweep<false>();
    else backward_sweep<true>();
    pq = f_.lower.adj.empty() ? forward_sweep<false>() : forward_sweep<true>();
    return true;
  }
  double step(double alpha, double& rz) {
    double s[2];
    ops::sum_blocks<2>(
        pb_.e, pb_.n, [&](int64_t i0, int64_t i1, double* acc) { vector_pass(alpha, i0, i1, acc); },
        s);
    rz = s[1];
    return s[0];
  }
  void sync_x(double) {
    const double* __restrict s = f_.s.data();
    const double* __restrict y = y_.data();
    double* __restrict x = pb_.x;
    ops::for_blocks(pb_.e, pb_.n, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) x[i] = s[i] * y[i];
    });
  }
  bool refresh(double, bool replaced, double& rz) {
    if (replaced) {
      krylov::tri_forward(f_.lower, krylov::ScaleVec{f_.s.data()}, pb_.r.data(), rh_.data(), pb_.n);
      rz = ops::nrm2(pb_.e, rh_.data(), pb_.n);
      rz *= rz;
    }
    return true;
  }
  bool direction(double, double beta, bool) {
    beta_ = beta;
    return false;  // x stays behind y until sync_x
  }

 private:
  template <bool kAdj>
  void backward_sweep() {
    const krylov::TriFactor& U = f_.upper;
    const int32_t* __restrict rp = U.rowPtr.data();
    const int32_t* __restrict ci = U.colIdx.data();
    const double* __restrict v = U.values.data();
    const double* __restrict adj = U.adj.data();
    const double* __restrict rh = rh_.data();
    double* __restrict p = p_.data();
    double* __restrict t = t_.data();
    const double beta = beta_;
    double next = 0.0;
    for (int64_t i = pb_.n - 1; i >= 0; --i) {
      double acc = rh[i] + beta * p[i];
      p[i] = acc;
      for (int32_t k = rp[i]; k < rp[i + 1]; ++k) acc -= v[k] * t[ci[k]];
      if (kAdj) acc -= adj[i] * next;  // the only term carried from row i+1
      t[i] = acc;
      next = acc;
    }
  }

  // Returns p̂ᵀ(t + w) = p̂ᵀB p̂.
  template <bool kAdj>
  double forward_sweep() {
    const krylov::TriFactor& L = f_.lower;
    const int32_t* __restrict rp = L.rowPtr.data();
    const int32_t* __restrict ci = L.colIdx.data();
    const double* __restrict v = L.values.data();
    const double* __restrict adj = L.adj.data();
    const double* __restrict p = p_.data();
    const double* __restrict t = t_.data();
    double* __restrict w = w_.data();
    double* __restrict g = g_.data();
    const double kappa = kappa_, kappa1 = 1.0 + kappa_;
    double prev_w = 0.0, prev_t = 0.0, pq = 0.0;
    int32_t k = rp[0];
    for (int64_t i = 0; i < pb_.n; ++i) {
      double lw = 0.0, lt = 0.0;
      for (const int32_t e = rp[i + 1]; k < e; ++k) {
        lw += v[k] * w[ci[k]];
        lt += v[k] * t[ci[k]];
      }
      const double ti = t[i], pi = p[i];
      if (kAdj) lt += adj[i] * prev_t;
      double wi = pi + kappa * ti - lw;
      if (kAdj) wi -= adj[i] * prev_w;  // the only term carried from row i−1
      w[i] = wi;
      g[i] = kappa1 * ti + lt + pi;
      pq += pi * (ti + wi);
      prev_w = wi;
      prev_t = ti;
    }
    return pq;
  }

  // y += αt; r −= α g/σ (acc[0] += ‖r‖²); r̂ −= α(t + w) (acc[1] += ‖r̂‖²).
  void vector_pass(double alpha, int64_t i0, int64_t i1, double* acc) {
    double* __restrict y = y_.data();
    double* __restrict r = pb_.r.data();
    double* __restrict rh = rh_.data();
    const double* __restrict t = t_.data();
    const double* __restrict w = w_.data();
    const double* __restrict g = g_.data();
    const double* __restrict is = inv_s_.data();
    double s[4] = {0, 0, 0, 0}, u[4] = {0, 0, 0, 0};
    int64_t i = i0;
    for (; i + 4 <= i1; i += 4)
      for (int k = 0; k < 4; ++k) {
        const double ti = t[i + k];
        y[i + k] += alpha * ti;
        const double ri = r[i + k] - alpha * (g[i + k] * is[i + k]);
        r[i + k] = ri;
        const double hi = rh[i + k] - alpha * (ti + w[i + k]);
        rh[i + k] = hi;
        s[k] += ri * ri;
        u[k] += hi * hi;
      }
    for (; i < i1; ++i) {
      y[i] += alpha * t[i];
      r[i] -= alpha * (g[i] * is[i]);
      rh[i] -= alpha * (t[i] + w[i]);
      s[0] += r[i] * r[i];
      u[0] += rh[i] * rh[i];
    }
    acc[0] += (s[0] + s[1]) + (s[2] + s[3]);
    acc[1] += (u[0] + u[1]) + (u[2] + u[3]);
  }

  Problem& pb_;
  const krylov::SsorFactors& f_;
  double kappa_;
  double beta_ = 0.0;
  ScratchVec y_, inv_s_, rh_, p_, t_, w_, g_;
};

template <class V>
IterResult run(Problem& pb, V& v, const SolveOptions& opt, Control& ctl) {
  IterResult res;
  const Engine& e = pb.e;
  const double bnorm = ops::nrm2(e, pb.b, pb.n);
  if (bnorm == 0.0) {
    krylov::solve_zero_rhs(pb.x, pb.n, opt, res);
    return res;
  }
  const double tol = krylov::tolerance(opt, bnorm);
  // r = b − A x (or, from zero, b: no product with A)
  double rt = bnorm;
  if (!(opt.zero_start && v.zero_start()) &&
      !krylov::start_residual(e, pb.A, pb.b, pb.x, pb.r.data(), opt, bnorm, res, rt))
    return res;
  krylov::Iteration iter(ctl, opt, res, tol, bnorm);
  bool have_true = true;    // rt is ‖b − A x‖ for the current x
  bool x_pending = false;   // x is behind the iterate (see sync_x)
  bool op_failed = false;  // a product with A failed: Aborted, no final residual
  double alpha = 0.0, rz = 0.0;
  // history[0] and iteration 0's report go out before the variant's set-up (a preconditioner
  // application, scaling).
  if (iter.start(rt, pb.x, pb.n)) {
    // A non-finite or already converged start: res.reason and res.value are set.
  } else if (!v.start(rt * rt, rz)) res.reason = Reason::Aborted;
  else if (!std::isfinite(rz)) res.reason = Reason::NonFinite;
  else if (rz <= 0.0) res.reason = Reason::Indefinite;  // M is not positive definite
  else if (opt.max_iterations <= 0) res.reason = Reason::MaxIterations;
  else
    for (int64_t it = 1;; ++it) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        break;
      }
      double pq;
      if (!v.product(pq)) {
        op_failed = true;
        break;
      }
      res.matvecs += V::kMatvecs;
      if (!std::isfinite(pq)) {
        res.reason = Reason::NonFinite;
        break;
      }
      if (pq <= 0.0) {
        res.reason = Reason::Indefinite;
        break;
      }
      alpha = rz / pq;
      if (!std::isfinite(alpha)) {
        res.reason = Reason::NonFinite;
        break;
      }
      double rz_next = 0.0;
      double rr = v.step(alpha, rz_next);
      have_true = false;
      x_pending = true;
      const double rn = std::sqrt(rr);
      iter.record(it, rn);
      if (!std::isfinite(rn)) {
        res.reason = Reason::NonFinite;
        break;
      }
      bool replaced = false;
      if (rn <= tol || (opt.true_residual_every > 0 && it % opt.true_residual_every == 0)) {
        if (x_pending) v.sync_x(alpha);
        x_pending = false;
        if (!krylov::residual_fused(e, pb.A, pb.b, pb.x, pb.r.data(), rt)) {
          op_failed = true;
          break;
        }
        ++res.matvecs;
        have_true = true;
        if (rt <= tol) {
          res.reason = krylov::converged_reason(opt, bnorm);
          break;
        }
        if (!std::isfinite(rt)) {
          res.reason = Reason::NonFinite;
          break;
        }
        rr = rt * rt;
        replaced = true;
      }
      if (it >= opt.max_iterations) {
        res.reason = Reason::MaxIterations;
        break;
      }
      if (!v.refresh(rr, replaced, rz_next)) {
        res.reason = Reason::Aborted;
        break;
      }
      if (!std::isfinite(rz_next) || rz_next <= 0.0) {
        res.reason = std::isfinite(rz_next) ? Reason::Indefinite : Reason::NonFinite;
        break;
      }
      x_pending = !v.direction(alpha, rz_next / rz, x_pending);
      rz = rz_next;
    }
  if (x_pending) v.sync_x(alpha);
  if (!have_true && !op_failed) {
    if (!krylov::residual_fused(e, pb.A, pb.b, pb.x, pb.r.data(), rt)) op_failed = true;
    ++res.matvecs;
  }
  res.value = rt;
  krylov::flag_nonfinite(pb.x, pb.n, res);  // a non-finite entry in x is always 'non-finite'
  if (op_failed) krylov::operator_failed(pb.x, pb.n, res);
  return res;
}

}  // namespace

IterResult cg(const Engine& e, const LinearOperator& A, const double* b, double* x,
              const Preconditioner* M, const SolveOptions& options, Control& ctl) {
  const int64_t n = A.rows();
  const SolveOptions opt = krylov::resolved(options, n);
  Problem pb{e, A, b, x, n, ops::scratch(e, n)};
  // Eisenstat's form needs the scaled factors (a positive diagonal) of this very A (its entries:
  // a CSR operator); otherwise SSOR goes through apply() like any preconditioner.
  const krylov::SsorFactors* f = krylov::ssor_factors(M);
  const CsrView* csr = A.csr();
  if (f != nullptr && csr != nullptr && f->scaled && f->n == n &&
      f->source == krylov::fingerprint(*csr)) {
    Eisenstat v(pb, *f);
    return run(pb, v, opt, ctl);
  }
  if (const std::vector<double>* d = krylov::jacobi_inverse_diagonal(M)) {
    JacobiFused v(pb, d->data());
    return run(pb, v, opt, ctl);
  }
  // The identity preconditioner changes nothing but the cost.
  if (M != nullptr && std::strcmp(M->kind(), "identity") == 0) M = nullptr;
  Standard v(pb, M);
  return run(pb, v, opt, ctl);
}

}  // namespace itersolve
