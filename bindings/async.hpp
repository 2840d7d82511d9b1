// The one foundation every long-running native operation's Promise form uses.
//
// A Job:
//  - runs its work on one of the addon's job-runner threads (JobRunner, below; never libuv's
//    pool, so fs and dns are never starved) and settles a Promise on the main thread;
//  - pins every typed array it reads or writes with a strong reference until it settles, and
//    records each buffer's identity (data pointer, length) when it is created;
//  - stops when the caller's Cancel flag is set (AbortSignal), when timeLimitMs runs out, or when
//    a pinned buffer is detached or transferred (checked on the main thread at every progress
//    heartbeat, at most 20 a second, for the jobs next in the queue, and again before settling:
//    a detached buffer makes the job reject with ERR_BUFFER_DETACHED and nothing is written back
//    or read from it afterwards);
//  - reports progress to onProgress at most once per 50 ms as the main thread sees it: a report
//    is posted only when none of the job's is still queued and 50 ms have passed since the last
//    one was delivered (a report made while one is queued updates that one's figures instead),
//    so a busy main thread never receives a backlog of stale reports back to back.
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../native/core/control.hpp"
#include "common.hpp"
#include "errors.hpp"

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

// State shared between the job and its progress heartbeats (which may arrive after the job is
// gone); touched on the main thread only, except the atomics.
struct JobShared {
  struct Pin {
    Napi::Reference<Napi::Value> ref;
    const void* data;
    size_t byteLength;
    std::string name;
    size_t elementSize = 0;  // 0: not a typed array (a string, say), which cannot detach
  };
  std::vector<Pin> pins;
  std::atomic<bool> stop{false};         // set by the binding (detached buffer, callback threw)
  std::atomic<bool> detached{false};
  std::string detachedName;
  Napi::Reference<Napi::Value> callbackError;  // an exception thrown by onProgress
  Napi::FunctionReference onProgress;
  bool finished = false;                 // settled: late heartbeats are dropped

  // Progress hand-off between the runner thread and the main thread (progressMu).
  std::mutex progressMu;
  ProgressInfo latest;                   // the figures the queued message delivers
  bool progressQueued = false;           // a heartbeat message of this job is in the queue
  int64_t nextProgressNs = 0;            // steady clock: no report is posted before this

  // Checks every pinned buffer; returns the first detached one's name, or "".
  std::string check_detached(Napi::Env env);
};

class JobRunner;

class Job {
 public:
  // options: { cancel?: Cancel, timeLimitMs?: number, onProgress?: function }
  // `name` names the operation in messages ("cg: out of memory"); a string literal.
  Job(Napi::Env env, Napi::Object options, const char* name);
  virtual ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  Napi::Promise promise() { return deferred_.Promise(); }
  Napi::Env Env() const { return Napi::Env(env_); }

  // Pins a typed array for the job's lifetime and returns its data. Call before Start().
  // `trustedType`: as for as_f64 (the facade vouches for the element type).
  Span<double> pin_f64(Napi::Value v, const char* name, int64_t minLength = -1,
                       bool trustedType = false);
  Span<int32_t> pin_i32(Napi::Value v, const char* name, int64_t minLength = -1,
                        bool trustedType = false);
  // Pins a typed array already unpacked (data, byteLength, element size).
  void pin_unpacked(Napi::Value v, const void* data, size_t byteLength, const char* name,
                    size_t elementSize);
  void pin_value(Napi::Value v);  // keeps any JS value alive (e.g. a string)

  // Hands the job to the runner (after the subclass set itself up). From then on the runner owns
  // it: it is deleted on the main thread once settled (or at teardown).
  void Start();

  // State shared with the main thread (pins, stop flag, the error a JS callback threw).
  const std::shared_ptr<JobShared>& shared() const { return shared_; }

 protected:
  // Runs on a runner thread. A failure is thrown (SolverError, bad_alloc, ...): execute()
  // records it through the binding's one error exit (current_failure), and the promise rejects
  // with the same error the Sync form would throw.
  virtual void Run(Control& ctl) = 0;
  // Runs on the main thread after Run, when no buffer was detached.
  virtual Napi::Value Result(Napi::Env env) = 0;
  // Records a failure, reported as a rejection.
  void fail(Failure f) {
    failed_ = true;
    failure_ = std::move(f);
  }
  Addon& addon_;
  Engine engine_;

 private:
  friend class JobRunner;
  void execute();                 // runner thread: Control set-up around Run
  void settle(Napi::Env env);     // main thread: resolve or reject, no exception escapes
  void settle_detached(Napi::Env env, const std::string& name);
  void settle_ok(Napi::Env env);
  void settle_error(Napi::Env env);
  static void Heartbeat(void* self, const ProgressInfo& info);

  napi_env env_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<JobShared> shared_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  double timeLimitMs_ = 0;
  bool hasProgress_ = false;
  const char* name_;
  bool failed_ = false;
  Failure failure_;
};

// Runs the jobs of one Node environment.
//
// Job::Start() (main thread) appends the job to a FIFO queue. pool.threads() runner threads
// (started at the first job; more when setThreads raises the count) take jobs from its head; at
// most pool.threads() jobs run at once (after setThreads lowers the count, the extra threads
// idle). A thread whose job finishes takes the next queued one at once — it sleeps on the
// condition variable only when the queue is empty — which is what keeps every core busy with
// many small solves: waking a sleeping thread costs tens of microseconds or more.
//
// Finished jobs go to a `done` list; one thread-safe function per environment (created at the
// first job) wakes the main thread, which settles every finished job in one go and deletes it.
// Only the first completion after a wake-up posts a message, so a burst of completions costs one
// crossing. The same function carries progress heartbeats (a message holding the job's
// JobShared, so a late one is harmless). It keeps the event loop alive only while jobs are
// pending.
class JobRunner {
 public:
  explicit JobRunner(Addon& addon) : addon_(addon) {}
  ~JobRunner();

  void submit(Napi::Env env, Job* job);   // main thread
  void threads_changed();                 // main thread, after setThreads
  void shutdown();                        // main thread; joins the threads, frees unsettled jobs
  struct Stats {
    int running = 0;  // jobs computing now
    int queued = 0;   // submitted, not started
    int pending = 0;  // submitted, not settled yet
  };
  Stats stats();                          // main thread

 private:
  struct HeartbeatMsg {
    std::shared_ptr<JobShared> shared;  // its `latest` holds the figures to deliver
  };
  friend class Job;
  void thread_main();
  void start_threads(int count);          // main thread, with mu_ held
  void post_heartbeat(Job* job, const ProgressInfo& info);  // runner thread
  void settle_done(Napi::Env env);        // main thread
  void check_queue_head(Napi::Env env);   // main thread
  static void deliver_progress(Napi::Env env, JobShared& s);
  static void on_message(napi_env env, napi_value, void* ctx, void* data);

  Addon& addon_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;    // submitted, not started (mu_)
  std::vector<Job*> done_;    // finished, not settled (mu_)
  bool wakePosted_ = false;   // a completion message is on its way (mu_)
  bool stopping_ = false;     // (mu_)
  int active_ = 0;            // jobs computing (mu_)
  int idle_ = 0;              // threads waiting for work (mu_)
  int claiming_ = 0;          // threads waiting for a compute slot to take a job (mu_)
  std::vector<std::thread> threads_;
  // main thread only
  napi_threadsafe_function tsfn_ = nullptr;
  bool refed_ = false;
  bool shut_ = false;
  int pending_ = 0;
  std::vector<Job*> settling_;
};

// poolStats([resetMax]): the process-wide compute pool's figures (bindings/async.cpp).
Napi::Value PoolStats(const Napi::CallbackInfo& info);

}  // namespace binding
}  // namespace itersolve
