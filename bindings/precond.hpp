// Preconditioners of the binding: the NativePreconditioner class (built once, applied across
// solves) and the parsing of a solver's `preconditioner` argument.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "../native/krylov/krylov.hpp"
#include "common.hpp"

namespace itersolve {
namespace binding {

// A solver's preconditioner argument: null/undefined (none); a kind string ("jacobi", "ssor",
// "ic0", "ilu0") built for this solve (inside the job for Promise forms, off the event loop); a
// NativePreconditioner built once and shared by any number of solves; or a JS function
// (r, z) => void (bindings/callback.hpp).
struct PrecondArg {
  std::shared_ptr<const Preconditioner> shared;  // built object, or null
  std::string kind;                              // build per solve ("" = none)
  double omega = 1.0;
  Napi::Function fn;                             // JS callback (empty = none)
  bool none() const { return !shared && kind.empty() && fn.IsEmpty(); }
};

// Parses argument v for an n-unknown solve. `allowFunction`: whether a JS function may be given.
PrecondArg precond_arg(Napi::Env env, Napi::Value v, int64_t n, double omega, bool allowFunction);

// The preconditioner to use: the shared one, or one built now from A (throws SolverError).
std::shared_ptr<const Preconditioner> resolve_precond(const PrecondArg& p, const CsrView& A);

// Builds a preconditioner of a kind; throws SolverError for an unknown kind or a failed
// factorisation.
std::shared_ptr<const Preconditioner> build_precond(const std::string& kind, const CsrView& A,
                                                    double omega);

// NativePreconditioner: new NativePreconditioner(kind, rows, cols, rowPtr, colIdx, values,
// trusted, omega); .apply(r, z), .kind, .size, .shift.
void init_precond(Napi::Env env, Napi::Object exports);

}  // namespace binding
}  // namespace itersolve
