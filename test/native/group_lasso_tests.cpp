// Group Lasso by block coordinate descent (native/bcd/group_lasso.hpp). Checks:
//  - against a plain FISTA written here on the explicitly centred, weighted, dense problem, run
//    until it stops moving: coefficients and intercept to 1e-7, with and without intercept, with
//    sample weights, n > p and p > n;
//  - the KKT conditions of the documented objective hold at every solution; the reported
//    objective is the documented one and the gap meets tol;
//  - column-major, row-major and CSC views give one solution; labels (non-contiguous) and
//    offsets of the same partition give one solution; singleton groups with ω = 1 give
//    bcd::lasso's solution; a group above kExactGroup features (power-iteration step) converges;
//  - λ ≥ λ_max gives exactly zero (also with an unpenalised group, which is still fitted);
//  - working sets, screening, Anderson and inner block steps on/off: one solution; sample
//    weights = duplication;
//  - errors name the argument ('groups', 'groupWeights', 'lambda', 'X', 'y', 'sampleWeight');
//    abort, max-iterations and a warm start end honestly.
// Build and run:  test/native/build.sh group_lasso_tests /tmp/out && /tmp/out/group_lasso_tests

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../../native/bcd/group_lasso.hpp"
#include "../../native/bcd/lasso.hpp"

using namespace itersolve;
using namespace itersolve::bcd;

#include "bcd_test_util.hpp"
#include "check.hpp"

using namespace bcd_test;

namespace {

// A random column-major n×p design (entries zeroed with probability `zero`, correlated
// neighbours), its CSC form, and a response driven by the first few features.
struct Problem : Regression {
  Problem(int64_t n, int64_t p, double zero, uint64_t seed)
      : Regression(n, p, zero, seed, {0.3, 0.5, 2.0, 6, 1.5, -1.0}) {}
};

Vec default_weights(const Groups& g) {
  Vec w(size_t(g.count()));
  for (int64_t q = 0; q < g.count(); ++q) w[q] = std::sqrt(double(g.size(q)));
  return w;
}

struct Ref {
  Vec w;
  double c = 0.0;
};

// FISTA with gradient restart on (1/(2S))‖√s(y − ȳ − (X − μ)w)‖² + λ Σ ω_g‖w_g‖, step 1/L with L
// from 2000 power iterations (+1 %), until no coefficient moves by more than 1e-15.
Ref reference(const Problem& P, const Groups& gr, const Vec& omega, double lambda, bool intercept,
              const Vec& s = Vec()) {
  const int64_t n = P.n, p = P.p;
  auto sw = [&](int64_t i) { return s.empty() ? 1.0 : s[i]; };
  const Centred cen = centre(P, P.y, s, intercept);
  const double S = cen.S, ybar = cen.ybar;
  const Vec &mu = cen.mu, &X = cen.X;
  auto grad = [&](const Vec& w, Vec& g) {  // ∇ of the smooth part
    Vec r(n);
    for (int64_t i = 0; i < n; ++i) {
      double acc = P.y[i] - ybar;
      for (int64_t j = 0; j < p; ++j) acc -= X[j * n + i] * w[j];
      r[i] = sw(i) * acc;
    }
    for (int64_t j = 0; j < p; ++j) {
      double acc = 0;
      for (int64_t i = 0; i < n; ++i) acc += X[j * n + i] * r[i];
      g[j] = -acc / S;
    }
  };
  Vec v(p, 1.0), g(p);
  double L = 0;
  for (int it = 0; it < 2000; ++it) {
    Vec z(p, 0.0);
    grad(Vec(p, 0.0), z);  // −Xᵀ S (y − ȳ)/S
    Vec gv(p);
    grad(v, gv);  // −Xᵀ S (y − ȳ − Xv)/S
    double nv = 0, dot = 0;
    for (int64_t j = 0; j < p; ++j) {
      const double hv = gv[j] - z[j];  // XᵀSXv/S
      dot += hv * v[j], nv += hv * hv;
    }
    nv = std::sqrt(nv);
    double vv = 0;
    for (double x : v) vv += x * x;
    L = dot / vv;
    for (int64_t j = 0; j < p; ++j) v[j] = (gv[j] - z[j]) / nv;
  }
  L *= 1.01;
  auto prox = [&](Vec& w) {
    for (int64_t q = 0; q < gr.count(); ++q) {
      double nrm = 0;
      for (int64_t k = gr.ptr[q]; k < gr.ptr[q + 1]; ++k) nrm += w[gr.idx[k]] * w[gr.idx[k]];
      nrm = std::sqrt(nrm);
      const double t = lambda * omega[q] / L;
      const double sc = t == 0 ? 1.0 : (nrm > t ? 1 - t / nrm : 0.0);
      for (int64_t k = gr.ptr[q]; k < gr.ptr[q + 1]; ++k) w[gr.idx[k]] *= sc;
    }
  };
  Vec w(p, 0.0), yk = w, wprev = w;
  double tk = 1;
  for (int it = 0; it < 3000000; ++it) {
    grad(yk, g);
    Vec nw(p);
    for (int64_t j = 0; j < p; ++j) nw[j] = yk[j] - g[j] / L;
    prox(nw);
    double restart = 0, moved = 0;
    for (int64_t j = 0; j < p; ++j) {
      restart += (yk[j] - nw[j]) * (nw[j] - w[j]);
      moved = std::max(moved, std::fabs(nw[j] - w[j]));
    }
    const double tn = (1 + std::sqrt(1 + 4 * tk * tk)) / 2;
    if (restart > 0) {
      tk = 1;
      yk = nw;
    } else {
      for (int64_t j = 0; j < p; ++j) yk[j] = nw[j] + (tk - 1) / tn * (nw[j] - w[j]);
      tk = tn;
    }
    w = nw;
    if (moved < 1e-15 && it > 10) break;
  }
  Ref out;
  out.w = w;
  out.c = ybar;
  for (int64_t j = 0; j < p; ++j) out.c -= mu[j] * w[j];
  return out;
}

GroupLassoOptions tight(double lambda, bool intercept = true) {
  GroupLassoOptions o;
  o.lambda = lambda, o.fit_intercept = intercept, o.tol = 1e-14, o.max_iterations = 500000;
  return o;
}

GroupLassoResult solve(const Engine& e, const Design& X, const Vec& y, const Groups& g,
                       const GroupLassoOptions& o, const Vec& s = Vec(), const Vec& om = Vec()) {
  GroupLassoProblem pr;
  pr.X = X, pr.y = y.data(), pr.y_length = int64_t(y.size()), pr.groups = &g;
  if (!s.empty()) pr.sample_weight = s.data(), pr.sample_weight_length = int64_t(s.size());
  if (!om.empty()) pr.group_weights = om.data(), pr.group_weights_length = int64_t(om.size());
  Control ctl;
  return group_lasso(e, pr, o, ctl);
}

double lmax(const Engine& e, const Design& X, const Vec& y, const Groups& g, bool intercept,
            const Vec& s = Vec(), const Vec& om = Vec()) {
  GroupLassoProblem pr;
  pr.X = X, pr.y = y.data(), pr.groups = &g;
  if (!s.empty()) pr.sample_weight = s.data();
  if (!om.empty()) pr.group_weights = om.data();
  return group_lambda_max(e, pr, intercept);
}

// KKT of the documented objective at (w, c), with v_g = X_gᵀS r/S: v_g = λω_g w_g/‖w_g‖ on the
// active groups, ‖v_g‖ ≤ λω_g off them; and Σ s r = 0 with an intercept.
double kkt_violation(const Problem& P, const Groups& gr, const Vec& omega,
                     const GroupLassoResult& R, double lambda, const Vec& s = Vec()) {
  const int64_t n = P.n, p = P.p;
  auto sw = [&](int64_t i) { return s.empty() ? 1.0 : s[i]; };
  double S = 0;
  for (int64_t i = 0; i < n; ++i) S += sw(i);
  Vec r(n);
  for (int64_t i = 0; i < n; ++i) {
    double acc = P.y[i] - R.intercept;
    for (int64_t j = 0; j < p; ++j) acc -= P.F[j * n + i] * R.coef[j];
    r[i] = sw(i) * acc;
  }
  double worst = 0;
  for (int64_t q = 0; q < gr.count(); ++q) {
    double nw = 0, nv = 0, dev = 0;
    Vec v;
    for (int64_t k = gr.ptr[q]; k < gr.ptr[q + 1]; ++k) {
      const int64_t j = gr.idx[k];
      double acc = 0;
      for (int64_t i = 0; i < n; ++i) acc += P.F[j * n + i] * r[i];
      v.push_back(acc / S);
      nw += R.coef[j] * R.coef[j];
      nv += (acc / S) * (acc / S);
    }
    nw = std::sqrt(nw), nv = std::sqrt(nv);
    if (nw > 0) {
      size_t t = 0;
      for (int64_t k = gr.ptr[q]; k < gr.ptr[q + 1]; ++k, ++t) {
        const double d = v[t] - lambda * omega[q] * R.coef[gr.idx[k]] / nw;
        dev += d * d;
      }
      worst = std::max(worst, std::sqrt(dev));
    } else {
      worst = std::max(worst, nv - lambda * omega[q]);
    }
  }
  return worst;
}

double objective(const Problem& P, const Groups& gr, const Vec& omega, const GroupLassoResult& R,
                 double lambda, const Vec& s = Vec()) {
  double S = 0, acc = 0;
  for (int64_t i = 0; i < P.n; ++i) {
    const double wt = s.empty() ? 1.0 : s[i];
    double ri = P.y[i] - R.intercept;
    for (int64_t j = 0; j < P.p; ++j) ri -= P.F[j * P.n + i] * R.coef[j];
    acc += wt * ri * ri, S += wt;
  }
  double pen = 0;
  for (int64_t q = 0; q < gr.count(); ++q) {
    double nw = 0;
    for (int64_t k = gr.ptr[q]; k < gr.ptr[q + 1]; ++k) nw += R.coef[gr.idx[k]] * R.coef[gr.idx[k]];
    pen += omega[q] * std::sqrt(nw);
  }
  return acc / (2 * S) + lambda * pen;
}

std::vector<int32_t> mixed_offsets(int64_t p) {  // sizes 1, 2, 3, 4, 1, 2, ... up to p
  std::vector<int32_t> off{0};
  for (int k = 1; off.back() < p; ++k)
    off.push_back(int32_t(std::min<int64_t>(p, off.back() + 1 + (k - 1) % 4)));
  return off;
}

void test_reference(const Engine& e) {
  struct Shape {
    int64_t n, p;
  };
  for (const Shape sh : {Shape{40, 14}, Shape{20, 30}}) {
    Problem P(sh.n, sh.p, 0.0, 11 + uint64_t(sh.p));
    const auto off = mixed_offsets(P.p);
    const Groups g = groups_from_offsets(off.data(), int64_t(off.size()), P.p);
    const Vec om = default_weights(g);
    Vec s(size_t(P.n));
    Lcg r{5};
    for (double& x : s) x = 0.2 + 2 * r.uniform();
    for (bool intercept : {true, false})
      for (bool weighted : {false, true}) {
        const Vec sw = weighted ? s : Vec();
        const double lm = lmax(e, P.dense(), P.y, g, intercept, sw);
        for (double ratio : {0.5, 0.1}) {
          const double lam = ratio * lm;
          const GroupLassoResult R = solve(e, P.dense(), P.y, g, tight(lam, intercept), sw);
          const Ref ref = reference(P, g, om, lam, intercept, sw);
          CHECK(R.reason == Reason::Tol);
          const double dw = maxdiff(R.coef, ref.w), dc = std::fabs(R.intercept - ref.c);
          CHECK(dw < 1e-7 && dc < 1e-7);
          if (!(dw < 1e-7 && dc < 1e-7))
            std::fprintf(stderr, "  n=%lld p=%lld int=%d w=%d ratio=%g: dw %.2e dc %.2e\n",
                         (long long)P.n, (long long)P.p, int(intercept), int(weighted), ratio, dw,
                         dc);
          CHECK(kkt_violation(P, g, om, R, lam, sw) < 1e-7);
          CHECK(std::fabs(R.objective - objective(P, g, om, R, lam, sw)) < 1e-12 * R.objective);
          CHECK(R.dual_gap <= R.tol_gap);
          CHECK(!R.active_groups.empty());
          for (int32_t q : R.active_groups) {
            double nw = 0;
            for (int64_t k = g.ptr[q]; k < g.ptr[q + 1]; ++k) nw += std::fabs(R.coef[g.idx[k]]);
            CHECK(nw > 0);
          }
        }
      }
  }
}

void test_layouts_labels_and_lasso(const Engine& e) {
  Problem P(50, 24, 0.6, 7);
  const auto off = mixed_offsets(P.p);
  const Groups g = groups_from_offsets(off.data(), int64_t(off.size()), P.p);
  const double lm = lmax(e, P.sparse(), P.y, g, true);
  CHECK(std::fabs(lm - lmax(e, P.dense(), P.y, g, true)) < 1e-12 * lm);
  const double lam = 0.2 * lm;
  const GroupLassoResult A = solve(e, P.dense(), P.y, g, tight(lam));
  const Vec C = P.row_major();
  const GroupLassoResult B = solve(e, Design::row_major(P.n, P.p, C.data()), P.y, g, tight(lam));
  const GroupLassoResult D = solve(e, P.sparse(), P.y, g, tight(lam));  // implicit centring
  CHECK(maxdiff(A.coef, B.coef) < 1e-9 && maxdiff(A.coef, D.coef) < 1e-9);
  CHECK(std::fabs(A.intercept - D.intercept) < 1e-9);
  CHECK(A.active_groups == D.active_groups);
  // Labels: the same partition, non-contiguous. Feature j of the permuted design is column
  // perm[j] of P; its label is the group of perm[j], given as a scattered integer.
  std::vector<int64_t> perm(size_t(P.p));
  for (int64_t j = 0; j < P.p; ++j) perm[j] = (j * 7) % P.p;  // 7 and 24 coprime
  Problem Q = P;
  std::vector<int32_t> labels(size_t(P.p));
  for (int64_t j = 0; j < P.p; ++j) {
    for (int64_t i = 0; i < P.n; ++i) Q.F[j * P.n + i] = P.F[perm[j] * P.n + i];
    int64_t grp = 0;
    while (off[grp + 1] <= perm[j]) ++grp;
    labels[j] = int32_t(1000 - 37 * grp);  // decreasing in the group index: order reverses
  }
  Q.to_csc();
  const Groups gl = groups_from_labels(labels.data(), P.p, P.p);
  CHECK(gl.count() == g.count());
  Vec oml(size_t(g.count()));  // label order is reversed group order
  for (int64_t q = 0; q < g.count(); ++q) oml[q] = std::sqrt(double(g.size(g.count() - 1 - q)));
  const GroupLassoResult L = solve(e, Q.sparse(), Q.y, gl, tight(lam));
  double worst = 0;
  for (int64_t j = 0; j < P.p; ++j) worst = std::max(worst, std::fabs(L.coef[j] - A.coef[perm[j]]));
  CHECK(worst < 1e-9);
  CHECK(L.active_groups.size() == A.active_groups.size());
  CHECK(maxdiff(default_weights(gl), oml) == 0);
  // Singleton groups with ω = 1 are the lasso.
  std::vector<int32_t> single(size_t(P.p + 1));
  for (int64_t j = 0; j <= P.p; ++j) single[j] = int32_t(j);
  const Groups gs = groups_from_offsets(single.data(), P.p + 1, P.p);
  for (bool intercept : {true, false}) {
    LassoProblem lp;
    lp.X = P.sparse(), lp.y = P.y.data();
    const double lml = lambda_max(e, lp, 1.0, intercept, false);
    CHECK(std::fabs(lml - lmax(e, P.sparse(), P.y, gs, intercept)) < 1e-12 * lml);
    LassoOptions lo;
    lo.lambda = 0.1 * lml, lo.fit_intercept = intercept, lo.tol = 1e-14, lo.max_iterations = 500000;
    Control ctl;
    const LassoResult LR = lasso(e, lp, lo, ctl);
    const GroupLassoResult GR = solve(e, P.sparse(), P.y, gs, tight(0.1 * lml, intercept));
    CHECK(maxdiff(LR.coef, GR.coef) < 1e-9 && std::fabs(LR.intercept - GR.intercept) < 1e-9);
    CHECK(std::fabs(LR.objective - GR.objective) < 1e-12 * LR.objective);
  }
}

void test_lambda_max_and_unpenalised(const Engine& e) {
  Problem P(30, 12, 0.0, 21);
  const auto off = mixed_offsets(P.p);
  const Groups g = groups_from_offsets(off.data(), int64_t(off.size()), P.p);
  for (bool intercept : {true, false}) {
    const double lm = lmax(e, P.dense(), P.y, g, intercept);
    for (double ratio : {1.0, 1.5}) {
      GroupLassoResult R = solve(e, P.dense(), P.y, g, tight(ratio * lm, intercept));
      bool zero = true;
      for (double w : R.coef) zero = zero && w == 0.0;
      CHECK(zero && R.reason == Reason::Tol && R.active_groups.empty());
    }
    const GroupLassoResult below = solve(e, P.dense(), P.y, g, tight(0.999 * lm, intercept));
    CHECK(below.active_groups.size() == 1);
  }
  // Group 1 unpenalised: fitted at λ ≥ λ_max, the others zero.
  Vec om = default_weights(g);
  om[1] = 0.0;
  const double lm = lmax(e, P.dense(), P.y, g, true, Vec(), om);
  const GroupLassoResult R = solve(e, P.dense(), P.y, g, tight(lm), Vec(), om);
  CHECK(R.reason == Reason::Tol);
  for (int64_t j = 0; j < P.p; ++j)
    CHECK((j >= off[1] && j < off[2]) ? R.coef[j] != 0.0 : R.coef[j] == 0.0);
  const GroupLassoResult R2 = solve(e, P.dense(), P.y, g, tight(0.3 * lm), Vec(), om);
  CHECK(R2.reason == Reason::Tol && kkt_violation(P, g, om, R2, 0.3 * lm) < 1e-7);
}

void test_accelerations_and_big_group(const Engine& e) {
  Problem P(60, 200, 0.3, 41);
  const auto off = mixed_offsets(P.p);
  const Groups g = groups_from_offsets(off.data(), int64_t(off.size()), P.p);
  const double lam = 0.05 * lmax(e, P.sparse(), P.y, g, true);
  const GroupLassoResult A = solve(e, P.sparse(), P.y, g, tight(lam));
  CHECK(A.reason == Reason::Tol);
  for (int mask = 0; mask < 8; ++mask) {
    GroupLassoOptions o = tight(lam);
    o.working_set = mask & 1, o.screening = mask & 2, o.anderson = mask & 4;
    o.block_steps = mask % 3 == 0 ? 1 : 5;
    const GroupLassoResult B = solve(e, P.sparse(), P.y, g, o);
    CHECK(B.reason == Reason::Tol && maxdiff(A.coef, B.coef) < 1e-8);
  }
  CHECK(kkt_violation(P, g, default_weights(g), A, lam) < 1e-7);
  // Columns shifted by 1e3 (means ≫ spread): with an intercept the solution is the unshifted
  // one, screening included (the Gram matrices are formed from centred columns). The implicit
  // centring costs about shift/spread·ε in the gradients, hence tol 1e-10 here.
  {
    Problem Q = P;
    for (double& x : Q.F) x += 1e3;
    Q.to_csc();
    GroupLassoOptions o = tight(lam);
    o.tol = 1e-10;
    for (const Design& X : {Q.dense(), Q.sparse()}) {
      const GroupLassoResult R = solve(e, X, Q.y, g, o);
      CHECK(R.reason == Reason::Tol && maxdiff(R.coef, A.coef) < 1e-6);
      CHECK(R.screened > 0);
    }
  }
  // A group of 150 features (power iterations) and singletons.
  std::vector<int32_t> big{0, 150};
  for (int64_t j = 151; j <= P.p; ++j) big.push_back(int32_t(j));
  const Groups gb = groups_from_offsets(big.data(), int64_t(big.size()), P.p);
  const double lb = 0.3 * lmax(e, P.dense(), P.y, gb, true);
  const GroupLassoResult Bd = solve(e, P.dense(), P.y, gb, tight(lb));
  const GroupLassoResult Bs = solve(e, P.sparse(), P.y, gb, tight(lb));
  CHECK(Bd.reason == Reason::Tol && Bs.reason == Reason::Tol);
  CHECK(maxdiff(Bd.coef, Bs.coef) < 1e-8);
  CHECK(kkt_violation(P, gb, default_weights(gb), Bd, lb) < 1e-7);
}

void test_weights_duplicate(const Engine& e) {
  Problem P(25, 10, 0.0, 3);
  const auto off = mixed_offsets(P.p);
  const Groups g = groups_from_offsets(off.data(), int64_t(off.size()), P.p);
  Vec s(size_t(P.n));
  for (int64_t i = 0; i < P.n; ++i) s[i] = double(i % 3);  // 0, 1, 2
  int64_t m = 0;
  for (double x : s) m += int64_t(x);
  Problem D(m, P.p, 0.0, 1);
  int64_t row = 0;
  for (int64_t i = 0; i < P.n; ++i)
    for (int c = 0; c < int(s[i]); ++c, ++row) {
      D.y[row] = P.y[i];
      for (int64_t j = 0; j < P.p; ++j) D.F[j * m + row] = P.F[j * P.n + i];
    }
  D.to_csc();
  const double lm = lmax(e, P.dense(), P.y, g, true, s);
  CHECK(std::fabs(lm - lmax(e, D.dense(), D.y, g, true)) < 1e-12 * lm);
  const GroupLassoResult dup = solve(e, D.dense(), D.y, g, tight(0.1 * lm));
  const GroupLassoResult W = solve(e, P.sparse(), P.y, g, tight(0.1 * lm), s);
  CHECK(maxdiff(W.coef, dup.coef) < 1e-8 && std::fabs(W.intercept - dup.intercept) < 1e-8);
  CHECK(std::fabs(W.objective - dup.objective) < 1e-10 * dup.objective);
}

void test_errors(const Engine& e) {
  Problem P(10, 6, 0.0, 3);
  const std::vector<int32_t> off{0, 2, 5, 6};
  std::string code;
  auto offs = [&](std::vector<int32_t> o, int64_t p = 6) {
    return groups_from_offsets(o.data(), int64_t(o.size()), p);
  };
  CHECK(error_argument([&] { offs({1, 2, 6}); }) == "groups");
  CHECK(error_argument([&] { offs({0, 2, 2, 6}); }) == "groups");  // empty group
  CHECK(error_argument([&] { offs({0, 3, 2, 6}); }) == "groups");
  CHECK(error_argument([&] { offs({0, 2, 5}); }, &code) == "groups");
  CHECK(code == std::string("ERR_DIMENSION_MISMATCH"));
  CHECK(error_argument([&] { offs({}); }) == "groups");
  const std::vector<int32_t> lab{3, 3, -1, 7};
  CHECK(error_argument([&] { groups_from_labels(lab.data(), 4, 6); }, &code) == "groups");
  CHECK(code == std::string("ERR_DIMENSION_MISMATCH"));
  const Groups g = offs(off);
  auto run = [&](Problem Q, GroupLassoOptions o, Vec s = Vec(), Vec om = Vec(), bool sparse = false,
                 int64_t ylen = -1, const Groups* gg = nullptr) {
    GroupLassoProblem pr;
    pr.X = sparse ? Q.sparse() : Q.dense();
    pr.y = Q.y.data(), pr.y_length = ylen < 0 ? int64_t(Q.y.size()) : ylen;
    pr.groups = gg ? gg : &g;
    if (!s.empty()) pr.sample_weight = s.data(), pr.sample_weight_length = int64_t(s.size());
    if (!om.empty()) pr.group_weights = om.data(), pr.group_weights_length = int64_t(om.size());
    Control ctl;
    group_lasso(e, pr, o, ctl);
  };
  GroupLassoOptions o;
  o.lambda = 0.1;
  Problem bad = P;
  bad.F[5] = NAN;
  CHECK(error_argument([&] { run(bad, o); }) == "X");
  bad = P;
  bad.cv[2] = INFINITY;
  CHECK(error_argument([&] { run(bad, o, Vec(), Vec(), true); }) == "X");
  bad = P;
  bad.y[1] = NAN;
  CHECK(error_argument([&] { run(bad, o); }) == "y");
  CHECK(error_argument([&] { run(P, o, Vec(), Vec(), false, 9); }, &code) == "y");
  CHECK(code == std::string("ERR_DIMENSION_MISMATCH"));
  GroupLassoOptions l = o;
  l.lambda = -1;
  CHECK(error_argument([&] { run(P, l); }) == "lambda");
  l.lambda = NAN;
  CHECK(error_argument([&] { run(P, l); }) == "lambda");
  CHECK(error_argument([&] { run(P, o, Vec(10, -1.0)); }) == "sampleWeight");
  CHECK(error_argument([&] { run(P, o, Vec(10, 0.0)); }) == "sampleWeight");
  CHECK(error_argument([&] { run(P, o, Vec(), Vec{1, -1, 1}); }) == "groupWeights");
  CHECK(error_argument([&] { run(P, o, Vec(), Vec{1, NAN, 1}); }) == "groupWeights");
  CHECK(error_argument([&] { run(P, o, Vec(), Vec{1, 1}); }, &code) == "groupWeights");
  CHECK(code == std::string("ERR_DIMENSION_MISMATCH"));
  const Groups other = offs({0, 2, 5}, 5);  // 5 features, X has 6
  CHECK(error_argument([&] { run(P, o, Vec(), Vec(), false, -1, &other); }) == "groups");
  Groups holes = g;
  holes.idx[1] = 0;  // feature 0 twice, 1 never
  CHECK(error_argument([&] { run(P, o, Vec(), Vec(), false, -1, &holes); }) == "groups");
  CHECK(error_argument([&] {
          GroupLassoProblem pr;
          pr.X = P.dense(), pr.y = P.y.data();
          Control ctl;
          group_lasso(e, pr, o, ctl);
        }) == "groups");
  Problem none(0, 6, 0.0, 1);
  CHECK(error_argument([&] { run(none, o); }) == "X");
}

void test_control(const Engine& e) {
  Problem P(50, 120, 0.0, 31);
  const auto off = mixed_offsets(P.p);
  const Groups g = groups_from_offsets(off.data(), int64_t(off.size()), P.p);
  const double lam = 0.02 * lmax(e, P.dense(), P.y, g, true);
  GroupLassoProblem pr;
  pr.X = P.dense(), pr.y = P.y.data(), pr.groups = &g;
  GroupLassoOptions o = tight(lam);
  std::atomic<bool> flag{true};
  Control ctl;
  ctl.set_abort_flag(&flag);
  GroupLassoResult R = group_lasso(e, pr, o, ctl);
  CHECK(R.reason == Reason::Aborted && R.iterations == 0 && R.coef.size() == size_t(P.p));
  o.max_iterations = 3;
  Control ctl2;
  R = group_lasso(e, pr, o, ctl2);
  CHECK(R.reason == Reason::MaxIterations && R.iterations == 3 && R.dual_gap > R.tol_gap);
  o = tight(lam);
  o.history = true;
  Control ctl3;
  const GroupLassoResult full = group_lasso(e, pr, o, ctl3);
  CHECK(full.reason == Reason::Tol && full.history.size() == size_t(full.outer_iterations + 1));
  CHECK(full.history.back() == full.dual_gap);
  Control ctl4;
  R = group_lasso(e, pr, tight(lam), ctl4, full.coef.data());
  CHECK(R.reason == Reason::Tol && R.iterations <= 5 && maxdiff(R.coef, full.coef) < 1e-10);
  std::printf("control: %lld epochs, %lld outer, %lld groups screened, %lld Anderson steps kept\n",
              (long long)full.iterations, (long long)full.outer_iterations,
              (long long)full.screened, (long long)full.anderson_accepted);
}

}  // namespace

int main() {
  ThreadPool pool(1);
  const Engine e{kernels_for(detect_simd()), &pool};
  test_reference(e);
  test_layouts_labels_and_lasso(e);
  test_lambda_max_and_unpenalised(e);
  test_accelerations_and_big_group(e);
  test_weights_duplicate(e);
  test_errors(e);
  test_control(e);
  std::printf("group_lasso_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
