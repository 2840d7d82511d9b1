// Lasso / elastic net by working-set coordinate descent with Gap Safe screening and Anderson
// extrapolation. The contract is in lasso.hpp.
//
// Everything runs in the unnormalised scale Σ s_i r_i²/2 + α Σ f_j|w_j| + β/2 Σ f_j w_j²
// (α = λ·a·S, β = λ·(1 − a)·S: P·S), as sklearn's cd_fast does; results are divided by S.
// The solver is written once over a "state" that knows the residual: ResidualState keeps
// r = y − ȳ − (X − μ)w in n entries (through design.hpp's Centered); GramState keeps h = Gw for
// the centred weighted Gram matrix G (dense X, n ≫ p).
#include "lasso.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "../core/errors.hpp"
#include "../core/gemm.hpp"
#include "../krylov/krylov.hpp"
#include "cd_common.hpp"

namespace itersolve {
namespace bcd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Validated inputs shared by lasso() and lambda_max().
struct Data {
  int64_t n = 0, p = 0;
  std::vector<double> pf;  // penalty factors (ones when none given)
  std::vector<double> yc;  // y − ȳ (ȳ = 0 without intercept)
  double ybar = 0.0;
  double yy = 0.0;  // ‖y − ȳ‖²_s
  bool has_unpenalised = false;
  // Box bounds (lower / upper given): lo ≤ w ≤ hi, and the Fenchel gap of the boxed problem.
  bool boxed = false;
  std::vector<double> lo, hi;  // cols entries when boxed
  bool positive = false;
  double clip(int64_t j, double w) const {
    if (boxed) return std::min(hi[j], std::max(lo[j], w));
    return positive ? std::max(0.0, w) : w;
  }
};

// lo / hi from lower / upper (and positive). `exact_gap`: use the Fenchel gap of box_gap() even
// without bounds (the ridge case, l1_ratio = 0: sklearn's rescaled dual point degenerates to θ = 0
// there, whose gap is the whole objective; the exact ℓ2 conjugate needs no rescaling).
void prepare_box(const LassoProblem& pr, bool positive, bool exact_gap, Data& d) {
  d.positive = positive;
  if (pr.lower == nullptr && pr.upper == nullptr && !exact_gap) return;
  d.boxed = true;
  d.lo.assign(static_cast<size_t>(d.p), positive ? 0.0 : -kInf);
  d.hi.assign(static_cast<size_t>(d.p), kInf);
  auto read = [&](const double* v, int64_t len, const char* name, std::vector<double>& out) {
    if (v == nullptr) return;
    if (len >= 0 && len != d.p)
      fail("ERR_DIMENSION_MISMATCH", name,
           "has " + std::to_string(len) + " entries, expected " + std::to_string(d.p));
    for (int64_t j = 0; j < d.p; ++j)
      if (std::isnan(v[j])) fail("ERR_INVALID_ARGUMENT", name, "NaN at " + std::to_string(j));
    for (int64_t j = 0; j < d.p; ++j)
      out[j] = positive && &out == &d.lo ? std::max(0.0, v[j]) : v[j];
  };
  read(pr.lower, pr.lower_length, "lower", d.lo);
  read(pr.upper, pr.upper_length, "upper", d.hi);
  for (int64_t j = 0; j < d.p; ++j) {
    if (d.lo[j] == kInf) fail("ERR_INVALID_ARGUMENT", "lower", "+∞ at " + std::to_string(j));
    if (d.hi[j] == -kInf) fail("ERR_INVALID_ARGUMENT", "upper", "−∞ at " + std::to_string(j));
    if (d.lo[j] > d.hi[j])
      fail("ERR_INVALID_ARGUMENT", "lower",
           "above upper at " + std::to_string(j) + " (" + std::to_string(d.lo[j]) + " > " +
               std::to_string(d.hi[j]) + (positive ? ", positive raises lower to 0)" : ")"));
  }
}

Data prepare(const LassoProblem& pr, bool fit_intercept, const Centered* C) {
  Data d;
  d.n = pr.X.rows, d.p = pr.X.cols;
  check_vector(pr.y, pr.y_length, d.n, "y", false);
  if (pr.sample_weight != nullptr)
    check_vector(pr.sample_weight, pr.sample_weight_length, d.n, "sampleWeight", true);
  d.pf.assign(static_cast<size_t>(d.p), 1.0);
  if (pr.penalty_factor != nullptr) {
    check_vector(pr.penalty_factor, pr.penalty_factor_length, d.p, "penaltyFactor", true);
    for (int64_t j = 0; j < d.p; ++j) {
      d.pf[j] = pr.penalty_factor[j];
      if (d.pf[j] == 0.0) d.has_unpenalised = true;
    }
  }
  const double* s = pr.sample_weight;
  const double S = C->S;
  if (d.n == 0) fail("ERR_INVALID_ARGUMENT", "X", "has no rows");
  if (!(S > 0)) fail("ERR_INVALID_ARGUMENT", "sampleWeight", "the weights sum to zero");
  Target t = centre_target(pr.y, s, d.n, S, fit_intercept);
  d.ybar = t.ybar, d.yy = t.yy, d.yc = std::move(t.yc);
  return d;
}

// r (+ off) = y − ȳ − (X − μ)w.
struct ResidualState {
  const Centered& C;
  const Data& d;
  std::vector<double> r;
  double off = 0.0, rsum = 0.0;

  ResidualState(const Centered& C_, const Data& d_) : C(C_), d(d_), r(d_.yc) {
    rsum = C.weighted_sum(r.data());
  }
  double grad(int64_t j) const { return C.grad(j, r.data(), rsum); }
  void step(int64_t j, double delta) { C.step(j, delta, r.data(), off, rsum); }
  // Folds the offset into r (the true residual r + off unchanged) and recomputes rsum exactly:
  // with means ≫ spread, an unfolded r grows like μ_j·w_j and the gradients lose |r|·|x|·ε.
  void refresh() {
    if (off != 0.0) {
      for (double& ri : r) ri += off;
      off = 0.0;
    }
    rsum = C.weighted_sum(r.data());
  }
  // ‖r + off‖²_s and ⟨r + off, y − ȳ⟩_s.
  void norms(const double*, double& r2, double& ry) const {
    r2 = 0.0, ry = 0.0;
    const double* s = C.s;
    for (int64_t i = 0; i < d.n; ++i) {
      const double ri = r[i] + off, w = s ? s[i] : 1.0;
      r2 += w * ri * ri, ry += w * ri * d.yc[i];
    }
  }
};

// G = (X − μ)ᵀ diag(s) (X − μ), q = (X − μ)ᵀ diag(s)(y − ȳ), h = G w.
struct GramState {
  int64_t p;
  std::vector<double> G, q, h;
  double yy;

  GramState(const Engine& e, const Centered& C, const Data& d) : p(d.p), yy(d.yy) {
    const Design& X = *C.X;
    const int64_t n = d.n;
    // A centred, √s-scaled column-major copy (n·p ≤ p² when it pays off).
    std::vector<double> Z(static_cast<size_t>(n * p));
    for (int64_t j = 0; j < p; ++j)
      for (int64_t i = 0; i < n; ++i)
        Z[j * n + i] = (X.at(i, j) - C.mu(j)) * (C.s ? std::sqrt(C.s[i]) : 1.0);
    std::vector<double> ys(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) ys[i] = d.yc[i] * (C.s ? std::sqrt(C.s[i]) : 1.0);
    G.assign(static_cast<size_t>(p * p), 0.0);
    q.assign(static_cast<size_t>(p), 0.0);
    h.assign(static_cast<size_t>(p), 0.0);
    for (int64_t j = 0; j < p; ++j) q[j] = e.k->dot(&Z[j * n], ys.data(), n);
    // G = ZᵀZ through the blocked GEMM (threaded, bits independent of the thread count).
    const dense::MatRef Zr{Z.data(), std::max<int64_t>(n, 1), dense::Order::Col};
    dense::gemm(e, p, p, n, 1.0, Zr, true, Zr, false, 0.0, G.data(), std::max<int64_t>(p, 1),
                dense::Order::Col);
  }
  double grad(int64_t j) const { return q[j] - h[j]; }
  void step(int64_t j, double delta) { e_axpy(delta, &G[j * p], h.data(), p); }
  void refresh() {}
  void norms(const double* w, double& r2, double& ry) const {
    double wq = 0.0, wh = 0.0;
    for (int64_t j = 0; j < p; ++j) wq += w[j] * q[j], wh += w[j] * h[j];
    r2 = std::max(0.0, yy - 2.0 * wq + wh), ry = yy - wq;
  }
  static void e_axpy(double a, const double* x, double* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
  }
};

struct Gap {
  double gap = 0.0, primal = 0.0, c = 1.0;
};

struct Rng {  // splitmix64
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

template <class State>
class Solver {
 public:
  Solver(State& st, const Centered& C, const Data& d, const LassoOptions& opt, Control& ctl,
         std::vector<double>& w)
      : st_(st), C_(C), d_(d), opt_(opt), ctl_(ctl), w_(w), p_(d.p) {
    alpha_ = opt.lambda * opt.l1_ratio * C.S;
    beta_ = opt.lambda * (1.0 - opt.l1_ratio) * C.S;
    xtA_.assign(static_cast<size_t>(p_), 0.0);
    screened_.assign(static_cast<size_t>(p_), 0);
    rng_.s = opt.seed;
  }

  // One coordinate step on feature j.
  void update(int64_t j) {
    const double pf = d_.pf[j];
    const double Lj = C_.sqnorm[j] + beta_ * pf;
    const double wj = w_[j];
    if (!(Lj > 0)) {  // a zero (centred) column: only the penalty depends on w_j
      const double nw = alpha_ * pf > 0 ? d_.clip(j, 0.0) : wj;
      if (nw != wj) st_.step(j, nw - wj), w_[j] = nw;
      return;
    }
    const double z = st_.grad(j) + C_.sqnorm[j] * wj;
    const double t = alpha_ * pf;
    double nw = 0.0;
    if (z > t) nw = (z - t) / Lj;
    else if (z < -t) nw = (z + t) / Lj;
    nw = d_.clip(j, nw);  // the 1-D problem is convex: clipping its minimiser is exact
    if (nw != wj) {
      st_.step(j, nw - wj);
      w_[j] = nw;
    }
  }

  // Duality gap over the features in idx (all: idx null), xtA_ filled for them.
  Gap gap(const std::vector<int64_t>* idx) {
    if (d_.boxed) return box_gap(idx);
    st_.refresh();
    double dual = 0.0;
    double l1 = 0.0, l2 = 0.0;
    auto visit = [&](int64_t j) {
      const double pf = d_.pf[j];
      const double v = st_.grad(j) - beta_ * pf * w_[j];
      xtA_[j] = v;
      if (pf > 0) {
        const double a = opt_.positive ? v / pf : std::fabs(v) / pf;
        if (a > dual) dual = a;
      }
    };
    if (idx == nullptr)
      for (int64_t j = 0; j < p_; ++j) visit(j);
    else
      for (int64_t j : *idx) visit(j);
    for (int64_t j = 0; j < p_; ++j)
      if (w_[j] != 0.0) l1 += d_.pf[j] * std::fabs(w_[j]), l2 += d_.pf[j] * w_[j] * w_[j];
    double r2, ry;
    st_.norms(w_.data(), r2, ry);
    Gap g;
    g.c = (alpha_ > 0 && dual > alpha_) ? alpha_ / dual : 1.0;
    const double c2 = g.c * g.c;
    g.primal = 0.5 * r2 + alpha_ * l1 + 0.5 * beta_ * l2;
    g.gap = 0.5 * r2 * (1 + c2) + alpha_ * l1 - g.c * ry + 0.5 * beta_ * (1 + c2) * l2;
    if (std::isfinite(g.gap) && g.gap < 0) g.gap = 0.0;  // rounding at the optimum
    return g;
  }

  // The Fenchel gap with bounds (lasso.hpp): θ = c·r, D(θ) = c⟨r, y − ȳ⟩ − c²/2‖r‖² − Σ g_j*(c
  // v_j), v_j = ⟨x_j − μ_j, r⟩_s (xtA_), c ≤ 1 the largest scale with every g_j* finite.
  Gap box_gap(const std::vector<int64_t>* idx) {
    st_.refresh();
    double c = 1.0;
    gap_bound_ = true;
    auto limit = [&](int64_t j) {
      const double v = st_.grad(j);
      xtA_[j] = v;
      const double pf = d_.pf[j];
      if (beta_ * pf > 0 || v == 0.0) return;
      const bool open = v > 0 ? d_.hi[j] == kInf : d_.lo[j] == -kInf;
      if (!open) return;
      const double t = alpha_ * pf;
      if (t > 0) {
        if (std::fabs(v) * c > t) c = t / std::fabs(v);
      } else {
        gap_bound_ = false;  // unpenalised and unbounded: left out (v_j → 0 at the solution)
      }
    };
    if (idx == nullptr)
      for (int64_t j = 0; j < p_; ++j) limit(j);
    else
      for (int64_t j : *idx) limit(j);
    double conj = 0.0;
    auto conjugate = [&](int64_t j) {
      const double pf = d_.pf[j], t = alpha_ * pf, q = beta_ * pf, u = c * xtA_[j];
      const double lo = d_.lo[j], hi = d_.hi[j];
      if (q > 0) {
        double w = 0.0;
        if (u > t) w = (u - t) / q;
        else if (u < -t) w = (u + t) / q;
        w = std::min(hi, std::max(lo, w));
        conj += u * w - t * std::fabs(w) - 0.5 * q * w * w;
        return;
      }
      // Piecewise linear: the sup sits at a finite end or at 0 (the open sides are bounded by c).
      double best = -kInf;
      if (lo <= 0.0 && 0.0 <= hi) best = 0.0;
      if (std::isfinite(lo)) best = std::max(best, u * lo - t * std::fabs(lo));
      if (std::isfinite(hi)) best = std::max(best, u * hi - t * std::fabs(hi));
      if (t == 0.0 && best == -kInf) best = 0.0;  // unpenalised, unbounded both ways: left out
      conj += best;
    };
    if (idx == nullptr)
      for (int64_t j = 0; j < p_; ++j) conjugate(j);
    else
      for (int64_t j : *idx) conjugate(j);
    double l1 = 0.0, l2 = 0.0;
    for (int64_t j = 0; j < p_; ++j)
      if (w_[j] != 0.0) l1 += d_.pf[j] * std::fabs(w_[j]), l2 += d_.pf[j] * w_[j] * w_[j];
    double r2, ry;
    st_.norms(w_.data(), r2, ry);
    Gap g;
    g.c = c;
    g.primal = 0.5 * r2 + alpha_ * l1 + 0.5 * beta_ * l2;
    g.gap = g.primal - (c * ry - 0.5 * c * c * r2 - conj);
    if (std::isfinite(g.gap) && g.gap < 0) g.gap = 0.0;  // rounding at the optimum
    return g;
  }

  double primal() {
    st_.refresh();
    double r2, ry, l1 = 0.0, l2 = 0.0;
    st_.norms(w_.data(), r2, ry);
    for (int64_t j = 0; j < p_; ++j)
      if (w_[j] != 0.0) l1 += d_.pf[j] * std::fabs(w_[j]), l2 += d_.pf[j] * w_[j] * w_[j];
    return 0.5 * r2 + alpha_ * l1 + 0.5 * beta_ * l2;
  }

  // Coordinate descent on the unpenalised features alone until their steps stall (a warm start
  // for λ_max and for solves with f_j = 0 features).
  void fit_unpenalised() {
    std::vector<int64_t> u;
    for (int64_t j = 0; j < p_; ++j)
      if (d_.pf[j] == 0.0) u.push_back(j);
    if (u.empty()) return;
    for (int it = 0; it < 10000; ++it) {
      double change = 0.0, scale = 0.0;
      for (int64_t j : u) {
        const double old = w_[j];
        update(j);
        change = std::max(change, std::fabs(w_[j] - old) * std::sqrt(C_.sqnorm[j]));
        scale = std::max(scale, std::fabs(w_[j]) * std::sqrt(C_.sqnorm[j]));
      }
      if (change <= 1e-15 * std::max(scale, std::sqrt(d_.yy))) break;
    }
  }

  LassoResult run() {
    LassoResult res;
    const double tol_abs = opt_.tol * d_.yy;
    res.tol_gap = tol_abs / C_.S;
    bool can_screen = opt_.screening && alpha_ > 0;
    for (int64_t j = 0; j < p_ && can_screen && !d_.boxed; ++j)
      if (d_.pf[j] == 0.0) can_screen = false;  // the gap is no bound then (boxed: gap_bound_)
    double gap0 = -1.0;
    const bool use_ws = opt_.working_set && alpha_ > 0;
    std::vector<double> w_finite = w_;
    double last_gap = kInf;
    int64_t ws_floor = std::max<int64_t>(1, opt_.working_set_start), ws_size = ws_floor;
    int64_t epochs = 0;
    StopReason stop = StopReason::None;
    Gap g;
    for (;;) {
      g = gap(nullptr);
      if (!std::isfinite(g.gap) || !std::isfinite(g.primal)) {
        res.reason = Reason::NonFinite;
        w_ = w_finite;
        g = Gap{kInf, kInf, 1.0};
        break;
      }
      w_finite = w_;
      if (opt_.history) res.history.push_back(g.gap / C_.S);
      if (gap0 < 0) gap0 = g.gap;
      if (ctl_.wants_progress()) {
        ProgressInfo pi;
        pi.iteration = epochs;
        pi.total = opt_.max_iterations;
        pi.value = g.gap / C_.S;
        pi.fraction = krylov::progress_fraction(gap0, g.gap, tol_abs);
        ctl_.progress(pi, g.gap <= tol_abs);
      }
      if (g.gap <= tol_abs) {
        res.reason = Reason::Tol;
        break;
      }
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        break;
      }
      if (epochs >= opt_.max_iterations) {
        res.reason = Reason::MaxIterations;
        break;
      }
      ++res.outer_iterations;
      // Gap Safe screening: |x̃_jᵀθ| + ‖x̃_j‖·√(2·gap)/α < f_j ⇒ w_j = 0 at the solution.
      if (can_screen && d_.boxed && gap_bound_) {
        // With bounds: v* = ⟨x_j − μ_j, θ*⟩ ∈ ∂g_j(w_j*) needs v* ≥ αf_j for w_j* > 0 and
        // v* ≤ −αf_j for w_j* < 0; ‖θ − θ*‖_s ≤ √(2·gap) (D is 1-strongly concave).
        const double rad = std::sqrt(2.0 * g.gap);
        for (int64_t j = 0; j < p_; ++j) {
          if (screened_[j] || !(d_.lo[j] <= 0.0 && 0.0 <= d_.hi[j])) continue;
          const double t = alpha_ * d_.pf[j], v = g.c * xtA_[j];
          const double reach = std::sqrt(C_.sqnorm[j]) * rad;
          const bool up = d_.hi[j] > 0 && v + reach >= t;
          const bool down = d_.lo[j] < 0 && v - reach <= -t;
          if (!up && !down) {
            screened_[j] = 1;
            ++res.screened;
            if (w_[j] != 0.0) {
              st_.step(j, -w_[j]);
              w_[j] = 0.0;
            }
          }
        }
      } else if (can_screen && !d_.boxed) {
        const double rad = std::sqrt(2.0 * g.gap) / alpha_;
        for (int64_t j = 0; j < p_; ++j) {
          if (screened_[j]) continue;
          const double pf = d_.pf[j];
          const double v = g.c * xtA_[j] / alpha_;
          const double corr = opt_.positive ? v : std::fabs(v);
          if (corr + std::sqrt(C_.sqnorm[j] + beta_ * pf) * rad < pf) {
            screened_[j] = 1;
            ++res.screened;
            if (w_[j] != 0.0) {
              st_.step(j, -w_[j]);
              w_[j] = 0.0;
            }
          }
        }
      }
      // The working set.
      std::vector<int64_t> ws;
      std::vector<std::pair<double, int64_t>> score;
      int64_t nnz = 0;
      for (int64_t j = 0; j < p_; ++j) {
        if (screened_[j]) continue;
        if (w_[j] != 0.0) ++nnz;
        double sc = -kInf;  // always in: the support and the unpenalised features
        if (use_ws && w_[j] == 0.0 && d_.pf[j] > 0) {
          const double v = g.c * xtA_[j] / alpha_;
          double corr = opt_.positive ? v : std::fabs(v);
          if (d_.boxed)  // the open sides of the box at 0 (none: fixed at 0, never worth a visit)
            corr = std::max(d_.hi[j] > 0 ? v : -kInf, d_.lo[j] < 0 ? -v : -kInf);
          const double nrm = std::sqrt(C_.sqnorm[j] + beta_ * d_.pf[j]);
          sc = nrm > 0 ? (d_.pf[j] - corr) / nrm : kInf;
        }
        score.emplace_back(sc, j);
      }
      const int64_t avail = static_cast<int64_t>(score.size());
      if (use_ws) {
        // Twice the support (pruned: it may shrink), and never below a floor that doubles when
        // an outer iteration failed to lower the gap at all.
        if (res.outer_iterations > 1 && g.gap >= last_gap) ws_floor = 2 * ws_size;
        ws_size = std::min(avail, std::max(ws_floor, 2 * nnz));
        if (ws_size < avail) std::nth_element(score.begin(), score.begin() + ws_size, score.end());
      } else {
        ws_size = avail;
      }
      for (int64_t k = 0; k < std::min(ws_size, avail); ++k) ws.push_back(score[k].second);
      std::sort(ws.begin(), ws.end());
      last_gap = g.gap;
      const double inner_target = std::max(0.3 * g.gap, 0.5 * tol_abs);
      stop = inner(ws, inner_target, epochs, res);
    }
    res.iterations = epochs;
    res.coef = w_;
    res.objective = g.primal / C_.S;
    res.dual_gap = g.gap / C_.S;
    return res;
  }

 private:
  // CD epochs on ws until its restricted gap ≤ target (checked every anderson_every epochs),
  // the epoch budget is spent or ctl says stop.
  StopReason inner(const std::vector<int64_t>& ws, double target, int64_t& epochs,
                   LassoResult& res) {
    const int K = std::max(2, opt_.anderson_every);
    const int64_t m = static_cast<int64_t>(ws.size());
    return working_set_epochs(
        ctl_, opt_.max_iterations, epochs, K, opt_.anderson, ws, w_.data(), target,
        [&]() {
          if (opt_.selection == Selection::Cyclic) {
            for (int64_t j : ws) update(j);
          } else {
            for (int64_t k = 0; k < m; ++k) update(ws[rng_.next() % static_cast<uint64_t>(m)]);
          }
        },
        [&](const std::vector<double>& hist) { extrapolate(ws, hist, K, res); },
        [&]() { return gap(&ws).gap; });
  }

  void extrapolate(const std::vector<int64_t>& ws, const std::vector<double>& hist, int K,
                   LassoResult& res) {
    const int64_t m = static_cast<int64_t>(ws.size());
    std::vector<double> acc;
    if (!anderson_extrapolate(hist, m, K, acc)) return;
    for (int64_t k = 0; k < m; ++k) {
      acc[k] = d_.clip(ws[k], acc[k]);  // projected onto the box (kept only if it helps)
      if (d_.pf[ws[k]] > 0 && !(C_.sqnorm[ws[k]] + beta_ * d_.pf[ws[k]] > 0))
        acc[k] = d_.clip(ws[k], 0.0);
    }
    const double before = primal();
    std::vector<double> old(static_cast<size_t>(m));
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = ws[k];
      old[k] = w_[j];
      if (acc[k] != w_[j]) st_.step(j, acc[k] - w_[j]), w_[j] = acc[k];
    }
    const double after = primal();
    if (after < before) {
      ++res.anderson_accepted;
      return;
    }
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = ws[k];
      if (old[k] != w_[j]) st_.step(j, old[k] - w_[j]), w_[j] = old[k];
    }
  }

  State& st_;
  const Centered& C_;
  const Data& d_;
  const LassoOptions& opt_;
  Control& ctl_;
  std::vector<double>& w_;
  int64_t p_;
  double alpha_ = 0.0, beta_ = 0.0;
  std::vector<double> xtA_;
  std::vector<char> screened_;
  Rng rng_{0};
  bool gap_bound_ = true;  // the last box_gap() is an upper bound on P(w) − P*
};

void check_options(const LassoOptions& o) {
  if (!(o.lambda >= 0) || !std::isfinite(o.lambda))
    fail("ERR_INVALID_ARGUMENT", "lambda", "must be finite and ≥ 0");
  if (!(o.l1_ratio >= 0 && o.l1_ratio <= 1))
    fail("ERR_INVALID_ARGUMENT", "l1Ratio", "must lie in [0, 1]");
  if (!(o.tol >= 0) || !std::isfinite(o.tol)) fail("ERR_INVALID_ARGUMENT", "tol", "must be ≥ 0");
  if (o.max_iterations < 0) fail("ERR_INVALID_ARGUMENT", "maxIterations", "must be ≥ 0");
}

}  // namespace

// What LassoPrepared keeps: the problem as given, its centred columns and the validated data
// (before bounds: those follow each solve's options).
struct LassoPrepared::Impl {
  Engine e;
  LassoProblem pr;
  bool fit_intercept;
  Centered C;
  Data d;
  Impl(const Engine& e_, const LassoProblem& pr_, bool fit)
      : e(e_), pr(pr_), fit_intercept(fit), C(pr.X, e.k, pr.sample_weight, fit) {
    d = prepare(pr, fit, &C);
  }
};

namespace {
const LassoProblem& validated(const LassoProblem& pr) {
  pr.X.validate();
  if (pr.sample_weight != nullptr)  // before Centered sums them
    check_vector(pr.sample_weight, pr.sample_weight_length, pr.X.rows, "sampleWeight", true);
  return pr;
}
}  // namespace

LassoPrepared::LassoPrepared(const Engine& e, const LassoProblem& p, bool fit_intercept)
    : impl_(std::make_unique<Impl>(e, validated(p), fit_intercept)) {}
LassoPrepared::~LassoPrepared() = default;

LassoResult LassoPrepared::solve(const LassoOptions& opt, Control& ctl, const double* w0) const {
  check_options(opt);
  if (opt.fit_intercept != impl_->fit_intercept)
    fail("ERR_INVALID_ARGUMENT", "fitIntercept", "differs from the prepared problem's");
  const Engine& e = impl_->e;
  const LassoProblem& pr = impl_->pr;
  const Centered& C = impl_->C;
  if (opt.gram && pr.X.layout == Layout::Csc)
    fail("ERR_UNSUPPORTED", "precompute", "the Gram matrix needs a dense X");
  Data d = impl_->d;
  prepare_box(pr, opt.positive, opt.l1_ratio == 0.0 && opt.lambda > 0.0, d);
  std::vector<double> w(static_cast<size_t>(d.p), 0.0);
  if (w0 != nullptr) check_vector(w0, d.p, d.p, "w0", false);
  for (int64_t j = 0; j < d.p; ++j) w[j] = d.clip(j, w0 != nullptr ? w0[j] : 0.0);
  LassoResult res;
  // Entries so large that a column's (weighted) mean or squared norm, or ‖y − ȳ‖², overflows: no
  // step or gap can be computed (sklearn raises "non-finite parameter values"); the start is
  // returned as NonFinite.
  bool overflow = !std::isfinite(C.S) || !std::isfinite(d.yy) || !std::isfinite(d.ybar);
  for (int64_t j = 0; j < d.p && !overflow; ++j)
    overflow = !std::isfinite(C.sqnorm[j]) || !std::isfinite(C.mu(j));
  if (overflow) {
    res.coef = w;
    res.reason = Reason::NonFinite;
    res.objective = res.dual_gap = std::numeric_limits<double>::infinity();
    res.intercept = opt.fit_intercept && std::isfinite(d.ybar) ? d.ybar : 0.0;
    return res;
  }
  const std::vector<double> w_start = w;
  auto go = [&](auto& st) {
    for (int64_t j = 0; j < d.p; ++j)
      if (w[j] != 0.0) st.step(j, w[j]);
    Solver<std::remove_reference_t<decltype(st)>> solver(st, C, d, opt, ctl, w);
    if (d.has_unpenalised && w0 == nullptr) solver.fit_unpenalised();
    res = solver.run();
  };
  if (opt.gram) {
    GramState st(e, C, d);
    go(st);
  } else {
    ResidualState st(C, d);
    go(st);
  }
  // NonFinite keeps the last finite iterate; when even the first one was not (the unpenalised
  // features' warm-up overflowed), that is the start.
  for (int64_t j = 0; j < d.p; ++j)
    if (!std::isfinite(res.coef[j])) {
      res.coef = w_start;
      res.reason = Reason::NonFinite;
      res.objective = res.dual_gap = std::numeric_limits<double>::infinity();
      break;
    }
  res.intercept = 0.0;
  if (opt.fit_intercept) {
    res.intercept = d.ybar;
    for (int64_t j = 0; j < d.p; ++j) res.intercept -= C.mu(j) * res.coef[j];
    if (!std::isfinite(res.intercept)) {  // μᵀw overflowed
      res.intercept = d.ybar;
      res.coef = w_start;
      for (int64_t j = 0; j < d.p; ++j) res.intercept -= C.mu(j) * res.coef[j];
      res.reason = Reason::NonFinite;
      res.objective = res.dual_gap = std::numeric_limits<double>::infinity();
    }
  }
  // A figure that overflowed (huge targets or entries) is never reported as a converged result.
  if (!std::isfinite(res.objective) || !std::isfinite(res.dual_gap) ||
      !std::isfinite(res.intercept))
    res.reason = Reason::NonFinite;
  return res;
}

LassoResult lasso(const Engine& e, const LassoProblem& pr, const LassoOptions& opt, Control& ctl,
                  const double* w0) {
  check_options(opt);
  return LassoPrepared(e, pr, opt.fit_intercept).solve(opt, ctl, w0);
}

double LassoPrepared::lambda_max(double l1_ratio, bool positive) const {
  if (!(l1_ratio >= 0 && l1_ratio <= 1))
    fail("ERR_INVALID_ARGUMENT", "l1Ratio", "must lie in [0, 1]");
  const Centered& C = impl_->C;
  Data d = impl_->d;
  d.positive = positive;  // the bounds are ignored here
  std::vector<double> w(static_cast<size_t>(d.p), 0.0);
  ResidualState st(C, d);
  LassoOptions opt;
  opt.lambda = 0.0, opt.l1_ratio = 1.0, opt.positive = positive;
  Control ctl;
  Solver<ResidualState> solver(st, C, d, opt, ctl, w);
  solver.fit_unpenalised();
  st.refresh();
  double m = 0.0;
  for (int64_t j = 0; j < d.p; ++j) {
    if (d.pf[j] == 0.0) continue;
    const double g = st.grad(j);
    const double v = (positive ? g : std::fabs(g)) / d.pf[j];
    if (v > m) m = v;
  }
  if (m == 0.0) return 0.0;
  if (l1_ratio == 0.0) return kInf;
  return m / (C.S * l1_ratio);
}

double lambda_max(const Engine& e, const LassoProblem& pr, double l1_ratio, bool fit_intercept,
                  bool positive) {
  if (!(l1_ratio >= 0 && l1_ratio <= 1))
    fail("ERR_INVALID_ARGUMENT", "l1Ratio", "must lie in [0, 1]");
  return LassoPrepared(e, pr, fit_intercept).lambda_max(l1_ratio, positive);
}

}  // namespace bcd
}  // namespace itersolve
