// Randomized iterative sketching for consistent linear systems A x = b, A m×n (rectangular,
// possibly indefinite). Pure C++ (no Node).
#pragma once
#include <cstdint>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"

namespace itersolve {

enum class SketchKind : int { Kaczmarz = 0, BlockKaczmarz = 1, Gaussian = 2 };
enum class RowSampling : int { Norm = 0, Uniform = 1 };  // rows ∝ ‖a_i‖², or uniformly

struct SketchOptions {
  SketchKind kind = SketchKind::Kaczmarz;
  RowSampling sampling = RowSampling::Norm;
  int64_t block_size = 8;       // rows per block (block-kaczmarz), sketch columns (gaussian)
  uint64_t seed = 1;            // the whole run is a function of (A, b, x0, options, seed)
  double rtol = 1e-8;
  double atol = 0.0;
  int64_t max_iterations = 0;   // projection steps
  bool history = false;         // residual norm after each step (history[0] = initial)
  int64_t true_residual_every = 0;  // recompute r = b − A x every k steps (0: only at the end)
};

// x (length n) holds x0 on entry. One iteration = one projection step (one row, one block, one
// Gaussian sketch). The residual r = b − A x (length m) and ‖r‖² are updated incrementally after
// each step (never recomputed every step); they are re-synchronised every true_residual_every
// steps, when the incremental norm says converged (confirmed against the true residual), and at
// exit. Stopping test ‖b − A x‖₂ ≤ max(rtol‖b‖, atol). IterResult.value = true ‖b − A x‖ at exit.
// Throws SolverError("ERR_INVALID_ARGUMENT") for a bad option, ("ERR_INVALID_MATRIX") when
// every row of A is zero.
IterResult sketch_solve(const Engine& e, const CsrView& A, const double* b, double* x,
                        const SketchOptions& opt, Control& ctl);

}  // namespace itersolve
