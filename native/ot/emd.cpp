// Exact optimal transport (ot.hpp: emd) by the primal network simplex on the complete bipartite
// transportation network: supply nodes 0..n−1 (a), demand nodes n..n+m−1 (b rescaled to sum(a)),
// arcs i → n+j of cost C_ij (arc id i·m + j, uncapacitated), plus an artificial root R = n+m.
//
// The basis is a spanning tree rooted at R, stored by node: parent, the arc to the parent (id and
// direction) and its flow (only tree arcs carry flow, so there is no n·m flow array), the preorder
// thread with its reverse, the last node of each subtree in that order and the subtree sizes.
// Node potentials π make every tree arc's reduced cost c_uv − π_u + π_v zero; the duals are
// f_i = π_i, g_j = −π_{n+j}.
//
// The network holds only the rows and columns with positive mass (zero-mass ones get their
// c-transform potentials at the end). Start: every node hangs from R by one artificial arc:
// rows i → R (cost 0, flow a_i > 0), columns R → j (cost M, flow b_j > 0). With M > max C, any
// flow routed i → R → j is beaten by the direct arc, so the optimum carries no artificial flow;
// artificial arcs are never entered again once they leave (and never turn round: R is never in
// a re-rooted subtree). No tree arc has zero flow, so the start is strongly feasible (every
// zero-flow tree arc points towards R), and the leaving
// arc rule below (the last blocking arc met when walking the pivot cycle in the direction of the
// flow from its apex; Cunningham 1976) keeps it so, so degenerate pivots cannot cycle.
//
// Entering arc: block search — scan the arcs cyclically from where the last scan stopped, in
// blocks of about √(n·m), and take the most negative reduced cost of the first block that has
// one below −tol. When a full scan finds none, the potentials are recomputed exactly from the
// tree (they drift by rounding over many incremental updates) and the scan repeated once.
//
// Pivot: push the bottleneck amount around the cycle, drop the leaving arc, re-hang the subtree
// it cut off (re-rooted at the entering arc's endpoint) under the other endpoint, and shift that
// subtree's potentials by the entering arc's reduced cost: O(cycle + subtree) per pivot.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "ot.hpp"

namespace itersolve {
namespace ot {
namespace {

constexpr int8_t kUp = 0;    // the node's tree arc points to its parent (node → parent)
constexpr int8_t kDown = 1;  // it points from the parent to the node

class NetworkSimplex {
 public:
  NetworkSimplex(int64_t n, int64_t m, const double* a, const double* b, const double* C,
                 double big)
      : n_(n), m_(m), nodes_(static_cast<int32_t>(n + m + 1)), root_(static_cast<int32_t>(n + m)),
        narcs_(n * m), C_(C), big_(big) {
    const size_t N = static_cast<size_t>(nodes_);
    parent_.resize(N);
    thread_.resize(N);
    rev_.resize(N);
    last_.resize(N);
    size_.assign(N, 1);
    dir_.resize(N);
    pred_.resize(N);
    flow_.resize(N);
    pot_.resize(N);
    // The start: R, then every node in index order, each a leaf under R.
    for (int32_t w = 0; w < root_; ++w) {
      parent_[w] = root_;
      thread_[w] = w + 1;
      rev_[w] = w == 0 ? root_ : w - 1;
      last_[w] = w;
      pred_[w] = narcs_ + w;  // artificial arc of node w
      if (w < n_) {
        dir_[w] = kUp;
        flow_[w] = a[w];
        pot_[w] = 0.0;
      } else {
        dir_[w] = kDown;
        flow_[w] = b[w - n_];
        pot_[w] = -big_;
      }
    }
    parent_[root_] = -1;
    thread_[root_] = 0;
    thread_[root_ - 1] = root_;
    rev_[root_] = root_ - 1;
    last_[root_] = root_ - 1;
    size_[root_] = nodes_;
    dir_[root_] = kUp;
    pred_[root_] = -1;
    flow_[root_] = 0.0;
    pot_[root_] = 0.0;
    block_ = std::max<int64_t>(10, static_cast<int64_t>(std::sqrt(double(narcs_))));
  }

  // Cost of the tree arc of node w (w ≠ R).
  double arc_cost(int32_t w) const {
    const int64_t e = pred_[w];
    if (e < narcs_) return C_[e];
    return dir_[w] == kDown ? big_ : 0.0;  // artificial: R → column (M), row → R (0)
  }

  // min over j in [j0, j1) of C_ij + π_j − π_i, in independent lanes (vectorisable).
  static double segment_min(const double* Ci, const double* pd, double pi, int64_t j0, int64_t j1) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    double m0 = inf, m1 = inf, m2 = inf, m3 = inf;
    int64_t j = j0;
    for (; j + 4 <= j1; j += 4) {
      const double r0 = Ci[j] + pd[j] - pi, r1 = Ci[j + 1] + pd[j + 1] - pi;
      const double r2 = Ci[j + 2] + pd[j + 2] - pi, r3 = Ci[j + 3] + pd[j + 3] - pi;
      m0 = r0 < m0 ? r0 : m0;
      m1 = r1 < m1 ? r1 : m1;
      m2 = r2 < m2 ? r2 : m2;
      m3 = r3 < m3 ? r3 : m3;
    }
    for (; j < j1; ++j) {
      const double r = Ci[j] + pd[j] - pi;
      m0 = r < m0 ? r : m0;
    }
    return std::min(std::min(m0, m1), std::min(m2, m3));
  }

  // Block search. Returns the entering arc (reduced cost < −tol) or −1; `work` counts the arcs
  // scanned.
  int64_t find_entering(double tol, double& rc_out, int64_t& work) {
    const double* pd = pot_.data() + n_;
    double best = -tol;
    int64_t best_k = -1, pos = next_arc_, scanned = 0;
    while (scanned < narcs_) {
      int64_t remaining = std::min(block_, narcs_ - scanned);
      scanned += remaining;
      while (remaining > 0) {
        const int64_t i = pos / m_, j0 = pos - i * m_;
        const int64_t j1 = std::min(m_, j0 + remaining);
        const double* Ci = C_ + i * m_;
        const double pi = pot_[i];
        const double mn = segment_min(Ci, pd, pi, j0, j1);
        if (mn < best) {  // its first position (the same expression, the same rounding)
          int64_t j = j0;
          while (j + 1 < j1 && Ci[j] + pd[j] - pi != mn) ++j;
          best = mn;
          best_k = i * m_ + j;
        }
        remaining -= j1 - j0;
        pos = i * m_ + j1;
        if (pos == narcs_) pos = 0;
      }
      if (best_k >= 0) break;
    }
    work += scanned;
    next_arc_ = pos;
    rc_out = best;
    return best_k;
  }

  // One pivot on the entering arc e (reduced cost rc < 0). Returns the work done (nodes touched).
  int64_t pivot(int64_t e, double rc) {
    const int32_t u = static_cast<int32_t>(e / m_);
    const int32_t v = static_cast<int32_t>(n_ + e % m_);
    int32_t x = u, y = v;
    while (x != y) {
      if (size_[x] < size_[y]) x = parent_[x];
      else y = parent_[y];
    }
    const int32_t join = x;
    // Leaving arc: the flow goes join → … → u → v → … → join. Blocking arcs are the ones walked
    // against their direction (their flow decreases): on u's side the arcs pointing up, on v's
    // side the ones pointing down. The last one met from the apex wins ties: on v's side the
    // one nearest the apex (≤ while walking up), else on u's side the one nearest u (<).
    double delta = std::numeric_limits<double>::infinity();
    int32_t out = -1;
    bool out_on_u = true;
    int64_t work = 0;
    for (int32_t w = u; w != join; w = parent_[w], ++work)
      if (dir_[w] == kUp && flow_[w] < delta) {
        delta = flow_[w];
        out = w;
      }
    for (int32_t w = v; w != join; w = parent_[w], ++work)
      if (dir_[w] == kDown && flow_[w] <= delta) {
        delta = flow_[w];
        out = w;
        out_on_u = false;
      }
    // The network has no directed cycle, so some arc always blocks.
    if (delta > 0) {
      for (int32_t w = u; w != join; w = parent_[w]) flow_[w] += dir_[w] == kDown ? delta : -delta;
      for (int32_t w = v; w != join; w = parent_[w]) flow_[w] += dir_[w] == kUp ? delta : -delta;
    }
    const int32_t u_in = out_on_u ? u : v, v_in = out_on_u ? v : u;
    // u_in hangs from v_in by e: pointing up when e leaves u_in (u_in = u).
    const int8_t edir = out_on_u ? kUp : kDown;
    // New potentials of the moved subtree: e's reduced cost becomes 0.
    const double sigma = out_on_u ? rc : -rc;
    work += rehang(u_in, v_in, out, join, e, edir, delta, sigma);
    return work;
  }

  // Recomputes every potential from the tree arcs (π_R = 0), in thread (pre)order.
  void recompute_potentials() {
    pot_[root_] = 0.0;
    for (int32_t w = thread_[root_]; w != root_; w = thread_[w]) {
      const double c = arc_cost(w), pp = pot_[parent_[w]];
      pot_[w] = dir_[w] == kUp ? pp + c : pp - c;
    }
  }

  // Σ flow·cost over the tree arcs (the artificial ones at their cost): the current objective.
  double tree_cost() const {
    double s = 0.0;
    for (int32_t w = 0; w < root_; ++w) s += flow_[w] * arc_cost(w);
    return s;
  }

  int64_t n_, m_;
  int32_t nodes_, root_;
  int64_t narcs_;
  const double* C_;
  double big_;
  int64_t block_ = 10, next_arc_ = 0;
  std::vector<int32_t> parent_, thread_, rev_, last_, size_;
  std::vector<int8_t> dir_;
  std::vector<int64_t> pred_;
  std::vector<double> flow_, pot_;

 private:
  std::vector<int32_t> path_, segA_, segB_, segL_;

  // Cuts the subtree S of u_out off (its tree arc leaves), re-roots S at u_in (on the path from
  // u_out down to u_in the parent links reverse) and hangs it under v_in by the arc e with the
  // given direction and flow; shifts S's potentials by sigma. Returns the nodes touched.
  int64_t rehang(int32_t u_in, int32_t v_in, int32_t u_out, int32_t join, int64_t e, int8_t edir,
                 double eflow, double sigma) {
    const int32_t S = size_[u_out];
    path_.clear();
    for (int32_t w = u_in;; w = parent_[w]) {
      path_.push_back(w);
      if (w == u_out) break;
    }
    const size_t k = path_.size() - 1;
    // The new preorder of S: q_0 = u_in with its whole old subtree, then for t = 1..k the old
    // subtree of q_t without the block of q_{t−1}: [q_t .. rev(q_{t−1})] then, when q_{t−1} was
    // not q_t's last child, [thread(last(q_{t−1})) .. last(q_t)]. Read the old links first.
    segA_.resize(k + 1);
    segB_.resize(k + 1);
    segL_.resize(k + 1);
    for (size_t t = 1; t <= k; ++t) {
      const int32_t qp = path_[t - 1], q = path_[t];
      segA_[t] = rev_[qp];
      segL_[t] = last_[q];
      segB_[t] = last_[qp] != last_[q] ? thread_[last_[qp]] : -1;
    }
    // 1. Cut S out of the thread; ancestors whose subtree ended with S now end before it.
    const int32_t lastS = last_[u_out], before = rev_[u_out], after = thread_[lastS];
    thread_[before] = after;
    rev_[after] = before;
    for (int32_t w = parent_[u_out]; w >= 0 && last_[w] == lastS; w = parent_[w]) last_[w] = before;
    for (int32_t w = parent_[u_out]; w != join; w = parent_[w]) size_[w] -= S;
    for (int32_t w = v_in; w != join; w = parent_[w]) size_[w] += S;
    // 2. Re-root S at u_in.
    int32_t tail = last_[u_in];
    for (size_t t = 1; t <= k; ++t) {
      const int32_t q = path_[t];
      thread_[tail] = q;
      rev_[q] = tail;
      if (segB_[t] >= 0) {
        thread_[segA_[t]] = segB_[t];
        rev_[segB_[t]] = segA_[t];
        tail = segL_[t];
      } else {
        tail = segA_[t];
      }
    }
    for (size_t t = k; t >= 1; --t) {
      const int32_t q = path_[t], qp = path_[t - 1];
      size_[q] = S - size_[qp];
      parent_[q] = qp;
      pred_[q] = pred_[qp];
      dir_[q] = dir_[qp] == kUp ? kDown : kUp;
      flow_[q] = flow_[qp];
      last_[q] = tail;
    }
    size_[u_in] = S;
    parent_[u_in] = v_in;
    pred_[u_in] = e;
    dir_[u_in] = edir;
    flow_[u_in] = eflow;
    last_[u_in] = tail;
    // 3. Insert S right after v_in; if v_in was a leaf, S's end is the new end of every subtree
    // that ended at v_in.
    const int32_t nxt = thread_[v_in];
    thread_[v_in] = u_in;
    rev_[u_in] = v_in;
    thread_[tail] = nxt;
    rev_[nxt] = tail;
    if (last_[v_in] == v_in)
      for (int32_t w = v_in; w >= 0 && last_[w] == v_in; w = parent_[w]) last_[w] = tail;
    // 4. Potentials of S.
    int32_t w = u_in;
    for (int32_t c = 0; c < S; ++c, w = thread_[w]) pot_[w] += sigma;
    return int64_t(S) + int64_t(k);
  }
};

}  // namespace

OtResult emd(const Engine& /*e*/, const Problem& p, double* f, double* g, csr::Owned& plan,
             const EmdOptions& opt, Control& ctl) {
  validate(p);
  const int64_t n = p.n, m = p.m;
  if (n + m + 1 > std::numeric_limits<int32_t>::max())
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "emd: n + m = " + std::to_string(n + m) + " is too large (at most 2^31 − 2)",
                      -1, "C");
  // The simplex runs on the rows and columns with positive mass (a copy of that block of C when
  // some are empty); b is rescaled to sum(a).
  const Support sup = support(p);
  const int64_t ns_n = static_cast<int64_t>(sup.rows.size());
  const int64_t ns_m = static_cast<int64_t>(sup.cols.size());
  std::vector<double> a(static_cast<size_t>(ns_n)), b(static_cast<size_t>(ns_m)), Csub;
  double sa = 0.0, sb = 0.0;
  for (int64_t r = 0; r < ns_n; ++r) sa += a[r] = p.a[sup.rows[r]];
  for (int64_t c = 0; c < ns_m; ++c) sb += b[c] = p.b[sup.cols[c]];
  const double scale = sa / sb;
  for (double& x : b) x *= scale;
  const double* C = p.C;
  if (!sup.full) {
    Csub.resize(static_cast<size_t>(ns_n * ns_m));
    for (int64_t r = 0; r < ns_n; ++r) {
      const double* src = p.C + sup.rows[r] * m;
      double* dst = Csub.data() + r * ns_m;
      for (int64_t c = 0; c < ns_m; ++c) dst[c] = src[sup.cols[c]];
    }
    C = Csub.data();
  }
  double cmax = 0.0;
  for (int64_t k = 0; k < ns_n * ns_m; ++k) cmax = std::max(cmax, std::fabs(C[k]));
  // M > max C: any flow routed i → R → j costs more than the direct arc.
  const double big = cmax > 0 ? 3.0 * cmax : 1.0;
  // Reduced costs below −tol count as negative: rounding in C_ij + π_j − π_i is a few ulps of M.
  const double tol = 64.0 * DBL_EPSILON * big;

  NetworkSimplex ns(ns_n, ns_m, a.data(), b.data(), C, big);
  OtResult res;
  int64_t pivots = 0, work = 0, since_poll = 4096;  // poll before the first pivot too
  bool fresh = false;  // potentials recomputed since the last pivot
  constexpr int64_t kPollWork = int64_t(1) << 22;
  for (;;) {
    if (since_poll >= 4096 || work >= kPollWork) {
      since_poll = 0;
      work = 0;
      const StopReason s = ctl.poll();
      if (s != StopReason::None) {
        res.reason = reason_from_stop(s);
        break;
      }
      if (ctl.wants_progress()) {
        ProgressInfo info;
        info.iteration = pivots;
        info.value = ns.tree_cost();
        ctl.progress(info);
      }
    }
    double rc = 0.0;
    const int64_t in = ns.find_entering(tol, rc, work);
    if (in < 0) {
      if (fresh) {
        res.reason = Reason::Optimal;
        break;
      }
      ns.recompute_potentials();
      fresh = true;
      continue;
    }
    if (pivots >= opt.max_iterations) {
      res.reason = Reason::MaxIterations;
      break;
    }
    work += ns.pivot(in, rc);
    ++pivots;
    ++since_poll;
    fresh = false;
  }
  if (!fresh) ns.recompute_potentials();
  res.iterations = pivots;

  // The plan: tree arcs with positive flow. Flow left on artificial arcs (supply i → R not yet
  // shipped, demand R → j not yet met: only when stopped early, or rounding-level at the
  // optimum) is shipped by the northwest-corner rule between those rows and columns, so the plan
  // is always feasible (and still has at most n + m − 1 entries).
  std::vector<int32_t> ri, ci;
  std::vector<double> vals;
  std::vector<int32_t> rrows, rcols;
  double rsum = 0.0;
  for (int32_t w = 0; w < ns.root_; ++w) {
    const double x = ns.flow_[w];
    if (!(x > 0)) continue;
    const int64_t arc = ns.pred_[w];
    if (arc < ns.narcs_) {
      ri.push_back(static_cast<int32_t>(sup.rows[arc / ns_m]));
      ci.push_back(static_cast<int32_t>(sup.cols[arc % ns_m]));
      vals.push_back(x);
    } else if (w < ns_n) {
      rrows.push_back(w);
      rsum += x;
    } else {
      rcols.push_back(static_cast<int32_t>(w - ns_n));
    }
  }
  if (rsum > 1e-14 * sa || res.reason != Reason::Optimal) {
    std::vector<double> s(rrows.size()), d(rcols.size());
    for (size_t r = 0; r < rrows.size(); ++r) s[r] = ns.flow_[rrows[r]];
    for (size_t c = 0; c < rcols.size(); ++c) d[c] = ns.flow_[ns_n + rcols[c]];
    size_t r = 0, c = 0;
    while (r < s.size() && c < d.size()) {
      const double x = std::min(s[r], d[c]);
      if (x > 0) {
        ri.push_back(static_cast<int32_t>(sup.rows[rrows[r]]));
        ci.push_back(static_cast<int32_t>(sup.cols[rcols[c]]));
        vals.push_back(x);
      }
      s[r] -= x;
      d[c] -= x;
      if (s[r] <= 0) ++r;
      else ++c;
    }
  }
  csr::from_coo(n, m, static_cast<int64_t>(vals.size()), ri.data(), ci.data(), vals.data(), plan);

  // Duals: f_i = π_i, g_j = −π_j on the support; zero-mass rows / columns carry no flow and get
  // their tightest feasible potential (the c-transform), f_i = min_j C_ij − g_j over the support
  // columns, then g_j = min_i C_ij − f_i over every row.
  std::vector<char> on_row(static_cast<size_t>(n), 0), on_col(static_cast<size_t>(m), 0);
  for (int64_t r = 0; r < ns_n; ++r) {
    f[sup.rows[r]] = ns.pot_[r];
    on_row[sup.rows[r]] = 1;
  }
  for (int64_t c = 0; c < ns_m; ++c) {
    g[sup.cols[c]] = -ns.pot_[ns_n + c];
    on_col[sup.cols[c]] = 1;
  }
  if (!sup.full) {
    for (int64_t i = 0; i < n; ++i)
      if (!on_row[i]) {
        double v = std::numeric_limits<double>::infinity();
        for (int64_t c = 0; c < ns_m; ++c)
          v = std::min(v, p.C[i * m + sup.cols[c]] - g[sup.cols[c]]);
        f[i] = v;
      }
    for (int64_t j = 0; j < m; ++j)
      if (!on_col[j]) {
        double v = std::numeric_limits<double>::infinity();
        for (int64_t i = 0; i < n; ++i) v = std::min(v, p.C[i * m + j] - f[i]);
        g[j] = v;
      }
  }

  // cost = ⟨C, P⟩; marginal error against a and the b given.
  double cost = 0.0;
  std::vector<double> rs(static_cast<size_t>(n), 0.0), cs(static_cast<size_t>(m), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t k = plan.rowPtr[i]; k < plan.rowPtr[i + 1]; ++k) {
      const int32_t j = plan.colIdx[k];
      const double x = plan.values[k];
      cost += p.C[i * m + j] * x;
      rs[i] += x;
      cs[j] += x;
    }
  double merr = 0.0;
  for (int64_t i = 0; i < n; ++i) merr += std::fabs(rs[i] - p.a[i]);
  for (int64_t j = 0; j < m; ++j) merr += std::fabs(cs[j] - p.b[j]);
  res.cost = cost;
  res.objective = cost;
  res.marginal_error = merr;
  return res;
}

}  // namespace ot
}  // namespace itersolve
