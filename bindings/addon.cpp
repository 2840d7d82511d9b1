// Node-API entry point: creates the environment's Addon (instance data: no static mutable state)
// and adds every area's exports. Every exported function is registered with export_fn, which
// runs it through the one error guard (bindings/operation.hpp); each re-checks argument kinds and
// lengths (lib/ does the user-facing validation; this layer makes direct calls safe too).
#include <napi.h>

#include <cstdlib>
#include <string>

#include "areas.hpp"
#include "async.hpp"
#include "common.hpp"
#include "layout.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon& a = addon(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("simd", Napi::String::New(env, a.kernels->name));
  Napi::Array sup = Napi::Array::New(env);
  uint32_t n = 0;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Neon, SimdLevel::Avx2, SimdLevel::Avx512})
    if (kernels_for(l) != nullptr) sup.Set(n++, Napi::String::New(env, simd_name(l)));
  o.Set("simdSupported", sup);
  o.Set("simdDetected", Napi::String::New(env, simd_name(detect_simd())));
  o.Set("threads", Napi::Number::New(env, a.pool.threads()));
  o.Set("defaultThreads", Napi::Number::New(env, ThreadPool::default_threads()));
  o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return o;
}

Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = get_string(info, 0, "simd");
  SimdLevel level;
  if (!parse_simd(name.c_str(), &level))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "simd: expected 'scalar', 'avx2', 'avx512' or 'neon', received '" + name + "'",
                "simd");
  const Kernels* k = kernels_for(level);
  if (k == nullptr)
    throw_error(env, "ERR_UNSUPPORTED",
                "simd: '" + name + "' is not supported by this CPU or build", "simd");
  addon(env).kernels = k;
  return Napi::String::New(env, k->name);
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int64_t n = get_int(info, 0, "threads", 1, 256);
  Addon& a = addon(info.Env());
  a.pool.set_threads(static_cast<int>(n));
  a.runner->threads_changed();
  return info.Env().Undefined();
}

// jobStats() -> { running, queued, pending }: Promise-form jobs computing now, waiting for a
// thread, and submitted but not settled yet.
Napi::Value JobStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  JobRunner::Stats s = addon(env).runner->stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("running", Napi::Number::New(env, s.running));
  o.Set("queued", Napi::Number::New(env, s.queued));
  o.Set("pending", Napi::Number::New(env, s.pending));
  return o;
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), addon(info.Env()).pool.threads());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Addon* a = new Addon(ThreadPool::default_threads());
  // Handed to the environment before anything that calls into JS: a worker terminated while it
  // loads the addon makes those calls throw, and an Addon not yet handed over would be leaked
  // with its hold on the process's compute pool (test/pool.test.ts, terminate while loading).
  env.SetInstanceData<Addon>(a);
  // Stops the job runner while the environment's thread-safe functions still exist (the hooks
  // of those, created later, run first and only mark them closing; they are freed afterwards).
  napi_add_env_cleanup_hook(env, [](void* arg) { static_cast<Addon*>(arg)->shutdown(); }, a);
  SimdLevel level = detect_simd();
  if (const char* forced = std::getenv("ITERSOLVE_SIMD")) {
    // Forces a path; a request for more than this CPU has keeps the detected one.
    SimdLevel want;
    if (parse_simd(forced, &want) && kernels_for(want) != nullptr) level = want;
  }
  a->kernels = kernels_for(level);
  if (a->kernels == nullptr) a->kernels = kernels_scalar();
  Napi::Function cancel = Cancel::Define(env);
  a->cancelCtor = Napi::Persistent(cancel);

  exports.Set("Cancel", cancel);
  exports.Set("layout", layout::make_layout(env));
  export_fn<Info>(env, exports, "info");
  export_fn<SetSimd>(env, exports, "setSimd");
  export_fn<SetThreads>(env, exports, "setThreads");
  export_fn<GetThreads>(env, exports, "getThreads");
  export_fn<JobStats>(env, exports, "jobStats");
  export_fn<PoolStats>(env, exports, "poolStats");
  init_csr(env, exports);
  init_csc(env, exports);
  init_csr_ops(env, exports);
  init_mmio(env, exports);
  init_eigen(env, exports);
  init_eigsh(env, exports);
  init_precond(env, exports);
  init_krylov(env, exports);
  init_batch(env, exports);
  init_sketch(env, exports);
  init_stationary(env, exports);
  init_bcd(env, exports);
  init_logistic(env, exports);
  init_group_lasso(env, exports);
  init_prox_bcd(env, exports);
  init_bcd_path(env, exports);
  init_mlp(env, exports);
  init_ot(env, exports);
  init_direct(env, exports);
  return exports;
}

}  // namespace
}  // namespace binding
}  // namespace itersolve

static Napi::Object InitItersolve(Napi::Env env, Napi::Object exports) {
  return itersolve::binding::Init(env, exports);
}

NODE_API_MODULE(itersolve, InitItersolve)
