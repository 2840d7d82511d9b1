// Solver entries of the addon (bindings/solvers.cpp).
#pragma once
#include <napi.h>

#include "common.hpp"

namespace itersolve {
namespace binding {

// Adds NativePreconditioner, krylov/krylovAsync, cgBatch/cgBatchAsync and
// sketchSolve/sketchSolveAsync to `exports`.
void init_solvers(Napi::Env env, Napi::Object exports, Addon& a);

}  // namespace binding
}  // namespace itersolve
