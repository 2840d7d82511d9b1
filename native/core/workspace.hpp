// Reusable scratch memory for solvers.
//
// Fresh memory is expensive: the first write to a page costs a fault and a zero-fill by the
// kernel (on the project's 2-vCPU VM ~4 ms per MB when the host is busy, some 60× a second pass
// over the same memory). A solver that allocated its 3-7 work vectors per solve paid for them on
// every solve, more than the arithmetic of a short solve. A Workspace keeps those vectors between
// solves: buffers grow on demand and are kept (never shrunk, except by trim()), so a warm solve
// touches only memory it touched before.
//
// Ownership (never a static global: the addon is context-aware, one Workspace per user):
//  - the per-environment Addon owns one for the sync entry points (main thread, or a
//    worker_thread's own thread);
//  - each job-runner thread owns one for the async jobs it runs.
// A Workspace is used by one thread at a time, but calls may nest (a JS preconditioner called
// inline by a sync solve may run another sync solve): every take() hands out a buffer nobody
// holds, and the handle gives it back when destroyed. A mutex guards the bookkeeping, so a
// mistaken concurrent use is still safe (merely slower).
//
// Large buffers (≥ 1 MiB) are mapped at a 2 MiB boundary and advised MADV_HUGEPAGE (Linux), which
// halves the first-touch cost on a VM with transparent huge pages in `madvise` mode; the rest
// come from aligned operator new. Contents are uninitialised: every solver writes a vector
// before reading it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace itersolve {

class Workspace;

// A lease of n doubles (uninitialised, 64-byte aligned). Move-only; returns the buffer to its
// workspace when destroyed. Without a workspace it owns a private allocation (same alignment),
// so code written against ScratchVec runs the same with or without one.
class ScratchVec {
 public:
  ScratchVec() = default;
  ScratchVec(Workspace* ws, int64_t n);
  ~ScratchVec() { reset(); }
  ScratchVec(ScratchVec&& o) noexcept { *this = static_cast<ScratchVec&&>(o); }
  ScratchVec& operator=(ScratchVec&& o) noexcept;
  ScratchVec(const ScratchVec&) = delete;
  ScratchVec& operator=(const ScratchVec&) = delete;

  double* data() const { return data_; }
  int64_t size() const { return n_; }
  bool empty() const { return data_ == nullptr; }
  double& operator[](int64_t i) const { return data_[i]; }
  // Gives the buffer back now (to the workspace, or frees the private allocation).
  void reset();

 private:
  Workspace* ws_ = nullptr;
  int slot_ = -1;           // index in ws_->slots_, or -1 for a private allocation
  double* data_ = nullptr;
  int64_t n_ = 0;
  size_t bytes_ = 0;        // private allocation's size (for the matching free)
};

class Workspace {
 public:
  Workspace() = default;
  ~Workspace();  // every ScratchVec taken from it must be gone by then
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // n doubles nobody else holds. Prefers the smallest free buffer that fits; else grows the
  // largest free one (its old contents are dropped); else adds a buffer. Throws std::bad_alloc.
  ScratchVec take(int64_t n) { return ScratchVec(this, n); }

  // Frees every buffer not held now (e.g. after a big solve, to give the memory back).
  void trim();

  struct Stats {
    int buffers = 0;        // buffers kept (held or free)
    int held = 0;           // of which held now
    size_t bytes = 0;       // bytes kept
    uint64_t allocations = 0;  // buffers allocated (or grown) since creation: stays put when warm
  };
  Stats stats() const;

  // The allocator behind it (also used by ScratchVec without a workspace). bytes is rounded up
  // to a multiple of 64; large requests are mapped and advised MADV_HUGEPAGE where available.
  static void* allocate(size_t bytes, size_t* actual);
  static void release(void* p, size_t actual);

 private:
  friend class ScratchVec;
  struct Slot {
    double* data = nullptr;
    size_t bytes = 0;  // capacity in bytes (as allocated)
    bool held = false;
  };
  int acquire(int64_t n, double** data);  // returns the slot
  void give_back(int slot);

  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  uint64_t allocations_ = 0;
};

}  // namespace itersolve
