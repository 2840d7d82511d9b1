// Group Lasso by block coordinate descent (native/bcd/). Pure C++ (no Node).
//
// Objective, with sample weights s (Σ s = S; none: s = 1, S = n), groups g = 1..G partitioning the
// features and group weights ω_g ≥ 0:
//     P(w, c) = (1/(2S)) Σ_i s_i (y_i − x_iᵀw − c)² + λ Σ_g ω_g ‖w_g‖₂.
// c = 0 without fit_intercept; with it, c is the weighted mean of y − Xw (X and y centred
// implicitly through design.hpp's Centered: X is never copied, sparse X never densified).
// ω_g defaults to √|g| (the fixture's and the usual convention); ω_g = 0 leaves group g
// unpenalised. A group with one feature and ω = 1 is a lasso coordinate: singleton groups give
// bcd::lasso's solution.
//
// Groups: from offsets (G + 1 entries, offsets[0] = 0, strictly increasing, offsets[G] = p: group
// g holds the features offsets[g] .. offsets[g+1] − 1) or from labels (p integers, any values,
// groups need not be contiguous: group g holds the features whose label is the g-th smallest
// distinct label value, in increasing feature order).
//
// Method: block coordinate descent, one proximal gradient step per block: with v_g = X̃_gᵀ S r
// (X̃ the centred columns, r the residual) and L_g = λ_max(X̃_gᵀ S X̃_g) (exact, by Jacobi
// rotations on the group's Gram matrix, for groups of at most kExactGroup features; by power
// iterations, with a 1 % margin, above), w_g ← BST(w_g + v_g/L_g, λSω_g/L_g), the block
// soft-thresholding BST(z, t) = max(0, 1 − t/‖z‖)·z; on groups whose Gram matrix is kept, up to
// block_steps such steps per visit (the gradient updated through the Gram matrix, the residual
// once). Around it, as in bcd::lasso: a working set of
// groups (the support plus the groups whose dual constraint is closest to active, twice the
// support, never below a floor that doubles when an outer iteration fails to lower the gap), each
// subproblem solved to 0.3× the outer gap; Anderson extrapolation of the working-set iterates
// every anderson_every epochs, kept only when it lowers the objective; Gap Safe screening of
// groups with the rescaled-residual dual point: ‖X̃_gᵀSθ‖ + √L̄_g·√(2·gap) < λSω_g ⇒ w_g = 0 at the
// solution (L̄_g a certified upper bound of L_g: the exact value, or ‖X̃_g‖²_F for large groups).
// Unpenalised groups (ω_g = 0; at most kExactUnpenalised features in all): before every gap
// evaluation their coordinates are refitted jointly and exactly (Cholesky of their Gram matrix),
// so that X̃_uᵀSr = 0, the rescaled residual is dual feasible and the gap a true bound; with more
// unpenalised features they are only block-updated like the others, the gap is then exact only
// at the solution, and screening is off.
//
// Stopping rule (as bcd::lasso, sklearn's): the duality gap of P at the dual point θ = (residual
// rescaled so that max_g ‖X̃_gᵀSθ‖/ω_g ≤ λS over the penalised groups) is ≤ tol·Σ_i s_i (y_i − ȳ)²/S
// (ȳ = 0 without intercept) → Reason::Tol. Other outcomes: MaxIterations (max_iterations epochs
// — one epoch is one pass over the working set's groups — spent), Aborted / TimeLimit
// (ctl.poll() once per epoch; the result holds the current iterate), NonFinite (the result holds
// the last finite iterate). Progress (ctl.progress) once per outer iteration: the gap.
//
// λ ≥ group_lambda_max(...) gives exactly w = 0 (unpenalised groups still fitted). Errors
// (SolverError naming the argument): "X" / "y" non-finite or mismatched, "sampleWeight" negative /
// non-finite / wrong length / summing to zero, "groups" malformed (offsets: not starting at 0,
// not ending at p, not strictly increasing — an empty group —, wrong length; labels: not p of
// them), "groupWeights" negative / non-finite / not G of them, "lambda" < 0 or non-finite,
// "tol", "maxIterations", "w0" wrong length.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"
#include "design.hpp"

namespace itersolve {
namespace bcd {

// The features of each group: group g is idx[ptr[g] .. ptr[g+1]).
struct Groups {
  std::vector<int64_t> ptr;  // G + 1 entries
  std::vector<int64_t> idx;  // p entries (a permutation of 0..p−1)
  int64_t count() const { return static_cast<int64_t>(ptr.size()) - 1; }
  int64_t size(int64_t g) const { return ptr[g + 1] - ptr[g]; }
};
// Throw SolverError naming "groups" (ERR_INVALID_ARGUMENT; ERR_DIMENSION_MISMATCH for a length).
Groups groups_from_offsets(const int32_t* offsets, int64_t length, int64_t p);
Groups groups_from_labels(const int32_t* labels, int64_t length, int64_t p);

// Groups at most this large get their L_g exactly (Jacobi on the Gram matrix).
constexpr int64_t kExactGroup = 128;
// Unpenalised features refitted exactly (see above) when there are at most this many.
constexpr int64_t kExactUnpenalised = 1024;

struct GroupLassoOptions {
  double lambda = 1.0;
  bool fit_intercept = true;
  double tol = 1e-4;
  int64_t max_iterations = 1000;  // epochs
  bool working_set = true;
  int64_t working_set_start = 10;  // groups in the first working set (at least)
  bool screening = true;  // Gap Safe
  bool anderson = true;
  int anderson_every = 5;
  // Proximal gradient steps per block visit on groups of 2..kExactGroup features whose Gram
  // matrix is kept (all of them while Σ|g|² ≤ max(16·p, 2²²)): the gradient updated through the
  // Gram matrix, the residual once at the end; stops early when a step moves w_g by ≤ 1e-3 of
  // its size. 1: the plain single step.
  int block_steps = 5;
  bool history = false;  // duality gap (objective scale) after each outer iteration
};

struct GroupLassoProblem {
  Design X;
  const double* y = nullptr;  // rows entries
  const double* sample_weight = nullptr;  // rows entries or null
  const Groups* groups = nullptr;  // required
  const double* group_weights = nullptr;  // G entries or null (√|g|)
  int64_t y_length = -1, sample_weight_length = -1, group_weights_length = -1;  // -1: trusted
};

struct GroupLassoResult {
  std::vector<double> coef;  // cols entries
  double intercept = 0.0;
  double objective = 0.0;  // P(w, c)
  double dual_gap = 0.0;  // in the objective's scale
  double tol_gap = 0.0;  // tol·‖y − ȳ‖²_s/S
  int64_t iterations = 0;  // epochs
  int64_t outer_iterations = 0;
  int64_t screened = 0;  // groups removed by Gap Safe screening
  int64_t anderson_accepted = 0;
  Reason reason = Reason::MaxIterations;
  std::vector<int32_t> active_groups;  // g with w_g ≠ 0, increasing
  std::vector<double> history;
};

// Solves from w = 0, or from w0 (cols entries) when given.
GroupLassoResult group_lasso(const Engine& e, const GroupLassoProblem& p,
                             const GroupLassoOptions& opt, Control& ctl,
                             const double* w0 = nullptr);

// The smallest λ with w = 0 on every penalised group: max_g ‖X̃_gᵀS(y − ȳ − X̃_u w_u)‖/(S·ω_g) over
// ω_g > 0, the unpenalised groups u fitted first (0 if no group is penalised).
double group_lambda_max(const Engine& e, const GroupLassoProblem& p, bool fit_intercept);

}  // namespace bcd
}  // namespace itersolve
