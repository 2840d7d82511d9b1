// Generic proximal block coordinate descent (issue 11, section 3; native/bcd/prox_bcd.hpp).
// Checks:
//  - the cyclic engine reaches the minimiser of lasso, box-constrained least squares (column- and
//    row-major A), a non-negative quadratic, group lasso and ℓ1-logistic regression: compared with
//    a long plain proximal-gradient run written here;
//  - the group-l2 (and the other) proxes on hand-computed values;
//  - the gradient-mapping norm goes to 0 (history), Reason::Tol, the data-pass count of exact BCD;
//  - random order with a seed is deterministic (bit for bit), another seed differs;
//  - the recursive (VR-CD) estimator needs fewer data passes than plain cyclic stochastic BCD with
//    the same batch to reach a gradient-mapping norm on a finite-sum least-squares problem
//    (the figures are printed);
//  - the callback interface (fixed steps and backtracking) matches the built-in quadratic;
//  - errors name their argument; abort, a callback asking to stop, the time limit, NonFinite.
// Build and run:  test/native/build.sh prox_bcd_tests /tmp/out && /tmp/out/prox_bcd_tests
// Data passes of exact / plain stochastic / recursive BCD on a larger finite-sum least-squares
// problem (n = 20 000, d = 100, 10 blocks; ~20 s):  prox_bcd_tests --bench [n] [d]

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../../native/bcd/prox_bcd.hpp"
#include "../../native/core/errors.hpp"

using namespace itersolve;
using namespace itersolve::bcd;

#include "bcd_test_util.hpp"
#include "check.hpp"

using bcd_test::maxdiff;
using bcd_test::Vec;

namespace {

struct Rng {  // deterministic test data
  uint64_t s;
  double uniform() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return double(z >> 11) * (1.0 / 9007199254740992.0);
  }
  double normal() {
    const double u = uniform() + 1e-300, v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};

struct Problem {  // A n×d column-major, y, x_true
  int64_t n, d;
  Vec A, Arow, y;
};

Problem make_ls(int64_t n, int64_t d, uint64_t seed, double noise = 0.1) {
  Problem P{n, d, Vec(size_t(n * d)), Vec(size_t(n * d)), Vec(size_t(n))};
  Rng r{seed};
  for (int64_t k = 0; k < d; ++k)
    for (int64_t i = 0; i < n; ++i)
      P.A[k * n + i] = r.normal() + (k > 0 ? 0.3 * P.A[(k - 1) * n + i] : 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < d; ++k) P.Arow[i * d + k] = P.A[k * n + i];
  Vec xt(size_t(d), 0.0);
  for (int64_t k = 0; k < d; k += 3) xt[k] = (k % 2 ? -1.0 : 1.0) * (1.0 + 0.1 * double(k));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += P.A[k * n + i] * xt[k];
    P.y[i] = s + noise * r.normal();
  }
  return P;
}

Smooth ls(const Problem& P, bool col_major = true) {
  Smooth f;
  f.kind = SmoothKind::LeastSquares;
  f.A = DenseMatrix{P.n, P.d, col_major ? P.A.data() : P.Arow.data(), col_major};
  f.y = P.y.data();
  return f;
}

std::vector<int64_t> even_blocks(int64_t d, int64_t size) {
  std::vector<int64_t> b;
  for (int64_t k = 0; k < d; k += size) b.push_back(k);
  b.push_back(d);
  return b;
}

// Full gradient of a built-in smooth part (plain code, for the reference solver).
Vec full_gradient(const Smooth& f, int64_t d, const Vec& x) {
  Vec g(size_t(d), 0.0);
  if (f.kind == SmoothKind::Quadratic) {
    for (int64_t k = 0; k < d; ++k) {
      double s = 0;
      for (int64_t l = 0; l < d; ++l) s += f.Q[k * d + l] * x[l];
      g[k] = s - f.c[k];
    }
    return g;
  }
  const int64_t n = f.A.rows;
  auto a = [&](int64_t i, int64_t k) {
    return f.A.col_major ? f.A.data[k * n + i] : f.A.data[i * d + k];
  };
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += a(i, k) * x[k];
    double w;
    if (f.kind == SmoothKind::LeastSquares) {
      w = s - f.y[i];
    } else {
      const double yi = f.y[i] == 0 ? -1.0 : f.y[i];
      w = -yi / (1.0 + std::exp(yi * s));
    }
    for (int64_t k = 0; k < d; ++k) g[k] += a(i, k) * w / double(n);
  }
  return g;
}

// Plain proximal gradient with one global step 1/L (L = λ_max of the whole Hessian bound).
Vec prox_gradient(const Smooth& f, int64_t d, const std::vector<int64_t>& blocks,
                  const std::vector<BlockProx>& prox, int iters) {
  const double L = block_lipschitz(f, d, {0, d})[0];
  Vec x(size_t(d), 0.0);
  for (int it = 0; it < iters; ++it) {
    const Vec g = full_gradient(f, d, x);
    for (int64_t k = 0; k < d; ++k) x[k] -= g[k] / L;
    for (size_t j = 0; j + 1 < blocks.size(); ++j)
      prox_block(prox.size() == 1 ? prox[0] : prox[j], 1.0 / L, x.data() + blocks[j],
                 blocks[j + 1] - blocks[j]);
  }
  return x;
}

BlockProx l1(double lam) {
  BlockProx g;
  g.kind = ProxKind::L1;
  g.lambda = lam;
  return g;
}

ProxBcdResult run(const Smooth& f, Vec& x, const ProxBcdParams& p) {
  Control ctl;
  return prox_bcd(f, x.data(), int64_t(x.size()), p, ctl);
}

std::string error_argument(const Smooth& f, Vec x, const ProxBcdParams& p) {
  return bcd_test::error_argument([&] { run(f, x, p); });
}

void test_prox_values() {
  BlockProx g;
  g.kind = ProxKind::GroupL2;
  g.lambda = 2.0;
  double v[2] = {3.0, 4.0};
  prox_block(g, 0.5, v, 2);  // ηλ = 1, ‖v‖ = 5: scale 0.8
  CHECK(std::fabs(v[0] - 2.4) < 1e-15 && std::fabs(v[1] - 3.2) < 1e-15);
  double w[2] = {0.3, -0.4};  // ‖w‖ = 0.5 ≤ 1: zero
  prox_block(g, 0.5, w, 2);
  CHECK(w[0] == 0.0 && w[1] == 0.0);
  double u[3] = {1.5, -0.2, -2.0};
  prox_block(l1(1.0), 0.5, u, 3);
  CHECK(u[0] == 1.0 && u[1] == 0.0 && u[2] == -1.5);
  BlockProx box;
  box.kind = ProxKind::Box;
  box.lo = -1;
  box.hi = 0.5;
  double b[3] = {-3, 0.2, 7};
  prox_block(box, 10.0, b, 3);
  CHECK(b[0] == -1 && b[1] == 0.2 && b[2] == 0.5);
  BlockProx nn;
  nn.kind = ProxKind::Nonnegative;
  double c[2] = {-1e-3, 2};
  prox_block(nn, 1.0, c, 2);
  CHECK(c[0] == 0 && c[1] == 2);
  // Group prox = argmin_u ‖u‖λη + ½‖u − v‖²: compare its objective with nearby points.
  double z[3] = {0.7, -1.1, 0.4};
  const double orig[3] = {0.7, -1.1, 0.4};
  g.lambda = 0.9;
  prox_block(g, 1.0, z, 3);
  auto obj = [&](const double* u) {
    double n2 = 0, d2 = 0;
    for (int k = 0; k < 3; ++k) n2 += u[k] * u[k], d2 += (u[k] - orig[k]) * (u[k] - orig[k]);
    return 0.9 * std::sqrt(n2) + 0.5 * d2;
  };
  bool minimal = true;
  for (int k = 0; k < 3; ++k)
    for (double h : {1e-4, -1e-4}) {
      double t[3] = {z[0], z[1], z[2]};
      t[k] += h;
      if (obj(t) < obj(z) - 1e-15) minimal = false;
    }
  CHECK(minimal);
}

void test_lasso_and_history() {
  const Problem P = make_ls(80, 24, 1);
  const Smooth f = ls(P);
  ProxBcdParams p;
  p.blocks = even_blocks(24, 4);
  p.prox = {l1(0.05)};
  p.tol = 1e-10;
  p.history = true;
  Vec x(24, 0.0);
  const ProxBcdResult r = run(f, x, p);
  CHECK(r.reason == Reason::Tol);
  CHECK(r.grad_map_norm <= 1e-10);
  CHECK(r.history.size() == size_t(r.epochs) + 1);
  CHECK(r.history.front() > 1e-2 && r.history.back() <= 1e-10);
  CHECK(std::fabs(r.data_passes - double(r.epochs)) < 1e-9);  // exact: one pass an epoch
  const Vec ref = prox_gradient(f, 24, p.blocks, p.prox, 20000);
  CHECK(maxdiff(x, ref) < 1e-7);
  int zeros = 0;
  for (double v : x) zeros += v == 0.0;
  CHECK(zeros > 0);  // the lasso's sparsity survives
  // Objective reported = (1/2n)‖Ax − y‖² + λ‖x‖₁ at x.
  double s = 0;
  for (int64_t i = 0; i < P.n; ++i) {
    double ax = 0;
    for (int64_t k = 0; k < P.d; ++k) ax += P.A[k * P.n + i] * x[k];
    s += (ax - P.y[i]) * (ax - P.y[i]);
  }
  double obj = 0.5 * s / double(P.n);
  for (double v : x) obj += 0.05 * std::fabs(v);
  CHECK(std::fabs(r.objective - obj) < 1e-12 * (1 + obj));
  std::printf("lasso: %lld epochs, gradient mapping %.3g -> %.3g, |x - PG| = %.2g\n",
              (long long)r.epochs, r.history.front(), r.history.back(), maxdiff(x, ref));
}

void test_box_ls_both_layouts() {
  const Problem P = make_ls(50, 12, 2);
  BlockProx box;
  box.kind = ProxKind::Box;
  box.lo = -0.3;
  box.hi = 0.5;
  ProxBcdParams p;
  p.blocks = even_blocks(12, 3);
  p.prox = {box};
  p.tol = 1e-11;
  Vec xc(12, 0.0), xr(12, 0.0);
  const ProxBcdResult rc = run(ls(P, true), xc, p);
  const ProxBcdResult rr = run(ls(P, false), xr, p);
  CHECK(rc.reason == Reason::Tol && rr.reason == Reason::Tol);
  const Vec ref = prox_gradient(ls(P), 12, p.blocks, p.prox, 20000);
  CHECK(maxdiff(xc, ref) < 1e-8);
  CHECK(maxdiff(xr, ref) < 1e-8);
  bool active = false;
  for (double v : xc) active |= (v == -0.3 || v == 0.5);
  CHECK(active);  // some bound is active: the test exercises the constraint
}

struct QuadData {
  int64_t d;
  Vec Q, c;
};
QuadData make_quad(int64_t d, uint64_t seed) {
  QuadData q{d, Vec(size_t(d * d), 0.0), Vec(size_t(d))};
  Rng r{seed};
  Vec B(size_t(d * d));
  for (double& b : B) b = r.normal();
  for (int64_t i = 0; i < d; ++i)
    for (int64_t k = 0; k < d; ++k) {
      double s = i == k ? 0.1 : 0.0;
      for (int64_t l = 0; l < d; ++l) s += B[l * d + i] * B[l * d + k];
      q.Q[i * d + k] = s;
    }
  for (double& c : q.c) c = r.normal();
  return q;
}

void test_nonnegative_quadratic() {
  const QuadData q = make_quad(15, 3);
  Smooth f;
  f.kind = SmoothKind::Quadratic;
  f.Q = q.Q.data();
  f.c = q.c.data();
  BlockProx nn;
  nn.kind = ProxKind::Nonnegative;
  ProxBcdParams p;
  p.blocks = even_blocks(15, 3);
  p.prox = {nn};
  p.tol = 1e-10;
  p.max_epochs = 200000;
  Vec x(15, 0.0);
  const ProxBcdResult r = run(f, x, p);
  CHECK(r.reason == Reason::Tol);
  const Vec ref = prox_gradient(f, 15, p.blocks, p.prox, 400000);
  CHECK(maxdiff(x, ref) < 1e-7);
  int zeros = 0;
  for (double v : x) zeros += v == 0.0;
  CHECK(zeros > 0 && zeros < 15);
  // KKT: g ≥ 0 where x = 0, g = 0 where x > 0.
  const Vec g = full_gradient(f, 15, x);
  bool kkt = true;
  for (int k = 0; k < 15; ++k) kkt &= x[k] > 0 ? std::fabs(g[k]) < 1e-8 : g[k] > -1e-8;
  CHECK(kkt);
}

void test_group_lasso_and_logistic() {
  const Problem P = make_ls(60, 20, 4);
  BlockProx grp;
  grp.kind = ProxKind::GroupL2;
  grp.lambda = 0.3;
  ProxBcdParams p;
  p.blocks = {0, 3, 7, 8, 14, 20};
  p.prox = {grp};
  p.tol = 1e-10;
  Vec x(20, 0.0);
  CHECK(run(ls(P), x, p).reason == Reason::Tol);
  CHECK(maxdiff(x, prox_gradient(ls(P), 20, p.blocks, p.prox, 30000)) < 1e-7);

  // ℓ1-logistic on labels 0/1 (the same as −1/+1).
  Vec y01(size_t(P.n)), ypm(size_t(P.n));
  for (int64_t i = 0; i < P.n; ++i) {
    y01[i] = P.y[i] > 0 ? 1.0 : 0.0;
    ypm[i] = P.y[i] > 0 ? 1.0 : -1.0;
  }
  Smooth f;
  f.kind = SmoothKind::Logistic;
  f.A = DenseMatrix{P.n, P.d, P.A.data(), true};
  f.y = y01.data();
  ProxBcdParams q;
  q.blocks = even_blocks(20, 5);
  q.prox = {l1(0.02)};
  q.tol = 1e-10;
  q.max_epochs = 100000;
  Vec xl(20, 0.0), xl2(20, 0.0);
  const ProxBcdResult rl = run(f, xl, q);
  CHECK(rl.reason == Reason::Tol);
  f.y = ypm.data();
  run(f, xl2, q);
  CHECK(maxdiff(xl, xl2) == 0.0);
  CHECK(maxdiff(xl, prox_gradient(f, 20, q.blocks, q.prox, 200000)) < 1e-6);
}

void test_random_order_deterministic() {
  const Problem P = make_ls(60, 16, 5);
  ProxBcdParams p;
  p.blocks = even_blocks(16, 2);
  p.prox = {l1(0.02)};
  p.order = Order::Random;
  p.seed = 42;
  p.tol = 1e-10;
  p.history = true;
  Vec a(16, 0.0), b(16, 0.0), c(16, 0.0);
  const ProxBcdResult ra = run(ls(P), a, p);
  const ProxBcdResult rb = run(ls(P), b, p);
  CHECK(ra.reason == Reason::Tol);
  CHECK(std::memcmp(a.data(), b.data(), 16 * sizeof(double)) == 0);
  CHECK(ra.history == rb.history);
  p.seed = 43;
  const ProxBcdResult rc = run(ls(P), c, p);
  CHECK(rc.reason == Reason::Tol);
  CHECK(rc.history != ra.history);
  CHECK(maxdiff(a, c) < 1e-8);  // same minimiser
  // Stochastic batches are seeded too.
  ProxBcdParams s;
  s.blocks = even_blocks(16, 4);
  s.variance.kind = VarianceKind::Stochastic;
  s.variance.batch_size = 8;
  s.max_epochs = 20;
  s.seed = 7;
  s.history = true;
  Vec u(16, 0.0), v(16, 0.0);
  const ProxBcdResult ru = run(ls(P), u, s), rv = run(ls(P), v, s);
  CHECK(ru.history == rv.history && u == v);
}

// Epoch-level data passes at which the gradient mapping first reaches target (or −1).
double passes_to(const ProxBcdResult& r, double target, bool matrix = false) {
  for (size_t i = 0; i < r.history.size(); ++i)
    if (r.history[i] <= target) return matrix ? r.matrix_passes_history[i] : r.passes_history[i];
  return -1;
}

void test_variance_reduction_benchmark() {
  // Finite-sum least squares, n = 2000 rows, d = 40, 8 blocks of 5, a small ℓ1 term.
  const int64_t n = 2000, d = 40;
  const Problem P = make_ls(n, d, 6, 0.5);
  ProxBcdParams base;
  base.blocks = even_blocks(d, 5);
  base.prox = {l1(1e-3)};
  base.history = true;
  base.tol = 0;
  const int64_t b = 100, refresh = 5;
  ProxBcdParams plain = base, vr = base, exact = base;
  plain.variance = Variance{VarianceKind::Stochastic, b, 1};
  plain.max_epochs = 600;
  vr.variance = Variance{VarianceKind::Recursive, b, refresh};
  vr.max_epochs = 120;
  exact.max_epochs = 60;
  Vec xp(size_t(d), 0.0), xv(size_t(d), 0.0), xe(size_t(d), 0.0);
  const ProxBcdResult rp = run(ls(P), xp, plain);
  const ProxBcdResult rv = run(ls(P), xv, vr);
  const ProxBcdResult re = run(ls(P), xe, exact);
  const double g0 = rv.history.front();
  double floor_plain = 1e300, floor_vr = 1e300;
  for (double h : rp.history) floor_plain = std::min(floor_plain, h);
  for (double h : rv.history) floor_vr = std::min(floor_vr, h);
  std::printf("variance reduction (n=%lld, d=%lld, 8 blocks, batch %lld, refresh every %lld):\n",
              (long long)n, (long long)d, (long long)b, (long long)refresh);
  std::printf(
      "  gradient mapping at x0 %.3g; lowest reached: plain stochastic %.3g (%.1f passes), "
      "recursive %.3g (%.1f passes)\n",
      g0, floor_plain, rp.data_passes, floor_vr, rv.data_passes);
  for (double rel : {1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8}) {
    const double t = rel * g0;
    std::printf(
        "  to %.0e x initial: plain %6.1f  recursive %6.1f (A read %6.1f)  exact cyclic "
        "%6.1f (A read %6.1f) passes\n",
        rel, passes_to(rp, t), passes_to(rv, t), passes_to(rv, t, true), passes_to(re, t),
        passes_to(re, t, true));
  }
  const double t = 1e-4 * g0;
  const double pv = passes_to(rv, t), pp = passes_to(rp, t);
  CHECK(pv > 0);
  CHECK(pp < 0 || pv < pp);  // plain never getting there counts as more
  CHECK(floor_vr < 1e-3 * floor_plain);
  CHECK(maxdiff(xv, xe) < 1e-9);  // the recursive run ends at the exact run's minimiser
  CHECK(rp.reason == Reason::MaxIterations && rv.reason == Reason::MaxIterations);
  // Passes: plain b/n per epoch; recursive 1 per refresh epoch, 2b/n between.
  CHECK(std::fabs(rp.data_passes - 600.0 * b / n) < 1e-9);
  CHECK(std::fabs(rv.data_passes - (24.0 + 96.0 * 2.0 * b / n)) < 1e-9);
  // Memory traffic: exact reads A twice an epoch; a stochastic block update reads b rows (d each)
  // and b·|j| entries again: per epoch b·d·(m + 1) of n·d.
  CHECK(std::fabs(re.matrix_passes - 2.0 * double(re.epochs)) < 1e-9);
  CHECK(std::fabs(rp.matrix_passes - 600.0 * double(b) * 9.0 / double(n)) < 1e-6);
  CHECK(re.matrix_passes_history.size() == re.history.size());
  // Too small a batch for the step 1/L_j: the stochastic iteration diverges and says so.
  ProxBcdParams tiny = plain;
  tiny.variance.batch_size = 2;
  Vec xt(size_t(d), 0.0);
  const ProxBcdResult rt = run(ls(P), xt, tiny);
  CHECK(rt.reason == Reason::NonFinite);
  bool finite = true;
  for (double v : xt) finite &= std::isfinite(v);
  CHECK(finite);
}

// ∇_j of ½xᵀQx − cᵀx, through the callback interface.
struct QuadCallback : BlockGradient {
  const QuadData& q;
  const std::vector<int64_t>& blocks;
  int64_t calls = 0, stop_after = -1;
  bool poison = false;
  QuadCallback(const QuadData& q_, const std::vector<int64_t>& b) : q(q_), blocks(b) {}
  bool block_gradient(const double* x, int64_t block, double* out) override {
    if (stop_after >= 0 && calls >= stop_after) return false;
    ++calls;
    for (int64_t k = blocks[block]; k < blocks[block + 1]; ++k) {
      double s = 0;
      for (int64_t l = 0; l < q.d; ++l) s += q.Q[k * q.d + l] * x[l];
      out[k - blocks[block]] = poison && calls > 5 ? NAN : s - q.c[k];
    }
    return true;
  }
};

void test_callback() {
  const QuadData q = make_quad(12, 8);
  const std::vector<int64_t> blocks = even_blocks(12, 4);
  Smooth fq;
  fq.kind = SmoothKind::Quadratic;
  fq.Q = q.Q.data();
  fq.c = q.c.data();
  ProxBcdParams p;
  p.blocks = blocks;
  p.prox = {l1(0.1)};
  p.tol = 1e-9;
  p.max_epochs = 100000;
  Vec xq(12, 0.0);
  const ProxBcdResult rq = run(fq, xq, p);
  CHECK(rq.reason == Reason::Tol);

  QuadCallback cb(q, blocks);
  Smooth fc;
  fc.kind = SmoothKind::Callback;
  fc.callback = &cb;
  ProxBcdParams pc = p;
  for (double L : rq.lipschitz) pc.step_sizes.push_back(1.0 / L);
  Vec xc(12, 0.0);
  const ProxBcdResult rc = run(fc, xc, pc);
  CHECK(rc.reason == Reason::Tol && rc.epochs == rq.epochs);
  CHECK(maxdiff(xc, xq) < 1e-12);
  CHECK(std::isnan(rc.objective));

  ProxBcdParams pb = p;
  pb.backtracking = true;
  pb.backtrack_init = 1e-3;
  Vec xb(12, 0.0);
  const ProxBcdResult rb = run(fc, xb, pb);
  CHECK(rb.reason == Reason::Tol);
  CHECK(maxdiff(xb, xq) < 1e-7);
  // Backtracking on a built-in too.
  Vec xbb(12, 0.0);
  CHECK(run(fq, xbb, pb).reason == Reason::Tol);
  CHECK(maxdiff(xbb, xq) < 1e-7);

  // A callback asking to stop; a callback producing NaN.
  QuadCallback stop(q, blocks);
  stop.stop_after = 7;
  fc.callback = &stop;
  Vec xs(12, 0.0);
  CHECK(run(fc, xs, pc).reason == Reason::Aborted);
  QuadCallback bad(q, blocks);
  bad.poison = true;
  fc.callback = &bad;
  Vec xn(12, 0.0);
  const ProxBcdResult rn = run(fc, xn, pc);
  CHECK(rn.reason == Reason::NonFinite);
  bool finite = true;
  for (double v : xn) finite &= std::isfinite(v);
  CHECK(finite);
}

void test_errors_and_abort() {
  const Problem P = make_ls(20, 6, 9);
  const Smooth f = ls(P);
  Vec x(6, 0.0);
  ProxBcdParams p;
  CHECK(error_argument(f, Vec(), p) == "x0");
  Vec xnan = x;
  xnan[2] = NAN;
  CHECK(error_argument(f, xnan, p) == "x0");
  p.blocks = {0, 3, 3, 6};
  CHECK(error_argument(f, x, p) == "blocks");
  p.blocks = {0, 3, 5};
  CHECK(error_argument(f, x, p) == "blocks");
  p.blocks = {0, 3, 6};
  p.prox = {l1(1), l1(1), l1(1)};
  CHECK(error_argument(f, x, p) == "prox");
  p.prox = {l1(-1)};
  CHECK(error_argument(f, x, p) == "prox");
  BlockProx box;
  box.kind = ProxKind::Box;
  box.lo = 1;
  box.hi = 0;
  p.prox = {box};
  CHECK(error_argument(f, x, p) == "prox");
  p.prox = {};
  p.step_sizes = {1.0};
  CHECK(error_argument(f, x, p) == "stepSizes");
  p.step_sizes = {1.0, -1.0};
  CHECK(error_argument(f, x, p) == "stepSizes");
  p.step_sizes = {};
  p.tol = NAN;
  CHECK(error_argument(f, x, p) == "tol");
  p.tol = 1e-8;
  p.max_epochs = -1;
  CHECK(error_argument(f, x, p) == "maxEpochs");
  p.max_epochs = 10;
  p.variance = Variance{VarianceKind::Recursive, 0, 5};
  CHECK(error_argument(f, x, p) == "variance");
  p.variance = Variance{VarianceKind::Recursive, 4, 0};
  CHECK(error_argument(f, x, p) == "variance");
  p.variance = Variance{VarianceKind::Recursive, 4, 5};
  p.order = Order::Random;
  CHECK(error_argument(f, x, p) == "order");
  p.order = Order::Cyclic;
  p.variance = Variance{};
  Smooth g = f;
  g.A.cols = 5;
  try {
    run(g, x, p);
    CHECK(false);
  } catch (const SolverError& e) {
    CHECK(e.argument == "A" && std::string(e.code) == "ERR_DIMENSION_MISMATCH");
  }
  Vec yb = P.y;
  yb[0] = NAN;
  g = f;
  g.y = yb.data();
  CHECK(error_argument(g, x, p) == "y");
  g.kind = SmoothKind::Logistic;
  g.y = P.y.data();  // not labels
  CHECK(error_argument(g, x, p) == "y");
  QuadData q = make_quad(6, 1);
  q.Q[1] += 1e-3;
  Smooth fq;
  fq.kind = SmoothKind::Quadratic;
  fq.Q = q.Q.data();
  fq.c = q.c.data();
  try {
    run(fq, x, p);
    CHECK(false);
  } catch (const SolverError& e) {
    CHECK(e.argument == "Q" && std::string(e.code) == "ERR_NOT_SYMMETRIC");
  }
  q.Q[1] -= 1e-3;
  p.variance = Variance{VarianceKind::Stochastic, 2, 1};
  CHECK(error_argument(fq, x, p) == "variance");  // not a finite sum
  p.variance = Variance{};
  Smooth fc;
  fc.kind = SmoothKind::Callback;
  CHECK(error_argument(fc, x, p) == "smooth");

  // Abort before the first block; the time limit.
  std::atomic<bool> flag{true};
  Control ctl;
  ctl.set_abort_flag(&flag);
  Vec xa(6, 0.0);
  ProxBcdParams pa;
  pa.blocks = {0, 3, 6};
  const ProxBcdResult ra = prox_bcd(f, xa.data(), 6, pa, ctl);
  CHECK(ra.reason == Reason::Aborted && ra.epochs == 0);
  CHECK(xa == Vec(6, 0.0));
  Control slow;
  slow.set_time_limit_ms(1e-6);
  pa.tol = 0;
  pa.max_epochs = 1000000000;
  CHECK(prox_bcd(f, xa.data(), 6, pa, slow).reason == Reason::TimeLimit);
  // max_epochs = 0: the initial measurement only.
  pa.max_epochs = 0;
  Vec x0(6, 0.0);
  const ProxBcdResult r0 = run(f, x0, pa);
  CHECK(r0.reason == Reason::MaxIterations && r0.epochs == 0 && r0.data_passes == 0);
}

void bench(int64_t n, int64_t d) {
  const Problem P = make_ls(n, d, 11, 0.5);
  std::printf(
      "least squares + 1e-3 l1, n = %lld, d = %lld, blocks of 10, eta_j = 1/L_j;\n"
      "data passes to reach a relative gradient-mapping norm (-1: never)\n",
      (long long)n, (long long)d);
  auto go = [&](const char* name, VarianceKind k, int64_t b, int64_t R, int64_t epochs) {
    ProxBcdParams p;
    p.blocks = even_blocks(d, 10);
    p.prox = {l1(1e-3)};
    p.history = true;
    p.tol = 0;
    p.variance = Variance{k, b, R};
    p.max_epochs = epochs;
    Vec x(size_t(d), 0.0);
    const ProxBcdResult r = run(ls(P), x, p);
    const double g0 = r.history[0];
    double low = 1e300;
    for (double h : r.history) low = std::min(low, h);
    std::printf(
        "%-10s b=%5lld refresh=%3lld: 1e-2 %7.2f  1e-4 %7.2f  1e-6 %7.2f (A read %7.2f) | "
        "lowest %.2g after %.1f passes (%s)\n",
        name, (long long)b, (long long)R, passes_to(r, 1e-2 * g0), passes_to(r, 1e-4 * g0),
        passes_to(r, 1e-6 * g0), passes_to(r, 1e-6 * g0, true), low / g0, r.data_passes,
        reason_name(r.reason));
  };
  go("exact", VarianceKind::Exact, 1, 1, 60);
  for (int64_t b : {100, 400}) go("plain", VarianceKind::Stochastic, b, 1, 400);
  for (int64_t b : {100, 400})
    for (int64_t R : {5, 10, 20}) go("recursive", VarianceKind::Recursive, b, R, 200);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
    bench(argc > 2 ? std::atoll(argv[2]) : 20000, argc > 3 ? std::atoll(argv[3]) : 100);
    return 0;
  }
  test_prox_values();
  test_lasso_and_history();
  test_box_ls_both_layouts();
  test_nonnegative_quadratic();
  test_group_lasso_and_logistic();
  test_random_order_deterministic();
  test_variance_reduction_benchmark();
  test_callback();
  test_errors_and_abort();
  std::printf("prox_bcd_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
