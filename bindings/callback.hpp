// A JS function used as a preconditioner or direction oracle, in either form of a solve.
//
// The Sync form calls the function inline. The Promise form calls it on the main thread through
// a thread-safe function, once per application, while the native loop waits. Either way the
// function's (r, z) arrays are reused across calls and valid during the call; if it throws the
// solve stops and that error is the call's; if it detaches a buffer the solver uses, the call
// fails with ERR_BUFFER_DETACHED.
#pragma once
#include <napi.h>

#include <memory>
#include <utility>
#include <vector>

#include "../native/krylov/krylov.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {

struct CallbackState;  // callback.cpp
class SyncCallback;
class AsyncCallback;

class JsPreconditioner {
 public:
  // `pinned`: the solve's typed-array arguments (index, name) a callback could detach; the
  // Promise form pins them through its job already.
  JsPreconditioner(Args& args, Napi::Function fn, int64_t n,
                   std::vector<std::pair<size_t, const char*>> pinned);
  ~JsPreconditioner();
  JsPreconditioner(const JsPreconditioner&) = delete;
  JsPreconditioner& operator=(const JsPreconditioner&) = delete;

  // The preconditioner to hand the solver (runner thread for the Promise form).
  const Preconditioner* begin(Addon& addon);
  // After the solve (any thread): the Promise form releases its thread-safe function so it no
  // longer keeps the event loop alive.
  void end();
  // Sync form, main thread, after the solve: throws what stopped it, if the callback did.
  void rethrow() const;

 private:
  // Sync form
  std::unique_ptr<JobShared> syncPins_;
  std::unique_ptr<SyncCallback> sync_;
  // Promise form
  std::shared_ptr<CallbackState> state_;
  struct Tsfn;
  std::unique_ptr<Tsfn> tsfn_;
  std::unique_ptr<AsyncCallback> async_;
};

}  // namespace binding
}  // namespace itersolve
