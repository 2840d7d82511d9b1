// Optimal transport: the Sinkhorn family (scaling, log-domain, stabilised, ε-scaling, batched),
// Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024) and exact OT by the network simplex. Pure C++
// (no Node).
//
// Convention (POT's): minimise ⟨C, P⟩ + ε·Σ P_ij (log P_ij − 1) subject to P 1 = a, Pᵀ 1 = b,
// a ∈ ℝⁿ, b ∈ ℝᵐ non-negative with equal sums, C an n×m row-major cost matrix. The entropic plan
// is P_ij = exp((f_i + g_j − C_ij)/ε) for the dual potentials f ∈ ℝⁿ, g ∈ ℝᵐ, which maximise the
// concave dual F(f, g) = aᵀf + bᵀg − ε·Σ_ij exp((f_i + g_j − C_ij)/ε).
//
// Conventions shared by every function here:
//  - marginal error = ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁, the stopping test of every Sinkhorn method
//    (converged, Reason::Tol, when ≤ tol); checked every check_every iterations (during the
//    iteration one side may be exact by construction and is then not recomputed: an estimate,
//    which when it meets tol is confirmed by the exact error of both sides, the iteration going
//    on if that misses tol), and recomputed exactly from the final f, g on both sides at exit
//    (OtResult.marginal_error): Reason::Tol ⇔ that exact error ≤ tol, whatever ε;
//  - Reason::Stagnation: the iteration reached a floating-point fixed point (or, stabilised, an
//    absorption repeated the previous one bit for bit) short of tol, e.g. ε below the ulp of the
//    potentials, where exp((f + g − C)/ε) is 0, 1 or ∞: further iterations cannot change it;
//  - zero entries of a (b) give zero rows (columns) of P and f_i = −∞ (g_j = −∞): the methods
//    run on the support of a and b (support() below) and map back, so every method gets this
//    for free; a warm start's entries on zero rows/columns are ignored;
//  - one iteration is one pair of updates (f then g, or u then v);
//  - ctl.poll() at least once per iteration (per Newton step: also between CG iterations, via
//    the CG's own polling); Aborted / TimeLimit stop with the partial f, g (and plan) written;
//    progress once per check with value = the marginal error and the log-scale fraction from the
//    first checked error towards tol (krylov::progress_fraction);
//  - a non-finite potential, scaling or marginal error stops with Reason::NonFinite, and the
//    output then holds the last finite iterate's f, g (never NaN garbage from an underflow);
//  - arguments are checked here too (the binding relies on it): a, b non-negative and finite
//    (ERR_INVALID_ARGUMENT naming "a" / "b"), sum(a) = sum(b) within 1e-12 relative (naming "b"),
//    sum(a) > 0, C finite with |C_ij| ≤ kMaxCost (naming "C"), 0 < ε < kMaxEpsilon (naming
//    "epsilon"); lengths are the caller's to get right (n·m entries of C);
//  - deterministic: results depend on the data and the ISA, never on the number of threads.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"
#include "../formats/csr.hpp"

namespace itersolve {
namespace ot {

// a (n), b (m), C (n×m row-major): read in place, never modified.
struct Problem {
  int64_t n = 0;
  int64_t m = 0;
  const double* a = nullptr;
  const double* b = nullptr;
  const double* C = nullptr;
};

// Throws SolverError (ERR_INVALID_ARGUMENT naming the argument) when the problem breaks the
// rules above: validate(p, ε) for the entropic methods (0 < ε < kMaxEpsilon too), validate(p) for
// exact OT (no ε).
void validate(const Problem& p, double epsilon);
void validate(const Problem& p);

// The largest |C_ij| accepted: dual potentials are sums and differences of C's entries along
// paths, and ⟨C, P⟩ sums them, so costs near the double range would overflow.
constexpr double kMaxCost = 1e150;
// ε must stay below it: the potentials are ε·log of the scalings, which must stay finite.
constexpr double kMaxEpsilon = 1e150;

enum class SinkhornMethod : int { Auto = 0, Scaling, Log, Stabilized, EpsilonScaling };
const char* sinkhorn_method_name(SinkhornMethod m);

// The method Auto runs for this problem: Scaling when exp(−max C/ε) and the scalings stay well
// inside double range (max C − min C ≤ kScalingSafeRange·ε), Log otherwise.
constexpr double kScalingSafeRange = 200.0;
SinkhornMethod resolve_method(const Problem& p, double epsilon);

struct SinkhornOptions {
  SinkhornMethod method = SinkhornMethod::Auto;
  double epsilon = 0.0;
  double tol = 1e-9;
  int64_t max_iterations = 1000;  // the facade's default
  int64_t check_every = 10;       // ≥ 1; the last iteration is always checked
  bool history = false;           // marginal error at every check (history[0]: the first check)
  bool warm_start = false;        // f, g hold start potentials on entry (finite on the support)
  // Stabilized: absorb the scalings into the potentials when max |log u|, |log v| exceeds
  // log(absorb_threshold) (POT's tau = 1e3).
  double absorb_threshold = 1e3;
  // EpsilonScaling: start at ε₀ = max(ε, eps_scaling_start · (max C − min C)), multiply by
  // eps_scaling_factor per stage (warm-starting each stage's log-domain iteration from the
  // last), each stage to a marginal error of max(tol, 1e-3·(stage ε)/ε₀·…): the final stage at
  // ε to tol. Iterations of every stage count towards max_iterations and `iterations`.
  double eps_scaling_start = 1.0;
  double eps_scaling_factor = 0.5;
  bool scaling_fallback = true;  // Auto only: Scaling that turns non-finite restarts as Log from
                                 // the last finite potentials (reported method: Log)
};

struct OtResult {
  Reason reason = Reason::MaxIterations;
  int64_t iterations = 0;
  double marginal_error = 0.0;  // exact, at exit
  double cost = 0.0;  // ⟨C, P⟩
  double objective = 0.0;  // ⟨C, P⟩ + ε Σ P (log P − 1) (Sinkhorn); = cost for emd
  SinkhornMethod method = SinkhornMethod::Auto;  // the method that ran (Auto resolved)
  std::vector<double> history;
  // Sinkhorn-Newton-Sparse only.
  int64_t warmup_iterations = 0;
  int64_t newton_iterations = 0;
  int64_t cg_iterations = 0;  // total over the Newton steps
  int64_t plan_nnz = 0;  // nonzeros of the sparse plan returned (plan_sparse), else 0
};

// Sinkhorn. f (n), g (m): potentials out (in, with warm_start). plan: n×m row-major out, or
// nullptr for none (Scaling then needs n·m scratch for K; with a plan it builds K in the plan's
// own memory and scales it in place at the end). Returns the result; f/g/plan are always written
// (also on abort, time limit, non-finite: the last finite iterate).
OtResult sinkhorn(const Engine& e, const Problem& p, double* f, double* g, double* plan,
                  const SinkhornOptions& opt, Control& ctl);

// k pairs (A_c, B_c), c = 0..k−1, sharing one C: A is n×k, B m×k, both column-major (histogram c
// at A + c·n). F (n×k), G (m×k) potentials out, column-major; results[c] per pair (no history
// unless opt.history). Scaling (resolved from Auto as for one pair, on C and ε) runs all active
// pairs with one pass over K per half-iteration (K·V for the k columns at once); other methods
// run the pairs one after the other. A pair stops when it converges or fails; the others go on.
std::vector<OtResult> sinkhorn_batch(const Engine& e, int64_t n, int64_t m, int64_t k,
                                     const double* A, const double* B, const double* C, double* F,
                                     double* G, const SinkhornOptions& opt, Control& ctl);

// Sinkhorn-Newton-Sparse.
struct NewtonOptions {
  double epsilon = 0.0;
  double tol = 1e-12;
  // Log-domain Sinkhorn iterations first; a failed, heavily damped or slow Newton step is followed
  // by a further block of them (OtResult.warmup_iterations counts them all).
  int64_t warmup_iterations = 20;
  int64_t max_newton_iterations = 100;  // the facade's default
  // Entries of P kept per row in the sparsified Hessian (the largest ones, plus what keeps the
  // row/column support graph connected); raised adaptively (×2, up to m) when the dropped mass
  // is large or a step fails.
  int64_t sparsity = 8;
  // Each Newton system's CG runs to the forcing term clamp(√(marginal error / Σa), cg_rtol, 0.1):
  // cg_rtol is its floor.
  double cg_rtol = 1e-10;
  int64_t cg_max_iterations = -1;  // -1: 10·(n + m)
  bool history = false;  // marginal error after each warm-up check / Newton step
  bool warm_start = false;  // f, g hold start potentials
  // plan_sparse: drop plan entries below sparse_drop_tol · max(plan) (0: keep every entry > 0).
  double sparse_drop_tol = 0.0;
};
// f, g out (in with warm_start); plan_dense: n×m out or nullptr; plan_sparse: the plan as CSR
// (entries below the drop tolerance dropped, OtResult.plan_nnz set) or nullptr. Iterations:
// iterations = warmup_iterations + newton_iterations. Each Newton step solves the sparsified
// (shifted; gauge-fixed only where the pattern is disconnected) Hessian system with krylov::cg and
// a Jacobi preconditioner, warm-started from the previous direction; Armijo backtracking on F; once
// F is flat to machine precision, a step that decreases the marginal error is accepted. A step
// outside Newton's local regime falls back to a block of log-domain Sinkhorn iterations;
// Reason::Stagnation only when neither makes progress (newton.cpp's header has the details).
OtResult sinkhorn_newton(const Engine& e, const Problem& p, double* f, double* g,
                         double* plan_dense, csr::Owned* plan_sparse, const NewtonOptions& opt,
                         Control& ctl);

// Exact OT by the network simplex (block search pivoting, as LEMON / POT's ot.emd). b is rescaled
// to sum(a) first (after the 1e-12 relative check). plan: the optimal basic plan as CSR (at most
// n + m − 1 nonzeros, columns sorted in each row, only strictly positive flows); f, g: dual
// potentials with f_i + g_j ≤ C_ij everywhere and equality on the plan's support (complementary
// slackness), both finite also on zero-mass rows/columns. reason: Optimal, MaxIterations (pivot
// limit; plan and duals of the last basis, feasible but not optimal), Aborted / TimeLimit (polled
// every few thousand pivots). iterations = pivots. cost = ⟨C, P⟩, objective = cost.
struct EmdOptions {
  int64_t max_iterations = 100000000;  // pivots (POT's numItermax default is 1e5; ours larger)
};
OtResult emd(const Engine& e, const Problem& p, double* f, double* g, csr::Owned& plan,
             const EmdOptions& opt, Control& ctl);

// Cost matrices between point clouds X (n×d) and Y (m×d), row-major: out (n×m row-major).
enum class Metric : int { SqEuclidean = 0, Euclidean, Cityblock };
void cost_matrix(const Engine& e, int64_t n, int64_t m, int64_t d, const double* X, const double* Y,
                 Metric metric, double* out);

// ---- shared pieces (ot/common.cpp), used by every method above -------------------------------

// The rows of a and columns of b with positive mass. full = every entry positive (the methods
// then run on p itself, no copy).
struct Support {
  std::vector<int64_t> rows, cols;
  bool full = true;
};
Support support(const Problem& p);

// From potentials: P_ij = exp((f_i + g_j − C_ij)/ε) written to plan (n×m) when plan is not null;
// r = P1 (n), c = Pᵀ1 (m) when not null. Rows/columns with f or g = −∞ give zeros. Threaded,
// SIMD exp, deterministic.
void plan_from_potentials(const Engine& e, const Problem& p, double epsilon, const double* f,
                          const double* g, double* plan, double* r, double* c);
// Fills res.marginal_error, res.cost and res.objective exactly from f, g (one pass over C).
void finish_from_potentials(const Engine& e, const Problem& p, double epsilon, const double* f,
                            const double* g, OtResult& res);
// The dual objective F(f, g) = aᵀf + bᵀg − ε Σ P_ij (zero-mass rows/columns excluded).
double dual_objective(const Engine& e, const Problem& p, double epsilon, const double* f,
                      const double* g);

}  // namespace ot
}  // namespace itersolve
