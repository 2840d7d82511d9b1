// Sparse arithmetic and access (native/formats/csr_ops.hpp): csrAdd, csrMatmul, csrSlice,
// csrKron, csrStack, csrIdentity, csrDiagonalMatrix, csrSetDiagonal. Matrix arguments are (rows,
// cols, rowPtr, colIdx, values, trusted) as in csr.cpp; each result is a new { rows, cols,
// rowPtr, colIdx, values } whose arrays are fresh JS typed arrays (csr_object copies them), never
// views of native memory. The shapes are re-checked natively (SolverError naming the argument).
#include <string>
#include <vector>

#include "../native/formats/csr_ops.hpp"
#include "areas.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr int64_t kMaxDim = 2147483647;

CsrView matrix_args(const Napi::CallbackInfo& info, size_t i) {
  const bool trusted = get_bool(info, i + 5, "trusted");
  return get_csr(info, i, !trusted);
}

// A sum's or product's arrays allocated as JS typed arrays (V8-owned buffers, not external
// ones) once the symbolic pass knows their size: the numeric pass writes into them directly.
// When exact zeros were dropped the arrays are copied to their final length.
struct JsSink : csr::ResultSink {
  explicit JsSink(Napi::Env e) : env(e) {}
  void allocate(int64_t r, int64_t c, int64_t nnz, int32_t*& rowPtr, int32_t*& colIdx,
                double*& values) override {
    rows = r;
    cols = c;
    rp = Napi::Int32Array::New(env, static_cast<size_t>(r) + 1);
    ci = Napi::Int32Array::New(env, static_cast<size_t>(nnz));
    v = Napi::Float64Array::New(env, static_cast<size_t>(nnz));
    rowPtr = rp.Data();
    colIdx = ci.Data();
    values = v.Data();
  }
  void finish(int64_t nnz) override {
    if (static_cast<size_t>(nnz) == ci.ElementLength()) return;
    ci = new_i32(env, ci.Data(), static_cast<size_t>(nnz));
    v = new_f64(env, v.Data(), static_cast<size_t>(nnz));
  }
  Napi::Object object() const {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rows", Napi::Number::New(env, static_cast<double>(rows)));
    o.Set("cols", Napi::Number::New(env, static_cast<double>(cols)));
    o.Set("rowPtr", rp);
    o.Set("colIdx", ci);
    o.Set("values", v);
    return o;
  }
  Napi::Env env;
  int64_t rows = 0, cols = 0;
  Napi::Int32Array rp, ci;
  Napi::Float64Array v;
};

// csrAdd(A..., B..., alpha, beta): alpha A + beta B
Napi::Value CsrAdd(const Napi::CallbackInfo& info) {
  const CsrView A = matrix_args(info, 0);
  const CsrView B = matrix_args(info, 6);
  const double alpha = get_number(info, 12, "alpha");
  const double beta = get_number(info, 13, "beta");
  JsSink C(info.Env());
  csr::add(addon(info.Env()).engine(), A, B, alpha, beta, C);
  return C.object();
}

// csrMatmul(A..., B...): A B
Napi::Value CsrMatmul(const Napi::CallbackInfo& info) {
  const CsrView A = matrix_args(info, 0);
  const CsrView B = matrix_args(info, 6);
  JsSink C(info.Env());
  csr::matmul(addon(info.Env()).engine(), A, B, C);
  return C.object();
}

// An Int32Array of indices, or null (every index): length −1.
Span<int32_t> index_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info[i].IsNull() || info[i].IsUndefined()) return Span<int32_t>{nullptr, -1};
  return get_i32(info, i, name);
}

// csrSlice(A..., rows: Int32Array | null, cols: Int32Array | null)
Napi::Value CsrSlice(const Napi::CallbackInfo& info) {
  const CsrView A = matrix_args(info, 0);
  const Span<int32_t> r = index_arg(info, 6, "rows");
  const Span<int32_t> c = index_arg(info, 7, "cols");
  csr::Owned C;
  csr::slice(addon(info.Env()).engine(), A, r.data, r.length, c.data, c.length, C);
  return csr_object(info.Env(), C);
}

// csrKron(A..., B...)
Napi::Value CsrKron(const Napi::CallbackInfo& info) {
  const CsrView A = matrix_args(info, 0);
  const CsrView B = matrix_args(info, 6);
  csr::Owned C;
  csr::kron(A, B, C);
  return csr_object(info.Env(), C);
}

// csrStack(list: [rows, cols, rowPtr, colIdx, values, trusted][], horizontal: boolean)
Napi::Value CsrStack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray())
    throw_error(env, "ERR_INVALID_ARGUMENT", "matrices: expected an array of matrices", "matrices");
  Napi::Array list = info[0].As<Napi::Array>();
  const bool horizontal = get_bool(info, 1, "horizontal");
  std::vector<CsrView> parts;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string name = "matrices[" + std::to_string(i) + "]";
    Napi::Value item = list.Get(i);
    if (!item.IsArray() || item.As<Napi::Array>().Length() != 6)
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  name + ": expected [rows, cols, rowPtr, colIdx, values, trusted]", name.c_str());
    Napi::Array a = item.As<Napi::Array>();
    auto dim = [&](uint32_t k, const char* what) {
      Napi::Value v = a.Get(k);
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
      if (!(d >= 0 && d <= static_cast<double>(kMaxDim) && d == static_cast<int64_t>(d)))
        throw_error(env, "ERR_INVALID_ARGUMENT",
                    name + ": expected " + what + " an integer in [0, 2147483647]", name.c_str());
      return static_cast<int64_t>(d);
    };
    const int64_t rows = dim(0, "rows"), cols = dim(1, "cols");
    const Napi::Value t = a.Get(5u);
    const bool trusted = t.IsBoolean() && t.As<Napi::Boolean>().Value();
    parts.push_back(csr_from(env, rows, cols, a.Get(2u), a.Get(3u), a.Get(4u), !trusted));
  }
  csr::Owned C;
  if (horizontal) csr::hstack(parts, C);
  else csr::vstack(parts, C);
  return csr_object(env, C);
}

// csrIdentity(n)
Napi::Value CsrIdentity(const Napi::CallbackInfo& info) {
  const int64_t n = get_int(info, 0, "n", 0, kMaxDim);
  csr::Owned C;
  csr::identity(n, C);
  return csr_object(info.Env(), C);
}

// csrDiagonalMatrix(d)
Napi::Value CsrDiagonalMatrix(const Napi::CallbackInfo& info) {
  const Span<double> d = get_f64(info, 0, "d");
  csr::Owned C;
  csr::diagonal_matrix(d.data, d.length, C);
  return csr_object(info.Env(), C);
}

// csrSetDiagonal(A..., d, k)
Napi::Value CsrSetDiagonal(const Napi::CallbackInfo& info) {
  const CsrView A = matrix_args(info, 0);
  const Span<double> d = get_f64(info, 6, "d");
  const int64_t k = get_int(info, 7, "k", -kMaxDim, kMaxDim);
  csr::Owned C;
  csr::set_diagonal(A, d.data, d.length, k, C);
  return csr_object(info.Env(), C);
}

}  // namespace

void init_csr_ops(Napi::Env env, Napi::Object exports) {
  export_fn<CsrAdd>(env, exports, "csrAdd");
  export_fn<CsrMatmul>(env, exports, "csrMatmul");
  export_fn<CsrSlice>(env, exports, "csrSlice");
  export_fn<CsrKron>(env, exports, "csrKron");
  export_fn<CsrStack>(env, exports, "csrStack");
  export_fn<CsrIdentity>(env, exports, "csrIdentity");
  export_fn<CsrDiagonalMatrix>(env, exports, "csrDiagonalMatrix");
  export_fn<CsrSetDiagonal>(env, exports, "csrSetDiagonal");
}

}  // namespace binding
}  // namespace itersolve
