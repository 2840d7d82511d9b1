// CSR helpers, SpMV and vector kernels: csrValidate, csrFromCoo, csrFromDense, csrToDense,
// csrTranspose, csrDiagonal, csrIsSymmetric, spmv, spmvTranspose, dot, nrm2, sum, axpy, axpby.
// Matrix arguments are (rows, cols, rowPtr, colIdx, values, trusted).
#include <string>

#include "../native/core/ops.hpp"
#include "../native/formats/csr.hpp"
#include "areas.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr int64_t kMaxDim = 2147483647;

// Matrix arguments are (rows, cols, rowPtr, colIdx, values, trusted): `trusted` is true only for
// a CsrMatrix the facade validated at construction (or whose owner opted out of checks);
// otherwise the O(nnz) bounds scan runs before any kernel reads the arrays.
CsrView matrix_args(const Napi::CallbackInfo& info, size_t i) {
  const bool trusted = get_bool(info, i + 5, "trusted");
  return get_csr(info, i, !trusted);
}

}  // namespace

Napi::Object csr_object(Napi::Env env, const csr::Owned& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", Napi::Number::New(env, static_cast<double>(m.rows)));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(m.cols)));
  o.Set("rowPtr", new_i32(env, m.rowPtr.data(), m.rowPtr.size()));
  o.Set("colIdx", new_i32(env, m.colIdx.data(), m.colIdx.size()));
  o.Set("values", new_f64(env, m.values.data(), m.values.size()));
  return o;
}

namespace {

// csrValidate(rows, cols, rowPtr, colIdx, values, flags)
Napi::Value CsrValidate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = get_int(info, 0, "rows", 0, kMaxDim);
  const int64_t cols = get_int(info, 1, "cols", 0, kMaxDim);
  Span<int32_t> rp = get_i32(info, 2, "rowPtr");
  Span<int32_t> ci = get_i32(info, 3, "colIdx");
  Span<double> v = get_f64(info, 4, "values");
  const unsigned flags = static_cast<unsigned>(get_int(info, 5, "flags", 0, 7));
  if (rp.length != rows + 1)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "rowPtr: expected length rows + 1 = " + std::to_string(rows + 1) +
                    ", received length " + std::to_string(rp.length),
                "rowPtr");
  const int64_t nnz = rp.data[rows];
  if (nnz < 0 || (!(flags & csr::kCheckStructure) && rp.data[0] != 0))
    throw_error(env, "ERR_INVALID_MATRIX",
                "rowPtr: expected rowPtr[0] = 0 and rowPtr[rows] >= 0, received " +
                    std::to_string(rp.data[0]) + " and " + std::to_string(nnz),
                "rowPtr");
  csr::Problem p =
      csr::validate(rows, cols, rp.data, rp.length, ci.data, ci.length, v.data, v.length, flags);
  if (!p.ok) {
    const bool lengthProblem = p.message.rfind("expected length", 0) == 0;
    throw_error(env, lengthProblem ? "ERR_DIMENSION_MISMATCH" : "ERR_INVALID_MATRIX",
                p.argument + ": " + p.message, p.argument.c_str());
  }
  return env.Undefined();
}

// csrFromCoo(rows, cols, rowIdx, colIdx, values)
Napi::Value CsrFromCoo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = get_int(info, 0, "rows", 0, kMaxDim);
  const int64_t cols = get_int(info, 1, "cols", 0, kMaxDim);
  Span<int32_t> ri = get_i32(info, 2, "rowIdx");
  Span<int32_t> ci = get_i32(info, 3, "colIdx");
  Span<double> v = get_f64(info, 4, "values");
  if (ci.length != ri.length || v.length != ri.length)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                std::string(ci.length != ri.length ? "colIdx" : "values") +
                    ": expected the same length as rowIdx (" + std::to_string(ri.length) +
                    "), received length " +
                    std::to_string(ci.length != ri.length ? ci.length : v.length),
                ci.length != ri.length ? "colIdx" : "values");
  for (int64_t k = 0; k < ri.length; ++k) {
    if (ri.data[k] < 0 || ri.data[k] >= rows)
      throw_error(env, "ERR_INVALID_MATRIX",
                  "rowIdx: expected row indices in [0, " + std::to_string(rows) +
                      "), received rowIdx[" + std::to_string(k) +
                      "] = " + std::to_string(ri.data[k]),
                  "rowIdx");
    if (ci.data[k] < 0 || ci.data[k] >= cols)
      throw_error(env, "ERR_INVALID_MATRIX",
                  "colIdx: expected column indices in [0, " + std::to_string(cols) +
                      "), received colIdx[" + std::to_string(k) +
                      "] = " + std::to_string(ci.data[k]),
                  "colIdx");
  }
  csr::Owned m;
  if (!csr::from_coo(rows, cols, ri.length, ri.data, ci.data, v.data, m))
    throw_error(env, "ERR_INVALID_MATRIX", "values: more than 2^31-1 entries", "values");
  return csr_object(env, m);
}

// csrFromDense(rows, cols, data)
Napi::Value CsrFromDense(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = get_int(info, 0, "rows", 0, kMaxDim);
  const int64_t cols = get_int(info, 1, "cols", 0, kMaxDim);
  Span<double> d = get_f64(info, 2, "data");
  if (d.length != rows * cols)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "data: expected length rows * cols = " + std::to_string(rows * cols) +
                    ", received length " + std::to_string(d.length),
                "data");
  csr::Owned m;
  if (!csr::from_dense(rows, cols, d.data, true, m))
    throw_error(env, "ERR_INVALID_MATRIX", "data: more than 2^31-1 non-zeros", "data");
  return csr_object(env, m);
}

// csrToDense(rows, cols, rowPtr, colIdx, values, trusted, out)
Napi::Value CsrToDense(const Napi::CallbackInfo& info) {
  CsrView A = matrix_args(info, 0);
  Span<double> out = get_f64(info, 6, "out", A.rows * A.cols);
  csr::to_dense(A, out.data);
  return info[6];
}

Napi::Value CsrTranspose(const Napi::CallbackInfo& info) {
  CsrView A = matrix_args(info, 0);
  csr::Owned t;
  csr::transpose(A, t);
  return csr_object(info.Env(), t);
}

// csrDiagonal(..., trusted, out)
Napi::Value CsrDiagonal(const Napi::CallbackInfo& info) {
  CsrView A = matrix_args(info, 0);
  Span<double> out = get_f64(info, 6, "out", A.rows < A.cols ? A.rows : A.cols);
  csr::diagonal(A, out.data);
  return info[6];
}

// csrIsSymmetric(..., trusted, tol)
Napi::Value CsrIsSymmetric(const Napi::CallbackInfo& info) {
  CsrView A = matrix_args(info, 0);
  const double tol = get_number(info, 6, "tol");
  return Napi::Boolean::New(info.Env(), csr::is_symmetric(A, tol));
}

// spmv(rows, cols, rowPtr, colIdx, values, trusted, x, y)  y = A x
Napi::Value Spmv(const Napi::CallbackInfo& info) {
  CsrView A = matrix_args(info, 0);
  Span<double> x = get_f64(info, 6, "x", A.cols);
  Span<double> y = get_f64(info, 7, "out", A.rows);
  if (A.rows > 0 && x.data == y.data)
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "out: must not be the same buffer as x", "out");
  ops::spmv(addon(info.Env()).engine(), A, x.data, y.data);
  return info[7];
}

// spmvTranspose(..., trusted, x, y)  y = Aᵀ x
Napi::Value SpmvTranspose(const Napi::CallbackInfo& info) {
  CsrView A = matrix_args(info, 0);
  Span<double> x = get_f64(info, 6, "x", A.rows);
  Span<double> y = get_f64(info, 7, "out", A.cols);
  if (A.cols > 0 && x.data == y.data)
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "out: must not be the same buffer as x", "out");
  ops::spmv_transpose(addon(info.Env()).engine(), A, x.data, y.data);
  return info[7];
}

void same_length(Napi::Env env, const Span<double>& x, const Span<double>& y) {
  if (x.length != y.length)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "y: expected the same length as x (" + std::to_string(x.length) +
                    "), received length " + std::to_string(y.length),
                "y");
}

Napi::Value Dot(const Napi::CallbackInfo& info) {
  Span<double> x = get_f64(info, 0, "x");
  Span<double> y = get_f64(info, 1, "y");
  same_length(info.Env(), x, y);
  return Napi::Number::New(info.Env(),
                           ops::dot(addon(info.Env()).engine(), x.data, y.data, x.length));
}

Napi::Value Nrm2(const Napi::CallbackInfo& info) {
  Span<double> x = get_f64(info, 0, "x");
  return Napi::Number::New(info.Env(), ops::nrm2(addon(info.Env()).engine(), x.data, x.length));
}

Napi::Value Sum(const Napi::CallbackInfo& info) {
  Span<double> x = get_f64(info, 0, "x");
  return Napi::Number::New(info.Env(), ops::sum(addon(info.Env()).engine(), x.data, x.length));
}

// axpy(a, x, y): y += a x
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  const double a = get_number(info, 0, "a");
  Span<double> x = get_f64(info, 1, "x");
  Span<double> y = get_f64(info, 2, "y");
  same_length(info.Env(), x, y);
  if (x.data == y.data) {
    ops::scale(addon(info.Env()).engine(), 1.0 + a, y.data, y.length);
  } else {
    ops::axpy(addon(info.Env()).engine(), a, x.data, y.data, x.length);
  }
  return info[2];
}

// axpby(a, x, b, y): y = a x + b y
Napi::Value Axpby(const Napi::CallbackInfo& info) {
  const double a = get_number(info, 0, "a");
  Span<double> x = get_f64(info, 1, "x");
  const double b = get_number(info, 2, "b");
  Span<double> y = get_f64(info, 3, "y");
  same_length(info.Env(), x, y);
  if (x.data == y.data) {
    ops::scale(addon(info.Env()).engine(), a + b, y.data, y.length);
  } else {
    ops::axpby(addon(info.Env()).engine(), a, x.data, b, y.data, x.length);
  }
  return info[3];
}

}  // namespace

void init_csr(Napi::Env env, Napi::Object exports) {
  export_fn<CsrValidate>(env, exports, "csrValidate");
  export_fn<CsrFromCoo>(env, exports, "csrFromCoo");
  export_fn<CsrFromDense>(env, exports, "csrFromDense");
  export_fn<CsrToDense>(env, exports, "csrToDense");
  export_fn<CsrTranspose>(env, exports, "csrTranspose");
  export_fn<CsrDiagonal>(env, exports, "csrDiagonal");
  export_fn<CsrIsSymmetric>(env, exports, "csrIsSymmetric");
  export_fn<Spmv>(env, exports, "spmv");
  export_fn<SpmvTranspose>(env, exports, "spmvTranspose");
  export_fn<Dot>(env, exports, "dot");
  export_fn<Nrm2>(env, exports, "nrm2");
  export_fn<Sum>(env, exports, "sum");
  export_fn<Axpy>(env, exports, "axpy");
  export_fn<Axpby>(env, exports, "axpby");
}

}  // namespace binding
}  // namespace itersolve
