// The one error exit of the binding. Every Sync entry runs its body through guarded(), and
// Job::execute records the exception of a Promise-form job with current_failure(): both turn a
// SolverError (code, row, line, argument), std::bad_alloc and any other std::exception into the
// same Failure, and failure_error() makes the JS Error from it, so the two forms of one mistake
// carry the same code, message and argument. Argument errors found while unpacking arguments on
// the main thread are thrown as Napi::Error directly (throw_error) and pass through unchanged.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "../native/core/errors.hpp"

namespace itersolve {
namespace binding {

struct Failure {
  std::string code = "ERR_NATIVE";
  std::string message;
  std::string argument;  // "" = none
  int64_t row = -1;      // ERR_ZERO_PIVOT: the matrix row
  int64_t column = -1;   // ERR_NOT_SPD / ERR_SINGULAR: the column of the original matrix
  int64_t line = 0;      // ERR_PARSE: the 1-based line
};

// Describes the exception being handled; call only inside a catch block. `op` names the
// operation for messages that have no better subject ("cg: out of memory").
Failure current_failure(const char* op);

// The JS Error for a failure: message, code, and argument/row/line when set.
Napi::Error failure_error(Napi::Env env, const Failure& f);

// Runs a Sync entry's body; a Napi::Error passes through, any other exception becomes the
// ItersolveError-shaped JS error of current_failure(op).
template <class F>
Napi::Value guarded(Napi::Env env, const char* op, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw failure_error(env, current_failure(op));
  }
}

}  // namespace binding
}  // namespace itersolve
