#include "async.hpp"

namespace itersolve {
namespace binding {

// ---------------------------------------------------------------------------------------------
// Cancel

Napi::Function Cancel::Define(Napi::Env env) {
  return DefineClass(env, "Cancel",
                     {InstanceMethod<&Cancel::Abort>("abort"),
                      InstanceAccessor<&Cancel::Aborted>("aborted")});
}

Cancel::Cancel(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Cancel>(info), flag_(std::make_shared<std::atomic<bool>>(false)) {}

Napi::Value Cancel::Abort(const Napi::CallbackInfo& info) {
  flag_->store(true, std::memory_order_relaxed);
  return info.Env().Undefined();
}

Napi::Value Cancel::Aborted(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), flag_->load(std::memory_order_relaxed));
}

Cancel* Cancel::Unwrap(Napi::Value v) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addon(env).cancelCtor.Value()))
    throw_error(env, "ERR_INVALID_ARGUMENT", "options.cancel: expected a Cancel object", "cancel");
  return Napi::ObjectWrap<Cancel>::Unwrap(v.As<Napi::Object>());
}

// ---------------------------------------------------------------------------------------------
// JobShared

std::string JobShared::check_detached(Napi::Env env) {
  for (Pin& p : pins) {
    Napi::Value v = p.ref.Value();
    if (!v.IsTypedArray()) continue;  // non-buffer pins (strings) cannot detach
    if (is_detached(env, v)) return p.name;
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_value ab;
    size_t offset = 0;
    if (napi_get_typedarray_info(env, ta, &type, &length, &data, &ab, &offset) != napi_ok ||
        data != p.data || length * ta.ElementSize() != p.byteLength)
      return p.name;
  }
  return std::string();
}

// ---------------------------------------------------------------------------------------------
// Job

Job::Job(Napi::Env env, Napi::Object options, const char* resourceName)
    : Napi::AsyncWorker(env, resourceName),
      addon_(addon(env)),
      engine_(addon_.engine()),
      deferred_(Napi::Promise::Deferred::New(env)),
      shared_(std::make_shared<JobShared>()) {
  Napi::Value cancel = options.Get("cancel");
  if (!cancel.IsUndefined() && !cancel.IsNull()) cancel_ = Cancel::Unwrap(cancel)->flag();
  Napi::Value tl = options.Get("timeLimitMs");
  if (!tl.IsUndefined() && !tl.IsNull()) {
    if (!tl.IsNumber() || !(tl.As<Napi::Number>().DoubleValue() > 0))
      throw_error(env, "ERR_INVALID_ARGUMENT", "timeLimitMs: expected a positive number",
                  "timeLimitMs");
    timeLimitMs_ = tl.As<Napi::Number>().DoubleValue();
  }
  Napi::Value cb = options.Get("onProgress");
  if (!cb.IsUndefined() && !cb.IsNull()) {
    if (!cb.IsFunction())
      throw_error(env, "ERR_INVALID_ARGUMENT", "onProgress: expected a function", "onProgress");
    shared_->onProgress = Napi::Persistent(cb.As<Napi::Function>());
  }
}

Job::~Job() = default;

Span<double> Job::pin_f64(Napi::Value v, const char* name, int64_t minLength) {
  Span<double> s = as_f64(Env(), v, name, minLength);
  shared_->pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), s.data,
                                         static_cast<size_t>(s.length) * sizeof(double), name});
  return s;
}

Span<int32_t> Job::pin_i32(Napi::Value v, const char* name, int64_t minLength) {
  Span<int32_t> s = as_i32(Env(), v, name, minLength);
  shared_->pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), s.data,
                                         static_cast<size_t>(s.length) * sizeof(int32_t), name});
  return s;
}

void Job::pin_value(Napi::Value v) {
  shared_->pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), nullptr, 0, ""});
}

void Job::Start() {
  // The heartbeat TSFN exists for every job: it lets the main thread notice detached buffers
  // while the work runs, and carries progress to onProgress when there is one.
  tsfn_ = Tsfn::New(Env(), "itersolve:progress", 0, 1, new std::shared_ptr<JobShared>(shared_),
                    [](Napi::Env, void*, std::shared_ptr<JobShared>* ctx) { delete ctx; });
  hasTsfn_ = true;
  Queue();
}

void Job::Heartbeat(void* self, const ProgressInfo& info) {
  Job* job = static_cast<Job*>(self);
  ProgressInfo* copy = new ProgressInfo(info);
  if (job->tsfn_.NonBlockingCall(copy) != napi_ok) delete copy;
}

void Job::CallJs(Napi::Env env, Napi::Function, std::shared_ptr<JobShared>* ctx,
                 ProgressInfo* data) {
  std::unique_ptr<ProgressInfo> info(data);
  if (env == nullptr || ctx == nullptr || info == nullptr) return;
  JobShared& s = **ctx;
  if (s.finished || s.stop.load()) return;
  // No exception may leave a thread-safe function callback: a JS exception from onProgress (or
  // any Node-API failure while the environment is going away) stops the work instead.
  try {
    Napi::HandleScope scope(env);
    std::string name = s.check_detached(env);
    if (!name.empty()) {
      s.detachedName = name;
      s.detached.store(true);
      s.stop.store(true);
      return;
    }
    if (s.onProgress.IsEmpty()) return;
    Napi::Object o = Napi::Object::New(env);
    o.Set("iteration", Napi::Number::New(env, static_cast<double>(info->iteration)));
    o.Set("total", info->total >= 0 ? Napi::Number::New(env, static_cast<double>(info->total))
                                    : env.Undefined());
    o.Set("value", Napi::Number::New(env, info->value));
    s.onProgress.Call({o});
  } catch (const Napi::Error& e) {
    if (s.callbackError.IsEmpty()) {
      Napi::Value v = e.Value();
      if (!v.IsEmpty()) s.callbackError = Napi::Reference<Napi::Value>::New(v, 1);
    }
    s.stop.store(true);
  } catch (...) {
    s.stop.store(true);
  }
}

void Job::Execute() {
  if (!addon_.enter_job()) {  // the environment is already shutting down
    if (hasTsfn_) tsfn_.Release();
    fail("ABORT_ERR", "The environment is shutting down");
    return;
  }
  if (!addon_.enter_compute(cancel_.get())) {
    if (hasTsfn_) tsfn_.Release();
    addon_.leave_job();
    fail("ABORT_ERR", "The environment is shutting down");
    return;
  }
  Control ctl;
  if (cancel_) ctl.set_abort_flag(cancel_.get());
  ctl.add_stop_flag(&shared_->stop);
  ctl.add_stop_flag(&addon_.closing);
  if (timeLimitMs_ > 0) ctl.set_time_limit_ms(timeLimitMs_);
  if (hasTsfn_) ctl.set_progress(&Job::Heartbeat, this, 50.0);
  addon_.pool.job_started();
  Run(ctl);
  addon_.pool.job_finished();
  addon_.leave_compute();
  if (hasTsfn_) tsfn_.Release();
  addon_.leave_job();
}

void Job::settle_detached(Napi::Env env, const std::string& name) {
  deferred_.Reject(make_error(env, "ERR_BUFFER_DETACHED",
                              name + ": the buffer was detached or transferred while the "
                                     "operation was running; its contents were not used",
                              name.c_str())
                       .Value());
}

void Job::OnOK() {
  shared_->finished = true;
  try {
    settle_ok();
  } catch (...) {
    // The environment is being torn down: nobody is left to settle the promise for.
  }
}

void Job::settle_ok() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  std::string name = shared_->check_detached(env);
  if (name.empty() && shared_->detached.load()) name = shared_->detachedName;
  if (!name.empty()) {
    settle_detached(env, name);
    return;
  }
  if (!shared_->callbackError.IsEmpty()) {
    deferred_.Reject(shared_->callbackError.Value());
    return;
  }
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void Job::OnError(const Napi::Error& e) {
  shared_->finished = true;
  try {
    settle_error(e.Message());
  } catch (...) {
    // as in OnOK
  }
}

void Job::settle_error(const std::string& message) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  std::string name = shared_->check_detached(env);
  if (!name.empty()) {
    settle_detached(env, name);
    return;
  }
  Napi::Error err = make_error(env, errorCode_.empty() ? "ERR_NATIVE" : errorCode_.c_str(), message);
  if (errorLine_ > 0) err.Set("line", Napi::Number::New(env, static_cast<double>(errorLine_)));
  if (errorRow_ >= 0) err.Set("row", Napi::Number::New(env, static_cast<double>(errorRow_)));
  deferred_.Reject(err.Value());
}

}  // namespace binding
}  // namespace itersolve
