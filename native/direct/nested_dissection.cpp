#include "nested_dissection.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#include "../core/errors.hpp"
#include "amd.hpp"

namespace itersolve {
namespace direct {

namespace {

using std::size_t;
inline size_t z(int64_t i) { return static_cast<size_t>(i); }

// splitmix64: a portable deterministic generator (std distributions are implementation-defined).
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t x = (s += 0x9e3779b97f4a7c15ull);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }
  int32_t below(int32_t m) { return static_cast<int32_t>(next() % static_cast<uint64_t>(m)); }
};

// A weighted undirected graph in CSR form (each edge stored in both directions, no self loops).
struct Graph {
  int32_t n = 0;
  std::vector<int32_t> xadj{0}, adj, adjw, vw;
  int64_t totalw = 0;
};

// Indexed binary max-heap over vertices 0..n−1 keyed by int64 gains (ties: smaller vertex).
struct Heap {
  std::vector<int32_t> h, pos;
  std::vector<int64_t> key;
  void init(int32_t n) {
    h.clear();
    pos.assign(z(n), -1);
    key.assign(z(n), 0);
  }
  bool better(int32_t a, int32_t b) const {
    return key[z(a)] != key[z(b)] ? key[z(a)] > key[z(b)] : a < b;
  }
  void up(size_t i) {
    const int32_t v = h[i];
    while (i > 0) {
      const size_t p = (i - 1) / 2;
      if (!better(v, h[p])) break;
      h[i] = h[p];
      pos[z(h[i])] = static_cast<int32_t>(i);
      i = p;
    }
    h[i] = v;
    pos[z(v)] = static_cast<int32_t>(i);
  }
  void down(size_t i) {
    const int32_t v = h[i];
    const size_t m = h.size();
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= m) break;
      if (c + 1 < m && better(h[c + 1], h[c])) ++c;
      if (!better(h[c], v)) break;
      h[i] = h[c];
      pos[z(h[i])] = static_cast<int32_t>(i);
      i = c;
    }
    h[i] = v;
    pos[z(v)] = static_cast<int32_t>(i);
  }
  bool contains(int32_t v) const { return pos[z(v)] >= 0; }
  void insert(int32_t v, int64_t k) {
    key[z(v)] = k;
    h.push_back(v);
    up(h.size() - 1);
  }
  void update(int32_t v, int64_t k) {
    const int64_t old = key[z(v)];
    key[z(v)] = k;
    if (k > old) up(z(pos[z(v)]));
    else down(z(pos[z(v)]));
  }
  void remove(int32_t v) {
    const size_t i = z(pos[z(v)]);
    pos[z(v)] = -1;
    const int32_t last = h.back();
    h.pop_back();
    if (i < h.size()) {
      h[i] = last;
      pos[z(last)] = static_cast<int32_t>(i);
      up(i);
      down(z(pos[z(last)]));
    }
  }
  void clear() {
    for (int32_t v : h) pos[z(v)] = -1;
    h.clear();
  }
};

// ---------------------------------------------------------------------------------------------
// Coarsening by heavy-edge matching.

// Matches vertices (seeded random visiting order, each to the unmatched neighbour joined by the
// heaviest edge, combined weight at most maxvw) and builds the coarse graph; cmap[v] is v's coarse
// vertex. Returns false (nothing built) when the graph would shrink by less than 10%.
__attribute__((noinline)) bool coarsen(const Graph& g, Rng& rng, int64_t maxvw,
                                       std::vector<int32_t>& cmap, Graph& c) {
  const int32_t n = g.n;
  std::vector<int32_t> order(z(n));
  for (int32_t i = 0; i < n; ++i) order[z(i)] = i;
  // Locally shuffled visiting order: each position swaps with a random one among the next 64,
  // so ties are broken at random while the sweep stays cache-friendly (a full random
  // permutation costs a cache miss per vertex on large graphs).
  for (int32_t i = 0; i + 1 < n; ++i)
    std::swap(order[z(i)], order[z(i + rng.below(std::min<int32_t>(64, n - i)))]);
  std::vector<int32_t> match(z(n), -1);
  cmap.assign(z(n), -1);
  int32_t nc = 0;
  for (int32_t v : order) {
    if (match[z(v)] != -1) continue;
    int32_t best = -1, bestw = -1;
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
      const int32_t u = g.adj[z(k)];
      if (match[z(u)] != -1 || g.vw[z(u)] + g.vw[z(v)] > maxvw) continue;
      if (g.adjw[z(k)] > bestw) {
        bestw = g.adjw[z(k)];
        best = u;
      }
    }
    if (best == -1) {
      match[z(v)] = v;
      cmap[z(v)] = nc++;
    } else {
      match[z(v)] = best;
      match[z(best)] = v;
      cmap[z(v)] = cmap[z(best)] = nc++;
    }
  }
  if (nc > n - n / 10) return false;
  // Coarse vertex → its (one or two) fine vertices, in coarse order.
  std::vector<int32_t> first(z(nc), -1), second(z(nc), -1);
  for (int32_t v = 0; v < n; ++v) {
    const int32_t cv = cmap[z(v)];
    if (first[z(cv)] == -1) first[z(cv)] = v;
    else second[z(cv)] = v;
  }
  c.n = nc;
  c.totalw = g.totalw;
  c.vw.assign(z(nc), 0);
  c.xadj.assign(z(nc) + 1, 0);
  c.adj.clear();
  c.adjw.clear();
  c.adj.reserve(g.adj.size());
  c.adjw.reserve(g.adj.size());
  std::vector<int32_t> slot(z(nc), -1);  // coarse neighbour → its position in the current row
  for (int32_t cv = 0; cv < nc; ++cv) {
    const size_t rowStart = c.adj.size();
    for (int t = 0; t < 2; ++t) {
      const int32_t v = t == 0 ? first[z(cv)] : second[z(cv)];
      if (v == -1) continue;
      c.vw[z(cv)] += g.vw[z(v)];
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const int32_t cu = cmap[z(g.adj[z(k)])];
        if (cu == cv) continue;
        if (slot[z(cu)] == -1) {
          slot[z(cu)] = static_cast<int32_t>(c.adj.size());
          c.adj.push_back(cu);
          c.adjw.push_back(g.adjw[z(k)]);
        } else {
          c.adjw[z(slot[z(cu)])] += g.adjw[z(k)];
        }
      }
    }
    for (size_t k = rowStart; k < c.adj.size(); ++k) slot[z(c.adj[k])] = -1;
    c.xadj[z(cv) + 1] = static_cast<int32_t>(c.adj.size());
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Two-way edge-cut refinement (Fiduccia–Mattheyses).

struct Bisection {
  std::vector<uint8_t> part;
  int64_t pw[2] = {0, 0};
  int64_t cut = 0;
};

int64_t cut_of(const Graph& g, const std::vector<uint8_t>& part) {
  int64_t cut = 0;
  for (int32_t v = 0; v < g.n; ++v)
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k)
      if (part[z(g.adj[z(k)])] != part[z(v)]) cut += g.adjw[z(k)];
  return cut / 2;
}

void weights_of(const Graph& g, Bisection& b) {
  b.pw[0] = b.pw[1] = 0;
  for (int32_t v = 0; v < g.n; ++v) b.pw[b.part[z(v)]] += g.vw[z(v)];
}

// Scratch reused across levels.
struct FmWork {
  std::vector<int64_t> id, ed;
  std::vector<uint8_t> locked;
  std::vector<int32_t> moves;
  Heap heap[2];
};

// Penalty of a bisection's imbalance: how far the heavier side exceeds maxw (0 when balanced).
inline int64_t excess(const Bisection& b, int64_t maxw) {
  return std::max<int64_t>(0, std::max(b.pw[0], b.pw[1]) - maxw);
}

void fm_refine(const Graph& g, Bisection& b, int64_t maxw, int passes, FmWork& w) {
  const int32_t n = g.n;
  w.id.assign(z(n), 0);
  w.ed.assign(z(n), 0);
  w.locked.assign(z(n), 0);
  w.heap[0].init(n);
  w.heap[1].init(n);
  const int32_t limit = std::min<int32_t>(std::max<int32_t>(n / 100, 25), 150);
  for (int pass = 0; pass < passes; ++pass) {
    for (int32_t v = 0; v < n; ++v) {
      int64_t id = 0, ed = 0;
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k)
        (b.part[z(g.adj[z(k)])] == b.part[z(v)] ? id : ed) += g.adjw[z(k)];
      w.id[z(v)] = id;
      w.ed[z(v)] = ed;
      if (ed > 0) w.heap[b.part[z(v)]].insert(v, ed - id);
    }
    w.moves.clear();
    const int64_t startCut = b.cut, startExcess = excess(b, maxw);
    int64_t bestCut = b.cut, bestExcess = startExcess, cut = b.cut;
    size_t bestMoves = 0;
    for (;;) {
      // Move from the heavier side (the lighter one if the heavier has no candidate).
      int from = b.pw[0] >= b.pw[1] ? 0 : 1;
      if (w.heap[from].h.empty()) from = 1 - from;
      if (w.heap[from].h.empty()) break;
      const int to = 1 - from;
      const int32_t v = w.heap[from].h[0];
      w.heap[from].remove(v);
      // Never make the receiving side heavier than the limit (unless it is already so).
      if (b.pw[to] + g.vw[z(v)] > maxw && b.pw[to] + g.vw[z(v)] > b.pw[from]) {
        w.locked[z(v)] = 1;
        w.moves.push_back(~v);  // locked without moving (undone at the end of the pass)
        continue;
      }
      cut -= w.ed[z(v)] - w.id[z(v)];
      b.part[z(v)] = static_cast<uint8_t>(to);
      b.pw[from] -= g.vw[z(v)];
      b.pw[to] += g.vw[z(v)];
      std::swap(w.id[z(v)], w.ed[z(v)]);
      w.locked[z(v)] = 1;
      w.moves.push_back(v);
      const int64_t ex = excess(b, maxw);
      if (ex < bestExcess || (ex == bestExcess && cut < bestCut)) {
        bestCut = cut;
        bestExcess = ex;
        bestMoves = w.moves.size();
      }
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const int32_t u = g.adj[z(k)];
        const int64_t ew = g.adjw[z(k)];
        if (b.part[z(u)] == to) {
          w.id[z(u)] += ew;
          w.ed[z(u)] -= ew;
        } else {
          w.id[z(u)] -= ew;
          w.ed[z(u)] += ew;
        }
        if (w.locked[z(u)]) continue;
        Heap& hu = w.heap[b.part[z(u)]];
        if (hu.contains(u)) {
          if (w.ed[z(u)] == 0) hu.remove(u);
          else hu.update(u, w.ed[z(u)] - w.id[z(u)]);
        } else if (w.ed[z(u)] > 0) {
          hu.insert(u, w.ed[z(u)] - w.id[z(u)]);
        }
      }
      if (w.moves.size() - bestMoves > static_cast<size_t>(limit)) break;
    }
    // Roll back to the best state.
    for (size_t m = w.moves.size(); m > bestMoves; --m) {
      const int32_t mv = w.moves[m - 1];
      if (mv < 0) continue;
      const int to = b.part[z(mv)], from = 1 - to;
      b.part[z(mv)] = static_cast<uint8_t>(from);
      b.pw[to] -= g.vw[z(mv)];
      b.pw[from] += g.vw[z(mv)];
    }
    for (int32_t mv : w.moves) w.locked[z(mv < 0 ? ~mv : mv)] = 0;
    w.heap[0].clear();
    w.heap[1].clear();
    b.cut = bestCut;
    if (bestCut >= startCut && bestExcess >= startExcess) break;
  }
}

// ---------------------------------------------------------------------------------------------
// Initial bisection of the coarsest graph.

// Breadth-first search from s; returns the last vertex reached (farthest) and its level.
int32_t bfs_far(const Graph& g, int32_t s, std::vector<int32_t>& level, int32_t* depth) {
  level.assign(z(g.n), -1);
  std::vector<int32_t> q;
  q.reserve(z(g.n));
  q.push_back(s);
  level[z(s)] = 0;
  for (size_t h = 0; h < q.size(); ++h) {
    const int32_t v = q[h];
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
      const int32_t u = g.adj[z(k)];
      if (level[z(u)] == -1) {
        level[z(u)] = level[z(v)] + 1;
        q.push_back(u);
      }
    }
  }
  // The farthest vertex of smallest degree (a pseudo-peripheral candidate).
  int32_t far = q.back();
  const int32_t d = level[z(far)];
  for (size_t h = q.size(); h-- > 0 && level[z(q[h])] == d;) {
    const int32_t v = q[h];
    if (g.xadj[z(v) + 1] - g.xadj[z(v)] < g.xadj[z(far) + 1] - g.xadj[z(far)]) far = v;
  }
  if (depth) *depth = d;
  return far;
}

int32_t pseudo_peripheral(const Graph& g, int32_t start) {
  std::vector<int32_t> level;
  int32_t depth = 0, v = start;
  int32_t u = bfs_far(g, v, level, &depth);
  for (int it = 0; it < 4; ++it) {
    int32_t d2 = 0;
    const int32_t w = bfs_far(g, u, level, &d2);
    if (d2 <= depth) break;
    depth = d2;
    v = u;
    u = w;
  }
  return u;
}

// Greedy graph growing: part 0 grows from seed, each step taking the frontier vertex whose move
// lowers the cut most, until it holds half the weight.
__attribute__((noinline)) void grow(const Graph& g, int32_t seed, Bisection& b) {
  const int32_t n = g.n;
  b.part.assign(z(n), 1);
  std::vector<int64_t> gain(z(n), 0);
  std::vector<uint8_t> inFront(z(n), 0);
  std::vector<int32_t> front;
  int64_t w0 = 0;
  const int64_t half = g.totalw / 2;
  int32_t next = seed;
  int32_t scan = 0;  // next vertex to try when the frontier empties (disconnected graph)
  while (w0 < half) {
    if (next == -1) {
      if (!front.empty()) {
        size_t bi = 0;
        for (size_t i = 1; i < front.size(); ++i)
          if (gain[z(front[i])] > gain[z(front[bi])] ||
              (gain[z(front[i])] == gain[z(front[bi])] && front[i] < front[bi]))
            bi = i;
        next = front[bi];
        front[bi] = front.back();
        front.pop_back();
      } else {
        while (scan < n && b.part[z(scan)] == 0) ++scan;
        if (scan == n) break;
        next = scan;
      }
    }
    const int32_t v = next;
    next = -1;
    if (b.part[z(v)] == 0) continue;
    if (w0 + g.vw[z(v)] > half && w0 > 0 &&
        w0 + g.vw[z(v)] - half > half - w0)  // taking v would overshoot more than stopping
      break;
    b.part[z(v)] = 0;
    inFront[z(v)] = 0;
    w0 += g.vw[z(v)];
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
      const int32_t u = g.adj[z(k)];
      if (b.part[z(u)] == 0) continue;
      if (!inFront[z(u)]) {
        inFront[z(u)] = 1;
        front.push_back(u);
        int64_t gu = 0;
        for (int32_t t = g.xadj[z(u)]; t < g.xadj[z(u) + 1]; ++t)
          gu += b.part[z(g.adj[z(t)])] == 0 ? g.adjw[z(t)] : -g.adjw[z(t)];
        gain[z(u)] = gu;
      } else {
        gain[z(u)] += 2 * g.adjw[z(k)];
      }
    }
    // remove moved vertex from the frontier list lazily: filter on selection
    front.erase(
        std::remove_if(front.begin(), front.end(), [&](int32_t x) { return b.part[z(x)] == 0; }),
        front.end());
  }
  weights_of(g, b);
  b.cut = cut_of(g, b.part);
}

// ---------------------------------------------------------------------------------------------
// Multilevel bisection of a connected graph with unit weights; part[v] ∈ {0, 1}.

std::vector<uint8_t> multilevel_bisect(const Graph& g0, const NestedDissectionOptions& o, Rng& rng,
                                       FmWork& fw) {
  std::vector<Graph> levels;
  std::vector<std::vector<int32_t>> cmaps;
  const Graph* g = &g0;
  const int64_t maxvw =
      std::max<int64_t>(1, (3 * g0.totalw) / (2 * std::max<int32_t>(o.coarsenTo, 1)));
  levels.reserve(40);
  while (g->n > o.coarsenTo && levels.size() < 40) {
    Graph c;
    std::vector<int32_t> cmap;
    if (!coarsen(*g, rng, maxvw, cmap, c)) break;
    levels.push_back(std::move(c));
    cmaps.push_back(std::move(cmap));
    g = &levels.back();
  }
  auto maxw_of = [&](const Graph& gr) {
    return static_cast<int64_t>(static_cast<double>(gr.totalw) * (1.0 + o.imbalance) / 2.0) + 0;
  };
  // Initial bisection: several greedy growings, each refined; keep the best.
  Bisection best;
  {
    const Graph& c = *g;
    const int64_t maxw = std::max(maxw_of(c), c.totalw / 2 + 1);
    bool have = false;
    int64_t bestExcess = 0;
    for (int t = 0; t < std::max(1, o.initialTries); ++t) {
      const int32_t seed = t == 0 ? pseudo_peripheral(c, 0) : rng.below(c.n);
      Bisection b;
      grow(c, seed, b);
      fm_refine(c, b, maxw, 6, fw);
      const int64_t ex = excess(b, maxw);
      if (!have || ex < bestExcess || (ex == bestExcess && b.cut < best.cut)) {
        best = std::move(b);
        bestExcess = ex;
        have = true;
      }
    }
  }
  // Uncoarsen.
  for (size_t L = levels.size(); L-- > 0;) {
    const Graph& fine = L == 0 ? g0 : levels[L - 1];
    const std::vector<int32_t>& cmap = cmaps[L];
    Bisection b;
    b.part.resize(z(fine.n));
    for (int32_t v = 0; v < fine.n; ++v) b.part[z(v)] = best.part[z(cmap[z(v)])];
    b.pw[0] = best.pw[0];
    b.pw[1] = best.pw[1];
    b.cut = best.cut;
    const int64_t maxw = std::max(maxw_of(fine), fine.totalw / 2 + 1);
    fm_refine(fine, b, maxw, 8, fw);
    best = std::move(b);
  }
  return std::move(best.part);
}

// ---------------------------------------------------------------------------------------------
// Vertex separator from a bisection: minimum vertex cover of the cut edges (König).

// Returns side[v]: 0 or 1 (the parts), 2 (the separator).
std::vector<uint8_t> vertex_separator(const Graph& g, const std::vector<uint8_t>& part) {
  const int32_t n = g.n;
  std::vector<uint8_t> side(part.begin(), part.end());
  // Boundary vertices of each part, numbered.
  std::vector<int32_t> id(z(n), -1);
  std::vector<int32_t> left, right;  // part 0 / part 1 boundary vertices
  for (int32_t v = 0; v < n; ++v)
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k)
      if (part[z(g.adj[z(k)])] != part[z(v)]) {
        if (part[z(v)] == 0) {
          id[z(v)] = static_cast<int32_t>(left.size());
          left.push_back(v);
        } else {
          id[z(v)] = static_cast<int32_t>(right.size());
          right.push_back(v);
        }
        break;
      }
  if (left.empty()) return side;
  const int32_t nl = static_cast<int32_t>(left.size()), nr = static_cast<int32_t>(right.size());
  std::vector<int32_t> mateL(z(nl), -1), mateR(z(nr), -1);
  // Greedy initial matching, then augmenting paths found by breadth-first search.
  for (int32_t a = 0; a < nl; ++a) {
    const int32_t v = left[z(a)];
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
      const int32_t u = g.adj[z(k)];
      if (part[z(u)] != 1) continue;
      if (mateR[z(id[z(u)])] == -1) {
        mateR[z(id[z(u)])] = a;
        mateL[z(a)] = id[z(u)];
        break;
      }
    }
  }
  std::vector<int32_t> prevL(z(nl), -1), visitR(z(nr), -1), q;
  q.reserve(z(nl));
  for (int32_t a0 = 0; a0 < nl; ++a0) {
    if (mateL[z(a0)] != -1) continue;
    // BFS over left vertices; prevR of a right vertex = the left vertex that reached it.
    q.clear();
    q.push_back(a0);
    prevL[z(a0)] = -1;
    int32_t found = -1;
    for (size_t h = 0; h < q.size() && found == -1; ++h) {
      const int32_t a = q[h];
      const int32_t v = left[z(a)];
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const int32_t u = g.adj[z(k)];
        if (part[z(u)] != 1) continue;
        const int32_t r = id[z(u)];
        if (visitR[z(r)] == a0) continue;
        visitR[z(r)] = a0;
        if (mateR[z(r)] == -1) {
          // Augment: walk back r ← a ← (mate of a's predecessor) ...
          int32_t rr = r, aa = a;
          while (aa != -1) {
            const int32_t nextR = mateL[z(aa)];
            mateL[z(aa)] = rr;
            mateR[z(rr)] = aa;
            rr = nextR;
            aa = rr == -1 ? -1 : prevL[z(aa)];
          }
          found = r;
          break;
        }
        const int32_t a2 = mateR[z(r)];
        prevL[z(a2)] = a;
        q.push_back(a2);
      }
    }
  }
  // König: Z = vertices reachable from unmatched left vertices by alternating paths; the cover
  // is (left \ Z) ∪ (right ∩ Z).
  std::vector<uint8_t> zL(z(nl), 0), zR(z(nr), 0);
  q.clear();
  for (int32_t a = 0; a < nl; ++a)
    if (mateL[z(a)] == -1) {
      zL[z(a)] = 1;
      q.push_back(a);
    }
  for (size_t h = 0; h < q.size(); ++h) {
    const int32_t v = left[z(q[h])];
    for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
      const int32_t u = g.adj[z(k)];
      if (part[z(u)] != 1) continue;
      const int32_t r = id[z(u)];
      if (zR[z(r)]) continue;
      zR[z(r)] = 1;
      const int32_t a2 = mateR[z(r)];
      if (a2 != -1 && !zL[z(a2)]) {
        zL[z(a2)] = 1;
        q.push_back(a2);
      }
    }
  }
  for (int32_t a = 0; a < nl; ++a)
    if (!zL[z(a)]) side[z(left[z(a)])] = 2;
  for (int32_t r = 0; r < nr; ++r)
    if (zR[z(r)]) side[z(right[z(r)])] = 2;
  return side;
}

// Moves separator vertices that touch only one part into that part (then they separate
// nothing); one sweep in vertex order, repeated until nothing moves.
void thin_separator(const Graph& g, std::vector<uint8_t>& side, int64_t pw[2]) {
  bool moved = true;
  while (moved) {
    moved = false;
    for (int32_t v = 0; v < g.n; ++v) {
      if (side[z(v)] != 2) continue;
      bool touch[2] = {false, false};
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const uint8_t s = side[z(g.adj[z(k)])];
        if (s < 2) touch[s] = true;
      }
      if (touch[0] && touch[1]) continue;
      const int to = touch[0] ? 0 : touch[1] ? 1 : (pw[0] <= pw[1] ? 0 : 1);
      side[z(v)] = static_cast<uint8_t>(to);
      pw[to] += g.vw[z(v)];
      moved = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Vertex-separator refinement (FM on the separator, Karypis & Kumar's node-based refinement):
// moving separator vertex v to side t pulls v's neighbours on the other side into the separator;
// gain = w(v) − Σ w(those neighbours). Moves are made best gain first, into the side whose
// weight stays within maxw, with rollback to the smallest separator seen (ties: better balance).

struct NodeFmWork {
  Heap heap[2];
  std::vector<uint8_t> locked;
  std::vector<int32_t> log;  // per move: v, to, count, then the pulled vertices
};

inline int64_t node_gain(const Graph& g, const std::vector<uint8_t>& side, int32_t v, int to) {
  int64_t gain = g.vw[z(v)];
  const uint8_t other = static_cast<uint8_t>(1 - to);
  for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k)
    if (side[z(g.adj[z(k)])] == other) gain -= g.vw[z(g.adj[z(k)])];
  return gain;
}

void node_refine(const Graph& g, std::vector<uint8_t>& side, int64_t pw[3], int64_t maxw,
                 int passes, NodeFmWork& w) {
  const int32_t n = g.n;
  w.heap[0].init(n);
  w.heap[1].init(n);
  w.locked.assign(z(n), 0);
  const int32_t limit = std::min<int32_t>(std::max<int32_t>(n / 100, 30), 200);
  auto refresh = [&](int32_t u) {  // (re)queue separator vertex u with its current gains
    if (w.locked[z(u)] || side[z(u)] != 2) return;
    for (int t = 0; t < 2; ++t) {
      const int64_t gn = node_gain(g, side, u, t);
      if (w.heap[t].contains(u)) w.heap[t].update(u, gn);
      else w.heap[t].insert(u, gn);
    }
  };
  for (int pass = 0; pass < passes; ++pass) {
    for (int32_t v = 0; v < n; ++v)
      if (side[z(v)] == 2) refresh(v);
    w.log.clear();
    std::vector<int32_t> lockedList;
    const int64_t startSep = pw[2];
    const int64_t startExcess = std::max<int64_t>(0, std::max(pw[0], pw[1]) - maxw);
    int64_t bestSep = pw[2], bestExcess = startExcess, bestDiff = std::abs(pw[0] - pw[1]);
    size_t bestLog = 0, movesSinceBest = 0;
    for (;;) {
      // Candidate per direction: the best-gain vertex whose move keeps the receiving side ≤ maxw
      // (or does not make the imbalance worse).
      int to = -1;
      int64_t bestGain = 0;
      for (int t = 0; t < 2; ++t) {
        if (w.heap[t].h.empty()) continue;
        const int32_t v = w.heap[t].h[0];
        const int64_t gn = w.heap[t].key[z(v)];
        const int64_t newTo = pw[t] + g.vw[z(v)];
        if (newTo > maxw && newTo > pw[1 - t]) continue;
        if (to == -1 || gn > bestGain || (gn == bestGain && pw[t] < pw[to])) {
          to = t;
          bestGain = gn;
        }
      }
      if (to == -1) break;
      const int32_t v = w.heap[to].h[0];
      const uint8_t other = static_cast<uint8_t>(1 - to);
      w.heap[0].contains(v) ? w.heap[0].remove(v) : void();
      w.heap[1].contains(v) ? w.heap[1].remove(v) : void();
      w.locked[z(v)] = 1;
      lockedList.push_back(v);
      side[z(v)] = static_cast<uint8_t>(to);
      pw[to] += g.vw[z(v)];
      pw[2] -= g.vw[z(v)];
      w.log.push_back(v);
      w.log.push_back(to);
      const size_t countAt = w.log.size();
      w.log.push_back(0);
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const int32_t u = g.adj[z(k)];
        if (side[z(u)] != other) continue;
        side[z(u)] = 2;
        pw[other] -= g.vw[z(u)];
        pw[2] += g.vw[z(u)];
        w.log.push_back(u);
        ++w.log[countAt];
      }
      // Gains change for separator vertices within two steps of v.
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const int32_t u = g.adj[z(k)];
        if (side[z(u)] == 2) refresh(u);
        for (int32_t t2 = g.xadj[z(u)]; t2 < g.xadj[z(u) + 1]; ++t2)
          if (side[z(g.adj[z(t2)])] == 2) refresh(g.adj[z(t2)]);
      }
      const int64_t ex = std::max<int64_t>(0, std::max(pw[0], pw[1]) - maxw);
      const int64_t diff = std::abs(pw[0] - pw[1]);
      if (ex < bestExcess ||
          (ex == bestExcess && (pw[2] < bestSep || (pw[2] == bestSep && diff < bestDiff)))) {
        bestExcess = ex;
        bestSep = pw[2];
        bestDiff = diff;
        bestLog = w.log.size();
        movesSinceBest = 0;
      } else if (++movesSinceBest > static_cast<size_t>(limit)) {
        break;
      }
    }
    // Roll back the moves after the best state (walk the log backwards move by move).
    std::vector<size_t> starts;
    for (size_t i = 0; i < w.log.size();) {
      starts.push_back(i);
      i += 3 + static_cast<size_t>(w.log[i + 2]);
    }
    for (size_t s = starts.size(); s-- > 0 && starts[s] >= bestLog;) {
      const size_t i = starts[s];
      const int32_t v = w.log[i];
      const int to = w.log[i + 1];
      const int32_t cnt = w.log[i + 2];
      for (int32_t c = 0; c < cnt; ++c) {
        const int32_t u = w.log[i + 3 + static_cast<size_t>(c)];
        side[z(u)] = static_cast<uint8_t>(1 - to);
        pw[1 - to] += g.vw[z(u)];
        pw[2] -= g.vw[z(u)];
      }
      side[z(v)] = 2;
      pw[to] -= g.vw[z(v)];
      pw[2] += g.vw[z(v)];
    }
    for (int32_t v : lockedList) w.locked[z(v)] = 0;
    w.heap[0].clear();
    w.heap[1].clear();
    if (bestSep >= startSep && bestExcess >= startExcess) break;
  }
}

// ---------------------------------------------------------------------------------------------
// The recursion.

struct Dissector {
  const NestedDissectionOptions& o;
  std::vector<int32_t>& perm;
  FmWork fw;
  NodeFmWork nw;
  Dissector(const NestedDissectionOptions& opt, std::vector<int32_t>& p) : o(opt), perm(p) {}

  // The subgraph of g induced by the vertices with sel[v] == which, as a unit-weight graph, with
  // the map to the original indices.
  static void induced(const Graph& g, const std::vector<int32_t>& map,
                      const std::vector<uint8_t>& sel, uint8_t which, Graph& s,
                      std::vector<int32_t>& smap, std::vector<int32_t>& local) {
    local.assign(z(g.n), -1);
    smap.clear();
    for (int32_t v = 0; v < g.n; ++v)
      if (sel[z(v)] == which) {
        local[z(v)] = static_cast<int32_t>(smap.size());
        smap.push_back(map[z(v)]);
      }
    s.n = static_cast<int32_t>(smap.size());
    s.xadj.assign(z(s.n) + 1, 0);
    s.adj.clear();
    for (int32_t v = 0; v < g.n; ++v) {
      if (sel[z(v)] != which) continue;
      for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k) {
        const int32_t u = local[z(g.adj[z(k)])];
        if (u >= 0 && sel[z(g.adj[z(k)])] == which) s.adj.push_back(u);
      }
      s.xadj[z(local[z(v)]) + 1] = static_cast<int32_t>(s.adj.size());
    }
    s.adjw.assign(s.adj.size(), 1);
    s.vw.assign(z(s.n), 1);
    s.totalw = s.n;
  }

  std::vector<int32_t> cls;  // original vertex → constraint class (its separator-tree height)
  int32_t leaf(const Graph& g, const std::vector<int32_t>& map, int32_t lo) {
    for (int32_t k = 0; k < g.n; ++k) cls[z(map[z(k)])] = 0;
    if (o.constrained) {
      for (int32_t k = 0; k < g.n; ++k) perm[z(lo + k)] = map[z(k)];
      return 0;
    }
    AmdOrdering a = amd_order(g.n, g.xadj.data(), g.adj.data());
    for (int32_t k = 0; k < g.n; ++k) perm[z(lo + k)] = map[z(a.perm[z(k)])];
    return 0;
  }

  // Orders g (vertices map[v] of the original graph) into perm[lo, lo + g.n).
  // Returns the height of the separator tree built for g (0: a leaf).
  int32_t order(const Graph& g, const std::vector<int32_t>& map, int32_t lo, uint64_t seed) {
    if (g.n <= o.leafSize) return leaf(g, map, lo);
    // Connected components.
    std::vector<int32_t> comp(z(g.n), -1), q;
    q.reserve(z(g.n));
    int32_t ncomp = 0;
    for (int32_t s = 0; s < g.n; ++s) {
      if (comp[z(s)] != -1) continue;
      comp[z(s)] = ncomp;
      q.clear();
      q.push_back(s);
      for (size_t h = 0; h < q.size(); ++h) {
        const int32_t v = q[h];
        for (int32_t k = g.xadj[z(v)]; k < g.xadj[z(v) + 1]; ++k)
          if (comp[z(g.adj[z(k)])] == -1) {
            comp[z(g.adj[z(k)])] = ncomp;
            q.push_back(g.adj[z(k)]);
          }
      }
      ++ncomp;
    }
    if (ncomp > 1) {
      // Small components are gathered into one AMD leaf; large ones are dissected alone.
      std::vector<int32_t> size(z(ncomp), 0);
      for (int32_t v = 0; v < g.n; ++v) ++size[z(comp[z(v)])];
      std::vector<uint8_t> sel(z(g.n));
      Graph s;
      std::vector<int32_t> smap, local;
      int32_t pos = lo, height = 0;
      // Gather all small components (≤ leafSize) into one subgraph ordered by AMD.
      for (int32_t v = 0; v < g.n; ++v) sel[z(v)] = size[z(comp[z(v)])] <= o.leafSize ? 1 : 0;
      induced(g, map, sel, 1, s, smap, local);
      if (s.n > 0) {
        leaf(s, smap, pos);
        pos += s.n;
      }
      for (int32_t c = 0; c < ncomp; ++c) {
        if (size[z(c)] <= o.leafSize) continue;
        for (int32_t v = 0; v < g.n; ++v) sel[z(v)] = comp[z(v)] == c ? 1 : 0;
        induced(g, map, sel, 1, s, smap, local);
        height = std::max(height, order(s, smap, pos, seed * 31 + static_cast<uint64_t>(c) + 1));
        pos += s.n;
      }
      return height;
    }
    // A few independent multilevel bisections on large graphs (where the separator costs the
    // most); the smallest separator is kept (ties: the better balance).
    Rng rng(seed);
    const int trials = g.n >= o.trialsAbove ? std::max(1, o.separatorTrials) : 1;
    const int64_t maxw = static_cast<int64_t>(static_cast<double>(g.n) * (1.0 + o.imbalance) / 2.0);
    std::vector<uint8_t> side;
    int64_t pw[2] = {0, 0};
    for (int t = 0; t < trials; ++t) {
      std::vector<uint8_t> part = multilevel_bisect(g, o, rng, fw);
      std::vector<uint8_t> sd = vertex_separator(g, part);
      int64_t w2[2] = {0, 0};
      for (int32_t v = 0; v < g.n; ++v)
        if (sd[z(v)] < 2) w2[sd[z(v)]] += 1;
      thin_separator(g, sd, w2);
      int64_t pw3[3] = {w2[0], w2[1], g.n - w2[0] - w2[1]};
      node_refine(g, sd, pw3, maxw, 6, nw);
      const int64_t sep = pw3[2], diff = std::abs(pw3[0] - pw3[1]);
      if (t == 0 || sep < g.n - pw[0] - pw[1] ||
          (sep == g.n - pw[0] - pw[1] && diff < std::abs(pw[0] - pw[1]))) {
        side.swap(sd);
        pw[0] = pw3[0];
        pw[1] = pw3[1];
      }
    }
    int64_t ns = g.n - pw[0] - pw[1];
    if (pw[0] == 0 || pw[1] == 0 || ns * 2 > g.n)
      return leaf(g, map, lo);  // no useful separator: minimum degree on the whole subgraph
    Graph s;
    std::vector<int32_t> smap, local;
    induced(g, map, side, 0, s, smap, local);
    const int32_t n0 = s.n;
    const int32_t h0 = order(s, smap, lo, seed * 2 + 1);
    induced(g, map, side, 1, s, smap, local);
    const int32_t n1 = s.n;
    const int32_t h1 = order(s, smap, lo + n0, seed * 2 + 2);
    const int32_t height = std::max(h0, h1) + 1;
    int32_t pos = lo + n0 + n1;
    for (int32_t v = 0; v < g.n; ++v)
      if (side[z(v)] == 2) {
        cls[z(map[z(v)])] = height;
        perm[z(pos++)] = map[z(v)];
      }
    return height;
  }
};

void validate(int32_t n, const int32_t* rowPtr, const int32_t* colIdx) {
  if (n < 0)
    throw SolverError("ERR_INVALID_ARGUMENT", "nested dissection: n must be >= 0", -1, "n");
  if (n == 0) return;
  if (rowPtr == nullptr || rowPtr[0] != 0)
    throw SolverError("ERR_INVALID_MATRIX", "nested dissection: rowPtr[0] must be 0", -1, "A");
  for (int32_t i = 0; i < n; ++i) {
    if (rowPtr[i + 1] < rowPtr[i])
      throw SolverError("ERR_INVALID_MATRIX", "nested dissection: rowPtr must be nondecreasing", i,
                        "A");
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k)
      if (colIdx == nullptr || colIdx[k] < 0 || colIdx[k] >= n)
        throw SolverError("ERR_INVALID_MATRIX", "nested dissection: column index out of range", i,
                          "A");
  }
}

}  // namespace

std::vector<int32_t> nested_dissection(int32_t n, const int32_t* rowPtr, const int32_t* colIdx,
                                       const NestedDissectionOptions& options) {
  validate(n, rowPtr, colIdx);
  std::vector<int32_t> perm(z(n));
  if (n == 0) return perm;
  // A + Aᵀ without the diagonal, deduplicated (counting sort by row, then a marker sweep).
  std::vector<int32_t> cnt(z(n) + 1, 0);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k) {
      const int32_t j = colIdx[k];
      if (j == i) continue;
      ++cnt[z(i) + 1];
      ++cnt[z(j) + 1];
    }
  for (int32_t i = 0; i < n; ++i) cnt[z(i) + 1] += cnt[z(i)];
  std::vector<int32_t> full(z(cnt[z(n)])), fill(cnt.begin(), cnt.end() - 1);
  for (int32_t i = 0; i < n; ++i)
    for (int32_t k = rowPtr[i]; k < rowPtr[i + 1]; ++k) {
      const int32_t j = colIdx[k];
      if (j == i) continue;
      full[z(fill[z(i)]++)] = j;
      full[z(fill[z(j)]++)] = i;
    }
  std::vector<int32_t> mark(z(n), -1), deg(z(n), 0);
  std::vector<int32_t> xadj(z(n) + 1, 0), adj;
  adj.reserve(full.size());
  for (int32_t i = 0; i < n; ++i) {
    mark[z(i)] = i;
    for (int32_t k = cnt[z(i)]; k < cnt[z(i) + 1]; ++k) {
      const int32_t j = full[z(k)];
      if (mark[z(j)] == i) continue;
      mark[z(j)] = i;
      adj.push_back(j);
    }
    xadj[z(i) + 1] = static_cast<int32_t>(adj.size());
  }
  std::vector<int32_t>().swap(full);
  // Dense rows: removed and ordered last (ascending index), as AMD does.
  const int64_t dense = amd_dense_threshold(n);
  std::vector<uint8_t> sel(z(n), 1);
  int32_t ndense = 0;
  for (int32_t i = 0; i < n; ++i)
    if (xadj[z(i) + 1] - xadj[z(i)] > dense) {
      sel[z(i)] = 0;
      ++ndense;
    }
  Graph g;
  g.n = n;
  g.xadj = std::move(xadj);
  g.adj = std::move(adj);
  std::vector<int32_t> map(z(n));
  for (int32_t i = 0; i < n; ++i) map[z(i)] = i;
  NestedDissectionOptions opt = options;
  if (opt.leafSize <= 0) opt.leafSize = std::min<int32_t>(20000, std::max<int32_t>(200, n / 8));
  Dissector d(opt, perm);
  Graph s;
  std::vector<int32_t> smap, local;
  Dissector::induced(g, map, sel, 1, s, smap, local);
  {
    Graph().adj.swap(g.adj);
  }
  d.cls.assign(z(n), 0);
  d.order(s, smap, 0, options.seed);
  if (options.constrained) {
    // Constrained minimum degree over the whole (dense-free) graph: each class (separator-tree
    // height) after the lower ones, so every separator still follows its subtree.
    std::vector<int32_t> c(z(s.n));
    for (int32_t k = 0; k < s.n; ++k) c[z(k)] = d.cls[z(smap[z(k)])];
    AmdOrdering a = amd_order_constrained(s.n, s.xadj.data(), s.adj.data(), c.data());
    for (int32_t k = 0; k < s.n; ++k) perm[z(k)] = smap[z(a.perm[z(k)])];
  }
  int32_t pos = n - ndense;
  for (int32_t i = 0; i < n; ++i)
    if (!sel[z(i)]) perm[z(pos++)] = i;
  return perm;
}

}  // namespace direct
}  // namespace itersolve
