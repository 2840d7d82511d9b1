#include "common.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace itersolve {
namespace binding {

Napi::Error make_error(Napi::Env env, const char* code, const std::string& message,
                       const char* argument) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  if (argument != nullptr) err.Set("argument", Napi::String::New(env, argument));
  return err;
}

void throw_error(Napi::Env env, const char* code, const std::string& message,
                 const char* argument) {
  throw make_error(env, code, message, argument);
}

namespace {

const char* kind_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "typed array";
  }
}

std::string describe(Napi::Value v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) return kind_name(v.As<Napi::TypedArray>().TypedArrayType());
  if (v.IsArrayBuffer()) return "ArrayBuffer";
  if (v.IsArray()) return "Array";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsBoolean()) return "boolean";
  if (v.IsFunction()) return "function";
  if (v.IsBigInt()) return "bigint";
  if (v.IsObject()) return "object";
  return "value";
}

// One napi_get_typedarray_info call does the type check and the unpacking (it fails on a value
// that is not a typed array); a small solve's call unpacks several arrays, so this is on the hot
// path. Telling the element type costs Node a chain of type tests (up to nine for a
// Float64Array): with `trustedType` (the facade checked it) it is not asked for. A view over a
// detached ArrayBuffer reads as length 0, so detachment is only looked for then.
template <class T>
Span<T> unpack(Napi::Env env, Napi::Value v, const char* name, int64_t minLength,
               napi_typedarray_type want, const char* wantName, bool trustedType) {
  napi_typedarray_type type = want;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, trustedType ? nullptr : &type, &length, &data, &ab,
                               &offset) != napi_ok ||
      type != want)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected " + wantName + ", received " + describe(v), name);
  bool detached = false;
  if (length == 0 && napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
    throw_error(env, "ERR_BUFFER_DETACHED",
                std::string(name) + ": expected " + wantName +
                    " with a live buffer, received one whose ArrayBuffer is detached",
                name);
  if (minLength >= 0 && static_cast<int64_t>(length) < minLength)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                std::string(name) + ": expected length >= " + std::to_string(minLength) +
                    ", received length " + std::to_string(length),
                name);
  Span<T> s;
  s.data = static_cast<T*>(data);
  s.length = static_cast<int64_t>(length);
  return s;
}

}  // namespace

Span<double> as_f64(Napi::Env env, Napi::Value v, const char* name, int64_t minLength,
                    bool trustedType) {
  return unpack<double>(env, v, name, minLength, napi_float64_array, "a Float64Array", trustedType);
}
Span<int32_t> as_i32(Napi::Env env, Napi::Value v, const char* name, int64_t minLength,
                     bool trustedType) {
  return unpack<int32_t>(env, v, name, minLength, napi_int32_array, "an Int32Array", trustedType);
}
Span<double> get_f64(const Napi::CallbackInfo& info, size_t index, const char* name,
                     int64_t minLength) {
  return as_f64(info.Env(), info[index], name, minLength);
}
Span<int32_t> get_i32(const Napi::CallbackInfo& info, size_t index, const char* name,
                      int64_t minLength) {
  return as_i32(info.Env(), info[index], name, minLength);
}

int64_t get_int(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t lo,
                int64_t hi) {
  Napi::Value v = info[index];
  if (!v.IsNumber())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected an integer, received " + describe(v), name);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d == std::floor(d)) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected an integer in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "], received " + std::to_string(d),
                name);
  return static_cast<int64_t>(d);
}

double get_number(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsNumber())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected a number, received " + describe(v), name);
  return v.As<Napi::Number>().DoubleValue();
}

bool get_bool(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsBoolean())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected a boolean, received " + describe(v), name);
  return v.As<Napi::Boolean>().Value();
}

std::string get_string(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsString())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected a string, received " + describe(v), name);
  return v.As<Napi::String>().Utf8Value();
}

CsrView get_csr(const Napi::CallbackInfo& info, size_t i, bool checkEntries) {
  const int64_t maxDim = std::numeric_limits<int32_t>::max();
  return csr_from(info.Env(), get_int(info, i, "rows", 0, maxDim),
                  get_int(info, i + 1, "cols", 0, maxDim), info[i + 2], info[i + 3], info[i + 4],
                  checkEntries);
}

CsrView csr_from(Napi::Env env, int64_t rows, int64_t cols, Napi::Value rowPtr, Napi::Value colIdx,
                 Napi::Value values, bool checkEntries) {
  CsrView A;
  A.rows = rows;
  A.cols = cols;
  Span<int32_t> rp = as_i32(env, rowPtr, "rowPtr", -1, !checkEntries);
  Span<int32_t> ci = as_i32(env, colIdx, "colIdx", -1, !checkEntries);
  Span<double> v = as_f64(env, values, "values", -1, !checkEntries);
  if (rp.length != A.rows + 1)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "rowPtr: expected length rows + 1 = " + std::to_string(A.rows + 1) +
                    ", received length " + std::to_string(rp.length),
                "rowPtr");
  const int64_t nnz = rp.data[A.rows];
  if (rp.data[0] != 0 || nnz < 0)
    throw_error(env, "ERR_INVALID_MATRIX",
                "rowPtr: expected rowPtr[0] = 0 and rowPtr[rows] >= 0, received " +
                    std::to_string(rp.data[0]) + " and " + std::to_string(nnz),
                "rowPtr");
  if (ci.length < nnz || v.length < nnz)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                std::string(ci.length < nnz ? "colIdx" : "values") +
                    ": expected length >= nnz = " + std::to_string(nnz) + ", received length " +
                    std::to_string(ci.length < nnz ? ci.length : v.length),
                ci.length < nnz ? "colIdx" : "values");
  if (checkEntries) {
    for (int64_t r = 0; r < A.rows; ++r)
      if (rp.data[r + 1] < rp.data[r] || rp.data[r + 1] > nnz)
        throw_error(env, "ERR_INVALID_MATRIX",
                    "rowPtr: expected non-decreasing offsets within [0, nnz], received rowPtr[" +
                        std::to_string(r + 1) + "] = " + std::to_string(rp.data[r + 1]),
                    "rowPtr");
    for (int64_t k = 0; k < nnz; ++k)
      if (ci.data[k] < 0 || ci.data[k] >= A.cols)
        throw_error(env, "ERR_INVALID_MATRIX",
                    "colIdx: expected column indices in [0, " + std::to_string(A.cols) +
                        "), received colIdx[" + std::to_string(k) +
                        "] = " + std::to_string(ci.data[k]),
                    "colIdx");
  }
  A.rowPtr = rp.data;
  A.colIdx = ci.data;
  A.values = v.data;
  return A;
}

bool is_detached(Napi::Env env, Napi::Value typedArray) {
  if (!typedArray.IsTypedArray()) return true;
  napi_value ab = typedArray.As<Napi::TypedArray>().ArrayBuffer();
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok) return false;
  return detached;
}

Napi::Float64Array new_f64(Napi::Env env, const double* src, size_t n) {
  Napi::Float64Array a = Napi::Float64Array::New(env, n);
  if (n > 0) std::memcpy(a.Data(), src, n * sizeof(double));
  return a;
}

Napi::Int32Array new_i32(Napi::Env env, const int32_t* src, size_t n) {
  Napi::Int32Array a = Napi::Int32Array::New(env, n);
  if (n > 0) std::memcpy(a.Data(), src, n * sizeof(int32_t));
  return a;
}

}  // namespace binding
}  // namespace itersolve
