// Cooperative control of long-running native work: cancellation flag, time budget and throttled
// progress. Pure C++; the binding layer fills it in from an AbortSignal, timeLimitMs and a
// thread-safe JS callback. Native loops call `poll()` once per iteration (cheap: one relaxed load
// and, every few calls, a clock read).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace itersolve {

enum class StopReason : int { None = 0, Aborted = 1, TimeLimit = 2 };

struct ProgressInfo {
  int64_t iteration = 0;   // iterations (or bytes, for parsers) done so far
  int64_t total = -1;      // expected total when known, else -1
  double value = 0.0;      // current figure of merit (residual norm, eigenvalue estimate, ...)
  // Estimated fraction of the work done, in [0, 1], or -1 when unknown. Iterative solvers
  // estimate it from the residual on a log scale (krylov::progress_fraction): the distance
  // covered from the initial residual towards the tolerance.
  double fraction = -1.0;
};

class Control {
 public:
  using Clock = std::chrono::steady_clock;
  using ProgressFn = void (*)(void* ctx, const ProgressInfo& info);

  Control() : start_(Clock::now()) {}

  // The caller's cancellation flag, plus up to three more stop requests from the binding (a
  // pinned buffer was detached, a callback threw, the environment is shutting down); any flag
  // set stops the work as Aborted.
  void set_abort_flag(const std::atomic<bool>* flag) { abort_ = flag; }
  void add_stop_flag(const std::atomic<bool>* flag) {
    if (nstop_ < 3) stop_[nstop_++] = flag;
  }
  void set_time_limit_ms(double ms) {
    if (ms > 0 && ms < 1e15) {
      has_deadline_ = true;
      deadline_ = start_ + std::chrono::microseconds(static_cast<int64_t>(ms * 1000.0));
    }
  }
  // The first report goes through at once, unless `first_after_interval`: then the first one
  // waits a whole interval too (a heartbeat that only checks on the caller's buffers need not
  // cost anything for work that finishes sooner).
  void set_progress(ProgressFn fn, void* ctx, double min_interval_ms = 50.0,
                    bool first_after_interval = false) {
    progress_ = fn;
    progress_ctx_ = ctx;
    progress_interval_ = std::chrono::microseconds(static_cast<int64_t>(min_interval_ms * 1000.0));
    if (first_after_interval) last_progress_ = start_;
  }

  // Returns why the work must stop now, or None.
  StopReason poll() {
    if (abort_ != nullptr && abort_->load(std::memory_order_relaxed)) return StopReason::Aborted;
    for (int i = 0; i < nstop_; ++i)
      if (stop_[i]->load(std::memory_order_relaxed)) return StopReason::Aborted;
    if (has_deadline_ && Clock::now() >= deadline_) return StopReason::TimeLimit;
    return StopReason::None;
  }

  // Reports progress at most once per interval (default 50 ms: at most 20 calls a second).
  void progress(const ProgressInfo& info, bool force = false) {
    if (progress_ == nullptr) return;
    const auto now = Clock::now();
    if (!force && now - last_progress_ < progress_interval_) return;
    last_progress_ = now;
    progress_(progress_ctx_, info);
  }
  bool wants_progress() const { return progress_ != nullptr; }

  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  }

 private:
  const std::atomic<bool>* abort_ = nullptr;
  const std::atomic<bool>* stop_[3] = {nullptr, nullptr, nullptr};
  int nstop_ = 0;
  bool has_deadline_ = false;
  Clock::time_point start_;
  Clock::time_point deadline_{};
  ProgressFn progress_ = nullptr;
  void* progress_ctx_ = nullptr;
  std::chrono::microseconds progress_interval_{50000};
  Clock::time_point last_progress_{};
};

const char* stop_reason_name(StopReason r);

}  // namespace itersolve
