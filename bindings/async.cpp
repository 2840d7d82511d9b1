#include "async.hpp"

#include <algorithm>
#include <chrono>
#include <new>

namespace itersolve {
namespace binding {

namespace {
// Successive progress reports reach the main thread at least this far apart (20 a second).
constexpr int64_t kProgressIntervalNs = 50'000'000;
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// Cancel

Napi::Function Cancel::Define(Napi::Env env) {
  return DefineClass(
      env, "Cancel",
      {InstanceMethod<&Cancel::Abort>("abort"), InstanceAccessor<&Cancel::Aborted>("aborted")});
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

// One Node-API call per buffer without the element-type test (the pin knows the element size):
// this runs on the main thread for every job, at settling and while it waits at the queue's head.
// A detached buffer reads as length 0 and a transferred one is gone from its data pointer.
std::string JobShared::check_detached(Napi::Env env) {
  for (Pin& p : pins) {
    if (p.elementSize == 0) continue;
    size_t length = 0;
    void* data = nullptr;
    napi_value ab;
    size_t offset = 0;
    if (napi_get_typedarray_info(env, p.ref.Value(), nullptr, &length, &data, &ab, &offset) !=
            napi_ok ||
        data != p.data || length * p.elementSize != p.byteLength)
      return p.name;
    bool detached = false;
    if (length == 0 && napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
      return p.name;
  }
  return std::string();
}

// ---------------------------------------------------------------------------------------------
// Job

Job::Job(Napi::Env env, Napi::Object options, const char* name)
    : addon_(addon(env)), engine_(addon_.engine()), env_(env),
      deferred_(Napi::Promise::Deferred::New(env)), shared_(std::make_shared<JobShared>()),
      name_(name) {
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
    hasProgress_ = true;
  }
}

Job::~Job() = default;

Span<double> Job::pin_f64(Napi::Value v, const char* name, int64_t minLength, bool trustedType) {
  Span<double> s = as_f64(Env(), v, name, minLength, trustedType);
  shared_->pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), s.data,
                                         static_cast<size_t>(s.length) * sizeof(double), name,
                                         sizeof(double)});
  return s;
}

Span<int32_t> Job::pin_i32(Napi::Value v, const char* name, int64_t minLength, bool trustedType) {
  Span<int32_t> s = as_i32(Env(), v, name, minLength, trustedType);
  shared_->pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), s.data,
                                         static_cast<size_t>(s.length) * sizeof(int32_t), name,
                                         sizeof(int32_t)});
  return s;
}

void Job::pin_unpacked(Napi::Value v, const void* data, size_t byteLength, const char* name,
                       size_t elementSize) {
  shared_->pins.push_back(
      JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), data, byteLength, name, elementSize});
}

void Job::pin_value(Napi::Value v) {
  shared_->pins.push_back(JobShared::Pin{Napi::Reference<Napi::Value>::New(v, 1), nullptr, 0, ""});
}

void Job::Start() { addon_.runner->submit(Env(), this); }

void Job::Heartbeat(void* self, const ProgressInfo& info) {
  Job* job = static_cast<Job*>(self);
  job->addon_.runner->post_heartbeat(job, info);
}

void Job::execute() {
  // A buffer was found detached while the job waited in the queue: do not touch it at all.
  if (shared_->stop.load()) return;
  Control ctl;
  if (cancel_) ctl.set_abort_flag(cancel_.get());
  ctl.add_stop_flag(&shared_->stop);
  ctl.add_stop_flag(&addon_.closing);
  if (timeLimitMs_ > 0) ctl.set_time_limit_ms(timeLimitMs_);
  // The heartbeat lets the main thread notice detached buffers while the work runs, and carries
  // progress to onProgress when there is one (then the first report goes out at once, else the
  // first heartbeat after 50 ms). Control offers a report every 5 ms; post_heartbeat lets one
  // through when the previous one was delivered 50 ms ago or more.
  if (!hasProgress_) {
    std::lock_guard<std::mutex> lk(shared_->progressMu);
    shared_->nextProgressNs = steady_ns() + kProgressIntervalNs;
  }
  ctl.set_progress(&Job::Heartbeat, this, 5.0);
  addon_.pool.job_started();
  try {
    Run(ctl);
  } catch (...) {
    fail(current_failure(name_));  // the same exit the Sync forms take (bindings/errors.hpp)
  }
  addon_.pool.job_finished();
}

void Job::settle(Napi::Env env) {
  shared_->finished = true;
  try {
    Napi::HandleScope scope(env);
    if (failed_) settle_error(env);
    else settle_ok(env);
  } catch (...) {
    // The environment is being torn down: nobody is left to settle the promise for.
  }
}

void Job::settle_detached(Napi::Env env, const std::string& name) {
  deferred_.Reject(make_error(env, "ERR_BUFFER_DETACHED",
                              name + ": the buffer was detached or transferred while the "
                                     "operation was running; its contents were not used",
                              name.c_str())
                       .Value());
}

void Job::settle_ok(Napi::Env env) {
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

void Job::settle_error(Napi::Env env) {
  std::string name = shared_->check_detached(env);
  if (!name.empty()) {
    settle_detached(env, name);
    return;
  }
  deferred_.Reject(failure_error(env, failure_).Value());
}

// ---------------------------------------------------------------------------------------------
// JobRunner

JobRunner::~JobRunner() { shutdown(); }

void JobRunner::submit(Napi::Env env, Job* job) {
  if (shut_) {  // cannot happen while JS runs; settle at once rather than lose the job
    Failure f;
    f.code = "ABORT_ERR";
    f.message = "The environment is shutting down";
    job->fail(std::move(f));
    job->settle(env);
    delete job;
    return;
  }
  if (tsfn_ == nullptr) {
    napi_value name;
    napi_status st = napi_create_string_utf8(env, "itersolve:jobs", NAPI_AUTO_LENGTH, &name);
    if (st == napi_ok)
      st = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr,
                                           this, &JobRunner::on_message, &tsfn_);
    if (st != napi_ok) {
      tsfn_ = nullptr;
      delete job;
      throw_error(env, "ERR_NATIVE", "cannot create the job runner's thread-safe function");
    }
    refed_ = true;
  }
  // Keeps the event loop alive while jobs are pending, as libuv work requests did.
  if (!refed_) {
    napi_ref_threadsafe_function(env, tsfn_);
    refed_ = true;
  }
  ++pending_;
  bool wake;
  {
    std::lock_guard<std::mutex> lk(mu_);
    queue_.push_back(job);
    const int want = addon_.pool.threads();
    if (static_cast<int>(threads_.size()) < want) start_threads(want);
    wake = idle_ > 0 && active_ < want;
  }
  if (wake) cv_.notify_one();
}

void JobRunner::start_threads(int count) {
  while (static_cast<int>(threads_.size()) < count)
    threads_.emplace_back([this] { thread_main(); });
}

void JobRunner::threads_changed() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_) return;
    const int want = addon_.pool.threads();
    if (!queue_.empty() && static_cast<int>(threads_.size()) < want) start_threads(want);
  }
  cv_.notify_all();
}

void JobRunner::thread_main() {
  // This thread's scratch vectors, kept between the jobs it runs (native/core/workspace.hpp).
  Workspace workspace;
  ThreadPool& pool = addon_.pool;
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    // Work this thread may take: a queued job no other thread is claiming, within the cap.
    while (!stopping_ && (static_cast<int>(queue_.size()) <= claiming_ ||
                          active_ + claiming_ >= pool.threads())) {
      ++idle_;
      // Idle for a while: give this thread's scratch memory back (a big solve's vectors need
      // not stay for good); the next job allocates afresh.
      if (cv_.wait_for(lk, std::chrono::seconds(5)) == std::cv_status::timeout) workspace.trim();
      --idle_;
    }
    if (stopping_) return;
    // A compute slot of the process-wide pool first (at most as many threads compute at once as
    // the process has cores, over every environment); the job stays queued meanwhile, so the
    // queue stays FIFO and `running` counts only jobs that compute.
    ++claiming_;
    lk.unlock();
    const bool entered = pool.enter_compute(&addon_.closing);
    lk.lock();
    --claiming_;
    if (!entered || stopping_ || queue_.empty() || active_ >= pool.threads()) {
      if (entered) {
        lk.unlock();
        pool.leave_compute();
        lk.lock();
      }
      if (stopping_ || !entered) return;
      continue;
    }
    Job* job = queue_.front();
    queue_.pop_front();
    ++active_;
    // More work and another idle thread allowed to take it: pass a wake-up on (two notify_one
    // calls from submit can both land on this thread).
    const bool more = static_cast<int>(queue_.size()) > claiming_ && idle_ > 0 &&
                      active_ + claiming_ < pool.threads();
    lk.unlock();
    if (more) cv_.notify_one();
    job->engine_.ws = &workspace;
    job->execute();
    pool.leave_compute();
    lk.lock();
    --active_;
    done_.push_back(job);
    if (!wakePosted_) {
      // The first completion since the main thread last looked wakes it; later ones ride along.
      wakePosted_ = true;
      lk.unlock();
      napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
      lk.lock();
    }
    // Loop: take the next queued job at once, without sleeping.
  }
}

void JobRunner::post_heartbeat(Job* job, const ProgressInfo& info) {
  JobShared& s = *job->shared_;
  const int64_t now = steady_ns();
  std::lock_guard<std::mutex> lk(s.progressMu);
  if (s.progressQueued) {
    s.latest = info;  // the queued message delivers the newest figures
    return;
  }
  if (now < s.nextProgressNs) return;
  s.latest = info;
  s.progressQueued = true;
  HeartbeatMsg* m = new HeartbeatMsg{job->shared_};
  if (napi_call_threadsafe_function(tsfn_, m, napi_tsfn_nonblocking) != napi_ok) {
    delete m;
    s.progressQueued = false;
  }
}

void JobRunner::on_message(napi_env env, napi_value, void* ctx, void* data) {
  if (data != nullptr) {
    std::unique_ptr<HeartbeatMsg> m(static_cast<HeartbeatMsg*>(data));
    // env is null when the environment is going away and the queue is being emptied: then the
    // runner may be gone already, so ctx is not touched; only the message is freed.
    if (env == nullptr) return;
    JobRunner* r = static_cast<JobRunner*>(ctx);
    if (r->shut_) return;
    deliver_progress(Napi::Env(env), *m->shared);
    r->check_queue_head(Napi::Env(env));
    return;
  }
  if (env == nullptr) return;
  JobRunner* r = static_cast<JobRunner*>(ctx);
  if (r->shut_) return;
  r->settle_done(Napi::Env(env));
}

void JobRunner::settle_done(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    wakePosted_ = false;
    settling_.swap(done_);
  }
  for (Job* job : settling_) {
    job->settle(env);
    delete job;
    --pending_;
  }
  settling_.clear();
  check_queue_head(env);
  if (pending_ == 0 && refed_) {
    napi_unref_threadsafe_function(env, tsfn_);
    refed_ = false;
  }
}

// Jobs about to start had their buffers checked when they were created; one may wait in the
// queue for long. Every heartbeat and every batch of completions re-checks the few at the head
// of the queue (those the threads take next); one found detached is stopped before it starts.
void JobRunner::check_queue_head(Napi::Env env) {
  constexpr int kMax = 16;
  Job* head[kMax];
  int n = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    const int limit = std::min(kMax, addon_.pool.threads());
    for (auto it = queue_.begin(); it != queue_.end() && n < limit; ++it) head[n++] = *it;
  }
  // A job listed here may start meanwhile; it stays alive (jobs are deleted on this thread only)
  // and a stop flag set now stops it as a heartbeat would.
  for (int i = 0; i < n; ++i) {
    JobShared& s = *head[i]->shared_;
    if (s.stop.load()) continue;
    try {
      Napi::HandleScope scope(env);
      std::string name = s.check_detached(env);
      if (!name.empty()) {
        s.detachedName = name;
        s.detached.store(true);
        s.stop.store(true);
      }
    } catch (...) {
    }
  }
}

void JobRunner::deliver_progress(Napi::Env env, JobShared& s) {
  ProgressInfo info;
  {
    std::lock_guard<std::mutex> lk(s.progressMu);
    info = s.latest;
    s.nextProgressNs = steady_ns() + kProgressIntervalNs;
  }
  // Reports the job makes while onProgress runs update `latest` and post nothing; the next one
  // is posted once this returns and 50 ms have passed since the delivery began.
  struct Unqueue {
    JobShared& s;
    ~Unqueue() {
      std::lock_guard<std::mutex> lk(s.progressMu);
      s.progressQueued = false;
    }
  } unqueue{s};
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
    o.Set("iteration", Napi::Number::New(env, static_cast<double>(info.iteration)));
    o.Set("total", info.total >= 0 ? Napi::Number::New(env, static_cast<double>(info.total))
                                   : env.Undefined());
    o.Set("value", Napi::Number::New(env, info.value));
    // Estimated fraction done in [0, 1], where the native side can tell (iterative solvers).
    if (info.fraction >= 0) o.Set("fraction", Napi::Number::New(env, info.fraction));
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

void JobRunner::shutdown() {
  if (shut_) return;
  shut_ = true;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  addon_.pool.wake_compute();  // threads waiting for a compute slot see `closing` and leave
  // Running jobs stop at their next check (the caller set addon.closing), JS-callback waits give
  // up within 20 ms; then each thread files its job under done_ and leaves.
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // No thread is left: free what never settled, on this (the main) thread, without calling
  // into JS (their promises are never settled: the environment is going away).
  for (Job* job : queue_) delete job;
  queue_.clear();
  for (Job* job : done_) delete job;
  done_.clear();
  pending_ = 0;
}

JobRunner::Stats JobRunner::stats() {
  Stats s;
  std::lock_guard<std::mutex> lk(mu_);
  s.running = active_;
  s.queued = static_cast<int>(queue_.size());
  s.pending = pending_;
  return s;
}

// ---------------------------------------------------------------------------------------------
// poolStats([resetMax]) -> { limit, workers, computing, maxConcurrent, waiting, environments }:
// the process-wide compute pool (native/core/threadpool.hpp), shared by every environment:
// limit = cores this process may use (the most threads that compute at once), workers = pool
// threads started, computing = threads computing now (job runners running a job, helpers, Sync
// callers using helpers), maxConcurrent = the most seen at once (reset to `computing` when
// resetMax is true), waiting = runner threads waiting for a core, environments = addon
// instances attached.
Napi::Value PoolStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool reset =
      info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value();
  const ComputePool::Stats s = addon(env).pool.shared().stats(reset);
  Napi::Object o = Napi::Object::New(env);
  o.Set("limit", Napi::Number::New(env, s.limit));
  o.Set("workers", Napi::Number::New(env, s.workers));
  o.Set("computing", Napi::Number::New(env, s.computing));
  o.Set("maxConcurrent", Napi::Number::New(env, s.maxConcurrent));
  o.Set("waiting", Napi::Number::New(env, s.waiting));
  o.Set("environments", Napi::Number::New(env, s.users));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Addon

Addon::Addon(int threads) : pool(threads) { runner = std::make_unique<JobRunner>(*this); }

Addon::~Addon() {
  shutdown();
  runner.reset();
}

void Addon::shutdown() {
  closing.store(true);
  if (runner) runner->shutdown();
  // Let go of the compute pool and the scratch memory as the environment tears down, rather
  // than when the instance-data finalizer runs later: a worker's 'exit' then finds its
  // environment already off the pool's count.
  pool.detach();
  workspace.trim();
}

}  // namespace binding
}  // namespace itersolve
