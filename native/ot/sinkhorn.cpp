// The Sinkhorn family (ot.hpp): scaling (Sinkhorn-Knopp), log-domain, stabilised (absorption)
// and ε-scaling, on the support of a and b.
//
// Every method makes ONE pass over C (or K) per iteration, row blocks in parallel:
//  - log: row i's terms e_ij = exp((f_i + g_j − C_ij)/ε) (one SIMD exp each) give its sum s_i,
//    hence f_i' = f_i + ε (log a_i − log s_i), and the same terms scaled by a_i/s_i are row i's
//    contribution to the column sums of the plan with (f', g), added to the block's column
//    partials while the row is in cache; g' follows from the column sums. The old potentials
//    are the shift of every exp: after a g-update each column of the plan sums to b_j, so every
//    e_ij ≤ b_j (after an f-update each term of the column pass ≤ a_i) and nothing overflows; a
//    row (column) whose sum leaves [1e-200, 1e300] (the start, a warm start far off, tiny ε) is
//    redone as an exact two-pass log-sum-exp (max first);
//  - scaling / stabilised: u_i = a_i/(K v)_i by a row dot, and u_i K_i added to the block's
//    partials of Kᵀu in the same pass.
// The row sums s_i of a pass are the plan's row marginals of the iterate it starts from (the
// column marginals are b by construction, up to rounding), so the stopping test costs nothing
// until this estimate meets tol; then one more pass computes the exact error of both sides, which
// alone decides (the iterate that meets tol is returned, the pass's update discarded; one that
// misses it goes on). An iteration that changes no bit of the iterate (ε below the potentials'
// ulp) stops with Stagnation. Column partials are per fixed row block
// and added in block order (internal.hpp): results never depend on the number of threads.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "../krylov/krylov.hpp"
#include "internal.hpp"
#include "ot.hpp"

namespace itersolve {
namespace ot {
namespace {

using detail::RowBlocks;
constexpr double kSumLo = 1e-200, kSumHi = 1e300;
constexpr double kInf = std::numeric_limits<double>::infinity();

inline bool in_range(double s) { return s >= kSumLo && s <= kSumHi; }

// The bookkeeping every method shares: iteration count (over all stages), checks, history,
// progress.
struct Run {
  const Engine& e;
  const Problem& p;
  const SinkhornOptions& opt;
  Control& ctl;
  OtResult& res;
  int64_t it = 0;
  double err0 = -1.0;

  // Whether the iterate after `it` iterations is checked (it > from: not a stage's start).
  bool due(int64_t from) const { return it > from && it % opt.check_every == 0; }
  // Records a checked error; returns true when it meets tol.
  bool record(double err, double tol) {
    if (opt.history) res.history.push_back(err);
    if (err0 < 0.0) err0 = err;
    if (ctl.wants_progress()) {
      ProgressInfo pi;
      pi.iteration = it;
      pi.total = opt.max_iterations;
      pi.value = err;
      pi.fraction = krylov::progress_fraction(err0, err, tol);
      ctl.progress(pi);
    }
    return err <= tol;
  }
};

double row_error(const Problem& p, const double* s) {
  double err = 0.0;
  for (int64_t i = 0; i < p.n; ++i) err += std::fabs(s[i] - p.a[i]);
  return err;
}

// The exact marginal error (both sides) of the plan exp((f_i + g_j − C_ij)/ε): the bits
// finish_log reports for these potentials.
double exact_log_error(const Engine& e, const Problem& p, double eps, const double* f,
                       const double* g) {
  std::vector<double> r(p.n), c(p.m);
  detail::plan_pass(e, p, eps, f, g, nullptr, r.data(), c.data(), nullptr, false);
  return detail::marginal_error(p, r.data(), c.data());
}

bool same(const double* x, const double* y, int64_t len) { return std::equal(x, x + len, y); }

// ---- log domain ---------------------------------------------------------------------------

class LogPass {
 public:
  LogPass(const Engine& e, const Problem& p)
      : e_(e), p_(p), rb_(p.n), fn_(ops::scratch(e, p.n)), gn_(ops::scratch(e, p.m)),
        s_(ops::scratch(e, p.n)), tmp_(ops::scratch(e, rb_.nb * p.m)),
        part_(ops::scratch(e, rb_.nb * p.m)), col_(ops::scratch(e, p.m)), la_(ops::scratch(e, p.n)),
        lb_(ops::scratch(e, p.m)), bad_(rb_.nb, 0) {
    for (int64_t i = 0; i < p.n; ++i) la_[i] = std::log(p.a[i]);
    for (int64_t j = 0; j < p.m; ++j) lb_[j] = std::log(p.b[j]);
  }

  // From (f, g): s = row sums of the plan of (f, g); fn, gn = one Sinkhorn iteration. Returns
  // false when fn or gn is not finite.
  bool pass(const double* f, const double* g, double eps) {
    const int64_t m = p_.m;
    const double inv = 1.0 / eps;
    const Kernels* k = e_.k;
    detail::for_row_blocks(e_, rb_, m, [&](int64_t b) {
      double* acc = part_.data() + b * m;
      double* row = tmp_.data() + b * m;
      std::fill(acc, acc + m, 0.0);
      int bad = 0;
      for (int64_t i = rb_.begin(b); i < rb_.end(b); ++i) {
        const double* ci = p_.C + i * m;
        const double si = k->exp_row(g, ci, f[i], inv, row, m);
        s_[i] = si;
        double fi, w;
        if (in_range(si)) {
          fi = f[i] + eps * (la_[i] - std::log(si));
          w = p_.a[i] / si;
        } else {  // exact log-sum-exp: the largest term is 1
          const double mx = k->max_diff(g, ci, m);
          const double z = k->exp_row(g, ci, -mx, inv, row, m);
          fi = eps * la_[i] - mx - eps * std::log(z);
          w = p_.a[i] / z;
        }
        if (!(w <= 1e280) && std::isfinite(fi)) {  // a_i/s_i overflows: the new terms directly
          k->exp_row(g, ci, fi, inv, row, m);
          w = 1.0;
        }
        fn_[i] = fi;
        if (!std::isfinite(fi) || !std::isfinite(w)) {
          bad = 1;
          continue;
        }
        k->axpy(w, row, acc, m);
      }
      bad_[b] = bad;
    });
    for (int64_t b = 0; b < rb_.nb; ++b)
      if (bad_[b]) return false;
    detail::combine_blocks(e_, part_.data(), rb_.nb, m, col_.data());
    bool ok = true;
    for (int64_t j = 0; j < m; ++j) {
      const double cj = col_[j];
      double gj;
      if (in_range(cj)) {
        gj = g[j] + eps * (lb_[j] - std::log(cj));
      } else {
        double* cc = tmp_.data();  // column j of C, then its terms (n ≤ nb·m doubles)
        ScratchVec big;
        if (p_.n * 2 > rb_.nb * m) {
          big = ops::scratch(e_, 2 * p_.n);
          cc = big.data();
        }
        for (int64_t i = 0; i < p_.n; ++i) cc[i] = p_.C[i * m + j];
        const double mx = k->max_diff(fn_.data(), cc, p_.n);
        const double z = k->exp_row(fn_.data(), cc, -mx, inv, cc + p_.n, p_.n);
        gj = eps * lb_[j] - mx - eps * std::log(z);
      }
      gn_[j] = gj;
      if (!std::isfinite(gj)) ok = false;
    }
    return ok;
  }

  const double* fn() const { return fn_.data(); }
  const double* gn() const { return gn_.data(); }
  const double* s() const { return s_.data(); }

 private:
  const Engine& e_;
  const Problem& p_;
  RowBlocks rb_;
  ScratchVec fn_, gn_, s_, tmp_, part_, col_, la_, lb_;
  std::vector<int> bad_;
};

// Log-domain iterations on (f, g) in place (always the last finite iterate) until tol, the
// iteration `it_end`, a stop, a non-finite update or error, or a floating-point fixed point
// (Stagnation: an iteration that changes no bit of f, g short of tol, e.g. ε below the
// potentials' ulp). A check's row error is an estimate (the columns sum to b only up to
// rounding, and not at all when ε is below the potentials' ulp): one that meets tol is replaced
// by the exact error of both sides, and only that decides.
Reason run_log(Run& r, LogPass& lp, double* f, double* g, double eps, double tol, int64_t it_end) {
  const int64_t from = r.it;
  for (;;) {
    const StopReason stop = r.ctl.poll();
    if (stop != StopReason::None) return reason_from_stop(stop);
    if (r.it >= it_end) return Reason::MaxIterations;
    const bool ok = lp.pass(f, g, eps);
    if (r.due(from)) {
      double err = row_error(r.p, lp.s());
      if (err <= tol) err = exact_log_error(r.e, r.p, eps, f, g);
      if (!std::isfinite(err)) return Reason::NonFinite;
      if (r.record(err, tol)) return Reason::Tol;
    }
    if (!ok) return Reason::NonFinite;
    if (same(lp.fn(), f, r.p.n) && same(lp.gn(), g, r.p.m)) return Reason::Stagnation;
    std::copy(lp.fn(), lp.fn() + r.p.n, f);
    std::copy(lp.gn(), lp.gn() + r.p.m, g);
    ++r.it;
  }
}

// ---- scaling forms --------------------------------------------------------------------------

// vn = b / (Kᵀu): the scaling forms' v update. Returns false when some (Kᵀu)_j or vn_j is zero or
// not finite.
bool v_update(const Problem& p, const double* ktu, double* vn) {
  bool ok = true;
  for (int64_t j = 0; j < p.m; ++j) {
    const double vj = p.b[j] / ktu[j];
    vn[j] = vj;
    if (!(ktu[j] > 0.0) || !(vj > 0.0) || !std::isfinite(vj)) ok = false;
  }
  return ok;
}

// One pass over K (n×m): un = a/(K v), ktu = Kᵀ un, s = u ∘ (K v) (when u is given). Returns
// false when some (K v)_i or un_i is zero or not finite.
bool scaling_pass(const Engine& e, const Problem& p, const RowBlocks& rb, const double* K,
                  const double* u, const double* v, double* un, double* s, double* part,
                  double* ktu, std::vector<int>& bad) {
  const int64_t m = p.m;
  detail::for_row_blocks(e, rb, m, [&](int64_t b) {
    double* acc = part + b * m;
    std::fill(acc, acc + m, 0.0);
    int flag = 0;
    for (int64_t i = rb.begin(b); i < rb.end(b); ++i) {
      const double* ki = K + i * m;
      const double kv = e.k->dot(ki, v, m);
      if (u != nullptr) s[i] = u[i] * kv;
      const double ui = p.a[i] / kv;
      un[i] = ui;
      if (!(kv > 0.0) || !(ui > 0.0) || !std::isfinite(ui)) {
        flag = 1;
        continue;
      }
      e.k->axpy(ui, ki, acc, m);
    }
    bad[b] = flag;
  });
  for (int64_t b = 0; b < rb.nb; ++b)
    if (bad[b]) return false;
  detail::combine_blocks(e, part, rb.nb, m, ktu);
  return true;
}

// K_ij = exp((f_i + g_j − C_ij)/ε) (g may be null: zeros).
void build_kernel(const Engine& e, const Problem& p, const RowBlocks& rb, const double* f,
                  const double* g, double eps, double* K) {
  const int64_t m = p.m;
  const double inv = 1.0 / eps;
  detail::for_row_blocks(e, rb, m, [&](int64_t b) {
    for (int64_t i = rb.begin(b); i < rb.end(b); ++i)
      e.k->exp_row(g, p.C + i * m, f[i], inv, K + i * m, m);
  });
}

// The plan diag(u) K diag(v) (written over K when in_place, else only summed): its row sums r,
// column sums c; returns ⟨C, P⟩.
double scaled_sums(const Engine& e, const Problem& p, const RowBlocks& rb, double* K,
                   const double* u, const double* v, bool in_place, double* r, double* c) {
  const int64_t m = p.m;
  ScratchVec tmp = ops::scratch(e, in_place ? 1 : rb.nb * m);
  ScratchVec part = ops::scratch(e, rb.nb * m);
  std::vector<double> pcost(rb.nb, 0.0);
  detail::for_row_blocks(e, rb, m, [&](int64_t b) {
    double* acc = part.data() + b * m;
    std::fill(acc, acc + m, 0.0);
    double cs = 0.0;
    for (int64_t i = rb.begin(b); i < rb.end(b); ++i) {
      double* ki = K + i * m;
      double* row = in_place ? ki : tmp.data() + b * m;
      const double ui = u[i];
      for (int64_t j = 0; j < m; ++j) row[j] = ui * ki[j] * v[j];
      r[i] = e.k->sum(row, m);
      e.k->axpy(1.0, row, acc, m);
      cs += e.k->dot(p.C + i * m, row, m);
    }
    pcost[b] = cs;
  });
  detail::combine_blocks(e, part.data(), rb.nb, m, c);
  double cost = 0.0;
  for (int64_t b = 0; b < rb.nb; ++b) cost += pcost[b];
  return cost;
}

// The exact marginal error (both sides) of diag(u) K diag(v): the bits finish_scaled reports.
double scaled_error(const Engine& e, const Problem& p, const RowBlocks& rb, double* K,
                    const double* u, const double* v) {
  std::vector<double> r(p.n), c(p.m);
  scaled_sums(e, p, rb, K, u, v, false, r.data(), c.data());
  return detail::marginal_error(p, r.data(), c.data());
}

// The plan diag(u) K diag(v) (written over K when in_place), and the result's figures from it
// and the potentials f, g.
void finish_scaled(const Engine& e, const Problem& p, const RowBlocks& rb, double* K,
                   const double* u, const double* v, bool in_place, double eps, const double* f,
                   const double* g, OtResult& res) {
  std::vector<double> r(p.n), c(p.m);
  const double cost = scaled_sums(e, p, rb, K, u, v, in_place, r.data(), c.data());
  detail::finish_from_sums(p, eps, f, g, r.data(), c.data(), cost, res);
}

struct Potentials {
  double* f;
  double* g;
};

// Sinkhorn-Knopp on K = exp((c0 − C)/ε). Returns its reason; f, g (and the plan, when `plan`,
// which then holds K during the iteration) written, res figures filled unless the caller is to
// fall back (`fallback`: NonFinite leaves f, g and returns without a plan).
Reason run_scaling(Run& r, double c0, Potentials pot, double* plan, bool fallback) {
  const Engine& e = r.e;
  const Problem& p = r.p;
  const int64_t n = p.n, m = p.m;
  const double eps = r.opt.epsilon;
  const RowBlocks rb(n);
  ScratchVec kbuf;
  double* K = plan;
  if (K == nullptr) {
    kbuf = ops::scratch(e, n * m);
    K = kbuf.data();
  }
  std::vector<double> shift(n, c0);  // K = exp((c0 − C)/ε): the largest entry is 1
  build_kernel(e, p, rb, shift.data(), nullptr, eps, K);
  // Warm start: only v matters (the first update computes u from it).
  double G = 0.0;
  ScratchVec u = ops::scratch(e, n), un = ops::scratch(e, n), v = ops::scratch(e, m),
             vn = ops::scratch(e, m), s = ops::scratch(e, n), ktu = ops::scratch(e, m),
             part = ops::scratch(e, rb.nb * m);
  if (r.opt.warm_start) {
    G = *std::max_element(pot.g, pot.g + m);
    for (int64_t j = 0; j < m; ++j) v[j] = std::exp((pot.g[j] - G) / eps);
  } else {
    std::fill(v.data(), v.data() + m, 1.0);
  }
  std::vector<int> bad(rb.nb, 0);
  bool have_u = false;
  Reason reason = Reason::MaxIterations;
  for (;;) {
    const StopReason stop = r.ctl.poll();
    if (stop != StopReason::None) {
      reason = reason_from_stop(stop);
      break;
    }
    if (r.it >= r.opt.max_iterations) break;
    bool ok = scaling_pass(e, p, rb, K, have_u ? u.data() : nullptr, v.data(), un.data(), s.data(),
                           part.data(), ktu.data(), bad);
    if (have_u && r.due(0)) {
      // The row error estimates (columns are b only up to rounding); one that meets tol is
      // replaced by the exact error of the plan this iterate gives.
      double err = row_error(p, s.data());
      if (err <= r.opt.tol) err = scaled_error(e, p, rb, K, u.data(), v.data());
      if (!std::isfinite(err)) {
        reason = Reason::NonFinite;
        break;
      }
      if (r.record(err, r.opt.tol)) {
        reason = Reason::Tol;
        break;
      }
    }
    if (ok) ok = v_update(p, ktu.data(), vn.data());
    if (!ok) {
      reason = Reason::NonFinite;
      break;
    }
    if (have_u && same(un.data(), u.data(), n) && same(vn.data(), v.data(), m)) {
      reason = Reason::Stagnation;  // a floating-point fixed point short of tol
      break;
    }
    std::copy(un.data(), un.data() + n, u.data());
    std::copy(vn.data(), vn.data() + m, v.data());
    have_u = true;
    ++r.it;
  }
  if (!have_u) {
    // No finite iterate yet: the start potentials stand.
    if (!r.opt.warm_start) {
      std::fill(pot.f, pot.f + n, 0.0);
      std::fill(pot.g, pot.g + m, 0.0);
    }
    if (reason == Reason::NonFinite && fallback) return reason;
    if (plan != nullptr) plan_from_potentials(e, p, eps, pot.f, pot.g, plan, nullptr, nullptr);
    finish_from_potentials(e, p, eps, pot.f, pot.g, r.res);
    return reason;
  }
  for (int64_t i = 0; i < n; ++i) pot.f[i] = eps * std::log(u[i]) + c0 - G;
  for (int64_t j = 0; j < m; ++j) pot.g[j] = eps * std::log(v[j]) + G;
  if (reason == Reason::NonFinite && fallback) return reason;
  finish_scaled(e, p, rb, K, u.data(), v.data(), plan != nullptr, eps, pot.f, pot.g, r.res);
  return reason;
}

// POT's sinkhorn_stabilized: scalings u, v on K = exp((α_i + β_j − C_ij)/ε), absorbed into α, β
// (and K rebuilt) when one leaves [1/τ, τ]. Where a scaling cannot be formed ((K v)_i or
// (Kᵀu)_j zero or not finite: the start with tiny ε, or after a large jump), the last scalings
// are absorbed and one exact log-domain iteration replaces the scaling step, so no NaN or ∞ ever
// enters the potentials.
Reason run_stabilized(Run& r, Potentials pot, double* plan) {
  const Engine& e = r.e;
  const Problem& p = r.p;
  const int64_t n = p.n, m = p.m;
  const double eps = r.opt.epsilon;
  const double tau = r.opt.absorb_threshold > 1.0 ? r.opt.absorb_threshold : 1e3;
  const RowBlocks rb(n);
  ScratchVec kbuf;
  double* K = plan;
  if (K == nullptr) {
    kbuf = ops::scratch(e, n * m);
    K = kbuf.data();
  }
  double* alpha = pot.f;
  double* beta = pot.g;
  if (!r.opt.warm_start) {
    std::fill(alpha, alpha + n, 0.0);
    std::fill(beta, beta + m, 0.0);
  }
  build_kernel(e, p, rb, alpha, beta, eps, K);
  ScratchVec u = ops::scratch(e, n), un = ops::scratch(e, n), v = ops::scratch(e, m),
             vn = ops::scratch(e, m), s = ops::scratch(e, n), ktu = ops::scratch(e, m),
             part = ops::scratch(e, rb.nb * m);
  std::fill(u.data(), u.data() + n, 1.0);
  std::fill(v.data(), v.data() + m, 1.0);
  std::vector<int> bad(rb.nb, 0);
  LogPass* lp = nullptr;
  std::vector<LogPass> lp_store;
  lp_store.reserve(1);
  auto absorb = [&]() {
    for (int64_t i = 0; i < n; ++i) alpha[i] += eps * std::log(u[i]);
    for (int64_t j = 0; j < m; ++j) beta[j] += eps * std::log(v[j]);
    std::fill(u.data(), u.data() + n, 1.0);
    std::fill(v.data(), v.data() + m, 1.0);
  };
  // The state after an absorption (α, β, u = v = 1, K of α, β) determines every later iterate:
  // when one repeats the last (ε below the potentials' ulp: absorbing and repairing change no bit
  // of α, β) the iteration cycles short of tol and stops with Stagnation.
  std::vector<double> reset(alpha, alpha + n);
  reset.insert(reset.end(), beta, beta + m);
  auto repeated = [&]() {
    const bool rep = same(alpha, reset.data(), n) && same(beta, reset.data() + n, m);
    std::copy(alpha, alpha + n, reset.data());
    std::copy(beta, beta + m, reset.data() + n);
    return rep;
  };
  Reason reason = Reason::MaxIterations;
  for (;;) {
    const StopReason stop = r.ctl.poll();
    if (stop != StopReason::None) {
      reason = reason_from_stop(stop);
      break;
    }
    if (r.it >= r.opt.max_iterations) break;
    bool ok = scaling_pass(e, p, rb, K, u.data(), v.data(), un.data(), s.data(), part.data(),
                           ktu.data(), bad);
    if (r.due(0)) {
      double err = row_error(p, s.data());  // an estimate: confirmed exactly when it meets tol
      if (err <= r.opt.tol) err = scaled_error(e, p, rb, K, u.data(), v.data());
      if (std::isfinite(err) && r.record(err, r.opt.tol)) {
        reason = Reason::Tol;
        break;
      }
    }
    if (ok) ok = v_update(p, ktu.data(), vn.data());
    if (!ok) {
      absorb();
      if (lp == nullptr) {
        lp_store.emplace_back(e, p);
        lp = &lp_store.back();
      }
      if (!lp->pass(alpha, beta, eps)) {
        reason = Reason::NonFinite;
        break;
      }
      std::copy(lp->fn(), lp->fn() + n, alpha);
      std::copy(lp->gn(), lp->gn() + m, beta);
      build_kernel(e, p, rb, alpha, beta, eps, K);
      ++r.it;
      if (repeated()) {
        reason = Reason::Stagnation;
        break;
      }
      continue;
    }
    std::copy(un.data(), un.data() + n, u.data());
    std::copy(vn.data(), vn.data() + m, v.data());
    ++r.it;
    bool big = false;
    for (int64_t i = 0; i < n && !big; ++i) big = u[i] > tau || u[i] < 1.0 / tau;
    for (int64_t j = 0; j < m && !big; ++j) big = v[j] > tau || v[j] < 1.0 / tau;
    if (big) {
      absorb();
      build_kernel(e, p, rb, alpha, beta, eps, K);
      if (repeated()) {
        reason = Reason::Stagnation;
        break;
      }
    }
  }
  // f, g = α + ε log u, β + ε log v; K holds exp((α + β − C)/ε) (rebuilt after a failed
  // repair, which absorbed u, v first).
  if (reason == Reason::NonFinite) build_kernel(e, p, rb, alpha, beta, eps, K);
  for (int64_t i = 0; i < n; ++i) alpha[i] += eps * std::log(u[i]);
  for (int64_t j = 0; j < m; ++j) beta[j] += eps * std::log(v[j]);
  finish_scaled(e, p, rb, K, u.data(), v.data(), plan != nullptr, eps, alpha, beta, r.res);
  return reason;
}

// ---- one full-support problem ---------------------------------------------------------------

Reason run_log_method(Run& r, Potentials pot, double eps, double tol) {
  LogPass lp(r.e, r.p);
  return run_log(r, lp, pot.f, pot.g, eps, tol, r.opt.max_iterations);
}

void finish_log(Run& r, Potentials pot, double* plan) {
  if (plan != nullptr) {
    std::vector<double> rr(r.p.n), cc(r.p.m);
    double cost = 0.0;
    detail::plan_pass(r.e, r.p, r.opt.epsilon, pot.f, pot.g, plan, rr.data(), cc.data(), &cost,
                      false);
    detail::finish_from_sums(r.p, r.opt.epsilon, pot.f, pot.g, rr.data(), cc.data(), cost, r.res);
  } else {
    finish_from_potentials(r.e, r.p, r.opt.epsilon, pot.f, pot.g, r.res);
  }
}

void solve_full(Run& r, Potentials pot, double* plan, double cmin, double cmax) {
  const SinkhornOptions& opt = r.opt;
  const Problem& p = r.p;
  const double eps = opt.epsilon;
  SinkhornMethod method = opt.method;
  if (method == SinkhornMethod::Auto)
    method = cmax - cmin <= kScalingSafeRange * eps ? SinkhornMethod::Scaling : SinkhornMethod::Log;
  if (!opt.warm_start && method != SinkhornMethod::Scaling &&
      method != SinkhornMethod::Stabilized) {
    std::fill(pot.f, pot.f + p.n, 0.0);
    std::fill(pot.g, pot.g + p.m, 0.0);
  }
  r.res.method = method;
  Reason reason = Reason::MaxIterations;
  switch (method) {
    case SinkhornMethod::Scaling: {
      const bool fb = opt.method == SinkhornMethod::Auto && opt.scaling_fallback;
      reason = run_scaling(r, cmin, pot, plan, fb);
      if (reason == Reason::NonFinite && fb) {
        r.res.method = SinkhornMethod::Log;
        reason = run_log_method(r, pot, eps, opt.tol);
        finish_log(r, pot, plan);
      }
      break;
    }
    case SinkhornMethod::Stabilized: reason = run_stabilized(r, pot, plan); break;
    case SinkhornMethod::EpsilonScaling: {
      LogPass lp(r.e, p);
      double mass = 0.0;
      for (int64_t i = 0; i < p.n; ++i) mass += p.a[i];
      const double eps0 = std::max(eps, opt.eps_scaling_start * (cmax - cmin));
      const double factor = opt.eps_scaling_factor > 0.0 && opt.eps_scaling_factor < 1.0
                                ? opt.eps_scaling_factor
                                : 0.5;
      double ek = eps0;
      for (;;) {
        const bool last = ek <= eps * (1.0 + 1e-12);
        if (last) ek = eps;
        const double stol = last ? opt.tol : std::max(opt.tol, 1e-3 * mass * ek / eps0);
        reason = run_log(r, lp, pot.f, pot.g, ek, stol, opt.max_iterations);
        // A stage stuck at a floating-point fixed point goes on at the next, smaller ε.
        if (last || (reason != Reason::Tol && reason != Reason::Stagnation)) break;
        ek = std::max(eps, ek * factor);
      }
      finish_log(r, pot, plan);
      break;
    }
    default:
      reason = run_log_method(r, pot, eps, opt.tol);
      finish_log(r, pot, plan);
      break;
  }
  // The last iteration is always checked (exactly, from the final potentials).
  if ((reason == Reason::MaxIterations || reason == Reason::Stagnation) &&
      r.record(r.res.marginal_error, opt.tol))
    reason = Reason::Tol;
  r.res.reason = reason;
}

}  // namespace

OtResult sinkhorn(const Engine& e, const Problem& p, double* f, double* g, double* plan,
                  const SinkhornOptions& opt_in, Control& ctl) {
  double cmin = 0.0, cmax = 0.0;
  detail::validate_scanned(p, true, opt_in.epsilon, -1);
  detail::validate_scanned(p, true, opt_in.epsilon, detail::scan_cost(e, p, &cmin, &cmax));
  SinkhornOptions opt = opt_in;
  if (opt.check_every < 1) opt.check_every = 1;
  if (opt.max_iterations < 0) opt.max_iterations = 0;
  if (!(opt.tol >= 0.0)) opt.tol = 0.0;
  const Support sup = support(p);
  if (opt.warm_start) {
    for (int64_t i : sup.rows)
      if (!std::isfinite(f[i]))
        throw SolverError("ERR_INVALID_ARGUMENT",
                          "warm start f[" + std::to_string(i) + "] is not finite", -1, "warmStart");
    for (int64_t j : sup.cols)
      if (!std::isfinite(g[j]))
        throw SolverError("ERR_INVALID_ARGUMENT",
                          "warm start g[" + std::to_string(j) + "] is not finite", -1, "warmStart");
  }
  OtResult res;
  if (sup.full) {
    Run r{e, p, opt, ctl, res};
    solve_full(r, Potentials{f, g}, plan, cmin, cmax);
    res.iterations = r.it;
    return res;
  }
  // Reduced problem on the support; zero rows/columns mapped back (f, g = −∞, plan 0).
  const int64_t n = static_cast<int64_t>(sup.rows.size()),
                m = static_cast<int64_t>(sup.cols.size());
  std::vector<double> a(n), b(m), C(static_cast<size_t>(n * m)), fr(n), gr(m);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = sup.rows[k];
    a[k] = p.a[i];
    fr[k] = f[i];
    const double* ci = p.C + i * p.m;
    for (int64_t l = 0; l < m; ++l) C[k * m + l] = ci[sup.cols[l]];
  }
  for (int64_t l = 0; l < m; ++l) {
    b[l] = p.b[sup.cols[l]];
    gr[l] = g[sup.cols[l]];
  }
  const Problem q{n, m, a.data(), b.data(), C.data()};
  ScratchVec pq;
  if (plan != nullptr) pq = ops::scratch(e, n * m);
  Run r{e, q, opt, ctl, res};
  double qmin = 0.0, qmax = 0.0;
  detail::scan_cost(e, q, &qmin, &qmax);
  solve_full(r, Potentials{fr.data(), gr.data()}, plan != nullptr ? pq.data() : nullptr, qmin,
             qmax);
  res.iterations = r.it;
  std::fill(f, f + p.n, -kInf);
  std::fill(g, g + p.m, -kInf);
  for (int64_t k = 0; k < n; ++k) f[sup.rows[k]] = fr[k];
  for (int64_t l = 0; l < m; ++l) g[sup.cols[l]] = gr[l];
  if (plan != nullptr) {
    std::fill(plan, plan + p.n * p.m, 0.0);
    for (int64_t k = 0; k < n; ++k) {
      double* row = plan + sup.rows[k] * p.m;
      const double* src = pq.data() + k * m;
      for (int64_t l = 0; l < m; ++l) row[sup.cols[l]] = src[l];
    }
  }
  return res;
}

}  // namespace ot
}  // namespace itersolve
