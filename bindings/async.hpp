// The one AsyncWorker foundation every long-running native operation uses.
//
// A Job:
//  - runs its work on a libuv pool thread and settles a Promise;
//  - pins every typed array it reads or writes with a strong reference until it settles, and
//    records each buffer's identity (data pointer, length) when the work starts;
//  - stops when the caller's Cancel flag is set (AbortSignal), when timeLimitMs runs out, or when
//    a pinned buffer is detached or transferred (checked on the main thread at every progress
//    heartbeat, at most 20 a second, and again before settling: a detached buffer makes the job
//    reject with ERR_BUFFER_DETACHED and nothing is written back or read from it afterwards);
//  - reports progress through a thread-safe function, throttled by Control to one call per 50 ms.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "../native/core/control.hpp"
#include "common.hpp"

namespace itersolve {
namespace binding {

// JS-visible cancellation flag: `new Cancel()`, `.abort()`, `.aborted`.
class Cancel : public Napi::ObjectWrap<Cancel> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Cancel(const Napi::CallbackInfo& info);
  std::shared_ptr<std::atomic<bool>> flag() const { return flag_; }
  static Cancel* Unwrap(Napi::Value v);

 private:
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value Aborted(const Napi::CallbackInfo& info);
  std::shared_ptr<std::atomic<bool>> flag_;
};

// State shared between the job and its progress thread-safe function; touched on the main
// thread only, except the atomics.
struct JobShared {
  struct Pin {
    Napi::Reference<Napi::Value> ref;
    const void* data;
    size_t byteLength;
    std::string name;
  };
  std::vector<Pin> pins;
  std::atomic<bool> stop{false};         // set by the binding (detached buffer, callback threw)
  std::atomic<bool> detached{false};
  std::string detachedName;
  Napi::Reference<Napi::Value> callbackError;  // an exception thrown by onProgress
  Napi::FunctionReference onProgress;
  bool finished = false;                 // settled: late heartbeats are dropped

  // Checks every pinned buffer; returns the first detached one's name, or "".
  std::string check_detached(Napi::Env env);
};

class Job : public Napi::AsyncWorker {
 public:
  // options: { cancel?: Cancel, timeLimitMs?: number, onProgress?: function }
  Job(Napi::Env env, Napi::Object options, const char* resourceName);
  ~Job() override;

  Napi::Promise promise() { return deferred_.Promise(); }

  // Pins a typed array for the job's lifetime and returns its data. Call before Queue().
  Span<double> pin_f64(Napi::Value v, const char* name, int64_t minLength = -1);
  Span<int32_t> pin_i32(Napi::Value v, const char* name, int64_t minLength = -1);
  void pin_value(Napi::Value v);  // keeps any JS value alive (e.g. a string)

  // Starts the work (after the subclass set itself up).
  void Start();

 protected:
  // Runs on a pool thread. Throw nothing; record failures with SetError/ fail().
  virtual void Run(Control& ctl) = 0;
  // Runs on the main thread after Run, when no buffer was detached.
  virtual Napi::Value Result(Napi::Env env) = 0;
  // Sets an error with a code, reported as a rejection.
  void fail(const char* code, const std::string& message, int64_t line = 0, int64_t row = -1) {
    errorCode_ = code;
    errorLine_ = line;
    errorRow_ = row;
    SetError(message);
  }
  // State shared with the main thread (pins, stop flag, the error a JS callback threw).
  const std::shared_ptr<JobShared>& shared() const { return shared_; }
  Addon& addon_;
  Engine engine_;

 private:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;
  void settle_detached(Napi::Env env, const std::string& name);
  void settle_ok();
  void settle_error(const std::string& message);

  static void CallJs(Napi::Env env, Napi::Function cb, std::shared_ptr<JobShared>* ctx,
                     ProgressInfo* data);
  using Tsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<JobShared>, ProgressInfo, CallJs>;
  static void Heartbeat(void* self, const ProgressInfo& info);

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<JobShared> shared_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  double timeLimitMs_ = 0;
  Tsfn tsfn_;
  bool hasTsfn_ = false;
  std::string errorCode_;
  int64_t errorLine_ = 0;
  int64_t errorRow_ = -1;
  double startedAt_ = 0;
};

}  // namespace binding
}  // namespace itersolve
