// ℓ1-logistic regression by proximal Newton with working sets. The contract is in logistic.hpp.
//
// Everything runs in the summed scale Σ_i s_i ℓ_i + α‖w‖₁ (α = λ·S, i.e. S·P), results are
// divided by S. Per sample the solver keeps z_i = x_iᵀw + c and, after each evaluation,
// sig_i = σ(−y_i z_i), csig_i = σ(y_i z_i) = 1 − sig_i (both computed without cancellation),
// the weighted gradient sg_i = s_i·(−y_i sig_i) and Hessian weights sh_i = s_i·sig_i·csig_i.
// A Newton step solves the quadratic model in the direction (δw_W, δc) by coordinate descent,
// keeping v = sh ∘ (X_W δw_W) (n entries; a coordinate's model gradient is then a plain dot
// product) and δc apart, so an intercept update costs O(1): Σ sh_i (X_W δw_W)_i is carried along
// as hu. The z-step X_W δw_W + δc is formed once, for the line search.
#include "logistic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "../core/errors.hpp"
#include "../krylov/krylov.hpp"
#include "cd_common.hpp"

namespace itersolve {
namespace bcd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double log1pexp(double t) {  // log(1 + e^t) without overflow
  return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
}
double sigmoid(double t) {  // 1/(1 + e^{−t}) without overflow
  if (t >= 0) return 1.0 / (1.0 + std::exp(-t));
  const double e = std::exp(t);
  return e / (1.0 + e);
}
double xlogx(double q) { return q > 0 ? q * std::log(q) : 0.0; }
double soft(double v, double t) { return v > t ? v - t : (v < -t ? v + t : 0.0); }

// Validated inputs shared by logistic_l1() and logistic_lambda_max().
struct Data {
  int64_t n = 0, p = 0;
  std::vector<double> y;  // ±1
  const double* s = nullptr;
  double S = 0.0;
  double pbar = 0.5;  // weighted share of +1 labels
  double c0 = 0.0;  // the best intercept at w = 0 (0 without intercept)
  double P0 = 0.0;  // the objective there
  double lambda_max = 0.0;
  std::vector<double> colnorm;  // √(Σ s_i x_ij²), filled by the solver
};

Data prepare(const Engine& e, const LogisticProblem& pr, bool fit_intercept) {
  pr.X.validate();
  Data d;
  d.n = pr.X.rows, d.p = pr.X.cols;
  if (pr.y_length >= 0 && pr.y_length != d.n)
    fail("ERR_DIMENSION_MISMATCH", "y",
         "has " + std::to_string(pr.y_length) + " entries, expected " + std::to_string(d.n));
  if (pr.sample_weight != nullptr)
    check_vector(pr.sample_weight, pr.sample_weight_length, d.n, "sampleWeight", true);
  if (d.n == 0) fail("ERR_INVALID_ARGUMENT", "X", "has no rows");
  if (pr.y == nullptr) fail("ERR_INVALID_ARGUMENT", "y", "missing");
  // Labels: all in {−1, +1} or all in {0, 1} (0 → −1).
  bool has_minus = false, has_zero = false;
  for (int64_t i = 0; i < d.n; ++i) {
    const double v = pr.y[i];
    if (!std::isfinite(v))
      fail("ERR_INVALID_ARGUMENT", "y", "non-finite entry at " + std::to_string(i));
    if (v == -1.0) has_minus = true;
    else if (v == 0.0) has_zero = true;
    else if (v != 1.0)
      fail("ERR_INVALID_ARGUMENT", "y",
           "labels must be -1/+1 or 0/1; entry " + std::to_string(i) + " is " + std::to_string(v));
  }
  if (has_minus && has_zero)
    fail("ERR_INVALID_ARGUMENT", "y", "labels mix -1 and 0 (use -1/+1 or 0/1)");
  d.s = pr.sample_weight;
  d.y.resize(static_cast<size_t>(d.n));
  double Sp = 0.0, Sm = 0.0;
  for (int64_t i = 0; i < d.n; ++i) {
    d.y[i] = pr.y[i] == 1.0 ? 1.0 : -1.0;
    (d.y[i] > 0 ? Sp : Sm) += d.s ? d.s[i] : 1.0;
  }
  d.S = Sp + Sm;
  if (!(d.S > 0)) fail("ERR_INVALID_ARGUMENT", "sampleWeight", "the weights sum to zero");
  if (fit_intercept) {
    if (!(Sp > 0) || !(Sm > 0))
      fail("ERR_INVALID_ARGUMENT", "y",
           "has one class only (with weight > 0); fitIntercept needs both (the intercept would "
           "diverge)");
    d.pbar = Sp / d.S;
    d.c0 = std::log(Sp / Sm);
    d.P0 = -(xlogx(d.pbar) + xlogx(Sm / d.S));
  } else {
    d.P0 = std::log(2.0);
  }
  // λ_max: the gradient of the summed loss at w = 0, c = c0, is −Xᵀ(s ∘ v).
  std::vector<double> v(static_cast<size_t>(d.n));
  for (int64_t i = 0; i < d.n; ++i) {
    const double si = d.s ? d.s[i] : 1.0;
    v[i] = fit_intercept ? si * ((d.y[i] > 0 ? 1.0 : 0.0) - d.pbar) : 0.5 * si * d.y[i];
  }
  double m = 0.0;
  for (int64_t j = 0; j < d.p; ++j) m = std::max(m, std::fabs(pr.X.dot(e.k, j, v.data(), nullptr)));
  d.lambda_max = m / d.S;
  return d;
}

void check_options(const LogisticOptions& o) {
  if (!(o.lambda >= 0) || !std::isfinite(o.lambda))
    fail("ERR_INVALID_ARGUMENT", "lambda", "must be finite and ≥ 0");
  if (!(o.tol >= 0) || !std::isfinite(o.tol)) fail("ERR_INVALID_ARGUMENT", "tol", "must be ≥ 0");
  if (o.max_iterations < 0) fail("ERR_INVALID_ARGUMENT", "maxIterations", "must be ≥ 0");
  if (o.max_epochs_per_step < 1) fail("ERR_INVALID_ARGUMENT", "maxEpochsPerStep", "must be ≥ 1");
}

struct Gap {
  double gap = 0.0, primal = 0.0, kappa = 1.0;  // summed scale
};

enum class Step { Done, NoDescent, Stopped };

class Solver {
 public:
  Solver(const Engine& e, const Design& X, Data& d, const LogisticOptions& opt, Control& ctl)
      : e_(e), X_(X), d_(d), opt_(opt), ctl_(ctl), n_(d.n), p_(d.p) {
    alpha_ = opt.lambda * d.S;
    const size_t n = static_cast<size_t>(n_), p = static_cast<size_t>(p_);
    w_.assign(p, 0.0), xt_.assign(p, 0.0), cj_.assign(p, 0.0), aj_.assign(p, 0.0);
    hj_.assign(p, 0.0), dw_.assign(p, 0.0);
    z_.assign(n, 0.0), sig_.assign(n, 0.0), csig_.assign(n, 0.0), sg_.assign(n, 0.0);
    sh_.assign(n, 0.0), st_.assign(n, 0.0), u_.assign(n, 0.0), zt_.assign(n, 0.0);
    d_.colnorm.assign(p, 0.0);
    for (int64_t j = 0; j < p_; ++j) {
      double sum, sumsq;
      X_.moments(j, d_.s, sum, sumsq);
      d_.colnorm[j] = std::sqrt(sumsq);
    }
  }

  double sw(int64_t i) const { return d_.s ? d_.s[i] : 1.0; }

  // z = Xw + c from scratch.
  void rebuild_z() {
    std::fill(z_.begin(), z_.end(), c_);
    for (int64_t j = 0; j < p_; ++j)
      if (w_[j] != 0.0) X_.axpy(e_.k, j, w_[j], z_.data());
  }

  // Loss Σ s_i log(1 + exp(−y_i (z_i + t·dz_i))) (dz null: t ignored).
  double loss(const double* dz, double t) const {
    double acc = 0.0;
    for (int64_t i = 0; i < n_; ++i) {
      const double zi = dz ? z_[i] + t * dz[i] : z_[i];
      acc += sw(i) * log1pexp(-d_.y[i] * zi);
    }
    return acc;
  }

  // sig, csig, sg, sh and the loss at z; G = Σ sg, H = Σ sh.
  void derivatives() {
    L_ = 0.0, G_ = 0.0, H_ = 0.0;
    for (int64_t i = 0; i < n_; ++i) {
      const double m = d_.y[i] * z_[i];  // margin
      const double a = sigmoid(-m), b = sigmoid(m);
      sig_[i] = a, csig_[i] = b;
      const double si = sw(i);
      sg_[i] = -si * d_.y[i] * a;
      sh_[i] = si * a * b;
      L_ += si * log1pexp(-m);
      G_ += sg_[i], H_ += sh_[i];
    }
  }

  // With an intercept: 1-D Newton (with backtracking) on c until Σ sg stalls at rounding.
  void polish_intercept() {
    derivatives();
    if (!fit_) return;
    double scale = 0.0;
    for (int64_t i = 0; i < n_; ++i) scale += std::fabs(sg_[i]);
    for (int it = 0; it < 50; ++it) {
      if (!(std::fabs(G_) > 1e-15 * scale) || !(H_ > 0)) return;
      double t = 1.0, step = -G_ / H_;
      const double L0 = L_;
      bool ok = false;
      for (int k = 0; k < 30; ++k, t *= 0.5) {
        double acc = 0.0;
        for (int64_t i = 0; i < n_; ++i) acc += sw(i) * log1pexp(-d_.y[i] * (z_[i] + t * step));
        if (acc <= L0) {
          ok = true;
          break;
        }
      }
      if (!ok) return;
      const double dc = t * step;
      c_ += dc;
      for (int64_t i = 0; i < n_; ++i) z_[i] += dc;
      derivatives();
      if (std::fabs(dc) <= 1e-15 * (1.0 + std::fabs(c_))) return;
    }
  }

  // Evaluates the iterate (intercept polished first): the primal, the dual point from the
  // gradient (corrected to Σ sθ = 0 with an intercept, rescaled into |x_jᵀ sθ| ≤ α over the
  // features of idx, all when null) and the gap. xt_[j] = x_jᵀ(sθ) (unscaled) for j in idx; with
  // hess also cj_ = x_jᵀ sg, aj_ = Σ sh_i x_ij, hj_ = Σ sh_i x_ij².
  Gap evaluate(const std::vector<int64_t>* idx, bool hess) {
    polish_intercept();
    const double eta = fit_ && H_ > 0 ? G_ / H_ : 0.0;
    for (int64_t i = 0; i < n_; ++i) st_[i] = sg_[i] - eta * sh_[i];
    double m = 0.0;
    auto visit = [&](int64_t j) {
      const double v = X_.dot(e_.k, j, st_.data(), nullptr);
      xt_[j] = v;
      m = std::max(m, std::fabs(v));
      if (hess) {
        double sum, sumsq;
        X_.moments(j, sh_.data(), sum, sumsq);
        aj_[j] = sum, hj_[j] = sumsq;
        cj_[j] = v + eta * sum;
      }
    };
    if (idx == nullptr)
      for (int64_t j = 0; j < p_; ++j) visit(j);
    else
      for (int64_t j : *idx) visit(j);
    Gap g;
    g.kappa = m > alpha_ ? alpha_ / m : 1.0;
    double l1 = 0.0;
    for (int64_t j = 0; j < p_; ++j) l1 += std::fabs(w_[j]);
    g.primal = L_ + alpha_ * l1;
    // q_i = −y_i θ_i κ ∈ [0, 1]; 1 − q_i computed from csig without cancellation.
    double dual = 0.0;
    const double k = g.kappa;
    for (int64_t i = 0; i < n_; ++i) {
      const double corr = d_.y[i] * eta * sig_[i] * csig_[i];
      double q = k * (sig_[i] + corr), r = (1.0 - k) + k * (csig_[i] - corr);
      q = std::min(1.0, std::max(0.0, q)), r = std::min(1.0, std::max(0.0, r));
      dual -= sw(i) * (xlogx(q) + xlogx(r));
    }
    g.gap = g.primal - dual;
    if (std::isfinite(g.gap) && g.gap < 0) g.gap = 0.0;
    return g;
  }

  // y += a·(s ∘ x_j).
  void weighted_axpy(int64_t j, double a, const double* s, double* y) const {
    switch (X_.layout) {
      case Layout::ColMajor: {
        const double* x = X_.data + j * X_.ld;
        for (int64_t i = 0; i < n_; ++i) y[i] += a * s[i] * x[i];
        return;
      }
      case Layout::RowMajor: {
        const double* x = X_.data + j;
        for (int64_t i = 0; i < n_; ++i) y[i] += a * s[i] * x[i * X_.ld];
        return;
      }
      case Layout::Csc:
        for (int32_t q = X_.colPtr[j]; q < X_.colPtr[j + 1]; ++q)
          y[X_.rowIdx[q]] += a * s[X_.rowIdx[q]] * X_.values[q];
        return;
    }
  }

  // One proximal Newton step on W (evaluate(&W, true) just ran).
  Step newton_step(const std::vector<int64_t>& W, LogisticResult& res) {
    // The KKT violation at δ = 0 (the model's gradient is the true one there).
    auto viol = [&](double wj, double grad) {
      return wj != 0.0 ? std::fabs(grad + (wj > 0 ? alpha_ : -alpha_))
                       : std::max(0.0, std::fabs(grad) - alpha_);
    };
    double kkt0 = fit_ ? std::fabs(G_) : 0.0;
    for (int64_t j : W) kkt0 = std::max(kkt0, viol(w_[j], cj_[j]));
    if (kkt_first_ < 0) kkt_first_ = kkt0;
    // Forcing term min(0.3, kkt0/kkt_first): linear far away, superlinear near the solution.
    // ... but not below what rounding lets coordinate descent reach (1e-13 of the gradients'
    // scale): past that the epochs only churn.
    double gscale = alpha_;
    for (int64_t j : W) gscale = std::max(gscale, std::fabs(cj_[j]));
    const double target =
        std::max(kkt0 * std::min(0.3, kkt_first_ > 0 ? kkt0 / kkt_first_ : 0.3), 1e-13 * gscale);
    std::fill(u_.begin(), u_.end(), 0.0);
    for (int64_t j : W) dw_[j] = 0.0;
    double off = 0.0, hu = 0.0;
    for (int64_t ep = 0; ep < opt_.max_epochs_per_step; ++ep) {
      const StopReason s = ctl_.poll();
      if (s != StopReason::None) {
        stop_ = s;
        return Step::Stopped;
      }
      double kmax = 0.0;
      bool moved = false;
      if (fit_ && H_ > 0) {
        const double gc = G_ + hu + off * H_;
        kmax = std::fabs(gc);
        const double o = off - gc / H_;
        moved = moved || o != off;
        off = o;
      }
      for (int64_t j : W) {
        const double H = hj_[j];
        if (!(H > 0)) continue;
        const double cur = w_[j] + dw_[j];
        const double grad = cj_[j] + X_.dot(e_.k, j, u_.data(), nullptr) + off * aj_[j];
        kmax = std::max(kmax, viol(cur, grad));
        const double nw = soft(cur * H - grad, alpha_) / H;
        const double delta = nw - cur;
        if (delta != 0.0) {
          moved = true;
          weighted_axpy(j, delta, sh_.data(), u_.data());
          hu += delta * aj_[j];
          dw_[j] += delta;
        }
      }
      ++res.epochs;
      if (kmax <= target || !moved) break;
    }
    // The direction's z-step X_W δw + δc, and its Armijo decrease Δ = ∇fᵀd + α(‖w + δw‖₁ − ‖w‖₁).
    std::fill(zt_.begin(), zt_.end(), off);
    for (int64_t j : W)
      if (dw_[j] != 0.0) X_.axpy(e_.k, j, dw_[j], zt_.data());
    double delta_dec = 0.0;
    for (int64_t i = 0; i < n_; ++i) delta_dec += sg_[i] * zt_[i];
    double l1_old = 0.0, l1_new = 0.0;
    for (int64_t j : W) l1_old += std::fabs(w_[j]), l1_new += std::fabs(w_[j] + dw_[j]);
    delta_dec += alpha_ * (l1_new - l1_old);
    const double P0 = L_ + alpha_ * l1_old;  // the rest of ‖w‖₁ cancels
    // Near the solution the decrease (second order in the step) drops below the rounding of P
    // while the gap (first order) is still above tol: a unit step that does not raise P beyond
    // rounding is taken then (rounding_step_ tells the caller, which watches the gap).
    const double noise = 64.0 * std::numeric_limits<double>::epsilon() * (L_ + alpha_ * l1_old);
    const bool tiny = std::fabs(delta_dec) <= noise;
    rounding_step_ = false;
    if (!(delta_dec < 0) && !tiny) return Step::NoDescent;
    double t = 1.0;
    bool ok = false;
    for (int k = 0; k < 40; ++k, t *= 0.5) {
      double l1 = 0.0;
      for (int64_t j : W) l1 += std::fabs(w_[j] + t * dw_[j]);
      const double Pt = loss(zt_.data(), t) + alpha_ * l1;
      if (delta_dec < 0 && Pt <= P0 + 1e-4 * t * delta_dec) {
        ok = true;
        break;
      }
      if (tiny) {  // the unit step only
        ok = rounding_step_ = Pt <= P0 + noise;
        break;
      }
    }
    if (!ok) return Step::NoDescent;
    for (int64_t j : W) w_[j] += t * dw_[j];
    c_ += t * off;
    for (int64_t i = 0; i < n_; ++i) z_[i] += t * zt_[i];
    ++res.iterations;
    return Step::Done;
  }

  LogisticResult run(const double* w0) {
    LogisticResult res;
    fit_ = opt_.fit_intercept;
    c_ = d_.c0;
    if (w0 != nullptr && opt_.lambda < d_.lambda_max)
      for (int64_t j = 0; j < p_; ++j) w_[j] = w0[j];
    rebuild_z();
    const double tol_abs = opt_.tol * d_.P0 * d_.S;
    res.tol_gap = opt_.tol * d_.P0;
    res.lambda_max = d_.lambda_max;
    if (opt_.lambda >= d_.lambda_max) {  // w = 0 exactly, c = c0
      const Gap g = evaluate(nullptr, false);
      res.coef = w_;
      res.intercept = c_;
      res.objective = g.primal / d_.S;
      res.dual_gap = g.gap / d_.S;
      if (opt_.history) res.history.push_back(res.dual_gap);
      res.reason = Reason::Tol;
      return res;
    }
    const bool use_ws = opt_.working_set && alpha_ > 0;
    std::vector<double> w_finite = w_;
    double c_finite = c_;
    double last_gap = kInf, gap0 = -1.0;
    int64_t ws_floor = std::max<int64_t>(1, opt_.working_set_start), ws_size = ws_floor;
    bool stalled_full = false;
    Gap g;
    for (;;) {
      rebuild_z();
      g = evaluate(nullptr, false);
      if (!std::isfinite(g.gap) || !std::isfinite(g.primal)) {
        res.reason = Reason::NonFinite;
        w_ = w_finite, c_ = c_finite;
        g = Gap{kInf, kInf, 1.0};
        break;
      }
      w_finite = w_, c_finite = c_;
      if (opt_.history) res.history.push_back(g.gap / d_.S);
      if (gap0 < 0) gap0 = g.gap;
      if (ctl_.wants_progress()) {
        ProgressInfo pi;
        pi.iteration = res.iterations;
        pi.total = opt_.max_iterations;
        pi.value = g.gap / d_.S;
        pi.fraction = krylov::progress_fraction(gap0, g.gap, tol_abs);
        ctl_.progress(pi);
      }
      if (g.gap <= tol_abs) {
        res.reason = Reason::Tol;
        break;
      }
      if (stop_ != StopReason::None) {
        res.reason = reason_from_stop(stop_);
        break;
      }
      if (stalled_full) {
        res.reason = Reason::Stagnation;
        break;
      }
      if (res.iterations >= opt_.max_iterations) {
        res.reason = Reason::MaxIterations;
        break;
      }
      ++res.outer_iterations;
      // The working set: the support, then the features closest to an active dual constraint.
      std::vector<std::pair<double, int64_t>> score;
      int64_t nnz = 0;
      for (int64_t j = 0; j < p_; ++j) {
        double sc = -kInf;
        if (w_[j] != 0.0) ++nnz;
        else if (use_ws) {
          const double corr = g.kappa * std::fabs(xt_[j]) / alpha_;
          sc = d_.colnorm[j] > 0 ? (1.0 - corr) / d_.colnorm[j] : kInf;
        }
        score.emplace_back(sc, j);
      }
      if (use_ws) {
        if (res.outer_iterations > 1 && g.gap >= last_gap) ws_floor = 2 * ws_size;
        ws_size = std::min(p_, std::max(ws_floor, 2 * nnz));
        if (ws_size < p_) std::nth_element(score.begin(), score.begin() + ws_size, score.end());
      } else {
        ws_size = p_;
      }
      std::vector<int64_t> W;
      for (int64_t k = 0; k < ws_size; ++k) W.push_back(score[k].second);
      std::sort(W.begin(), W.end());
      last_gap = g.gap;
      const double target = std::max(0.3 * g.gap, 0.5 * tol_abs);
      double prev_ws_gap = kInf;
      while (res.iterations < opt_.max_iterations) {
        const Gap gw = evaluate(&W, true);
        // A step taken at the rounding floor of P must still lower the gap.
        const bool no_gain = rounding_step_ && !(gw.gap < 0.5 * prev_ws_gap);
        prev_ws_gap = gw.gap;
        if (!std::isfinite(gw.gap) || gw.gap <= target) break;
        const Step s = no_gain ? Step::NoDescent : newton_step(W, res);
        if (s == Step::Stopped) break;
        if (s == Step::NoDescent) {
          if (ws_size == p_) stalled_full = true;
          else ws_floor = std::max(ws_floor, 2 * ws_size);
          break;
        }
      }
    }
    res.coef = w_;
    res.intercept = fit_ ? c_ : 0.0;
    res.objective = g.primal / d_.S;
    res.dual_gap = g.gap / d_.S;
    return res;
  }

 private:
  const Engine& e_;
  const Design& X_;
  Data& d_;
  const LogisticOptions& opt_;
  Control& ctl_;
  int64_t n_, p_;
  double alpha_ = 0.0;
  bool fit_ = false;
  double c_ = 0.0;
  double L_ = 0.0, G_ = 0.0, H_ = 0.0;
  double kkt_first_ = -1.0;
  bool rounding_step_ = false;
  StopReason stop_ = StopReason::None;
  std::vector<double> w_, xt_, cj_, aj_, hj_, dw_;
  std::vector<double> z_, sig_, csig_, sg_, sh_, st_, u_, zt_;
};

}  // namespace

LogisticResult logistic_l1(const Engine& e, const LogisticProblem& pr, const LogisticOptions& opt,
                           Control& ctl, const double* w0) {
  check_options(opt);
  Data d = prepare(e, pr, opt.fit_intercept);
  if (w0 != nullptr)
    for (int64_t j = 0; j < d.p; ++j)
      if (!std::isfinite(w0[j]))
        fail("ERR_INVALID_ARGUMENT", "w0", "non-finite entry at " + std::to_string(j));
  Solver solver(e, pr.X, d, opt, ctl);
  return solver.run(w0);
}

double logistic_lambda_max(const Engine& e, const LogisticProblem& pr, bool fit_intercept) {
  return prepare(e, pr, fit_intercept).lambda_max;
}

}  // namespace bcd
}  // namespace itersolve
