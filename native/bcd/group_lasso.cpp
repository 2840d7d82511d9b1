// Group Lasso by working-set block coordinate descent with group Gap Safe screening and Anderson
// extrapolation. The contract is in group_lasso.hpp.
//
// Everything runs in the unnormalised scale ½ Σ s_i r_i² + α Σ_g ω_g‖w_g‖ (α = λ·S: P·S), as
// bcd::lasso does; results are divided by S. The residual r = y − ȳ − (X − μ)w is kept in n
// entries plus a scalar offset through design.hpp's Centered (sparse X is never densified).
#include "group_lasso.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "cd_common.hpp"

namespace itersolve {
namespace bcd {

Groups groups_from_offsets(const int32_t* off, int64_t length, int64_t p) {
  if (length < 1 || off == nullptr)
    fail("ERR_INVALID_ARGUMENT", "groups", "offsets need at least one entry (0)");
  if (off[0] != 0)
    fail("ERR_INVALID_ARGUMENT", "groups",
         "offsets must start at 0, not " + std::to_string(off[0]));
  Groups g;
  g.ptr.resize(static_cast<size_t>(length));
  g.ptr[0] = 0;
  for (int64_t k = 1; k < length; ++k) {
    if (off[k] == off[k - 1])
      fail("ERR_INVALID_ARGUMENT", "groups", "group " + std::to_string(k - 1) + " is empty");
    if (off[k] < off[k - 1])
      fail("ERR_INVALID_ARGUMENT", "groups",
           "offsets must increase (offsets[" + std::to_string(k) + "] = " + std::to_string(off[k]) +
               " < " + std::to_string(off[k - 1]) + ")");
    g.ptr[k] = off[k];
  }
  if (off[length - 1] != p)
    fail("ERR_DIMENSION_MISMATCH", "groups",
         "offsets end at " + std::to_string(off[length - 1]) + ", expected " + std::to_string(p) +
             " (the columns of X)");
  g.idx.resize(static_cast<size_t>(p));
  std::iota(g.idx.begin(), g.idx.end(), int64_t{0});
  return g;
}

Groups groups_from_labels(const int32_t* labels, int64_t length, int64_t p) {
  if (length != p)
    fail("ERR_DIMENSION_MISMATCH", "groups",
         "has " + std::to_string(length) + " labels, expected " + std::to_string(p) +
             " (the columns of X)");
  if (p > 0 && labels == nullptr) fail("ERR_INVALID_ARGUMENT", "groups", "missing");
  std::vector<std::pair<int32_t, int64_t>> lj(static_cast<size_t>(p));
  for (int64_t j = 0; j < p; ++j) lj[j] = {labels[j], j};
  std::sort(lj.begin(), lj.end());
  Groups g;
  g.idx.resize(static_cast<size_t>(p));
  g.ptr.push_back(0);
  for (int64_t k = 0; k < p; ++k) {
    if (k > 0 && lj[k].first != lj[k - 1].first) g.ptr.push_back(k);
    g.idx[k] = lj[k].second;
  }
  if (p > 0) g.ptr.push_back(p);
  return g;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Validated inputs shared by group_lasso() and group_lambda_max().
struct Data {
  int64_t n = 0, p = 0, G = 0;
  const Groups* groups = nullptr;
  std::vector<double> omega;  // group weights
  Target t;
  bool has_unpenalised = false;
};

void check_groups(const Groups* gr, int64_t p) {
  if (gr == nullptr) fail("ERR_INVALID_ARGUMENT", "groups", "missing");
  const int64_t G = gr->count();
  if (G < 0 || gr->ptr[0] != 0 || gr->ptr[G] != p || static_cast<int64_t>(gr->idx.size()) != p)
    fail("ERR_DIMENSION_MISMATCH", "groups", "do not partition the columns of X");
  std::vector<char> seen(static_cast<size_t>(p), 0);
  for (int64_t g = 0; g < G; ++g) {
    if (gr->ptr[g + 1] <= gr->ptr[g])
      fail("ERR_INVALID_ARGUMENT", "groups", "group " + std::to_string(g) + " is empty");
    for (int64_t k = gr->ptr[g]; k < gr->ptr[g + 1]; ++k) {
      const int64_t j = gr->idx[k];
      if (j < 0 || j >= p || seen[j])
        fail("ERR_INVALID_ARGUMENT", "groups", "do not partition the columns of X");
      seen[j] = 1;
    }
  }
}

Data prepare(const GroupLassoProblem& pr, bool fit_intercept, const Centered& C) {
  Data d;
  d.n = pr.X.rows, d.p = pr.X.cols;
  check_vector(pr.y, pr.y_length, d.n, "y", false);
  if (d.n == 0) fail("ERR_INVALID_ARGUMENT", "X", "has no rows");
  if (!(C.S > 0)) fail("ERR_INVALID_ARGUMENT", "sampleWeight", "the weights sum to zero");
  check_groups(pr.groups, d.p);
  d.groups = pr.groups;
  d.G = pr.groups->count();
  d.omega.resize(static_cast<size_t>(d.G));
  if (pr.group_weights != nullptr) {
    check_vector(pr.group_weights, pr.group_weights_length, d.G, "groupWeights", true);
    for (int64_t g = 0; g < d.G; ++g) d.omega[g] = pr.group_weights[g];
  } else {
    for (int64_t g = 0; g < d.G; ++g)
      d.omega[g] = std::sqrt(static_cast<double>(pr.groups->size(g)));
  }
  for (int64_t g = 0; g < d.G; ++g)
    if (d.omega[g] == 0.0) d.has_unpenalised = true;
  d.t = centre_target(pr.y, pr.sample_weight, d.n, C.S, fit_intercept);
  return d;
}

// Largest eigenvalue of the symmetric m×m matrix A (row-major, destroyed) by cyclic Jacobi
// rotations until the off-diagonal part is negligible.
double jacobi_max_eigenvalue(std::vector<double>& A, int64_t m) {
  auto off = [&]() {
    double acc = 0.0, all = 0.0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < m; ++j) {
        const double v = A[i * m + j] * A[i * m + j];
        all += v;
        if (i != j) acc += v;
      }
    return std::make_pair(acc, all);
  };
  for (int sweep = 0; sweep < 60; ++sweep) {
    const auto [o, all] = off();
    if (!(o > 1e-30 * all)) break;
    for (int64_t p = 0; p < m - 1; ++p)
      for (int64_t q = p + 1; q < m; ++q) {
        const double apq = A[p * m + q];
        if (apq == 0.0) continue;
        const double theta = (A[q * m + q] - A[p * m + p]) / (2.0 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int64_t k = 0; k < m; ++k) {  // columns p, q
          const double akp = A[k * m + p], akq = A[k * m + q];
          A[k * m + p] = c * akp - s * akq;
          A[k * m + q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < m; ++k) {  // rows p, q
          const double apk = A[p * m + k], aqk = A[q * m + k];
          A[p * m + k] = c * apk - s * aqk;
          A[q * m + k] = s * apk + c * aqk;
        }
      }
  }
  double mx = 0.0;
  for (int64_t i = 0; i < m; ++i) mx = std::max(mx, A[i * m + i]);
  return mx;
}

class Solver {
 public:
  Solver(const Centered& C, const Data& d, const GroupLassoOptions& opt, Control& ctl,
         std::vector<double>& w)
      : C_(C), d_(d), gr_(*d.groups), opt_(opt), ctl_(ctl), w_(w), G_(d.G) {
    alpha_ = opt.lambda * C.S;
    r_ = d.t.yc;
    rsum_ = C.weighted_sum(r_.data());
    gnorm_.assign(static_cast<size_t>(G_), 0.0);
    screened_.assign(static_cast<size_t>(G_), 0);
    lipschitz();
    for (int64_t j = 0; j < d.p; ++j)
      if (w_[j] != 0.0) C_.step(j, w_[j], r_.data(), off_, rsum_);
    if (d.has_unpenalised) factor_unpenalised();
  }

  // One block step on group g: w_g ← BST(w_g + v_g/L_g, α ω_g/L_g).
  void update(int64_t g) {
    const int64_t a = gr_.ptr[g], m = gr_.size(g);
    const double L = L_[g];
    if (!(L > 0)) {  // the group's columns vanish (after centring): w_g is free, zero is optimal
      for (int64_t k = 0; k < m; ++k) w_[gr_.idx[a + k]] = 0.0;
      return;
    }
    z_.resize(static_cast<size_t>(m));
    v_.resize(static_cast<size_t>(m));
    cur_.resize(static_cast<size_t>(m));
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = gr_.idx[a + k];
      v_[k] = C_.grad(j, r_.data(), rsum_);
      cur_[k] = w_[j];
    }
    const double thr = alpha_ * d_.omega[g] / L;
    const std::vector<double>* G = gram_[g].empty() ? nullptr : &gram_[g];
    const int steps = G != nullptr ? std::max(1, opt_.block_steps) : 1;
    for (int it = 0; it < steps; ++it) {
      double nz = 0.0;
      for (int64_t k = 0; k < m; ++k) {
        z_[k] = cur_[k] + v_[k] / L;
        nz += z_[k] * z_[k];
      }
      nz = std::sqrt(nz);
      const double scale = thr == 0.0 ? 1.0 : (nz > thr ? 1.0 - thr / nz : 0.0);
      double moved = 0.0, size = 0.0;
      for (int64_t k = 0; k < m; ++k) {
        z_[k] = scale * z_[k] - cur_[k];  // the step δ
        moved = std::max(moved, std::fabs(z_[k]));
        cur_[k] += z_[k];
        size = std::max(size, std::fabs(cur_[k]));
      }
      if (moved == 0.0 || it + 1 == steps || moved <= 1e-3 * size) break;
      // The gradient after the step, without touching the residual: v −= G δ.
      for (int64_t p = 0; p < m; ++p) {
        double acc = 0.0;
        for (int64_t q = 0; q < m; ++q) acc += (*G)[p * m + q] * z_[q];
        v_[p] -= acc;
      }
    }
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = gr_.idx[a + k];
      if (cur_[k] != w_[j]) {
        C_.step(j, cur_[k] - w_[j], r_.data(), off_, rsum_);
        w_[j] = cur_[k];
      }
    }
  }

  struct Gap {
    double gap = 0.0, primal = 0.0, c = 1.0;
  };

  // Duality gap restricted to the groups in idx (all: null); gnorm_ = ‖X̃_gᵀSr‖ for them.
  Gap gap(const std::vector<int64_t>* idx) {
    fold();
    refit_unpenalised();
    rsum_ = C_.weighted_sum(r_.data());
    double dual = 0.0;
    auto visit = [&](int64_t g) {
      double acc = 0.0;
      for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k) {
        const double v = C_.grad(gr_.idx[k], r_.data(), rsum_);
        acc += v * v;
      }
      gnorm_[g] = std::sqrt(acc);
      if (d_.omega[g] > 0) dual = std::max(dual, gnorm_[g] / d_.omega[g]);
    };
    if (idx == nullptr)
      for (int64_t g = 0; g < G_; ++g) visit(g);
    else
      for (int64_t g : *idx) visit(g);
    double r2, ry;
    norms(r2, ry);
    Gap out;
    out.c = (alpha_ > 0 && dual > alpha_) ? alpha_ / dual : 1.0;
    const double pen = penalty();
    out.primal = 0.5 * r2 + alpha_ * pen;
    out.gap = 0.5 * r2 * (1 + out.c * out.c) + alpha_ * pen - out.c * ry;
    if (std::isfinite(out.gap) && out.gap < 0) out.gap = 0.0;  // rounding at the optimum
    return out;
  }

  double primal() {
    rsum_ = C_.weighted_sum(r_.data());
    double r2, ry;
    norms(r2, ry);
    return 0.5 * r2 + alpha_ * penalty();
  }

  // Block descent on the unpenalised groups alone until their steps stall (the start of
  // group_lambda_max and of solves with ω_g = 0 groups).
  void fit_unpenalised() {
    if (exact_u_) {
      refit_unpenalised();
      return;
    }
    std::vector<int64_t> u;
    for (int64_t g = 0; g < G_; ++g)
      if (d_.omega[g] == 0.0) u.push_back(g);
    if (u.empty()) return;
    std::vector<double> old;
    for (int it = 0; it < 100000; ++it) {
      double change = 0.0, scale = 0.0;
      for (int64_t g : u) {
        const int64_t a = gr_.ptr[g], m = gr_.size(g);
        old.assign(static_cast<size_t>(m), 0.0);
        for (int64_t k = 0; k < m; ++k) old[k] = w_[gr_.idx[a + k]];
        update(g);
        double dc = 0.0, sc = 0.0;
        for (int64_t k = 0; k < m; ++k) {
          const double wj = w_[gr_.idx[a + k]];
          dc += (wj - old[k]) * (wj - old[k]), sc += wj * wj;
        }
        change = std::max(change, std::sqrt(dc * L_[g]));
        scale = std::max(scale, std::sqrt(sc * L_[g]));
      }
      if (change <= 1e-15 * std::max(scale, std::sqrt(d_.t.yy))) break;
    }
  }

  GroupLassoResult run() {
    GroupLassoResult res;
    const double tol_abs = opt_.tol * d_.t.yy;
    res.tol_gap = tol_abs / C_.S;
    // With unpenalised groups the rescaled residual is dual feasible only after their exact refit.
    const bool can_screen = opt_.screening && alpha_ > 0 && (!d_.has_unpenalised || exact_u_);
    const bool use_ws = opt_.working_set && alpha_ > 0;
    std::vector<double> w_finite = w_;
    double last_gap = kInf, first_gap = -1.0;
    int64_t ws_floor = std::max<int64_t>(1, opt_.working_set_start), ws_size = ws_floor;
    int64_t epochs = 0;
    StopReason stop = StopReason::None;
    Gap g;
    for (;;) {
      g = gap(nullptr);
      if (!std::isfinite(g.gap) || !std::isfinite(g.primal)) {
        res.reason = Reason::NonFinite;
        restore(w_finite);
        g = Gap{kInf, kInf, 1.0};
        break;
      }
      w_finite = w_;
      if (opt_.history) res.history.push_back(g.gap / C_.S);
      report(epochs, g.gap, first_gap, tol_abs);
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
      // Gap Safe: c·‖X̃_gᵀSr‖/α + √L̄_g·√(2·gap)/α < ω_g ⇒ w_g = 0 at the solution.
      if (can_screen) {
        const double rad = std::sqrt(2.0 * g.gap) / alpha_;
        for (int64_t q = 0; q < G_; ++q) {
          if (screened_[q]) continue;
          if (g.c * gnorm_[q] / alpha_ + std::sqrt(Lbar_[q]) * rad < d_.omega[q]) {
            screened_[q] = 1;
            ++res.screened;
            zero_group(q);
          }
        }
      }
      // The working set of groups.
      std::vector<std::pair<double, int64_t>> score;
      int64_t nnz = 0;
      for (int64_t q = 0; q < G_; ++q) {
        if (screened_[q]) continue;
        const bool on = nonzero(q);
        if (on) ++nnz;
        double sc = -kInf;  // always in: the support and the unpenalised groups
        if (use_ws && !on && d_.omega[q] > 0) {
          const double dist = d_.omega[q] - g.c * gnorm_[q] / alpha_;
          sc = Lbar_[q] > 0 ? dist / std::sqrt(Lbar_[q]) : kInf;
        }
        score.emplace_back(sc, q);
      }
      const int64_t avail = static_cast<int64_t>(score.size());
      if (use_ws) {
        if (res.outer_iterations > 1 && g.gap >= last_gap) ws_floor = 2 * ws_size;
        ws_size = std::min(avail, std::max(ws_floor, 2 * nnz));
        if (ws_size < avail) std::nth_element(score.begin(), score.begin() + ws_size, score.end());
      } else {
        ws_size = avail;
      }
      std::vector<int64_t> ws;
      for (int64_t k = 0; k < std::min(ws_size, avail); ++k) ws.push_back(score[k].second);
      std::sort(ws.begin(), ws.end());
      last_gap = g.gap;
      stop = inner(ws, std::max(0.3 * g.gap, 0.5 * tol_abs), epochs, res);
    }
    res.iterations = epochs;
    res.coef = w_;
    res.objective = g.primal / C_.S;
    res.dual_gap = g.gap / C_.S;
    for (int64_t q = 0; q < G_; ++q)
      if (nonzero(q)) res.active_groups.push_back(static_cast<int32_t>(q));
    return res;
  }

  // ‖X̃_gᵀS r‖ at the current residual for a group (λ_max).
  double group_grad_norm(int64_t g) {
    rsum_ = C_.weighted_sum(r_.data());
    double acc = 0.0;
    for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k) {
      const double v = C_.grad(gr_.idx[k], r_.data(), rsum_);
      acc += v * v;
    }
    return std::sqrt(acc);
  }

 private:
  // The offset folded into the stored residual (r ← r + off, off ← 0): the true residual is
  // unchanged, and r stays the size of the residual rather than growing with μ_j·w_j (with
  // means ≫ spread, the gradients' rounding would grow with it).
  void fold() {
    if (off_ == 0.0) return;
    for (double& ri : r_) ri += off_;
    off_ = 0.0;
    rsum_ = C_.weighted_sum(r_.data());
  }

  // The unpenalised features' centred weighted Gram matrix, Cholesky-factored (a relative jitter
  // of 1e-13·trace when it is singular), when they are at most kExactUnpenalised.
  void factor_unpenalised() {
    for (int64_t g = 0; g < G_; ++g)
      if (d_.omega[g] == 0.0)
        for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k) uf_.push_back(gr_.idx[k]);
    const int64_t U = static_cast<int64_t>(uf_.size());
    if (U == 0 || U > kExactUnpenalised) return;
    gram(uf_.data(), U, Ru_);
    double tr = 0.0;
    for (int64_t k = 0; k < U; ++k) tr += Ru_[k * U + k];
    if (!(tr > 0)) return;
    const std::vector<double> A = Ru_;
    for (double jitter = 0.0; jitter <= 1e-6 * tr;
         jitter = jitter == 0.0 ? 1e-13 * tr : 100 * jitter) {
      Ru_ = A;
      for (int64_t k = 0; k < U; ++k) Ru_[k * U + k] += jitter;
      if (cholesky(Ru_, U)) {
        exact_u_ = true;
        return;
      }
    }
  }
  // In-place lower Cholesky factor of the U×U row-major A; false when not positive definite.
  static bool cholesky(std::vector<double>& A, int64_t U) {
    for (int64_t j = 0; j < U; ++j) {
      double dj = A[j * U + j];
      for (int64_t k = 0; k < j; ++k) dj -= A[j * U + k] * A[j * U + k];
      if (!(dj > 0)) return false;
      dj = std::sqrt(dj);
      A[j * U + j] = dj;
      for (int64_t i = j + 1; i < U; ++i) {
        double v = A[i * U + j];
        for (int64_t k = 0; k < j; ++k) v -= A[i * U + k] * A[j * U + k];
        A[i * U + j] = v / dj;
      }
    }
    return true;
  }
  // The unpenalised coordinates minimised jointly and exactly (one Newton step on a quadratic):
  // afterwards X̃_uᵀ S r = 0, so the rescaled residual satisfies the dual's equality constraints.
  void refit_unpenalised() {
    if (!exact_u_) return;
    const int64_t U = static_cast<int64_t>(uf_.size());
    rsum_ = C_.weighted_sum(r_.data());
    std::vector<double> b(static_cast<size_t>(U));
    for (int64_t k = 0; k < U; ++k) b[k] = C_.grad(uf_[k], r_.data(), rsum_);
    for (int64_t i = 0; i < U; ++i) {  // L z = b
      double v = b[i];
      for (int64_t k = 0; k < i; ++k) v -= Ru_[i * U + k] * b[k];
      b[i] = v / Ru_[i * U + i];
    }
    for (int64_t i = U - 1; i >= 0; --i) {  // Lᵀ δ = z
      double v = b[i];
      for (int64_t k = i + 1; k < U; ++k) v -= Ru_[k * U + i] * b[k];
      b[i] = v / Ru_[i * U + i];
    }
    for (int64_t k = 0; k < U; ++k)
      if (b[k] != 0.0 && std::isfinite(b[k]))
        C_.step(uf_[k], b[k], r_.data(), off_, rsum_), w_[uf_[k]] += b[k];
  }
  // The centred weighted Gram matrix of the m features f (row-major m×m): with u = x_a − μ_a
  // (dense), ⟨x_b − μ_b, u⟩_s = Σ s x_b u − μ_b Σ s u, whose rounding error is relative to the
  // centred entries (not to the means, as Σ s x_a x_b − S μ_a μ_b's would be); the diagonal is
  // Centered's ‖x̃_a‖²_s.
  void gram(const int64_t* f, int64_t m, std::vector<double>& A) {
    const Design& X = *C_.X;
    u_.resize(static_cast<size_t>(d_.n));
    A.assign(static_cast<size_t>(m * m), 0.0);
    for (int64_t p = 0; p < m; ++p) {
      const int64_t jp = f[p];
      A[p * m + p] = C_.sqnorm[jp];
      if (p + 1 == m) break;
      std::fill(u_.begin(), u_.end(), -C_.mu(jp));
      X.axpy(C_.k, jp, 1.0, u_.data());
      const double su = C_.weighted_sum(u_.data());
      for (int64_t q = p + 1; q < m; ++q) {
        const int64_t jq = f[q];
        const double v2 = X.dot(C_.k, jq, u_.data(), C_.s) - C_.mu(jq) * su;
        A[p * m + q] = A[q * m + p] = v2;
      }
    }
  }

  // L_g (the step) and L̄_g ≥ L_g (certified, for screening and scoring) for every group.
  void lipschitz() {
    L_.assign(static_cast<size_t>(G_), 0.0);
    Lbar_.assign(static_cast<size_t>(G_), 0.0);
    gram_.assign(static_cast<size_t>(G_), std::vector<double>());
    gram_budget_ = std::max<int64_t>(16 * d_.p, int64_t{1} << 22);
    const Design& X = *C_.X;
    const int64_t n = d_.n;
    std::vector<double> A, v, t;
    for (int64_t g = 0; g < G_; ++g) {
      const int64_t a = gr_.ptr[g], m = gr_.size(g);
      double trace = 0.0;
      for (int64_t k = 0; k < m; ++k) trace += C_.sqnorm[gr_.idx[a + k]];
      if (m == 1) {
        L_[g] = Lbar_[g] = trace;
        continue;
      }
      if (m <= kExactGroup) {
        gram(&gr_.idx[a], m, A);
        if (opt_.block_steps > 1 && gram_budget_ >= m * m) {  // kept for the inner steps
          gram_[g] = A;
          gram_budget_ -= m * m;
        }
        const double lam = jacobi_max_eigenvalue(A, m);
        L_[g] = std::min(trace, lam);
        Lbar_[g] = std::min(trace, lam * (1.0 + 1e-9) + 1e-300);
        continue;
      }
      // Power iterations on X̃_gᵀ S X̃_g, matrix-free.
      v.assign(static_cast<size_t>(m), 0.0);
      t.assign(static_cast<size_t>(n), 0.0);
      for (int64_t k = 0; k < m; ++k) v[k] = 1.0 + 0.5 * std::sin(1.0 + static_cast<double>(k));
      double rho = 0.0;
      for (int it = 0; it < 200; ++it) {
        std::fill(t.begin(), t.end(), 0.0);
        double shift = 0.0, vv = 0.0;
        for (int64_t k = 0; k < m; ++k) {
          const int64_t j = gr_.idx[a + k];
          X.axpy(C_.k, j, v[k], t.data());
          shift += C_.mu(j) * v[k];
          vv += v[k] * v[k];
        }
        for (int64_t i = 0; i < n; ++i) t[i] -= shift;
        const double tsum = C_.weighted_sum(t.data());
        double vu = 0.0, uu = 0.0;
        for (int64_t k = 0; k < m; ++k) {
          const int64_t j = gr_.idx[a + k];
          const double uk = X.dot(C_.k, j, t.data(), C_.s) - C_.mu(j) * tsum;
          vu += v[k] * uk, uu += uk * uk;
          v[k] = uk;
        }
        const double prev = rho;
        rho = vv > 0 ? vu / vv : 0.0;
        const double nu = std::sqrt(uu);
        if (!(nu > 0)) break;
        for (int64_t k = 0; k < m; ++k) v[k] /= nu;
        if (it > 0 && std::fabs(rho - prev) <= 1e-10 * rho) break;
      }
      L_[g] = std::min(trace, 1.01 * rho);
      Lbar_[g] = trace;
    }
  }

  void norms(double& r2, double& ry) const {
    r2 = 0.0, ry = 0.0;
    const double* s = C_.s;
    for (int64_t i = 0; i < d_.n; ++i) {
      const double ri = r_[i] + off_, wt = s ? s[i] : 1.0;
      r2 += wt * ri * ri, ry += wt * ri * d_.t.yc[i];
    }
  }
  double penalty() const {
    double pen = 0.0;
    for (int64_t g = 0; g < G_; ++g) {
      if (d_.omega[g] == 0.0) continue;
      double acc = 0.0;
      for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k) acc += w_[gr_.idx[k]] * w_[gr_.idx[k]];
      pen += d_.omega[g] * std::sqrt(acc);
    }
    return pen;
  }
  bool nonzero(int64_t g) const {
    for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k)
      if (w_[gr_.idx[k]] != 0.0) return true;
    return false;
  }
  void zero_group(int64_t g) {
    for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k) {
      const int64_t j = gr_.idx[k];
      if (w_[j] != 0.0) C_.step(j, -w_[j], r_.data(), off_, rsum_), w_[j] = 0.0;
    }
  }
  void restore(const std::vector<double>& target) {
    for (int64_t j = 0; j < d_.p; ++j)
      if (target[j] != w_[j])
        C_.step(j, target[j] - w_[j], r_.data(), off_, rsum_), w_[j] = target[j];
  }
  void report(int64_t epochs, double gapv, double& first, double tol_abs) {
    if (!ctl_.wants_progress()) return;
    if (first < 0) first = gapv;
    ProgressInfo pi;
    pi.iteration = epochs;
    pi.total = opt_.max_iterations;
    pi.value = gapv / C_.S;
    if (gapv <= tol_abs) pi.fraction = 1.0;
    else if (first > tol_abs && tol_abs > 0 && gapv > 0)
      pi.fraction = std::clamp(std::log(first / gapv) / std::log(first / tol_abs), 0.0, 1.0);
    ctl_.progress(pi);
  }

  // Block epochs on ws until its restricted gap ≤ target (checked every anderson_every epochs),
  // the epoch budget is spent or ctl says stop.
  StopReason inner(const std::vector<int64_t>& ws, double target, int64_t& epochs,
                   GroupLassoResult& res) {
    const int K = std::max(2, opt_.anderson_every);
    std::vector<int64_t> feats;  // the working set's features, for Anderson
    if (opt_.anderson)
      for (int64_t g : ws)
        for (int64_t k = gr_.ptr[g]; k < gr_.ptr[g + 1]; ++k) feats.push_back(gr_.idx[k]);
    return working_set_epochs(
        ctl_, opt_.max_iterations, epochs, K, opt_.anderson, feats, w_.data(), target,
        [&]() {
          for (int64_t g : ws) update(g);
        },
        [&](const std::vector<double>& hist) { extrapolate(feats, hist, K, res); },
        [&]() { return gap(&ws).gap; });
  }

  void extrapolate(const std::vector<int64_t>& feats, const std::vector<double>& hist, int K,
                   GroupLassoResult& res) {
    const int64_t m = static_cast<int64_t>(feats.size());
    if (!anderson_extrapolate(hist, m, K, acc_)) return;
    const double before = primal();
    std::vector<double> old(static_cast<size_t>(m));
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = feats[k];
      old[k] = w_[j];
      if (acc_[k] != w_[j]) C_.step(j, acc_[k] - w_[j], r_.data(), off_, rsum_), w_[j] = acc_[k];
    }
    if (primal() < before) {
      ++res.anderson_accepted;
      return;
    }
    for (int64_t k = 0; k < m; ++k) {
      const int64_t j = feats[k];
      if (old[k] != w_[j]) C_.step(j, old[k] - w_[j], r_.data(), off_, rsum_), w_[j] = old[k];
    }
  }

  const Centered& C_;
  const Data& d_;
  const Groups& gr_;
  const GroupLassoOptions& opt_;
  Control& ctl_;
  std::vector<double>& w_;
  int64_t G_;
  double alpha_ = 0.0;
  std::vector<double> r_;
  double off_ = 0.0, rsum_ = 0.0;
  std::vector<double> L_, Lbar_, gnorm_, z_, v_, cur_, acc_, u_;
  std::vector<std::vector<double>> gram_;  // X̃_gᵀSX̃_g of the groups of 2..kExactGroup features
  int64_t gram_budget_ = 0;  // doubles the kept Gram matrices may still take
  std::vector<int64_t> uf_;  // the unpenalised features
  std::vector<double> Ru_;  // their Gram matrix's Cholesky factor
  bool exact_u_ = false;
  std::vector<char> screened_;
};

void check_options(const GroupLassoOptions& o) {
  if (!(o.lambda >= 0) || !std::isfinite(o.lambda))
    fail("ERR_INVALID_ARGUMENT", "lambda", "must be finite and ≥ 0");
  if (!(o.tol >= 0) || !std::isfinite(o.tol)) fail("ERR_INVALID_ARGUMENT", "tol", "must be ≥ 0");
  if (o.max_iterations < 0) fail("ERR_INVALID_ARGUMENT", "maxIterations", "must be ≥ 0");
}

}  // namespace

GroupLassoResult group_lasso(const Engine& e, const GroupLassoProblem& pr,
                             const GroupLassoOptions& opt, Control& ctl, const double* w0) {
  check_options(opt);
  pr.X.validate();
  if (pr.sample_weight != nullptr)  // before Centered sums them
    check_vector(pr.sample_weight, pr.sample_weight_length, pr.X.rows, "sampleWeight", true);
  const Centered C(pr.X, e.k, pr.sample_weight, opt.fit_intercept);
  const Data d = prepare(pr, opt.fit_intercept, C);
  std::vector<double> w(static_cast<size_t>(d.p), 0.0);
  if (w0 != nullptr) {
    check_vector(w0, d.p, d.p, "w0", false);
    w.assign(w0, w0 + d.p);
  }
  Solver solver(C, d, opt, ctl, w);
  if (d.has_unpenalised && w0 == nullptr) solver.fit_unpenalised();
  GroupLassoResult res = solver.run();
  res.intercept = 0.0;
  if (opt.fit_intercept) {
    res.intercept = d.t.ybar;
    for (int64_t j = 0; j < d.p; ++j) res.intercept -= C.mu(j) * res.coef[j];
  }
  return res;
}

double group_lambda_max(const Engine& e, const GroupLassoProblem& pr, bool fit_intercept) {
  pr.X.validate();
  if (pr.sample_weight != nullptr)
    check_vector(pr.sample_weight, pr.sample_weight_length, pr.X.rows, "sampleWeight", true);
  const Centered C(pr.X, e.k, pr.sample_weight, fit_intercept);
  const Data d = prepare(pr, fit_intercept, C);
  std::vector<double> w(static_cast<size_t>(d.p), 0.0);
  GroupLassoOptions opt;
  opt.lambda = 0.0;
  Control ctl;
  Solver solver(C, d, opt, ctl, w);
  solver.fit_unpenalised();
  double m = 0.0;
  for (int64_t g = 0; g < d.G; ++g)
    if (d.omega[g] > 0) m = std::max(m, solver.group_grad_norm(g) / d.omega[g]);
  return m / C.S;
}

}  // namespace bcd
}  // namespace itersolve
