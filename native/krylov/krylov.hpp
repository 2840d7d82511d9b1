// Krylov solvers, preconditioners and the conjugate-direction method. Pure C++ (no Node).
//
// Conventions shared by every solver here:
//  - x holds the start vector on entry and the solution (or the partial iterate) on exit;
//  - the stopping test is ‖b − A x‖₂ ≤ tol with tol = max(rtol·‖b‖₂, atol). A recurrence
//    residual that meets tol is confirmed against the true residual b − A x before the solver
//    reports convergence; if the true residual misses tol, it replaces the recurrence residual
//    and the iteration goes on (up to max_iterations);
//  - ‖b‖ = 0 gives x = 0 and convergence in 0 iterations;
//  - IterResult.value is the true ‖b − A x‖₂ recomputed at exit; IterResult.history (when
//    opt.history) has the (recurrence) residual norm after each iteration, history[0] being the
//    initial residual — so history.size() == iterations + 1;
//  - ctl.poll() is checked once per iteration: Aborted / TimeLimit stop with the partial x;
//    ctl.progress({iteration, max_iterations, residual}) once per iteration (Control throttles);
//  - a non-finite scalar (α, β, ‖r‖, …) stops with Reason::NonFinite; a zero denominator that is
//    not convergence stops with Reason::Breakdown; CG (and CG-like methods) stop with
//    Reason::Indefinite when pᵀAp ≤ 0;
//  - a preconditioner's apply() returning false (a JS callback threw, the job is stopping) stops
//    the solver with Reason::Aborted and the partial x; so does the operator's apply() (A is any
//    LinearOperator: a CSR matrix, a JS object, ...), and IterResult.value is then NaN when the
//    final true residual could not be formed;
//  - A's entries are used only when A.csr() gives them: SSOR in Eisenstat's form (cg), the one
//    pass over A for every column (cg_batch), the fused product-and-dot kernels; any other
//    operator costs its apply() plus a separate vector pass where a kernel was fused;
//  - matvecs counts products with A (including the true-residual checks);
//  - the caller checked dimensions: A is square (n×n) except for sketch solvers, b and x have
//    the right lengths; A's arrays passed the CSR bounds checks.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/control.hpp"
#include "../core/errors.hpp"
#include "../core/operator.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"

namespace itersolve {

// SolverError (code, message, row, argument, line): ../core/errors.hpp.

// z = M⁻¹ r. Implementations must be safe to apply from several threads at once (no mutable
// state: two concurrent solves may share one preconditioner object), except callback ones.
class Preconditioner {
 public:
  virtual ~Preconditioner() = default;
  // "identity", "jacobi", "ssor", "ic0", "ilu0" or "callback".
  virtual const char* kind() const = 0;
  virtual int64_t size() const = 0;
  // Returns false when the application failed or must stop (callback threw, job stopping).
  virtual bool apply(const Engine& e, const double* r, double* z) const = 0;
  // Diagonal shift α the factorisation needed (IC(0)/ILU(0) of A + α·diag(A), Manteuffel), 0
  // when it succeeded on A itself or for kinds that never shift.
  virtual double shift() const { return 0.0; }
};

// Builders. Each throws SolverError naming the row on a zero, non-finite or (ic0) non-positive
// pivot, and on a missing diagonal entry. They copy what they need from A (the result does not
// reference A's arrays), so a built preconditioner can outlive A and be reused across solves.
std::unique_ptr<Preconditioner> make_identity(int64_t n);
std::unique_ptr<Preconditioner> make_jacobi(const CsrView& A);
// Symmetric SOR, 0 < omega < 2. CG recognises it (kind() == "ssor") and runs the Eisenstat form.
std::unique_ptr<Preconditioner> make_ssor(const CsrView& A, double omega);
// Incomplete Cholesky with zero fill on the lower triangle of a symmetric A.
std::unique_ptr<Preconditioner> make_ic0(const CsrView& A);
// Incomplete LU with zero fill (A's pattern; columns must be sorted within rows).
std::unique_ptr<Preconditioner> make_ilu0(const CsrView& A);

struct SolveOptions {
  double rtol = 1e-8;
  double atol = 0.0;
  int64_t max_iterations = -1;     // -1: 10·n, the facade's default (krylov::resolved)
  bool history = false;
  int64_t true_residual_every = 0;  // recompute r = b − A x every k iterations (0: never)
  int restart = 30;                 // gmres: Krylov dimension per cycle
  bool flexible = false;            // gmres: FGMRES (preconditioner may change between steps)
  int recycle = -1;                 // gcrotmk: k, recycled directions kept (-1: same as restart)
  int memory = 2;  // conjugate_direction: directions kept (0 = steepest descent)
  bool zero_start = false;  // start from x = 0 whatever x holds (x is zeroed on entry):
                            // the initial residual is b itself, no product with A
};

// M may be null (no preconditioner). The preconditioned solvers use M as follows:
//  cg       — PCG (M symmetric positive definite); an "ssor" M runs Eisenstat's trick so one
//             iteration costs about one SpMV;
//  bicgstab — right-preconditioned BiCGSTAB; the recurrence residual is the unpreconditioned one;
//  gmres    — right-preconditioned restarted GMRES(restart), modified Gram–Schmidt, Givens
//             rotations; flexible = FGMRES (stores M⁻¹v per step). One iteration = one inner step;
//  minres   — preconditioned MINRES (M SPD); A symmetric, possibly indefinite;
IterResult cg(const Engine& e, const LinearOperator& A, const double* b, double* x,
              const Preconditioner* M, const SolveOptions& opt, Control& ctl);
IterResult bicgstab(const Engine& e, const LinearOperator& A, const double* b, double* x,
                    const Preconditioner* M, const SolveOptions& opt, Control& ctl);
IterResult gmres(const Engine& e, const LinearOperator& A, const double* b, double* x,
                 const Preconditioner* M, const SolveOptions& opt, Control& ctl);
IterResult minres(const Engine& e, const LinearOperator& A, const double* b, double* x,
                  const Preconditioner* M, const SolveOptions& opt, Control& ctl);

// GCROT(m, k) (Hicken and Zingg; SciPy's gcrotmk): m = opt.restart inner GMRES steps per cycle,
// right-preconditioned, recycling the k = opt.recycle (k < 0: k = m) most useful directions
// across restarts. One iteration = one inner step (one product with A).
IterResult gcrotmk(const Engine& e, const LinearOperator& A, const double* b, double* x,
                   const Preconditioner* M, const SolveOptions& opt, Control& ctl);

// Conjugate-direction method with a direction oracle (DCDM, Kaneda et al. 2023). Each iteration:
// q = oracle(r/‖r‖) (identity when oracle is null); A-orthogonalise q against the last
// opt.memory stored (p, A p, pᵀA p); α = qᵀr / qᵀA q; x += α q; r −= α A q; store (q, A q, qᵀA q),
// evicting the oldest. One matvec per iteration. memory 0 is steepest descent (with an identity
// oracle). qᵀA q ≤ 0 stops with Reason::Indefinite.
IterResult conjugate_direction(const Engine& e, const LinearOperator& A, const double* b, double* x,
                               const Preconditioner* oracle, const SolveOptions& opt, Control& ctl);

// k right-hand sides at once, B and X column-major n×k (column c at B + c·n). Each column runs
// its own (P)CG recurrence; the products with A for all active columns share one pass over A.
// Returns one IterResult per column (history per column when asked); a column stops (and is no
// longer updated) when it converges or fails. Abort/time limit stop every active column. An A
// without csr() is applied once per active column (no shared pass); a failed apply stops every
// active column with Reason::Aborted.
std::vector<IterResult> cg_batch(const Engine& e, const LinearOperator& A, const double* B,
                                 double* X, int64_t k, const Preconditioner* M,
                                 const SolveOptions& opt, Control& ctl);

// The same solvers on a CSR matrix (a CsrOperator over A).
inline IterResult cg(const Engine& e, const CsrView& A, const double* b, double* x,
                     const Preconditioner* M, const SolveOptions& opt, Control& ctl) {
  return cg(e, CsrOperator(A), b, x, M, opt, ctl);
}
inline IterResult bicgstab(const Engine& e, const CsrView& A, const double* b, double* x,
                           const Preconditioner* M, const SolveOptions& opt, Control& ctl) {
  return bicgstab(e, CsrOperator(A), b, x, M, opt, ctl);
}
inline IterResult gmres(const Engine& e, const CsrView& A, const double* b, double* x,
                        const Preconditioner* M, const SolveOptions& opt, Control& ctl) {
  return gmres(e, CsrOperator(A), b, x, M, opt, ctl);
}
inline IterResult minres(const Engine& e, const CsrView& A, const double* b, double* x,
                         const Preconditioner* M, const SolveOptions& opt, Control& ctl) {
  return minres(e, CsrOperator(A), b, x, M, opt, ctl);
}
inline IterResult gcrotmk(const Engine& e, const CsrView& A, const double* b, double* x,
                          const Preconditioner* M, const SolveOptions& opt, Control& ctl) {
  return gcrotmk(e, CsrOperator(A), b, x, M, opt, ctl);
}
inline IterResult conjugate_direction(const Engine& e, const CsrView& A, const double* b, double* x,
                                      const Preconditioner* oracle, const SolveOptions& opt,
                                      Control& ctl) {
  return conjugate_direction(e, CsrOperator(A), b, x, oracle, opt, ctl);
}
inline std::vector<IterResult> cg_batch(const Engine& e, const CsrView& A, const double* B,
                                        double* X, int64_t k, const Preconditioner* M,
                                        const SolveOptions& opt, Control& ctl) {
  return cg_batch(e, CsrOperator(A), B, X, k, M, opt, ctl);
}

}  // namespace itersolve

namespace itersolve {
namespace krylov {

// r = b − A x; returns ‖r‖₂ (one matvec).
double residual(const Engine& e, const CsrView& A, const double* b, const double* x, double* r);
// y = A x (ops::spmv when A has csr()); false when the product failed.
inline bool matvec(const Engine& e, const LinearOperator& A, const double* x, double* y) {
  if (const CsrView* m = A.csr()) {
    ops::spmv(e, *m, x, y);
    return true;
  }
  return A.apply(e, x, y);
}
// y = A x and dot = wᵀy (one fused pass with csr(), else apply() then a dot); false when the
// product failed.
bool matvec_dot(const Engine& e, const LinearOperator& A, const double* x, double* y,
                const double* w, double& dot);
// r = b − A x and norm = ‖r‖₂ (one matvec, not counted); false when the product failed (norm is
// then NaN and r undefined).
bool residual(const Engine& e, const LinearOperator& A, const double* b, const double* x, double* r,
              double& norm);
// residual() fused in one pass (ops::residual) when A has csr(): CG's confirmations.
bool residual_fused(const Engine& e, const LinearOperator& A, const double* b, const double* x,
                    double* r, double& norm);
// The residual a solve starts from: residual() (counted in res.matvecs), or with
// opt.zero_start x = 0 and r = b, whose norm is bnorm = ‖b‖₂ (no product: for the many small
// solves that start from zero, one SpMV of fifteen).
double start_residual(const Engine& e, const CsrView& A, const double* b, double* x, double* r,
                      const SolveOptions& opt, double bnorm, IterResult& res);
// The same through an operator; false when the product failed: res is then the result to return
// (Reason::Aborted, value NaN, x unchanged).
bool start_residual(const Engine& e, const LinearOperator& A, const double* b, double* x, double* r,
                    const SolveOptions& opt, double bnorm, IterResult& res, double& rnorm);
// A solver whose true-residual product failed mid-solve ends with this: Reason::Aborted (unless
// x holds a NaN or ±Inf: NonFinite, as flag_nonfinite) and value NaN.
void operator_failed(const double* x, int64_t n, IterResult& res);
// Every solver's last step before returning: a returned x with a NaN or ±Inf entry always reports
// Reason::NonFinite (whatever stopped the iteration: max-iterations, abort, …), because no other
// reason describes such an x honestly. Returns true when it changed the reason.
bool flag_nonfinite(const double* x, int64_t n, IterResult& res);
// The options a solver runs with: max_iterations < 0 becomes 10·n, the one default the facade
// (lib/options.ts) documents, so a direct native caller gets the same limit as a JS one.
inline SolveOptions resolved(const SolveOptions& o, int64_t n) {
  SolveOptions r = o;
  if (r.max_iterations < 0) r.max_iterations = 10 * n;
  return r;
}
// max(rtol·bnorm, atol)
inline double tolerance(const SolveOptions& opt, double bnorm) {
  const double t = opt.rtol * bnorm;
  return t > opt.atol ? t : opt.atol;
}
// The converged reason for a residual that met tol: Rtol when the relative test is the binding
// one, Atol otherwise.
inline Reason converged_reason(const SolveOptions& opt, double bnorm) {
  return opt.rtol * bnorm >= opt.atol ? Reason::Rtol : Reason::Atol;
}
// b = 0: x = 0 solves it exactly. Sets x and res (converged, 0 iterations) for that case.
inline void solve_zero_rhs(double* x, int64_t n, const SolveOptions& opt, IterResult& res) {
  for (int64_t i = 0; i < n; ++i) x[i] = 0.0;
  res.reason = converged_reason(opt, 0.0);
  if (opt.history) res.history.push_back(0.0);
}
// The fraction of a solve done, estimated on a log scale: log(r0/r) / log(r0/tol) clamped to
// [0, 1] (r0: the initial residual norm, r: the current one, tol: the stopping tolerance);
// Krylov residuals fall roughly geometrically, so this grows about linearly with the iterations.
// -1 (unknown) when tol or r0 is not positive or a norm is not finite.
inline double progress_fraction(double r0, double r, double tol) {
  if (!(tol > 0.0) || !(r0 > 0.0) || !std::isfinite(r0) || !std::isfinite(r) || !std::isfinite(tol))
    return -1.0;
  if (r <= tol || r0 <= tol) return 1.0;
  const double f = std::log(r0 / r) / std::log(r0 / tol);
  return f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
}
// Reports progress (iteration, total = max_iterations, value = residual norm).
inline void report(Control& ctl, const SolveOptions& opt, int64_t it, double rnorm) {
  if (!ctl.wants_progress()) return;
  ProgressInfo pi;
  pi.iteration = it;
  pi.total = opt.max_iterations;
  pi.value = rnorm;
  ctl.progress(pi);
}
// The same with the fraction done (progress_fraction(r0, rnorm, tol)). Solvers call it with
// it = 0 and rnorm = r0 as soon as the initial residual is known, before any other set-up, so
// the first report is not held back by the set-up.
inline void report(Control& ctl, const SolveOptions& opt, int64_t it, double rnorm, double r0,
                   double tol) {
  if (!ctl.wants_progress()) return;
  ProgressInfo pi;
  pi.iteration = it;
  pi.total = opt.max_iterations;
  pi.value = rnorm;
  pi.fraction = progress_fraction(r0, rnorm, tol);
  ctl.progress(pi);
}
// For the binding, before a slow set-up it runs itself (building a preconditioner): reports
// iteration 0 with value r0 (the initial residual norm when known, e.g. ‖b‖ for a zero start;
// NaN when not) and fraction 0, so the first report comes at once.
inline void report_start(Control& ctl, const SolveOptions& opt, double r0) {
  if (!ctl.wants_progress()) return;
  ProgressInfo pi;
  pi.iteration = 0;
  pi.total = opt.max_iterations;
  pi.value = r0;
  pi.fraction = 0.0;
  ctl.progress(pi);
}

}  // namespace krylov
}  // namespace itersolve
