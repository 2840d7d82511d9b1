// A JS function called by a native loop, in either form of a call: the one mechanism behind
// JS preconditioners and direction oracles (r, z) => void (krylov.cpp) and the block gradients
// (x, block, gradOut) => void of proxBcd (prox_bcd.cpp).
//
// The function is called as fn(in, out) or, with a tag, fn(in, tag, out): `in` a Float64Array
// holding a copy of the native input (inLength entries), `tag` an integer the native loop passes
// (a block index), `out` a Float64Array of outLength(tag) entries, zero on entry, whose contents
// are copied back after the call. Both arrays are reused across calls (one buffer for every
// tag's `out`) and valid during the call.
//
// The Sync form calls the function inline. The Promise form calls it on the main thread through
// a thread-safe function, once per call, while the native loop waits. Either way, if it throws
// the call returns false (the native loop stops) and that error is the operation's; if it
// detaches or transfers a buffer the native loop uses (a pinned argument, or its own in/out
// arrays), the call returns false and the operation fails with ERR_BUFFER_DETACHED naming it.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../native/krylov/krylov.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {

struct CallbackState;  // callback.cpp

class JsCallback {
 public:
  struct Shape {
    int64_t inLength = 0;
    // out's length per tag (tags 0 .. outLengths.size() − 1).
    std::vector<int64_t> outLengths;
    // fn(in, tag, out); false: fn(in, out) with tag 0.
    bool tagged = false;
    // Names the callback in messages: ERR_BUFFER_DETACHED names it as the argument when its own
    // arrays were detached ("preconditioner", "smooth").
    std::string what;
  };
  // Main thread. `pinned`: the call's typed-array arguments (index, name) the function could
  // detach; the Promise form pins them through its job already.
  JsCallback(Args& args, Napi::Function fn, Shape shape,
             const std::vector<std::pair<size_t, const char*>>& pinned);
  ~JsCallback();
  JsCallback(const JsCallback&) = delete;
  JsCallback& operator=(const JsCallback&) = delete;

  // Native side (the main thread for the Sync form, the runner thread for the Promise form):
  // calls the function with `in` and `tag` (ignored without tags) and copies its `out` into out.
  // Returns false when the operation must stop (the function threw, a buffer was detached, the
  // job was stopped or the environment is closing).
  bool call(const double* in, int64_t tag, double* out);
  // After the native loop (any thread): the Promise form releases its thread-safe function so it
  // no longer keeps the event loop alive.
  void end();
  // Sync form, main thread, after the native loop: throws what stopped it, if the function did.
  void rethrow() const;

 private:
  std::shared_ptr<CallbackState> state_;
  struct Tsfn;
  std::unique_ptr<Tsfn> tsfn_;  // Promise form only
  const std::atomic<bool>* closing_ = nullptr;
};

// A JsCallback as a preconditioner / direction oracle (r, z) => void over n entries.
class JsPreconditioner {
 public:
  JsPreconditioner(Args& args, Napi::Function fn, int64_t n,
                   std::vector<std::pair<size_t, const char*>> pinned);
  ~JsPreconditioner();
  JsPreconditioner(const JsPreconditioner&) = delete;
  JsPreconditioner& operator=(const JsPreconditioner&) = delete;

  // The preconditioner to hand the solver.
  const Preconditioner* begin(Addon& addon);
  void end() { cb_.end(); }
  void rethrow() const { cb_.rethrow(); }

 private:
  class Adapter;
  JsCallback cb_;
  std::unique_ptr<Adapter> adapter_;
};

}  // namespace binding
}  // namespace itersolve
