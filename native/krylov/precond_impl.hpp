// Internals of the built-in preconditioners that solvers look into: CG runs Eisenstat's form of
// SSOR on the stored SSOR factors and fuses Jacobi into its vector updates. Not part of the
// public contract (krylov.hpp).
#pragma once
#include <cstdint>
#include <vector>

#include "../stationary/triangular.hpp"
#include "krylov.hpp"

namespace itersolve {
namespace krylov {

// The triangular factors and their sweeps live with the other relaxation kernels
// (../stationary/triangular.hpp); the names here are the ones the Krylov code has always used.
using relax::ScaleConst;
using relax::ScaleOne;
using relax::ScaleVec;
using relax::tri_backward;
using relax::tri_forward;
using relax::TriFactor;

// SSOR, A = L + D + U, D̃ = D/ω: M = (D̃+L) D̃⁻¹ (D̃+U) / (2−ω). Two storage forms:
//  - scaled (every a_ii > 0, as for any SPD A): the strict triangles of S A S with
//    S = D̃^(−1/2), whose D̃ is then I; s_i = σ_i = d̃_i^(−1/2). The sweeps need no diagonal
//    at all, which is what makes CG's Eisenstat form cheap;
//  - otherwise D̃⁻¹L and D̃⁻¹U (rows scaled by 1/d̃_i), s_i = 1/d̃_i.
struct SsorFactors {
  int64_t n = 0;
  double omega = 1.0;
  uint64_t source = 0;  // fingerprint() of the A it was built from
  bool scaled = false;
  std::vector<double> s;
  TriFactor lower, upper;
};

// Manteuffel's remedy for incomplete factorisations that break down (T. A. Manteuffel, "An
// incomplete factorization technique for positive definite linear systems", Math. Comp. 34,
// 1980): factor A + α·diag(A) instead of A. With D = diag(A) > 0 that is the same as factoring
// the symmetrically scaled D^(−1/2) A D^(−1/2) + α·I and scaling back — IC(0) commutes with
// symmetric diagonal scaling — so α is the same number in both terms and does not depend on the
// units of A. Attempt 0 uses α = `start`; after a breakdown attempt k ≥ 1 uses
// α = first·growth^(k−1), for at most `retries` retries, but never beyond the α at which
// A + α·diag(A) becomes strictly diagonally dominant (an H-matrix, whose IC(0) and ILU(0) exist:
// Meijerink & van der Vorst 1977, Manteuffel 1980): that α is tried last, so for a finite A with
// a positive (IC) or non-zero (ILU) diagonal the search ends in a factorisation whenever the
// schedule reaches it.
struct ShiftSchedule {
  double start = 0.0;
  double first = 0.0;
  double growth = 2.0;
  int retries = 0;
};
// The default: α = 0, then 1e-3 doubling, at most 20 retries (α up to 1e-3·2¹⁹ ≈ 524, or the
// diagonally dominant α if smaller). On the 14 SPD bcsstk fixtures 8 break down at α = 0 and need
// 0.064 … 0.256 (8 to 10 factorisations, each well under a millisecond); the iteration count is
// worst right at the smallest α that works (bcsstk21: 328 PCG iterations at α ≈ 0.048, 251 at
// 0.064, 166 at 0.27) and grows slowly past it, so the doubling's overshoot of up to 2x costs
// little, and a finer search would not pay for itself. Shifting by diag(A) rather than I makes α
// independent of A's units; symmetric diagonal scaling first would change nothing (see above).
constexpr double kShiftFirst = 1e-3;
constexpr double kShiftGrowth = 2.0;
constexpr int kShiftRetries = 20;
ShiftSchedule default_shift_schedule();
// The builders behind make_ic0 / make_ilu0 with an explicit schedule (tests, measurements).
// {start = α, retries = 0} factors A + α·diag(A) once and throws on a breakdown.
std::unique_ptr<Preconditioner> make_ic0(const CsrView& A, const ShiftSchedule& schedule);
std::unique_ptr<Preconditioner> make_ilu0(const CsrView& A, const ShiftSchedule& schedule);
// How many factorisations building M took (1: none broke down) for the IC(0) / ILU(0) of
// make_ic0 / make_ilu0 on a full diagonal; 0 for any other preconditioner.
int factorisations(const Preconditioner* M);

// A checksum of A's structure and values (one pass over A). CG runs Eisenstat's form only for
// the A an SSOR was built from: that form never multiplies by A itself.
uint64_t fingerprint(const CsrView& A);
// The factors of a preconditioner built by make_ssor, else nullptr.
const SsorFactors* ssor_factors(const Preconditioner* M);
// The inverse diagonal (n entries) of a preconditioner built by make_jacobi, else nullptr.
const std::vector<double>* jacobi_inverse_diagonal(const Preconditioner* M);

}  // namespace krylov
}  // namespace itersolve
