// eigsh: the k eigenpairs of a symmetric matrix at one end of its spectrum or nearest a shift,
// as SciPy's scipy.sparse.linalg.eigsh. Pure C++.
//
//  - Largest: thick-restart Lanczos on A (lanczos.hpp).
//  - Smallest, A a CSR matrix: shift-invert about σ, Lanczos on (A − σI)⁻¹ for its largest
//    eigenvalues θ, mapped back to λ = σ + 1/θ (the eigenvalues of A just above σ). σ = 0 when
//    the Cholesky factorisation of A succeeds (A positive definite: SciPy's sigma=0 idiom);
//    otherwise σ = g − 10⁻⁶·max(1, ‖A‖∞) with g the Gershgorin lower bound min_i (a_ii − Σ_{j≠i}
//    |a_ij|), strictly below every eigenvalue (the margin keeps A − σI nonsingular when g is
//    itself an eigenvalue, as for a graph Laplacian), factorised as LLᵀ (LDLᵀ if rounding makes
//    that fail). The farther g lies below λ_min, the slower the convergence.
//  - Smallest, A an operator without entries: Lanczos on A for its smallest eigenvalues.
//  - Nearest σ: shift-invert about the caller's σ through an LDLᵀ factorisation of A − σI (no
//    pivoting: D may be negative); σ an eigenvalue (an exactly zero pivot) is ERR_SINGULAR.
// The factorisations are direct::CholeskyFactor (native/direct/cholesky.hpp), which checks that
// A is exactly symmetric (ERR_NOT_SYMMETRIC); the Largest mode does not check it.
#pragma once
#include "../core/operator.hpp"
#include "lanczos.hpp"

namespace itersolve {

enum class EigWhich : int { Largest = 0, Smallest = 1, Nearest = 2 };

struct EigshInfo {
  bool shift_invert = false;
  double sigma = 0.0;  // the shift used (shift_invert)
  bool ldlt = false;   // the factorisation was LDLᵀ
  int64_t nnzL = 0;    // its nnz(L)
};

// A: n×n symmetric; A.csr() gives the entries needed by Smallest (shift-invert) and Nearest
// (else Smallest runs Lanczos on A, and Nearest is ERR_UNSUPPORTED naming 'sigma'). sigma is
// read for Nearest only (finite, else ERR_INVALID_ARGUMENT 'sigma'). Stops as lanczos; an abort
// or time limit during a factorisation ends the run the same way (reason Aborted / TimeLimit,
// no pairs: values NaN).
EigResult eigsh(const Engine& e, const LinearOperator& A, EigWhich which, double sigma,
                const LanczosOptions& o, Control& ctl, EigshInfo* info = nullptr);

// The Gershgorin lower bound min_i (a_ii − Σ_{j≠i} |a_ij|) of a square CSR matrix (duplicates
// counted as stored).
double gershgorin_lower(const CsrView& A);

}  // namespace itersolve
