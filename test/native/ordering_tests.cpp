// Unit tests of native/krylov/ordering: the maximum-product matching (against brute force), the
// block triangular ordering (known structures, a 10⁶-long chain without recursion), ILU(0) after
// reordering (exact on a permuted triangular matrix, errors naming the original row) and the
// SuiteSparse LP bases bp_0/bp_800/bp_1600 with GMRES(30), GMRES(50) and BiCGSTAB. Build and run:
//   test/native/build.sh ordering_tests /tmp/out && /tmp/out/ordering_tests

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/formats/mmio.hpp"
#include "../../native/krylov/krylov.hpp"
#include "../../native/krylov/ordering.hpp"

using namespace itersolve;

#include "check.hpp"

#include "matrices.hpp"
using namespace itersolve::testing;

static double entry(const Mat& m, int64_t i, int64_t j) {
  double s = 0.0;
  for (int32_t k = m.rp[i]; k < m.rp[i + 1]; ++k)
    if (m.ci[k] == j) s += m.v[k];
  return s;
}

static bool is_permutation(const std::vector<int32_t>& p, int64_t n) {
  if (static_cast<int64_t>(p.size()) != n) return false;
  std::vector<char> seen(n, 0);
  for (int32_t x : p) {
    if (x < 0 || x >= n || seen[x]) return false;
    seen[x] = 1;
  }
  return true;
}

// ---- matching ----

static void test_matching_small() {
  // A permutation matrix: the only perfect matching; scaled entries are ±1 already.
  {
    const std::vector<int32_t> p = {3, 0, 4, 1, 2};  // row i has its entry in column p[i]
    std::vector<Triplet> t;
    for (int32_t i = 0; i < 5; ++i) t.push_back({i, p[i], i % 2 ? -2.5 : 0.25});
    const Mat A = from_triplets(5, t);
    std::vector<int32_t> rp;
    Vec rs, cs;
    CHECK(needs_reordering(A.view()));
    CHECK(max_product_matching(A.view(), rp, &rs, &cs));
    for (int32_t i = 0; i < 5; ++i) CHECK(rp[p[i]] == i);
    for (int32_t i = 0; i < 5; ++i)
      CHECK(std::fabs(std::fabs(rs[i] * entry(A, i, p[i]) * cs[p[i]]) - 1) < 1e-14);
  }
  // Row 0 holds every column's largest entry. The optimum puts it on column 0 and rows 1..3 on
  // their 10s (10⁵; row 0 on any other column gives at most 10⁴).
  {
    const Mat A = from_dense(4, {100, 100, 100, 100,  //
                                 1, 1, 1, 10,         //
                                 1, 1, 10, 1,         //
                                 1, 10, 1, 1});
    std::vector<int32_t> rp;
    CHECK(max_product_matching(A.view(), rp, nullptr, nullptr));
    CHECK((rp == std::vector<int32_t>{0, 3, 2, 1}));
  }
  // A long augmenting path: upper bidiagonal, 1 on the diagonal and 2 above. The zero-cost
  // start matches column 0 to row 0 and each column j > 1 to row j − 1 (its larger entry), so
  // column 1's path to the only free row, n − 1, runs through every row; the diagonal is the
  // only perfect matching.
  {
    const int32_t n = 200;
    std::vector<Triplet> t;
    for (int32_t i = 0; i < n; ++i) {
      t.push_back({i, i, 1.0});
      if (i + 1 < n) t.push_back({i, i + 1, 2.0});
    }
    const Mat A = from_triplets(n, t);
    std::vector<int32_t> rp;
    Vec rs, cs;
    CHECK(max_product_matching(A.view(), rp, &rs, &cs));
    bool identity = true;
    for (int32_t j = 0; j < n; ++j) identity = identity && rp[j] == j;
    CHECK(identity);
    for (int32_t i = 0; i + 1 < n; ++i) CHECK(std::fabs(rs[i] * 2.0 * cs[i + 1]) <= 1 + 1e-12);
  }
  // Structurally singular: rows 0 and 1 only have column 0.
  {
    const Mat A = from_dense(3, {1, 0, 0,  //
                                 2, 0, 0,  //
                                 0, 3, 4});
    std::vector<int32_t> rp;
    Vec rs = {7}, cs = {7};
    CHECK(!max_product_matching(A.view(), rp, &rs, &cs));
    CHECK(rs.empty() && cs.empty());
    CHECK(rp.size() == 3 && std::count(rp.begin(), rp.end(), -1) == 1);
    CHECK(rp[0] == 0 || rp[0] == 1);
  }
  // Explicit zeros and duplicates summing to zero are no entries: row 1's diagonal cancels.
  {
    const Mat A =
        from_triplets(2, {{0, 0, 0.0}, {0, 1, 1.0}, {1, 0, 1.0}, {1, 1, 2.0}, {1, 1, -2.0}});
    std::vector<int32_t> rp;
    CHECK(needs_reordering(A.view()));
    CHECK(max_product_matching(A.view(), rp, nullptr, nullptr));
    CHECK(rp[0] == 1 && rp[1] == 0);
    const Mat S = from_triplets(2, {{0, 0, 0.0}, {0, 1, 1.0}, {1, 1, 2.0}, {1, 1, -2.0}});
    CHECK(!max_product_matching(S.view(), rp, nullptr, nullptr));
  }
  // Empty matrix.
  {
    const Mat A = from_triplets(0, {});
    std::vector<int32_t> rp;
    CHECK(max_product_matching(A.view(), rp, nullptr, nullptr) && rp.empty());
    CHECK(!needs_reordering(A.view()));
  }
}

// Random sparse n×n: the matching's product against every permutation, and the scaling bounds.
static void test_matching_brute_force() {
  std::mt19937_64 g(42);
  std::uniform_real_distribution<double> u(0, 1);
  int singular = 0, regular = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = trial < 200 ? 6 : 7;
    std::vector<double> d(n * n, 0.0);
    for (double& x : d)
      if (u(g) < 0.35) x = (u(g) < 0.5 ? -1 : 1) * std::exp(8 * (u(g) - 0.5));
    const Mat A = from_dense(n, d);
    std::vector<int> perm(n);
    for (int i = 0; i < n; ++i) perm[i] = i;
    bool any = false;  // max over column → row assignments of Σ log|a|
    double best = 0.0;
    do {
      double s = 0.0;
      bool full = true;
      for (int j = 0; j < n && full; ++j) {
        const double a = d[perm[j] * n + j];
        full = a != 0.0;
        if (full) s += std::log(std::fabs(a));
      }
      if (full && (!any || s > best)) best = s;
      any = any || full;
    } while (std::next_permutation(perm.begin(), perm.end()));
    std::vector<int32_t> rp;
    Vec rs, cs;
    const bool ok = max_product_matching(A.view(), rp, &rs, &cs);
    CHECK(ok == any);
    if (!ok) {
      ++singular;
      continue;
    }
    ++regular;
    CHECK(is_permutation(rp, n));
    double s = 0.0;
    for (int j = 0; j < n; ++j) {
      CHECK(d[rp[j] * n + j] != 0.0);
      s += std::log(std::fabs(d[rp[j] * n + j]));
    }
    CHECK(std::fabs(s - best) <= 1e-9 * (1 + std::fabs(best)));
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (d[i * n + j] != 0.0) CHECK(std::fabs(rs[i] * d[i * n + j] * cs[j]) <= 1 + 1e-12);
    for (int j = 0; j < n; ++j)
      CHECK(std::fabs(std::fabs(rs[rp[j]] * d[rp[j] * n + j] * cs[j]) - 1) <= 1e-12);
  }
  CHECK(singular > 10 && regular > 100);  // both kinds were exercised
}

// ---- block triangular form ----

// B = A with rows rowPerm (null: A). Checks that B[order, order] is block upper triangular with
// the reported blocks, and that the blocks are not splittable further (each is strongly
// connected: checked by running the ordering on the block alone).
static void check_btf(const Mat& A, const int32_t* rowPerm, const BlockTriangular& bt) {
  const int64_t n = A.n;
  CHECK(is_permutation(bt.order, n));
  CHECK(bt.blockStart.size() >= 1 && bt.blockStart.front() == 0 && bt.blockStart.back() == n);
  std::vector<int32_t> pos(n), block(n);
  int64_t largest = 0;
  for (int64_t b = 0; b < bt.blocks(); ++b) {
    CHECK(bt.blockStart[b] < bt.blockStart[b + 1]);
    largest = std::max<int64_t>(largest, bt.blockStart[b + 1] - bt.blockStart[b]);
    for (int32_t k = bt.blockStart[b]; k < bt.blockStart[b + 1]; ++k) {
      pos[bt.order[k]] = k;
      block[bt.order[k]] = static_cast<int32_t>(b);
    }
  }
  CHECK(largest == bt.largest);
  bool upper = true;
  for (int64_t v = 0; v < n; ++v) {
    const int64_t i = rowPerm != nullptr ? rowPerm[v] : v;
    for (int32_t k = A.rp[i]; k < A.rp[i + 1]; ++k) upper = upper && block[v] <= block[A.ci[k]];
  }
  CHECK(upper);
}

static void test_btf() {
  // Blocks {1, 4}, {0}, {2, 3, 5} (a cycle 2→5→3→2), with edges between them going one way.
  {
    const Mat A = from_triplets(6, {{1, 4, 1},
                                    {4, 1, 1},
                                    {1, 0, 1},
                                    {0, 2, 1},
                                    {4, 5, 1},
                                    {2, 5, 1},
                                    {5, 3, 1},
                                    {3, 2, 1},
                                    {0, 0, 1}});
    const BlockTriangular bt = block_triangular_order(A.view(), nullptr);
    check_btf(A, nullptr, bt);
    CHECK(bt.blocks() == 3 && bt.largest == 3);
    CHECK((bt.order == std::vector<int32_t>{1, 4, 0, 2, 3, 5}));
  }
  // Triangular matrices: n blocks of one, lower ones reversed.
  for (bool lower : {false, true}) {
    const int32_t n = 40;
    std::vector<Triplet> t;
    for (int32_t i = 0; i < n; ++i)
      for (int32_t j = 0; j < n; ++j)
        if ((lower ? j <= i : j >= i) && (std::abs(i - j) <= 1 || (i + 3 * j) % 4 != 1))
          t.push_back({i, j, 1.0});
    const Mat A = from_triplets(n, t);
    const BlockTriangular bt = block_triangular_order(A.view(), nullptr);
    check_btf(A, nullptr, bt);
    CHECK(bt.blocks() == n && bt.largest == 1);
    CHECK(bt.order[0] == (lower ? n - 1 : 0) && bt.order[n - 1] == (lower ? 0 : n - 1));
  }
  // A cycle: one block. Through rowPerm: B's row v = A's row rowPerm[v].
  {
    const int32_t n = 100;
    std::vector<Triplet> t;
    std::vector<int32_t> rowPerm(n);
    for (int32_t v = 0; v < n; ++v) rowPerm[v] = (v * 37 + 11) % n;
    for (int32_t v = 0; v < n; ++v) t.push_back({rowPerm[v], (v + 1) % n, 1.0});
    const Mat A = from_triplets(n, t);
    const BlockTriangular bt = block_triangular_order(A.view(), rowPerm.data());
    check_btf(A, rowPerm.data(), bt);
    CHECK(bt.blocks() == 1 && bt.largest == n);
  }
  // 10⁶-long chain (DFS depth 10⁶) and the same closed into a cycle: no recursion.
  for (bool closed : {false, true}) {
    const int32_t n = 1000000;
    std::vector<Triplet> t;
    for (int32_t i = 0; i + 1 < n; ++i) t.push_back({i, i + 1, 1.0});
    if (closed) t.push_back({n - 1, 0, 1.0});
    const Mat A = from_triplets(n, t);
    const BlockTriangular bt = block_triangular_order(A.view(), nullptr);
    CHECK(bt.blocks() == (closed ? 1 : n) && bt.largest == (closed ? n : 1));
    if (!closed) CHECK(bt.order[0] == 0 && bt.order[n - 1] == n - 1);
  }
}

// ---- ILU(0) after reordering ----

static double rel_residual(const Mat& A, const Vec& x, const Vec& b) {
  const Vec y = A.mul(x);
  double num = 0, den = 0;
  for (int64_t i = 0; i < A.n; ++i) {
    num += (y[i] - b[i]) * (y[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / den);
}

static void test_ilu_exact(const Engine& e) {
  // P·D·T·E·Q with T upper triangular (well conditioned) and row and column scales D, E over
  // four decades: ILU(0) of the reordered matrix is its exact LU.
  const int32_t n = 60;
  std::mt19937_64 g(5);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<int32_t> p(n), q(n);
  Vec ds(n), es(n);
  for (int32_t i = 0; i < n; ++i) {
    p[i] = q[i] = i;
    ds[i] = std::pow(10.0, 2 * u(g));
    es[i] = std::pow(10.0, 2 * u(g));
  }
  std::shuffle(p.begin(), p.end(), g);
  std::shuffle(q.begin(), q.end(), g);
  std::vector<Triplet> t;
  for (int32_t i = 0; i < n; ++i)
    for (int32_t j = i; j < n; ++j)
      if (j == i || u(g) < 0.2)
        t.push_back({p[i], q[j], ds[i] * es[j] * (j == i ? 0.5 + std::fabs(u(g)) : 0.3 * u(g))});
  const Mat A = from_triplets(n, t);
  CHECK(needs_reordering(A.view()));
  const auto M = make_ilu0_reordered(A.view(), 0.0);
  CHECK(std::string(M->kind()) == "ilu0" && M->size() == n);
  Vec b(n), z(n);
  for (double& x : b) x = u(g);
  CHECK(M->apply(e, b.data(), z.data()));
  CHECK(rel_residual(A, z, b) < 1e-11);

  // Concurrent applies of one object agree (apply keeps no state).
  Vec z1(n), z2(n);
  std::thread th([&] { M->apply(e, b.data(), z1.data()); });
  M->apply(e, b.data(), z2.data());
  th.join();
  CHECK(z1 == z2 && z1 == z);

  CHECK(!needs_reordering(from_dense(2, {1, 2, 3, 4}).view()));
  CHECK(needs_reordering(from_dense(2, {1, 2, 3, 0}).view()));
}

template <class F>
static bool throws(F&& f, const char* code, const std::string& text, int64_t* row = nullptr) {
  try {
    f();
  } catch (const SolverError& err) {
    if (row != nullptr) *row = err.row;
    const bool ok =
        std::string(err.code) == code && std::string(err.what()).find(text) != std::string::npos;
    if (!ok) std::fprintf(stderr, "  unexpected error: %s %s\n", err.code, err.what());
    return ok;
  }
  return false;
}

static void test_ilu_errors() {
  // Rows 1 and 2 are equal: the block {1, 2} has an exactly zero second pivot whatever the order.
  const Mat A = from_dense(3, {0, 0, 1,  //
                               1, 1, 0,  //
                               1, 1, 0});
  int64_t row = -1;
  CHECK(throws([&] { make_ilu0_reordered(A.view(), 0.0); }, "ERR_ZERO_PIVOT",
               "ilu0: zero pivot at row ", &row));
  CHECK(row == 1 || row == 2);
  CHECK(throws(
      [&] { make_ilu0_reordered(A.view(), 0.0); }, "ERR_ZERO_PIVOT",
      "zero pivot at row " + std::to_string(row) + " (after reordering for a nonzero diagonal)"));
  CHECK(make_ilu0_reordered(A.view(), kIlu0PivotShift) != nullptr);  // the shift gets past it

  const Mat S = from_dense(3, {1, 0, 0,  //
                               0, 3, 4,  //
                               2, 0, 0});
  CHECK(throws(
      [&] { make_ilu0_reordered(S.view(), kIlu0PivotShift); }, "ERR_ZERO_PIVOT",
      "ilu0: the matrix is structurally singular (no ordering gives a nonzero diagonal); row ",
      &row));
  CHECK(row == 0 || row == 2);

  const Mat N = from_dense(2, {0, 1, NAN, 0});
  CHECK(throws([&] { make_ilu0_reordered(N.view(), kIlu0PivotShift); }, "ERR_ZERO_PIVOT",
               "ilu0: non-finite entry nan at row 1", &row));
  CHECK(row == 1);

  std::vector<int32_t> rp = {0, 1}, ci = {0};
  Vec v = {1.0};
  CHECK(throws([&] { make_ilu0_reordered(CsrView{1, 2, rp.data(), ci.data(), v.data()}, 0.0); },
               "ERR_INVALID_ARGUMENT", "must be square"));
}

// ---- SuiteSparse LP bases ----

static bool load_mtx(const std::string& path, Mat& m) {
  mm::Coo coo;
  mm::Header hdr;
  mm::Error err;
  if (mm::parse_file(path, coo, hdr, err) != mm::Status::Ok || coo.rows != coo.cols) {
    std::fprintf(stderr, "  cannot read %s: %s\n", path.c_str(), err.message.c_str());
    return false;
  }
  std::vector<Triplet> t(coo.row.size());
  for (size_t k = 0; k < t.size(); ++k) t[k] = {coo.row[k], coo.col[k], coo.val[k]};
  m = from_triplets(coo.rows, t);
  return true;
}

static void test_bp(const Engine& e) {
  std::string dir = __FILE__;
  dir = dir.substr(0, dir.find_last_of('/') + 1) + "../fixtures/matrices/";
  for (const char* name : {"bp_0", "bp_800", "bp_1600"}) {
    Mat A;
    CHECK(load_mtx(dir + name + ".mtx", A));
    if (A.n == 0) continue;
    CHECK(needs_reordering(A.view()));
    const BlockTriangular bt = [&] {
      std::vector<int32_t> rp;
      CHECK(max_product_matching(A.view(), rp, nullptr, nullptr));
      return block_triangular_order(A.view(), rp.data());
    }();
    const auto M = make_ilu0_reordered(A.view(), kIlu0PivotShift);
    const Vec b = A.mul(Vec(A.n, 1.0));
    std::printf("  %-8s n=%lld blocks=%lld largest=%lld iterations:", name, (long long)A.n,
                (long long)bt.blocks(), (long long)bt.largest);
    for (int s = 0; s < 3; ++s) {
      SolveOptions opt;
      opt.rtol = 1e-8;
      opt.max_iterations = 10 * A.n;
      opt.restart = s == 1 ? 50 : 30;
      Control ctl;
      Vec x(A.n, 0.0);
      const IterResult r = s == 2 ? bicgstab(e, A.view(), b.data(), x.data(), M.get(), opt, ctl)
                                  : gmres(e, A.view(), b.data(), x.data(), M.get(), opt, ctl);
      std::printf(" %s %lld%s",
                  s == 0   ? "gmres(30)"
                  : s == 1 ? "gmres(50)"
                           : "bicgstab",
                  (long long)r.iterations, reason_converged(r.reason) ? "" : " (NOT converged)");
      CHECK(reason_converged(r.reason));
      CHECK(rel_residual(A, x, b) <= 1e-8);
      // bp_0 is triangular after reordering: the preconditioner is its exact inverse.
      if (std::string(name) == "bp_0") CHECK(r.iterations == 1);
      CHECK(r.iterations <= 200);
    }
    std::printf("\n");
  }
}

int main() {
  std::printf("ordering_tests (SIMD: %s)\n", simd_name(detect_simd()));
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  test_matching_small();
  test_matching_brute_force();
  test_btf();
  test_ilu_exact(e);
  test_ilu_errors();
  test_bp(e);
  std::printf("ordering_tests: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
