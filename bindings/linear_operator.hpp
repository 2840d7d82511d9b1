// A solver's operator argument A: a CsrMatrix (its rowPtr, colIdx, values at three consecutive
// arguments) or a JS object { rows, cols, multiply(x, out), multiplyTranspose?(x, out) }
// (lib/operator.ts), read as one native LinearOperator (native/core/operator.hpp).
//
// A JS operator's functions run through JsCallback (bindings/callback.hpp), as the JS
// preconditioners do: inline on the calling thread in Sync forms, on the main thread through a
// thread-safe function in Promise forms (the native loop waits for each product). They are called
// with the object as `this`, x a Float64Array of cols entries (a copy: writing to it changes
// nothing) and out a Float64Array of rows entries, zero on entry, whose contents after the call
// are the product (what the function returns is ignored). If multiply throws, the product fails
// (apply returns false: the solver stops with Reason::Aborted and its partial x) and that
// exception is the operation's error; NaN or ±Inf written to out are a product like any other (the
// solver then stops with 'non-finite'); detaching a buffer the solve uses is ERR_BUFFER_DETACHED.
#pragma once
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../native/core/operator.hpp"
#include "operation.hpp"
#include "precond.hpp"

namespace itersolve {
namespace binding {

// The LinearOperator an operation holds for the length of one call.
class BoundOperator : public LinearOperator {
 public:
  // true for a JS object (its products are JS calls: no entries, no fast paths).
  virtual bool is_js() const { return false; }
  // After the native loop, whatever ended it (any thread): a JS operator's Promise form releases
  // its thread-safe functions so they no longer keep the event loop alive. Call it from run()
  // (e.g. in a scope guard) as JsPreconditioner::end is.
  virtual void end() {}
  // Main thread, in result() (Sync form): throws what a JS function threw, or
  // ERR_BUFFER_DETACHED; the Promise form's job settles with what was recorded instead.
  virtual void rethrow() const {}
};

// Reads argument `index` of the call as an operator named `name` in messages ("A").
//  - A typed array there: a CSR matrix with arrays at index, index+1, index+2 (Args::csr: rows and
//    cols as given, `trusted` as for Args::csr) -> a CSR operator (csr() returns it).
//  - An object with a function `multiply`: a JS operator. Its rows and cols are read from the
//    object (integers in [0, 2^31 − 1], else ERR_INVALID_ARGUMENT naming `name`); the `rows` and
//    `cols` arguments are ignored. multiplyTranspose is used when it is a function (has_transpose).
//    `pinned`: the call's typed-array arguments (index, name) a JS function could detach (b, x,
//    ...), as for JsPreconditioner; the Promise form pins them through its job already.
//  - Anything else: ERR_INVALID_ARGUMENT naming `name`.
// Main thread (an operation's constructor).
std::unique_ptr<BoundOperator> read_operator(
    Args& args, size_t index, const char* name, int64_t rows, int64_t cols, bool trusted,
    const std::vector<std::pair<size_t, const char*>>& pinned = {});

// "A: expected a square matrix|operator, received RxC".
std::string square_operator_message(const LinearOperator& A, const char* name = "A");

// The preconditioner argument of a solve on A (main thread, the operation's constructor): a kind
// to build ("jacobi", "ssor", "ic0", "ilu0") needs A's entries, so with a JS operator it is
// ERR_INVALID_ARGUMENT naming 'preconditioner' (or `what`, e.g. 'oracle').
void check_precond_operator(Napi::Env env, const PrecondArg& p, const LinearOperator& A,
                            const char* what = "preconditioner");
// resolve_precond (precond.hpp) on A's entries; without entries only a built (shared)
// preconditioner or none (check_precond_operator ruled out the rest).
std::shared_ptr<const Preconditioner> resolve_precond(const PrecondArg& p, const LinearOperator& A);

}  // namespace binding
}  // namespace itersolve
