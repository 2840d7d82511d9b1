// Shared binding helpers: per-environment instance data, typed-array unpacking that re-checks
// everything a caller could get wrong when calling the binding directly, and error creation.
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "../native/core/ops.hpp"
#include "../native/core/threadpool.hpp"
#include "../native/kernels/kernels.hpp"

namespace itersolve {
class Preconditioner;  // native/krylov/krylov.hpp
namespace binding {

class JobRunner;  // bindings/async.hpp

// Everything mutable lives here, one per Node environment (main thread and each worker_thread),
// stored as instance data: no static mutable state in the addon.
struct Addon {
  explicit Addon(int threads);
  // The environment's teardown (a worker_thread terminated, the process exiting) runs shutdown()
  // from an environment cleanup hook, while every thread-safe function still exists: it sets
  // `closing` (running jobs stop at their next check, JS-callback waits give up), joins the job
  // runner threads, frees the jobs that never settled, leaves the process's compute pool and
  // frees the Sync entries' scratch. The destructor (instance-data finalizer, later) calls it
  // again in case the hook did not run; it does nothing the second time. Both are defined in
  // bindings/async.cpp.
  ~Addon();
  void shutdown();

  ThreadPool pool;
  const Kernels* kernels = nullptr;
  Napi::FunctionReference cancelCtor;
  Napi::FunctionReference precondCtor;  // NativePreconditioner (bindings/solvers.cpp)
  Napi::FunctionReference factorCtor;   // NativeFactor (bindings/direct.cpp)
  // Set by bindings/direct.cpp: a NativeFactor as a Preconditioner (z = A⁻¹ r through the
  // factor, sharing it), or null when v is not a NativeFactor. precond_arg asks it.
  std::shared_ptr<const Preconditioner> (*factorPreconditioner)(Napi::Env env,
                                                                Napi::Value v) = nullptr;
  std::atomic<bool> closing{false};
  // Runs the Promise-form jobs: at most pool.threads() at once, on the addon's own threads
  // (never libuv's pool); see bindings/async.hpp.
  std::unique_ptr<JobRunner> runner;
  // Scratch vectors of the Sync entries (this environment's JS thread), kept between solves so
  // a warm solve touches no fresh memory (native/core/workspace.hpp). Jobs use their runner
  // thread's own workspace instead (JobRunner::thread_main sets it in the job's Engine).
  Workspace workspace;
  Engine engine() { return Engine{kernels, &pool, &workspace}; }
};

inline Addon& addon(Napi::Env env) { return *env.GetInstanceData<Addon>(); }

// Throws a JS Error carrying `code` (and `argument` when given).
[[noreturn]] void throw_error(Napi::Env env, const char* code, const std::string& message,
                              const char* argument = nullptr);
Napi::Error make_error(Napi::Env env, const char* code, const std::string& message,
                       const char* argument = nullptr);

template <class T>
struct Span {
  T* data = nullptr;
  int64_t length = 0;
};

// Unpacks argument `index` as a Float64Array / Int32Array, naming it `name` in errors. Rejects
// other kinds, detached buffers, and (with minLength >= 0) views shorter than minLength.
Span<double> get_f64(const Napi::CallbackInfo& info, size_t index, const char* name,
                     int64_t minLength = -1);
Span<int32_t> get_i32(const Napi::CallbackInfo& info, size_t index, const char* name,
                      int64_t minLength = -1);
// Same for a value already in hand. `trustedType`: the caller (the facade, through a trusted
// flag) guarantees the element type, which is then not tested (the test is most of the cost of
// unpacking); everything else still is.
Span<double> as_f64(Napi::Env env, Napi::Value v, const char* name, int64_t minLength = -1,
                    bool trustedType = false);
Span<int32_t> as_i32(Napi::Env env, Napi::Value v, const char* name, int64_t minLength = -1,
                     bool trustedType = false);

int64_t get_int(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t lo,
                int64_t hi);
double get_number(const Napi::CallbackInfo& info, size_t index, const char* name);
bool get_bool(const Napi::CallbackInfo& info, size_t index, const char* name);
std::string get_string(const Napi::CallbackInfo& info, size_t index, const char* name);

// Reads args [i, i+5): rows, cols, rowPtr, colIdx, values and checks their lengths agree
// (rowPtr = rows+1, colIdx = values = rowPtr[rows] >= 0, rowPtr[0] == 0). Structure inside the
// arrays (ordering, ranges) is the facade's CsrMatrix check; kernels only rely on these bounds
// plus the per-entry checks done here cheaply: rowPtr must be monotone and within [0, nnz] and
// column indices within [0, cols) — without them a direct caller could make a kernel read out
// of bounds. These O(rows + nnz) scans, and the arrays' element-type tests, run only when
// `checkEntries` is true: false is the facade's promise (a validated CsrMatrix), and a direct
// caller that makes it owns the consequences.
CsrView get_csr(const Napi::CallbackInfo& info, size_t index, bool checkEntries);
// The same checks for rows and cols already read (each within [0, 2^31 − 1]) and the three arrays.
CsrView csr_from(Napi::Env env, int64_t rows, int64_t cols, Napi::Value rowPtr, Napi::Value colIdx,
                 Napi::Value values, bool checkEntries);

// Whether the ArrayBuffer behind a typed array is detached (false for SharedArrayBuffer).
bool is_detached(Napi::Env env, Napi::Value typedArray);

Napi::Float64Array new_f64(Napi::Env env, const double* src, size_t n);
Napi::Int32Array new_i32(Napi::Env env, const int32_t* src, size_t n);

}  // namespace binding
}  // namespace itersolve
