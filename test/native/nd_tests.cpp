// Tests of the direct solvers' fill-reducing orderings: native/direct/ordering.hpp
// (order_symmetric: auto / amd / nested-dissection / natural), nested_dissection.hpp and the
// constrained AMD of amd.hpp. Valid permutations on seeded random patterns, grids, disconnected
// graphs, dense rows, n = 0 / 1; nested dissection's fill and flops against AMD on 2D/3D grids
// (measured with symbolic.hpp's analyse); determinism; which ordering 'auto' picks; the
// constraint classes of constrained AMD; errors.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/direct/amd.hpp"
#include "../../native/direct/nested_dissection.hpp"
#include "../../native/direct/ordering.hpp"
#include "../../native/direct/symbolic.hpp"
#include "check.hpp"

using namespace itersolve;
using namespace itersolve::direct;

namespace {

struct Pattern {
  int32_t n = 0;
  std::vector<int32_t> rowPtr{0};
  std::vector<int32_t> colIdx;
};

Pattern from_edges(int32_t n, const std::vector<std::pair<int32_t, int32_t>>& edges) {
  Pattern P;
  P.n = n;
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(n));
  for (auto [i, j] : edges) rows[static_cast<size_t>(i)].push_back(j);
  P.rowPtr.assign(1, 0);
  for (auto& r : rows) {
    for (int32_t j : r) P.colIdx.push_back(j);
    P.rowPtr.push_back(static_cast<int32_t>(P.colIdx.size()));
  }
  return P;
}

Pattern grid(int32_t m, int dim) {
  std::vector<std::pair<int32_t, int32_t>> e;
  const int32_t n = dim == 2 ? m * m : m * m * m;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t x = i % m, y = (i / m) % m, zz = dim == 3 ? i / (m * m) : 0;
    e.push_back({i, i});
    if (x + 1 < m) e.push_back({i, i + 1});
    if (y + 1 < m) e.push_back({i + m, i});  // the lower triangle for this direction
    if (dim == 3 && zz + 1 < m) e.push_back({i, i + m * m});
  }
  return from_edges(n, e);
}

Pattern random_pattern(int32_t n, double density, std::mt19937& rng) {
  std::vector<std::pair<int32_t, int32_t>> e;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int32_t i = 0; i < n; ++i) {
    e.push_back({i, i});
    for (int32_t j = 0; j < n; ++j)
      if (j != i && u(rng) < density) e.push_back({i, j});
  }
  return from_edges(n, e);
}

bool is_permutation(const std::vector<int32_t>& p, int32_t n) {
  if (p.size() != static_cast<size_t>(n)) return false;
  std::vector<char> seen(static_cast<size_t>(n), 0);
  for (int32_t v : p) {
    if (v < 0 || v >= n || seen[static_cast<size_t>(v)]) return false;
    seen[static_cast<size_t>(v)] = 1;
  }
  return true;
}

struct Cost {
  int64_t nnzL;
  double flops;
};
Cost cost(const Pattern& P, const std::vector<int32_t>& perm) {
  const Symbolic s = analyse(P.n, P.rowPtr.data(), P.colIdx.data(), perm.data());
  Cost c{s.nnzL, 0.0};
  for (int32_t cc : s.colCount) c.flops += static_cast<double>(cc) * cc;
  return c;
}

const Ordering kAll[] = {Ordering::Auto, Ordering::Amd, Ordering::NestedDissection,
                         Ordering::Natural};

void test_names() {
  CHECK(std::string(ordering_name(Ordering::Auto)) == "auto");
  CHECK(std::string(ordering_name(Ordering::Amd)) == "amd");
  CHECK(std::string(ordering_name(Ordering::NestedDissection)) == "nested-dissection");
  CHECK(std::string(ordering_name(Ordering::Natural)) == "natural");
}

void test_valid_permutations() {
  Engine e;
  std::mt19937 rng(12);
  const int32_t sizes[] = {2, 3, 7, 40, 250, 700};
  const double densities[] = {0.0, 0.005, 0.02, 0.1};
  for (int32_t n : sizes)
    for (double d : densities) {
      const Pattern P = random_pattern(n, d, rng);
      for (Ordering o : kAll) {
        const OrderingResult r = order_symmetric(e, P.n, P.rowPtr.data(), P.colIdx.data(), o);
        CHECK(is_permutation(r.perm, n));
        CHECK(r.used != Ordering::Auto);
        if (o != Ordering::Auto) CHECK(r.used == o);
        if (o == Ordering::Natural)
          for (int32_t k = 0; k < n; ++k) CHECK(r.perm[static_cast<size_t>(k)] == k);
      }
    }
  // n = 0 and n = 1.
  const Pattern empty;
  const Pattern one = from_edges(1, {{0, 0}});
  for (Ordering o : kAll) {
    CHECK(order_symmetric(e, 0, empty.rowPtr.data(), empty.colIdx.data(), o).perm.empty());
    const OrderingResult r = order_symmetric(e, 1, one.rowPtr.data(), one.colIdx.data(), o);
    CHECK(r.perm.size() == 1 && r.perm[0] == 0);
  }
  // Nested dissection on a large random graph (dissected, not a single leaf), on a graph with
  // no edges, on a path and a star.
  {
    const Pattern P = random_pattern(1500, 0.004, rng);
    CHECK(is_permutation(nested_dissection(P.n, P.rowPtr.data(), P.colIdx.data()), P.n));
    std::vector<std::pair<int32_t, int32_t>> none, path, star;
    for (int32_t i = 0; i < 1000; ++i) {
      none.push_back({i, i});
      if (i + 1 < 1000) path.push_back({i, i + 1});
      if (i > 0) star.push_back({i, 0});
    }
    for (const auto* edges : {&none, &path, &star}) {
      const Pattern Q = from_edges(1000, *edges);
      CHECK(is_permutation(nested_dissection(Q.n, Q.rowPtr.data(), Q.colIdx.data()), Q.n));
    }
    // A path: single-vertex separators, and each part's elimination links its two separators
    // only, so at most 3 entries per column (2n − 1 without dissection).
    const Pattern Q = from_edges(1000, path);
    CHECK(cost(Q, nested_dissection(Q.n, Q.rowPtr.data(), Q.colIdx.data())).nnzL <= 3000);
  }
}

void test_disconnected_and_dense() {
  // Four disjoint 2D grids (two large, two small) plus isolated vertices.
  std::vector<std::pair<int32_t, int32_t>> e;
  int32_t base = 0;
  for (int32_t m : {40, 5, 30, 3}) {
    const Pattern G = grid(m, 2);
    for (int32_t i = 0; i < G.n; ++i)
      for (int32_t k = G.rowPtr[i]; k < G.rowPtr[i + 1]; ++k)
        e.push_back({base + i, base + G.colIdx[k]});
    base += G.n;
  }
  const int32_t n = base + 17;
  for (int32_t i = base; i < n; ++i) e.push_back({i, i});
  const Pattern P = from_edges(n, e);
  const std::vector<int32_t> nd = nested_dissection(P.n, P.rowPtr.data(), P.colIdx.data());
  CHECK(is_permutation(nd, n));
  // No fill across components: ND's fill is at most the sum of each component's ND fill... and
  // at most AMD's on the whole thing times a small factor.
  const Cost cn = cost(P, nd);
  const Cost ca = cost(P, amd_order(P.n, P.rowPtr.data(), P.colIdx.data()).perm);
  CHECK(cn.nnzL < 2 * ca.nnzL);

  // Dense rows: a 2D grid plus two rows connected to everything are ordered last.
  const Pattern G = grid(60, 2);
  std::vector<std::pair<int32_t, int32_t>> d;
  for (int32_t i = 0; i < G.n; ++i)
    for (int32_t k = G.rowPtr[i]; k < G.rowPtr[i + 1]; ++k) d.push_back({i, G.colIdx[k]});
  const int32_t hub1 = 1234, hub2 = 77;
  for (int32_t i = 0; i < G.n; ++i) {
    d.push_back({hub1, i});
    d.push_back({i, hub2});  // the other triangle: A + Aᵀ is what counts
  }
  const Pattern D = from_edges(G.n, d);
  const std::vector<int32_t> pd = nested_dissection(D.n, D.rowPtr.data(), D.colIdx.data());
  CHECK(is_permutation(pd, D.n));
  CHECK(pd[static_cast<size_t>(D.n - 2)] == hub2 && pd[static_cast<size_t>(D.n - 1)] == hub1);
  Engine eng;
  for (Ordering o : {Ordering::Auto, Ordering::Amd}) {
    const OrderingResult r = order_symmetric(eng, D.n, D.rowPtr.data(), D.colIdx.data(), o);
    CHECK(is_permutation(r.perm, D.n));
    CHECK(r.perm[static_cast<size_t>(D.n - 2)] == hub2 &&
          r.perm[static_cast<size_t>(D.n - 1)] == hub1);
  }
}

void test_fill_on_grids() {
  // 3D 24³: nested dissection has less fill than AMD and needs clearly fewer flops.
  {
    const Pattern P = grid(24, 3);
    const Cost a = cost(P, amd_order(P.n, P.rowPtr.data(), P.colIdx.data()).perm);
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<int32_t> nd = nested_dissection(P.n, P.rowPtr.data(), P.colIdx.data());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Cost c = cost(P, nd);
    std::printf("  3D 24^3: AMD nnz(L) %lld flops %.3g | ND nnz(L) %lld flops %.3g (%.3f s)\n",
                static_cast<long long>(a.nnzL), a.flops, static_cast<long long>(c.nnzL), c.flops,
                s);
    CHECK(c.flops < 0.85 * a.flops);
    CHECK(c.nnzL < a.nnzL);
    // Far below the natural (banded) ordering.
    std::vector<int32_t> id(static_cast<size_t>(P.n));
    for (int32_t i = 0; i < P.n; ++i) id[static_cast<size_t>(i)] = i;
    CHECK(c.nnzL < cost(P, id).nnzL / 2);
  }
  // 2D 150²: within 15% of AMD's nnz(L) and flops.
  {
    const Pattern P = grid(150, 2);
    const Cost a = cost(P, amd_order(P.n, P.rowPtr.data(), P.colIdx.data()).perm);
    const Cost c = cost(P, nested_dissection(P.n, P.rowPtr.data(), P.colIdx.data()));
    std::printf("  2D 150^2: AMD nnz(L) %lld flops %.3g | ND nnz(L) %lld flops %.3g\n",
                static_cast<long long>(a.nnzL), a.flops, static_cast<long long>(c.nnzL), c.flops);
    CHECK(c.nnzL < 1.15 * static_cast<double>(a.nnzL));
    CHECK(c.flops < 1.15 * a.flops);
  }
}

void test_determinism() {
  std::mt19937 rng(5);
  const Pattern R = random_pattern(900, 0.006, rng);
  const Pattern G = grid(14, 3);
  for (const Pattern* P : {&R, &G}) {
    const auto a = nested_dissection(P->n, P->rowPtr.data(), P->colIdx.data());
    const auto b = nested_dissection(P->n, P->rowPtr.data(), P->colIdx.data());
    CHECK(a == b);
    NestedDissectionOptions o;
    o.seed = 99;
    const auto c = nested_dissection(P->n, P->rowPtr.data(), P->colIdx.data(), o);
    CHECK(is_permutation(c, P->n));
  }
}

void test_auto() {
  Engine e;
  // The rule itself.
  CHECK(auto_tries_nested_dissection(1000, 600000.0, 100));
  CHECK(!auto_tries_nested_dissection(1000, 400000.0, 100));  // flops/nnz(L) < 500
  CHECK(!auto_tries_nested_dissection(1000, 600000.0, 300));  // nnz(L) < 5 nnz(A)
  // 3D 24³: AMD's flops/nnz(L) is above 500 and ND needs fewer flops: auto picks ND.
  {
    const Pattern P = grid(24, 3);
    const OrderingResult r =
        order_symmetric(e, P.n, P.rowPtr.data(), P.colIdx.data(), Ordering::Auto);
    CHECK(r.used == Ordering::NestedDissection);
    const Cost a = cost(P, amd_order(P.n, P.rowPtr.data(), P.colIdx.data()).perm);
    CHECK(cost(P, r.perm).flops < a.flops);
  }
  // A banded matrix (bandwidth 3) and a tree: AMD, no fill worth dissecting.
  {
    std::vector<std::pair<int32_t, int32_t>> band, tree;
    for (int32_t i = 0; i < 3000; ++i)
      for (int32_t j = i; j < std::min<int32_t>(3000, i + 4); ++j) band.push_back({i, j});
    for (int32_t i = 1; i < 3000; ++i) tree.push_back({i, (i - 1) / 3});
    for (const auto* edges : {&band, &tree}) {
      const Pattern P = from_edges(3000, *edges);
      const OrderingResult r =
          order_symmetric(e, P.n, P.rowPtr.data(), P.colIdx.data(), Ordering::Auto);
      CHECK(r.used == Ordering::Amd);
    }
  }
  // A 2D grid: AMD (flops/nnz(L) well under 500, as CHOLMOD also keeps AMD there).
  {
    const Pattern P = grid(100, 2);
    CHECK(order_symmetric(e, P.n, P.rowPtr.data(), P.colIdx.data(), Ordering::Auto).used ==
          Ordering::Amd);
  }
}

void test_constrained_amd() {
  std::mt19937 rng(3);
  const Pattern P = random_pattern(300, 0.02, rng);
  std::vector<int32_t> cls(300);
  std::uniform_int_distribution<int32_t> u(0, 4);
  for (auto& c : cls) c = u(rng);
  const AmdOrdering a = amd_order_constrained(P.n, P.rowPtr.data(), P.colIdx.data(), cls.data());
  CHECK(is_permutation(a.perm, 300));
  bool monotone = true;
  for (size_t k = 0; k + 1 < a.perm.size() - static_cast<size_t>(a.denseRows); ++k)
    if (cls[static_cast<size_t>(a.perm[k])] > cls[static_cast<size_t>(a.perm[k + 1])])
      monotone = false;
  CHECK(monotone);
  // All in one class: plain AMD.
  std::vector<int32_t> zero(300, 0);
  CHECK(amd_order_constrained(P.n, P.rowPtr.data(), P.colIdx.data(), zero.data()).perm ==
        amd_order(P.n, P.rowPtr.data(), P.colIdx.data()).perm);
  std::vector<int32_t> bad(300, 0);
  bad[5] = -1;
  bool threw = false;
  try {
    amd_order_constrained(P.n, P.rowPtr.data(), P.colIdx.data(), bad.data());
  } catch (const SolverError& err) {
    threw = std::string(err.code) == "ERR_INVALID_ARGUMENT";
  }
  CHECK(threw);
}

void test_errors() {
  Engine e;
  const Pattern P = from_edges(3, {{0, 1}, {1, 2}});
  auto code_of = [&](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const SolverError& err) {
      return std::string(err.code) + ":" + err.argument;
    }
    return "none";
  };
  for (Ordering o : kAll) {
    CHECK(code_of([&] { order_symmetric(e, -1, P.rowPtr.data(), P.colIdx.data(), o); }) ==
          "ERR_INVALID_ARGUMENT:n");
    const std::vector<int32_t> badCol{1, 5};
    CHECK(code_of([&] { order_symmetric(e, 3, P.rowPtr.data(), badCol.data(), o); }) ==
          "ERR_INVALID_MATRIX:A");
    const std::vector<int32_t> badPtr{0, 2, 1, 2};
    CHECK(code_of([&] { order_symmetric(e, 3, badPtr.data(), P.colIdx.data(), o); }) ==
          "ERR_INVALID_MATRIX:A");
  }
  CHECK(code_of([&] { nested_dissection(-2, P.rowPtr.data(), P.colIdx.data()); }) ==
        "ERR_INVALID_ARGUMENT:n");
}

}  // namespace

int main() {
  std::printf("nd_tests\n");
  test_names();
  test_valid_permutations();
  test_disconnected_and_dense();
  test_fill_on_grids();
  test_determinism();
  test_auto();
  test_constrained_amd();
  test_errors();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
