// Maximum-product matching, block triangular ordering and ILU(0) on the reordered matrix (see
// ordering.hpp).
#include "ordering.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <utility>

namespace itersolve {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A by columns, duplicates summed; zero and non-finite sums dropped (they cannot be matched).
struct Csc {
  std::vector<int32_t> colPtr, rowIdx;
  std::vector<double> values;
};

Csc finite_nonzero_columns(const CsrView& A) {
  const int64_t n = A.rows;
  Csc c;
  c.colPtr.assign(n + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k) ++c.colPtr[A.colIdx[k] + 1];
  for (int64_t j = 0; j < n; ++j) c.colPtr[j + 1] += c.colPtr[j];
  // Rows are visited in ascending order, so a duplicate lands next to its twin.
  std::vector<int32_t> fill(c.colPtr.begin(), c.colPtr.end() - 1);
  std::vector<int32_t> ri(c.colPtr[n]);
  std::vector<double> rv(ri.size());
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k) {
      const int32_t j = A.colIdx[k];
      if (fill[j] > c.colPtr[j] && ri[fill[j] - 1] == i) {
        rv[fill[j] - 1] += A.values[k];
      } else {
        ri[fill[j]] = static_cast<int32_t>(i);
        rv[fill[j]++] = A.values[k];
      }
    }
  int32_t out = 0;
  for (int64_t j = 0; j < n; ++j) {
    const int32_t s = c.colPtr[j];
    c.colPtr[j] = out;
    for (int32_t k = s; k < fill[j]; ++k)
      if (rv[k] != 0.0 && std::isfinite(rv[k])) {
        ri[out] = ri[k];
        rv[out++] = rv[k];
      }
  }
  c.colPtr[n] = out;
  ri.resize(out);
  rv.resize(out);
  c.rowIdx = std::move(ri);
  c.values = std::move(rv);
  return c;
}

}  // namespace

bool needs_reordering(const CsrView& A) {
  for (int64_t i = 0; i < A.rows; ++i) {
    double d = 0.0;
    bool found = false;
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k)
      if (A.colIdx[k] == i) {
        d += A.values[k];
        found = true;
      }
    if (!found || d == 0.0) return true;
  }
  return false;
}

bool max_product_matching(const CsrView& A, std::vector<int32_t>& rowPerm,
                          std::vector<double>* rowScale, std::vector<double>* colScale) {
  const int64_t n = A.rows;
  const Csc c = finite_nonzero_columns(A);
  // Cost c_ij = log max_k|a_kj| − log|a_ij| ≥ 0: a minimum-cost perfect matching maximises the
  // product. Duals u (rows), w (columns) keep u_i + w_j ≤ c_ij, with equality on matched edges.
  std::vector<double> cost(c.values.size());
  std::vector<double> colMax(n, 0.0);
  for (int64_t j = 0; j < n; ++j) {
    for (int32_t k = c.colPtr[j]; k < c.colPtr[j + 1]; ++k)
      colMax[j] = std::max(colMax[j], std::fabs(c.values[k]));
    for (int32_t k = c.colPtr[j]; k < c.colPtr[j + 1]; ++k)
      cost[k] = std::log(colMax[j]) - std::log(std::fabs(c.values[k]));
  }
  std::vector<double> u(n, kInf), w(n, kInf);
  for (size_t k = 0; k < cost.size(); ++k) u[c.rowIdx[k]] = std::min(u[c.rowIdx[k]], cost[k]);
  for (int64_t j = 0; j < n; ++j)
    for (int32_t k = c.colPtr[j]; k < c.colPtr[j + 1]; ++k)
      w[j] = std::min(w[j], cost[k] - u[c.rowIdx[k]]);
  auto reduced = [&](int32_t k, int64_t j) {
    return std::max(0.0, cost[k] - u[c.rowIdx[k]] - w[j]);  // ≥ 0 up to rounding
  };

  // Cheap start (as MC64): match along edges of zero reduced cost, then give each column left
  // free a zero-cost row whose column can move to another free zero-cost row. Matched rows stay
  // matched, so each column's search pointer only moves forward: O(nnz) in all.
  std::vector<int32_t> rowMatch(n, -1), colMatch(n, -1);
  auto tight = [&](int32_t k, int64_t j) { return cost[k] - u[c.rowIdx[k]] == w[j]; };
  for (int64_t j = 0; j < n; ++j)
    for (int32_t k = c.colPtr[j]; k < c.colPtr[j + 1]; ++k) {
      const int32_t i = c.rowIdx[k];
      if (rowMatch[i] < 0 && tight(k, j)) {
        rowMatch[i] = static_cast<int32_t>(j);
        colMatch[j] = i;
        break;
      }
    }
  std::vector<int32_t> from(c.colPtr.begin(), c.colPtr.end() - 1);
  for (int64_t j = 0; j < n; ++j) {
    if (colMatch[j] >= 0) continue;
    for (int32_t k = c.colPtr[j]; k < c.colPtr[j + 1] && colMatch[j] < 0; ++k) {
      const int32_t i = c.rowIdx[k];
      if (!tight(k, j)) continue;
      const int32_t j2 = rowMatch[i];
      for (; from[j2] < c.colPtr[j2 + 1]; ++from[j2]) {
        const int32_t i2 = c.rowIdx[from[j2]];
        if (rowMatch[i2] < 0 && tight(from[j2], j2)) {
          rowMatch[i2] = j2;
          colMatch[j2] = i2;
          rowMatch[i] = static_cast<int32_t>(j);
          colMatch[j] = i;
          break;
        }
      }
    }
  }

  // Each free column: Dijkstra over alternating paths (column → row by reduced cost, row →
  // its matched column for free) to the nearest free row, then augment and update the duals.
  // Only the touched rows are reset, so a short search costs little on a large matrix.
  std::vector<double> dist(n, kInf);
  std::vector<int32_t> via(n, -1);   // column a row was reached from
  std::vector<char> done(n, 0);      // row's distance is final
  std::vector<int32_t> touched, doneRows, treeCols;
  std::vector<double> colDist(n, 0.0);
  using Item = std::pair<double, int32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  bool perfect = true;
  for (int64_t j0 = 0; j0 < n; ++j0) {
    if (colMatch[j0] >= 0) continue;
    auto scan = [&](int64_t j, double dj) {
      for (int32_t k = c.colPtr[j]; k < c.colPtr[j + 1]; ++k) {
        const int32_t i = c.rowIdx[k];
        if (done[i]) continue;
        const double d = dj + reduced(k, j);
        if (d < dist[i]) {
          if (dist[i] == kInf) touched.push_back(i);
          dist[i] = d;
          via[i] = static_cast<int32_t>(j);
          heap.emplace(d, i);
        }
      }
    };
    treeCols.assign(1, static_cast<int32_t>(j0));
    colDist[j0] = 0.0;
    scan(j0, 0.0);
    int32_t freeRow = -1;
    while (!heap.empty()) {
      const auto [d, i] = heap.top();
      heap.pop();
      if (done[i] || d > dist[i]) continue;
      done[i] = 1;
      doneRows.push_back(i);
      if (rowMatch[i] < 0) {
        freeRow = i;
        break;
      }
      const int32_t j = rowMatch[i];
      colDist[j] = d;
      treeCols.push_back(j);
      scan(j, d);
    }
    if (freeRow >= 0) {
      const double D = dist[freeRow];
      for (int32_t i : doneRows) u[i] -= D - dist[i];
      for (int32_t j : treeCols) w[j] += D - colDist[j];
      for (int32_t i = freeRow;;) {
        const int32_t j = via[i];
        const int32_t next = colMatch[j];
        rowMatch[i] = j;
        colMatch[j] = i;
        if (j == j0) break;
        i = next;
      }
    } else {
      perfect = false;  // no free row reachable: keep going for a maximum matching
    }
    for (int32_t i : touched) {
      dist[i] = kInf;
      done[i] = 0;
    }
    touched.clear();
    doneRows.clear();
    heap = decltype(heap)();
  }
  rowPerm = colMatch;
  if (!perfect) {
    if (rowScale != nullptr) rowScale->clear();
    if (colScale != nullptr) colScale->clear();
    return false;
  }
  // |a_ij|·e^{u_i}·e^{w_j}/colMax_j = e^{u_i + w_j − c_ij} ≤ 1, = 1 on the matching.
  if (rowScale != nullptr) {
    rowScale->resize(n);
    for (int64_t i = 0; i < n; ++i) (*rowScale)[i] = std::exp(u[i]);
  }
  if (colScale != nullptr) {
    colScale->resize(n);
    for (int64_t j = 0; j < n; ++j) (*colScale)[j] = std::exp(w[j]) / colMax[j];
  }
  return true;
}

BlockTriangular block_triangular_order(const CsrView& A, const int32_t* rowPerm) {
  const int64_t n = A.rows;
  auto row = [&](int64_t v) { return rowPerm != nullptr ? rowPerm[v] : v; };
  // Tarjan with an explicit call stack of (vertex, next edge to look at): no recursion on n.
  std::vector<int32_t> index(n, -1), low(n), comp(n, -1), stack;
  std::vector<std::pair<int32_t, int32_t>> calls;
  int32_t counter = 0, ncomp = 0;
  for (int64_t s = 0; s < n; ++s) {
    if (index[s] >= 0) continue;
    auto enter = [&](int32_t v) {
      index[v] = low[v] = counter++;
      stack.push_back(v);
      calls.emplace_back(v, A.rowPtr[row(v)]);
    };
    enter(static_cast<int32_t>(s));
    while (!calls.empty()) {
      auto& [v, k] = calls.back();
      if (k < A.rowPtr[row(v) + 1]) {
        const int32_t x = A.colIdx[k++];
        if (index[x] < 0) enter(x);  // invalidates v and k
        else if (comp[x] < 0) low[v] = std::min(low[v], index[x]);  // x is on the stack
        continue;
      }
      const int32_t done = v;
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
      if (low[done] == index[done]) {
        int32_t x;
        do {
          x = stack.back();
          stack.pop_back();
          comp[x] = ncomp;
        } while (x != done);
        ++ncomp;
      }
    }
  }
  // Tarjan closes a component after every component it reaches: reverse order is topological.
  BlockTriangular bt;
  bt.blockStart.assign(ncomp + 1, 0);
  for (int64_t v = 0; v < n; ++v) ++bt.blockStart[ncomp - comp[v]];
  for (int32_t b = 0; b < ncomp; ++b) {
    bt.largest = std::max<int64_t>(bt.largest, bt.blockStart[b + 1]);
    bt.blockStart[b + 1] += bt.blockStart[b];
  }
  std::vector<int32_t> fill(bt.blockStart.begin(), bt.blockStart.end() - 1);
  bt.order.resize(n);
  for (int64_t v = 0; v < n; ++v) bt.order[fill[ncomp - 1 - comp[v]]++] = static_cast<int32_t>(v);
  return bt;
}

namespace {

// CSR with sorted columns, duplicates summed, and the diagonal's position in each row.
struct Csr {
  std::vector<int32_t> rowPtr{0}, colIdx, diag;
  std::vector<double> values;
};

// Rows R[lo..hi) of Dr·A·Dc with column c renumbered Qinv[c] − lo, keeping the columns that land
// in [0, hi − lo). Every row must have its diagonal (R comes from a perfect matching).
Csr reordered_rows(const CsrView& A, const std::vector<int32_t>& R,
                   const std::vector<int32_t>& Qinv, const std::vector<double>& rowScale,
                   const std::vector<double>& colScale, int64_t lo, int64_t hi) {
  Csr C;
  std::vector<std::pair<int32_t, double>> buf;
  for (int64_t l = lo; l < hi; ++l) {
    const int32_t i = R[l];
    buf.clear();
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k) {
      const int32_t c = A.colIdx[k];
      if (Qinv[c] >= lo && Qinv[c] < hi)
        buf.emplace_back(static_cast<int32_t>(Qinv[c] - lo),
                         A.values[k] * rowScale[i] * colScale[c]);
    }
    std::sort(buf.begin(), buf.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const int32_t start = C.rowPtr.back();
    for (const auto& [j, x] : buf) {
      if (static_cast<int32_t>(C.colIdx.size()) > start && C.colIdx.back() == j) {
        C.values.back() += x;
        continue;
      }
      if (j == l - lo) C.diag.push_back(static_cast<int32_t>(C.colIdx.size()));
      C.colIdx.push_back(j);
      C.values.push_back(x);
    }
    C.rowPtr.push_back(static_cast<int32_t>(C.colIdx.size()));
  }
  return C;
}

// The pivot ILU(0) uses: |p| ≤ τ becomes ±τ (the scaled rows have max-norm 1).
double shifted(double p, double tau) {
  if (std::fabs(p) > tau) return p;
  return p < 0.0 ? -tau : tau;
}

// Position of entry (i, j) in C, or −1.
int32_t find_entry(const Csr& C, int32_t i, int32_t j) {
  const auto b = C.colIdx.begin() + C.rowPtr[i], e = C.colIdx.begin() + C.rowPtr[i + 1];
  const auto it = std::lower_bound(b, e, j);
  return it != e && *it == j ? static_cast<int32_t>(it - C.colIdx.begin()) : -1;
}

// Minimum discarded fill ordering (D'Azevedo, Forsyth & Tang, "Ordering methods for
// preconditioned conjugate gradient methods applied to unstructured grid problems", 1992) of one
// irreducible block B, symmetric so its diagonal stays: each step eliminates the node whose
// ILU(0) elimination would drop the least fill, Σ (b_ik·b_kj/b_kk)² over the remaining (i, j)
// outside the pattern, then carries out that elimination on B's pattern. The ILU(0) of the
// block in this order then drops what the greedy chose to drop. A small pivot makes a node
// expensive, so near-zero pivots tend to be postponed until elimination has filled them in.
// Nodes with |row|·|column| > kDense would cost too much to rescore after each neighbour's
// elimination; they come last (like dense rows in minimum degree).
std::vector<int32_t> min_discarded_fill(Csr B, double tau) {
  constexpr int64_t kDense = 4096;
  const int32_t m = static_cast<int32_t>(B.diag.size());
  std::vector<int32_t> colPtr(m + 1, 0), colRow(B.colIdx.size()), colPos(B.colIdx.size());
  for (int32_t c : B.colIdx) ++colPtr[c + 1];
  for (int32_t j = 0; j < m; ++j) colPtr[j + 1] += colPtr[j];
  {
    std::vector<int32_t> fill(colPtr.begin(), colPtr.end() - 1);
    for (int32_t i = 0; i < m; ++i)
      for (int32_t k = B.rowPtr[i]; k < B.rowPtr[i + 1]; ++k) {
        colRow[fill[B.colIdx[k]]] = i;
        colPos[fill[B.colIdx[k]]++] = k;
      }
  }
  std::vector<char> alive(m, 1);
  auto dense = [&](int32_t x) {
    return int64_t(B.rowPtr[x + 1] - B.rowPtr[x]) * (colPtr[x + 1] - colPtr[x]) > kDense;
  };
  auto score = [&](int32_t x) {
    const double p = std::fabs(shifted(B.values[B.diag[x]], tau));
    if (dense(x) || p == 0.0) return kInf;
    double s = 0.0;
    for (int32_t t = colPtr[x]; t < colPtr[x + 1]; ++t) {
      const int32_t i = colRow[t];
      if (!alive[i] || i == x) continue;
      const double a = B.values[colPos[t]];
      for (int32_t k = B.rowPtr[x]; k < B.rowPtr[x + 1]; ++k) {
        const int32_t j = B.colIdx[k];
        if (alive[j] && j != x && find_entry(B, i, j) < 0)
          s += (a * B.values[k]) * (a * B.values[k]);
      }
    }
    s /= p * p;
    return std::isnan(s) ? kInf : s;
  };
  std::vector<double> cur(m);
  using Item = std::pair<double, int32_t>;  // ties go to the lower index
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  for (int32_t x = 0; x < m; ++x) heap.emplace(cur[x] = score(x), x);
  std::vector<int32_t> order, stamp(m, -1), nbrs;
  order.reserve(m);
  while (!heap.empty()) {
    const auto [sc, k] = heap.top();
    heap.pop();
    if (!alive[k] || sc != cur[k]) continue;  // eliminated, or a stale score
    alive[k] = 0;
    order.push_back(k);
    const double p = shifted(B.values[B.diag[k]], tau);
    nbrs.clear();
    for (int32_t t = colPtr[k]; t < colPtr[k + 1]; ++t) {
      const int32_t i = colRow[t];
      if (!alive[i]) continue;
      if (stamp[i] != k) nbrs.push_back(i), stamp[i] = k;
      const double f = p != 0.0 ? B.values[colPos[t]] / p : 0.0;  // τ = 0: ilu0 throws later
      for (int32_t q = B.rowPtr[k]; q < B.rowPtr[k + 1]; ++q) {
        const int32_t j = B.colIdx[q];
        const int32_t at = alive[j] ? find_entry(B, i, j) : -1;
        if (at >= 0) B.values[at] -= f * B.values[q];
      }
    }
    for (int32_t q = B.rowPtr[k]; q < B.rowPtr[k + 1]; ++q) {
      const int32_t j = B.colIdx[q];
      if (alive[j] && stamp[j] != k) nbrs.push_back(j), stamp[j] = k;
    }
    for (int32_t x : nbrs)
      if (!dense(x)) heap.emplace(cur[x] = score(x), x);
  }
  return order;
}

// L (unit lower) and U of the reordered, scaled matrix C = P·Dr·A·Dc·Q, stored so that apply()
// needs no scratch: the unknown of C's index l lives in z[Q[l]] throughout (column indices are
// already mapped through Q), the forward sweep reads r[R[l]] scaled by Dr directly, and U's rows
// carry 1/u_ll and the column scaling (it yields x = Dc·U⁻¹·t itself).
class ReorderedIlu final : public Preconditioner {
 public:
  struct Factor {
    std::vector<int32_t> rowPtr{0}, colIdx;
    std::vector<double> values;
  };
  ReorderedIlu(std::vector<int32_t> R, std::vector<int32_t> Q, std::vector<double> rs,
               std::vector<double> ds, Factor L, Factor U)
      : R_(std::move(R)), Q_(std::move(Q)), rs_(std::move(rs)), ds_(std::move(ds)),
        L_(std::move(L)), U_(std::move(U)) {}
  const char* kind() const override { return "ilu0"; }
  int64_t size() const override { return static_cast<int64_t>(Q_.size()); }
  bool apply(const Engine&, const double* r, double* z) const override {
    const int64_t n = size();
    const int32_t *R = R_.data(), *Q = Q_.data();
    const int32_t *lp = L_.rowPtr.data(), *lc = L_.colIdx.data();
    const double* lv = L_.values.data();
    for (int64_t l = 0; l < n; ++l) {
      double acc = rs_[l] * r[R[l]];
      for (int32_t k = lp[l]; k < lp[l + 1]; ++k) acc -= lv[k] * z[lc[k]];
      z[Q[l]] = acc;
    }
    const int32_t *up = U_.rowPtr.data(), *uc = U_.colIdx.data();
    const double* uv = U_.values.data();
    for (int64_t l = n - 1; l >= 0; --l) {
      double acc = ds_[l] * z[Q[l]];
      for (int32_t k = up[l]; k < up[l + 1]; ++k) acc -= uv[k] * z[uc[k]];
      z[Q[l]] = acc;
    }
    return true;
  }

 private:
  std::vector<int32_t> R_, Q_;
  std::vector<double> rs_, ds_;
  Factor L_, U_;
};

[[noreturn]] void pivot_error(const std::string& what, int64_t row) {
  throw SolverError("ERR_ZERO_PIVOT",
                    "ilu0: " + what + " at row " + std::to_string(row) +
                        " (after reordering for a nonzero diagonal)",
                    row);
}

}  // namespace

std::unique_ptr<Preconditioner> make_ilu0_reordered(const CsrView& A, double pivotShift) {
  if (A.rows != A.cols)
    throw SolverError("ERR_INVALID_ARGUMENT", "ilu0: the matrix must be square, received " +
                                                  std::to_string(A.rows) + "x" +
                                                  std::to_string(A.cols));
  const int64_t n = A.rows;
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k)
      if (!std::isfinite(A.values[k]))
        throw SolverError(
            "ERR_ZERO_PIVOT",
            "ilu0: non-finite entry " + num(A.values[k]) + " at row " + std::to_string(i), i);
  std::vector<int32_t> match;
  std::vector<double> rowScale, colScale;
  if (!max_product_matching(A, match, &rowScale, &colScale)) {
    std::vector<char> used(n, 0);
    for (int32_t i : match)
      if (i >= 0) used[i] = 1;
    const int64_t row = std::find(used.begin(), used.end(), 0) - used.begin();
    throw SolverError("ERR_ZERO_PIVOT",
                      "ilu0: the matrix is structurally singular (no ordering gives a nonzero "
                      "diagonal); row " +
                          std::to_string(row) +
                          " is left over by a maximum matching of rows to columns",
                      row);
  }

  // Block triangular form, then minimum discarded fill inside each block.
  BlockTriangular bt = block_triangular_order(A, match.data());
  std::vector<int32_t>& Q = bt.order;
  std::vector<int32_t> R(n), Qinv(n);
  auto set_rows = [&] {
    for (int64_t l = 0; l < n; ++l) {
      R[l] = match[Q[l]];
      Qinv[Q[l]] = static_cast<int32_t>(l);
    }
  };
  set_rows();
  std::vector<int32_t> block;
  for (int64_t b = 0; b + 1 < static_cast<int64_t>(bt.blockStart.size()); ++b) {
    const int32_t lo = bt.blockStart[b], hi = bt.blockStart[b + 1];
    if (hi - lo < 2) continue;
    const std::vector<int32_t> local =
        min_discarded_fill(reordered_rows(A, R, Qinv, rowScale, colScale, lo, hi), pivotShift);
    block.assign(Q.begin() + lo, Q.begin() + hi);
    for (int32_t t = 0; t < hi - lo; ++t) Q[lo + t] = block[local[t]];
  }
  set_rows();

  // IKJ ILU(0) on C's pattern, as in make_ilu0, with the pivot shift.
  Csr C = reordered_rows(A, R, Qinv, rowScale, colScale, 0, n);
  const std::vector<int32_t>& rp = C.rowPtr;
  const std::vector<int32_t>& ci = C.colIdx;
  const std::vector<int32_t>& diag = C.diag;
  std::vector<double>& v = C.values;
  std::vector<int32_t> pos(n, -1);
  for (int64_t l = 0; l < n; ++l) {
    const int32_t s = rp[l], e = rp[l + 1];
    for (int32_t k = s; k < e; ++k) pos[ci[k]] = k;
    for (int32_t k = s; k < diag[l]; ++k) {
      const int32_t j = ci[k];
      const double f = v[k] / v[diag[j]];
      v[k] = f;
      for (int32_t m = diag[j] + 1; m < rp[j + 1]; ++m) {
        const int32_t p = pos[ci[m]];
        if (p >= 0) v[p] -= f * v[m];
      }
    }
    for (int32_t k = s; k < e; ++k) pos[ci[k]] = -1;
    double& piv = v[diag[l]];
    if (!std::isfinite(piv)) pivot_error("non-finite pivot " + num(piv), R[l]);
    piv = shifted(piv, pivotShift);
    if (piv == 0.0) pivot_error("zero pivot", R[l]);
  }

  ReorderedIlu::Factor L, U;
  std::vector<double> rs(n), ds(n);
  for (int64_t l = 0; l < n; ++l) {
    rs[l] = rowScale[R[l]];
    ds[l] = colScale[Q[l]] / v[diag[l]];
    for (int32_t k = rp[l]; k < diag[l]; ++k) {
      L.colIdx.push_back(Q[ci[k]]);
      L.values.push_back(v[k]);
    }
    for (int32_t k = diag[l] + 1; k < rp[l + 1]; ++k) {
      U.colIdx.push_back(Q[ci[k]]);
      U.values.push_back(v[k] * ds[l] / colScale[Q[ci[k]]]);
    }
    L.rowPtr.push_back(static_cast<int32_t>(L.colIdx.size()));
    U.rowPtr.push_back(static_cast<int32_t>(U.colIdx.size()));
  }
  return std::make_unique<ReorderedIlu>(std::move(R), std::move(Q), std::move(rs), std::move(ds),
                                        std::move(L), std::move(U));
}

}  // namespace itersolve
