// Eigenvalues and eigenvectors of a symmetric operator by thick-restart Lanczos. Pure C++.
//
// The method is the thick-restart Lanczos of
//   K. Wu and H. Simon, "Thick-restart Lanczos method for large symmetric eigenvalue problems",
//   SIAM J. Matrix Anal. Appl. 22(2):602-616, 2000,
// with full reorthogonalisation: every new Lanczos vector is orthogonalised against the whole
// kept basis by classical Gram–Schmidt applied twice ("twice is enough": Giraud, Langou, Rozložník,
// Comput. Math. Appl. 50, 2005), through blocked passes over the basis whose sums are taken in a
// fixed block order (the result depends on the data and the ISA, never on the thread count).
//
// One cycle ("iteration", a restart) extends a basis of `l` kept vectors to `ncv` vectors,
// computes the eigenpairs (θ, y) of the projected matrix T (ncv × ncv: a diagonal block of kept
// Ritz values, an arrow row coupling them to the first new vector, then tridiagonal), and stops
// when the k wanted Ritz pairs have converged; otherwise it keeps the l best Ritz vectors plus
// the residual direction (Wu & Simon's thick restart; T becomes arrowhead + tridiagonal) and
// extends again. The kept count follows ARPACK's rule (dsaup2): l = k + min(nconv, (ncv − k)/2),
// raised to ncv/2 when k = 1 (a single wanted pair keeps half the basis), at most ncv − 1.
//
// Convergence (ARPACK's dsconv): a Ritz pair (θ, x) is converged when its residual norm
// ‖A x − θ x‖₂ = |β · y_last| ≤ tol · max(ε^(2/3), |θ|); tol 0 means machine ε.
//
// The projected problems are solved by a dense symmetric eigensolver written here (Householder
// reduction to tridiagonal form from the last column backwards, so the last row of the basis
// change stays e_lastᵀ, then the implicit symmetric QR iteration with Wilkinson shifts: Golub &
// Van Loan, Matrix Computations, 4th ed., §8.3). The same solver handles operators so small that
// the Krylov space would be the whole space (ncv ≥ n): A is then formed column by column (n
// products) and solved densely.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/operator.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"

namespace itersolve {

struct LanczosOptions {
  int64_t k = 6;  // wanted eigenpairs, 1 <= k < n
  int64_t ncv = -1;  // basis size, k < ncv <= n; -1: min(n, max(2k + 1, 20)) (SciPy's)
  bool largest = true;  // the k largest (algebraic) eigenvalues, else the k smallest
  bool magnitude = false;  // the k of largest |θ| (overrides `largest`; for shift-invert)
  double tol = 0;  // 0: machine ε
  int64_t max_iterations = -1;  // restarts; -1: 10·n (SciPy's maxiter default)
  const double* v0 = nullptr;  // start vector (n entries), else seeded pseudo-random
  uint64_t seed = 0;
};

struct EigResult {
  std::vector<double> values;  // k values, ascending (as SciPy)
  std::vector<double> vectors;  // n×k column-major, unit 2-norm, vectors[:, j] belongs to values[j]
  bool converged = false;
  Reason reason = Reason::MaxIterations;
  int64_t iterations = 0;  // restarts (cycles)
  int64_t matvecs = 0;
  int64_t nconv = 0;  // wanted pairs converged at the end
};

// A: n×n, symmetric (not checked: an operator can only be probed). Throws SolverError
// ERR_INVALID_ARGUMENT naming 'k', 'ncv' or 'v0' for a bad option (k < 1 or k >= n, ncv out of
// (k, n], a zero v0). ctl.poll() before each product: Aborted / TimeLimit stop with the Ritz
// pairs of the basis built so far (values NaN and vectors 0 where fewer than k exist yet); the
// operator's apply() returning false stops the same way with Reason::Aborted; a non-finite
// product stops with Reason::NonFinite. ctl.progress once per cycle: iteration = cycles,
// total = max_iterations, value = the most wanted Ritz value, fraction = converged / k.
EigResult lanczos(const Engine& e, const LinearOperator& A, const LanczosOptions& o, Control& ctl);

// Shift-invert: `inverse` applies x ↦ (A − σI)⁻¹ x. Runs lanczos for the k eigenvalues θ of
// largest magnitude and maps them back to λ = σ + 1/θ (the k eigenvalues of A nearest σ), values
// ascending, vectors reordered with them. o.largest / o.magnitude are ignored.
EigResult lanczos_shift_invert(const Engine& e, const LinearOperator& inverse, double sigma,
                               const LanczosOptions& o, Control& ctl);

namespace dense {
// Eigen-decomposition of the symmetric m×m matrix A (column-major, leading dimension lda; both
// triangles read as one: the upper one is used). On exit w holds the eigenvalues ascending and
// A's columns the orthonormal eigenvectors. Throws SolverError ERR_NATIVE if the QR iteration
// does not converge (30·m sweeps; not seen in practice).
void symmetric_eigen(int64_t m, double* A, int64_t lda, double* w);
}  // namespace dense

}  // namespace itersolve
