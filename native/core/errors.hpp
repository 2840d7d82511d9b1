// Error codes of itersolve and the one exception type the native core throws for a failure that
// is the caller's to fix. Pure C++ (no Node). The binding turns a SolverError (and bad_alloc or
// any other std::exception) into a JS Error with the same code/argument/row/line, through one
// guard used by every Sync entry and every Job (bindings/errors.hpp); lib/errors.ts holds the
// same list of codes (ERROR_CODES) and test/layout.test.ts checks that the two agree.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace itersolve {

// Every code, in the order the addon exports them (layout.errorCodes).
inline constexpr const char* kErrorCodes[] = {
    "ERR_INVALID_ARGUMENT",  // a bad argument or option value
    "ERR_DIMENSION_MISMATCH",
    "ERR_INVALID_MATRIX",
    "ERR_PARSE",            // Matrix Market parse error (with line)
    "ERR_IO",
    "ERR_BUFFER_DETACHED",  // a buffer was detached or transferred while in use
    "ERR_UNSUPPORTED",
    "ERR_ZERO_PIVOT",       // a factorisation broke down (with row)
    "ERR_NOT_SYMMETRIC",    // a method that needs a symmetric operator was given another
    "ERR_NOT_SPD",  // a Cholesky factorisation met a matrix that is not positive definite
    "ERR_SINGULAR",  // an LU factorisation met a (numerically) singular matrix
    "ERR_NATIVE_LOAD",  // (lib only) the addon could not be loaded
    "ERR_NATIVE",  // out of memory, unexpected native failure
    "ERR_TIME_LIMIT",  // a reader ran out of its time budget
    "ERR_UNAVAILABLE",  // (lib only) an optional engine is not installed: bullmq, mpiexec, PETSc
    "ERR_EXTERNAL",  // (lib only) an external engine failed: Redis, an MPI job, a PETSc rank
    "ABORT_ERR",
};
inline constexpr int kErrorCodeCount = sizeof(kErrorCodes) / sizeof(kErrorCodes[0]);

// A failure that is the caller's to fix (zero pivot, bad parameter, parse error). `code` is one
// of kErrorCodes; `row` the 0-based matrix row it concerns or -1; `line` the 1-based input line
// (parsers) or 0; `argument` the name of the argument at fault or "" (the binding then picks the
// usual one for the code, e.g. 'A' for a pivot failure).
struct SolverError : std::runtime_error {
  SolverError(const char* code_, const std::string& message, int64_t row_ = -1,
              std::string argument_ = std::string(), int64_t line_ = 0)
      : std::runtime_error(message), code(code_), row(row_), line(line_),
        argument(std::move(argument_)) {}
  const char* code;
  int64_t row;
  int64_t line;
  std::string argument;
  // 0-based column of the original matrix a direct factorisation failed at (ERR_NOT_SPD,
  // ERR_SINGULAR), or -1. Set it with withColumn().
  int64_t column = -1;
  SolverError& withColumn(int64_t c) {
    column = c;
    return *this;
  }
};

}  // namespace itersolve
