#include "amd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "../core/errors.hpp"

namespace itersolve {

int64_t amd_dense_threshold(int64_t n) {
  const double t = 10.0 * std::sqrt(static_cast<double>(n));
  return std::max<int64_t>(16, static_cast<int64_t>(t));
}

namespace {

enum Status : uint8_t { kVariable = 0, kElement = 1, kDead = 2, kDense = 3 };

void validate(int64_t n, const int32_t* rowPtr, const int32_t* colIdx) {
  if (n < 0) throw SolverError("ERR_INVALID_ARGUMENT", "amd: n must be >= 0", -1, "n");
  if (n == 0) return;
  if (rowPtr == nullptr || rowPtr[0] != 0)
    throw SolverError("ERR_INVALID_MATRIX", "amd: rowPtr[0] must be 0", -1, "A");
  for (int64_t i = 0; i < n; ++i) {
    if (rowPtr[i + 1] < rowPtr[i])
      throw SolverError("ERR_INVALID_MATRIX", "amd: rowPtr must be nondecreasing", i, "A");
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k)
      if (colIdx[k] < 0 || colIdx[k] >= n)
        throw SolverError("ERR_INVALID_MATRIX",
                          "amd: column index " + std::to_string(colIdx[k]) + " out of range", i,
                          "A");
  }
}

}  // namespace

AmdOrdering amd_order(int64_t n64, const int32_t* rowPtr, const int32_t* colIdx) {
  return amd_order_constrained(n64, rowPtr, colIdx, nullptr);
}

AmdOrdering amd_order_constrained(int64_t n64, const int32_t* rowPtr, const int32_t* colIdx,
                                  const int32_t* constraint) {
  validate(n64, rowPtr, colIdx);
  AmdOrdering out;
  const int32_t n = static_cast<int32_t>(n64);
  out.perm.reserve(static_cast<size_t>(n));
  if (n == 0) return out;
  const size_t N = static_cast<size_t>(n);

  // Quotient graph storage, packed (the paper's single workspace): variable i owns the segment
  // iw[vstart[i], vstart[i] + cap[i]) holding its element list E_i (elen[i] entries) followed by
  // its variable list A_i (alen[i] entries, sorted). |E_i| + |A_i| never grows: when i enters
  // L_p it loses p from A_i or an absorbed element from E_i before p is appended to E_i.
  // A + Aᵀ without the diagonal, deduplicated, by counting sort.
  std::vector<size_t> vstart(N + 1, 0);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k) {
      const int32_t j = colIdx[k];
      if (j == i) continue;
      ++vstart[static_cast<size_t>(i) + 1];
      ++vstart[static_cast<size_t>(j) + 1];
    }
  for (size_t i = 0; i < N; ++i) vstart[i + 1] += vstart[i];
  std::vector<int32_t> iw(vstart[N]);
  std::vector<int32_t> elen(N, 0), alen(N, 0), cap(N, 0);
  {
    std::vector<size_t> fillPos(vstart.begin(), vstart.end() - 1);
    for (int32_t i = 0; i < n; ++i)
      for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k) {
        const int32_t j = colIdx[k];
        if (j == i) continue;
        iw[fillPos[static_cast<size_t>(i)]++] = j;
        iw[fillPos[static_cast<size_t>(j)]++] = i;
      }
  }
  for (size_t i = 0; i < N; ++i) {
    int32_t* b = iw.data() + vstart[i];
    int32_t* e = iw.data() + vstart[i + 1];
    std::sort(b, e);
    alen[i] = static_cast<int32_t>(std::unique(b, e) - b);
    cap[i] = static_cast<int32_t>(e - b);
  }

  std::vector<uint8_t> status(N, kVariable);
  const int64_t dense = amd_dense_threshold(n64);
  std::vector<int32_t> denseList;
  for (int32_t i = 0; i < n; ++i)
    if (static_cast<int64_t>(alen[static_cast<size_t>(i)]) > dense) {
      status[static_cast<size_t>(i)] = kDense;
      denseList.push_back(i);
    }
  if (!denseList.empty())
    for (size_t i = 0; i < N; ++i) {
      int32_t* b = iw.data() + vstart[i];
      alen[i] = static_cast<int32_t>(
          std::remove_if(b, b + alen[i],
                         [&](int32_t j) { return status[static_cast<size_t>(j)] == kDense; }) -
          b);
    }
  auto Ebegin = [&](size_t i) { return iw.data() + vstart[i]; };
  auto Abegin = [&](size_t i) { return iw.data() + vstart[i] + static_cast<size_t>(elen[i]); };

  // Element → its variables (pruned lazily), packed in one pool: element e holds
  // pool[Lstart[e], Lstart[e] + Llen[e]). Absorbed elements leave holes, squeezed out when the
  // pool reaches twice its live size (garbage collection as in the paper's implementation).
  std::vector<int32_t> pool;
  std::vector<size_t> Lstart(N, 0);
  std::vector<int32_t> Llen(N, 0);
  std::vector<int32_t> created;  // elements in creation order (= pool order)
  size_t liveL = 0;
  auto kill = [&](size_t es) {
    liveL -= static_cast<size_t>(Llen[es]);
    Llen[es] = 0;
  };
  std::vector<int64_t> nv(N, 1);            // supervariable weight (0 once merged away)
  std::vector<int64_t> degE(N, 0);          // element: Σ nv over its live variables
  std::vector<int64_t> deg(N, 0);           // variable: approximate external degree
  std::vector<int32_t> nextMember(N, -1);   // members merged into a supervariable, in order
  std::vector<int32_t> lastMember(N);
  std::vector<int64_t> w(N, -1);            // |L_e \ L_p| for the current pivot, −1 = unset
  std::vector<int32_t> mark(N, -1);         // stamp: variable is in L_p
  std::vector<uint64_t> hash(N, 0);
  // Degree buckets: doubly linked lists, a variable inserted at the head of its degree's list;
  // the pivot is the head of the lowest nonempty bucket (ties: the most recently inserted).
  std::vector<int32_t> head(N, -1), nxt(N, -1), prv(N, -1);
  int64_t mindeg = 0, inQueue = 0;
  // Constraint classes: only variables of the current class are in the degree lists.
  std::vector<uint8_t> queued(N, 0);
  int32_t curClass = 0;
  auto cls = [&](size_t i) { return constraint ? constraint[i] : 0; };
  auto push = [&](int32_t i) {
    const size_t is = static_cast<size_t>(i);
    if (cls(is) != curClass) return;
    queued[is] = 1;
    const size_t d = static_cast<size_t>(deg[is]);
    nxt[is] = head[d];
    prv[is] = -1;
    if (head[d] != -1) prv[static_cast<size_t>(head[d])] = i;
    head[d] = i;
    mindeg = std::min<int64_t>(mindeg, deg[is]);
    ++inQueue;
  };
  auto remove = [&](int32_t i) {
    const size_t is = static_cast<size_t>(i);
    if (!queued[is]) return;
    queued[is] = 0;
    if (prv[is] != -1) nxt[static_cast<size_t>(prv[is])] = nxt[is];
    else head[static_cast<size_t>(deg[is])] = nxt[is];
    if (nxt[is] != -1) prv[static_cast<size_t>(nxt[is])] = prv[is];
    --inQueue;
  };

  int64_t nleft = 0;
  // Classes in increasing order; byClass lists each class's variables (for when it opens).
  std::vector<int32_t> classStart, byClass;
  if (constraint) {
    int32_t maxc = 0;
    for (int32_t i = 0; i < n; ++i) {
      if (constraint[i] < 0)
        throw SolverError("ERR_INVALID_ARGUMENT", "amd: constraint classes must be >= 0", i,
                          "constraint");
      maxc = std::max(maxc, constraint[i]);
    }
    classStart.assign(static_cast<size_t>(maxc) + 2, 0);
    for (int32_t i = 0; i < n; ++i) ++classStart[static_cast<size_t>(constraint[i]) + 1];
    for (size_t c = 0; c + 1 < classStart.size(); ++c) classStart[c + 1] += classStart[c];
    byClass.resize(N);
    std::vector<int32_t> fillc(classStart.begin(), classStart.end() - 1);
    for (int32_t i = n - 1; i >= 0; --i)  // descending, so that pushes leave index order
      byClass[static_cast<size_t>(fillc[static_cast<size_t>(constraint[i])]++)] = i;
    curClass = -1;  // opened below
  }
  for (int32_t i = n - 1; i >= 0; --i) {  // so that, within a degree, index 0 comes first
    const size_t s = static_cast<size_t>(i);
    lastMember[s] = i;
    if (status[s] != kVariable) continue;
    deg[s] = static_cast<int64_t>(alen[s]);
    push(i);
    ++nleft;
  }

  int32_t stamp = 0;
  std::vector<int32_t> Lp;
  std::vector<int32_t> touched;  // elements whose w was set this step
  std::vector<int32_t> order;    // L_p sorted by hash (supervariable detection)
  std::vector<int64_t> dpart(N, 0);     // degree terms computed while pruning
  std::vector<int32_t> emark(N, 0);     // set comparison of element lists
  int32_t estamp = 0;
  for (;;) {
    if (inQueue == 0) {
      if (!constraint) break;
      // Open the next class that still has live variables.
      bool opened = false;
      while (!opened && curClass + 2 < static_cast<int32_t>(classStart.size())) {
        ++curClass;
        mindeg = n;
        for (int32_t k = classStart[static_cast<size_t>(curClass)];
             k < classStart[static_cast<size_t>(curClass) + 1]; ++k) {
          const int32_t i = byClass[static_cast<size_t>(k)];
          if (status[static_cast<size_t>(i)] == kVariable && nv[static_cast<size_t>(i)] > 0) {
            push(i);
            opened = true;
          }
        }
      }
      if (!opened) break;
    }
    while (head[static_cast<size_t>(mindeg)] == -1) ++mindeg;
    const int32_t p = head[static_cast<size_t>(mindeg)];
    remove(p);
    const size_t ps = static_cast<size_t>(p);
    // Output p and the variables merged into it.
    for (int32_t v = p; v != -1; v = nextMember[static_cast<size_t>(v)]) out.perm.push_back(v);
    nleft -= nv[ps];

    // L_p = (A_p ∪ ⋃_{e ∈ E_p} L_e) \ {p}, live variables only; absorb every e ∈ E_p.
    ++stamp;
    Lp.clear();
    mark[ps] = stamp;  // keep p itself out
    auto add = [&](int32_t j) {
      const size_t js = static_cast<size_t>(j);
      if (status[js] != kVariable || mark[js] == stamp) return;
      mark[js] = stamp;
      Lp.push_back(j);
    };
    for (const int32_t *a = Abegin(ps), *ae = a + alen[ps]; a < ae; ++a) add(*a);
    for (const int32_t *ep = Ebegin(ps), *ee = ep + elen[ps]; ep < ee; ++ep) {
      const int32_t e = *ep;
      const size_t es = static_cast<size_t>(e);
      if (status[es] != kElement) continue;
      for (size_t k = Lstart[es], ke = k + static_cast<size_t>(Llen[es]); k < ke; ++k) add(pool[k]);
      status[es] = kDead;
      kill(es);
    }
    elen[ps] = alen[ps] = 0;
    status[ps] = kElement;
    std::sort(Lp.begin(), Lp.end());
    int64_t degLp = 0;
    for (int32_t j : Lp) degLp += nv[static_cast<size_t>(j)];
    degE[ps] = degLp;
    if (pool.size() + Lp.size() > 2 * liveL + 4 * N) {  // squeeze out absorbed elements
      size_t to = 0;
      size_t keep = 0;
      for (int32_t e : created) {
        const size_t es = static_cast<size_t>(e);
        if (status[es] != kElement) continue;
        const size_t from = Lstart[es];
        Lstart[es] = to;
        for (int32_t k = 0; k < Llen[es]; ++k) pool[to++] = pool[from + static_cast<size_t>(k)];
        created[keep++] = e;
      }
      created.resize(keep);
      pool.resize(to);
    }
    Lstart[ps] = pool.size();
    Llen[ps] = static_cast<int32_t>(Lp.size());
    pool.insert(pool.end(), Lp.begin(), Lp.end());
    liveL += Lp.size();
    created.push_back(p);

    // w(e) = |L_e \ L_p| for every element adjacent to L_p.
    touched.clear();
    for (int32_t i : Lp) {
      const size_t is = static_cast<size_t>(i);
      const int64_t nvi = nv[is];
      for (const int32_t *ep = Ebegin(is), *ee = ep + elen[is]; ep < ee; ++ep) {
        const size_t es = static_cast<size_t>(*ep);
        if (status[es] != kElement) continue;
        if (w[es] < 0) {
          w[es] = degE[es];
          touched.push_back(*ep);
        }
        w[es] -= nvi;
      }
    }
    // Aggressive absorption: an element whose variables all lie in L_p is absorbed into p.
    for (int32_t e : touched) {
      const size_t es = static_cast<size_t>(e);
      if (w[es] == 0) {
        status[es] = kDead;
        kill(es);
      }
    }

    // Prune A_i (drop L_p, p and non-variables) and E_i (drop dead elements, add p); hash.
    for (int32_t i : Lp) {
      const size_t is = static_cast<size_t>(i);
      remove(i);
      // A_i: drop L_p, p and non-variables (in place, order kept); E_i: drop dead elements;
      // then A_i slides to follow E_i + p. In the same pass: the hash (an order-independent
      // sum) and the part of the approximate degree that does not depend on merging,
      // Σ_{e ∈ E_i \ p} |L_e \ L_p| + Σ_{j ∈ A_i} |j|.
      uint64_t h = 0;
      int64_t d = 0;
      int32_t* seg = iw.data() + vstart[is];
      const int32_t eOld = elen[is], aOld = alen[is];
      int32_t keepA = 0;
      for (int32_t k = 0; k < aOld; ++k) {
        const int32_t j = seg[eOld + k];
        const size_t js = static_cast<size_t>(j);
        if (status[js] != kVariable || mark[js] == stamp) continue;
        seg[eOld + keepA++] = j;
        h += static_cast<uint64_t>(j) * 2654435761u + 1;
        d += nv[js];
      }
      int32_t keepE = 0;
      for (int32_t k = 0; k < eOld; ++k) {
        const int32_t e = seg[k];
        const size_t es = static_cast<size_t>(e);
        if (status[es] != kElement) continue;
        seg[keepE++] = e;
        h += static_cast<uint64_t>(e) * 40503u + 7;
        d += w[es] >= 0 ? w[es] : degE[es];
      }
      if (keepE + 1 + keepA > cap[is]) {  // (cannot happen, see above; kept safe regardless)
        const size_t at = iw.size();
        iw.resize(at + static_cast<size_t>(keepE + 1 + keepA));
        seg = iw.data() + vstart[is];
        std::copy(seg, seg + keepE, iw.data() + at);
        std::copy(seg + eOld, seg + eOld + keepA, iw.data() + at + keepE + 1);
        vstart[is] = at;
        cap[is] = keepE + 1 + keepA;
        seg = iw.data() + at;
      } else {
        std::memmove(seg + keepE + 1, seg + eOld, static_cast<size_t>(keepA) * sizeof(int32_t));
      }
      seg[keepE] = p;
      elen[is] = keepE + 1;
      alen[is] = keepA;
      h += static_cast<uint64_t>(p) * 40503u + 7;
      hash[is] = h;
      dpart[is] = d;
    }

    // Supervariables: variables of L_p with identical A and E lists merge into the smallest.
    {
      order.assign(Lp.begin(), Lp.end());
      std::sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
        const size_t xs = static_cast<size_t>(x), ys = static_cast<size_t>(y);
        return hash[xs] != hash[ys] ? hash[xs] < hash[ys] : x < y;
      });
      for (size_t a0 = 0; a0 < order.size();) {
        size_t a1 = a0 + 1;
        while (a1 < order.size() &&
               hash[static_cast<size_t>(order[a1])] == hash[static_cast<size_t>(order[a0])])
          ++a1;
        for (size_t x = a0; x < a1; ++x) {
          const int32_t i = order[x];
          const size_t is = static_cast<size_t>(i);
          if (nv[is] == 0) continue;
          for (size_t y = x + 1; y < a1; ++y) {
            const int32_t j = order[y];
            const size_t js = static_cast<size_t>(j);
            if (nv[js] == 0 || alen[js] != alen[is] || elen[js] != elen[is] || cls(js) != cls(is))
              continue;
            // A lists are sorted (pruned from sorted input); E lists compared as sets.
            if (!std::equal(Abegin(is), Abegin(is) + alen[is], Abegin(js))) continue;
            ++estamp;
            for (const int32_t *ep = Ebegin(is), *ee = ep + elen[is]; ep < ee; ++ep)
              emark[static_cast<size_t>(*ep)] = estamp;
            bool same = true;
            for (const int32_t *ep = Ebegin(js), *ee = ep + elen[js]; ep < ee; ++ep)
              if (emark[static_cast<size_t>(*ep)] != estamp) {
                same = false;
                break;
              }
            if (!same) continue;
            // Merge j into i.
            nv[is] += nv[js];
            nv[js] = 0;
            status[js] = kDead;
            nextMember[static_cast<size_t>(lastMember[is])] = j;
            lastMember[is] = lastMember[js];
            elen[js] = alen[js] = 0;
          }
        }
        a0 = a1;
      }
    }

    // Approximate external degrees of the surviving supervariables of L_p.
    for (int32_t i : Lp) {
      const size_t is = static_cast<size_t>(i);
      if (nv[is] == 0) continue;
      const int64_t ext = degLp - nv[is];
      int64_t d = ext + dpart[is];
      d = std::min(d, deg[is] + ext);
      d = std::min(d, nleft - nv[is]);
      deg[is] = std::max<int64_t>(d, 0);
      push(i);
    }
    // Element weights need no change for merged variables: a merged variable's weight moved to
    // its representative, which belongs to exactly the same elements.
    for (int32_t e : touched) w[static_cast<size_t>(e)] = -1;
    // Prune L_p of merged variables.
    {
      size_t to = Lstart[ps];
      const size_t end = to + static_cast<size_t>(Llen[ps]);
      for (size_t k = Lstart[ps]; k < end; ++k)
        if (nv[static_cast<size_t>(pool[k])] != 0) pool[to++] = pool[k];
      liveL -= end - to;
      Llen[ps] = static_cast<int32_t>(to - Lstart[ps]);
    }
  }
  for (int32_t d : denseList) out.perm.push_back(d);
  out.denseRows = static_cast<int64_t>(denseList.size());
  out.iperm.assign(N, -1);
  for (size_t k = 0; k < out.perm.size(); ++k)
    out.iperm[static_cast<size_t>(out.perm[k])] = static_cast<int32_t>(k);
  return out;
}

}  // namespace itersolve
