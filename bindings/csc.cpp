// CSC helpers and products: cscValidate, cscFromCoo, cscFromDense, cscToDense, cscFromCsr,
// cscToCsr, cscSpmv, cscSpmvTranspose. CSC matrix arguments are (rows, cols, colPtr, rowIdx,
// values, trusted); CSR ones (rows, cols, rowPtr, colIdx, values, trusted) as in csr.cpp.
#include <string>

#include "../native/formats/csc.hpp"
#include "areas.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {
namespace {

constexpr int64_t kMaxDim = 2147483647;

void throw_problem(Napi::Env env, const csr::Problem& p) {
  const bool lengthProblem = p.message.rfind("expected length", 0) == 0;
  throw_error(env, lengthProblem ? "ERR_DIMENSION_MISMATCH" : "ERR_INVALID_MATRIX",
              p.argument + ": " + p.message, p.argument.c_str());
}

// colPtr[0] = 0 and colPtr[cols] >= 0 are checked always (O(1)); `checks` are csr::CheckFlags.
void check_csc(Napi::Env env, int64_t rows, int64_t cols, const Span<int32_t>& cp,
               const Span<int32_t>& ri, const Span<double>& v, unsigned checks) {
  if (cp.length != cols + 1)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "colPtr: expected length cols + 1 = " + std::to_string(cols + 1) +
                    ", received length " + std::to_string(cp.length),
                "colPtr");
  const int64_t nnz = cp.data[cols];
  if (nnz < 0 || cp.data[0] != 0)
    throw_error(env, "ERR_INVALID_MATRIX",
                "colPtr: expected colPtr[0] = 0 and colPtr[cols] >= 0, received " +
                    std::to_string(cp.data[0]) + " and " + std::to_string(nnz),
                "colPtr");
  csr::Problem p =
      csc::validate(rows, cols, cp.data, cp.length, ri.data, ri.length, v.data, v.length, checks);
  if (!p.ok) throw_problem(env, p);
}

// (rows, cols, colPtr, rowIdx, values, trusted) at index i: a CscView whose array lengths are
// exact; untrusted arrays also get the structure scan (offsets and row bounds) before any kernel.
CscView csc_args(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  const int64_t rows = get_int(info, i, "rows", 0, kMaxDim);
  const int64_t cols = get_int(info, i + 1, "cols", 0, kMaxDim);
  const bool trusted = get_bool(info, i + 5, "trusted");
  Span<int32_t> cp = as_i32(env, info[i + 2], "colPtr", -1, trusted);
  Span<int32_t> ri = as_i32(env, info[i + 3], "rowIdx", -1, trusted);
  Span<double> v = as_f64(env, info[i + 4], "values", -1, trusted);
  check_csc(env, rows, cols, cp, ri, v, trusted ? 0u : unsigned{csr::kCheckStructure});
  return CscView{rows, cols, cp.data, ri.data, v.data};
}

Napi::Object csc_object(Napi::Env env, const csc::Owned& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", Napi::Number::New(env, static_cast<double>(m.rows)));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(m.cols)));
  o.Set("colPtr", new_i32(env, m.colPtr.data(), m.colPtr.size()));
  o.Set("rowIdx", new_i32(env, m.rowIdx.data(), m.rowIdx.size()));
  o.Set("values", new_f64(env, m.values.data(), m.values.size()));
  return o;
}

// cscValidate(rows, cols, colPtr, rowIdx, values, flags)
Napi::Value CscValidate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = get_int(info, 0, "rows", 0, kMaxDim);
  const int64_t cols = get_int(info, 1, "cols", 0, kMaxDim);
  Span<int32_t> cp = get_i32(info, 2, "colPtr");
  Span<int32_t> ri = get_i32(info, 3, "rowIdx");
  Span<double> v = get_f64(info, 4, "values");
  const unsigned flags = static_cast<unsigned>(get_int(info, 5, "flags", 0, 7));
  check_csc(env, rows, cols, cp, ri, v, flags);
  return env.Undefined();
}

// cscFromCoo(rows, cols, rowIdx, colIdx, values)
Napi::Value CscFromCoo(const Napi::CallbackInfo& info) {
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
  csc::Owned m;
  if (!csc::from_coo(rows, cols, ri.length, ri.data, ci.data, v.data, m))
    throw_error(env, "ERR_INVALID_MATRIX", "values: more than 2^31-1 entries", "values");
  return csc_object(env, m);
}

// cscFromDense(rows, cols, data, colMajor)
Napi::Value CscFromDense(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = get_int(info, 0, "rows", 0, kMaxDim);
  const int64_t cols = get_int(info, 1, "cols", 0, kMaxDim);
  Span<double> d = get_f64(info, 2, "data");
  const bool colMajor = get_bool(info, 3, "colMajor");
  if (d.length != rows * cols)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "data: expected length rows * cols = " + std::to_string(rows * cols) +
                    ", received length " + std::to_string(d.length),
                "data");
  csc::Owned m;
  if (!csc::from_dense(rows, cols, d.data, colMajor, true, m))
    throw_error(env, "ERR_INVALID_MATRIX", "data: more than 2^31-1 non-zeros", "data");
  return csc_object(env, m);
}

// cscToDense(rows, cols, colPtr, rowIdx, values, trusted, out, colMajor)
Napi::Value CscToDense(const Napi::CallbackInfo& info) {
  CscView A = csc_args(info, 0);
  Span<double> out = get_f64(info, 6, "out", A.rows * A.cols);
  const bool colMajor = get_bool(info, 7, "colMajor");
  csc::to_dense(A, out.data, colMajor);
  return info[6];
}

// cscFromCsr(rows, cols, rowPtr, colIdx, values, trusted)
Napi::Value CscFromCsr(const Napi::CallbackInfo& info) {
  const bool trusted = get_bool(info, 5, "trusted");
  CsrView A = get_csr(info, 0, !trusted);
  csc::Owned m;
  csc::from_csr(A, m);
  return csc_object(info.Env(), m);
}

// cscToCsr(rows, cols, colPtr, rowIdx, values, trusted)
Napi::Value CscToCsr(const Napi::CallbackInfo& info) {
  CscView A = csc_args(info, 0);
  csr::Owned m;
  csc::to_csr(A, m);
  return csr_object(info.Env(), m);
}

// cscSpmv(rows, cols, colPtr, rowIdx, values, trusted, x, y, sortedRows)  y = A x
Napi::Value CscSpmv(const Napi::CallbackInfo& info) {
  CscView A = csc_args(info, 0);
  Span<double> x = get_f64(info, 6, "x", A.cols);
  Span<double> y = get_f64(info, 7, "out", A.rows);
  const bool sorted = get_bool(info, 8, "sortedRows");
  if (A.rows > 0 && x.data == y.data)
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "out: must not be the same buffer as x", "out");
  csc::spmv(addon(info.Env()).engine(), A, x.data, y.data, sorted);
  return info[7];
}

// cscSpmvTranspose(rows, cols, colPtr, rowIdx, values, trusted, x, y)  y = Aᵀ x
Napi::Value CscSpmvTranspose(const Napi::CallbackInfo& info) {
  CscView A = csc_args(info, 0);
  Span<double> x = get_f64(info, 6, "x", A.rows);
  Span<double> y = get_f64(info, 7, "out", A.cols);
  if (A.cols > 0 && x.data == y.data)
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "out: must not be the same buffer as x", "out");
  csc::spmv_transpose(addon(info.Env()).engine(), A, x.data, y.data);
  return info[7];
}

}  // namespace

void init_csc(Napi::Env env, Napi::Object exports) {
  export_fn<CscValidate>(env, exports, "cscValidate");
  export_fn<CscFromCoo>(env, exports, "cscFromCoo");
  export_fn<CscFromDense>(env, exports, "cscFromDense");
  export_fn<CscToDense>(env, exports, "cscToDense");
  export_fn<CscFromCsr>(env, exports, "cscFromCsr");
  export_fn<CscToCsr>(env, exports, "cscToCsr");
  export_fn<CscSpmv>(env, exports, "cscSpmv");
  export_fn<CscSpmvTranspose>(env, exports, "cscSpmvTranspose");
}

}  // namespace binding
}  // namespace itersolve
