// Batched Sinkhorn (ot.hpp, sinkhorn_batch): k pairs of histograms sharing one cost matrix.
//
// Scaling (as resolved from Auto for one pair, on C and ε) runs every active pair at once:
// K = exp((min C − C)/ε) is built once, and each half-iteration is one pass over K for all active
// pairs, W = K·V (n×k) and Z = Kᵀ·U (m×k), with the scalings stored pair-interleaved (row i of U
// holds u_i of every active pair), so the inner loop runs over the pairs, contiguous, and each
// entry of K is loaded once per half-iteration. K·V is split over rows and Kᵀ·U over columns (each
// output entry is summed in one fixed order: results do not depend on the number of threads), both
// in column blocks small enough that the block of V (of Z) being read (updated) stays in cache.
//
// One iteration: u = a / (K v), v = b / (Kᵀ u); then W = K v, which the next iteration's u needs
// and which gives the row marginals u ∘ (K v) of the check (columns are exact after the v update).
// Start, checks (a row error that meets tol confirmed by the exact error of both sides),
// potentials (f = ε log u + min C − G, g = ε log v + G, G the warm start's max g) and the final
// exact check are those of ot::sinkhorn's Scaling, so a pair gets what a call of
// its own gets (up to rounding: the sums run in another order). Zero-mass rows (columns) of a
// pair keep u_i = 0 (v_j = 0): f = −∞ there, as for one pair. A pair whose scalings turn zero or
// non-finite stops with its last finite iterate (Reason::NonFinite), or, with method Auto and
// scaling_fallback, goes on alone as log-domain Sinkhorn from there. Other methods run
// ot::sinkhorn for each pair in turn.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../krylov/krylov.hpp"
#include "ot.hpp"

namespace itersolve {
namespace ot {
namespace {

// The cache budget (doubles) for the block of V (of Z) a pass reads (updates).
constexpr int64_t kBlockDoubles = 4096;

// W (n×ka, row-major) = K (n×m) · V (m×ka, row-major).
void k_times(const Engine& e, const double* K, int64_t n, int64_t m, const double* V, int64_t ka,
             double* W) {
  const int64_t J = std::max<int64_t>(16, kBlockDoubles / ka);  // columns of K per block
  parallel_run(e.pool, n * m * ka >= ops::kParallelMin, [&](int task, int ntasks) {
    const int64_t i0 = n * task / ntasks, i1 = n * (task + 1) / ntasks;
    std::fill(W + i0 * ka, W + i1 * ka, 0.0);
    for (int64_t j0 = 0; j0 < m; j0 += J) {
      const int64_t j1 = std::min(m, j0 + J);
      for (int64_t i = i0; i < i1; ++i) {
        const double* __restrict krow = K + i * m;
        double* __restrict w = W + i * ka;
        for (int64_t j = j0; j < j1; ++j) {
          const double kij = krow[j];
          const double* __restrict v = V + j * ka;
          for (int64_t q = 0; q < ka; ++q) w[q] += kij * v[q];
        }
      }
    }
  });
}

// Z (m×ka) = Kᵀ · U (U: n×ka).
void kt_times(const Engine& e, const double* K, int64_t n, int64_t m, const double* U, int64_t ka,
              double* Z) {
  const int64_t J = std::max<int64_t>(16, kBlockDoubles / ka);
  parallel_run(e.pool, n * m * ka >= ops::kParallelMin, [&](int task, int ntasks) {
    const int64_t c0 = m * task / ntasks, c1 = m * (task + 1) / ntasks;
    std::fill(Z + c0 * ka, Z + c1 * ka, 0.0);
    for (int64_t j0 = c0; j0 < c1; j0 += J) {
      const int64_t j1 = std::min(c1, j0 + J);
      for (int64_t i = 0; i < n; ++i) {
        const double* __restrict krow = K + i * m;
        const double* __restrict u = U + i * ka;
        for (int64_t j = j0; j < j1; ++j) {
          const double kij = krow[j];
          double* __restrict z = Z + j * ka;
          for (int64_t q = 0; q < ka; ++q) z[q] += kij * u[q];
        }
      }
    }
  });
}

// Re-throws a pair's validation error under the batch's argument names (A, B), with the pair.
[[noreturn]] void rethrow_for_pair(const SolverError& err, int64_t c) {
  std::string arg = err.argument;
  if (arg == "a") arg = "A";
  else if (arg == "b") arg = "B";
  throw SolverError(err.code, "pair " + std::to_string(c) + ": " + err.what(), err.row, arg,
                    err.line);
}

}  // namespace

std::vector<OtResult> sinkhorn_batch(const Engine& e, int64_t n, int64_t m, int64_t k,
                                     const double* A, const double* B, const double* C, double* F,
                                     double* G, const SinkhornOptions& options, Control& ctl) {
  std::vector<OtResult> results(static_cast<size_t>(std::max<int64_t>(k, 0)));
  auto pair = [&](int64_t c) { return Problem{n, m, A + c * n, B + c * m, C}; };
  for (int64_t c = 0; c < k; ++c) {
    try {
      validate(pair(c), options.epsilon);
    } catch (const SolverError& err) {
      rethrow_for_pair(err, c);
    }
  }
  if (k <= 0) return results;
  const double eps = options.epsilon;
  const SinkhornMethod method =
      options.method == SinkhornMethod::Auto ? resolve_method(pair(0), eps) : options.method;
  if (method != SinkhornMethod::Scaling) {
    for (int64_t c = 0; c < k; ++c)
      results[c] = sinkhorn(e, pair(c), F + c * n, G + c * m, nullptr, options, ctl);
    return results;
  }
  SinkhornOptions opt = options;  // normalised as ot::sinkhorn does
  if (opt.check_every < 1) opt.check_every = 1;
  if (opt.max_iterations < 0) opt.max_iterations = 0;
  if (!(opt.tol >= 0.0)) opt.tol = 0.0;

  const double inv_eps = 1.0 / eps;
  const int64_t nm = n * m;
  // K = exp((c0 − C)/ε) with c0 = min C (as for one pair: entries in [exp(−range/ε), 1]).
  double c0 = std::numeric_limits<double>::infinity();
  for (int64_t q = 0; q < nm; ++q) c0 = std::min(c0, C[q]);
  ScratchVec Kbuf = ops::scratch(e, std::max<int64_t>(nm, 1));
  double* K = Kbuf.data();
  parallel_run(e.pool, nm >= ops::kParallelMin, [&](int task, int ntasks) {
    for (int64_t i = n * task / ntasks; i < n * (task + 1) / ntasks; ++i)
      e.k->exp_row(nullptr, C + i * m, c0, inv_eps, K + i * m, m);
  });

  // Start: v = 1, or from a warm start v_j = exp((g_j − G)/ε), G = max g on the support (only v
  // matters: the first update computes u from it). Zero-mass entries stay 0.
  std::vector<int64_t> active(static_cast<size_t>(k));
  std::vector<double> shift(static_cast<size_t>(k), 0.0);  // G per pair
  int64_t ka = k;
  std::vector<double> U(static_cast<size_t>(n * ka), 0.0), V(static_cast<size_t>(m * ka));
  std::vector<double> W(static_cast<size_t>(n * ka)), Z(static_cast<size_t>(m * ka));
  for (int64_t q = 0; q < k; ++q) {
    active[q] = q;
    results[q].method = SinkhornMethod::Scaling;
    const double* gq = G + q * m;
    const double* bq = B + q * m;
    if (opt.warm_start) {
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < n; ++i)
        if (A[q * n + i] > 0.0 && !std::isfinite(F[q * n + i]))
          throw SolverError("ERR_INVALID_ARGUMENT",
                            "pair " + std::to_string(q) + ": warm start f[" + std::to_string(i) +
                                "] is not finite",
                            -1, "warmStart");
      for (int64_t j = 0; j < m; ++j)
        if (bq[j] > 0.0) {
          if (!std::isfinite(gq[j]))
            throw SolverError("ERR_INVALID_ARGUMENT",
                              "pair " + std::to_string(q) + ": warm start g[" + std::to_string(j) +
                                  "] is not finite",
                              -1, "warmStart");
          mx = std::max(mx, gq[j]);
        }
      shift[q] = mx;
    }
    for (int64_t j = 0; j < m; ++j)
      V[j * ka + q] =
          bq[j] > 0.0 ? (opt.warm_start ? std::exp((gq[j] - shift[q]) * inv_eps) : 1.0) : 0.0;
  }
  std::vector<double> Uok(U), Vok(V);  // the last finite iterate

  // Pair q's potentials: from its last finite iterate, or (no iteration yet) the start
  // potentials (zeros without a warm start); −∞ on zero-mass entries.
  const double ninf = -std::numeric_limits<double>::infinity();
  auto write_potentials = [&](int64_t q) {
    const int64_t c = active[q];
    const bool iterated = results[c].iterations > 0;
    for (int64_t i = 0; i < n; ++i) {
      double& fi = F[c * n + i];
      if (!(A[c * n + i] > 0.0)) fi = ninf;
      else if (iterated) fi = eps * std::log(Uok[i * ka + q]) + c0 - shift[c];
      else if (!opt.warm_start) fi = 0.0;
    }
    for (int64_t j = 0; j < m; ++j) {
      double& gj = G[c * m + j];
      if (!(B[c * m + j] > 0.0)) gj = ninf;
      else if (iterated) gj = eps * std::log(Vok[j * ka + q]) + shift[c];
      else if (!opt.warm_start) gj = 0.0;
    }
  };
  // Removes the pairs whose done flag is set from the interleaved arrays.
  std::vector<char> done(static_cast<size_t>(ka), 0);
  auto compact = [&]() {
    std::vector<int64_t> keep;
    for (int64_t q = 0; q < ka; ++q)
      if (!done[q]) keep.push_back(q);
    const int64_t kn = static_cast<int64_t>(keep.size());
    if (kn == ka) return;
    auto pack = [&](std::vector<double>& X, int64_t rows) {
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t q = 0; q < kn; ++q) X[i * kn + q] = X[i * ka + keep[q]];
      X.resize(static_cast<size_t>(rows * kn));
    };
    pack(U, n);
    pack(V, m);
    pack(W, n);
    pack(Uok, n);
    pack(Vok, m);
    std::vector<int64_t> act(static_cast<size_t>(kn));
    for (int64_t q = 0; q < kn; ++q) act[q] = active[keep[q]];
    active.swap(act);
    ka = kn;
    done.assign(static_cast<size_t>(ka), 0);
    Z.resize(static_cast<size_t>(m * ka));
  };

  // One iteration: u = a / (K v), v = b / (Kᵀ u); then W = K v, the next iteration's (K v) and
  // the check's row marginals u ∘ (K v) of this iterate (columns are exact after the v update).
  // As for one pair, the iterate after `it` iterations is checked when it is a multiple of
  // check_every below max_iterations; the last one exactly, from its potentials, at the end.
  std::vector<int64_t> nonfinite;  // pairs that turned non-finite (for the Log fallback)
  double progress_base = -1.0;
  if (ka > 0) k_times(e, K, n, m, V.data(), ka, W.data());
  for (int64_t it = 1; it <= opt.max_iterations && ka > 0; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      for (int64_t q = 0; q < ka; ++q) {
        results[active[q]].reason = reason_from_stop(stop);
        write_potentials(q);
      }
      ka = 0;
      break;
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t q = 0; q < ka; ++q) {
        const double a = A[active[q] * n + i];
        U[i * ka + q] = a > 0.0 ? a / W[i * ka + q] : 0.0;
      }
    kt_times(e, K, n, m, U.data(), ka, Z.data());
    for (int64_t j = 0; j < m; ++j)
      for (int64_t q = 0; q < ka; ++q) {
        const double b = B[active[q] * m + j];
        V[j * ka + q] = b > 0.0 ? b / Z[j * ka + q] : 0.0;
      }
    // A scaling that is zero or not finite on the support stops the pair at its last finite
    // iterate.
    bool any_done = false;
    for (int64_t q = 0; q < ka; ++q) {
      const int64_t c = active[q];
      bool ok = true;
      for (int64_t i = 0; i < n && ok; ++i)
        ok = !(A[c * n + i] > 0.0) || (U[i * ka + q] > 0.0 && std::isfinite(U[i * ka + q]));
      for (int64_t j = 0; j < m && ok; ++j)
        ok = !(B[c * m + j] > 0.0) || (V[j * ka + q] > 0.0 && std::isfinite(V[j * ka + q]));
      if (!ok) {
        results[c].reason = Reason::NonFinite;
        write_potentials(q);
        nonfinite.push_back(c);
        done[q] = 1;
        any_done = true;
        continue;
      }
      results[c].iterations = it;
      for (int64_t i = 0; i < n; ++i) Uok[i * ka + q] = U[i * ka + q];
      for (int64_t j = 0; j < m; ++j) Vok[j * ka + q] = V[j * ka + q];
    }
    if (any_done) compact();
    if (ka == 0 || it == opt.max_iterations) break;
    k_times(e, K, n, m, V.data(), ka, W.data());
    if (it % opt.check_every != 0) continue;
    double worst = 0.0;
    for (int64_t q = 0; q < ka; ++q) {
      const int64_t c = active[q];
      double err = 0.0;
      for (int64_t i = 0; i < n; ++i)
        err += std::fabs(U[i * ka + q] * W[i * ka + q] - A[c * n + i]);
      OtResult& res = results[c];
      if (err <= opt.tol) {
        // An estimate (the columns are b only up to rounding): confirmed on both sides exactly,
        // from the potentials the pair would return (the final check's bits); the pair goes on
        // when the exact error misses tol.
        write_potentials(q);
        OtResult exact;
        finish_from_potentials(e, pair(c), eps, F + c * n, G + c * m, exact);
        err = exact.marginal_error;
      }
      if (opt.history) res.history.push_back(err);
      if (!std::isfinite(err)) {
        res.reason = Reason::NonFinite;
        write_potentials(q);
        nonfinite.push_back(c);
        done[q] = 1;
        any_done = true;
        continue;
      }
      if (err <= opt.tol) {
        res.reason = Reason::Tol;
        write_potentials(q);
        done[q] = 1;
        any_done = true;
        continue;
      }
      worst = std::max(worst, err);
    }
    if (progress_base < 0.0 && worst > 0.0) progress_base = worst;
    if (ctl.wants_progress()) {
      ProgressInfo pi;
      pi.iteration = it;
      pi.total = opt.max_iterations;
      pi.value = worst;
      pi.fraction = krylov::progress_fraction(progress_base, worst, opt.tol);
      ctl.progress(pi);
    }
    if (any_done) compact();
  }
  // Pairs still active ran out of iterations: their last iterate is checked exactly below.
  for (int64_t q = 0; q < ka; ++q) {
    results[active[q]].reason = Reason::MaxIterations;
    write_potentials(q);
  }
  // Non-finite pairs under Auto: go on alone as log-domain Sinkhorn from the last finite iterate.
  std::vector<bool> fell_back(static_cast<size_t>(k), false);
  if (opt.method == SinkhornMethod::Auto && opt.scaling_fallback) {
    for (int64_t c : nonfinite) {
      SinkhornOptions o = opt;
      o.method = SinkhornMethod::Log;
      o.warm_start = true;
      const int64_t used = results[c].iterations;
      o.max_iterations = std::max<int64_t>(opt.max_iterations - used, 0);
      std::vector<double> hist = results[c].history;
      results[c] = sinkhorn(e, pair(c), F + c * n, G + c * m, nullptr, o, ctl);
      results[c].iterations += used;
      hist.insert(hist.end(), results[c].history.begin(), results[c].history.end());
      results[c].history = hist;
      fell_back[c] = true;
    }
  }
  for (int64_t c = 0; c < k; ++c) {
    if (fell_back[c]) continue;
    OtResult& r = results[c];
    finish_from_potentials(e, pair(c), eps, F + c * n, G + c * m, r);
    if (r.reason == Reason::MaxIterations) {
      if (opt.history) r.history.push_back(r.marginal_error);
      if (r.marginal_error <= opt.tol) r.reason = Reason::Tol;
    }
  }
  return results;
}

}  // namespace ot
}  // namespace itersolve
