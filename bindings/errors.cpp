#include "errors.hpp"

#include <exception>
#include <new>

namespace itersolve {
namespace binding {

Failure current_failure(const char* op) {
  Failure f;
  try {
    throw;
  } catch (const SolverError& e) {
    f.code = e.code;
    f.message = e.what();
    f.argument = e.argument;
    f.row = e.row;
    f.line = e.line;
    f.column = e.column;
    // A factorisation that breaks down is a property of the matrix it was asked of.
    if (f.argument.empty() &&
        (f.code == "ERR_ZERO_PIVOT" || f.code == "ERR_NOT_SPD" || f.code == "ERR_SINGULAR"))
      f.argument = "A";
  } catch (const std::bad_alloc&) {
    f.message = std::string(op) + ": out of memory";
  } catch (const std::exception& e) {
    f.message = std::string(op) + ": unexpected native error (" + e.what() + ")";
  } catch (...) {
    f.message = std::string(op) + ": unexpected native error";
  }
  return f;
}

Napi::Error failure_error(Napi::Env env, const Failure& f) {
  Napi::Error err = Napi::Error::New(env, f.message);
  err.Set("code", Napi::String::New(env, f.code));
  if (!f.argument.empty()) err.Set("argument", Napi::String::New(env, f.argument));
  if (f.row >= 0) err.Set("row", Napi::Number::New(env, static_cast<double>(f.row)));
  if (f.column >= 0) err.Set("column", Napi::Number::New(env, static_cast<double>(f.column)));
  if (f.line > 0) err.Set("line", Napi::Number::New(env, static_cast<double>(f.line)));
  return err;
}

}  // namespace binding
}  // namespace itersolve
