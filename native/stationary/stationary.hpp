// Stationary iterative methods: (damped) Jacobi, Gauss-Seidel (forward, backward, symmetric),
// SOR and SSOR, in natural or multicolour order. Pure C++ (no Node).
//
// Conventions (those of krylov.hpp, except the stopping test):
//  - one iteration is one sweep (symmetric Gauss-Seidel and SSOR: a forward and a backward
//    sweep); after every iteration the TRUE residual ‖b − A x‖₂ is known exactly (computed in the
//    same pass over A as the sweep, never a recurrence), so iteration counts are exact feedback;
//  - stop when ‖b − A x‖₂ ≤ max(rtol·‖b − A x0‖₂, atol) (the Khodak et al. rule: relative to the
//    initial residual, not to ‖b‖; the same for x0 = 0);
//  - IterResult.value is the final true residual norm; history (opt.history) has the residual
//    norm after each iteration, history[0] the initial one; matvecs counts passes over A
//    (each sweep with its residual counts one, a symmetric sweep two);
//  - a zero, non-finite or missing diagonal entry throws SolverError ERR_ZERO_PIVOT naming the
//    row (before any iteration); omega outside (0, 2) throws ERR_INVALID_ARGUMENT;
//  - ctl.poll() once per iteration (Aborted / TimeLimit keep the partial x); progress once per
//    iteration with the log-scale fraction; a non-finite residual stops with NonFinite;
//  - A is square; b, x have n entries and do not overlap (the caller checked).
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/ops.hpp"
#include "../core/result.hpp"
#include "../krylov/krylov.hpp"

namespace itersolve {

enum class StationaryMethod : int { Jacobi = 0, GaussSeidel, Sor, Ssor };
enum class SweepDirection : int { Forward = 0, Backward, Symmetric };
enum class SweepOrdering : int { Natural = 0, Multicolor };

struct StationaryParams {
  StationaryMethod method = StationaryMethod::Sor;
  double omega = 1.0;  // Jacobi: damping; SOR/SSOR: relaxation; Gauss-Seidel: ignored (1)
  // Gauss-Seidel's sweep (SOR is Forward, SSOR Symmetric, Jacobi ignores it).
  SweepDirection sweep = SweepDirection::Forward;
  // Natural: rows 0..n−1 (sequential, reproduces textbook/paper counts). Multicolor: a greedy
  // colouring of A's (symmetrised) graph; rows of one colour are updated in parallel on the
  // thread pool, colours in order (reversed for a backward sweep). Jacobi ignores it.
  SweepOrdering ordering = SweepOrdering::Natural;
};

// Solves A x = b from the x given (or x = 0 with opt.zero_start). opt.true_residual_every,
// restart, flexible, recycle and memory are ignored.
IterResult stationary(const Engine& e, const CsrView& A, const double* b, double* x,
                      const StationaryParams& p, const SolveOptions& opt, Control& ctl);

// Colours of a greedy (first-fit, natural order) colouring of the graph of A + Aᵀ (self loops
// ignored): color[i] in [0, ncolors), adjacent rows differ. On a 5-point stencil in natural
// order this is the red-black colouring (2 colours).
struct Coloring {
  int ncolors = 0;
  std::vector<int32_t> color;     // n entries
  std::vector<int64_t> start;     // ncolors + 1 offsets into rows
  std::vector<int32_t> rows;      // rows grouped by colour, ascending within a colour
};
Coloring greedy_coloring(const CsrView& A);

}  // namespace itersolve
