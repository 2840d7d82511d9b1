// Built-in preconditioners: identity, Jacobi, SSOR, IC(0), ILU(0). Builders copy what they need
// from A; apply() is const and keeps no scratch, so one object may serve concurrent solves.
// Triangular solves run in place in z, rows in order (they are sequential by nature).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "ordering.hpp"
#include "../stationary/sweep.hpp"
#include "precond_impl.hpp"

namespace itersolve {
namespace {

using krylov::ScaleConst;
using krylov::ScaleOne;
using krylov::ScaleVec;
using krylov::SsorFactors;
using krylov::tri_backward;
using krylov::tri_forward;
using krylov::TriFactor;
using relax::checked_diagonal;
using relax::TriBuilder;

std::string num(double v) {
  if (std::isnan(v)) return "nan";  // whatever its sign bit
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string at_row(int64_t i) { return " at row " + std::to_string(i); }

void require_square(const char* who, const CsrView& A) {
  if (A.rows != A.cols)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      std::string(who) + ": the matrix must be square, received " +
                          std::to_string(A.rows) + "x" + std::to_string(A.cols));
}

class Identity final : public Preconditioner {
 public:
  explicit Identity(int64_t n) : n_(n) {}
  const char* kind() const override { return "identity"; }
  int64_t size() const override { return n_; }
  bool apply(const Engine& e, const double* r, double* z) const override {
    ops::copy(e, r, z, n_);
    return true;
  }

 private:
  int64_t n_;
};

class Jacobi final : public Preconditioner {
 public:
  explicit Jacobi(std::vector<double> inv) : inv_(std::move(inv)) {}
  const char* kind() const override { return "jacobi"; }
  int64_t size() const override { return static_cast<int64_t>(inv_.size()); }
  bool apply(const Engine& e, const double* r, double* z) const override {
    const double* d = inv_.data();
    ops::for_blocks(e, size(), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) z[i] = d[i] * r[i];
    });
    return true;
  }
  const std::vector<double>& inverse() const { return inv_; }

 private:
  std::vector<double> inv_;
};

class Ssor final : public Preconditioner {
 public:
  explicit Ssor(SsorFactors f) : f_(std::move(f)) {}
  const char* kind() const override { return "ssor"; }
  int64_t size() const override { return f_.n; }
  // z = ω(2−ω)·(D+ωU)⁻¹ D (D+ωL)⁻¹ r = (2−ω)·(D̃+U)⁻¹ D̃ (D̃+L)⁻¹ r, which is
  //   scaled:    (2−ω)·S (I+U_s)⁻¹ (I+L_s)⁻¹ S r
  //   unscaled:  (2−ω)·(I+D̃⁻¹U)⁻¹ (I+D̃⁻¹L)⁻¹ D̃⁻¹ r  (the constant rides on the backward sweep)
  bool apply(const Engine& e, const double* r, double* z) const override {
    const int64_t n = f_.n;
    const double c = 2.0 - f_.omega;
    tri_forward(f_.lower, ScaleVec{f_.s.data()}, r, z, n);
    if (!f_.scaled) {
      tri_backward(f_.upper, ScaleConst{c}, z, n);
      return true;
    }
    tri_backward(f_.upper, ScaleOne{}, z, n);
    const double* s = f_.s.data();
    ops::for_blocks(e, n, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) z[i] *= c * s[i];
    });
    return true;
  }
  const SsorFactors& factors() const { return f_; }

 private:
  SsorFactors f_;
};

// L U with L unit lower (ILU0; IC0 as L̃·(D²L̃ᵀ)) and U's rows scaled by 1/u_ii: the forward
// sweep z_i = r_i − Σ L_ij z_j, the backward z_i = z_i/u_ii − Σ (u_ij/u_ii) z_j. `shift` is the α
// of the factored A + α·diag(A), `factorisations` how many attempts building it took.
class Triangular final : public Preconditioner {
 public:
  Triangular(const char* kind, TriFactor lower, TriFactor upper, std::vector<double> inv_diag,
             double shift, int factorisations)
      : kind_(kind), lower_(std::move(lower)), upper_(std::move(upper)), inv_(std::move(inv_diag)),
        shift_(shift), factorisations_(factorisations) {}
  const char* kind() const override { return kind_; }
  int64_t size() const override { return static_cast<int64_t>(inv_.size()); }
  bool apply(const Engine&, const double* r, double* z) const override {
    tri_forward(lower_, ScaleOne{}, r, z, size());
    tri_backward(upper_, ScaleVec{inv_.data()}, z, size());
    return true;
  }
  double shift() const override { return shift_; }
  int factorisations() const { return factorisations_; }

 private:
  const char* kind_;
  TriFactor lower_, upper_;
  std::vector<double> inv_;
  double shift_;
  int factorisations_;
};

// ---- Manteuffel's shift (precond_impl.hpp) ----

// A pivot is taken as broken down when it is not finite or |pivot| ≤ kTinyPivot·(the scale of
// its row in A + α·diag(A)): below that it holds little but the rounding error of the
// cancellation that produced it, and dividing by it would blow the factors up. IC(0) also stops
// on any pivot ≤ 0 (no square root).
constexpr double kTinyPivot = 1e-12;

struct Breakdown {
  int64_t row = -1;
  double pivot = 0.0;
};

// Runs attempt(α) -> Breakdown (row −1: factored) along the schedule, the retries capped at
// alphaSafe (where success is guaranteed in exact arithmetic; +inf when unknown). Returns the α
// that worked, and the number of attempts in `count`; throws ERR_ZERO_PIVOT naming the row of
// the last breakdown when the schedule runs out.
template <class Attempt>
double search_shift(const char* who, bool positive, const krylov::ShiftSchedule& s,
                    double alphaSafe, Attempt attempt, int& count) {
  double alpha = s.start;
  count = 0;
  for (int k = 0;; ++k) {
    if (k > 0 && alpha >= alphaSafe) alpha = alphaSafe;
    const bool last = k >= s.retries || (k > 0 && alpha >= alphaSafe);
    ++count;
    const Breakdown b = attempt(alpha);
    if (b.row < 0) return alpha;
    if (last) {
      const char* what = !std::isfinite(b.pivot)      ? "non-finite"
                         : positive && b.pivot <= 0.0 ? "non-positive"
                         : b.pivot == 0.0             ? "zero"
                                                      : "tiny";
      std::string msg = std::string(who) + ": " + what + " pivot " + num(b.pivot) + at_row(b.row);
      if (count == 1 && alpha == 0.0) msg += " (no diagonal shift tried)";
      else if (count == 1)
        msg += " with the diagonal shift α = " + num(alpha) + " (factoring A + α·diag(A))";
      else
        msg += " even with the diagonal shift α = " + num(alpha) + ", the largest of " +
               std::to_string(count) +
               " factorisations of A + α·diag(A) tried from α = " + num(s.start);
      if (k > 0 && alpha >= alphaSafe)
        msg +=
            "; A + α·diag(A) is diagonally dominant there, so rounding broke it down (A's "
            "entries span too wide a range)";
      throw SolverError("ERR_ZERO_PIVOT", msg, b.row);
    }
    alpha = k == 0 ? (s.first > alpha ? s.first : alpha * s.growth) : alpha * s.growth;
  }
}

// ---- IC(0) ----

// The lower triangle of a symmetric A, columns ascending and the diagonal last in each row,
// checked for what no shift can cure: a missing, non-positive or non-finite diagonal entry (a_ii
// = e_iᵀ A e_i ≤ 0 shows that A is not positive definite) and a non-finite entry.
struct LowerTriangle {
  std::vector<int32_t> rp, ci;
  std::vector<double> v;
};

LowerTriangle ic0_lower(const CsrView& A) {
  const int64_t n = A.rows;
  LowerTriangle L;
  L.rp.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1] && A.colIdx[k] <= i; ++k) {
      L.ci.push_back(A.colIdx[k]);
      L.v.push_back(A.values[k]);
    }
    const int32_t s = L.rp[i], e = static_cast<int32_t>(L.ci.size());
    L.rp[i + 1] = e;
    if (e == s || L.ci.back() != i)
      throw SolverError("ERR_ZERO_PIVOT",
                        "ic0: row " + std::to_string(i) + " has no diagonal entry", i);
    for (int32_t k = s; k < e - 1; ++k)
      if (!std::isfinite(L.v[k]))
        throw SolverError("ERR_ZERO_PIVOT",
                          "ic0: non-finite entry " + num(L.v[k]) + at_row(i) + ", column " +
                              std::to_string(L.ci[k]),
                          i);
    const double d = L.v[e - 1];
    if (!std::isfinite(d))
      throw SolverError("ERR_ZERO_PIVOT", "ic0: non-finite diagonal entry " + num(d) + at_row(i),
                        i);
    if (d <= 0.0)
      throw SolverError("ERR_ZERO_PIVOT",
                        "ic0: non-positive pivot " + num(d) + at_row(i) +
                            ": A's own diagonal entry, so A is not positive definite",
                        i);
  }
  return L;
}

// The α beyond which A + α·diag(A) is strictly diagonally dominant, both triangles counted from
// the lower one: max_i Σ_{j≠i} |a_ij| / √(a_ii a_jj) − 1, with a 0.1 % margin on the diagonal.
double ic0_safe_shift(const LowerTriangle& L) {
  const int64_t n = static_cast<int64_t>(L.rp.size()) - 1;
  std::vector<double> sum(n, 0.0), root(n);
  for (int64_t i = 0; i < n; ++i) root[i] = std::sqrt(L.v[L.rp[i + 1] - 1]);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = L.rp[i]; k < L.rp[i + 1] - 1; ++k) {
      const double a = std::fabs(L.v[k]) / (root[i] * root[L.ci[k]]);
      sum[i] += a;
      sum[L.ci[k]] += a;
    }
  double m = 0.0;
  for (double x : sum) m = std::max(m, x);
  return std::max(0.0, 1.001 * m - 1.0);
}

// IC(0) of A + α·diag(A) on L's pattern into f, row by row:
//   l_ij = (a_ij − Σ_{m<j} l_im l_jm) / l_jj  (j < i in the pattern),
//   l_ii = √((1+α)·a_ii − Σ_{m<i} l_im²).
// pos: n entries of −1 (left so).
Breakdown ic0_factor(const LowerTriangle& L, double alpha, std::vector<double>& f,
                     std::vector<int32_t>& pos) {
  const int64_t n = static_cast<int64_t>(L.rp.size()) - 1;
  const int32_t* rp = L.rp.data();
  const int32_t* ci = L.ci.data();
  f = L.v;
  double* v = f.data();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t s = rp[i], e = rp[i + 1];
    for (int32_t k = s; k < e; ++k) pos[ci[k]] = k;
    const double aii = (1.0 + alpha) * v[e - 1];
    double diag = aii;
    for (int32_t k = s; k < e - 1; ++k) {
      const int32_t j = ci[k];
      const int32_t js = rp[j], je = rp[j + 1] - 1;
      double a = v[k];
      for (int32_t m = js; m < je; ++m) {
        const int32_t p = pos[ci[m]];
        if (p >= 0) a -= v[p] * v[m];
      }
      a /= v[je];
      v[k] = a;
      diag -= a * a;
    }
    for (int32_t k = s; k < e; ++k) pos[ci[k]] = -1;
    if (!(diag > kTinyPivot * aii) || !std::isfinite(diag)) return Breakdown{i, diag};
    v[e - 1] = std::sqrt(diag);
  }
  return Breakdown{};
}

// ---- ILU(0) ----

// IKJ ILU(0) of A + α·diag(A) restricted to A's pattern, into f (A's values, then the factors in
// place). diag[i]: the entry of a_ii; scale[i] = max_{j≠i} |a_ij| (the row's scale with
// (1+α)|a_ii|). pos: n entries of −1 (left so).
Breakdown ilu0_factor(int64_t n, const std::vector<int32_t>& rp, const std::vector<int32_t>& ci,
                      const std::vector<double>& a, const std::vector<int32_t>& diag,
                      const std::vector<double>& scale, double alpha, std::vector<double>& f,
                      std::vector<int32_t>& pos) {
  f = a;
  double* v = f.data();
  for (int64_t i = 0; i < n; ++i) v[diag[i]] *= 1.0 + alpha;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t s = rp[i], e = rp[i + 1];
    for (int32_t k = s; k < e; ++k) pos[ci[k]] = k;
    for (int32_t k = s; k < diag[i]; ++k) {
      const int32_t j = ci[k];
      const double l = v[k] / v[diag[j]];
      v[k] = l;
      for (int32_t m = diag[j] + 1; m < rp[j + 1]; ++m) {
        const int32_t p = pos[ci[m]];
        if (p >= 0) v[p] -= l * v[m];
      }
    }
    for (int32_t k = s; k < e; ++k) pos[ci[k]] = -1;
    const double piv = v[diag[i]];
    const double rowScale = std::max(scale[i], (1.0 + alpha) * std::fabs(a[diag[i]]));
    if (!(std::fabs(piv) > kTinyPivot * rowScale)) return Breakdown{i, piv};  // also NaN
  }
  return Breakdown{};
}

}  // namespace

std::unique_ptr<Preconditioner> make_identity(int64_t n) { return std::make_unique<Identity>(n); }

std::unique_ptr<Preconditioner> make_jacobi(const CsrView& A) {
  require_square("jacobi", A);
  std::vector<double> d = checked_diagonal("jacobi", A);
  for (double& v : d) v = 1.0 / v;
  return std::make_unique<Jacobi>(std::move(d));
}

std::unique_ptr<Preconditioner> make_ssor(const CsrView& A, double omega) {
  if (!(omega > 0.0 && omega < 2.0))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "ssor: omega must be in (0, 2), received " + num(omega));
  require_square("ssor", A);
  const int64_t n = A.rows;
  SsorFactors f;
  f.n = n;
  f.omega = omega;
  f.source = krylov::fingerprint(A);
  f.s = checked_diagonal("ssor", A);
  f.scaled = std::all_of(f.s.begin(), f.s.end(), [](double d) { return d > 0.0; });
  for (double& d : f.s) d = f.scaled ? std::sqrt(omega / d) : omega / d;
  // scaled: a_ij·σ_i·σ_j; else a_ij/d̃_i
  const double* s = f.s.data();
  TriBuilder lo(n, true), up(n, false);
  for (int64_t i = 0; i < n; ++i) {
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k) {
      const int32_t j = A.colIdx[k];
      const double v = f.scaled ? A.values[k] * s[i] * s[j] : A.values[k] * s[i];
      if (j < i) lo.add(i, j, v);
      else if (j > i) up.add(i, j, v);
    }
    lo.end_row();
    up.end_row();
  }
  f.lower = lo.finish();
  f.upper = up.finish();
  return std::make_unique<Ssor>(std::move(f));
}

namespace krylov {

ShiftSchedule default_shift_schedule() {
  ShiftSchedule s;
  s.start = 0.0;
  s.first = kShiftFirst;
  s.growth = kShiftGrowth;
  s.retries = kShiftRetries;
  return s;
}

std::unique_ptr<Preconditioner> make_ic0(const CsrView& A, const ShiftSchedule& schedule) {
  require_square("ic0", A);
  const int64_t n = A.rows;
  const LowerTriangle L = ic0_lower(A);
  std::vector<double> v;
  std::vector<int32_t> pos(n, -1);
  int count = 0;
  const double alpha = search_shift(
      "ic0", true, schedule, ic0_safe_shift(L), [&](double a) { return ic0_factor(L, a, v, pos); },
      count);
  const std::vector<int32_t>& rp = L.rp;
  const std::vector<int32_t>& ci = L.ci;
  // As L̃ D² L̃ᵀ with L̃ = L D⁻¹ unit lower, D = diag(l_ii): the forward sweep needs no scale and
  // the backward one z_i = z_i/l_ii² − Σ_{j>i} l̃_ji z_j.
  std::vector<double> inv(n);
  for (int64_t i = 0; i < n; ++i) inv[i] = 1.0 / v[rp[i + 1] - 1];
  TriBuilder lo(n, true);
  std::vector<int32_t> cnt(n + 1, 0);  // L̃ᵀ row counts, then row starts
  for (int64_t i = 0; i < n; ++i) {
    for (int32_t k = rp[i]; k < rp[i + 1] - 1; ++k) {
      v[k] *= inv[ci[k]];
      lo.add(i, ci[k], v[k]);
      ++cnt[ci[k] + 1];
    }
    lo.end_row();
  }
  for (int64_t i = 0; i < n; ++i) cnt[i + 1] += cnt[i];
  // L̃ᵀ in CSR (columns ascending within each row, since rows of L̃ are visited in order).
  std::vector<int32_t> tci(cnt[n]);
  std::vector<double> tv(tci.size());
  std::vector<int32_t> fill(cnt.begin(), cnt.end() - 1);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = rp[i]; k < rp[i + 1] - 1; ++k) {
      const int32_t at = fill[ci[k]]++;
      tci[at] = static_cast<int32_t>(i);
      tv[at] = v[k];
    }
  TriBuilder up(n, false);
  for (int64_t i = 0; i < n; ++i) {
    for (int32_t k = cnt[i]; k < cnt[i + 1]; ++k) up.add(i, tci[k], tv[k]);
    up.end_row();
  }
  for (double& d : inv) d *= d;
  return std::make_unique<Triangular>("ic0", lo.finish(), up.finish(), std::move(inv), alpha,
                                      count);
}

std::unique_ptr<Preconditioner> make_ilu0(const CsrView& A, const ShiftSchedule& schedule) {
  require_square("ilu0", A);
  // A missing or zero diagonal entry would stop plain ILU(0) at once (LP bases such as bp_800
  // have almost none): reorder and scale for a unit diagonal first (ordering.hpp).
  if (needs_reordering(A)) return make_ilu0_reordered(A, kIlu0PivotShift);
  const int64_t n = A.rows;
  const int32_t base = A.rowPtr[0];
  const int32_t nnz = A.rowPtr[n] - base;
  std::vector<int32_t> rp(n + 1);
  for (int64_t i = 0; i <= n; ++i) rp[i] = A.rowPtr[i] - base;
  std::vector<int32_t> ci(A.colIdx + base, A.colIdx + base + nnz);
  std::vector<double> a(A.values + base, A.values + base + nnz);
  std::vector<int32_t> diag(n);
  std::vector<double> scale(n, 0.0);  // max_{j≠i} |a_ij|
  double alphaSafe = 0.0;             // max_i Σ_{j≠i} |a_ij| / |a_ii| − 1 (row dominance)
  for (int64_t i = 0; i < n; ++i) {
    const auto b = ci.begin() + rp[i], e = ci.begin() + rp[i + 1];
    const auto it = std::lower_bound(b, e, static_cast<int32_t>(i));
    if (it == e || *it != i)
      throw SolverError("ERR_ZERO_PIVOT",
                        "ilu0: row " + std::to_string(i) + " has no diagonal entry", i);
    diag[i] = static_cast<int32_t>(it - ci.begin());
    double sum = 0.0;
    for (int32_t k = rp[i]; k < rp[i + 1]; ++k) {
      if (!std::isfinite(a[k]))
        throw SolverError("ERR_ZERO_PIVOT",
                          "ilu0: non-finite " + std::string(k == diag[i] ? "pivot " : "entry ") +
                              num(a[k]) + at_row(i) +
                              (k == diag[i] ? "" : ", column " + std::to_string(ci[k])),
                          i);
      if (k == diag[i]) continue;
      scale[i] = std::max(scale[i], std::fabs(a[k]));
      sum += std::fabs(a[k]);
    }
    alphaSafe = std::max(alphaSafe, 1.001 * sum / std::fabs(a[diag[i]]) - 1.0);
  }
  std::vector<double> v;
  std::vector<int32_t> pos(n, -1);
  int count = 0;
  const double alpha = search_shift(
      "ilu0", false, schedule, alphaSafe,
      [&](double al) { return ilu0_factor(n, rp, ci, a, diag, scale, al, v, pos); }, count);
  std::vector<double> inv(n);
  TriBuilder lo(n, true), up(n, false);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t d = diag[i];
    const double s = 1.0 / v[d];
    inv[i] = s;
    for (int32_t k = rp[i]; k < d; ++k) lo.add(i, ci[k], v[k]);
    for (int32_t k = d + 1; k < rp[i + 1]; ++k) up.add(i, ci[k], v[k] * s);
    lo.end_row();
    up.end_row();
  }
  return std::make_unique<Triangular>("ilu0", lo.finish(), up.finish(), std::move(inv), alpha,
                                      count);
}

int factorisations(const Preconditioner* M) {
  const auto* t = dynamic_cast<const Triangular*>(M);
  return t != nullptr ? t->factorisations() : 0;
}

}  // namespace krylov

std::unique_ptr<Preconditioner> make_ic0(const CsrView& A) {
  return krylov::make_ic0(A, krylov::default_shift_schedule());
}

std::unique_ptr<Preconditioner> make_ilu0(const CsrView& A) {
  return krylov::make_ilu0(A, krylov::default_shift_schedule());
}

namespace krylov {

uint64_t fingerprint(const CsrView& A) {
  // Entry k contributes (bits(a_k) ^ col_k·φ)·(2k+1): position-sensitive, and the sums of
  // independent terms run at full speed.
  const int64_t base = A.rowPtr[0], nnz = A.rowPtr[A.rows] - base;
  uint64_t h = static_cast<uint64_t>(A.rows) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(nnz);
  for (int64_t i = 0; i <= A.rows; ++i)
    h += static_cast<uint64_t>(A.rowPtr[i] - base) * (2 * static_cast<uint64_t>(i) + 1);
  for (int64_t k = 0; k < nnz; ++k) {
    uint64_t bits;
    std::memcpy(&bits, A.values + base + k, sizeof bits);
    h += (bits ^ (static_cast<uint64_t>(A.colIdx[base + k]) * 0xC2B2AE3D27D4EB4Full)) *
         (2 * static_cast<uint64_t>(k) + 3);
  }
  return h;
}

const SsorFactors* ssor_factors(const Preconditioner* M) {
  const auto* s = dynamic_cast<const Ssor*>(M);
  return s != nullptr ? &s->factors() : nullptr;
}

const std::vector<double>* jacobi_inverse_diagonal(const Preconditioner* M) {
  const auto* j = dynamic_cast<const Jacobi*>(M);
  return j != nullptr ? &j->inverse() : nullptr;
}

}  // namespace krylov
}  // namespace itersolve
