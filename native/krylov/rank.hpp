// Numerical rank of the triangular factor R of GMRES-type least-squares problems, column by
// column: an incremental estimate of σ_min(R) (Bischof's incremental condition estimation, 1990).
// Used by gmres.cpp and gcrotmk.cpp to tell a numerically dependent Hessenberg column from an
// ill-conditioned but independent one, relative to ‖A M⁻¹‖.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace itersolve {
namespace krylov {

// Tracks an approximate left singular vector w of the smallest singular value of the leading
// j×j block of an upper-triangular R (‖w‖ = 1, σ = ‖wᵀR‖ ≥ σ_min(R), usually within a small
// factor). Adding a column [v; γ] (v = R's new column above the diagonal, γ = the diagonal)
// chooses w' = [s·w; c] minimising ‖w'ᵀR'‖ over s² + c² = 1: a 2×2 symmetric eigenproblem
// [[σ² + α², αγ], [αγ, γ²]] with α = wᵀv, whose smallest eigenvalue is σ²γ²/λ_max (the
// determinant over the largest eigenvalue: no cancellation). O(j) per column.
class IncrementalSigmaMin {
 public:
  explicit IncrementalSigmaMin(size_t capacity) : w_(capacity) {}
  void reset() {
    j_ = 0;
    sigma_ = 0.0;
  }
  double sigma() const { return sigma_; }
  // σ_min estimate of R with the column [v; gamma] appended (not committed). `scale` (> 0) is any
  // figure of R's size (values are scaled by it, so squares neither overflow nor underflow). The
  // signs of v and gamma matter (they decide w'), not only their sizes.
  double trial(const double* v, double gamma, double scale) {
    if (j_ == 0) {
      pending_s_ = 0.0;
      pending_c_ = 1.0;
      return std::fabs(gamma);
    }
    double alpha = 0.0;
    for (size_t i = 0; i < j_; ++i) alpha += w_[i] * v[i];
    const double s = sigma_ / scale, a = alpha / scale, g = gamma / scale;
    const double p = s * s + a * a, q = g * g, off = a * g;  // [[p, off], [off, q]]
    const double half = 0.5 * (p - q);
    const double lmax = 0.5 * (p + q) + std::hypot(half, off);
    if (!(lmax > 0.0)) {  // R' = 0 so far
      pending_s_ = 0.0;
      pending_c_ = 1.0;
      return 0.0;
    }
    // Eigenvector of λ_max from the better conditioned of its two forms; w' is orthogonal to it.
    double e1, e2;
    if (off == 0.0) {
      e1 = p >= q ? 1.0 : 0.0;
      e2 = 1.0 - e1;
    } else {
      const double u1 = lmax - q, u2 = off;  // (λ − q, off)
      const double t1 = off, t2 = lmax - p;  // (off, λ − p)
      if (std::hypot(u1, u2) >= std::hypot(t1, t2)) {
        e1 = u1;
        e2 = u2;
      } else {
        e1 = t1;
        e2 = t2;
      }
      const double en = std::hypot(e1, e2);
      e1 /= en;
      e2 /= en;
    }
    pending_s_ = -e2;
    pending_c_ = e1;
    return scale * (s * std::fabs(g) / std::sqrt(lmax));
  }
  // Keeps the column last passed to trial(), whose estimate was `sigma`.
  void commit(double sigma) {
    for (size_t i = 0; i < j_; ++i) w_[i] *= pending_s_;
    w_[j_++] = pending_c_;
    sigma_ = sigma;
  }

 private:
  std::vector<double> w_;
  size_t j_ = 0;
  double sigma_ = 0.0;
  double pending_s_ = 0.0, pending_c_ = 1.0;
};

// The Givens QR of the Hessenberg matrix H̄ that GMRES-type methods build a column at a time,
// and the small least-squares solve min ‖β e₁ − H̄ y‖ = |g_k| it gives. H is column-major with
// leading dimension ld; rotation i is (cs[i], sn[i]).

// Applies rotations 0..j−1 to column h (entries 0..j).
inline void apply_rotations(const double* cs, const double* sn, int64_t j, double* h) {
  for (int64_t i = 0; i < j; ++i) {
    const double t = cs[i] * h[i] + sn[i] * h[i + 1];
    h[i + 1] = -sn[i] * h[i] + cs[i] * h[i + 1];
    h[i] = t;
  }
}

// Rotation j eliminates h[j+1] (rr = hypot(h[j], h[j+1]) > 0) and is applied to g; returns the
// least-squares residual |g[j+1]|.
inline double new_rotation(double* cs, double* sn, int64_t j, double rr, double* h, double* g) {
  cs[j] = h[j] / rr;
  sn[j] = h[j + 1] / rr;
  h[j] = rr;
  h[j + 1] = 0.0;
  g[j + 1] = -sn[j] * g[j];
  g[j] = cs[j] * g[j];
  return std::fabs(g[j + 1]);
}

// y = R⁻¹ g for the leading k×k upper triangle R of H.
inline void back_substitute(const double* H, int64_t ld, const double* g, int64_t k, double* y) {
  for (int64_t i = k - 1; i >= 0; --i) {
    double s = g[i];
    for (int64_t l = i + 1; l < k; ++l) s -= H[static_cast<size_t>(l) * ld + i] * y[l];
    y[i] = s / H[static_cast<size_t>(i) * ld + i];
  }
}

}  // namespace krylov
}  // namespace itersolve
