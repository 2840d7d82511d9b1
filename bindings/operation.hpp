// How every operation of the addon is shaped, so its Sync and Promise forms cannot drift.
//
// An operation is a class Op (sharp's "baton") with
//   static constexpr const char* kName;      // "cg", "readMatrixMarket", ...
//   explicit Op(Args& args);                 // main thread: unpack and check every argument once
//                                            // (throws Napi errors); in a job, Args pins buffers
//   void run(const Engine& e, Control& ctl); // any thread: the work; throws SolverError,
//                                            // bad_alloc, ... on failure
//   Napi::Value result(Napi::Env env);       // main thread, after run
//   double time_limit_ms() const;            // the Sync form's budget (0: none); the Promise
//                                            // form takes timeLimitMs from its job options
// run_sync<Op> is its Sync entry; start_job<Op, OptionsIndex> its Promise entry, whose options
// object ({ cancel, timeLimitMs, onProgress }) is argument OptionsIndex. Both pass through the
// one error exit (bindings/errors.hpp): export_fn wraps every exported function in guarded(),
// and Job::execute records a failed run with current_failure().
#pragma once
#include <napi.h>

#include <utility>

#include "async.hpp"
#include "common.hpp"
#include "errors.hpp"

namespace itersolve {
namespace binding {

// The arguments of one call, unpacked once for either form: the Sync form reads typed arrays in
// place; the Promise form (job != nullptr) also pins each until the job settles.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, Job* job) : info_(info), job_(job) {}
  Napi::Env env() const { return info_.Env(); }
  Napi::Value operator[](size_t i) const { return info_[i]; }
  Job* job() const { return job_; }
  bool async() const { return job_ != nullptr; }

  Span<double> f64(size_t i, const char* name, int64_t minLength = -1, bool trustedType = false) {
    return job_ ? job_->pin_f64(info_[i], name, minLength, trustedType)
                : as_f64(env(), info_[i], name, minLength, trustedType);
  }
  Span<int32_t> i32(size_t i, const char* name, int64_t minLength = -1, bool trustedType = false) {
    return job_ ? job_->pin_i32(info_[i], name, minLength, trustedType)
                : as_i32(env(), info_[i], name, minLength, trustedType);
  }
  // The CSR arrays rowPtr, colIdx, values at arguments i, i+1, i+2 for a rows x cols matrix;
  // `trusted`: a CsrMatrix the facade validated (no O(nnz) scan, no element-type tests).
  CsrView csr(size_t i, int64_t rows, int64_t cols, bool trusted) {
    CsrView A = csr_from(env(), rows, cols, info_[i], info_[i + 1], info_[i + 2], !trusted);
    if (job_ != nullptr) {
      job_->pin_unpacked(info_[i], A.rowPtr, static_cast<size_t>(rows + 1) * 4, "rowPtr", 4);
      // The pins record each whole view: the detach check compares the full byte length.
      pin_whole(info_[i + 1], "colIdx", 4);
      pin_whole(info_[i + 2], "values", 8);
    }
    return A;
  }

 private:
  void pin_whole(Napi::Value v, const char* name, size_t elem) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    job_->pin_unpacked(v, static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset(),
                       t.ElementLength() * elem, name, elem);
  }
  const Napi::CallbackInfo& info_;
  Job* job_;
};

// Every exported function goes through this: the one guard of the Sync path (info.Data() is the
// export's name, used in messages).
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded_entry(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), static_cast<const char*>(info.Data()), [&] { return F(info); });
}
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void export_fn(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<guarded_entry<F>>(env, name, const_cast<char*>(name)));
}

template <class Op>
Napi::Value run_sync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args args(info, nullptr);
  Op op(args);
  Control ctl;
  const double tl = op.time_limit_ms();
  if (tl > 0) ctl.set_time_limit_ms(tl);
  op.run(addon(env).engine(), ctl);
  return op.result(env);
}

template <class Op>
class OpJob : public Job {
 public:
  OpJob(const Napi::CallbackInfo& info, Napi::Object options)
      : Job(info.Env(), options, Op::kName), op_(as_lvalue(Args(info, this))) {}

 protected:
  void Run(Control& ctl) override { op_.run(engine_, ctl); }
  Napi::Value Result(Napi::Env env) override { return op_.result(env); }

 private:
  // The Args temporary lives until the end of the member initialiser, i.e. while Op's
  // constructor runs, which is all it may (it refers to the call's arguments).
  static Args& as_lvalue(Args&& a) { return a; }
  Op op_;
};

template <class Op, size_t OptionsIndex>
Napi::Value start_job(const Napi::CallbackInfo& info) {
  Napi::Value o = info[OptionsIndex];
  if (!o.IsObject())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "options: expected an object", "options");
  auto* job = new OpJob<Op>(info, o.As<Napi::Object>());
  Napi::Promise p = job->promise();
  job->Start();
  return p;
}

}  // namespace binding
}  // namespace itersolve
