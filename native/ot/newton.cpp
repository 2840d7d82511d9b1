// Sinkhorn-Newton-Sparse (Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil, Xiao, Ying,
// ICLR 2024): a few log-domain Sinkhorn iterations, then Newton steps on the concave dual
//   F(f, g) = aᵀf + bᵀg − ε Σ_ij P_ij,   P_ij = exp((f_i + g_j − C_ij)/ε),
// whose gradient is (a − P1, b − Pᵀ1) and whose Hessian is −(1/ε) M with
//   M = [[diag(P1), P], [Pᵀ, diag(Pᵀ1)]].
// The iteration is a hybrid that never stagnates while Sinkhorn still makes progress:
//  1. Warm-up: opt.warmup_iterations log-domain Sinkhorn iterations (ot::sinkhorn, Log).
//  2. Newton step at the current (f, g) with P, r = P1, c = Pᵀ1 (one exp pass, kept from the line
//     search):
//     - pattern: the largest `s` entries of every row, every column's largest entry, and the
//       largest entries that join what is still disconnected (Borůvka rounds over P);
//     - M̃ = exact diagonal (r, c)·(1 + λ) plus the pattern's entries of P, with the
//       Levenberg–Marquardt shift λ = min(1, err/Σa) (err: the marginal error = ‖∇F‖₁): far from
//       the solution it damps the near-null directions of weak links between nearly separate
//       pieces of P (what made CG crawl), and it vanishes as the error does. The dropped mass
//       stays on the diagonal (a further per-row shift). On a connected pattern nothing is
//       pinned: ε∇F is orthogonal to the gauge direction (1, −1) (Σ(a − r) = Σ(b − c)), so the
//       system is consistent and CG's rate is set by the spread of the nonzero spectrum, not by
//       a Dirichlet-pinned Laplacian's tiny eigenvalue; with several components one variable of
//       each is pinned (the last);
//     - M̃ d = ε∇F by krylov::cg with a Jacobi preconditioner, started from the previous
//       direction scaled by its Galerkin factor, to the inexact-Newton forcing term
//       η = clamp(√(err/Σa), opt.cg_rtol, 0.1), at most cg_max_iterations (default
//       10·(n + m)) iterations: the last CG iterate is the direction either way;
//     - the sparsification's share of the exact-Newton residual, ‖(M − M̃₀) d‖ / ‖ε∇F‖ (M̃₀:
//       M̃ without the shift; two threaded passes over P), above kMaxForcing doubles s (up to m)
//       for the next step, as does a dropped mass above kMaxDroppedFraction of Σ P, or a step
//       that fails;
//     - line search: backtracking from t = 1 with Armijo's test F(x + t d) − F(x) ≥ c₁ t ∇Fᵀd,
//       the difference computed as t(aᵀd_f + bᵀd_g) − ε(Σ P_new − Σ P) (no cancellation of the
//       large aᵀf + bᵀg); once the predicted gain t ∇Fᵀd is below the rounding noise of that
//       difference (F flat to machine precision), a step is accepted when it decreases the
//       marginal error.
//     A step costs O(1) passes over the n×m matrix (the pattern's row selection, the column
//     maxima, the forcing check's two passes, one exp pass per trial step) plus CG on M̃.
//  3. A step that fails (no acceptable t, CG breakdown), is heavily damped (t ≤ 2^−kDamped) or
//     leaves more than kSlow of the marginal error is outside Newton's local regime: a block of
//     log-domain Sinkhorn iterations follows (max(warmupIterations, kBlock) iterations, doubling
//     while Newton keeps failing, back to the first length after a good step), then Newton
//     again. Reason::Stagnation only when a failed Newton step is followed by a block that does
//     not reduce the marginal error either.
// warmup_iterations counts every Sinkhorn iteration (the warm-up and the blocks), and iterations
// = warmup_iterations + newton_iterations; history: every check of each Sinkhorn block (plus its
// exact final error) and the marginal error after each Newton step.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "../krylov/krylov.hpp"
#include "ot.hpp"

namespace itersolve {
namespace ot {
namespace {

constexpr double kArmijo = 1e-4;            // c₁
constexpr int kMaxBacktracks = 40;          // t down to 2⁻⁴⁰
constexpr int kDamped = 3;                  // an accepted t ≤ 2⁻³ counts as a failed step
constexpr double kSlow = 0.9;  // so does one that leaves more than this of the marginal error
// The first fallback block of log-domain Sinkhorn: max(warmupIterations, kBlock) iterations.
constexpr int64_t kBlock = 20;
constexpr double kMaxDroppedFraction = 0.1; // of Σ P, before the density doubles
constexpr double kFlat = 64.0;              // predicted gain below kFlat · noise: F is flat
// A direction whose sparsification residual, ‖(M − M̃₀) d‖ / ‖ε∇F‖ (computed with the dense P),
// exceeds this doubles the density for the next step:
// the local rate of an inexact Newton method is about that ratio, and the dropped entries matter
// relative to the small spectral gap of M (what makes Sinkhorn slow), so even a dropped mass of
// 1e-4 of Σ P can cost a rate of ~0.3 while the mass test is content.
constexpr double kMaxForcing = 0.1;

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void check_options(const NewtonOptions& opt) {
  auto bad = [](const char* arg, const std::string& what) {
    throw SolverError("ERR_INVALID_ARGUMENT", std::string("sinkhornNewton: ") + what, -1, arg);
  };
  if (!(opt.tol >= 0.0) || !std::isfinite(opt.tol))
    bad("tol", "tol must be a finite number >= 0, received " + num(opt.tol));
  if (opt.warmup_iterations < 0)
    bad("warmupIterations",
        "warmupIterations must be >= 0, received " + std::to_string(opt.warmup_iterations));
  if (opt.max_newton_iterations < 0)
    bad("maxNewtonIterations",
        "maxNewtonIterations must be >= 0, received " + std::to_string(opt.max_newton_iterations));
  if (opt.sparsity < 1)
    bad("sparsity", "sparsity must be >= 1, received " + std::to_string(opt.sparsity));
  if (!(opt.cg_rtol >= 0.0) || !std::isfinite(opt.cg_rtol))
    bad("cg", "cg.rtol must be a finite number >= 0, received " + num(opt.cg_rtol));
  if (!(opt.sparse_drop_tol >= 0.0) || !(opt.sparse_drop_tol < 1.0))
    bad("sparseDropTol", "sparseDropTol must be in [0, 1), received " + num(opt.sparse_drop_tol));
}

// ‖r − a‖₁ + ‖c − b‖₁ (fixed order).
double marginal_error(const Problem& p, const double* r, const double* c) {
  double s = 0.0;
  for (int64_t i = 0; i < p.n; ++i) s += std::fabs(r[i] - p.a[i]);
  for (int64_t j = 0; j < p.m; ++j) s += std::fabs(c[j] - p.b[j]);
  return s;
}

double max_abs(const double* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s = std::max(s, std::fabs(x[i]));
  return s;
}

bool all_finite(const double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

struct UnionFind {
  std::vector<int32_t> parent;
  explicit UnionFind(int64_t n) : parent(static_cast<size_t>(n)) {
    std::iota(parent.begin(), parent.end(), 0);
  }
  int32_t find(int32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  bool unite(int32_t x, int32_t y) {
    x = find(x);
    y = find(y);
    if (x == y) return false;
    if (x < y) std::swap(x, y);
    parent[x] = y;  // the smaller root wins: deterministic
    return true;
  }
};

// The sparsified Hessian's pattern: kept (i, j) as keys i·m + j, sorted.
struct Pattern {
  std::vector<int64_t> keys;
  double kept = 0.0;  // Σ of the kept P_ij
};

// Row i's `s` largest positive entries (ties: the lower column), written sorted by column to out;
// returns how many (fewer when the row has fewer positive entries).
int64_t row_top(const double* row, int64_t m, int64_t s, std::vector<int32_t>& idx, int32_t* out) {
  int64_t k = 0;
  if (s <= 32) {
    // An insertion buffer sorted by value, descending (k entries).
    for (int64_t j = 0; j < m; ++j) {
      const double v = row[j];
      if (!(v > 0.0)) continue;
      if (k == s && !(v > row[out[k - 1]])) continue;
      int64_t q = k < s ? k++ : s - 1;
      while (q > 0 && v > row[out[q - 1]]) {
        out[q] = out[q - 1];
        --q;
      }
      out[q] = static_cast<int32_t>(j);
    }
  } else {
    idx.clear();
    for (int64_t j = 0; j < m; ++j)
      if (row[j] > 0.0) idx.push_back(static_cast<int32_t>(j));
    auto before = [row](int32_t x, int32_t y) {
      return row[x] > row[y] || (row[x] == row[y] && x < y);
    };
    if (static_cast<int64_t>(idx.size()) > s) {
      std::nth_element(idx.begin(), idx.begin() + s, idx.end(), before);
      idx.resize(static_cast<size_t>(s));
    }
    k = static_cast<int64_t>(idx.size());
    std::copy(idx.begin(), idx.end(), out);
  }
  std::sort(out, out + k);
  return k;
}

// Builds the pattern for density s (s ≥ m: every positive entry), plus every column's largest
// entry and, while the pattern's graph on the n + m vertices has several components, each
// component's largest entry to another one (Borůvka rounds). comp (n + m) gets each vertex's
// component root afterwards (components that no positive entry joins stay apart).
void build_pattern(const Engine& e, int64_t n, int64_t m, const double* P, int64_t s, Pattern& pat,
                   std::vector<int32_t>& comp) {
  pat.keys.clear();
  if (s >= m) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j)
        if (P[i * m + j] > 0.0) pat.keys.push_back(i * m + j);
  } else {
    std::vector<int32_t> top(static_cast<size_t>(n * s));
    std::vector<int64_t> count(static_cast<size_t>(n));
    parallel_run(e.pool, n * m >= ops::kParallelMin, [&](int task, int ntasks) {
      std::vector<int32_t> idx;
      for (int64_t i = n * task / ntasks; i < n * (task + 1) / ntasks; ++i)
        count[i] = row_top(P + i * m, m, s, idx, top.data() + i * s);
    });
    for (int64_t i = 0; i < n; ++i)
      for (int64_t q = 0; q < count[i]; ++q) pat.keys.push_back(i * m + top[i * s + q]);
    // Every column's largest entry (ties: the first row).
    std::vector<double> cmax(static_cast<size_t>(m), 0.0);
    std::vector<int64_t> carg(static_cast<size_t>(m), -1);
    for (int64_t i = 0; i < n; ++i) {
      const double* row = P + i * m;
      for (int64_t j = 0; j < m; ++j)
        if (row[j] > cmax[j]) {
          cmax[j] = row[j];
          carg[j] = i;
        }
    }
    for (int64_t j = 0; j < m; ++j)
      if (carg[j] >= 0) pat.keys.push_back(carg[j] * m + j);
  }
  UnionFind uf(n + m);
  for (int64_t key : pat.keys)
    uf.unite(static_cast<int32_t>(key / m), static_cast<int32_t>(n + key % m));
  // Borůvka rounds over the dense P: each component's largest entry leaving it.
  for (;;) {
    comp.resize(static_cast<size_t>(n + m));
    int64_t roots = 0;
    for (int64_t v = 0; v < n + m; ++v) {
      comp[v] = uf.find(static_cast<int32_t>(v));
      if (comp[v] == v) ++roots;
    }
    if (roots <= 1) break;
    std::vector<double> best(static_cast<size_t>(n + m), 0.0);
    std::vector<int64_t> arg(static_cast<size_t>(n + m), -1);
    for (int64_t i = 0; i < n; ++i) {
      const int32_t ci = comp[i];
      const double* row = P + i * m;
      for (int64_t j = 0; j < m; ++j) {
        const int32_t cj = comp[n + j];
        const double v = row[j];
        if (cj == ci || !(v > 0.0)) continue;
        if (v > best[ci]) best[ci] = v, arg[ci] = i * m + j;
        if (v > best[cj]) best[cj] = v, arg[cj] = i * m + j;
      }
    }
    bool joined = false;
    for (int64_t v = 0; v < n + m; ++v)
      if (arg[v] >= 0 &&
          uf.unite(static_cast<int32_t>(arg[v] / m), static_cast<int32_t>(n + arg[v] % m))) {
        pat.keys.push_back(arg[v]);
        joined = true;
      }
    if (!joined) break;
  }
  std::sort(pat.keys.begin(), pat.keys.end());
  pat.keys.erase(std::unique(pat.keys.begin(), pat.keys.end()), pat.keys.end());
  pat.kept = 0.0;
  for (int64_t key : pat.keys) pat.kept += P[key];
}

// The gauge-fixed system M̃ (symmetric, CSR with sorted columns) on the variables not pinned:
// f_i is variable i, g_j variable n + j; idx maps a variable to its row in M̃ (−1: pinned, one per
// component: its last variable). Only positive entries of the pattern enter M̃.
struct System {
  std::vector<int32_t> idx;  // n + m
  std::vector<int32_t> var;  // N: the variable of each row
  std::vector<int32_t> rowPtr, colIdx;
  std::vector<double> values;
  int64_t N = 0;
  CsrView view() const { return CsrView{N, N, rowPtr.data(), colIdx.data(), values.data()}; }
};

void build_system(int64_t n, int64_t m, const double* P, const double* r, const double* c,
                  const Pattern& pat, const std::vector<int32_t>& comp, bool pin, double shift,
                  System& sys) {
  const int64_t V = n + m;
  sys.idx.assign(static_cast<size_t>(V), 0);
  // The last variable of each component is pinned.
  std::vector<int32_t> last(static_cast<size_t>(V), -1);
  for (int64_t v = 0; v < V; ++v) last[comp[v]] = static_cast<int32_t>(v);
  sys.var.clear();
  for (int64_t v = 0; v < V; ++v) {
    if (pin && last[comp[v]] == v) {
      sys.idx[v] = -1;
    } else {
      sys.idx[v] = static_cast<int32_t>(sys.var.size());
      sys.var.push_back(static_cast<int32_t>(v));
    }
  }
  const int64_t N = static_cast<int64_t>(sys.var.size());
  sys.N = N;
  // Row lengths: diagonal plus the pattern's positive entries to unpinned partners.
  std::vector<int32_t> len(static_cast<size_t>(V), 0);
  for (int64_t key : pat.keys) {
    const int64_t i = key / m, j = key % m;
    if (!(P[key] > 0.0) || sys.idx[i] < 0 || sys.idx[n + j] < 0) continue;
    ++len[i];
    ++len[n + j];
  }
  sys.rowPtr.assign(static_cast<size_t>(N + 1), 0);
  for (int64_t k = 0; k < N; ++k) sys.rowPtr[k + 1] = sys.rowPtr[k] + 1 + len[sys.var[k]];
  const int64_t nnz = sys.rowPtr[N];
  sys.colIdx.assign(static_cast<size_t>(nnz), 0);
  sys.values.assign(static_cast<size_t>(nnz), 0.0);
  std::vector<int32_t> fill(static_cast<size_t>(N));
  // f rows: the diagonal first (f variables precede every g variable).
  for (int64_t k = 0; k < N; ++k) {
    fill[k] = sys.rowPtr[k];
    const int32_t v = sys.var[k];
    if (v < n) {
      sys.colIdx[fill[k]] = static_cast<int32_t>(k);
      sys.values[fill[k]++] = r[v] * (1.0 + shift);
    }
  }
  // Off-diagonal entries in key order: f rows get columns by increasing j, g rows by increasing i.
  for (int64_t key : pat.keys) {
    const int64_t i = key / m, j = key % m;
    const int32_t ki = sys.idx[i], kj = sys.idx[n + j];
    if (!(P[key] > 0.0) || ki < 0 || kj < 0) continue;
    sys.colIdx[fill[ki]] = kj;
    sys.values[fill[ki]++] = P[key];
    sys.colIdx[fill[kj]] = ki;
    sys.values[fill[kj]++] = P[key];
  }
  // g rows: the diagonal last.
  for (int64_t k = 0; k < N; ++k) {
    const int32_t v = sys.var[k];
    if (v >= n) {
      sys.colIdx[fill[k]] = static_cast<int32_t>(k);
      sys.values[fill[k]++] = c[v - n] * (1.0 + shift);
    }
  }
}

// Result bookkeeping once f, g are final: exact marginal error, cost, objective, plans.
void write_plans(const Engine& e, const Problem& p, double epsilon, const double* f,
                 const double* g, const double* P, double* plan_dense, csr::Owned* plan_sparse,
                 double drop_tol, OtResult& res) {
  const int64_t n = p.n, m = p.m;
  ScratchVec own;
  if (P == nullptr && (plan_dense != nullptr || plan_sparse != nullptr)) {
    if (plan_dense != nullptr) {
      plan_from_potentials(e, p, epsilon, f, g, plan_dense, nullptr, nullptr);
      P = plan_dense;
    } else {
      own = ops::scratch(e, std::max<int64_t>(n * m, 1));
      plan_from_potentials(e, p, epsilon, f, g, own.data(), nullptr, nullptr);
      P = own.data();
    }
  } else if (plan_dense != nullptr && P != plan_dense) {
    std::memcpy(plan_dense, P, sizeof(double) * static_cast<size_t>(n * m));
  }
  if (plan_sparse != nullptr) {
    double pmax = 0.0;
    for (int64_t k = 0; k < n * m; ++k) pmax = std::max(pmax, P[k]);
    const double cut = drop_tol * pmax;
    csr::Owned& S = *plan_sparse;
    S.rows = n;
    S.cols = m;
    S.rowPtr.assign(static_cast<size_t>(n + 1), 0);
    S.colIdx.clear();
    S.values.clear();
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < m; ++j) {
        const double v = P[i * m + j];
        if (v > 0.0 && v >= cut) {
          if (S.colIdx.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max()))
            throw SolverError("ERR_UNSUPPORTED",
                              "sinkhornNewton: the sparse plan has more than 2^31 - 1 nonzeros; "
                              "raise sparseDropTol or ask for a dense plan",
                              -1, "plan");
          S.colIdx.push_back(static_cast<int32_t>(j));
          S.values.push_back(v);
        }
      }
      S.rowPtr[i + 1] = static_cast<int32_t>(S.colIdx.size());
    }
    res.plan_nnz = static_cast<int64_t>(S.values.size());
  }
}

// ‖M d − y‖₂ / ‖ε∇F‖₂ with the exact M = [[diag(r), P], [Pᵀ, diag(c)]]: two threaded passes
// over P (rows, then blocks of columns), each sum in a fixed order (deterministic).
double forcing(const Engine& e, int64_t n, int64_t m, const double* P, const double* r,
               const double* c, const double* d, const double* y, const double* grad, double eps) {
  const int64_t V = n + m;
  std::vector<double> res(static_cast<size_t>(V));
  const bool par = n * m >= ops::kParallelMin;
  parallel_run(e.pool, par, [&](int task, int ntasks) {
    for (int64_t i = n * task / ntasks; i < n * (task + 1) / ntasks; ++i) {
      const double* row = P + i * m;
      double s = 0.0;
      for (int64_t j = 0; j < m; ++j) s += row[j] * d[n + j];
      res[i] = r[i] * d[i] + s - y[i];
    }
  });
  constexpr int64_t kCols = 256;
  const int64_t blocks = (m + kCols - 1) / kCols;
  parallel_run(e.pool, par, [&](int task, int ntasks) {
    double acc[kCols];
    for (int64_t bk = blocks * task / ntasks; bk < blocks * (task + 1) / ntasks; ++bk) {
      const int64_t j0 = bk * kCols, j1 = std::min(m, j0 + kCols);
      std::fill(acc, acc + (j1 - j0), 0.0);
      for (int64_t i = 0; i < n; ++i) {
        const double* row = P + i * m;
        const double di = d[i];
        for (int64_t j = j0; j < j1; ++j) acc[j - j0] += row[j] * di;
      }
      for (int64_t j = j0; j < j1; ++j) res[n + j] = c[j] * d[n + j] + acc[j - j0] - y[n + j];
    }
  });
  double num = 0.0, den = 0.0;
  for (int64_t v = 0; v < V; ++v) {
    num += res[v] * res[v];
    den += eps * grad[v] * eps * grad[v];
  }
  return den > 0.0 ? std::sqrt(num / den) : 0.0;
}

void report(Control& ctl, int64_t it, int64_t total, double err, double err0, double tol) {
  if (!ctl.wants_progress()) return;
  ProgressInfo pi;
  pi.iteration = it;
  pi.total = total;
  pi.value = err;
  pi.fraction = krylov::progress_fraction(err0, err, tol);
  ctl.progress(pi);
}

// SNS on a problem whose a and b are positive everywhere.
OtResult newton_full(const Engine& e, const Problem& p, double* f, double* g, double* plan_dense,
                     csr::Owned* plan_sparse, const NewtonOptions& opt, Control& ctl) {
  const int64_t n = p.n, m = p.m, V = n + m;
  const double eps = opt.epsilon;
  OtResult res;
  res.method = SinkhornMethod::Log;
  double mass = 0.0;  // Σa (= Σb)
  for (int64_t i = 0; i < n; ++i) mass += p.a[i];

  // Log-domain Sinkhorn blocks (the warm-up and the fallback blocks), warm-started from f, g
  // after the first; history: every check of the block plus its exact final error.
  SinkhornOptions so;
  so.method = SinkhornMethod::Log;
  so.epsilon = eps;
  so.tol = opt.tol;
  so.history = true;
  bool warm = opt.warm_start;
  double err0 = -1.0;  // the first checked error (the progress base)
  auto block = [&](int64_t iterations) {
    so.max_iterations = iterations;
    so.warm_start = warm;
    warm = true;
    OtResult w = sinkhorn(e, p, f, g, nullptr, so, ctl);
    res.warmup_iterations += w.iterations;
    res.iterations += w.iterations;
    if (err0 < 0.0 && !w.history.empty()) err0 = w.history.front();
    if (opt.history) res.history.insert(res.history.end(), w.history.begin(), w.history.end());
    return w;
  };
  const int64_t total = opt.warmup_iterations + opt.max_newton_iterations;

  auto finish = [&](const double* P) {
    finish_from_potentials(e, p, eps, f, g, res);
    write_plans(e, p, eps, f, g, P, plan_dense, plan_sparse, opt.sparse_drop_tol, res);
    return res;
  };
  // The warm-up.
  {
    const OtResult w = block(opt.warmup_iterations);
    if (w.reason != Reason::MaxIterations) {
      res.reason = w.reason;
      return finish(nullptr);
    }
  }

  // The current iterate's P, P1, Pᵀ1; a second set for line-search candidates.
  const int64_t nm = std::max<int64_t>(n * m, 1);
  ScratchVec Pa = ops::scratch(e, nm), Pb = ops::scratch(e, nm);
  ScratchVec work = ops::scratch(e, 4 * V + 2 * V);
  double* P = Pa.data();
  double* Pn = Pb.data();
  double* r = work.data();
  double* c = r + n;
  double* rn = r + V;
  double* cn = rn + n;
  double* fn = r + 2 * V;
  double* gn = fn + n;
  double* d = r + 3 * V;  // the direction in variable order (f then g), 0 where pinned
  double* grad = r + 4 * V;  // ∇F = (a − r, b − c)
  double* dprev = r + 5 * V;
  std::fill(dprev, dprev + V, 0.0);
  bool have_prev = false;

  double cmax = 0.0;
  for (int64_t k = 0; k < n * m; ++k) cmax = std::max(cmax, std::fabs(p.C[k]));

  double S = 0.0, err = 0.0;
  bool P_valid = false;  // P, r, c, S, err describe f, g
  auto refresh = [&]() {
    plan_from_potentials(e, p, eps, f, g, P, r, c);
    S = 0.0;
    for (int64_t i = 0; i < n; ++i) S += r[i];
    err = marginal_error(p, r, c);
    P_valid = true;
    return std::isfinite(err) && std::isfinite(S) && all_finite(f, n) && all_finite(g, m);
  };
  if (!refresh()) {
    res.reason = Reason::NonFinite;
    return finish(nullptr);
  }
  if (err0 < 0.0) err0 = err;

  SolveOptions cgo;
  cgo.max_iterations = opt.cg_max_iterations < 0 ? 10 * V : opt.cg_max_iterations;

  // Densities above s_cap only for small problems (the pattern and CG then cost O(n·m)).
  const int64_t s_cap = m;
  int64_t s = std::min<int64_t>(opt.sparsity, m);
  int64_t fallback = std::max<int64_t>(opt.warmup_iterations, kBlock);  // next block's length
  Pattern pat;
  std::vector<int32_t> comp;
  System sys;
  std::vector<double> rhs, x;
  res.reason = Reason::MaxIterations;
  const double u = std::numeric_limits<double>::epsilon();

  while (true) {
    if (err <= opt.tol) {
      res.reason = Reason::Tol;
      break;
    }
    if (res.newton_iterations >= opt.max_newton_iterations) break;
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    ++res.newton_iterations;
    ++res.iterations;

    // Pattern at density s (doubling while too much mass is dropped), then the system.
    for (;;) {
      build_pattern(e, n, m, P, s, pat, comp);
      if (s >= s_cap || !(S - pat.kept > kMaxDroppedFraction * S)) break;
      s = std::min<int64_t>(2 * s, s_cap);
    }
    int64_t components = 0;
    for (int64_t v = 0; v < V; ++v) components += comp[v] == v;
    // Levenberg–Marquardt shift λ = marginal error / Σa (≤ 1): damps the near-null directions
    // of weak links far from the solution, vanishes (quadratically) near it.
    const double lambda = std::min(1.0, err / mass);
    build_system(n, m, P, r, c, pat, comp, components > 1, lambda, sys);
    const int64_t N = sys.N;
    for (int64_t i = 0; i < n; ++i) grad[i] = p.a[i] - r[i];
    for (int64_t j = 0; j < m; ++j) grad[n + j] = p.b[j] - c[j];
    rhs.resize(static_cast<size_t>(N));
    x.resize(static_cast<size_t>(N));
    for (int64_t k = 0; k < N; ++k) {
      rhs[k] = eps * grad[sys.var[k]];
      x[k] = have_prev ? dprev[sys.var[k]] : 0.0;
    }
    // Inexact Newton: CG to the forcing term η = clamp(√(err/Σa), cg_rtol, 0.1).
    cgo.rtol = std::min(kMaxForcing, std::max(opt.cg_rtol, std::sqrt(err / mass)));
    bool ok = N > 0;
    if (ok) {
      const CsrView A = sys.view();
      // Warm start: the previous direction times its Galerkin factor xᵀb / xᵀAx.
      if (have_prev) {
        std::vector<double> Ax(static_cast<size_t>(N));
        const double xAx = ops::spmv_dot(e, A, x.data(), Ax.data(), x.data());
        const double xb = ops::dot(e, x.data(), rhs.data(), N);
        const double alpha = xAx > 0.0 && std::isfinite(xAx) ? xb / xAx : 0.0;
        for (int64_t k = 0; k < N; ++k) x[k] *= std::isfinite(alpha) ? alpha : 0.0;
      }
      const std::unique_ptr<Preconditioner> M = make_jacobi(A);
      const IterResult cr = cg(e, A, rhs.data(), x.data(), M.get(), cgo, ctl);
      res.cg_iterations += cr.iterations;
      if (cr.reason == Reason::Aborted || cr.reason == Reason::TimeLimit) {
        res.reason = cr.reason;
        break;
      }
      ok = cr.reason == Reason::Rtol || cr.reason == Reason::Atol ||
           cr.reason == Reason::MaxIterations;
    }
    std::fill(d, d + V, 0.0);
    for (int64_t k = 0; k < N; ++k) d[sys.var[k]] = x[k];
    double gd = 0.0, ad = 0.0, absad = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      gd += grad[i] * d[i];
      ad += p.a[i] * d[i];
      absad += p.a[i] * std::fabs(d[i]);
    }
    for (int64_t j = 0; j < m; ++j) {
      gd += grad[n + j] * d[n + j];
      ad += p.b[j] * d[n + j];
      absad += p.b[j] * std::fabs(d[n + j]);
    }
    ok = ok && gd > 0.0 && std::isfinite(gd) && all_finite(d, V);
    // The sparsification's share of the inexact-Newton residual, ‖(M − M̃₀) d‖ / ‖ε∇F‖, where M̃₀
    // is M̃ without the shift λ D (the shift and the CG tolerance are deliberate).
    double eta = 0.0;
    if (ok && s < s_cap) {
      std::vector<double> Ax(static_cast<size_t>(N)), y(static_cast<size_t>(V), 0.0);
      ops::spmv(e, sys.view(), x.data(), Ax.data());
      for (int64_t k = 0; k < N; ++k) {
        const int32_t v = sys.var[k];
        y[v] = Ax[k] - lambda * (v < n ? r[v] : c[v - n]) * d[v];
      }
      // Pinned variables (d = 0 there) have no row in M̃: their residual is M's own.
      for (int64_t v = 0; v < V; ++v)
        if (sys.idx[v] < 0) y[v] = eps * grad[v];
      eta = forcing(e, n, m, P, r, c, d, y.data(), grad, eps);
    }

    // Line search.
    bool accepted = false, aborted = false, damped = false;
    if (ok) {
      // Rounding noise of ΔF: the exp arguments (f_i + g_j − C_ij)/ε carry an absolute error of
      // about u·(|f| + |g| + |C|)/ε, i.e. a relative one in every P_ij.
      const double fg = max_abs(f, n) + max_abs(g, m) + cmax;
      double t = 1.0;
      for (int ls = 0; ls <= kMaxBacktracks; ++ls, t *= 0.5) {
        const StopReason st = ctl.poll();
        if (st != StopReason::None) {
          res.reason = reason_from_stop(st);
          aborted = true;
          break;
        }
        for (int64_t i = 0; i < n; ++i) fn[i] = f[i] + t * d[i];
        for (int64_t j = 0; j < m; ++j) gn[j] = g[j] + t * d[n + j];
        plan_from_potentials(e, p, eps, fn, gn, Pn, rn, cn);
        double Sn = 0.0;
        for (int64_t i = 0; i < n; ++i) Sn += rn[i];
        const double errn = marginal_error(p, rn, cn);
        if (!std::isfinite(Sn) || !std::isfinite(errn)) continue;
        const double dF = t * ad - eps * (Sn - S);
        const double noise =
            8.0 * u * (std::max(S, Sn) * (eps + fg + t * max_abs(d, V)) + t * absad);
        const double gain = t * gd;
        if (gain > kFlat * noise ? dF >= kArmijo * gain : errn < err) {
          std::swap(P, Pn);
          std::copy(fn, fn + n, f);
          std::copy(gn, gn + m, g);
          std::swap(r, rn);
          std::swap(c, cn);
          S = Sn;
          accepted = true;
          // Heavily damped, or little progress in the marginal error: outside the local regime.
          damped = ls >= kDamped || errn > kSlow * err;
          err = errn;
          break;
        }
      }
    }
    if (aborted) break;
    if (opt.history) res.history.push_back(err);
    report(ctl, res.iterations, total, err, err0, opt.tol);
    if (accepted) {
      std::copy(d, d + V, dprev);
      have_prev = true;
      if (eta > kMaxForcing) s = std::min<int64_t>(2 * s, s_cap);
      if (!damped) {
        fallback = std::max<int64_t>(opt.warmup_iterations, kBlock);
        continue;
      }
    } else {
      s = std::min<int64_t>(2 * s, s_cap);
      have_prev = false;
    }
    // A failed or heavily damped step: Newton is outside its local regime here. A block of
    // log-domain Sinkhorn iterations (doubling while Newton keeps failing), then Newton again;
    // Stagnation only when neither makes progress.
    if (err <= opt.tol) continue;
    const double before = err;
    const OtResult w = block(fallback);
    if (w.reason == Reason::Tol || w.reason == Reason::Aborted || w.reason == Reason::TimeLimit ||
        w.reason == Reason::NonFinite) {
      res.reason = w.reason;
      P_valid = false;
      break;
    }
    if (!refresh()) {
      res.reason = Reason::NonFinite;
      P_valid = false;
      break;
    }
    if (!accepted && !(err < before)) {
      res.reason = Reason::Stagnation;
      break;
    }
    fallback *= 2;
  }
  return finish(P_valid ? P : nullptr);
}

}  // namespace

OtResult sinkhorn_newton(const Engine& e, const Problem& p, double* f, double* g,
                         double* plan_dense, csr::Owned* plan_sparse, const NewtonOptions& opt,
                         Control& ctl) {
  validate(p, opt.epsilon);
  check_options(opt);
  const Support sup = support(p);
  if (sup.full) return newton_full(e, p, f, g, plan_dense, plan_sparse, opt, ctl);

  // Run on the support (rows of a and columns of b with positive mass) and map back.
  const int64_t n = p.n, m = p.m;
  const int64_t ns = static_cast<int64_t>(sup.rows.size());
  const int64_t ms = static_cast<int64_t>(sup.cols.size());
  std::vector<double> as(static_cast<size_t>(ns)), bs(static_cast<size_t>(ms));
  std::vector<double> Cs(static_cast<size_t>(ns * ms));
  std::vector<double> fs(static_cast<size_t>(ns), 0.0), gs(static_cast<size_t>(ms), 0.0);
  for (int64_t i = 0; i < ns; ++i) {
    const int64_t ri = sup.rows[i];
    as[i] = p.a[ri];
    if (opt.warm_start) fs[i] = f[ri];
    for (int64_t j = 0; j < ms; ++j) Cs[i * ms + j] = p.C[ri * m + sup.cols[j]];
  }
  for (int64_t j = 0; j < ms; ++j) {
    bs[j] = p.b[sup.cols[j]];
    if (opt.warm_start) gs[j] = g[sup.cols[j]];
  }
  const Problem q{ns, ms, as.data(), bs.data(), Cs.data()};
  std::vector<double> plan_s(plan_dense != nullptr ? static_cast<size_t>(ns * ms) : 0);
  csr::Owned sparse_s;
  OtResult res = newton_full(e, q, fs.data(), gs.data(), plan_dense ? plan_s.data() : nullptr,
                             plan_sparse ? &sparse_s : nullptr, opt, ctl);
  const double ninf = -std::numeric_limits<double>::infinity();
  std::fill(f, f + n, ninf);
  std::fill(g, g + m, ninf);
  for (int64_t i = 0; i < ns; ++i) f[sup.rows[i]] = fs[i];
  for (int64_t j = 0; j < ms; ++j) g[sup.cols[j]] = gs[j];
  if (plan_dense != nullptr) {
    std::fill(plan_dense, plan_dense + n * m, 0.0);
    for (int64_t i = 0; i < ns; ++i)
      for (int64_t j = 0; j < ms; ++j)
        plan_dense[sup.rows[i] * m + sup.cols[j]] = plan_s[i * ms + j];
  }
  if (plan_sparse != nullptr) {
    csr::Owned& S = *plan_sparse;
    S.rows = n;
    S.cols = m;
    S.rowPtr.assign(static_cast<size_t>(n + 1), 0);
    S.colIdx.clear();
    S.values.clear();
    int64_t next = 0;  // the next support row
    for (int64_t i = 0; i < n; ++i) {
      if (next < ns && sup.rows[next] == i) {
        for (int32_t k = sparse_s.rowPtr[next]; k < sparse_s.rowPtr[next + 1]; ++k) {
          S.colIdx.push_back(static_cast<int32_t>(sup.cols[sparse_s.colIdx[k]]));
          S.values.push_back(sparse_s.values[k]);
        }
        ++next;
      }
      S.rowPtr[i + 1] = static_cast<int32_t>(S.colIdx.size());
    }
  }
  return res;
}

}  // namespace ot
}  // namespace itersolve
