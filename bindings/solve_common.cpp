#include "solve_common.hpp"

#include <cmath>

#include "../native/core/errors.hpp"

namespace itersolve {
namespace binding {

int64_t param_int(Napi::Env env, double v, const char* name, int64_t lo, int64_t hi) {
  // the range test first (NaN fails it), so the cast is defined
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) ||
      static_cast<double>(static_cast<int64_t>(v)) != v)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected an integer in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "], received " + std::to_string(v),
                name);
  return static_cast<int64_t>(v);
}

void check_tolerances(Napi::Env env, double rtol, double atol) {
  if (!(rtol >= 0) || std::isinf(rtol))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "rtol: expected a finite number >= 0, received " + std::to_string(rtol), "rtol");
  if (!(atol >= 0) || std::isinf(atol))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "atol: expected a finite number >= 0, received " + std::to_string(atol), "atol");
}

double param_time_limit(Napi::Env env, double v) {
  if (!(v >= 0))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "timeLimitMs: expected a number >= 0, received " + std::to_string(v),
                "timeLimitMs");
  return v;
}

double require_finite(const Engine& e, const double* v, int64_t n, const char* name) {
  const double norm = ops::nrm2(e, v, n);
  if (std::isfinite(norm)) return norm;
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i]))
      throw SolverError("ERR_INVALID_ARGUMENT",
                        std::string(name) + ": expected finite values, received " +
                            std::to_string(v[i]) + " at index " + std::to_string(i),
                        -1, name);
  return norm;  // finite entries whose norm overflows: fine
}

void check_distinct(Napi::Env env, const double* b, int64_t nb, const double* x, int64_t nx,
                    const char* xname, const char* bname) {
  if (nb > 0 && nx > 0 && x < b + nb && b < x + nx)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(xname) + ": expected a buffer that does not overlap " + bname +
                    ", received one that does",
                xname);
}

void write_solve_stats(double* s, const IterResult& r, double elapsedMs) {
  namespace st = layout::solve_stats;
  s[st::reason] = static_cast<double>(static_cast<int>(r.reason));
  s[st::iterations] = static_cast<double>(r.iterations);
  s[st::residualNorm] = r.value;
  s[st::matvecs] = static_cast<double>(r.matvecs);
  s[st::elapsedMs] = elapsedMs;
}

Napi::Value history_value(Napi::Env env, const IterResult& r, bool wanted) {
  if (!wanted) return env.Undefined();
  return new_f64(env, r.history.data(), r.history.size());
}

std::string square_message(const CsrView& A) {
  return "A: expected a square matrix, received " + std::to_string(A.rows) + "x" +
         std::to_string(A.cols);
}

}  // namespace binding
}  // namespace itersolve
