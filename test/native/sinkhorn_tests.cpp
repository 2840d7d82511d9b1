// Sinkhorn family (issue 10, section 1): native/ot/common.cpp, sinkhorn.cpp, cost.cpp and the
// kernel table's exp_row / max_diff / cost_row. Checks:
//  - the SIMD exp of every level this CPU runs against std::exp (≤ 4 ulp on normal results,
//    exactly 0 below the flush point, −∞ → 0, NaN → NaN, +∞ past ln DBL_MAX); max_diff and
//    cost_row against plain loops;
//  - log, scaling and stabilised take the same iterates as plain scalar loops written here
//    (potentials to ~1e-11 relative after a fixed number of iterations, no stopping);
//  - every method reaches the same plan and cost; zeros in a and b (zero rows/columns, −∞
//    potentials); 1×m and n×1; ε from 1e-4 to 10 × max C (log / stabilised / ε-scaling finite,
//    scaling converged or non-finite with finite output);
//  - errors name their argument; abort through Control; 1 and 2 threads give the same bits;
//    every SIMD level agrees with scalar; cost_matrix against a naive loop.
// Timings: sinkhorn_tests --bench

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/ot/ot.hpp"

using namespace itersolve;
using namespace itersolve::ot;

#include "check.hpp"

namespace {

using Vec = std::vector<double>;
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 2654435761u + 1) {}
  double next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return double(s >> 11) * (1.0 / 9007199254740992.0);
  }
};

struct Case {
  int64_t n, m;
  Vec a, b, C;
  Problem prob() const { return Problem{n, m, a.data(), b.data(), C.data()}; }
};

Case random_case(int64_t n, int64_t m, uint64_t seed, bool uniform = false) {
  Rng r(seed);
  Case c{n, m, Vec(n), Vec(m), Vec(n * m)};
  double sa = 0, sb = 0;
  for (auto& v : c.a) sa += (v = uniform ? 1.0 : 0.2 + r.next());
  for (auto& v : c.b) sb += (v = uniform ? 1.0 : 0.2 + r.next());
  for (auto& v : c.a) v /= sa;
  for (auto& v : c.b) v *= 1.0 / sb;
  // fix the sum of b to the sum of a to the last bit
  double ta = 0, tb = 0;
  for (double v : c.a) ta += v;
  for (double v : c.b) tb += v;
  c.b[0] += ta - tb;
  for (auto& v : c.C) v = r.next();
  return c;
}

double max_abs(const Vec& v) {
  double m = 0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, std::fabs(x));
  return m;
}
bool all_finite(const Vec& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// Plain log-domain Sinkhorn with exact two-pass log-sum-exp, from f = g = 0.
void ref_log(const Case& c, double eps, int iters, Vec& f, Vec& g) {
  f.assign(c.n, 0.0);
  g.assign(c.m, 0.0);
  for (int it = 0; it < iters; ++it) {
    for (int64_t i = 0; i < c.n; ++i) {
      double mx = -kInf;
      for (int64_t j = 0; j < c.m; ++j) mx = std::max(mx, g[j] - c.C[i * c.m + j]);
      double s = 0;
      for (int64_t j = 0; j < c.m; ++j) s += std::exp((g[j] - c.C[i * c.m + j] - mx) / eps);
      f[i] = eps * std::log(c.a[i]) - mx - eps * std::log(s);
    }
    for (int64_t j = 0; j < c.m; ++j) {
      double mx = -kInf;
      for (int64_t i = 0; i < c.n; ++i) mx = std::max(mx, f[i] - c.C[i * c.m + j]);
      double s = 0;
      for (int64_t i = 0; i < c.n; ++i) s += std::exp((f[i] - c.C[i * c.m + j] - mx) / eps);
      g[j] = eps * std::log(c.b[j]) - mx - eps * std::log(s);
    }
  }
}

// Plain Sinkhorn-Knopp from v = 1: returns f = ε log u, g = ε log v.
void ref_scaling(const Case& c, double eps, int iters, Vec& f, Vec& g) {
  Vec K(c.n * c.m), u(c.n, 1.0), v(c.m, 1.0);
  for (size_t k = 0; k < K.size(); ++k) K[k] = std::exp(-c.C[k] / eps);
  for (int it = 0; it < iters; ++it) {
    for (int64_t i = 0; i < c.n; ++i) {
      double s = 0;
      for (int64_t j = 0; j < c.m; ++j) s += K[i * c.m + j] * v[j];
      u[i] = c.a[i] / s;
    }
    for (int64_t j = 0; j < c.m; ++j) {
      double s = 0;
      for (int64_t i = 0; i < c.n; ++i) s += K[i * c.m + j] * u[i];
      v[j] = c.b[j] / s;
    }
  }
  f.resize(c.n);
  g.resize(c.m);
  for (int64_t i = 0; i < c.n; ++i) f[i] = eps * std::log(u[i]);
  for (int64_t j = 0; j < c.m; ++j) g[j] = eps * std::log(v[j]);
}

struct Out {
  Vec f, g, plan;
  OtResult res;
};

Out run(const Engine& e, const Case& c, SinkhornOptions opt, bool want_plan = true,
        Control* ctl = nullptr) {
  Out o;
  o.f.assign(c.n, 0.0);
  o.g.assign(c.m, 0.0);
  if (want_plan) o.plan.assign(c.n * c.m, -1.0);
  Control local;
  o.res = sinkhorn(e, c.prob(), o.f.data(), o.g.data(), want_plan ? o.plan.data() : nullptr, opt,
                   ctl != nullptr ? *ctl : local);
  return o;
}

// f + g is gauge-free (f + t, g − t): compare f_i + g_j on a few pairs, and each vector up to
// its mean shift.
double gauge_diff(const Vec& f1, const Vec& g1, const Vec& f2, const Vec& g2) {
  const double t = (f1[0] - f2[0]);
  double d = 0;
  for (size_t i = 0; i < f1.size(); ++i) d = std::max(d, std::fabs(f1[i] - f2[i] - t));
  for (size_t j = 0; j < g1.size(); ++j) d = std::max(d, std::fabs(g1[j] - g2[j] + t));
  return d;
}

std::string thrown_argument(const Engine& e, const Case& c, double eps) {
  try {
    SinkhornOptions opt;
    opt.epsilon = eps;
    run(e, c, opt);
  } catch (const SolverError& err) {
    return err.argument;
  }
  return "(none)";
}

const SinkhornMethod kMethods[] = {SinkhornMethod::Auto, SinkhornMethod::Scaling,
                                   SinkhornMethod::Log, SinkhornMethod::Stabilized,
                                   SinkhornMethod::EpsilonScaling};

void test_kernels() {
  for (SimdLevel lv : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lv);
    if (k == nullptr) continue;
    Rng r(7);
    const int64_t m = 1003;
    Vec x(m), out(m);
    for (int64_t j = 0; j < m; ++j) x[j] = -750.0 + 1450.0 * r.next();
    x[0] = 0.0;
    x[1] = -708.0;
    x[2] = -707.99;
    x[3] = 709.78;
    x[4] = -1e-300;
    x[5] = 1e-17;
    x[6] = -0.34657359;
    x[7] = 0.34657359;
    x[m - 1] = 1.0;
    double worst = 0, sum = 0;
    bool flush_ok = true;
    const Vec zero(m, 0.0);
    const double s = k->exp_row(x.data(), zero.data(), 0.0, 1.0, out.data(), m);
    for (int64_t j = 0; j < m; ++j) {
      const double ref = std::exp(x[j]);
      if (x[j] < -708.0) {
        flush_ok = flush_ok && out[j] == 0.0;
      } else {
        worst = std::max(worst, std::fabs(out[j] - ref) / ref);
        sum += out[j];
      }
    }
    CHECK(flush_ok);
    CHECK(worst < 4.5e-16);
    if (!(worst < 4.5e-16)) std::fprintf(stderr, "%s: exp rel err %g\n", k->name, worst);
    CHECK(std::fabs(s - sum) <= 1e-14 * sum);
    // specials, on every lane position (tails included)
    for (int64_t len = 1; len <= 19; ++len) {
      Vec sp(len), o(len);
      for (int64_t j = 0; j < len; ++j) sp[j] = j % 4 == 0 ? -kInf : (j % 4 == 1 ? 800.0 : 0.5);
      sp[len - 1] = std::numeric_limits<double>::quiet_NaN();
      k->exp_row(sp.data(), zero.data(), 0.0, 1.0, o.data(), len);
      bool ok = std::isnan(o[len - 1]);
      for (int64_t j = 0; j + 1 < len; ++j)
        ok = ok &&
             (j % 4 == 0 ? o[j] == 0.0
                         : (j % 4 == 1 ? o[j] == kInf : std::fabs(o[j] - std::exp(0.5)) < 1e-15));
      CHECK(ok);
    }
    // g, c, s, inv_eps form; max_diff
    Vec g(37), c(37), o(37);
    for (int j = 0; j < 37; ++j) {
      g[j] = r.next();
      c[j] = 2 * r.next();
    }
    const double tot = k->exp_row(g.data(), c.data(), 0.3, 7.0, o.data(), 37);
    double ref_tot = 0, mx = -kInf, mx0 = -kInf;
    bool ok = true;
    for (int j = 0; j < 37; ++j) {
      const double v = std::exp((0.3 + g[j] - c[j]) * 7.0);
      ok = ok && std::fabs(o[j] - v) <= 1e-14 * v;
      ref_tot += v;
      mx = std::max(mx, g[j] - c[j]);
      mx0 = std::max(mx0, -c[j]);
    }
    CHECK(ok);
    CHECK(std::fabs(tot - ref_tot) <= 1e-14 * ref_tot);
    CHECK(k->max_diff(g.data(), c.data(), 37) == mx);
    CHECK(k->max_diff(nullptr, c.data(), 37) == mx0);
    CHECK(k->max_diff(g.data(), c.data(), 0) == -kInf);
    // cost rows
    for (int64_t d : {1, 2, 3, 5}) {
      const int64_t mm = 13;
      Vec xx(d), Yt(d * mm), row(mm);
      for (auto& v : xx) v = r.next();
      for (auto& v : Yt) v = r.next();
      for (int metric = 0; metric < 3; ++metric) {
        k->cost_row(xx.data(), Yt.data(), mm, d, metric, row.data());
        bool good = true;
        for (int64_t j = 0; j < mm; ++j) {
          double acc = 0;
          for (int64_t q = 0; q < d; ++q) {
            const double t = xx[q] - Yt[q * mm + j];
            acc += metric == 2 ? std::fabs(t) : t * t;
          }
          if (metric == 1) acc = std::sqrt(acc);
          good = good && std::fabs(row[j] - acc) <= 1e-14 * (1 + acc);
        }
        CHECK(good);
      }
    }
  }
}

void test_against_reference(const Engine& e) {
  for (auto sz : {std::pair<int64_t, int64_t>{7, 5}, {40, 33}, {1, 6}, {6, 1}}) {
    const Case c = random_case(sz.first, sz.second, 11 + sz.first);
    for (double eps : {0.05, 0.5}) {
      const int iters = 25;
      SinkhornOptions opt;
      opt.epsilon = eps;
      opt.tol = 0.0;
      opt.max_iterations = iters;
      Vec rf, rg;
      ref_log(c, eps, iters, rf, rg);
      const double scale = std::max(max_abs(rf), max_abs(rg)) + eps;
      opt.method = SinkhornMethod::Log;
      Out o = run(e, c, opt);
      CHECK(o.res.iterations == iters || o.res.reason == Reason::Tol ||
            o.res.reason == Reason::Stagnation);  // 1×m, n×1: a fixed point at once
      CHECK(gauge_diff(o.f, o.g, rf, rg) <= 1e-11 * scale);
      // Stabilized with no absorption needed takes the same iterates as scaling; both against
      // the plain Sinkhorn-Knopp loop (same potentials up to the gauge).
      Vec sf, sg;
      ref_scaling(c, eps, iters, sf, sg);
      for (SinkhornMethod m : {SinkhornMethod::Scaling, SinkhornMethod::Stabilized}) {
        opt.method = m;
        opt.absorb_threshold = 1e300;
        Out s = run(e, c, opt);
        CHECK(s.res.iterations == iters || s.res.reason == Reason::Tol ||
              s.res.reason == Reason::Stagnation);
        CHECK(gauge_diff(s.f, s.g, sf, sg) <= 1e-11 * scale);
      }
      // log and scaling iterates are the same sequence
      CHECK(gauge_diff(rf, rg, sf, sg) <= 1e-11 * scale);
    }
  }
}

void test_methods_agree(const Engine& e) {
  const Case c = random_case(30, 23, 5);
  Out base;
  bool first = true;
  for (SinkhornMethod m : kMethods) {
    for (bool plan : {true, false}) {
      SinkhornOptions opt;
      opt.epsilon = 0.05;
      opt.tol = 1e-12;
      opt.max_iterations = 20000;
      opt.method = m;
      opt.history = true;
      Out o = run(e, c, opt, plan);
      CHECK(o.res.reason == Reason::Tol);
      CHECK(o.res.marginal_error <= 2e-12);
      CHECK(!o.res.history.empty());
      CHECK(o.res.method != SinkhornMethod::Auto);
      if (m == SinkhornMethod::Auto) CHECK(o.res.method == SinkhornMethod::Scaling);
      if (first) {
        base = o;
        first = false;
        // plan agrees with its potentials, cost with the plan
        double cost = 0;
        for (int64_t k = 0; k < c.n * c.m; ++k) cost += c.C[k] * o.plan[k];
        CHECK(std::fabs(cost - o.res.cost) <= 1e-12 * cost);
        // the dual objective equals the primal one at the optimum (to the marginal error)
        const double d = dual_objective(e, c.prob(), 0.05, o.f.data(), o.g.data());
        CHECK(std::fabs(d - o.res.objective) <= 1e-9 * std::fabs(d));
        continue;
      }
      CHECK(std::fabs(o.res.cost - base.res.cost) <= 1e-9 * base.res.cost);
      CHECK(std::fabs(o.res.objective - base.res.objective) <=
            1e-9 * std::fabs(base.res.objective));
      CHECK(gauge_diff(o.f, o.g, base.f, base.g) <= 1e-9);
      if (plan) {
        double d = 0;
        for (int64_t k = 0; k < c.n * c.m; ++k)
          d = std::max(d, std::fabs(o.plan[k] - base.plan[k]));
        CHECK(d <= 1e-11);
      }
    }
  }
}

void test_zeros_and_shapes(const Engine& e) {
  Case c = random_case(9, 8, 3);
  // zero entries: a[2], a[5], b[0], b[7]; renormalise to equal sums
  c.a[2] = c.a[5] = 0;
  c.b[0] = c.b[7] = 0;
  double sa = 0, sb = 0;
  for (double v : c.a) sa += v;
  for (double v : c.b) sb += v;
  for (auto& v : c.b) v *= sa / sb;
  for (SinkhornMethod m : kMethods) {
    SinkhornOptions opt;
    opt.epsilon = 0.1;
    opt.tol = 1e-11;
    opt.max_iterations = 5000;
    opt.method = m;
    Out o = run(e, c, opt);
    CHECK(o.res.reason == Reason::Tol);
    CHECK(o.f[2] == -kInf && o.f[5] == -kInf && o.g[0] == -kInf && o.g[7] == -kInf);
    CHECK(std::isfinite(o.f[0]) && std::isfinite(o.g[1]));
    bool zeros = true;
    for (int64_t j = 0; j < c.m; ++j)
      zeros = zeros && o.plan[2 * c.m + j] == 0 && o.plan[5 * c.m + j] == 0;
    for (int64_t i = 0; i < c.n; ++i)
      zeros = zeros && o.plan[i * c.m] == 0 && o.plan[i * c.m + 7] == 0;
    CHECK(zeros);
    CHECK(std::isfinite(o.res.cost) && std::isfinite(o.res.objective));
    CHECK(o.res.marginal_error <= 1e-10);
  }
  // 1×m and n×1: the plan is the other marginal (up to the mass)
  for (auto sz : {std::pair<int64_t, int64_t>{1, 7}, {7, 1}}) {
    const Case s = random_case(sz.first, sz.second, 9);
    for (SinkhornMethod m : kMethods) {
      SinkhornOptions opt;
      opt.epsilon = 0.01;
      opt.method = m;
      Out o = run(e, s, opt);
      CHECK(o.res.reason == Reason::Tol);
      double d = 0;
      for (int64_t k = 0; k < s.n * s.m; ++k)
        d = std::max(d, std::fabs(o.plan[k] - (s.n == 1 ? s.b[k] : s.a[k])));
      CHECK(d <= 1e-12);
    }
  }
}

void test_epsilon_range(const Engine& e) {
  const Case c = random_case(25, 20, 21);
  for (double rel : {1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0}) {
    const double eps = rel * 1.0;  // max C ≈ 1
    for (SinkhornMethod m : kMethods) {
      SinkhornOptions opt;
      opt.epsilon = eps;
      opt.method = m;
      opt.max_iterations = rel >= 0.01 ? 5000 : 300;
      Out o = run(e, c, opt);
      CHECK(all_finite(o.f) && all_finite(o.g) && all_finite(o.plan));
      CHECK(std::isfinite(o.res.cost) && std::isfinite(o.res.marginal_error));
      if (m == SinkhornMethod::Scaling)
        CHECK(o.res.reason == Reason::Tol || o.res.reason == Reason::MaxIterations ||
              o.res.reason == Reason::NonFinite);
      else CHECK(o.res.reason == Reason::Tol || o.res.reason == Reason::MaxIterations);
      if (rel >= 0.01) CHECK(o.res.reason == Reason::Tol);
      if (m == SinkhornMethod::Auto && rel <= 1e-3) CHECK(o.res.method == SinkhornMethod::Log);
    }
  }
}

// Auto picks scaling here (max C − min C = 200 ε), whose scalings overflow at once (a row of K
// at e^−200 and masses of 1e250): Auto restarts as log and converges, explicit scaling stops
// non-finite with finite output.
void test_auto_fallback(const Engine& e) {
  Case c{2, 2, {1e250, 1e250}, {1e250, 1e250}, {0.0, 0.0, 200.0, 200.0}};
  CHECK(resolve_method(c.prob(), 1.0) == SinkhornMethod::Scaling);
  SinkhornOptions opt;
  opt.epsilon = 1.0;
  opt.tol = 2e240;  // 1e-10 of the mass
  Out o = run(e, c, opt);
  CHECK(o.res.method == SinkhornMethod::Log);
  CHECK(o.res.reason == Reason::Tol);
  CHECK(all_finite(o.f) && all_finite(o.g) && all_finite(o.plan));
  CHECK(std::fabs(o.plan[0] + o.plan[2] - 1e250) <= 1e-12 * 1e250);
  opt.method = SinkhornMethod::Scaling;
  o = run(e, c, opt);
  CHECK(o.res.method == SinkhornMethod::Scaling);
  CHECK(o.res.reason == Reason::NonFinite);
  CHECK(all_finite(o.f) && all_finite(o.g) && all_finite(o.plan));
  opt.method = SinkhornMethod::Auto;
  opt.scaling_fallback = false;
  o = run(e, c, opt);
  CHECK(o.res.reason == Reason::NonFinite);
}

// Converged (Tol) ⇔ the exact final marginal error ≤ tol, however small ε is: a check's row
// error is only an estimate (the columns of the iterate sum to b up to rounding), and far off
// when ε is below the potentials' ulp, where exp((f + g − C)/ε) is 0, 1 or ∞. The fuzz target's
// case (n 3, m 7, ε 3.5e-57, stabilised) reported Tol after one iteration with exact error 2.5.
// Log-domain methods keep f, g finite; no method puts NaN into f, g or the plan.
bool tol_honest(const OtResult& r, double tol) {
  return (r.reason == Reason::Tol) == (r.marginal_error <= tol);
}

bool no_nan(const Vec& v) {
  for (double x : v)
    if (std::isnan(x)) return false;
  return true;
}

void test_tiny_epsilon(const Engine& e) {
  const Case fz{3,
                7,
                {3, 2, 2},
                {1.75, 7.0 / 12, 7.0 / 12, 7.0 / 12, 7.0 / 6, 7.0 / 6, 7.0 / 6},
                {-0.25,  14,     -3.125, 5.625,  -3.25, -4.75, 8.875, 4.625, -6.125, 15.25, -12.75,
                 -1.125, -6.875, 7.625,  10.625, 10.25, 4.75,  13.25, -0.25, 14,     6.25}};
  SinkhornOptions opt;
  opt.epsilon = 3.5366768420347598e-57;
  opt.method = SinkhornMethod::Stabilized;
  opt.max_iterations = 14;
  opt.check_every = 1;
  opt.history = true;
  Out o = run(e, fz, opt);
  CHECK(o.res.reason != Reason::Tol && o.res.marginal_error > 1.0);
  CHECK(all_finite(o.f) && all_finite(o.g) && no_nan(o.plan));
  CHECK(o.res.history.back() == o.res.marginal_error);

  Case sq = random_case(6, 5, 33);
  for (auto& v : sq.C) v = std::round(v * 64) / 8;  // costs on a grid: ties, like the fuzz input
  const Case one{1, 1, {2.0}, {2.0}, {0.75}};
  int tol_seen = 0;
  for (const Case* c : {&fz, static_cast<const Case*>(&sq), static_cast<const Case*>(&one)})
    for (double eps : {1e-300, 1e-100, 3.5366768420347598e-57, 1e-30, 1e-17, 1e-13, 1e-9})
      for (SinkhornMethod m : kMethods)
        for (int64_t every : {1, 3}) {
          SinkhornOptions o2;
          o2.epsilon = eps;
          o2.method = m;
          o2.max_iterations = 12;
          o2.check_every = every;
          const bool plan = every == 1;
          Out r = run(e, *c, o2, plan);
          CHECK(tol_honest(r.res, o2.tol));
          tol_seen += r.res.reason == Reason::Tol;
          CHECK(no_nan(r.f) && no_nan(r.g) && no_nan(r.plan));
          if (m != SinkhornMethod::Scaling) CHECK(all_finite(r.f) && all_finite(r.g));
          // the same pair twice in a batch: each result keeps the rule too
          Vec A(c->a), B(c->b), F(2 * c->n), G(2 * c->m);
          A.insert(A.end(), c->a.begin(), c->a.end());
          B.insert(B.end(), c->b.begin(), c->b.end());
          Control ctl;
          const std::vector<OtResult> rs = sinkhorn_batch(e, c->n, c->m, 2, A.data(), B.data(),
                                                          c->C.data(), F.data(), G.data(), o2, ctl);
          CHECK(rs.size() == 2 && tol_honest(rs[0], o2.tol) && tol_honest(rs[1], o2.tol));
        }
  CHECK(tol_seen > 0);  // the 1×1 problem converges at every ε
}

void test_errors(const Engine& e) {
  Case c = random_case(4, 3, 1);
  Case bad = c;
  bad.a[1] = -0.1;
  CHECK(thrown_argument(e, bad, 0.1) == "a");
  bad = c;
  bad.a[0] = std::nan("");
  CHECK(thrown_argument(e, bad, 0.1) == "a");
  bad = c;
  bad.b[2] *= 1.001;
  CHECK(thrown_argument(e, bad, 0.1) == "b");
  bad = c;
  bad.b[1] = kInf;
  CHECK(thrown_argument(e, bad, 0.1) == "b");
  bad = c;
  bad.C[5] = std::nan("");
  CHECK(thrown_argument(e, bad, 0.1) == "C");
  CHECK(thrown_argument(e, c, 0.0) == "epsilon");
  CHECK(thrown_argument(e, c, -1.0) == "epsilon");
  CHECK(thrown_argument(e, c, std::nan("")) == "epsilon");
  CHECK(thrown_argument(e, c, 0.1) == "(none)");
  // validate(p): exact OT, no ε to check; validate(p, ε) rejects ε ≤ 0 (batch and SNS use it)
  bool threw = false;
  try {
    validate(c.prob());
  } catch (const SolverError&) {
    threw = true;
  }
  CHECK(!threw);
  for (const double bad_eps : {-1.0, 0.0, -1e-300, std::nan(""), HUGE_VAL, 1.2e308, 1e151}) {
    std::string arg = "(none)";
    try {
      validate(c.prob(), bad_eps);
    } catch (const SolverError& err) {
      arg = err.argument;
    }
    CHECK(arg == "epsilon");
  }
  CHECK(std::string(sinkhorn_method_name(SinkhornMethod::EpsilonScaling)) == "epsilon-scaling");
  CHECK(resolve_method(c.prob(), 1.0) == SinkhornMethod::Scaling);
  CHECK(resolve_method(c.prob(), 1e-3) == SinkhornMethod::Log);
  const Support s = support(c.prob());
  CHECK(s.full && s.rows.size() == 4 && s.cols.size() == 3);
}

void test_abort_and_threads() {
  const Case c = random_case(300, 260, 4);
  ThreadPool p1(1), p2(2);
  const Kernels* k = kernels_for(detect_simd());
  const Engine e1{k, &p1}, e2{k, &p2};
  for (SinkhornMethod m : kMethods) {
    SinkhornOptions opt;
    opt.epsilon = m == SinkhornMethod::Scaling || m == SinkhornMethod::Auto ? 0.02 : 0.002;
    opt.method = m;
    opt.max_iterations = 60;
    Out o1 = run(e1, c, opt), o2 = run(e2, c, opt);
    CHECK(o1.f == o2.f && o1.g == o2.g && o1.plan == o2.plan);
    CHECK(o1.res.cost == o2.res.cost && o1.res.marginal_error == o2.res.marginal_error);
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    Out a = run(e2, c, opt, true, &ctl);
    CHECK(a.res.reason == Reason::Aborted);
    CHECK(all_finite(a.f) && all_finite(a.g) && all_finite(a.plan));
  }
}

// History: one entry per check plus the exact final one; progress with fractions in [0, 1];
// the time limit.
void test_history_progress(const Engine& e) {
  const Case c = random_case(40, 30, 12);
  for (SinkhornMethod m : kMethods) {
    SinkhornOptions opt;
    opt.epsilon = 0.005;
    opt.method = m == SinkhornMethod::Auto ? SinkhornMethod::Log : m;
    opt.tol = 1e-300;
    opt.max_iterations = 35;
    opt.check_every = 10;
    opt.history = true;
    struct Seen {
      int calls = 0;
      bool ok = true;
    } seen;
    Control ctl;
    ctl.set_progress(
        [](void* ctx, const ProgressInfo& pi) {
          Seen* s = static_cast<Seen*>(ctx);
          ++s->calls;
          s->ok = s->ok && pi.fraction >= 0.0 && pi.fraction <= 1.0 && pi.total == 35 &&
                  pi.iteration > 0 && std::isfinite(pi.value);
        },
        &seen, 0.0);
    Out o = run(e, c, opt, false, &ctl);
    CHECK(o.res.reason == Reason::MaxIterations);
    CHECK(o.res.iterations == 35);
    CHECK(o.res.history.size() == 4);  // iterations 10, 20, 30 and the final exact check
    CHECK(o.res.history.back() == o.res.marginal_error);
    CHECK(seen.calls >= 3 && seen.ok);
    Control tl;
    tl.set_time_limit_ms(1e-3);
    opt.max_iterations = 100000000;
    Out t = run(e, c, opt, true, &tl);
    CHECK(t.res.reason == Reason::TimeLimit);
    CHECK(all_finite(t.f) && all_finite(t.g) && all_finite(t.plan));
  }
}

void test_levels_agree() {
  const Case c = random_case(50, 45, 8);
  const Engine es{kernels_scalar(), nullptr};
  for (SimdLevel lv : {SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lv);
    if (k == nullptr) continue;
    const Engine ev{k, nullptr};
    for (SinkhornMethod m : kMethods) {
      SinkhornOptions opt;
      opt.epsilon = 0.01;
      opt.method = m;
      opt.tol = 1e-11;
      opt.max_iterations = 5000;
      Out a = run(es, c, opt), b = run(ev, c, opt);
      CHECK(a.res.reason == Reason::Tol && b.res.reason == Reason::Tol);
      CHECK(std::fabs(a.res.cost - b.res.cost) <= 1e-10 * a.res.cost);
      CHECK(gauge_diff(a.f, a.g, b.f, b.g) <= 1e-9);
    }
  }
}

void test_cost_matrix() {
  Rng r(3);
  for (int64_t d : {1, 2, 3, 7}) {
    const int64_t n = 37, m = 29;
    Vec X(n * d), Y(m * d), out(n * m);
    for (auto& v : X) v = r.next() * 4 - 2;
    for (auto& v : Y) v = r.next() * 4 - 2;
    for (SimdLevel lv : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
      const Kernels* k = kernels_for(lv);
      if (k == nullptr) continue;
      ThreadPool pool(2);
      const Engine e{k, &pool};
      for (Metric mt : {Metric::SqEuclidean, Metric::Euclidean, Metric::Cityblock}) {
        cost_matrix(e, n, m, d, X.data(), Y.data(), mt, out.data());
        double worst = 0;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < m; ++j) {
            double acc = 0;
            for (int64_t q = 0; q < d; ++q) {
              const double t = X[i * d + q] - Y[j * d + q];
              acc += mt == Metric::Cityblock ? std::fabs(t) : t * t;
            }
            if (mt == Metric::Euclidean) acc = std::sqrt(acc);
            worst = std::max(worst, std::fabs(out[i * m + j] - acc) / (1 + acc));
          }
        CHECK(worst <= 1e-14);
      }
    }
  }
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void bench() {
  ThreadPool pool(2);
  Workspace ws;
  const Engine e{kernels_for(detect_simd()), &pool, &ws};
  std::printf("kernels: %s\n", e.k->name);
  {  // random assignment, n = m = 500, ε = 1/1200, log (2 threads, then 1)
    Case c = random_case(500, 500, 42, true);
    ThreadPool pool1(1);
    const Engine e1{e.k, &pool1, &ws};
    for (int rep = 0; rep < 3; ++rep) {
      const Engine& eng = rep < 2 ? e : e1;
      SinkhornOptions opt;
      opt.epsilon = 1.0 / 1200;
      opt.method = SinkhornMethod::Log;
      opt.tol = 0;
      opt.max_iterations = 2000;
      const double t0 = now_ms();
      Out o = run(eng, c, opt, false);
      const double t1 = now_ms();
      std::printf("assignment 500 log, %d thread(s): %.3f ms/iteration (%lld it, err %.3g)\n",
                  rep < 2 ? 2 : 1, (t1 - t0) / o.res.iterations, (long long)o.res.iterations,
                  o.res.marginal_error);
    }
  }
  {  // 2D clouds n = m = 2000, sqeuclidean scaled to max 1, ε = 0.01, tol 1e-9, plan
    const int64_t n = 2000;
    Rng r(5);
    Vec X(2 * n), Y(2 * n);
    for (auto& v : X) v = r.next();
    for (auto& v : Y) v = r.next();
    Case c{n, n, Vec(n, 1.0 / n), Vec(n, 1.0 / n), Vec(n * n)};
    cost_matrix(e, n, n, 2, X.data(), Y.data(), Metric::SqEuclidean, c.C.data());
    double mx = 0;
    for (double v : c.C) mx = std::max(mx, v);
    for (auto& v : c.C) v /= mx;
    for (SinkhornMethod m : {SinkhornMethod::Auto, SinkhornMethod::Auto, SinkhornMethod::Log}) {
      SinkhornOptions opt;
      opt.epsilon = 0.01;
      opt.method = m;
      opt.max_iterations = 10000;
      // fresh, untouched plan memory each call (as a new Float64Array): first touch included
      Vec f(n), g(n);
      std::unique_ptr<double[]> plan(new double[n * n]);
      Control ctl;
      const double t0 = now_ms();
      OtResult res = sinkhorn(e, c.prob(), f.data(), g.data(), plan.get(), opt, ctl);
      const double t1 = now_ms();
      std::printf("clouds 2000 %s: %.1f ms total, %lld it, err %.3g, %s\n",
                  sinkhorn_method_name(res.method), t1 - t0, (long long)res.iterations,
                  res.marginal_error, reason_name(res.reason));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
    bench();
    return 0;
  }
  const Engine e{kernels_for(detect_simd()), nullptr};
  test_kernels();
  test_against_reference(e);
  test_methods_agree(e);
  test_zeros_and_shapes(e);
  test_epsilon_range(e);
  test_auto_fallback(e);
  test_tiny_epsilon(e);
  test_errors(e);
  test_abort_and_threads();
  test_history_progress(e);
  test_levels_agree();
  test_cost_matrix();
  std::printf("sinkhorn_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
