// Helpers the solver bindings (krylov, batch, sketch, eigen) share: numeric parameters read from
// an io array, the finite / overlap checks, and writing a result's stats.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "../native/core/ops.hpp"
#include "../native/core/result.hpp"
#include "common.hpp"
#include "layout.hpp"

namespace itersolve {
namespace binding {

// io[slot] as an integer in [lo, hi] (ERR_INVALID_ARGUMENT naming `name` otherwise).
int64_t param_int(Napi::Env env, double v, const char* name, int64_t lo, int64_t hi);
// rtol, atol: finite and >= 0.
void check_tolerances(Napi::Env env, double rtol, double atol);
// A time budget in ms: >= 0 (0 = none).
double param_time_limit(Napi::Env env, double v);

// Where an io layout keeps the stopping options every solver has (trueResidualEvery -1: a
// layout without that slot, e.g. the stationary methods, whose residual is always the true one).
struct StopSlots {
  int rtol, atol, maxIterations, history, trueResidualEvery;
};
// Reads them into any options struct with rtol, atol, max_iterations, history and
// true_residual_every (SolveOptions, SketchOptions); maxIterations must be >= minIterations.
template <class Opt>
void read_stopping(Napi::Env env, const double* p, StopSlots s, Opt& opt,
                   int64_t minIterations = 0) {
  opt.rtol = p[s.rtol];
  opt.atol = p[s.atol];
  check_tolerances(env, opt.rtol, opt.atol);
  opt.max_iterations =
      param_int(env, p[s.maxIterations], "maxIterations", minIterations, int64_t{1} << 52);
  opt.history = p[s.history] != 0;
  opt.true_residual_every =
      s.trueResidualEvery < 0
          ? 0
          : param_int(env, p[s.trueResidualEvery], "trueResidualEvery", 0, int64_t{1} << 52);
}

// Throws SolverError(ERR_INVALID_ARGUMENT, argument `name`) when v has a non-finite entry,
// naming its index (one fast pass; the index is looked for only on failure).
// Returns ‖v‖₂ (finite entries whose norm overflows give +inf and pass).
double require_finite(const Engine& e, const double* v, int64_t n, const char* name);

// The solution buffer (nx entries) must not overlap the right-hand side (nb entries): a solver
// writes x while it still reads b.
void check_distinct(Napi::Env env, const double* b, int64_t nb, const double* x, int64_t nx,
                    const char* xname = "out", const char* bname = "b");

// The stats of a solve, in the layout's solve_stats order.
void write_solve_stats(double* s, const IterResult& r, double elapsedMs);

// The history as a Float64Array when wanted, else undefined.
Napi::Value history_value(Napi::Env env, const IterResult& r, bool wanted);

std::string square_message(const CsrView& A);

}  // namespace binding
}  // namespace itersolve
