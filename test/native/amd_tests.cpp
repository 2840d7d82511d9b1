// Tests of the approximate minimum degree ordering (native/direct/amd.hpp): a valid permutation
// and its inverse on random and structured patterns, fill (nnz of the Cholesky factor, counted by
// a symbolic elimination here) far below the natural order on grids, dense rows ordered last.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/direct/amd.hpp"
#include "check.hpp"

using namespace itersolve;

namespace {

struct Pattern {
  int32_t n = 0;
  std::vector<int32_t> rowPtr{0};
  std::vector<int32_t> colIdx;
};

// Builds CSR from a list of (i, j) entries (one triangle or both; duplicates allowed).
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

Pattern grid2d(int32_t m) {
  std::vector<std::pair<int32_t, int32_t>> e;
  for (int32_t x = 0; x < m; ++x)
    for (int32_t y = 0; y < m; ++y) {
      const int32_t i = x * m + y;
      e.push_back({i, i});
      if (x + 1 < m) e.push_back({i, i + m});
      if (y + 1 < m) e.push_back({i, i + 1});
    }
  return from_edges(m * m, e);
}

Pattern grid3d(int32_t m) {
  std::vector<std::pair<int32_t, int32_t>> e;
  for (int32_t x = 0; x < m; ++x)
    for (int32_t y = 0; y < m; ++y)
      for (int32_t z = 0; z < m; ++z) {
        const int32_t i = (x * m + y) * m + z;
        e.push_back({i, i});
        if (x + 1 < m) e.push_back({i + m * m, i});  // lower triangle entries too
        if (y + 1 < m) e.push_back({i, i + m});
        if (z + 1 < m) e.push_back({i, i + 1});
      }
  return from_edges(m * m * m, e);
}

// Symmetrised adjacency (no diagonal) in the new numbering, then nnz(L) incl. the diagonal via
// the elimination tree: row k of L has the nodes on the tree paths from its entries up to k.
int64_t nnz_cholesky(const Pattern& P, const std::vector<int32_t>& iperm) {
  const int32_t n = P.n;
  std::vector<std::vector<int32_t>> adj(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = P.rowPtr[i]; k < P.rowPtr[i + 1]; ++k) {
      const int32_t j = P.colIdx[k];
      if (i == j) continue;
      const int32_t a = iperm[static_cast<size_t>(i)], b = iperm[static_cast<size_t>(j)];
      adj[static_cast<size_t>(std::max(a, b))].push_back(std::min(a, b));
    }
  std::vector<int32_t> parent(static_cast<size_t>(n), -1), anc(static_cast<size_t>(n), -1);
  for (int32_t k = 0; k < n; ++k)
    for (int32_t i : adj[static_cast<size_t>(k)]) {
      while (i != -1 && i < k) {
        const int32_t next = anc[static_cast<size_t>(i)];
        anc[static_cast<size_t>(i)] = k;
        if (next == -1) parent[static_cast<size_t>(i)] = k;
        i = next;
      }
    }
  std::vector<int32_t> flag(static_cast<size_t>(n), -1);
  int64_t count = n;
  for (int32_t k = 0; k < n; ++k) {
    flag[static_cast<size_t>(k)] = k;
    for (int32_t i : adj[static_cast<size_t>(k)])
      for (; i != -1 && flag[static_cast<size_t>(i)] != k; i = parent[static_cast<size_t>(i)]) {
        flag[static_cast<size_t>(i)] = k;
        ++count;
      }
  }
  return count;
}

// Dense reference of nnz(L) (small n): eliminate on a boolean matrix.
int64_t nnz_cholesky_dense(const Pattern& P, const std::vector<int32_t>& iperm) {
  const size_t n = static_cast<size_t>(P.n);
  std::vector<uint8_t> M(n * n, 0);
  for (int32_t i = 0; i < P.n; ++i)
    for (int32_t k = P.rowPtr[i]; k < P.rowPtr[i + 1]; ++k) {
      const size_t a = static_cast<size_t>(iperm[static_cast<size_t>(i)]);
      const size_t b = static_cast<size_t>(iperm[static_cast<size_t>(P.colIdx[k])]);
      M[a * n + b] = M[b * n + a] = 1;
    }
  int64_t count = 0;
  for (size_t k = 0; k < n; ++k) {
    ++count;
    for (size_t i = k + 1; i < n; ++i)
      if (M[i * n + k]) {
        ++count;
        for (size_t j = k + 1; j < n; ++j)
          if (M[j * n + k]) M[i * n + j] = 1;
      }
  }
  return count;
}

std::vector<int32_t> identity(int32_t n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

bool valid(const AmdOrdering& o, int32_t n) {
  if (o.perm.size() != static_cast<size_t>(n) || o.iperm.size() != static_cast<size_t>(n))
    return false;
  std::vector<int> seen(static_cast<size_t>(n), 0);
  for (int32_t k = 0; k < n; ++k) {
    const int32_t v = o.perm[static_cast<size_t>(k)];
    if (v < 0 || v >= n || seen[static_cast<size_t>(v)]++) return false;
    if (o.iperm[static_cast<size_t>(v)] != k) return false;
  }
  return true;
}

AmdOrdering order(const Pattern& P) { return amd_order(P.n, P.rowPtr.data(), P.colIdx.data()); }

void test_small() {
  Pattern empty;  // n = 0
  AmdOrdering o = order(empty);
  CHECK(o.perm.empty() && o.iperm.empty());
  Pattern one = from_edges(1, {{0, 0}});
  o = order(one);
  CHECK(valid(o, 1));
  Pattern none = from_edges(7, {});  // no entries at all
  o = order(none);
  CHECK(valid(o, 7));
  CHECK(o.perm == identity(7));  // all degree 0: ties by index
  // Two disconnected paths and an isolated node.
  Pattern dis = from_edges(9, {{0, 1}, {1, 2}, {2, 3}, {5, 6}, {6, 7}, {7, 8}});
  o = order(dis);
  CHECK(valid(o, 9));
  CHECK(nnz_cholesky(dis, o.iperm) == 9 + 6);  // trees have no fill
  // Malformed input.
  std::vector<int32_t> rp{0, 1, 2}, ci{0, 5};
  bool threw = false;
  try {
    amd_order(2, rp.data(), ci.data());
  } catch (const SolverError& e) {
    threw = std::string(e.code) == "ERR_INVALID_MATRIX" && e.argument == "A" && e.row == 1;
  }
  CHECK(threw);
  std::vector<int32_t> rp2{0, 2, 1}, ci2{0, 1};
  threw = false;
  try {
    amd_order(2, rp2.data(), ci2.data());
  } catch (const SolverError& e) {
    threw = std::string(e.code) == "ERR_INVALID_MATRIX";
  }
  CHECK(threw);
}

void test_grids() {
  struct Case {
    const char* name;
    Pattern P;
    double maxRatio;  // AMD nnz(L) must be below this fraction of the natural order's
  };
  std::vector<Case> cases;
  cases.push_back({"2D 50x50", grid2d(50), 0.6});
  cases.push_back({"2D 100x100", grid2d(100), 0.4});
  cases.push_back({"3D 12^3", grid3d(12), 0.75});
  cases.push_back({"3D 20^3", grid3d(20), 0.6});
  for (const auto& c : cases) {
    const AmdOrdering o = order(c.P);
    CHECK(valid(o, c.P.n));
    const int64_t nat = nnz_cholesky(c.P, identity(c.P.n));
    const int64_t amd = nnz_cholesky(c.P, o.iperm);
    std::printf("  %-11s n = %6d  nnz(L) natural %9lld  AMD %9lld  (%.3f)\n", c.name, c.P.n,
                static_cast<long long>(nat), static_cast<long long>(amd),
                static_cast<double>(amd) / static_cast<double>(nat));
    CHECK(static_cast<double>(amd) < c.maxRatio * static_cast<double>(nat));
    // Deterministic: the same ordering again.
    CHECK(order(c.P).perm == o.perm);
  }
}

void test_arrow_banded() {
  // Arrow with the hub at 0: minimum degree needs no fill (nnz(L) = 2n − 1).
  for (int32_t n : {5, 40, 150}) {
    std::vector<std::pair<int32_t, int32_t>> e;
    for (int32_t i = 0; i < n; ++i) {
      e.push_back({i, i});
      if (i > 0) e.push_back({i, 0});
    }
    const Pattern P = from_edges(n, e);
    const AmdOrdering o = order(P);
    CHECK(valid(o, n));
    CHECK(nnz_cholesky(P, o.iperm) == 2 * n - 1);
    // The hub comes after all leaves but possibly the last one (the final pair is a tie).
    CHECK(o.iperm[0] >= n - 2);
    CHECK(nnz_cholesky(P, identity(n)) == static_cast<int64_t>(n) * (n + 1) / 2);
  }
  // Large arrow, hub in the middle: a dense row, ordered last.
  {
    const int32_t n = 900, hub = 417;
    std::vector<std::pair<int32_t, int32_t>> e;
    for (int32_t i = 0; i < n; ++i)
      if (i != hub) e.push_back({hub, i});
    const Pattern P = from_edges(n, e);
    const AmdOrdering o = order(P);
    CHECK(valid(o, n));
    CHECK(o.denseRows == 1);
    CHECK(o.perm.back() == hub);
    CHECK(nnz_cholesky(P, o.iperm) == 2 * n - 1);
  }
  // Banded (half-bandwidth 3): no ordering beats the band much; AMD must not be much worse.
  {
    const int32_t n = 300, bw = 3;
    std::vector<std::pair<int32_t, int32_t>> e;
    for (int32_t i = 0; i < n; ++i)
      for (int32_t j = std::max(0, i - bw); j <= i; ++j) e.push_back({i, j});
    const Pattern P = from_edges(n, e);
    const AmdOrdering o = order(P);
    CHECK(valid(o, n));
    const int64_t nat = nnz_cholesky(P, identity(n)), amd = nnz_cholesky(P, o.iperm);
    std::printf("  banded bw=3 n = %d  nnz(L) natural %lld  AMD %lld\n", n,
                static_cast<long long>(nat), static_cast<long long>(amd));
    CHECK(amd <= nat + nat / 4);
  }
}

void test_random() {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 60; ++trial) {
    const int32_t n = 1 + static_cast<int32_t>(rng() % 80);
    const int32_t m = static_cast<int32_t>(rng() % (4 * static_cast<uint32_t>(n) + 1));
    std::vector<std::pair<int32_t, int32_t>> e;
    for (int32_t k = 0; k < m; ++k)
      e.push_back({static_cast<int32_t>(rng() % static_cast<uint32_t>(n)),
                   static_cast<int32_t>(rng() % static_cast<uint32_t>(n))});
    const Pattern P = from_edges(n, e);  // nonsymmetric pattern: A + Aᵀ is ordered
    const AmdOrdering o = order(P);
    CHECK(valid(o, n));
    const int64_t amd = nnz_cholesky(P, o.iperm);
    CHECK(amd == nnz_cholesky_dense(P, o.iperm));  // the symbolic counter itself
    CHECK(amd <= nnz_cholesky(P, identity(n)) + n);  // never far worse than natural
  }
  // Random sparse pattern with three dense rows (given as rows of the lower triangle only):
  // exactly those are dense and come last, in ascending order.
  {
    const int32_t n = 1000;
    const std::vector<int32_t> denseIdx{17, 500, 999};
    std::vector<std::pair<int32_t, int32_t>> e;
    for (int32_t k = 0; k < 2 * n; ++k)
      e.push_back({static_cast<int32_t>(rng() % n), static_cast<int32_t>(rng() % n)});
    for (int32_t d : denseIdx)
      for (int32_t j = 0; j < n; j += 2) e.push_back({std::max(d, j), std::min(d, j)});
    const Pattern P = from_edges(n, e);
    const AmdOrdering o = order(P);
    CHECK(valid(o, n));
    CHECK(o.denseRows == 3);
    CHECK(o.perm[n - 3] == 17 && o.perm[n - 2] == 500 && o.perm[n - 1] == 999);
  }
  // Larger random sparse patterns: valid, and fill well below natural.
  for (int trial = 0; trial < 4; ++trial) {
    const int32_t n = 2000;
    std::vector<std::pair<int32_t, int32_t>> e;
    for (int32_t k = 0; k < 3 * n; ++k)
      e.push_back({static_cast<int32_t>(rng() % n), static_cast<int32_t>(rng() % n)});
    const Pattern P = from_edges(n, e);
    const AmdOrdering o = order(P);
    CHECK(valid(o, n));
    CHECK(nnz_cholesky(P, o.iperm) < nnz_cholesky(P, identity(n)));
  }
}

}  // namespace

int main() {
  std::printf("amd_tests\n");
  test_small();
  test_grids();
  test_arrow_banded();
  test_random();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
