#include "threadpool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#if defined(__linux__)
#include <sched.h>
#endif

namespace itersolve {
namespace {

// Whether this thread holds a compute slot. Per-thread state of the pool (set by enter()/leave()
// on runner threads, by a worker around the tasks it runs, by a Sync caller around a kernel it
// runs with helpers); nothing is shared through it.
thread_local bool t_holds_slot = false;

}  // namespace

// ---------------------------------------------------------------------------------------------
// ComputePool

struct ComputePool::Group {
  TaskFn fn;
  void* ctx;
  int ntasks;
  std::atomic<int> next{1};    // next task index to claim (the caller runs task 0)
  int tickets = 0;             // helpers that may still join (mu_)
  std::atomic<int> joined{0};  // helpers inside (changed under mu_)
};

std::shared_ptr<ComputePool> ComputePool::instance() {
  // The one process-wide object of the addon (the issue asks for exactly one compute pool per
  // process, shared by every environment). It is reference-counted by the environments'
  // ThreadPools: this only remembers the current one weakly, under a mutex, so the first
  // environment creates it and the last one's teardown destroys it (joining its workers). Both
  // statics are created on first use and deliberately never destroyed, so an environment torn down
  // during process exit, after static destructors may have run, still finds them valid.
  static std::mutex* const mu = new std::mutex;
  static std::weak_ptr<ComputePool>* const current = new std::weak_ptr<ComputePool>;
  std::lock_guard<std::mutex> lk(*mu);
  std::shared_ptr<ComputePool> p = current->lock();
  if (!p) {
    p = std::make_shared<ComputePool>(available_cores());
    *current = p;
  }
  return p;
}

int ComputePool::available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n >= 1) return std::min(n, 256);
  }
#endif
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min(hc, 256u));
}

ComputePool::ComputePool(int limit) : limit_(limit < 1 ? 1 : limit) {}

ComputePool::~ComputePool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  slot_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool ComputePool::holds_slot() { return t_holds_slot; }

void ComputePool::computing_changed_locked(int delta) {
  computing_ += delta;
  if (computing_ > max_computing_) max_computing_ = computing_;
}

bool ComputePool::enter(const std::atomic<bool>* stop) {
  std::unique_lock<std::mutex> lk(mu_);
  ++waiting_;
  slot_cv_.wait(lk, [&] { return (stop != nullptr && stop->load()) || used_ < limit_; });
  --waiting_;
  if (stop != nullptr && stop->load()) return false;
  ++used_;
  computing_changed_locked(+1);
  t_holds_slot = true;
  return true;
}

void ComputePool::leave() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    --used_;
    computing_changed_locked(-1);
  }
  t_holds_slot = false;
  slot_cv_.notify_one();
}

void ComputePool::wake() {
  {
    std::lock_guard<std::mutex> lk(mu_);
  }  // a waiter between its test and its wait sees the flag
  slot_cv_.notify_all();
}

int ComputePool::try_reserve(int want) {
  if (want <= 0) return 0;
  std::lock_guard<std::mutex> lk(mu_);
  if (waiting_ > 0) return 0;  // a job waits for a core: it goes first
  const int got = std::min(want, limit_ - used_);
  if (got <= 0) return 0;
  used_ += got;
  return got;
}

void ComputePool::unreserve(int n) {
  if (n <= 0) return;
  bool waiters;
  {
    std::lock_guard<std::mutex> lk(mu_);
    used_ -= n;
    waiters = waiting_ > 0;
  }
  if (waiters) slot_cv_.notify_all();
}

void ComputePool::start_workers_locked(int count) {
  while (static_cast<int>(workers_.size()) < count)
    workers_.emplace_back([this] { worker_main(); });
}

void ComputePool::run(int ntasks, int helpers, TaskFn fn, void* ctx) {
  Group g;
  g.fn = fn;
  g.ctx = ctx;
  g.ntasks = ntasks;
  g.tickets = helpers;
  if (helpers > 0) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      start_workers_locked(limit_ - 1);
      groups_.push_back(&g);
    }
    if (helpers == 1) work_cv_.notify_one();
    else work_cv_.notify_all();
  }
  fn(ctx, 0, ntasks);
  if (helpers <= 0) {
    for (int t; (t = g.next.fetch_add(1, std::memory_order_relaxed)) < ntasks;) fn(ctx, t, ntasks);
    return;
  }
  // Tasks 1.. are the helpers': a reserved slot means a worker is idle or about to be, and it
  // comes. Waiting for it (briefly spinning, as balanced kernels end at about the same time on
  // every thread) is what makes the kernel parallel: a caller that took the helpers' tasks itself
  // whenever they were slow to wake would run most kernels serially. Safety net: a task still
  // unclaimed after 2 ms runs here.
  auto finished = [&] {
    return g.next.load(std::memory_order_acquire) >= ntasks &&
           g.joined.load(std::memory_order_acquire) == 0;
  };
  for (int spin = 0; spin < 4000 && !finished(); ++spin) std::this_thread::yield();
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (g.next.load(std::memory_order_acquire) >= ntasks) {
      // Every task is claimed: no helper may join from now on; wait for those inside.
      auto it = std::find(groups_.begin(), groups_.end(), &g);
      if (it != groups_.end()) groups_.erase(it);
      done_cv_.wait(lk, [&] { return g.joined.load(std::memory_order_acquire) == 0; });
      return;
    }
    if (done_cv_.wait_for(lk, std::chrono::milliseconds(2)) == std::cv_status::timeout &&
        g.next.load(std::memory_order_acquire) < ntasks) {
      lk.unlock();
      for (int t; (t = g.next.fetch_add(1, std::memory_order_relaxed)) < ntasks;)
        fn(ctx, t, ntasks);
      lk.lock();
    }
  }
}

void ComputePool::worker_main() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    Group* g = nullptr;
    work_cv_.wait(lk, [&] {
      if (stopping_) return true;
      for (Group* c : groups_)
        if (c->tickets > 0 && c->next.load(std::memory_order_relaxed) < c->ntasks) {
          g = c;
          return true;
        }
      return false;
    });
    if (g == nullptr) return;  // stopping
    if (--g->tickets == 0) groups_.erase(std::find(groups_.begin(), groups_.end(), g));
    g->joined.fetch_add(1, std::memory_order_relaxed);
    computing_changed_locked(+1);
    lk.unlock();
    t_holds_slot = true;
    for (int t; (t = g->next.fetch_add(1, std::memory_order_relaxed)) < g->ntasks;)
      g->fn(g->ctx, t, g->ntasks);
    t_holds_slot = false;
    lk.lock();
    computing_changed_locked(-1);
    // The caller may return (and its Group go away) as soon as this reaches 0 under the lock.
    if (g->joined.fetch_sub(1, std::memory_order_acq_rel) == 1) done_cv_.notify_all();
  }
}

ComputePool::Stats ComputePool::stats(bool reset_max) {
  std::lock_guard<std::mutex> lk(mu_);
  Stats s;
  s.limit = limit_;
  s.workers = static_cast<int>(workers_.size());
  s.computing = computing_;
  s.maxConcurrent = max_computing_;
  s.waiting = waiting_;
  s.users = users_;
  if (reset_max) max_computing_ = computing_;
  return s;
}

// ---------------------------------------------------------------------------------------------
// ThreadPool

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

ThreadPool::ThreadPool(int threads) : shared_(ComputePool::instance()) {
  threads_.store(threads < 1 ? 1 : threads);
  std::lock_guard<std::mutex> lk(shared_->mu_);
  ++shared_->users_;
}

ThreadPool::~ThreadPool() { detach(); }

void ThreadPool::detach() {
  std::lock_guard<std::mutex> lk(shared_->mu_);
  if (!attached_) return;
  attached_ = false;
  --shared_->users_;
}

int ThreadPool::acquire() {
  const int cap = threads();
  if (cap <= 1) return 1;
  // A job's runner thread already holds a slot; a Sync caller needs one for itself as well.
  const bool self = !ComputePool::holds_slot();
  std::lock_guard<std::mutex> lk(mu_);
  // This environment's threads now: its running jobs (or the Sync caller) and the helpers its
  // kernels hold; the new helpers keep the total within cap.
  const int busy = jobs() + (self ? 1 : 0) + helpers_;
  const int helpers = cap - busy;
  if (helpers <= 0) return 1;
  const int want = helpers + (self ? 1 : 0);
  const int got = shared_->try_reserve(want);
  const int ntasks = self ? got : got + 1;
  if (ntasks <= 1) {
    shared_->unreserve(got);
    return 1;
  }
  helpers_ += got;
  return ntasks;
}

void ThreadPool::run(int ntasks, TaskFn fn, void* ctx) {
  const bool self = !ComputePool::holds_slot();
  ComputePool& cp = *shared_;
  if (self) {
    {
      std::lock_guard<std::mutex> lk(cp.mu_);
      cp.computing_changed_locked(+1);
    }
    t_holds_slot = true;
  }
  cp.run(ntasks, ntasks - 1, fn, ctx);
  if (self) {
    t_holds_slot = false;
    std::lock_guard<std::mutex> lk(cp.mu_);
    cp.computing_changed_locked(-1);
  }
}

void ThreadPool::release(int ntasks) {
  const int got = ComputePool::holds_slot() ? ntasks - 1 : ntasks;
  {
    std::lock_guard<std::mutex> lk(mu_);
    helpers_ -= got;
  }
  shared_->unreserve(got);
}

}  // namespace itersolve
