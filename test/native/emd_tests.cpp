// Exact optimal transport (issue 10, section 3): ot::emd, the network simplex (native/ot/emd.cpp).
// Checks:
//  - every result is an LP optimality certificate: the plan is primal feasible (row/column sums
//    = a, b to 1e-12 relative, entries > 0, at most n + m − 1 of them, sorted columns), the
//    duals are feasible (f_i + g_j ≤ C_ij up to 1e-12·max|C|) with equality on the plan's
//    support, and aᵀf + bᵀg = cost to 1e-12 relative; cost = ⟨C, P⟩ recomputed here;
//  - tiny uniform assignment problems (n ≤ 7) against brute force over all permutations, and
//    larger ones (n up to 120, real and integer costs) against the Hungarian algorithm written
//    here (an independent O(n³) method);
//  - degenerate problems (integer costs with many ties, all-equal costs, a = b with a zero-cost
//    diagonal, 400 small problems with integer masses and costs), zeros in a and b (empty
//    rows/columns, finite duals), 1×m and n×1, negative and shifted costs, b rescaled to sum(a),
//    random non-square problems with random weights;
//  - max_iterations, abort and the time limit stop with a feasible plan and the right reason;
//  - bad input: sum(b) ≠ sum(a) names "b", negative a names "a", non-finite C names "C".
// Build and run:  test/native/build.sh emd_tests /tmp/out && /tmp/out/emd_tests
// Timings (issue 10, section 5):  emd_tests --bench [n ...] (uniform 2D clouds, squared distances)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/ot/ot.hpp"

using namespace itersolve;

#include "check.hpp"

namespace {

using Vec = std::vector<double>;

struct Instance {
  int64_t n = 0, m = 0;
  Vec a, b, C;
  ot::Problem problem() const { return ot::Problem{n, m, a.data(), b.data(), C.data()}; }
};

struct Solved {
  ot::OtResult res;
  Vec f, g;
  csr::Owned plan;
};

Solved run(const Instance& in, int64_t max_iterations = -1, Control* ctl_in = nullptr) {
  Solved s;
  s.f.assign(static_cast<size_t>(in.n), std::nan(""));
  s.g.assign(static_cast<size_t>(in.m), std::nan(""));
  ot::EmdOptions opt;
  if (max_iterations >= 0) opt.max_iterations = max_iterations;
  Engine e;
  Control ctl;
  s.res = ot::emd(e, in.problem(), s.f.data(), s.g.data(), s.plan, opt, ctl_in ? *ctl_in : ctl);
  return s;
}

double max_abs(const Vec& v) {
  double x = 0;
  for (double y : v) x = std::max(x, std::fabs(y));
  return x;
}

// The plan is a feasible transport plan for (a, b·sum(a)/sum(b)): returns the number of failed
// conditions (also CHECKed).
int check_primal(const Instance& in, const Solved& s) {
  const int before = failures;
  const csr::Owned& P = s.plan;
  CHECK(P.rows == in.n && P.cols == in.m);
  CHECK(static_cast<int64_t>(P.rowPtr.size()) == in.n + 1);
  const int64_t nnz = static_cast<int64_t>(P.values.size());
  CHECK(nnz <= in.n + in.m - 1);
  double sa = 0, sb = 0;
  for (double x : in.a) sa += x;
  for (double x : in.b) sb += x;
  Vec r(static_cast<size_t>(in.n), 0.0), c(static_cast<size_t>(in.m), 0.0);
  bool positive = true, sorted = true;
  for (int64_t i = 0; i < in.n; ++i)
    for (int32_t k = P.rowPtr[i]; k < P.rowPtr[i + 1]; ++k) {
      if (!(P.values[k] > 0)) positive = false;
      if (k > P.rowPtr[i] && P.colIdx[k] <= P.colIdx[k - 1]) sorted = false;
      r[i] += P.values[k];
      c[P.colIdx[k]] += P.values[k];
    }
  CHECK(positive);
  CHECK(sorted);
  double er = 0, ec = 0;
  for (int64_t i = 0; i < in.n; ++i) er = std::max(er, std::fabs(r[i] - in.a[i]));
  for (int64_t j = 0; j < in.m; ++j) ec = std::max(ec, std::fabs(c[j] - in.b[j] * sa / sb));
  CHECK(er <= 1e-12 * sa);
  CHECK(ec <= 1e-12 * sa);
  double cost = 0;
  for (int64_t i = 0; i < in.n; ++i)
    for (int32_t k = P.rowPtr[i]; k < P.rowPtr[i + 1]; ++k)
      cost += in.C[i * in.m + P.colIdx[k]] * P.values[k];
  CHECK(std::fabs(cost - s.res.cost) <= 1e-14 * (std::fabs(cost) + max_abs(in.C) * sa));
  CHECK(s.res.objective == s.res.cost);
  return failures - before;
}

// Dual feasibility, complementary slackness and strong duality: with check_primal, a proof of
// optimality.
int check_optimal(const Instance& in, const Solved& s) {
  const int before = failures + check_primal(in, s);
  CHECK(s.res.reason == Reason::Optimal);
  const double cm = std::max(max_abs(in.C), 1e-300);
  bool finite = true;
  for (double x : s.f) finite = finite && std::isfinite(x);
  for (double x : s.g) finite = finite && std::isfinite(x);
  CHECK(finite);
  double viol = 0;
  for (int64_t i = 0; i < in.n; ++i)
    for (int64_t j = 0; j < in.m; ++j) viol = std::max(viol, s.f[i] + s.g[j] - in.C[i * in.m + j]);
  CHECK(viol <= 1e-12 * cm);
  double slack = 0;
  for (int64_t i = 0; i < in.n; ++i)
    for (int32_t k = s.plan.rowPtr[i]; k < s.plan.rowPtr[i + 1]; ++k) {
      const int32_t j = s.plan.colIdx[k];
      slack = std::max(slack, std::fabs(s.f[i] + s.g[j] - in.C[i * in.m + j]));
    }
  CHECK(slack <= 1e-12 * cm);
  double sa = 0, sb = 0, dual = 0;
  for (double x : in.a) sa += x;
  for (double x : in.b) sb += x;
  for (int64_t i = 0; i < in.n; ++i) dual += in.a[i] * s.f[i];
  for (int64_t j = 0; j < in.m; ++j) dual += in.b[j] * (sa / sb) * s.g[j];
  CHECK(std::fabs(dual - s.res.cost) <= 1e-12 * (std::fabs(s.res.cost) + cm * sa));
  if (failures > before)
    std::fprintf(stderr, "  (n=%lld m=%lld: viol %.3g slack %.3g dual %.17g cost %.17g)\n",
                 (long long)in.n, (long long)in.m, viol, slack, dual, s.res.cost);
  return failures - before;
}

Instance uniform_square(int64_t n, std::mt19937_64& rng, int integer_range = 0) {
  Instance in;
  in.n = in.m = n;
  in.a.assign(static_cast<size_t>(n), 1.0 / double(n));
  in.b = in.a;
  in.C.resize(static_cast<size_t>(n * n));
  std::uniform_real_distribution<double> U(0, 1);
  for (double& c : in.C) c = integer_range > 0 ? std::floor(U(rng) * integer_range) : U(rng);
  return in;
}

Instance clouds(int64_t n, int64_t m, std::mt19937_64& rng, bool random_weights) {
  std::uniform_real_distribution<double> U(0, 1);
  Instance in;
  in.n = n;
  in.m = m;
  Vec X(static_cast<size_t>(2 * n)), Y(static_cast<size_t>(2 * m));
  for (double& x : X) x = U(rng);
  for (double& y : Y) y = U(rng);
  in.a.assign(static_cast<size_t>(n), 1.0 / double(n));
  in.b.assign(static_cast<size_t>(m), 1.0 / double(m));
  if (random_weights) {
    double sa = 0, sb = 0;
    for (double& x : in.a) sa += x = 0.05 + U(rng);
    for (double& x : in.b) sb += x = 0.05 + U(rng);
    for (double& x : in.a) x /= sa;
    for (double& x : in.b) x /= sb;
  }
  in.C.resize(static_cast<size_t>(n * m));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const double dx = X[2 * i] - Y[2 * j], dy = X[2 * i + 1] - Y[2 * j + 1];
      in.C[i * m + j] = dx * dx + dy * dy;
    }
  return in;
}

// min over permutations σ of Σ C_iσ(i) (n ≤ 8).
double brute_force_assignment(const Instance& in) {
  std::vector<int> perm(static_cast<size_t>(in.n));
  std::iota(perm.begin(), perm.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double s = 0;
    for (int64_t i = 0; i < in.n; ++i) s += in.C[i * in.n + perm[i]];
    best = std::min(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

// The Hungarian algorithm (shortest augmenting paths with potentials, O(n³)): the minimum of
// Σ C_iσ(i) over permutations, an independent check of the uniform n×n problem (cost = that/n).
double hungarian(const Instance& in) {
  const int64_t n = in.n;
  const double inf = std::numeric_limits<double>::infinity();
  Vec u(n + 1, 0.0), v(n + 1, 0.0);
  std::vector<int64_t> p(n + 1, 0), way(n + 1, 0);
  for (int64_t i = 1; i <= n; ++i) {
    p[0] = i;
    int64_t j0 = 0;
    Vec minv(n + 1, inf);
    std::vector<char> used(n + 1, 0);
    do {
      used[j0] = 1;
      const int64_t i0 = p[j0];
      double delta = inf;
      int64_t j1 = 0;
      for (int64_t j = 1; j <= n; ++j)
        if (!used[j]) {
          const double cur = in.C[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      for (int64_t j = 0; j <= n; ++j)
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int64_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  double s = 0;
  for (int64_t j = 1; j <= n; ++j) s += in.C[(p[j] - 1) * n + (j - 1)];
  return s;
}

bool close(double x, double y, double rel) {
  return std::fabs(x - y) <= rel * std::max({std::fabs(x), std::fabs(y), 1e-300});
}

void test_brute_force() {
  std::mt19937_64 rng(11);
  for (int64_t n = 1; n <= 7; ++n)
    for (int rep = 0; rep < 6; ++rep) {
      // Real costs, then small integer ranges (ties, degenerate bases).
      const int range = rep < 2 ? 0 : rep < 4 ? 3 : 2;
      const Instance in = uniform_square(n, rng, range);
      const Solved s = run(in);
      check_optimal(in, s);
      const double bf = brute_force_assignment(in) / double(n);
      CHECK(std::fabs(s.res.cost - bf) <= 1e-14 * std::max(1.0, std::fabs(bf)));
    }
}

void test_hungarian() {
  std::mt19937_64 rng(12);
  for (int64_t n : {20, 57, 120})
    for (int range : {0, 4, 1000}) {
      const Instance in = uniform_square(n, rng, range);
      const Solved s = run(in);
      check_optimal(in, s);
      CHECK(close(s.res.cost, hungarian(in) / double(n), 1e-12));
    }
}

void test_degenerate() {
  std::mt19937_64 rng(13);
  {  // all-equal costs: any plan is optimal, cost = c·sum(a)
    Instance in = clouds(9, 13, rng, true);
    for (double& c : in.C) c = 2.5;
    const Solved s = run(in);
    check_optimal(in, s);
    CHECK(close(s.res.cost, 2.5, 1e-14));
  }
  {  // all-zero costs
    Instance in = clouds(6, 4, rng, true);
    for (double& c : in.C) c = 0.0;
    const Solved s = run(in);
    check_optimal(in, s);
    CHECK(s.res.cost == 0.0);
  }
  {  // a = b, C_ij = |i − j|: the identity plan, cost 0, exactly n entries
    Instance in;
    in.n = in.m = 40;
    std::uniform_real_distribution<double> U(0.1, 1);
    in.a.resize(40);
    for (double& x : in.a) x = U(rng);
    in.b = in.a;
    in.C.resize(1600);
    for (int64_t i = 0; i < 40; ++i)
      for (int64_t j = 0; j < 40; ++j) in.C[i * 40 + j] = std::fabs(double(i - j));
    const Solved s = run(in);
    check_optimal(in, s);
    CHECK(s.res.cost == 0.0);
    CHECK(s.plan.values.size() == 40);
    for (int64_t i = 0; i < 40; ++i)
      CHECK(s.plan.rowPtr[i + 1] - s.plan.rowPtr[i] == 1 && s.plan.colIdx[s.plan.rowPtr[i]] == i);
  }
  {  // integer costs with many ties and integer (uniform) masses: heavily degenerate bases
    for (int range : {2, 3, 5}) {
      Instance in = uniform_square(150, rng, range);
      const Solved s = run(in);
      check_optimal(in, s);
      CHECK(close(s.res.cost, hungarian(in) / 150.0, 1e-12));
    }
  }
  {  // masses with common multiples and integer costs, non-square
    Instance in;
    in.n = 30;
    in.m = 45;
    in.a.assign(30, 3.0);
    in.b.assign(45, 2.0);
    in.C.resize(30 * 45);
    std::uniform_int_distribution<int> D(0, 3);
    for (double& c : in.C) c = D(rng);
    check_optimal(in, run(in));
  }
}

void test_zeros() {
  std::mt19937_64 rng(14);
  Instance in = clouds(25, 30, rng, true);
  // Zero rows 0, 7, 24 and columns 3, 4, 29; renormalise.
  for (int i : {0, 7, 24}) in.a[i] = 0;
  for (int j : {3, 4, 29}) in.b[j] = 0;
  double sa = 0, sb = 0;
  for (double x : in.a) sa += x;
  for (double x : in.b) sb += x;
  for (double& x : in.a) x /= sa;
  for (double& x : in.b) x /= sb;
  const Solved s = run(in);
  check_optimal(in, s);
  for (int i : {0, 7, 24}) CHECK(s.plan.rowPtr[i + 1] == s.plan.rowPtr[i]);
  for (int64_t k = 0; k < static_cast<int64_t>(s.plan.colIdx.size()); ++k)
    CHECK(s.plan.colIdx[k] != 3 && s.plan.colIdx[k] != 4 && s.plan.colIdx[k] != 29);
  // The same cost as the problem without those rows and columns.
  Instance sub;
  for (int64_t i = 0; i < in.n; ++i)
    if (in.a[i] > 0) sub.a.push_back(in.a[i]);
  for (int64_t j = 0; j < in.m; ++j)
    if (in.b[j] > 0) sub.b.push_back(in.b[j]);
  sub.n = static_cast<int64_t>(sub.a.size());
  sub.m = static_cast<int64_t>(sub.b.size());
  for (int64_t i = 0; i < in.n; ++i)
    for (int64_t j = 0; j < in.m; ++j)
      if (in.a[i] > 0 && in.b[j] > 0) sub.C.push_back(in.C[i * in.m + j]);
  const Solved t = run(sub);
  check_optimal(sub, t);
  CHECK(close(s.res.cost, t.res.cost, 1e-13));
  // The zero-mass duals are the c-transforms: tight somewhere.
  for (int i : {0, 7, 24}) {
    double mn = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < in.m; ++j) mn = std::min(mn, in.C[i * in.m + j] - s.f[i] - s.g[j]);
    CHECK(std::fabs(mn) <= 1e-14);
  }
  // Only one row / one column with mass.
  Instance one = clouds(5, 6, rng, false);
  one.a = {0, 0, 1, 0, 0};
  check_optimal(one, run(one));
  one.a.assign(5, 0.2);
  one.b = {0, 0, 0, 0, 1, 0};
  check_optimal(one, run(one));
}

// Many small problems with integer masses (zeros included) and integer costs: the most
// degenerate bases there are.
void test_small_integer() {
  std::mt19937_64 rng(19);
  std::uniform_int_distribution<int> Dn(1, 9), Dmass(0, 3), Dcost(0, 3);
  for (int rep = 0; rep < 400; ++rep) {
    Instance in;
    in.n = Dn(rng);
    in.m = Dn(rng);
    in.a.resize(static_cast<size_t>(in.n));
    int total = 0;
    for (double& x : in.a) total += static_cast<int>(x = Dmass(rng));
    if (total == 0) {
      in.a[0] = 1;
      total = 1;
    }
    in.b.assign(static_cast<size_t>(in.m), 0.0);
    std::uniform_int_distribution<int64_t> Dcol(0, in.m - 1);
    for (int u = 0; u < total; ++u) in.b[Dcol(rng)] += 1;
    in.C.resize(static_cast<size_t>(in.n * in.m));
    for (double& c : in.C) c = rep % 3 == 0 ? 1.0 : Dcost(rng);
    check_optimal(in, run(in));
  }
}

void test_vectors() {
  std::mt19937_64 rng(15);
  {  // 1×m: the plan is b itself
    Instance in = clouds(1, 17, rng, true);
    const Solved s = run(in);
    check_optimal(in, s);
    double cost = 0;
    for (int64_t j = 0; j < in.m; ++j) cost += in.b[j] * in.C[j];
    CHECK(close(s.res.cost, cost, 1e-14));
    CHECK(s.plan.values.size() == 17);
  }
  {  // n×1
    Instance in = clouds(23, 1, rng, true);
    const Solved s = run(in);
    check_optimal(in, s);
    double cost = 0;
    for (int64_t i = 0; i < in.n; ++i) cost += in.a[i] * in.C[i];
    CHECK(close(s.res.cost, cost, 1e-14));
  }
  {  // 1×1
    Instance in;
    in.n = in.m = 1;
    in.a = {2.0};
    in.b = {2.0};
    in.C = {-3.0};
    const Solved s = run(in);
    check_optimal(in, s);
    CHECK(s.res.cost == -6.0);
    CHECK(s.res.iterations <= 1);
  }
}

void test_random() {
  std::mt19937_64 rng(16);
  for (int rep = 0; rep < 3; ++rep) {
    const Instance in = clouds(90 + 37 * rep, 140 - 23 * rep, rng, rep != 1);
    const Solved s = run(in);
    check_optimal(in, s);
    CHECK(s.res.iterations > 0);
    CHECK(s.res.marginal_error <= 1e-13);
    // Shifting C by a constant shifts the cost by constant·sum(a) and leaves the plan optimal.
    Instance sh = in;
    for (double& c : sh.C) c -= 7.0;
    const Solved t = run(sh);
    check_optimal(sh, t);
    CHECK(std::fabs(t.res.cost - (s.res.cost - 7.0)) <= 1e-13 * 7.0);
    // Scaling C scales the cost.
    Instance sc = in;
    for (double& c : sc.C) c *= 1e6;
    const Solved u = run(sc);
    check_optimal(sc, u);
    CHECK(close(u.res.cost, 1e6 * s.res.cost, 1e-12));
  }
  {  // sum(b) = sum(a)·(1 + 5e-13): b is rescaled, still optimal for the rescaled b
    Instance in = clouds(40, 50, rng, true);
    for (double& x : in.b) x *= 1 + 5e-13;
    check_optimal(in, run(in));
  }
}

void test_stops() {
  std::mt19937_64 rng(17);
  const Instance in = clouds(120, 100, rng, true);
  const Solved full = run(in);
  check_optimal(in, full);
  for (int64_t limit : {int64_t(0), int64_t(1), int64_t(25), full.res.iterations / 2}) {
    const Solved s = run(in, limit);
    CHECK(s.res.reason == Reason::MaxIterations);
    CHECK(s.res.iterations == limit);
    CHECK(check_primal(in, s) == 0);
    CHECK(s.res.cost >= full.res.cost * (1 - 1e-12));
  }
  {  // exactly enough pivots: optimal
    const Solved s = run(in, full.res.iterations);
    CHECK(s.res.reason == Reason::Optimal);
    CHECK(s.res.cost == full.res.cost);
  }
  // Abort (a flag set before the start) and the time limit stop at the first poll (before the
  // first pivot), with a feasible plan.
  const Instance big = clouds(400, 400, rng, false);
  {
    std::atomic<bool> flag(true);
    Control ctl;
    ctl.set_abort_flag(&flag);
    const Solved s = run(big, -1, &ctl);
    CHECK(s.res.reason == Reason::Aborted);
    CHECK(s.res.iterations == 0);
    CHECK(check_primal(big, s) == 0);
  }
  {
    Control ctl;
    ctl.set_time_limit_ms(1e-3);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const Solved s = run(big, -1, &ctl);
    CHECK(s.res.reason == Reason::TimeLimit);
    CHECK(check_primal(big, s) == 0);
  }
  {  // progress reports the pivots
    Control ctl;
    int64_t calls = 0, last = -1;
    struct Ctx {
      int64_t* calls;
      int64_t* last;
    } ctx{&calls, &last};
    ctl.set_progress(
        [](void* c, const ProgressInfo& info) {
          auto* x = static_cast<Ctx*>(c);
          ++*x->calls;
          *x->last = info.iteration;
        },
        &ctx, 0.0);
    const Solved s = run(big, -1, &ctl);
    CHECK(s.res.reason == Reason::Optimal);
    CHECK(calls > 0);
    CHECK(last > 0 && last <= s.res.iterations);
  }
}

template <class F>
void expect_error(F fn, const char* argument) {
  bool thrown = false;
  try {
    fn();
  } catch (const SolverError& e) {
    thrown = true;
    CHECK(std::strcmp(e.code, "ERR_INVALID_ARGUMENT") == 0);
    CHECK(e.argument == argument);
    if (e.argument != argument)
      std::fprintf(stderr, "  argument '%s', expected '%s': %s\n", e.argument.c_str(), argument,
                   e.what());
  }
  CHECK(thrown);
}

void test_errors() {
  std::mt19937_64 rng(18);
  Instance in = clouds(5, 7, rng, true);
  Instance bad = in;
  bad.b[2] += 1e-9;
  expect_error([&] { run(bad); }, "b");
  bad = in;
  bad.a[1] = -0.1;
  expect_error([&] { run(bad); }, "a");
  bad = in;
  bad.C[4] = std::numeric_limits<double>::infinity();
  expect_error([&] { run(bad); }, "C");
  bad = in;
  bad.C[4] = std::nan("");
  expect_error([&] { run(bad); }, "C");
}

void bench(int argc, char** argv) {
  std::vector<int64_t> sizes;
  for (int k = 2; k < argc; ++k) sizes.push_back(std::atoll(argv[k]));
  if (sizes.empty()) sizes = {500, 1000, 2000};
  for (int64_t n : sizes) {
    std::mt19937_64 rng{static_cast<uint64_t>(n)};
    const Instance in = clouds(n, n, rng, false);
    const auto t0 = std::chrono::steady_clock::now();
    const Solved s = run(in);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("emd n=m=%lld: %.4f s, %lld pivots, cost %.17g, %s\n", (long long)n, dt,
                (long long)s.res.iterations, s.res.cost, reason_name(s.res.reason));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
    bench(argc, argv);
    return 0;
  }
  test_brute_force();
  test_hungarian();
  test_degenerate();
  test_zeros();
  test_small_integer();
  test_vectors();
  test_random();
  test_stops();
  test_errors();
  std::printf("emd_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
