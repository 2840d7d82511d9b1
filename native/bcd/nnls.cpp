// Non-negative least squares: coordinate descent for the support, then Lawson–Hanson from it
// with Householder-QR least-squares solves. The contract is in nnls.hpp.
#include "nnls.hpp"

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

// min ‖M z − rhs‖ for the m×k column-major M (overwritten by its Householder QR), k ≤ m.
// Returns false when R has a pivot ≤ 1e-13·(largest column norm): rank-deficient.
class Qr {
 public:
  Qr(std::vector<double>& M, int64_t m, int64_t k) : M_(M), m_(m), k_(k), tau_(k, 0.0) {
    double big = 0.0;
    for (int64_t c = 0; c < k; ++c) {
      double s = 0.0;
      for (int64_t i = 0; i < m; ++i) s += M[c * m + i] * M[c * m + i];
      big = std::max(big, std::sqrt(s));
    }
    ok_ = k <= m && big > 0;
    for (int64_t c = 0; c < k && ok_; ++c) {
      double* v = &M[c * m];
      double s = 0.0;
      for (int64_t i = c; i < m; ++i) s += v[i] * v[i];
      const double nrm = std::sqrt(s);
      if (!(nrm > 1e-13 * big)) {
        ok_ = false;
        break;
      }
      const double alpha = v[c] > 0 ? -nrm : nrm;  // R_cc
      const double v0 = v[c] - alpha;
      // v = (v0, v[c+1..]) / v0, tau = −v0/alpha; H = I − tau·v·vᵀ
      for (int64_t i = c + 1; i < m; ++i) v[i] /= v0;
      tau_[c] = -v0 / alpha;
      v[c] = alpha;
      for (int64_t q = c + 1; q < k; ++q) apply(c, &M[q * m]);
    }
  }
  bool ok() const { return ok_; }
  // z (k entries) = argmin ‖M z − rhs‖ (rhs m entries, copied).
  void solve(const double* rhs, double* z) const {
    std::vector<double> t(rhs, rhs + m_);
    for (int64_t c = 0; c < k_; ++c) apply(c, t.data());
    for (int64_t c = k_ - 1; c >= 0; --c) {
      double acc = t[c];
      for (int64_t q = c + 1; q < k_; ++q) acc -= M_[q * m_ + c] * z[q];
      z[c] = acc / M_[c * m_ + c];
    }
  }

 private:
  void apply(int64_t c, double* y) const {  // y ← H_c y
    const double* v = &M_[c * m_];
    double d = y[c];
    for (int64_t i = c + 1; i < m_; ++i) d += v[i] * y[i];
    d *= tau_[c];
    y[c] -= d;
    for (int64_t i = c + 1; i < m_; ++i) y[i] -= d * v[i];
  }
  std::vector<double>& M_;
  int64_t m_, k_;
  std::vector<double> tau_;
  bool ok_ = true;
};

class Solver {
 public:
  Solver(const Engine& e, const Design& A, const double* b, const NnlsOptions& opt, Control& ctl,
         NnlsResult& res)
      : e_(e), A_(A), b_(b), opt_(opt), ctl_(ctl), res_(res), m_(A.rows), n_(A.cols) {
    x_.assign(static_cast<size_t>(n_), 0.0);
    r_.assign(b, b + m_);
    w_.assign(static_cast<size_t>(n_), 0.0);
    sqn_.assign(static_cast<size_t>(n_), 0.0);
    for (int64_t j = 0; j < n_; ++j) {
      double s, ss;
      A.moments(j, nullptr, s, ss);
      sqn_[j] = ss;
    }
    refresh();
    scale_ = 0.0;
    for (int64_t j = 0; j < n_; ++j) scale_ = std::max(scale_, std::fabs(w_[j]));
    target_ = opt.tol * scale_;
    res.kkt_target = target_;
    max_it_ = opt.max_iterations >= 0 ? opt.max_iterations : 3 * n_ + 50;
  }

  void run() {
    Reason reason = Reason::MaxIterations;
    StopReason stop = StopReason::None;
    if (!(scale_ > 0)) {
      reason = Reason::Tol;  // Aᵀb = 0: x = 0 is optimal
    } else {
      stop = coordinate_descent();
      if (stop == StopReason::None) reason = active_set(stop);
      if (stop != StopReason::None) reason = reason_from_stop(stop);
    }
    refresh();
    res_.x = x_;
    double rr = 0.0;
    for (int64_t i = 0; i < m_; ++i) rr += r_[i] * r_[i];
    res_.residual_norm = std::sqrt(rr);
    res_.objective = 0.5 * rr;
    res_.kkt = kkt();
    if (reason == Reason::Tol && !(res_.kkt <= target_)) reason = Reason::MaxIterations;
    if (!std::isfinite(res_.kkt) || !std::isfinite(rr)) reason = Reason::NonFinite;
    res_.reason = reason;
    res_.iterations = res_.cd_epochs + res_.active_set_iterations;
  }

 private:
  // r = b − Ax, w = Aᵀr (= −g).
  void refresh() {
    std::copy(b_, b_ + m_, r_.begin());
    for (int64_t j = 0; j < n_; ++j)
      if (x_[j] != 0.0) A_.axpy(e_.k, j, -x_[j], r_.data());
    for (int64_t j = 0; j < n_; ++j) w_[j] = A_.dot(e_.k, j, r_.data(), nullptr);
  }
  double kkt() const {
    double v = 0.0;
    for (int64_t j = 0; j < n_; ++j) v = std::max(v, x_[j] > 0 ? std::fabs(w_[j]) : w_[j]);
    return v;
  }
  bool report(double k) {  // history, progress; false when ctl says stop
    if (opt_.history) res_.history.push_back(k);
    if (k0_ < 0) k0_ = k;
    if (ctl_.wants_progress()) {
      ProgressInfo pi;
      pi.iteration = res_.cd_epochs + res_.active_set_iterations;
      pi.total = max_it_;
      pi.value = k;
      pi.fraction = krylov::progress_fraction(k0_, k, target_);
      ctl_.progress(pi);
    }
    return true;
  }
  int64_t spent() const { return res_.cd_epochs + res_.active_set_iterations; }

  // Epochs of projected coordinate descent until the support has not changed for 3 epochs (at
  // most 100 epochs or half the budget): a warm passive set for Lawson–Hanson.
  StopReason coordinate_descent() {
    std::vector<char> supp(static_cast<size_t>(n_), 0);
    int stable = 0;
    const int64_t cap = std::min<int64_t>(100, max_it_ / 2);
    while (res_.cd_epochs < cap) {
      const StopReason s = ctl_.poll();
      if (s != StopReason::None) return s;
      bool changed = false;
      for (int64_t j = 0; j < n_; ++j) {
        if (!(sqn_[j] > 0)) continue;
        const double g = A_.dot(e_.k, j, r_.data(), nullptr);
        const double nx = std::max(0.0, x_[j] + g / sqn_[j]);
        if (nx != x_[j]) {
          A_.axpy(e_.k, j, x_[j] - nx, r_.data());
          x_[j] = nx;
        }
        const char in = nx > 0;
        changed = changed || in != supp[j];
        supp[j] = in;
      }
      ++res_.cd_epochs;
      refresh();
      const double k = kkt();
      report(k);
      if (!std::isfinite(k)) return StopReason::None;
      if (k <= target_) break;
      stable = changed ? 0 : stable + 1;
      if (stable >= 3) break;
    }
    return StopReason::None;
  }

  // z = argmin ‖A_P z − b‖ with one refinement step; false when A_P is rank-deficient.
  bool least_squares(const std::vector<int64_t>& P, std::vector<double>& z) {
    const int64_t k = static_cast<int64_t>(P.size());
    z.assign(static_cast<size_t>(k), 0.0);
    if (k == 0) return true;
    std::vector<double> M(static_cast<size_t>(m_ * k), 0.0);
    for (int64_t c = 0; c < k; ++c) A_.axpy(e_.k, P[c], 1.0, &M[c * m_]);
    Qr qr(M, m_, k);
    if (!qr.ok()) return false;
    qr.solve(b_, z.data());
    std::vector<double> rr(b_, b_ + m_), dz(static_cast<size_t>(k));
    for (int64_t c = 0; c < k; ++c) A_.axpy(e_.k, P[c], -z[c], rr.data());
    qr.solve(rr.data(), dz.data());
    for (int64_t c = 0; c < k; ++c) z[c] += dz[c];
    return true;
  }

  Reason active_set(StopReason& stop) {
    std::vector<int64_t> P;
    for (int64_t j = 0; j < n_; ++j)
      if (x_[j] > 0) P.push_back(j);
    bool warm = !P.empty();
    std::vector<char> blocked(static_cast<size_t>(n_), 0);
    std::vector<double> z;
    int64_t added = -1;
    for (;;) {
      // Inner loop: the least-squares solution on P, kept feasible by interpolation.
      bool deficient = false;
      for (int guard = 0; guard <= n_ + 1; ++guard) {
        if (!least_squares(P, z)) {
          deficient = true;
          break;
        }
        double alpha = 1.0;
        int64_t out = -1;
        for (size_t c = 0; c < P.size(); ++c)
          if (z[c] <= 0.0) {
            const int64_t j = P[c];
            const double a = x_[j] / (x_[j] - z[c]);
            if (a < alpha || out < 0) alpha = std::min(alpha, a), out = static_cast<int64_t>(c);
          }
        if (out < 0) {
          for (size_t c = 0; c < P.size(); ++c) x_[P[c]] = z[c];
          break;
        }
        if (P[out] == added && x_[added] == 0.0) {  // the new column cannot enter: block it
          blocked[added] = 1;
          P.erase(P.begin() + out);
          added = -1;
          continue;
        }
        for (size_t c = 0; c < P.size(); ++c) x_[P[c]] += alpha * (z[c] - x_[P[c]]);
        x_[P[out]] = 0.0;
        std::vector<int64_t> keep;
        for (int64_t j : P)
          if (x_[j] > 0.0) keep.push_back(j);
          else x_[j] = 0.0;
        P.swap(keep);
      }
      if (deficient) {
        if (warm) {  // restart cold, as scipy
          warm = false;
          std::fill(x_.begin(), x_.end(), 0.0);
          P.clear();
          added = -1;
          std::fill(blocked.begin(), blocked.end(), 0);
          continue;
        }
        if (added >= 0) {  // the new column is dependent on P: block it
          blocked[added] = 1;
          P.erase(std::find(P.begin(), P.end(), added));
          added = -1;
          continue;
        }
        return Reason::MaxIterations;
      }
      refresh();
      ++res_.active_set_iterations;
      const double k = kkt();
      report(k);
      if (!std::isfinite(k)) return Reason::NonFinite;
      if (added >= 0) std::fill(blocked.begin(), blocked.end(), 0);
      int64_t t = -1;
      double best = target_;
      for (int64_t j = 0; j < n_; ++j)
        if (x_[j] == 0.0 && !blocked[j] && w_[j] > best) best = w_[j], t = j;
      if (t < 0) return Reason::Tol;
      stop = ctl_.poll();
      if (stop != StopReason::None) return reason_from_stop(stop);
      if (spent() >= max_it_) return Reason::MaxIterations;
      P.push_back(t);
      std::sort(P.begin(), P.end());
      added = t;
    }
  }

  const Engine& e_;
  const Design& A_;
  const double* b_;
  const NnlsOptions& opt_;
  Control& ctl_;
  NnlsResult& res_;
  int64_t m_, n_;
  std::vector<double> x_, r_, w_, sqn_;
  double scale_ = 0.0, target_ = 0.0, k0_ = -1.0;
  int64_t max_it_ = 0;
};

}  // namespace

NnlsResult nnls(const Engine& e, const Design& A, const double* b, int64_t b_length,
                const NnlsOptions& opt, Control& ctl) {
  if (!(opt.tol >= 0) || !std::isfinite(opt.tol))
    fail("ERR_INVALID_ARGUMENT", "tol", "must be finite and ≥ 0");
  if (opt.max_iterations < -1) fail("ERR_INVALID_ARGUMENT", "maxIterations", "must be ≥ 0");
  try {
    A.validate();
  } catch (const SolverError& err) {  // Design names its matrix "X"
    std::string msg = err.what();
    if (msg.rfind("X: ", 0) == 0) msg = "A: " + msg.substr(3);
    throw SolverError(err.code, msg, -1, "A");
  }
  check_vector(b, b_length, A.rows, "b", false);
  NnlsResult res;
  Solver s(e, A, b, opt, ctl, res);
  s.run();
  return res;
}

}  // namespace bcd
}  // namespace itersolve
