#include "precond.hpp"

#include <vector>

#include "operation.hpp"

namespace itersolve {
namespace binding {
namespace {

class PrecondWrap : public Napi::ObjectWrap<PrecondWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "NativePreconditioner",
        {InstanceMethod<&PrecondWrap::Apply>("apply"), InstanceAccessor<&PrecondWrap::Kind>("kind"),
         InstanceAccessor<&PrecondWrap::Size>("size"),
         InstanceAccessor<&PrecondWrap::Shift>("shift")});
  }

  explicit PrecondWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PrecondWrap>(info) {
    Napi::Env env = info.Env();
    // A constructor is not an export_fn entry: it takes the one guard here.
    guarded(env, "preconditioner", [&]() -> Napi::Value {
      const std::string kind = get_string(info, 0, "kind");
      const bool trusted = get_bool(info, 6, "trusted");
      const CsrView A = get_csr(info, 1, !trusted);
      const double omega = get_number(info, 7, "omega");
      if (A.rows != A.cols)
        throw_error(env, "ERR_DIMENSION_MISMATCH",
                    "A: expected a square matrix, received " + std::to_string(A.rows) + "x" +
                        std::to_string(A.cols),
                    "A");
      M_ = build_precond(kind, A, omega);
      return env.Undefined();
    });
  }

  const std::shared_ptr<const Preconditioner>& get() const { return M_; }

 private:
  // apply(r, z): z = M⁻¹ r (z may be r)
  Napi::Value Apply(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, "apply", [&]() -> Napi::Value {
      const int64_t n = M_->size();
      Span<double> r = get_f64(info, 0, "r", n);
      Span<double> z = get_f64(info, 1, "z", n);
      Engine e = addon(env).engine();
      if (r.data == z.data) {
        std::vector<double> tmp(r.data, r.data + n);
        M_->apply(e, tmp.data(), z.data);
      } else {
        M_->apply(e, r.data, z.data);
      }
      return info[1];
    });
  }
  Napi::Value Kind(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), M_->kind());
  }
  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(M_->size()));
  }
  Napi::Value Shift(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), M_->shift());
  }

  std::shared_ptr<const Preconditioner> M_;
};

PrecondWrap* unwrap_precond(Napi::Env env, Napi::Value v) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addon(env).precondCtor.Value()))
    return nullptr;
  return Napi::ObjectWrap<PrecondWrap>::Unwrap(v.As<Napi::Object>());
}

}  // namespace

std::shared_ptr<const Preconditioner> build_precond(const std::string& kind, const CsrView& A,
                                                    double omega) {
  if (kind == "jacobi") return make_jacobi(A);
  if (kind == "ssor") return make_ssor(A, omega);
  if (kind == "ic0") return make_ic0(A);
  if (kind == "ilu0") return make_ilu0(A);
  if (kind == "identity") return make_identity(A.rows);
  throw SolverError(
      "ERR_INVALID_ARGUMENT",
      "preconditioner: expected 'jacobi', 'ssor', 'ic0' or 'ilu0', received '" + kind + "'", -1,
      "preconditioner");
}

PrecondArg precond_arg(Napi::Env env, Napi::Value v, int64_t n, double omega, bool allowFunction) {
  PrecondArg p;
  p.omega = omega;
  if (v.IsNull() || v.IsUndefined()) return p;
  const char* expected =
      allowFunction ? "preconditioner: expected a kind string, a Preconditioner or a function"
                    : "preconditioner: expected a kind string or a Preconditioner";
  if (v.IsString()) {
    p.kind = v.As<Napi::String>().Utf8Value();
    if (p.kind != "jacobi" && p.kind != "ssor" && p.kind != "ic0" && p.kind != "ilu0")
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "preconditioner: expected 'none', 'jacobi', 'ssor', 'ic0' or 'ilu0', received '" +
                      p.kind + "'",
                  "preconditioner");
    return p;
  }
  if (v.IsFunction()) {
    if (!allowFunction) throw_error(env, "ERR_INVALID_ARGUMENT", expected, "preconditioner");
    p.fn = v.As<Napi::Function>();
    return p;
  }
  PrecondWrap* w = unwrap_precond(env, v);
  // A sparse direct factor (CholeskyFactor / LuFactor, bindings/direct.cpp) is one too.
  std::shared_ptr<const Preconditioner> m =
      w ? w->get()
        : (addon(env).factorPreconditioner ? addon(env).factorPreconditioner(env, v) : nullptr);
  if (!m) throw_error(env, "ERR_INVALID_ARGUMENT", expected, "preconditioner");
  if (m->size() != n)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "preconditioner: expected one built for " + std::to_string(n) +
                    " unknowns, received one for " + std::to_string(m->size()),
                "preconditioner");
  p.shared = std::move(m);
  return p;
}

std::shared_ptr<const Preconditioner> resolve_precond(const PrecondArg& p, const CsrView& A) {
  if (!p.kind.empty()) return build_precond(p.kind, A, p.omega);
  return p.shared;
}

void init_precond(Napi::Env env, Napi::Object exports) {
  Napi::Function pc = PrecondWrap::Define(env);
  addon(env).precondCtor = Napi::Persistent(pc);
  exports.Set("NativePreconditioner", pc);
}

}  // namespace binding
}  // namespace itersolve
