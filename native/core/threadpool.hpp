// A small fork-join pool owned by one addon instance (one per Node environment, so worker_threads
// each get their own). A job runs fn(task) for task in [0, ntasks); the calling thread runs task 0
// and the pool's workers the rest. If another caller already holds the pool (two async solves at
// once), the newcomer runs all its tasks on its own thread instead of queueing or spawning: the
// process never runs more compute threads than `threads()` per environment plus the callers.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace itersolve {

class ThreadPool {
 public:
  using TaskFn = void (*)(void* ctx, int task, int ntasks);

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Number of threads (including the caller) a job may use. Waits for a running job to finish.
  void set_threads(int n);
  int threads() const { return threads_.load(std::memory_order_relaxed); }

  // Tries to take the pool. On success returns the number of tasks the caller should split its
  // work into (threads()); otherwise returns 1 and the caller runs serially. The pool is not
  // taken while more than one background job is running (each then stays on its own thread, so
  // n concurrent jobs use n threads, not n × threads()).
  // Every acquire() that returns > 1 must be followed by exactly one run() and release().
  int acquire();

  // Background jobs (async solves) register while they run.
  void job_started() { jobs_.fetch_add(1, std::memory_order_relaxed); }
  void job_finished() { jobs_.fetch_sub(1, std::memory_order_relaxed); }
  int jobs() const { return jobs_.load(std::memory_order_relaxed); }
  void run(int ntasks, TaskFn fn, void* ctx);
  void release();

  static int default_threads();

 private:
  void worker_main(int index, uint64_t seen);
  void start_workers(int count);
  void stop_workers();

  std::atomic<int> threads_{1};
  std::mutex job_mutex_;  // held by the caller that owns the pool for a job
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  std::vector<std::thread> workers_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int ntasks_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<int> jobs_{0};
};

// Runs `body(task, ntasks)` over the pool when `parallel` and the pool is free, else serially as
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
  pool->release();
}

}  // namespace itersolve
