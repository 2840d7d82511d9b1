#include "workspace.hpp"

#include <cstdint>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace itersolve {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kHuge = size_t{2} << 20;     // 2 MiB: x86-64 / aarch64 (4 KiB pages) huge page
constexpr size_t kMapMin = size_t{1} << 20;   // from 1 MiB on, map (and advise) directly

size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

}  // namespace

void* Workspace::allocate(size_t bytes, size_t* actual) {
  if (bytes == 0) bytes = kAlign;
  bytes = round_up(bytes, kAlign);
#if defined(__linux__)
  if (bytes >= kMapMin) {
    // Map a 2 MiB-aligned range so transparent huge pages can back all of it: map one huge page
    // more than needed and unmap the slack on both sides.
    const size_t size = round_up(bytes, kHuge);
    void* raw =
        mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t base = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = round_up(base, kHuge);
    if (aligned > base) munmap(raw, aligned - base);
    const uintptr_t end = base + size + kHuge;
    if (end > aligned + size)
      munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
#if defined(MADV_HUGEPAGE)
    madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice only: errors ignored
#endif
    *actual = size;
    return reinterpret_cast<void*>(aligned);
  }
#endif
  *actual = bytes;
  return ::operator new(bytes, std::align_val_t(kAlign));
}

void Workspace::release(void* p, size_t actual) {
  if (p == nullptr) return;
#if defined(__linux__)
  if (actual >= kMapMin) {
    munmap(p, actual);
    return;
  }
#endif
  ::operator delete(p, std::align_val_t(kAlign));
}

Workspace::~Workspace() {
  for (Slot& s : slots_) release(s.data, s.bytes);
}

int Workspace::acquire(int64_t n, double** data) {
  const size_t need = round_up(static_cast<size_t>(n > 0 ? n : 1) * sizeof(double), kAlign);
  std::lock_guard<std::mutex> lk(mu_);
  int best = -1, largest = -1;
  for (int i = 0; i < static_cast<int>(slots_.size()); ++i) {
    const Slot& s = slots_[static_cast<size_t>(i)];
    if (s.held) continue;
    if (s.bytes >= need && (best < 0 || s.bytes < slots_[static_cast<size_t>(best)].bytes))
      best = i;
    if (largest < 0 || s.bytes > slots_[static_cast<size_t>(largest)].bytes) largest = i;
  }
  if (best < 0) {
    size_t actual = 0;
    void* p = allocate(need, &actual);  // throws before any bookkeeping changes
    ++allocations_;
    if (largest >= 0) {
      // Grow the largest free buffer rather than keep a small one nobody will fit in.
      Slot& s = slots_[static_cast<size_t>(largest)];
      release(s.data, s.bytes);
      s.data = static_cast<double*>(p);
      s.bytes = actual;
      best = largest;
    } else {
      slots_.push_back(Slot{static_cast<double*>(p), actual, false});
      best = static_cast<int>(slots_.size()) - 1;
    }
  }
  Slot& s = slots_[static_cast<size_t>(best)];
  s.held = true;
  *data = s.data;
  return best;
}

void Workspace::give_back(int slot) {
  std::lock_guard<std::mutex> lk(mu_);
  slots_[static_cast<size_t>(slot)].held = false;
}

void Workspace::trim() {
  std::lock_guard<std::mutex> lk(mu_);
  // Held buffers keep their slot index (a ScratchVec refers to it); free ones are emptied, and
  // trailing empty slots dropped.
  for (Slot& s : slots_)
    if (!s.held && s.data != nullptr) {
      release(s.data, s.bytes);
      s.data = nullptr;
      s.bytes = 0;
    }
  while (!slots_.empty() && !slots_.back().held && slots_.back().data == nullptr) slots_.pop_back();
}

Workspace::Stats Workspace::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  Stats st;
  for (const Slot& s : slots_) {
    if (s.data == nullptr) continue;
    ++st.buffers;
    if (s.held) ++st.held;
    st.bytes += s.bytes;
  }
  st.allocations = allocations_;
  return st;
}

ScratchVec::ScratchVec(Workspace* ws, int64_t n) : n_(n) {
  if (ws != nullptr) {
    slot_ = ws->acquire(n, &data_);
    ws_ = ws;
    return;
  }
  data_ = static_cast<double*>(
      Workspace::allocate(static_cast<size_t>(n > 0 ? n : 1) * sizeof(double), &bytes_));
}

ScratchVec& ScratchVec::operator=(ScratchVec&& o) noexcept {
  if (this != &o) {
    reset();
    ws_ = o.ws_;
    slot_ = o.slot_;
    data_ = o.data_;
    n_ = o.n_;
    bytes_ = o.bytes_;
    o.ws_ = nullptr;
    o.slot_ = -1;
    o.data_ = nullptr;
    o.n_ = 0;
    o.bytes_ = 0;
  }
  return *this;
}

void ScratchVec::reset() {
  if (ws_ != nullptr && slot_ >= 0) ws_->give_back(slot_);
  else if (data_ != nullptr) Workspace::release(data_, bytes_);
  ws_ = nullptr;
  slot_ = -1;
  data_ = nullptr;
  n_ = 0;
  bytes_ = 0;
}

}  // namespace itersolve
