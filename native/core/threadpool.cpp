#include "threadpool.hpp"

#include <cstdlib>

namespace itersolve {

int ThreadPool::default_threads() {
  if (const char* env = std::getenv("ITERSOLVE_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1 && v <= 256) return static_cast<int>(v);
  }
  unsigned hc = std::thread::hardware_concurrency();
  if (hc == 0) hc = 1;
  if (hc > 64) hc = 64;
  return static_cast<int>(hc);
}

ThreadPool::ThreadPool(int threads) { threads_.store(threads < 1 ? 1 : threads); }

ThreadPool::~ThreadPool() {
  std::lock_guard<std::mutex> job(job_mutex_);
  stop_workers();
}

void ThreadPool::set_threads(int n) {
  if (n < 1) n = 1;
  std::lock_guard<std::mutex> job(job_mutex_);
  if (static_cast<int>(workers_.size()) > n - 1) stop_workers();
  threads_.store(n);
}

void ThreadPool::start_workers(int count) {
  std::lock_guard<std::mutex> lk(mu_);
  stopping_ = false;
  while (static_cast<int>(workers_.size()) < count) {
    const int idx = static_cast<int>(workers_.size()) + 1;
    const uint64_t gen = generation_;  // jobs after this one are the worker's to run
    workers_.emplace_back([this, idx, gen] { worker_main(idx, gen); });
  }
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  std::lock_guard<std::mutex> lk(mu_);
  stopping_ = false;
}

int ThreadPool::acquire() {
  if (jobs_.load(std::memory_order_relaxed) > 1) return 1;
  if (!job_mutex_.try_lock()) return 1;
  const int n = threads();
  if (static_cast<int>(workers_.size()) < n - 1) start_workers(n - 1);
  return n;
}

void ThreadPool::release() { job_mutex_.unlock(); }

void ThreadPool::run(int ntasks, TaskFn fn, void* ctx) {
  const int helpers = ntasks - 1;
  {
    std::lock_guard<std::mutex> lk(mu_);
    fn_ = fn;
    ctx_ = ctx;
    ntasks_ = ntasks;
    pending_.store(helpers, std::memory_order_relaxed);
    ++generation_;
  }
  cv_work_.notify_all();
  fn(ctx, 0, ntasks);
  // Short spin: most jobs are balanced, so helpers finish at about the same time as the caller.
  for (int spin = 0; spin < 4000 && pending_.load(std::memory_order_acquire) > 0; ++spin) {
    std::this_thread::yield();
  }
  if (pending_.load(std::memory_order_acquire) > 0) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_done_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
}

void ThreadPool::worker_main(int index, uint64_t seen) {
  for (;;) {
    TaskFn fn;
    void* ctx;
    int ntasks;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_work_.wait(lk, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      fn = fn_;
      ctx = ctx_;
      ntasks = ntasks_;
    }
    if (index < ntasks) {
      fn(ctx, index, ntasks);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu_);
        cv_done_.notify_one();
      }
    }
  }
}

}  // namespace itersolve
