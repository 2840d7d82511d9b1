#include "linear_operator.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "callback.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

// A CsrMatrix argument as an operator: ops::spmv, and its entries for the solvers' fast paths.
class CsrArgOperator final : public BoundOperator {
 public:
  explicit CsrArgOperator(const CsrView& A) : A_(A) {}
  int64_t rows() const override { return A_.rows; }
  int64_t cols() const override { return A_.cols; }
  bool apply(const Engine& e, const double* x, double* y) const override {
    ops::spmv(e, A_, x, y);
    return true;
  }
  bool has_transpose() const override { return true; }
  bool apply_transpose(const Engine& e, const double* x, double* y) const override {
    ops::spmv_transpose(e, A_, x, y);
    return true;
  }
  const CsrView* csr() const override { return &A_; }

 private:
  CsrView A_;
};

// A JS object { rows, cols, multiply(x, out), multiplyTranspose?(x, out) }: each product is one
// call of the (bound) function through a JsCallback.
class JsOperator final : public BoundOperator {
 public:
  JsOperator(Args& args, int64_t rows, int64_t cols, Napi::Function mul, Napi::Function mulT,
             const char* name, const std::vector<std::pair<size_t, const char*>>& pinned)
      : rows_(rows), cols_(cols),
        mul_(std::make_unique<JsCallback>(args, mul, JsCallback::Shape{cols, {rows}, false, name},
                                          pinned)) {
    if (!mulT.IsEmpty())
      mulT_ = std::make_unique<JsCallback>(args, mulT, JsCallback::Shape{rows, {cols}, false, name},
                                           pinned);
  }
  int64_t rows() const override { return rows_; }
  int64_t cols() const override { return cols_; }
  bool apply(const Engine&, const double* x, double* y) const override {
    return mul_->call(x, 0, y);
  }
  bool has_transpose() const override { return mulT_ != nullptr; }
  bool apply_transpose(const Engine&, const double* x, double* y) const override {
    return mulT_ != nullptr && mulT_->call(x, 0, y);
  }
  bool is_js() const override { return true; }
  void end() override {
    mul_->end();
    if (mulT_) mulT_->end();
  }
  void rethrow() const override {
    mul_->rethrow();
    if (mulT_) mulT_->rethrow();
  }

 private:
  int64_t rows_, cols_;
  // JsCallback::call is not const; the operator's products are (one native loop calls them).
  std::unique_ptr<JsCallback> mul_, mulT_;
};

int64_t read_dim(Napi::Env env, Napi::Object obj, const char* key, const char* name) {
  Napi::Value v = obj.Get(key);
  const int64_t hi = std::numeric_limits<int32_t>::max();
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : std::nan("");
  if (!(d >= 0 && d <= static_cast<double>(hi)) || std::floor(d) != d)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + "." + key + ": expected an integer in [0, " +
                    std::to_string(hi) + "]" +
                    (v.IsNumber() ? ", received " + std::to_string(d) : ""),
                name);
  return static_cast<int64_t>(d);
}

// fn bound to obj (so a method sees its object as `this`).
Napi::Function bound(Napi::Function fn, Napi::Object obj) {
  return fn.Get("bind").As<Napi::Function>().Call(fn, {obj}).As<Napi::Function>();
}

}  // namespace

std::unique_ptr<BoundOperator> read_operator(
    Args& args, size_t index, const char* name, int64_t rows, int64_t cols, bool trusted,
    const std::vector<std::pair<size_t, const char*>>& pinned) {
  Napi::Env env = args.env();
  Napi::Value v = args[index];
  if (v.IsTypedArray())
    return std::make_unique<CsrArgOperator>(args.csr(index, rows, cols, trusted));
  Napi::Value mul = v.IsObject() ? v.As<Napi::Object>().Get("multiply") : env.Undefined();
  if (!mul.IsFunction())
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) +
                    ": expected a CsrMatrix or a linear operator { rows, cols, multiply(x, out) }" +
                    (v.IsObject() ? ", received an object without a multiply function" : ""),
                name);
  Napi::Object obj = v.As<Napi::Object>();
  const int64_t r = read_dim(env, obj, "rows", name);
  const int64_t c = read_dim(env, obj, "cols", name);
  Napi::Value mulT = obj.Get("multiplyTranspose");
  if (!mulT.IsUndefined() && !mulT.IsNull() && !mulT.IsFunction())
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + ".multiplyTranspose: expected a function or undefined", name);
  return std::make_unique<JsOperator>(
      args, r, c, bound(mul.As<Napi::Function>(), obj),
      mulT.IsFunction() ? bound(mulT.As<Napi::Function>(), obj) : Napi::Function(), name, pinned);
}

std::string square_operator_message(const LinearOperator& A, const char* name) {
  return std::string(name) + ": expected a square " + (A.csr() != nullptr ? "matrix" : "operator") +
         ", received " + std::to_string(A.rows()) + "x" + std::to_string(A.cols());
}

void check_precond_operator(Napi::Env env, const PrecondArg& p, const LinearOperator& A,
                            const char* what) {
  if (p.kind.empty() || A.csr() != nullptr) return;
  throw_error(env, "ERR_INVALID_ARGUMENT",
              std::string(what) + ": '" + p.kind +
                  "' is built from the matrix's entries, and A is a matrix-free operator: pass a "
                  "CsrMatrix, a preconditioner built from one, or a function",
              what);
}

std::shared_ptr<const Preconditioner> resolve_precond(const PrecondArg& p,
                                                      const LinearOperator& A) {
  if (const CsrView* m = A.csr()) return resolve_precond(p, *m);
  return p.shared;
}

}  // namespace binding
}  // namespace itersolve
