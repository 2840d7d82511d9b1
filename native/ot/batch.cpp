// Batched Sinkhorn (ot.hpp, sinkhorn_batch): k pairs of histograms sharing one cost matrix.
//
// Scaling (as resolved from Auto for one pair, on C and ε) runs every active pair at once:
// K = exp(−C/ε) is built once, and each half-iteration is one pass over K for all active pairs,
// W = K·V (n×k) and Z = Kᵀ·U (m×k), with the scalings stored pair-interleaved (row i of U holds
// u_i of every active pair), so the inner loop runs over the pairs, contiguous, and each entry of
// K is loaded once per half-iteration. K·V is split over rows and Kᵀ·U over columns (each output
// entry is summed in one fixed order: results do not depend on the number of threads), both in
// column blocks small enough that the block of V (of Z) being read (updated) stays in cache.
//
// One iteration: u = a / (K v), v = b / (Kᵀ u); then W = K v, which the next iteration's u needs
// and which gives the row marginals u ∘ (K v) of the check (columns are exact after the v update).
// Zero-mass rows (columns) of a pair keep u_i = 0 (v_j = 0): f = −∞ there, as for one pair. A pair
// whose scalings turn non-finite stops with its last finite iterate (Reason::NonFinite), or, with
// method Auto and scaling_fallback, goes on alone as log-domain Sinkhorn from there. Other
// methods run ot::sinkhorn for each pair in turn.
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

// Rows of K·V per task granule and the cache budget (doubles) for a block of V or Z.
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
                                     double* G, const SinkhornOptions& opt, Control& ctl) {
  std::vector<OtResult> results(static_cast<size_t>(std::max<int64_t>(k, 0)));
  auto pair = [&](int64_t c) { return Problem{n, m, A + c * n, B + c * m, C}; };
  for (int64_t c = 0; c < k; ++c) {
    try {
      validate(pair(c), opt.epsilon);
    } catch (const SolverError& err) {
      rethrow_for_pair(err, c);
    }
  }
  if (k <= 0) return results;
  const double eps = opt.epsilon;
  const SinkhornMethod method =
      opt.method == SinkhornMethod::Auto ? resolve_method(pair(0), eps) : opt.method;
  if (method != SinkhornMethod::Scaling) {
    for (int64_t c = 0; c < k; ++c)
      results[c] = sinkhorn(e, pair(c), F + c * n, G + c * m, nullptr, opt, ctl);
    return results;
  }
  if (opt.check_every < 1)
    throw SolverError(
        "ERR_INVALID_ARGUMENT",
        "sinkhornBatch: checkEvery must be >= 1, received " + std::to_string(opt.check_every), -1,
        "checkEvery");

  // Pairs that cannot start in the shared scaling loop (a warm start whose scalings are not
  // finite) run alone; the rest are the active set.
  const double inv_eps = 1.0 / eps;
  std::vector<int64_t> active;
  std::vector<bool> alone(static_cast<size_t>(k), false);
  for (int64_t c = 0; c < k; ++c) {
    results[c].method = SinkhornMethod::Scaling;
    if (opt.warm_start) {
      bool ok = true;
      for (int64_t i = 0; i < n && ok; ++i)
        if (A[c * n + i] > 0.0) ok = std::isfinite(std::exp(F[c * n + i] * inv_eps));
      for (int64_t j = 0; j < m && ok; ++j)
        if (B[c * m + j] > 0.0) ok = std::isfinite(std::exp(G[c * m + j] * inv_eps));
      if (!ok) {
        alone[c] = true;
        continue;
      }
    }
    active.push_back(c);
  }

  const int64_t nm = n * m;
  ScratchVec Kbuf = ops::scratch(e, std::max<int64_t>(nm, 1));
  double* K = Kbuf.data();
  parallel_run(e.pool, nm >= ops::kParallelMin, [&](int task, int ntasks) {
    const int64_t i0 = n * task / ntasks, i1 = n * (task + 1) / ntasks;
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j < m; ++j) K[i * m + j] = std::exp(-C[i * m + j] * inv_eps);
  });

  int64_t ka = static_cast<int64_t>(active.size());
  // Pair-interleaved scalings: U (n×ka), V (m×ka), W = K·V, Z = Kᵀ·U, and the last finite U, V.
  std::vector<double> U(static_cast<size_t>(n * ka)), V(static_cast<size_t>(m * ka));
  std::vector<double> W(static_cast<size_t>(n * ka)), Z(static_cast<size_t>(m * ka));
  std::vector<double> Uok(U.size()), Vok(V.size());
  for (int64_t q = 0; q < ka; ++q) {
    const int64_t c = active[q];
    for (int64_t i = 0; i < n; ++i)
      U[i * ka + q] =
          A[c * n + i] > 0.0 ? (opt.warm_start ? std::exp(F[c * n + i] * inv_eps) : 1.0) : 0.0;
    for (int64_t j = 0; j < m; ++j)
      V[j * ka + q] =
          B[c * m + j] > 0.0 ? (opt.warm_start ? std::exp(G[c * m + j] * inv_eps) : 1.0) : 0.0;
  }
  Uok = U;
  Vok = V;

  // Writes pair q's potentials from the last finite scalings.
  auto write_potentials = [&](int64_t q) {
    const int64_t c = active[q];
    for (int64_t i = 0; i < n; ++i) F[c * n + i] = eps * std::log(Uok[i * ka + q]);
    for (int64_t j = 0; j < m; ++j) G[c * m + j] = eps * std::log(Vok[j * ka + q]);
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

  std::vector<double> first_err(static_cast<size_t>(k), -1.0);
  double progress_base = -1.0;
  std::vector<int64_t> nonfinite;  // pairs that turned non-finite (for the Log fallback)
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
    // u = a / (K v)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t q = 0; q < ka; ++q) {
        const double a = A[active[q] * n + i];
        U[i * ka + q] = a > 0.0 ? a / W[i * ka + q] : 0.0;
      }
    kt_times(e, K, n, m, U.data(), ka, Z.data());
    // v = b / (Kᵀ u)
    for (int64_t j = 0; j < m; ++j)
      for (int64_t q = 0; q < ka; ++q) {
        const double b = B[active[q] * m + j];
        V[j * ka + q] = b > 0.0 ? b / Z[j * ka + q] : 0.0;
      }
    // Non-finite scalings stop the pair at its last finite iterate.
    bool any_done = false;
    for (int64_t q = 0; q < ka; ++q) {
      bool finite = true;
      for (int64_t i = 0; i < n && finite; ++i) finite = std::isfinite(U[i * ka + q]);
      for (int64_t j = 0; j < m && finite; ++j) finite = std::isfinite(V[j * ka + q]);
      OtResult& res = results[active[q]];
      if (!finite) {
        res.reason = Reason::NonFinite;
        res.iterations = it - 1;
        write_potentials(q);
        nonfinite.push_back(active[q]);
        done[q] = 1;
        any_done = true;
        continue;
      }
      res.iterations = it;
      for (int64_t i = 0; i < n; ++i) Uok[i * ka + q] = U[i * ka + q];
      for (int64_t j = 0; j < m; ++j) Vok[j * ka + q] = V[j * ka + q];
    }
    k_times(e, K, n, m, V.data(), ka, W.data());
    const bool check = it % opt.check_every == 0 || it == opt.max_iterations;
    if (check) {
      double worst = 0.0;
      for (int64_t q = 0; q < ka; ++q) {
        if (done[q]) continue;
        const int64_t c = active[q];
        double err = 0.0;
        for (int64_t i = 0; i < n; ++i)
          err += std::fabs(U[i * ka + q] * W[i * ka + q] - A[c * n + i]);
        OtResult& res = results[c];
        if (opt.history) res.history.push_back(err);
        if (!std::isfinite(err)) {
          res.reason = Reason::NonFinite;
          write_potentials(q);
          nonfinite.push_back(c);
          done[q] = 1;
          any_done = true;
          continue;
        }
        if (first_err[c] < 0.0) first_err[c] = err;
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
    }
    if (any_done) compact();
  }
  // Pairs still active ran out of iterations.
  for (int64_t q = 0; q < ka; ++q) {
    results[active[q]].reason = Reason::MaxIterations;
    write_potentials(q);
  }
  // Non-finite pairs under Auto: go on alone as log-domain Sinkhorn from the last finite iterate.
  if (opt.method == SinkhornMethod::Auto && opt.scaling_fallback) {
    for (int64_t c : nonfinite) {
      SinkhornOptions o = opt;
      o.method = SinkhornMethod::Log;
      o.warm_start = true;
      o.max_iterations = std::max<int64_t>(opt.max_iterations - results[c].iterations, 0);
      const int64_t used = results[c].iterations;
      std::vector<double> hist = results[c].history;
      results[c] = sinkhorn(e, pair(c), F + c * n, G + c * m, nullptr, o, ctl);
      results[c].iterations += used;
      if (opt.history)
        hist.insert(hist.end(), results[c].history.begin(), results[c].history.end());
      results[c].history = hist;
    }
  }
  for (int64_t c = 0; c < k; ++c) {
    if (alone[c]) {
      results[c] = sinkhorn(e, pair(c), F + c * n, G + c * m, nullptr, opt, ctl);
      continue;
    }
    const OtResult& r = results[c];
    if (r.method == SinkhornMethod::Scaling)
      finish_from_potentials(e, pair(c), eps, F + c * n, G + c * m, results[c]);
  }
  return results;
}

}  // namespace ot
}  // namespace itersolve
