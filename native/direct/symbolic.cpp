// Symbolic analysis of a sparse Cholesky factorisation: see symbolic.hpp for the contract.
#include "symbolic.hpp"

#include <algorithm>
#include <climits>
#include <string>

#include "../core/errors.hpp"

namespace itersolve {
namespace direct {

namespace {

void validate(int32_t n, const int32_t* rowPtr, const int32_t* colIdx, const int32_t* perm) {
  if (n < 0)
    throw SolverError("ERR_INVALID_ARGUMENT", "n must be >= 0, received " + std::to_string(n), -1,
                      "n");
  if (n == 0) return;
  if (!rowPtr || rowPtr[0] != 0)
    throw SolverError("ERR_INVALID_MATRIX", "A: rowPtr[0] must be 0", -1, "A");
  for (int32_t i = 0; i < n; ++i)
    if (rowPtr[i + 1] < rowPtr[i])
      throw SolverError("ERR_INVALID_MATRIX", "A: rowPtr decreases at row " + std::to_string(i), i,
                        "A");
  if (rowPtr[n] > 0 && !colIdx)
    throw SolverError("ERR_INVALID_MATRIX", "A: colIdx missing", -1, "A");
  for (int32_t i = 0; i < n; ++i)
    for (int32_t p = rowPtr[i]; p < rowPtr[i + 1]; ++p)
      if (colIdx[p] < 0 || colIdx[p] >= n)
        throw SolverError("ERR_INVALID_MATRIX",
                          "A: column index " + std::to_string(colIdx[p]) + " in row " +
                              std::to_string(i) + " is outside [0, " + std::to_string(n) + ")",
                          i, "A");
  if (perm) {
    std::vector<char> seen(n, 0);
    for (int32_t k = 0; k < n; ++k) {
      if (perm[k] < 0 || perm[k] >= n || seen[perm[k]])
        throw SolverError("ERR_INVALID_ARGUMENT",
                          "perm is not a permutation of 0..n-1 (entry " + std::to_string(k) +
                              " = " + std::to_string(perm[k]) + ")",
                          -1, "perm");
      seen[perm[k]] = 1;
    }
  }
}

}  // namespace

UpperPattern permutedUpper(int32_t n, const int32_t* rowPtr, const int32_t* colIdx,
                           const int32_t* perm) {
  validate(n, rowPtr, colIdx, perm);
  UpperPattern U;
  U.ptr.assign(static_cast<size_t>(n) + 1, 0);
  if (n == 0) return U;
  std::vector<int32_t> pinv(n);
  for (int32_t k = 0; k < n; ++k) pinv[perm ? perm[k] : k] = k;
  // Count, fill, then sort and deduplicate each column.
  for (int32_t i = 0; i < n; ++i)
    for (int32_t p = rowPtr[i]; p < rowPtr[i + 1]; ++p) {
      const int32_t a = pinv[i], b = pinv[colIdx[p]];
      if (a != b) ++U.ptr[std::max(a, b) + 1];
    }
  for (int32_t k = 0; k < n; ++k) U.ptr[k + 1] += U.ptr[k];
  std::vector<int32_t> next(U.ptr.begin(), U.ptr.end() - 1);
  U.idx.resize(U.ptr[n]);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t p = rowPtr[i]; p < rowPtr[i + 1]; ++p) {
      const int32_t a = pinv[i], b = pinv[colIdx[p]];
      if (a != b) U.idx[next[std::max(a, b)]++] = std::min(a, b);
    }
  int32_t out = 0;
  int32_t start = 0;
  for (int32_t k = 0; k < n; ++k) {
    const int32_t end = U.ptr[k + 1];
    std::sort(U.idx.begin() + start, U.idx.begin() + end);
    const int32_t colStart = out;
    for (int32_t p = start; p < end; ++p)
      if (out == colStart || U.idx[out - 1] != U.idx[p]) U.idx[out++] = U.idx[p];
    U.ptr[k] = colStart;
    start = end;
  }
  U.ptr[n] = out;
  U.idx.resize(out);
  return U;
}

std::vector<int32_t> eliminationTree(int32_t n, const UpperPattern& U) {
  // Liu: process the rows of L in order; for each C(i, k), i < k, climb from i through the
  // virtual forest (ancestor links, compressed to point at k as we go) to its current root r; r
  // has no parent yet, so parent[r] = k.
  std::vector<int32_t> parent(n, -1), ancestor(n, -1);
  for (int32_t k = 0; k < n; ++k) {
    for (int32_t p = U.ptr[k]; p < U.ptr[k + 1]; ++p) {
      int32_t i = U.idx[p];
      while (i != -1 && i < k) {
        const int32_t up = ancestor[i];
        ancestor[i] = k;
        if (up == -1) {
          parent[i] = k;
          break;
        }
        i = up;
      }
    }
  }
  return parent;
}

std::vector<int32_t> postorderForest(const std::vector<int32_t>& parent) {
  const int32_t n = static_cast<int32_t>(parent.size());
  std::vector<int32_t> head(n, -1), sibling(n, -1), post;
  post.reserve(n);
  // Children lists in increasing order: insert in decreasing order at the head.
  for (int32_t j = n - 1; j >= 0; --j) {
    const int32_t p = parent[j];
    if (p >= 0) {
      sibling[j] = head[p];
      head[p] = j;
    }
  }
  std::vector<int32_t> stack;
  stack.reserve(n);
  for (int32_t r = 0; r < n; ++r) {
    if (parent[r] >= 0) continue;
    stack.push_back(r);
    while (!stack.empty()) {
      const int32_t v = stack.back();
      const int32_t c = head[v];
      if (c == -1) {
        stack.pop_back();
        post.push_back(v);
      } else {
        head[v] = sibling[c];  // consume the child
        stack.push_back(c);
      }
    }
  }
  return post;
}

std::vector<int32_t> columnCounts(int32_t n, const UpperPattern& U,
                                  const std::vector<int32_t>& parent) {
  // Row k of L: the nodes met climbing the etree from each i with C(i, k) ≠ 0, i < k, stopping at a
  // node already marked for row k (k itself is marked first; it is an ancestor of every such i).
  std::vector<int32_t> count(n, 1), mark(n, -1);
  for (int32_t k = 0; k < n; ++k) {
    mark[k] = k;
    for (int32_t p = U.ptr[k]; p < U.ptr[k + 1]; ++p) {
      for (int32_t j = U.idx[p]; j != -1 && mark[j] != k; j = parent[j]) {
        ++count[j];
        mark[j] = k;
      }
    }
  }
  return count;
}

std::vector<int32_t> columnCountsSkeleton(int32_t n, const UpperPattern& U,
                                          const std::vector<int32_t>& parent,
                                          const std::vector<int32_t>& post) {
  // Gilbert–Ng–Peyton: colCount[j] = Σ over the subtree of j of delta, where delta[j] is 1 for a
  // leaf of the etree, −1 for each child, +1 for each row subtree j is a leaf of (C(i, j) ≠ 0,
  // i > j, j a "skeleton" entry: no earlier-postordered descendant of j was a leaf of row i's
  // subtree), and −1 at the least common ancestor of j and the previous leaf of row i's subtree
  // (found by path-compressed ancestor links in postorder: a disjoint-set find).
  std::vector<int32_t> count(n, 0), first(n, -1), maxfirst(n, -1), prevleaf(n, -1), ancestor(n);
  // The strict lower pattern by columns: for column j the rows i > j (U transposed).
  std::vector<int32_t> lptr(static_cast<size_t>(n) + 1, 0), lidx(U.idx.size());
  for (int32_t i : U.idx) ++lptr[i + 1];
  for (int32_t j = 0; j < n; ++j) lptr[j + 1] += lptr[j];
  {
    std::vector<int32_t> next(lptr.begin(), lptr.end() - 1);
    for (int32_t k = 0; k < n; ++k)
      for (int32_t p = U.ptr[k]; p < U.ptr[k + 1]; ++p) lidx[next[U.idx[p]]++] = k;
  }
  // first[j]: the postorder position of j's first descendant; delta 1 at leaves.
  for (int32_t k = 0; k < n; ++k) {
    int32_t j = post[k];
    count[j] = first[j] == -1 ? 1 : 0;
    for (; j != -1 && first[j] == -1; j = parent[j]) first[j] = k;
  }
  for (int32_t i = 0; i < n; ++i) ancestor[i] = i;
  for (int32_t k = 0; k < n; ++k) {
    const int32_t j = post[k];
    if (parent[j] != -1) --count[parent[j]];
    for (int32_t p = lptr[j]; p < lptr[j + 1]; ++p) {
      const int32_t i = lidx[p];
      if (first[j] <= maxfirst[i]) continue;  // not a leaf of row i's subtree
      maxfirst[i] = first[j];
      const int32_t jprev = prevleaf[i];
      prevleaf[i] = j;
      ++count[j];
      if (jprev == -1) continue;  // the first leaf: its path ends at i, counted by the sum
      int32_t q = jprev;
      while (q != ancestor[q]) q = ancestor[q];
      for (int32_t s = jprev; s != q;) {
        const int32_t up = ancestor[s];
        ancestor[s] = q;
        s = up;
      }
      --count[q];  // q = lca(jprev, j): the overlap of the two leaf-to-i paths
    }
    if (parent[j] != -1) ancestor[j] = parent[j];
  }
  for (int32_t j = 0; j < n; ++j)
    if (parent[j] != -1) count[parent[j]] += count[j];
  return count;
}

std::vector<int32_t> fundamentalSupernodes(const std::vector<int32_t>& parent,
                                           const std::vector<int32_t>& colCount) {
  const int32_t n = static_cast<int32_t>(parent.size());
  std::vector<int32_t> children(n, 0);
  for (int32_t j = 0; j < n; ++j)
    if (parent[j] >= 0) ++children[parent[j]];
  std::vector<int32_t> start;
  start.push_back(0);
  for (int32_t j = 0; j + 1 < n; ++j) {
    const bool joins =
        parent[j] == j + 1 && colCount[j] == colCount[j + 1] + 1 && children[j + 1] == 1;
    if (!joins) start.push_back(j + 1);
  }
  if (n > 0) start.push_back(n);
  return start;
}

namespace {
// Entries of the trapezoid of supernode [a, e] (its rows: a..e and L(:, e)'s below e).
int64_t trapezoid(int32_t a, int32_t e, const std::vector<int32_t>& colCount) {
  const int64_t w = static_cast<int64_t>(e) - a + 1;
  const int64_t c0 = w + colCount[e] - 1;
  return w * c0 - w * (w - 1) / 2;
}
}  // namespace

int64_t supernodeStorage(const std::vector<int32_t>& superStart,
                         const std::vector<int32_t>& colCount) {
  int64_t total = 0;
  for (size_t s = 0; s + 1 < superStart.size(); ++s)
    total += trapezoid(superStart[s], superStart[s + 1] - 1, colCount);
  return total;
}

std::vector<int32_t> relaxSupernodes(const std::vector<int32_t>& superStart,
                                     const std::vector<int32_t>& parent,
                                     const std::vector<int32_t>& colCount, int32_t relaxSmall,
                                     double relaxZeroFraction, int64_t* stored) {
  if (relaxSmall < 0 || !(relaxZeroFraction >= 0.0 && relaxZeroFraction <= 1.0))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "options: relaxSmall must be >= 0 and relaxZeroFraction in [0, 1]", -1,
                      "options");
  std::vector<int32_t> out;
  const size_t ns = superStart.size() < 1 ? 0 : superStart.size() - 1;
  out.push_back(0);
  if (ns == 0) {
    if (stored) *stored = 0;
    return out;
  }
  int64_t total = 0;
  int32_t a = superStart[0];
  int32_t b = superStart[1] - 1;
  int64_t actual = 0;  // Σ colCount over the running supernode
  for (int32_t j = a; j <= b; ++j) actual += colCount[j];
  for (size_t s = 1; s < ns; ++s) {
    const int32_t t0 = superStart[s], e = superStart[s + 1] - 1;
    int64_t tActual = 0;
    for (int32_t j = t0; j <= e; ++j) tActual += colCount[j];
    bool merge = false;
    if (parent[b] == t0) {
      const int64_t dense = trapezoid(a, e, colCount);
      const int64_t zeros = dense - (actual + tActual);
      merge = (static_cast<int64_t>(e) - a + 1 <= relaxSmall) ||
              static_cast<double>(zeros) <= relaxZeroFraction * static_cast<double>(dense);
    }
    if (merge) {
      b = e;
      actual += tActual;
    } else {
      total += trapezoid(a, b, colCount);
      out.push_back(t0);
      a = t0;
      b = e;
      actual = tActual;
    }
  }
  total += trapezoid(a, b, colCount);
  out.push_back(b + 1);
  if (stored) *stored = total;
  return out;
}

SupernodalStructure supernodalStructure(const Symbolic& s, const UpperPattern& U,
                                        const std::vector<int32_t>& superStartIn) {
  const int32_t n = s.n;
  SupernodalStructure S;
  S.superStart = superStartIn.empty() ? s.relaxedStart : superStartIn;
  if (S.superStart.empty()) S.superStart.assign(1, 0);
  const int32_t ns = static_cast<int32_t>(S.superStart.size()) - 1;
  S.colToSuper.assign(n, 0);
  for (int32_t t = 0; t < ns; ++t)
    for (int32_t j = S.superStart[t]; j < S.superStart[t + 1]; ++j) S.colToSuper[j] = t;
  S.superParent.assign(ns, -1);
  for (int32_t t = 0; t < ns; ++t) {
    const int32_t last = S.superStart[t + 1] - 1;
    if (s.parent[last] >= 0) S.superParent[t] = S.colToSuper[s.parent[last]];
  }
  // Strict lower pattern by columns (U transposed): for column j the rows i > j.
  std::vector<int32_t> lptr(static_cast<size_t>(n) + 1, 0), lidx(U.idx.size());
  for (int32_t i : U.idx) ++lptr[i + 1];
  for (int32_t j = 0; j < n; ++j) lptr[j + 1] += lptr[j];
  {
    std::vector<int32_t> next(lptr.begin(), lptr.end() - 1);
    for (int32_t k = 0; k < n; ++k)
      for (int32_t p = U.ptr[k]; p < U.ptr[k + 1]; ++p) lidx[next[U.idx[p]]++] = k;
  }
  // Sizes: own width + the count below the last column (colCount of the last column − 1); the
  // chains inside a supernode make every column's structure below it a subset of the last's.
  S.rowPtr.assign(static_cast<size_t>(ns) + 1, 0);
  int64_t total = 0;
  for (int32_t t = 0; t < ns; ++t) {
    const int32_t a = S.superStart[t], b = S.superStart[t + 1] - 1;
    total += static_cast<int64_t>(b - a + 1) + s.colCount[b] - 1;
    if (total > INT32_MAX)
      throw SolverError("ERR_INVALID_ARGUMENT",
                        "A: the supernodal structure has more than 2^31 row indices", -1, "A");
    S.rowPtr[t + 1] = static_cast<int32_t>(total);
  }
  S.rows.resize(static_cast<size_t>(total));
  // Children lists (superParent[c] > c).
  std::vector<int32_t> head(ns, -1), next(ns, -1);
  for (int32_t t = ns - 1; t >= 0; --t) {
    const int32_t p = S.superParent[t];
    if (p >= 0) {
      next[t] = head[p];
      head[p] = t;
    }
  }
  std::vector<int32_t> mark(n, -1);
  for (int32_t t = 0; t < ns; ++t) {
    const int32_t a = S.superStart[t], b = S.superStart[t + 1] - 1;
    int32_t* out = S.rows.data() + S.rowPtr[t];
    int32_t cnt = 0;
    const int32_t cap = S.rowPtr[t + 1] - S.rowPtr[t];
    for (int32_t j = a; j <= b; ++j) {
      out[cnt++] = j;
      mark[j] = t;
    }
    const int32_t own = cnt;
    auto add = [&](int32_t i) {
      if (mark[i] == t) return;
      mark[i] = t;
      if (cnt >= cap)
        throw SolverError("ERR_NATIVE", "supernodalStructure: structure larger than predicted", -1);
      out[cnt++] = i;
    };
    for (int32_t j = a; j <= b; ++j)
      for (int32_t p = lptr[j]; p < lptr[j + 1]; ++p)
        if (lidx[p] > b) add(lidx[p]);
    for (int32_t c = head[t]; c != -1; c = next[c])
      for (int32_t p = S.rowPtr[c]; p < S.rowPtr[c + 1]; ++p)
        if (S.rows[p] > b) add(S.rows[p]);
    if (cnt != cap)
      throw SolverError("ERR_NATIVE", "supernodalStructure: structure size differs from colCount",
                        -1);
    std::sort(out + own, out + cnt);
  }
  return S;
}

Symbolic analyse(int32_t n, const int32_t* rowPtr, const int32_t* colIdx, const int32_t* perm,
                 const SymbolicOptions& options) {
  if (options.relaxSmall < 0 ||
      !(options.relaxZeroFraction >= 0.0 && options.relaxZeroFraction <= 1.0))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "options: relaxSmall must be >= 0 and relaxZeroFraction in [0, 1]", -1,
                      "options");
  Symbolic S;
  S.n = n;
  UpperPattern U = permutedUpper(n, rowPtr, colIdx, perm);
  S.perm.resize(n);
  for (int32_t k = 0; k < n; ++k) S.perm[k] = perm ? perm[k] : k;
  S.parent = eliminationTree(n, U);
  S.post = postorderForest(S.parent);
  if (options.postorder && n > 0) {
    // Relabel by the postorder and redo the (cheap) tree work on the relabelled pattern.
    std::vector<int32_t> composed(n);
    for (int32_t k = 0; k < n; ++k) composed[k] = S.perm[S.post[k]];
    S.perm = composed;
    U = permutedUpper(n, rowPtr, colIdx, S.perm.data());
    S.parent = eliminationTree(n, U);
    S.post = postorderForest(S.parent);
  }
  S.colCount = columnCountsSkeleton(n, U, S.parent, S.post);
  S.nnzL = 0;
  for (int32_t j = 0; j < n; ++j) S.nnzL += S.colCount[j];
  S.superStart = fundamentalSupernodes(S.parent, S.colCount);
  if (n == 0) S.superStart.assign(1, 0);
  if (options.relax) {
    S.relaxedStart = relaxSupernodes(S.superStart, S.parent, S.colCount, options.relaxSmall,
                                     options.relaxZeroFraction, &S.nnzRelaxed);
  } else {
    S.relaxedStart = S.superStart;
    S.nnzRelaxed = S.nnzL;
  }
  return S;
}

}  // namespace direct
}  // namespace itersolve
