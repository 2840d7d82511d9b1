// Sparse direct solvers (native/direct/): factor objects and spsolve.
//
//   cholesky(rows, cols, rowPtr, colIdx, values, trusted, ordering, ldlt, timeLimitMs)
//     -> NativeFactor;  choleskyAsync(..., jobOptions) -> Promise<NativeFactor>
//   lu(rows, cols, rowPtr, colIdx, values, trusted, ordering, pivotThreshold, timeLimitMs)
//     -> NativeFactor;  luAsync(..., jobOptions)
//   factorSolve(factor, B, nrhs, transpose)  B (n·nrhs, column-major) overwritten with A⁻¹B
//     (A⁻ᵀB with transpose, LU only);  factorSolveAsync(..., jobOptions) -> Promise<undefined>
//   factorRefactor(factor, rows, cols, rowPtr, colIdx, values, trusted, timeLimitMs)
//     factorRefactorAsync(..., jobOptions)
//   factorCondest(factor) -> number (LU)
//   spsolve(rows, cols, rowPtr, colIdx, values, trusted, B, nrhs, X, method, refine,
//     pivotThreshold, timeLimitMs) -> { method, fellBack, refinementSteps, residualNorm,
//     relativeResidual, residualNorms, relativeResiduals, nnzL, nnzU, ordering, factorMs,
//     solveMs };  spsolveAsync(..., jobOptions)
// NativeFactor (not constructible from JS): kind 'cholesky' | 'lu', n, nnzL, nnzU, ordering,
// method, ldlt, logDeterminant, negativePivots, btfBlocks. It holds its factor through a
// shared_ptr, and so does every job and Krylov preconditioner using it: the factor outlives the
// JS object while any of them runs.
//
// Concurrency: any number of solves (and Krylov solves using the factor as preconditioner) may
// run at once (solve is const). refactor rewrites the factor in place, so it is REJECTED
// (ERR_INVALID_ARGUMENT naming 'factor') while any of them is in flight, and a solve is rejected
// while a refactorAsync is in flight: await the others first.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "../native/direct/cholesky.hpp"
#include "../native/direct/factor_precond.hpp"
#include "../native/direct/lu.hpp"
#include "../native/direct/spsolve.hpp"
#include "areas.hpp"
#include "operation.hpp"
#include "precond.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

using direct::CholeskyFactor;
using direct::LuFactor;
using direct::SharedFactor;

// Tags a NativeFactor so that an object from elsewhere is never unwrapped as one.
constexpr napi_type_tag kFactorTag = {0x6974657273f1c701ULL, 0xd12ec7fac70a5e12ULL};

int64_t int_arg(Napi::Env env, Napi::Value v, const char* name, int64_t lo, int64_t hi) {
  if (!v.IsNumber())
    throw_error(env, "ERR_INVALID_ARGUMENT", std::string(name) + ": expected an integer", name);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != std::floor(d))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected an integer in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "]",
                name);
  return static_cast<int64_t>(d);
}
double num_arg(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsNumber())
    throw_error(env, "ERR_INVALID_ARGUMENT", std::string(name) + ": expected a number", name);
  return v.As<Napi::Number>().DoubleValue();
}
bool bool_arg(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsBoolean())
    throw_error(env, "ERR_INVALID_ARGUMENT", std::string(name) + ": expected a boolean", name);
  return v.As<Napi::Boolean>().Value();
}
std::string str_arg(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsString())
    throw_error(env, "ERR_INVALID_ARGUMENT", std::string(name) + ": expected a string", name);
  return v.As<Napi::String>().Utf8Value();
}
// timeLimitMs: 0 (none) or a positive number.
double time_limit_arg(Napi::Env env, Napi::Value v) {
  return param_time_limit(env, num_arg(env, v, "timeLimitMs"));
}

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

// rows, cols at i, i+1; the CSR arrays at i+2..i+4; trusted at i+5. Square.
CsrView read_square(Args& a, size_t i) {
  Napi::Env env = a.env();
  const int64_t rows = int_arg(env, a[i], "rows", 0, kMaxDim);
  const int64_t cols = int_arg(env, a[i + 1], "cols", 0, kMaxDim);
  const bool trusted = bool_arg(env, a[i + 5], "trusted");
  CsrView A = a.csr(i + 2, rows, cols, trusted);
  if (A.rows != A.cols) throw_error(env, "ERR_DIMENSION_MISMATCH", square_message(A), "A");
  return A;
}

class FactorWrap : public Napi::ObjectWrap<FactorWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "NativeFactor",
        {InstanceAccessor<&FactorWrap::Kind>("kind"), InstanceAccessor<&FactorWrap::N>("n"),
         InstanceAccessor<&FactorWrap::NnzL>("nnzL"), InstanceAccessor<&FactorWrap::NnzU>("nnzU"),
         InstanceAccessor<&FactorWrap::Ordering>("ordering"),
         InstanceAccessor<&FactorWrap::Method>("method"),
         InstanceAccessor<&FactorWrap::Ldlt>("ldlt"),
         InstanceAccessor<&FactorWrap::LogDet>("logDeterminant"),
         InstanceAccessor<&FactorWrap::NegPivots>("negativePivots"),
         InstanceAccessor<&FactorWrap::BtfBlocks>("btfBlocks"),
         InstanceAccessor<&FactorWrap::Busy>("busy")});
  }
  // new NativeFactor(external): only the addon can make an External, so JS cannot construct one.
  explicit FactorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FactorWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsExternal())
      throw_error(env, "ERR_UNSUPPORTED",
                  "NativeFactor: made by cholesky() / lu(), not constructible", "factor");
    auto* src = info[0].As<Napi::External<std::shared_ptr<SharedFactor>>>().Data();
    f_ = *src;
    info.This().As<Napi::Object>().TypeTag(&kFactorTag);
  }
  static Napi::Object New(Napi::Env env, std::shared_ptr<SharedFactor> f) {
    auto ext = Napi::External<std::shared_ptr<SharedFactor>>::New(env, &f);
    return addon(env).factorCtor.New({ext});
  }
  const std::shared_ptr<SharedFactor>& get() const { return f_; }

 private:
  Napi::Value Kind(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), f_->chol ? "cholesky" : "lu");
  }
  Napi::Value N(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(f_->n()));
  }
  Napi::Value NnzL(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(),
                             static_cast<double>(f_->chol ? f_->chol->nnzL() : f_->lu->nnzL()));
  }
  Napi::Value NnzU(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(),
                             static_cast<double>(f_->chol ? f_->chol->nnzL() : f_->lu->nnzU()));
  }
  Napi::Value Ordering(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), f_->chol ? direct::ordering_name(f_->chol->ordering())
                                                  : f_->lu->ordering_name());
  }
  Napi::Value Method(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), f_->chol ? "supernodal" : f_->lu->method());
  }
  Napi::Value Ldlt(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), f_->chol && f_->chol->ldlt());
  }
  Napi::Value LogDet(const Napi::CallbackInfo& info) {
    if (!f_->chol) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), f_->chol->log_determinant());
  }
  Napi::Value NegPivots(const Napi::CallbackInfo& info) {
    if (!f_->chol) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(f_->chol->negative_pivots()));
  }
  Napi::Value BtfBlocks(const Napi::CallbackInfo& info) {
    if (!f_->lu) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(f_->lu->btf_blocks()));
  }
  Napi::Value Busy(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(f_->users.load()));
  }

  std::shared_ptr<SharedFactor> f_;
};

// The factor argument: a NativeFactor (type-tagged), else ERR_INVALID_ARGUMENT naming 'factor'.
std::shared_ptr<SharedFactor> factor_arg(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kFactorTag))
    throw_error(env, "ERR_INVALID_ARGUMENT", "factor: expected a CholeskyFactor or LuFactor",
                "factor");
  return Napi::ObjectWrap<FactorWrap>::Unwrap(v.As<Napi::Object>())->get();
}

void check_not_refactoring(Napi::Env env, const SharedFactor& f) {
  if (f.refactoring.load())
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "factor: a refactor of this factor is in flight; await it before solving",
                "factor");
}

direct::Ordering chol_ordering(Napi::Env env, const std::string& s) {
  if (s == "auto") return direct::Ordering::Auto;
  if (s == "amd") return direct::Ordering::Amd;
  if (s == "nested-dissection") return direct::Ordering::NestedDissection;
  if (s == "natural") return direct::Ordering::Natural;
  throw_error(
      env, "ERR_INVALID_ARGUMENT",
      "ordering: expected 'auto', 'amd', 'nested-dissection' or 'natural', received '" + s + "'",
      "ordering");
}
direct::LuOrdering lu_ordering(Napi::Env env, const std::string& s) {
  if (s == "auto") return direct::LuOrdering::Auto;
  if (s == "colamd") return direct::LuOrdering::Colamd;
  if (s == "amd") return direct::LuOrdering::Amd;
  if (s == "natural") return direct::LuOrdering::Natural;
  throw_error(env, "ERR_INVALID_ARGUMENT",
              "ordering: expected 'auto', 'colamd', 'amd' or 'natural', received '" + s + "'",
              "ordering");
}
double pivot_threshold_arg(Napi::Env env, Napi::Value v) {
  const double t = num_arg(env, v, "pivotThreshold");
  if (!(t >= 0 && t <= 1))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "pivotThreshold: expected a number in [0, 1], received " + std::to_string(t),
                "pivotThreshold");
  return t;
}

class CholeskyOp {
 public:
  static constexpr const char* kName = "cholesky";
  static constexpr size_t kArgOptions = 9;
  explicit CholeskyOp(Args& a) {
    Napi::Env env = a.env();
    A_ = read_square(a, 0);
    opt_.ordering = chol_ordering(env, str_arg(env, a[6], "ordering"));
    opt_.ldlt = bool_arg(env, a[7], "ldlt");
    timeLimitMs_ = time_limit_arg(env, a[8]);
  }
  void run(const Engine& e, Control& ctl) {
    auto f = std::make_shared<SharedFactor>();
    f->chol = CholeskyFactor::factorize(e, A_, opt_, &ctl);
    f_ = std::move(f);
  }
  Napi::Value result(Napi::Env env) { return FactorWrap::New(env, f_); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  CsrView A_{};
  direct::CholeskyOptions opt_;
  double timeLimitMs_ = 0;
  std::shared_ptr<SharedFactor> f_;
};

class LuOp {
 public:
  static constexpr const char* kName = "lu";
  static constexpr size_t kArgOptions = 9;
  explicit LuOp(Args& a) {
    Napi::Env env = a.env();
    A_ = read_square(a, 0);
    opt_.ordering = lu_ordering(env, str_arg(env, a[6], "ordering"));
    opt_.pivot_threshold = pivot_threshold_arg(env, a[7]);
    timeLimitMs_ = time_limit_arg(env, a[8]);
  }
  void run(const Engine& e, Control& ctl) {
    auto f = std::make_shared<SharedFactor>();
    f->lu = LuFactor::factorize(e, A_, opt_, &ctl);
    f_ = std::move(f);
  }
  Napi::Value result(Napi::Env env) { return FactorWrap::New(env, f_); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  CsrView A_{};
  direct::LuOptions opt_;
  double timeLimitMs_ = 0;
  std::shared_ptr<SharedFactor> f_;
};

class SolveOp {
 public:
  static constexpr const char* kName = "solve";
  static constexpr size_t kArgOptions = 4;
  explicit SolveOp(Args& a) : lease_(factor_arg(a.env(), a[0])) {
    Napi::Env env = a.env();
    const SharedFactor& f = *lease_.get();
    check_not_refactoring(env, f);
    n_ = f.n();
    nrhs_ = int_arg(env, a[2], "columns", 0, kMaxDim);
    transpose_ = bool_arg(env, a[3], "transpose");
    if (transpose_ && !f.lu)
      throw_error(env, "ERR_UNSUPPORTED",
                  "solveTranspose: a Cholesky factor's matrix is symmetric: use solve", "factor");
    Span<double> B = a.f64(1, "out");
    if (B.length != n_ * nrhs_)
      throw_error(env, "ERR_DIMENSION_MISMATCH",
                  "out: expected length " + std::to_string(n_ * nrhs_) + " (" + std::to_string(n_) +
                      " x " + std::to_string(nrhs_) + "), received " + std::to_string(B.length),
                  "out");
    B_ = B.data;
  }
  void run(const Engine& e, Control&) {
    if (n_ == 0 || nrhs_ == 0) return;
    const SharedFactor& f = *lease_.get();
    if (f.chol) f.chol->solve(e, B_, nrhs_, n_);
    else if (transpose_) f.lu->solve_transpose(e, B_, nrhs_, n_);
    else f.lu->solve(e, B_, nrhs_, n_);
  }
  Napi::Value result(Napi::Env env) { return env.Undefined(); }
  double time_limit_ms() const { return 0; }

 private:
  direct::FactorLease lease_;
  int64_t n_ = 0, nrhs_ = 0;
  bool transpose_ = false;
  double* B_ = nullptr;
};

class RefactorOp {
 public:
  static constexpr const char* kName = "refactor";
  static constexpr size_t kArgOptions = 8;
  explicit RefactorOp(Args& a) : f_(factor_arg(a.env(), a[0])) {
    Napi::Env env = a.env();
    const int64_t users = f_->users.load();
    if (users > 0)
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "factor: " + std::to_string(users) +
                      " solve(s) using this factor are in flight (solveAsync, or a Krylov solve "
                      "with it as preconditioner); await them before refactor",
                  "factor");
    check_not_refactoring(env, *f_);
    A_ = read_square(a, 1);
    if (A_.rows != f_->n())
      throw_error(env, "ERR_DIMENSION_MISMATCH",
                  "A: expected a " + std::to_string(f_->n()) + "x" + std::to_string(f_->n()) +
                      " matrix (the factorised one's size), received " + std::to_string(A_.rows) +
                      "x" + std::to_string(A_.cols),
                  "A");
    timeLimitMs_ = time_limit_arg(env, a[7]);
    f_->refactoring.store(true);
    marked_ = true;
  }
  ~RefactorOp() {
    if (marked_) f_->refactoring.store(false);
  }
  RefactorOp(const RefactorOp&) = delete;
  RefactorOp& operator=(const RefactorOp&) = delete;
  void run(const Engine& e, Control& ctl) {
    if (f_->chol) f_->chol->refactor(e, A_, &ctl);
    else f_->lu->refactor(e, A_, &ctl);
  }
  Napi::Value result(Napi::Env env) { return env.Undefined(); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  std::shared_ptr<SharedFactor> f_;
  CsrView A_{};
  double timeLimitMs_ = 0;
  bool marked_ = false;
};

class SpsolveOp {
 public:
  static constexpr const char* kName = "spsolve";
  static constexpr size_t kArgOptions = 13;
  explicit SpsolveOp(Args& a) {
    Napi::Env env = a.env();
    A_ = read_square(a, 0);
    const int64_t n = A_.rows;
    nrhs_ = int_arg(env, a[7], "columns", 0, kMaxDim);
    Span<double> B = a.f64(6, "b");
    if (B.length != n * nrhs_)
      throw_error(env, "ERR_DIMENSION_MISMATCH",
                  "b: expected length " + std::to_string(n * nrhs_) + " (" + std::to_string(n) +
                      " x " + std::to_string(nrhs_) + "), received " + std::to_string(B.length),
                  "b");
    Span<double> X = a.f64(8, "out", n * nrhs_);
    if (X.length != n * nrhs_)
      throw_error(env, "ERR_DIMENSION_MISMATCH",
                  "out: expected length " + std::to_string(n * nrhs_) + ", received " +
                      std::to_string(X.length),
                  "out");
    B_ = B.data;
    X_ = X.data;
    // x is written while b (unless it is b itself) and A's values are read.
    if (X_ != B_) check_distinct(env, B_, n * nrhs_, X_, n * nrhs_, "out", "b");
    check_distinct(env, A_.values, A_.rowPtr[n], X_, n * nrhs_, "out", "values");
    const std::string m = str_arg(env, a[9], "method");
    if (m == "auto") opt_.method = direct::DirectMethod::Auto;
    else if (m == "cholesky") opt_.method = direct::DirectMethod::Cholesky;
    else if (m == "lu") opt_.method = direct::DirectMethod::Lu;
    else
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "method: expected 'auto', 'cholesky' or 'lu', received '" + m + "'", "method");
    opt_.refine = int_arg(env, a[10], "refine", 0, 1000);
    opt_.pivot_threshold = pivot_threshold_arg(env, a[11]);
    timeLimitMs_ = time_limit_arg(env, a[12]);
  }
  void run(const Engine& e, Control& ctl) {
    res_ = direct::spsolve(e, A_, B_, nrhs_, X_, opt_, &ctl);
  }
  Napi::Value result(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("method", direct::direct_method_name(res_.method));
    o.Set("fellBack", res_.fell_back);
    o.Set("refinementSteps", static_cast<double>(res_.refinement_steps));
    o.Set("residualNorm", res_.residual_norm);
    o.Set("relativeResidual", res_.relative_residual);
    o.Set("residualNorms", new_f64(env, res_.residual_norms.data(), res_.residual_norms.size()));
    o.Set("relativeResiduals",
          new_f64(env, res_.relative_residuals.data(), res_.relative_residuals.size()));
    o.Set("nnzL", static_cast<double>(res_.nnzL));
    o.Set("nnzU", static_cast<double>(res_.nnzU));
    o.Set("ordering", res_.ordering);
    o.Set("factorMs", res_.factor_ms);
    o.Set("solveMs", res_.solve_ms);
    return o;
  }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  CsrView A_{};
  const double* B_ = nullptr;
  double* X_ = nullptr;
  int64_t nrhs_ = 0;
  direct::SpsolveOptions opt_;
  double timeLimitMs_ = 0;
  direct::SpsolveResult res_;
};

// factorCondest(factor) -> number: LU's 1-norm condition estimate.
Napi::Value FactorCondest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  direct::FactorLease lease(factor_arg(env, info[0]));
  check_not_refactoring(env, *lease.get());
  if (!lease.get()->lu)
    throw_error(env, "ERR_UNSUPPORTED", "condest: only an LuFactor estimates its condition",
                "factor");
  return Napi::Number::New(env, lease.get()->lu->condest(addon(env).engine()));
}

std::shared_ptr<const Preconditioner> factor_preconditioner(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kFactorTag)) return nullptr;
  std::shared_ptr<SharedFactor> f =
      Napi::ObjectWrap<FactorWrap>::Unwrap(v.As<Napi::Object>())->get();
  check_not_refactoring(env, *f);
  return direct::make_factor_preconditioner(std::move(f));
}

}  // namespace

void init_direct(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = FactorWrap::Define(env);
  addon(env).factorCtor = Napi::Persistent(ctor);
  addon(env).factorPreconditioner = factor_preconditioner;
  exports.Set("NativeFactor", ctor);
  export_fn<run_sync<CholeskyOp>>(env, exports, "cholesky");
  export_fn<start_job<CholeskyOp, CholeskyOp::kArgOptions>>(env, exports, "choleskyAsync");
  export_fn<run_sync<LuOp>>(env, exports, "lu");
  export_fn<start_job<LuOp, LuOp::kArgOptions>>(env, exports, "luAsync");
  export_fn<run_sync<SolveOp>>(env, exports, "factorSolve");
  export_fn<start_job<SolveOp, SolveOp::kArgOptions>>(env, exports, "factorSolveAsync");
  export_fn<run_sync<RefactorOp>>(env, exports, "factorRefactor");
  export_fn<start_job<RefactorOp, RefactorOp::kArgOptions>>(env, exports, "factorRefactorAsync");
  export_fn<FactorCondest>(env, exports, "factorCondest");
  export_fn<run_sync<SpsolveOp>>(env, exports, "spsolve");
  export_fn<start_job<SpsolveOp, SpsolveOp::kArgOptions>>(env, exports, "spsolveAsync");
}

}  // namespace binding
}  // namespace itersolve
