// Compute threads: one process-wide pool shared by every Node environment, and a per-environment
// view of it with that environment's cap.
//
// ComputePool (one per process). Node runs one addon instance per environment (the main thread
// and each worker_thread); when each started its own pool, 8 workers on 2 cores ran 16 compute
// threads and every solve slowed several-fold. So there is one pool per process, created by the
// first environment and destroyed with the last (reference-counted), and one process-wide limit:
// at most limit() = the cores this process may run on threads compute at once, counting
//  - job-runner threads running a job (each holds a compute slot while it does: enter()/leave();
//    a runner waits for a slot before it takes a job from its queue),
//  - pool workers helping a caller's kernel (each helper needs a slot reserved by the caller),
//  - a Sync call's own thread while it runs a parallel kernel with helpers (it reserves a slot
//    for itself too; when none is free it runs serially and reserves nothing).
// Helper slots are never granted while a runner waits for a slot, so a lone job using the whole
// pool cannot starve jobs of other environments: they get the cores at its next kernel.
//
// ThreadPool (one per environment, owned by the Addon): `threads()` is that environment's cap
// (setThreads), the most threads its work uses at once: at most threads() of its jobs run, and a
// lone job's kernels use up to threads() − 1 helpers; when several of its jobs run, each stays on
// its own thread. Fork-join: a kernel runs fn(task, ntasks) for task in [0, ntasks); the caller
// runs task 0 and claims the tasks no helper has taken, so a kernel finishes even if no worker is
// free, and every task index runs exactly once (results never depend on who ran it).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace itersolve {

class ComputePool {
 public:
  using TaskFn = void (*)(void* ctx, int task, int ntasks);

  // The process's pool: the one in use, or a new one. Holders keep it alive.
  static std::shared_ptr<ComputePool> instance();

  explicit ComputePool(int limit);
  ~ComputePool();
  ComputePool(const ComputePool&) = delete;
  ComputePool& operator=(const ComputePool&) = delete;

  int limit() const { return limit_; }

  // A job-runner thread: waits until a compute slot is free (true) or *stop is set (false; wake()
  // makes a waiter look at it). Every true is paired with one leave() on the same thread.
  bool enter(const std::atomic<bool>* stop);
  void leave();
  void wake();

  // Reserves up to `want` slots without waiting; none while a runner waits. Returns how many.
  int try_reserve(int want);
  void unreserve(int n);

  // Runs fn over [0, ntasks) with the caller as task 0 and at most `helpers` pool workers
  // joining (slots the caller reserved). Returns when every task has run.
  void run(int ntasks, int helpers, TaskFn fn, void* ctx);

  // Whether the calling thread holds a compute slot (a runner inside enter()/leave(), or a pool
  // worker running a task).
  static bool holds_slot();

  struct Stats {
    int limit = 0;  // the most threads that may compute at once
    int workers = 0;  // pool worker threads started
    int computing = 0;  // threads computing now (slots in use by threads, not just reserved)
    int maxConcurrent = 0;  // the most seen at once since the pool started (or reset)
    int waiting = 0;  // runner threads waiting for a slot
    int users = 0;  // environments holding the pool
  };
  Stats stats(bool reset_max = false);

  // The cores this process may run on (sched_getaffinity where available), at least 1.
  static int available_cores();

 private:
  struct Group;
  void worker_main();
  void start_workers_locked(int count);
  void computing_changed_locked(int delta);

  const int limit_;
  std::mutex mu_;
  std::condition_variable slot_cv_;  // runners waiting for a slot
  std::condition_variable work_cv_;  // workers waiting for a group
  std::condition_variable done_cv_;  // callers waiting for their helpers to leave
  int used_ = 0;  // slots held or reserved (≤ limit_)
  int waiting_ = 0;  // runners in enter()
  int computing_ = 0;
  int max_computing_ = 0;
  bool stopping_ = false;
  std::vector<Group*> groups_;  // kernels with tasks and helper tickets left
  std::vector<std::thread> workers_;
  friend class ThreadPool;
  int users_ = 0;  // ThreadPools attached (mu_)
};

class ThreadPool {
 public:
  using TaskFn = ComputePool::TaskFn;

  // Attaches to the process's ComputePool; `threads` is this environment's cap.
  explicit ThreadPool(int threads);
  ~ThreadPool();  // detach()es
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void set_threads(int n) { threads_.store(n < 1 ? 1 : n, std::memory_order_relaxed); }
  int threads() const { return threads_.load(std::memory_order_relaxed); }

  // Number of tasks the caller should split a kernel into (1: serial). Every acquire() that
  // returns n > 1 must be followed by run(n, ...) and release(n).
  int acquire();
  void run(int ntasks, TaskFn fn, void* ctx);
  void release(int ntasks);

  // Background jobs of this environment register while they run.
  void job_started() { jobs_.fetch_add(1, std::memory_order_relaxed); }
  void job_finished() { jobs_.fetch_sub(1, std::memory_order_relaxed); }
  int jobs() const { return jobs_.load(std::memory_order_relaxed); }

  // A runner thread's compute slot (see ComputePool::enter).
  bool enter_compute(const std::atomic<bool>* stop) { return shared_->enter(stop); }
  void leave_compute() { shared_->leave(); }
  void wake_compute() { shared_->wake(); }

  // No longer counted among the environments holding the pool (ComputePool::Stats::users). The
  // binding calls it from the environment's cleanup hook, before the destructor. Idempotent.
  void detach();

  ComputePool& shared() const { return *shared_; }

  static int default_threads();

 private:
  std::shared_ptr<ComputePool> shared_;
  std::atomic<int> threads_{1};
  std::atomic<int> jobs_{0};
  bool attached_ = true;  // counted in shared_->users_ (shared_->mu_)
  std::mutex mu_;
  int helpers_ = 0;  // helpers (and self slots) this environment holds now (mu_)
};

// Runs `body(task, ntasks)` over the pool when `parallel` and helpers are free, else serially as
// task 0 of 1. `body` must split its work by (task, ntasks).
template <class Body>
void parallel_run(ThreadPool* pool, bool parallel, Body&& body) {
  int ntasks = 1;
  if (parallel && pool != nullptr && pool->threads() > 1) ntasks = pool->acquire();
  if (ntasks <= 1) {
    body(0, 1);
    return;
  }
  struct Thunk {
    static void call(void* ctx, int task, int n) { (*static_cast<Body*>(ctx))(task, n); }
  };
  pool->run(ntasks, &Thunk::call, static_cast<void*>(&body));
  pool->release(ntasks);
}

}  // namespace itersolve
