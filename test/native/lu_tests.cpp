// Tests of the sparse LU (native/direct/lu.hpp), the block triangular form (btf.hpp) and the column
// ordering (colamd.hpp): residuals and solutions against a dense partial-pivoting reference on
// random unsymmetric matrices (every ordering, two pivot thresholds), BTF block counts on
// reducible matrices hidden by random permutations, COLAMD permutations and fill, pivoting on
// zero / small diagonals, structural and numerical singularity (original column reported),
// solve_transpose, multi-RHS with ldb > n, refactor (reused pivots; a failing pivot re-pivots;
// pattern checks), condest against the exact κ₁ of a dense inverse, determinism, abort, and
// concurrent solves.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/core/errors.hpp"
#include "../../native/direct/btf.hpp"
#include "../../native/direct/colamd.hpp"
#include "../../native/direct/lu.hpp"
#include "check.hpp"

using namespace itersolve;
using namespace itersolve::direct;

namespace {

struct Mat {
  int32_t n = 0;
  std::vector<int32_t> rowPtr{0};
  std::vector<int32_t> colIdx;
  std::vector<double> values;
  CsrView view() const { return CsrView{n, n, rowPtr.data(), colIdx.data(), values.data()}; }
};

struct Trip {
  int32_t i, j;
  double v;
};

// CSR from triplets (duplicates kept: the factorisation sums them).
Mat from_trips(int32_t n, const std::vector<Trip>& t) {
  Mat A;
  A.n = n;
  std::vector<std::vector<std::pair<int32_t, double>>> rows(static_cast<size_t>(n));
  for (const Trip& e : t) rows[static_cast<size_t>(e.i)].push_back({e.j, e.v});
  A.rowPtr.assign(1, 0);
  for (auto& r : rows) {
    for (auto [j, v] : r) {
      A.colIdx.push_back(j);
      A.values.push_back(v);
    }
    A.rowPtr.push_back(static_cast<int32_t>(A.colIdx.size()));
  }
  return A;
}

std::vector<double> dense(const Mat& A) {
  std::vector<double> D(static_cast<size_t>(A.n) * A.n, 0.0);  // row-major
  for (int32_t i = 0; i < A.n; ++i)
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
      D[static_cast<size_t>(i) * A.n + A.colIdx[p]] += A.values[p];
  return D;
}

// Dense solve of D x = b (row-major n×n) by Gaussian elimination with partial pivoting; false
// when a pivot is exactly zero.
bool dense_solve(std::vector<double> D, int32_t n, std::vector<double>& b) {
  for (int32_t k = 0; k < n; ++k) {
    int32_t p = k;
    for (int32_t i = k + 1; i < n; ++i)
      if (std::fabs(D[i * n + k]) > std::fabs(D[p * n + k])) p = i;
    if (D[p * n + k] == 0.0) return false;
    if (p != k) {
      for (int32_t j = 0; j < n; ++j) std::swap(D[k * n + j], D[p * n + j]);
      std::swap(b[k], b[p]);
    }
    for (int32_t i = k + 1; i < n; ++i) {
      const double l = D[i * n + k] / D[k * n + k];
      if (l == 0.0) continue;
      for (int32_t j = k; j < n; ++j) D[i * n + j] -= l * D[k * n + j];
      b[i] -= l * b[k];
    }
  }
  for (int32_t k = n - 1; k >= 0; --k) {
    double s = b[k];
    for (int32_t j = k + 1; j < n; ++j) s -= D[k * n + j] * b[j];
    b[k] = s / D[k * n + k];
  }
  return true;
}

std::vector<double> transpose(const std::vector<double>& D, int32_t n) {
  std::vector<double> T(D.size());
  for (int32_t i = 0; i < n; ++i)
    for (int32_t j = 0; j < n; ++j) T[j * n + i] = D[i * n + j];
  return T;
}

// ‖b − D x‖∞ / (‖D‖∞ ‖x‖∞ + ‖b‖∞): the normwise backward error.
double backward_error(const std::vector<double>& D, int32_t n, const std::vector<double>& x,
                      const std::vector<double>& b) {
  double r = 0, an = 0, xn = 0, bn = 0;
  for (int32_t i = 0; i < n; ++i) {
    double s = b[i], row = 0;
    for (int32_t j = 0; j < n; ++j) {
      s -= D[i * n + j] * x[j];
      row += std::fabs(D[i * n + j]);
    }
    r = std::max(r, std::fabs(s));
    an = std::max(an, row);
    xn = std::max(xn, std::fabs(x[i]));
    bn = std::max(bn, std::fabs(b[i]));
  }
  return r / (an * xn + bn);
}

// A random unsymmetric sparse matrix with a structurally nonsingular "diagonal" hidden by a
// row permutation (entries (perm[j], j) of magnitude 0.5..2) and other N(0, 1) entries;
// zeroDiag: the true diagonal is left empty wherever the hidden one does not hit it.
Mat random_unsym(std::mt19937& rng, int32_t n, double density, bool permuted) {
  std::vector<Trip> t;
  std::vector<int32_t> perm(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) perm[i] = i;
  if (permuted) std::shuffle(perm.begin(), perm.end(), rng);
  std::uniform_real_distribution<double> mag(0.5, 2.0);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int32_t j = 0; j < n; ++j) t.push_back({perm[j], j, (u(rng) < 0.5 ? -1 : 1) * mag(rng)});
  const int64_t m = static_cast<int64_t>(density * n * n);
  for (int64_t k = 0; k < m; ++k)
    t.push_back({static_cast<int32_t>(rng() % n), static_cast<int32_t>(rng() % n), g(rng)});
  return from_trips(n, t);
}

// The kernel table of this machine, serial (the supernodal engine's dense products use it).
Engine engine() { return Engine{kernels_for(detect_simd()), nullptr, nullptr}; }

LuOptions opts(LuOrdering o, double tau = 0.1) {
  LuOptions r;
  r.ordering = o;
  r.pivot_threshold = tau;
  return r;
}

const LuOrdering kOrderings[] = {LuOrdering::Auto, LuOrdering::Colamd, LuOrdering::Amd,
                                 LuOrdering::Natural};

// Factorises and solves, returns the backward error (and the solution in x).
double solve_check(const Mat& A, const LuOptions& o, std::vector<double>& x, bool transposed) {
  const Engine e = engine();
  auto f = LuFactor::factorize(e, A.view(), o, nullptr);
  const int32_t n = A.n;
  std::vector<double> b(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) b[i] = 1.0 + 0.25 * ((i * 7) % 5) - 0.1 * i;
  x = b;
  if (transposed) f->solve_transpose(e, x.data(), 1, n);
  else f->solve(e, x.data(), 1, n);
  const std::vector<double> D = dense(A);
  return backward_error(transposed ? transpose(D, n) : D, n, x, b);
}

void test_random() {
  std::mt19937 rng(20261203);
  int cases = 0;
  double worst = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const int32_t n = 1 + static_cast<int32_t>(rng() % 70);
    const double density = (trial % 4 == 0) ? 0.3 : 3.0 / n;
    const Mat A = random_unsym(rng, n, density, trial % 3 != 0);
    for (LuOrdering o : kOrderings)
      for (double tau : {0.1, 1.0}) {
        for (bool tr : {false, true}) {
          std::vector<double> x;
          const double be = solve_check(A, opts(o, tau), x, tr);
          worst = std::max(worst, be);
          CHECK(be < 1e-13);
          // Against the dense reference solution (these matrices are well enough conditioned
          // that a 1e-6 agreement is implied by a small backward error; a failure means a wrong
          // answer, not rounding).
          std::vector<double> ref(static_cast<size_t>(n));
          for (int32_t i = 0; i < n; ++i) ref[i] = 1.0 + 0.25 * ((i * 7) % 5) - 0.1 * i;
          const std::vector<double> D = dense(A);
          if (dense_solve(tr ? transpose(D, n) : D, n, ref)) {
            double xn = 0, diff = 0;
            for (int32_t i = 0; i < n; ++i) {
              xn = std::max(xn, std::fabs(ref[i]));
              diff = std::max(diff, std::fabs(ref[i] - x[i]));
            }
            if (xn < 1e8) CHECK(diff <= 1e-6 * std::max(1.0, xn));
          }
          ++cases;
        }
      }
  }
  std::printf("  random: %d solves, worst backward error %.2e\n", cases, worst);
}

int64_t singular_column(const Mat& A, LuOrdering o);

// Block upper triangular with k irreducible diagonal blocks (a cycle plus its diagonal), random
// upper off-diagonal entries, rows and columns permuted at random.
void test_btf() {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 30; ++trial) {
    const int32_t k = 1 + static_cast<int32_t>(rng() % 12);
    std::vector<int32_t> start{0};
    for (int32_t b = 0; b < k; ++b)
      start.push_back(start.back() + 1 + static_cast<int32_t>(rng() % 6));
    const int32_t n = start.back();
    std::vector<Trip> t;
    std::normal_distribution<double> g(0.0, 1.0);
    for (int32_t b = 0; b < k; ++b) {
      const int32_t r0 = start[b], r1 = start[b + 1];
      for (int32_t i = r0; i < r1; ++i) {
        t.push_back({i, i, 3.0 + std::fabs(g(rng))});
        if (r1 - r0 > 1) t.push_back({i, i + 1 < r1 ? i + 1 : r0, g(rng)});  // a cycle
      }
      for (int32_t m = 0; m < 4; ++m)
        if (r1 < n)
          t.push_back({r0 + static_cast<int32_t>(rng() % (r1 - r0)),
                       r1 + static_cast<int32_t>(rng() % (n - r1)), g(rng)});
    }
    std::vector<int32_t> pr(n), pc(n);
    for (int32_t i = 0; i < n; ++i) pr[i] = pc[i] = i;
    std::shuffle(pr.begin(), pr.end(), rng);
    std::shuffle(pc.begin(), pc.end(), rng);
    for (Trip& e : t) {
      e.i = pr[e.i];
      e.j = pc[e.j];
    }
    const Mat A = from_trips(n, t);
    // btf_order directly: C = A(rowPerm, colPerm) block upper triangular, zero-free diagonal.
    std::vector<int32_t> cp(n + 1, 0), ri;
    {
      std::vector<std::vector<int32_t>> cols(n);
      for (int32_t i = 0; i < n; ++i)
        for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) cols[A.colIdx[p]].push_back(i);
      for (int32_t j = 0; j < n; ++j) {
        for (int32_t i : cols[j]) ri.push_back(i);
        cp[j + 1] = static_cast<int32_t>(ri.size());
      }
    }
    const BtfResult r = btf_order(n, cp.data(), ri.data());
    CHECK(r.rank == n);
    CHECK(r.blocks() == k);
    std::vector<int32_t> rpos(n), cpos(n), blockOf(n);
    for (int32_t q = 0; q < n; ++q) {
      rpos[r.rowPerm[q]] = q;
      cpos[r.colPerm[q]] = q;
    }
    for (int32_t b = 0; b < r.blocks(); ++b)
      for (int32_t q = r.blockStart[b]; q < r.blockStart[b + 1]; ++q) blockOf[q] = b;
    bool upper = true, diag = true;
    std::vector<char> hasDiag(n, 0);
    for (int32_t i = 0; i < n; ++i)
      for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
        const int32_t a = rpos[i], c = cpos[A.colIdx[p]];
        if (blockOf[a] > blockOf[c]) upper = false;
        if (a == c) hasDiag[a] = 1;
      }
    for (int32_t q = 0; q < n; ++q) diag = diag && hasDiag[q];
    CHECK(upper);
    CHECK(diag);
    // The factor reports the same blocks and solves.
    const Engine e = engine();
    auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Colamd), nullptr);
    CHECK(f->btf_blocks() == k);
    // Refactor with new values (off-diagonal blocks and singletons change too).
    {
      Mat A2 = A;
      for (size_t p = 0; p < A2.values.size(); ++p) A2.values[p] *= 1.0 + 1e-7 * double(p % 5);
      A2.values[0] *= -1.0;
      f->refactor(e, A2.view(), nullptr);
      std::vector<double> b(static_cast<size_t>(n)), y;
      for (int32_t i = 0; i < n; ++i) b[i] = 1.0 - 0.1 * i;
      y = b;
      f->solve(e, y.data(), 1, n);
      CHECK(backward_error(dense(A2), n, y, b) < 1e-13);
      y = b;
      f->solve_transpose(e, y.data(), 1, n);
      CHECK(backward_error(transpose(dense(A2), n), n, y, b) < 1e-13);
    }
    // A numerically singular diagonal block (one of its columns made a copy of another, values
    // only): ERR_SINGULAR names one of that block's original columns.
    {
      int32_t big = -1;
      for (int32_t b = 0; b < k; ++b)
        if (start[b + 1] - start[b] >= 2) big = b;
      if (big >= 0) {
        const int32_t c0 = start[big], c1 = start[big] + 1;  // columns before the permutation
        std::vector<Trip> t2;
        for (const Trip& tr : t)
          if (tr.j != pc[c1]) t2.push_back(tr);
        for (const Trip& tr : t)
          if (tr.j == pc[c0]) t2.push_back({tr.i, pc[c1], 2.0 * tr.v});
        const Mat S = from_trips(n, t2);
        std::vector<int32_t> cols;
        for (int32_t q = start[big]; q < start[big + 1]; ++q) cols.push_back(pc[q]);
        for (LuOrdering o : {LuOrdering::Colamd, LuOrdering::Amd, LuOrdering::Natural}) {
          const int64_t c = singular_column(S, o);
          if (c == -3) {
            // Elimination in another order: the last pivot is a rounding residue, not zero.
            auto g = LuFactor::factorize(e, S.view(), opts(o), nullptr);
            CHECK(g->condest(e) > 1e12);
          } else if (o != LuOrdering::Colamd) {
            // Natural: no BTF; Amd: the supernodal engine first, where a rounding residue may be
            // accepted as a pivot and a later column found zero. Some valid column.
            CHECK(c >= 0 && c < n);
          } else {
            // Left-looking after BTF: the column is in the singular block.
            CHECK(std::find(cols.begin(), cols.end(), static_cast<int32_t>(c)) != cols.end());
          }
        }
      }
    }
    std::vector<double> x;
    CHECK(solve_check(A, opts(LuOrdering::Colamd), x, false) < 1e-13);
    CHECK(solve_check(A, opts(LuOrdering::Amd), x, true) < 1e-13);
  }
  // A triangular matrix: n singletons.
  {
    const int32_t n = 50;
    std::vector<Trip> t;
    for (int32_t i = 0; i < n; ++i) {
      t.push_back({i, i, 2.0 + i % 3});
      for (int32_t j = i + 1; j < n; j += 7) t.push_back({i, j, 1.0});
    }
    const Mat A = from_trips(n, t);
    const Engine e = engine();
    auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Auto), nullptr);
    CHECK(f->btf_blocks() == n);
    CHECK(f->nnzL() == n);
    std::vector<double> x;
    CHECK(solve_check(A, opts(LuOrdering::Auto), x, false) < 1e-14);
    CHECK(solve_check(A, opts(LuOrdering::Auto), x, true) < 1e-14);
  }
  // Strongly connected components on a small graph: 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 4 -> 3.
  {
    const int32_t ptr[] = {0, 1, 2, 4, 5, 6};
    const int32_t adj[] = {1, 2, 0, 3, 4, 3};
    std::vector<int32_t> comp, start;
    strongly_connected_components(5, ptr, adj, comp, start);
    CHECK(start.size() == 3);
    CHECK(start[1] == 2);  // {3, 4} is reachable from {0, 1, 2}: emitted first
    CHECK((comp[0] == 3 || comp[0] == 4) && (comp[1] == 3 || comp[1] == 4));
  }
  // Maximum transversal needing augmenting paths: columns j has rows {j, j+1}, the cheap
  // assignment of column j to row j would block nothing here, so permute columns.
  {
    // Column 0: rows {0, 1}; column 1: row {0}; column 2: rows {1, 2}.
    const int32_t cp[] = {0, 2, 3, 5};
    const int32_t ri[] = {0, 1, 0, 1, 2};
    std::vector<int32_t> m;
    CHECK(maximum_transversal(3, cp, ri, m) == 3);
    CHECK(m[0] == 1 && m[1] == 0 && m[2] == 2);
    // Structurally singular: columns 1 and 2 only have row 0.
    const int32_t cp2[] = {0, 2, 3, 4};
    const int32_t ri2[] = {0, 1, 0, 0};
    CHECK(maximum_transversal(3, cp2, ri2, m) == 2);
  }
}

// Grid matrix (2D, 5-point) with unsymmetric values (upwind convection), optional random
// row/column permutation.
Mat convdiff2d(int32_t m, double pe, std::mt19937* rng) {
  const int32_t n = m * m;
  const double h = 1.0 / (m + 1);
  std::vector<Trip> t;
  for (int32_t x = 0; x < m; ++x)
    for (int32_t y = 0; y < m; ++y) {
      const int32_t i = x * m + y;
      t.push_back({i, i, 4.0 + 2 * pe * h});
      if (x > 0) t.push_back({i, i - m, -1.0 - pe * h});
      if (x + 1 < m) t.push_back({i, i + m, -1.0});
      if (y > 0) t.push_back({i, i - 1, -1.0 - pe * h});
      if (y + 1 < m) t.push_back({i, i + 1, -1.0});
    }
  if (rng != nullptr) {
    std::vector<int32_t> pr(n), pc(n);
    for (int32_t i = 0; i < n; ++i) pr[i] = pc[i] = i;
    std::shuffle(pr.begin(), pr.end(), *rng);
    std::shuffle(pc.begin(), pc.end(), *rng);
    for (Trip& e : t) {
      e.i = pr[e.i];
      e.j = pc[e.j];
    }
  }
  return from_trips(n, t);
}

void test_colamd() {
  std::mt19937 rng(99);
  // Valid permutations on random rectangular and square patterns.
  for (int trial = 0; trial < 40; ++trial) {
    const int32_t nr = 1 + static_cast<int32_t>(rng() % 60),
                  nc = 1 + static_cast<int32_t>(rng() % 60);
    std::vector<int32_t> cp(nc + 1, 0), ri;
    for (int32_t j = 0; j < nc; ++j) {
      const int32_t d = static_cast<int32_t>(rng() % 5);
      for (int32_t k = 0; k < d; ++k) ri.push_back(static_cast<int32_t>(rng() % nr));
      cp[j + 1] = static_cast<int32_t>(ri.size());
    }
    const std::vector<int32_t> p = colamd_order(nr, nc, cp.data(), ri.data());
    std::vector<char> seen(nc, 0);
    bool ok = static_cast<int32_t>(p.size()) == nc;
    for (int32_t v : p) {
      if (v < 0 || v >= nc || seen[v]) ok = false;
      else seen[v] = 1;
    }
    CHECK(ok);
  }
  // A dense row does not make AᵀA dense.
  {
    const int32_t n = 400;
    std::vector<int32_t> cp(n + 1, 0), ri;
    for (int32_t j = 0; j < n; ++j) {
      ri.push_back(0);  // row 0 is dense
      ri.push_back(j);
      if (j + 1 < n) ri.push_back(j + 1);
      cp[j + 1] = static_cast<int32_t>(ri.size());
    }
    std::vector<int32_t> ptr, idx;
    ata_pattern(n, n, cp.data(), ri.data(), 16, ptr, idx);
    CHECK(idx.size() < static_cast<size_t>(6 * n));
    CHECK(colamd_order(n, n, cp.data(), ri.data()).size() == static_cast<size_t>(n));
  }
  // Fill: a randomly permuted 2D convection-diffusion grid factorised with COLAMD vs natural.
  {
    const Mat A = convdiff2d(30, 10.0, &rng);
    const Engine e = engine();
    auto fc = LuFactor::factorize(e, A.view(), opts(LuOrdering::Colamd), nullptr);
    auto fn = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural), nullptr);
    const int64_t c = fc->nnzL() + fc->nnzU(), nat = fn->nnzL() + fn->nnzU();
    std::printf("  colamd: permuted 2D 30x30 nnz(L+U) colamd %lld natural %lld\n",
                static_cast<long long>(c), static_cast<long long>(nat));
    CHECK(c * 3 < nat);
    CHECK(std::strcmp(fc->ordering_name(), "colamd") == 0);
    std::vector<double> x;
    CHECK(solve_check(A, opts(LuOrdering::Colamd), x, false) < 1e-13);
  }
}

void test_pivoting() {
  const Engine e = engine();
  // Zero diagonal: [[0, 1], [1, 0]] with the natural order needs the off-diagonal pivot.
  {
    const Mat A = from_trips(2, {{0, 1, 1.0}, {1, 0, 2.0}});
    auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural), nullptr);
    CHECK(f->rowPerm()[0] == 1 && f->rowPerm()[1] == 0);
    std::vector<double> b{3.0, 4.0};
    f->solve(e, b.data(), 1, 2);
    CHECK(std::fabs(b[0] - 2.0) < 1e-15 && std::fabs(b[1] - 3.0) < 1e-15);
  }
  // Small diagonal: τ = 0.1 rejects 1e-3 against 1; τ = 1e-4 keeps it.
  {
    const Mat A = from_trips(2, {{0, 0, 1e-3}, {0, 1, 1.0}, {1, 0, 1.0}, {1, 1, 1.0}});
    auto f1 = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural, 0.1), nullptr);
    CHECK(f1->rowPerm()[0] == 1);
    auto f2 = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural, 1e-4), nullptr);
    CHECK(f2->rowPerm()[0] == 0);
    // τ = 1: the largest always.
    const Mat B = from_trips(2, {{0, 0, 0.9}, {0, 1, 1.0}, {1, 0, 1.0}, {1, 1, 1.0}});
    auto f3 = LuFactor::factorize(e, B.view(), opts(LuOrdering::Natural, 1.0), nullptr);
    CHECK(f3->rowPerm()[0] == 1);
    auto f4 = LuFactor::factorize(e, B.view(), opts(LuOrdering::Natural, 0.5), nullptr);
    CHECK(f4->rowPerm()[0] == 0);
  }
  // τ = 0: any nonzero diagonal entry is kept, however small; a zero one never is.
  {
    const Mat A = from_trips(2, {{0, 0, 1e-12}, {0, 1, 1.0}, {1, 0, 1.0}, {1, 1, 1.0}});
    auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural, 0.0), nullptr);
    CHECK(f->rowPerm()[0] == 0);
    const Mat Z = from_trips(2, {{0, 1, 1.0}, {1, 0, 2.0}, {1, 1, 1.0}});
    for (LuOrdering o : kOrderings) {
      std::vector<double> x;
      CHECK(solve_check(Z, opts(o, 0.0), x, false) < 1e-14);
    }
  }
  // A matrix with an all-zero diagonal (cyclic shift plus a sub-diagonal): every ordering.
  {
    const int32_t n = 40;
    std::vector<Trip> t;
    for (int32_t i = 0; i < n; ++i) {
      t.push_back({i, (i + 1) % n, 2.0 + i % 3});
      if (i > 1) t.push_back({i, i - 2, 0.5});
    }
    const Mat A = from_trips(n, t);
    for (LuOrdering o : kOrderings) {
      std::vector<double> x;
      CHECK(solve_check(A, opts(o), x, false) < 1e-14);
      CHECK(solve_check(A, opts(o), x, true) < 1e-14);
    }
  }
  // Bad threshold.
  {
    const Mat A = from_trips(1, {{0, 0, 1.0}});
    for (double tau : {-1e-300, -1.0, 1.5, std::nan("")}) {
      bool threw = false;
      try {
        LuFactor::factorize(e, A.view(), opts(LuOrdering::Auto, tau), nullptr);
      } catch (const SolverError& err) {
        threw = std::string(err.code) == "ERR_INVALID_ARGUMENT" && err.argument == "pivotThreshold";
      }
      CHECK(threw);
    }
  }
}

int64_t singular_column(const Mat& A, LuOrdering o) {
  try {
    LuFactor::factorize(engine(), A.view(), opts(o), nullptr);
  } catch (const SolverError& err) {
    if (std::string(err.code) == "ERR_SINGULAR") return err.column;
    return -2;
  }
  return -3;
}

void test_singular() {
  // Structurally singular: column 5 empty.
  {
    const int32_t n = 9;
    std::vector<Trip> t;
    for (int32_t i = 0; i < n; ++i)
      for (int32_t j = 0; j < n; ++j)
        if (j != 5 && (i == j || (i + 2 * j) % 4 == 0)) t.push_back({i, j, 1.0 + i + 0.5 * j});
    const Mat A = from_trips(n, t);
    for (LuOrdering o : kOrderings) CHECK(singular_column(A, o) == 5);
  }
  // Structurally singular, no empty column: columns 2 and 6 only have row 3.
  {
    const int32_t n = 8;
    std::vector<Trip> t;
    for (int32_t j = 0; j < n; ++j) {
      if (j == 2 || j == 6) {
        t.push_back({3, j, 1.0 + j});
        continue;
      }
      t.push_back({j, j, 4.0});
      t.push_back({(j + 1) % n, j, 1.0});
    }
    const Mat A = from_trips(n, t);
    for (LuOrdering o : kOrderings) {
      const int64_t c = singular_column(A, o);
      CHECK(c == 2 || c == 6);
    }
  }
  // Numerically singular: column 2 = column 0 + column 1 (dense 4×4): natural reports 2.
  {
    const double a[4][2] = {{1, 2}, {3, 1}, {0, 5}, {2, 2}};
    std::vector<Trip> t;
    for (int32_t i = 0; i < 4; ++i) {
      t.push_back({i, 0, a[i][0]});
      t.push_back({i, 1, a[i][1]});
      t.push_back({i, 2, a[i][0] + a[i][1]});
      t.push_back({i, 3, 1.0 + i * i});
    }
    const Mat A = from_trips(4, t);
    CHECK(singular_column(A, LuOrdering::Natural) == 2);
    // Other orders eliminate in another sequence: the last pivot is then zero or a rounding
    // residue; either ERR_SINGULAR naming one of the dependent columns, or a huge κ estimate.
    for (LuOrdering o : kOrderings) {
      const int64_t c = singular_column(A, o);
      if (c == -3) {
        auto f = LuFactor::factorize(engine(), A.view(), opts(o), nullptr);
        CHECK(f->condest(engine()) > 1e13);
      } else {
        CHECK(c == 0 || c == 1 || c == 2);
      }
    }
  }
  // Numerically singular by cancellation of duplicates: a 1×1 block whose entries sum to 0.
  {
    const Mat A = from_trips(3, {{0, 0, 1.0}, {1, 1, 2.0}, {1, 1, -2.0}, {2, 2, 3.0}, {0, 2, 1.0}});
    for (LuOrdering o : kOrderings) CHECK(singular_column(A, o) == 1);
  }
  // Non-square, malformed, non-finite.
  {
    const Mat A = from_trips(2, {{0, 0, 1.0}, {1, 1, 1.0}});
    CsrView v = A.view();
    v.cols = 3;
    bool threw = false;
    try {
      LuFactor::factorize(engine(), v, opts(LuOrdering::Auto), nullptr);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_DIMENSION_MISMATCH";
    }
    CHECK(threw);
    Mat B = A;
    B.colIdx[1] = 7;
    threw = false;
    try {
      LuFactor::factorize(engine(), B.view(), opts(LuOrdering::Auto), nullptr);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_INVALID_MATRIX";
    }
    CHECK(threw);
    Mat C = A;
    C.values[0] = std::nan("");
    threw = false;
    try {
      LuFactor::factorize(engine(), C.view(), opts(LuOrdering::Auto), nullptr);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_INVALID_MATRIX";
    }
    CHECK(threw);
  }
  // n = 0 and n = 1.
  {
    const Mat A = from_trips(0, {});
    auto f = LuFactor::factorize(engine(), A.view(), opts(LuOrdering::Auto), nullptr);
    CHECK(f->n() == 0);
    CHECK(f->condest(engine()) == 0.0);
    const Mat B = from_trips(1, {{0, 0, -4.0}});
    auto g = LuFactor::factorize(engine(), B.view(), opts(LuOrdering::Auto), nullptr);
    double x = 2.0;
    g->solve(engine(), &x, 1, 1);
    CHECK(x == -0.5);
    CHECK(std::fabs(g->condest(engine()) - 1.0) < 1e-15);
  }
}

void test_multi_rhs() {
  std::mt19937 rng(5);
  const Engine e = engine();
  const Mat A = random_unsym(rng, 50, 0.08, true);
  const int32_t n = A.n, k = 4, ldb = n + 3;
  auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Auto), nullptr);
  std::vector<double> B(static_cast<size_t>(ldb) * k, 99.0);
  for (int32_t c = 0; c < k; ++c)
    for (int32_t i = 0; i < n; ++i) B[c * ldb + i] = std::sin(1.0 + i + 7.0 * c);
  std::vector<double> X = B, XT = B;
  f->solve(e, X.data(), k, ldb);
  f->solve_transpose(e, XT.data(), k, ldb);
  const std::vector<double> D = dense(A), DT = transpose(D, n);
  for (int32_t c = 0; c < k; ++c) {
    std::vector<double> b(B.begin() + c * ldb, B.begin() + c * ldb + n);
    std::vector<double> x(X.begin() + c * ldb, X.begin() + c * ldb + n);
    std::vector<double> xt(XT.begin() + c * ldb, XT.begin() + c * ldb + n);
    CHECK(backward_error(D, n, x, b) < 1e-14);
    CHECK(backward_error(DT, n, xt, b) < 1e-14);
    for (int32_t i = n; i < ldb; ++i) CHECK(X[c * ldb + i] == 99.0 && XT[c * ldb + i] == 99.0);
  }
  // Concurrent solves on one factor give the single-thread bits.
  std::vector<std::vector<double>> out(4, std::vector<double>(B.begin(), B.end()));
  std::vector<std::thread> th;
  for (int t = 0; t < 4; ++t)
    th.emplace_back([&, t] {
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<double> W = B;
        if (t % 2 == 0) f->solve(e, W.data(), k, ldb);
        else f->solve_transpose(e, W.data(), k, ldb);
        out[t] = W;
      }
    });
  for (auto& h : th) h.join();
  for (int t = 0; t < 4; ++t) CHECK(out[t] == (t % 2 == 0 ? X : XT));
}

void test_refactor() {
  std::mt19937 rng(11);
  const Engine e = engine();
  for (LuOrdering o : kOrderings) {
    const Mat A = random_unsym(rng, 60, 0.05, true);
    auto f = LuFactor::factorize(e, A.view(), opts(o), nullptr);
    // Same pattern, values perturbed by at most 1e-6 (relative): the reused pivots pass.
    Mat A2 = A;
    for (double& v : A2.values) v *= 1.0 + 1e-6 * std::sin(17.0 * v);
    f->refactor(e, A2.view(), nullptr);
    CHECK(f->refactor_repivots() == 0);
    auto g = LuFactor::factorize(e, A2.view(), opts(o), nullptr);
    std::vector<double> b(60), x1, x2;
    for (int32_t i = 0; i < 60; ++i) b[i] = std::cos(0.3 * i);
    x1 = b;
    x2 = b;
    f->solve(e, x1.data(), 1, 60);
    g->solve(e, x2.data(), 1, 60);
    CHECK(backward_error(dense(A2), 60, x1, b) < 1e-13);
    double diff = 0;
    for (int32_t i = 0; i < 60; ++i) diff = std::max(diff, std::fabs(x1[i] - x2[i]));
    CHECK(diff < 1e-8);
    CHECK(f->nnzL() == g->nnzL() && f->nnzU() == g->nnzU());
  }
  // A reused pivot that fails the threshold: the refactor re-pivots and stays correct.
  {
    const Mat A = from_trips(3, {{0, 0, 4.0},
                                 {0, 1, 1.0},
                                 {1, 0, 1.0},
                                 {1, 1, 4.0},
                                 {1, 2, 1.0},
                                 {2, 1, 1.0},
                                 {2, 2, 4.0}});
    auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural), nullptr);
    CHECK(f->rowPerm()[0] == 0);
    Mat A2 = A;
    A2.values[0] = 1e-6;  // a tiny (0,0): 1e-6 < 0.1·1
    f->refactor(e, A2.view(), nullptr);
    CHECK(f->refactor_repivots() == 1);
    CHECK(f->rowPerm()[0] == 1);
    std::vector<double> b{1, 2, 3}, x = b;
    f->solve(e, x.data(), 1, 3);
    CHECK(backward_error(dense(A2), 3, x, b) < 1e-15);
    // Back to the original values: again without re-pivoting? The new pivot order is kept.
    f->refactor(e, A.view(), nullptr);
    x = b;
    f->solve(e, x.data(), 1, 3);
    CHECK(backward_error(dense(A), 3, x, b) < 1e-15);
  }
  // Refactor to a singular matrix: ERR_SINGULAR, then the factor is unusable until a refactor
  // succeeds. Another pattern: ERR_INVALID_ARGUMENT.
  {
    const Mat A = from_trips(2, {{0, 0, 2.0}, {0, 1, 1.0}, {1, 0, 1.0}, {1, 1, 2.0}});
    auto f = LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural), nullptr);
    Mat S = A;
    S.values = {1.0, 1.0, 1.0, 1.0};
    bool threw = false;
    try {
      f->refactor(e, S.view(), nullptr);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_SINGULAR" && err.column == 1;
    }
    CHECK(threw);
    double b[2] = {1, 1};
    threw = false;
    try {
      f->solve(e, b, 1, 2);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_INVALID_ARGUMENT";
    }
    CHECK(threw);
    f->refactor(e, A.view(), nullptr);
    f->solve(e, b, 1, 2);
    CHECK(std::fabs(b[0] - 1.0 / 3) < 1e-15 && std::fabs(b[1] - 1.0 / 3) < 1e-15);
    const Mat P = from_trips(2, {{0, 0, 2.0}, {1, 0, 1.0}, {1, 1, 2.0}});
    threw = false;
    try {
      f->refactor(e, P.view(), nullptr);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_INVALID_ARGUMENT";
    }
    CHECK(threw);
  }
}

// Exact κ₁ = ‖A‖₁‖A⁻¹‖₁ from a dense inverse.
double kappa1(const Mat& A) {
  const int32_t n = A.n;
  const std::vector<double> D = dense(A);
  double an = 0, inv = 0;
  for (int32_t j = 0; j < n; ++j) {
    double s = 0;
    for (int32_t i = 0; i < n; ++i) s += std::fabs(D[i * n + j]);
    an = std::max(an, s);
    std::vector<double> ej(n, 0.0);
    ej[j] = 1.0;
    dense_solve(D, n, ej);
    double t = 0;
    for (double v : ej) t += std::fabs(v);
    inv = std::max(inv, t);
  }
  return an * inv;
}

void test_condest() {
  std::mt19937 rng(3);
  double worst = 1.0;
  for (int trial = 0; trial < 40; ++trial) {
    const int32_t n = 2 + static_cast<int32_t>(rng() % 40);
    Mat A = random_unsym(rng, n, 0.15, true);
    if (trial % 5 == 0)  // ill-conditioned: scale one column down
      for (int32_t p = 0; p < A.rowPtr[n]; ++p)
        if (A.colIdx[p] == 0) A.values[p] *= 1e-7;
    auto f = LuFactor::factorize(engine(), A.view(), opts(LuOrdering::Auto), nullptr);
    const double est = f->condest(engine()), k = kappa1(A);
    worst = std::min(worst, est / k);
    CHECK(est <= k * (1 + 1e-8));
    CHECK(est >= k / 3);
  }
  std::printf("  condest: worst estimate / exact kappa1 = %.3f\n", worst);
}

void test_determinism_abort() {
  std::mt19937 rng(8);
  const Mat A = convdiff2d(40, 30.0, &rng);
  const Engine e = engine();
  for (LuOrdering o : kOrderings) {
    auto f = LuFactor::factorize(e, A.view(), opts(o), nullptr);
    auto g = LuFactor::factorize(e, A.view(), opts(o), nullptr);
    CHECK(f->rowPerm() == g->rowPerm() && f->colPerm() == g->colPerm());
    std::vector<double> x(A.n, 1.0), y(A.n, 1.0);
    f->solve(e, x.data(), 1, A.n);
    g->solve(e, y.data(), 1, A.n);
    CHECK(std::memcmp(x.data(), y.data(), sizeof(double) * x.size()) == 0);
    std::vector<double> b(A.n, 1.0);
    const double be = backward_error(dense(A), A.n, x, b);
    if (!(be < 1e-12))
      std::printf("  convdiff 40 %s: backward error %.2e\n", f->ordering_name(), be);
    CHECK(be < 1e-12);
  }
  // Auto on an unsymmetric pattern: left-looking with COLAMD.
  {
    CHECK(structural_symmetry(A.n, A.rowPtr.data(), A.colIdx.data()) < 0.1);
    const Mat U = random_unsym(rng, 200, 0.01, true);
    CHECK(structural_symmetry(U.n, U.rowPtr.data(), U.colIdx.data()) < 0.5);
    auto g = LuFactor::factorize(e, U.view(), opts(LuOrdering::Auto), nullptr);
    CHECK(std::strcmp(g->ordering_name(), "colamd") == 0);
    CHECK(std::strcmp(g->method(), "left-looking") == 0);
  }
  // Abort and time limit.
  {
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    bool threw = false;
    try {
      LuFactor::factorize(e, A.view(), opts(LuOrdering::Auto), &ctl);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ABORT_ERR";
    }
    CHECK(threw);
    Control ctl2;
    ctl2.set_time_limit_ms(1e-6);
    threw = false;
    try {
      LuFactor::factorize(e, A.view(), opts(LuOrdering::Natural), &ctl2);
    } catch (const SolverError& err) {
      threw = std::string(err.code) == "ERR_TIME_LIMIT";
    }
    CHECK(threw);
  }
}

// Arrow: hub 0 joined to every leaf; diagonal values given.
Mat arrow(int32_t n, double hubDiag, double leafDiag) {
  std::vector<Trip> t;
  t.push_back({0, 0, hubDiag});
  for (int32_t i = 1; i < n; ++i) {
    t.push_back({i, i, leafDiag});
    t.push_back({0, i, 1.0});
    t.push_back({i, 0, -1.0 + 0.01 * i});
  }
  return from_trips(n, t);
}

// The supernodal engine: Auto and Amd on nearly symmetric patterns with a zero-free diagonal;
// its refusal (no acceptable pivot inside a supernode's diagonal block) falls back to the
// left-looking path, in factorize and in refactor.
void test_supernodal_path() {
  const Engine e = engine();
  const Mat S = convdiff2d(40, 30.0, nullptr);
  CHECK(structural_symmetry(S.n, S.rowPtr.data(), S.colIdx.data()) == 1.0);
  for (LuOrdering o : {LuOrdering::Auto, LuOrdering::Amd}) {
    auto f = LuFactor::factorize(e, S.view(), opts(o), nullptr);
    CHECK(std::strcmp(f->method(), "supernodal") == 0);
    CHECK(std::strcmp(f->ordering_name(), "amd") == 0 ||
          std::strcmp(f->ordering_name(), "nested-dissection") == 0);
    CHECK(f->btf_blocks() == 1);
    CHECK(f->nnzL() > S.n && f->nnzU() > S.n);
    std::vector<double> x;
    CHECK(solve_check(S, opts(o), x, false) < 1e-13);
    CHECK(solve_check(S, opts(o), x, true) < 1e-13);
    // Refactor with new values (same pattern) stays supernodal and agrees with a fresh factor.
    Mat S2 = S;
    for (size_t p = 0; p < S2.values.size(); ++p) S2.values[p] *= 1.0 + 0.001 * std::cos(double(p));
    f->refactor(e, S2.view(), nullptr);
    CHECK(f->refactor_repivots() == 0);
    CHECK(std::strcmp(f->method(), "supernodal") == 0);
    std::vector<double> b(S.n), y;
    for (int32_t i = 0; i < S.n; ++i) b[i] = std::sin(0.1 * i);
    y = b;
    f->solve(e, y.data(), 1, S.n);
    CHECK(backward_error(dense(S2), S.n, y, b) < 1e-13);
  }
  // Natural and Colamd never take it.
  for (LuOrdering o : {LuOrdering::Natural, LuOrdering::Colamd}) {
    auto f = LuFactor::factorize(e, S.view(), opts(o), nullptr);
    CHECK(std::strcmp(f->method(), "left-looking") == 0);
  }
  // Tiny leaf diagonals: the leaf's supernode has no acceptable pivot in its diagonal block, so
  // the supernodal engine declines and the left-looking path (BTF + AMD) factorises.
  {
    const Mat T = arrow(60, 1e-12, 1e-12);
    auto f = LuFactor::factorize(e, T.view(), opts(LuOrdering::Auto), nullptr);
    CHECK(std::strcmp(f->method(), "left-looking") == 0);
    CHECK(std::strcmp(f->ordering_name(), "amd") == 0);
    std::vector<double> x;
    CHECK(solve_check(T, opts(LuOrdering::Auto), x, false) < 1e-13);
    CHECK(solve_check(T, opts(LuOrdering::Auto), x, true) < 1e-13);
    // A refactor that makes the supernodal pivots fail: factorised dominant, refactored tiny.
    const Mat D = arrow(60, 100.0, 4.0);
    auto g = LuFactor::factorize(e, D.view(), opts(LuOrdering::Auto), nullptr);
    CHECK(std::strcmp(g->method(), "supernodal") == 0);
    g->refactor(e, T.view(), nullptr);
    CHECK(g->refactor_repivots() == 1);
    CHECK(std::strcmp(g->method(), "left-looking") == 0);
    std::vector<double> b(60), y;
    for (int32_t i = 0; i < 60; ++i) b[i] = 1.0 + i % 4;
    y = b;
    g->solve(e, y.data(), 1, 60);
    CHECK(backward_error(dense(T), 60, y, b) < 1e-13);
  }
  // Multi-RHS, condest and a singular column on the supernodal path.
  {
    const Mat M = convdiff2d(9, 50.0, nullptr);
    auto f = LuFactor::factorize(e, M.view(), opts(LuOrdering::Auto), nullptr);
    CHECK(std::strcmp(f->method(), "supernodal") == 0);
    const int32_t n = M.n, k = 3, ldb = n + 2;
    std::vector<double> B(static_cast<size_t>(ldb) * k, 0.0);
    for (int32_t c = 0; c < k; ++c)
      for (int32_t i = 0; i < n; ++i) B[c * ldb + i] = std::cos(i + 3.0 * c);
    std::vector<double> X = B;
    f->solve(e, X.data(), k, ldb);
    for (int32_t c = 0; c < k; ++c) {
      std::vector<double> b(B.begin() + c * ldb, B.begin() + c * ldb + n);
      std::vector<double> x(X.begin() + c * ldb, X.begin() + c * ldb + n);
      CHECK(backward_error(dense(M), n, x, b) < 1e-14);
    }
    const double est = f->condest(e), kap = kappa1(M);
    CHECK(est <= kap * (1 + 1e-8) && est >= kap / 3);
    // Column 17 zeroed (values only; the pattern and the diagonal entry stay): singular.
    Mat Z = M;
    for (int32_t i = 0; i < n; ++i)
      for (int32_t p = Z.rowPtr[i]; p < Z.rowPtr[i + 1]; ++p)
        if (Z.colIdx[p] == 17) Z.values[p] = 0.0;
    CHECK(singular_column(Z, LuOrdering::Auto) == 17);
    CHECK(singular_column(Z, LuOrdering::Amd) == 17);
  }
}

}  // namespace

int main() {
  std::printf("lu_tests\n");
  test_random();
  test_btf();
  test_colamd();
  test_pivoting();
  test_singular();
  test_multi_rhs();
  test_refactor();
  test_condest();
  test_determinism_abort();
  test_supernodal_path();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
