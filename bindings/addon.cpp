// Node-API entry point. Every function re-checks argument kinds and lengths (the facade in lib/
// does the user-facing validation; this layer makes direct calls safe too).
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "../native/core/eigen.hpp"
#include "../native/core/ops.hpp"
#include "../native/formats/csr.hpp"
#include "../native/formats/mmio.hpp"
#include "async.hpp"
#include "common.hpp"
#include "solvers.hpp"

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

Napi::Object csr_object(Napi::Env env, const csr::Owned& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", Napi::Number::New(env, static_cast<double>(m.rows)));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(m.cols)));
  o.Set("rowPtr", new_i32(env, m.rowPtr.data(), m.rowPtr.size()));
  o.Set("colIdx", new_i32(env, m.colIdx.data(), m.colIdx.size()));
  o.Set("values", new_f64(env, m.values.data(), m.values.size()));
  return o;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon& a = addon(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("simd", Napi::String::New(env, a.kernels->name));
  Napi::Array sup = Napi::Array::New(env);
  uint32_t n = 0;
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Neon, SimdLevel::Avx2, SimdLevel::Avx512})
    if (kernels_for(l) != nullptr) sup.Set(n++, Napi::String::New(env, simd_name(l)));
  o.Set("simdSupported", sup);
  o.Set("simdDetected", Napi::String::New(env, simd_name(detect_simd())));
  o.Set("threads", Napi::Number::New(env, a.pool.threads()));
  o.Set("defaultThreads", Napi::Number::New(env, ThreadPool::default_threads()));
  o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return o;
}

Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = get_string(info, 0, "simd");
  SimdLevel level;
  if (!parse_simd(name.c_str(), &level))
    throw_error(env, "ERR_INVALID_ARGUMENT",
                "simd: expected 'scalar', 'avx2', 'avx512' or 'neon', received '" + name + "'", "simd");
  const Kernels* k = kernels_for(level);
  if (k == nullptr)
    throw_error(env, "ERR_UNSUPPORTED",
                "simd: '" + name + "' is not supported by this CPU or build", "simd");
  addon(env).kernels = k;
  return Napi::String::New(env, k->name);
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int64_t n = get_int(info, 0, "threads", 1, 256);
  Addon& a = addon(info.Env());
  a.pool.set_threads(static_cast<int>(n));
  a.runner->threads_changed();
  return info.Env().Undefined();
}

// jobStats() -> { running, queued, pending }: Promise-form jobs computing now, waiting for a
// thread, and submitted but not settled yet.
Napi::Value JobStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  JobRunner::Stats s = addon(env).runner->stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("running", Napi::Number::New(env, s.running));
  o.Set("queued", Napi::Number::New(env, s.queued));
  o.Set("pending", Napi::Number::New(env, s.pending));
  return o;
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), addon(info.Env()).pool.threads());
}

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
  csr::Problem p = csr::validate(rows, cols, rp.data, rp.length, ci.data, ci.length, v.data,
                                 v.length, flags);
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
                      "), received rowIdx[" + std::to_string(k) + "] = " + std::to_string(ri.data[k]),
                  "rowIdx");
    if (ci.data[k] < 0 || ci.data[k] >= cols)
      throw_error(env, "ERR_INVALID_MATRIX",
                  "colIdx: expected column indices in [0, " + std::to_string(cols) +
                      "), received colIdx[" + std::to_string(k) + "] = " + std::to_string(ci.data[k]),
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
  return Napi::Number::New(info.Env(), ops::dot(addon(info.Env()).engine(), x.data, y.data, x.length));
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

// ---------------------------------------------------------------------------------------------
// Matrix Market

const char* field_name(mm::Field f) {
  switch (f) {
    case mm::Field::Integer: return "integer";
    case mm::Field::Pattern: return "pattern";
    default: return "real";
  }
}
const char* symmetry_name(mm::Symmetry s) {
  switch (s) {
    case mm::Symmetry::Symmetric: return "symmetric";
    case mm::Symmetry::SkewSymmetric: return "skew-symmetric";
    default: return "general";
  }
}

struct MmOutcome {
  mm::Status status = mm::Status::Ok;
  mm::Header header{};
  mm::Error error;
  csr::Owned csr;
  bool tooMany = false;
};

void mm_parse(bool isText, const std::string& src, MmOutcome& out, Control* ctl) {
  mm::Coo coo;
  out.status = isText ? mm::parse_text(src.data(), src.size(), coo, out.header, out.error, ctl)
                      : mm::parse_file(src, coo, out.header, out.error, ctl);
  if (out.status != mm::Status::Ok) return;
  if (!csr::from_coo(coo.rows, coo.cols, static_cast<int64_t>(coo.val.size()), coo.row.data(),
                     coo.col.data(), coo.val.data(), out.csr))
    out.tooMany = true;
}

Napi::Object mm_result(Napi::Env env, const MmOutcome& o) {
  Napi::Object r = csr_object(env, o.csr);
  Napi::Object h = Napi::Object::New(env);
  h.Set("format", Napi::String::New(env, o.header.format == mm::Format::Array ? "array" : "coordinate"));
  h.Set("field", Napi::String::New(env, field_name(o.header.field)));
  h.Set("symmetry", Napi::String::New(env, symmetry_name(o.header.symmetry)));
  h.Set("entries", Napi::Number::New(env, static_cast<double>(o.header.entries)));
  r.Set("header", h);
  return r;
}

// Error code and message for a failed parse.
std::pair<const char*, std::string> mm_error(const MmOutcome& o, const std::string& where) {
  if (o.tooMany) return {"ERR_PARSE", where + ": more than 2^31-1 entries after expansion"};
  switch (o.status) {
    case mm::Status::ParseError:
      return {"ERR_PARSE", where + (o.error.line > 0 ? ":" + std::to_string(o.error.line) : "") +
                               ": " + o.error.message};
    case mm::Status::IoError: return {"ERR_IO", where + ": " + o.error.message};
    case mm::Status::Aborted: return {"ABORT_ERR", "The operation was aborted"};
    case mm::Status::TimeLimit: return {"ERR_TIME_LIMIT", where + ": time limit reached while reading"};
    default: return {"ERR_PARSE", where + ": unknown error"};
  }
}

// mmRead(source, isText)
Napi::Value MmRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string src = get_string(info, 0, "source");
  const bool isText = get_bool(info, 1, "isText");
  MmOutcome o;
  mm_parse(isText, src, o, nullptr);
  if (o.status != mm::Status::Ok || o.tooMany) {
    auto e = mm_error(o, isText ? "<text>" : src);
    Napi::Error err = make_error(env, e.first, e.second);
    if (o.error.line > 0) err.Set("line", Napi::Number::New(env, static_cast<double>(o.error.line)));
    throw err;
  }
  return mm_result(env, o);
}

class MmReadJob : public Job {
 public:
  MmReadJob(Napi::Env env, Napi::Object opts, std::string src, bool isText)
      : Job(env, opts, "itersolve:readMatrixMarket"), src_(std::move(src)), isText_(isText) {}

 protected:
  void Run(Control& ctl) override {
    mm_parse(isText_, src_, out_, &ctl);
    if (out_.status != mm::Status::Ok || out_.tooMany) {
      auto e = mm_error(out_, isText_ ? "<text>" : src_);
      fail(e.first, e.second, out_.status == mm::Status::ParseError ? out_.error.line : 0);
    }
  }
  Napi::Value Result(Napi::Env env) override { return mm_result(env, out_); }

 private:
  std::string src_;
  bool isText_;
  MmOutcome out_;
};

// mmReadAsync(source, isText, options) -> Promise
Napi::Value MmReadAsync(const Napi::CallbackInfo& info) {
  const std::string src = get_string(info, 0, "source");
  const bool isText = get_bool(info, 1, "isText");
  Napi::Value o = info[2];
  if (!o.IsObject())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "options: expected an object", "options");
  auto* job = new MmReadJob(info.Env(), o.As<Napi::Object>(), src, isText);
  Napi::Promise p = job->promise();
  job->Start();
  return p;
}

// mmWrite(path|null, rows, cols, rowPtr, colIdx, values, trusted, symmetric, comment)
Napi::Value MmWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool toString = info[0].IsNull() || info[0].IsUndefined();
  const std::string path = toString ? std::string() : get_string(info, 0, "path");
  const bool trusted = get_bool(info, 6, "trusted");
  CsrView A = get_csr(info, 1, !trusted);
  mm::WriteOptions opt;
  opt.symmetric = get_bool(info, 7, "symmetric");
  std::string comment;
  if (!info[8].IsUndefined() && !info[8].IsNull()) {
    comment = get_string(info, 8, "comment");
    opt.comment = comment.c_str();
  }
  // An empty Float64Array has no data pointer; the writer reads a null `values` as "pattern".
  static const double kNoValues = 0.0;
  const double* values = A.values != nullptr ? A.values : &kNoValues;
  if (toString)
    return Napi::String::New(env, mm::write_string(A.rows, A.cols, A.rowPtr, A.colIdx, values, opt));
  mm::Error err;
  if (mm::write_file(path, A.rows, A.cols, A.rowPtr, A.colIdx, values, opt, err) != mm::Status::Ok)
    throw_error(env, "ERR_IO", path + ": " + err.message, "path");
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------
// Power iteration

Napi::Object iter_result(Napi::Env env, const IterResult& r, double elapsedMs) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("converged", Napi::Boolean::New(env, reason_converged(r.reason)));
  o.Set("reason", Napi::String::New(env, reason_name(r.reason)));
  o.Set("iterations", Napi::Number::New(env, static_cast<double>(r.iterations)));
  o.Set("matvecs", Napi::Number::New(env, static_cast<double>(r.matvecs)));
  o.Set("value", Napi::Number::New(env, r.value));
  o.Set("change", Napi::Number::New(env, r.change));
  if (!r.history.empty()) o.Set("history", new_f64(env, r.history.data(), r.history.size()));
  o.Set("elapsedMs", Napi::Number::New(env, elapsedMs));
  return o;
}

PowerOptions power_options(const Napi::CallbackInfo& info, size_t i) {
  PowerOptions opt;
  opt.max_iterations = get_int(info, i, "maxIterations", 0, int64_t{1} << 52);
  opt.rtol = get_number(info, i + 1, "rtol");
  opt.history = get_bool(info, i + 2, "history");
  return opt;
}

// powerIteration(rows, cols, rowPtr, colIdx, values, trusted, x, maxIterations, rtol, history, timeLimitMs)
Napi::Value PowerIteration(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CsrView A = matrix_args(info, 0);
  if (A.rows != A.cols)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "A: expected a square matrix, received " + std::to_string(A.rows) + "x" +
                    std::to_string(A.cols), "A");
  Span<double> x = get_f64(info, 6, "out", A.rows);
  PowerOptions opt = power_options(info, 7);
  const double tl = get_number(info, 10, "timeLimitMs");
  Control ctl;
  if (tl > 0) ctl.set_time_limit_ms(tl);
  std::vector<double> work(static_cast<size_t>(A.rows));
  IterResult r = power_iteration(addon(env).engine(), A, x.data, work.data(), opt, ctl);
  Napi::Object o = iter_result(env, r, ctl.elapsed_ms());
  if (opt.history && r.history.empty()) o.Set("history", Napi::Float64Array::New(env, 0));
  return o;
}

class PowerJob : public Job {
 public:
  PowerJob(const Napi::CallbackInfo& info, Napi::Object opts)
      : Job(info.Env(), opts, "itersolve:powerIteration") {
    Napi::Env env = info.Env();
    const bool trusted = get_bool(info, 5, "trusted");
    A_ = get_csr(info, 0, !trusted);
    if (A_.rows != A_.cols)
      throw_error(env, "ERR_DIMENSION_MISMATCH",
                  "A: expected a square matrix, received " + std::to_string(A_.rows) + "x" +
                      std::to_string(A_.cols), "A");
    pin_i32(info[2], "rowPtr");
    pin_i32(info[3], "colIdx");
    pin_f64(info[4], "values");
    x_ = pin_f64(info[6], "out", A_.rows).data;
    opt_ = power_options(info, 7);
    work_.resize(static_cast<size_t>(A_.rows));
  }

 protected:
  void Run(Control& ctl) override {
    res_ = power_iteration(engine_, A_, x_, work_.data(), opt_, ctl);
    elapsed_ = ctl.elapsed_ms();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = iter_result(env, res_, elapsed_);
    if (opt_.history && res_.history.empty()) o.Set("history", Napi::Float64Array::New(env, 0));
    return o;
  }

 private:
  CsrView A_{};
  double* x_ = nullptr;
  PowerOptions opt_;
  std::vector<double> work_;
  IterResult res_;
  double elapsed_ = 0;
};

// powerIterationAsync(rows, cols, rowPtr, colIdx, values, trusted, x, maxIterations, rtol, history, options)
Napi::Value PowerIterationAsync(const Napi::CallbackInfo& info) {
  Napi::Value o = info[10];
  if (!o.IsObject())
    throw_error(info.Env(), "ERR_INVALID_ARGUMENT", "options: expected an object", "options");
  auto* job = new PowerJob(info, o.As<Napi::Object>());
  Napi::Promise p = job->promise();
  job->Start();
  return p;
}

// Wraps each export so that a C++ exception thrown before a Job was queued cannot leak it.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void add(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<F>(env, name));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Addon* a = new Addon(ThreadPool::default_threads());
  SimdLevel level = detect_simd();
  if (const char* forced = std::getenv("ITERSOLVE_SIMD")) {
    // Forces a path; a request for more than this CPU has keeps the detected one.
    SimdLevel want;
    if (parse_simd(forced, &want) && kernels_for(want) != nullptr) level = want;
  }
  a->kernels = kernels_for(level);
  if (a->kernels == nullptr) a->kernels = kernels_scalar();
  Napi::Function cancel = Cancel::Define(env);
  a->cancelCtor = Napi::Persistent(cancel);
  env.SetInstanceData<Addon>(a);
  // Stops the job runner while the environment's thread-safe functions still exist (the hooks
  // of those, created later, run first and only mark them closing; they are freed afterwards).
  napi_add_env_cleanup_hook(
      env, [](void* arg) { static_cast<Addon*>(arg)->shutdown(); }, a);

  exports.Set("Cancel", cancel);
  add<Info>(env, exports, "info");
  add<SetSimd>(env, exports, "setSimd");
  add<SetThreads>(env, exports, "setThreads");
  add<GetThreads>(env, exports, "getThreads");
  add<JobStats>(env, exports, "jobStats");
  add<CsrValidate>(env, exports, "csrValidate");
  add<CsrFromCoo>(env, exports, "csrFromCoo");
  add<CsrFromDense>(env, exports, "csrFromDense");
  add<CsrToDense>(env, exports, "csrToDense");
  add<CsrTranspose>(env, exports, "csrTranspose");
  add<CsrDiagonal>(env, exports, "csrDiagonal");
  add<CsrIsSymmetric>(env, exports, "csrIsSymmetric");
  add<Spmv>(env, exports, "spmv");
  add<SpmvTranspose>(env, exports, "spmvTranspose");
  add<Dot>(env, exports, "dot");
  add<Nrm2>(env, exports, "nrm2");
  add<Sum>(env, exports, "sum");
  add<Axpy>(env, exports, "axpy");
  add<Axpby>(env, exports, "axpby");
  add<MmRead>(env, exports, "mmRead");
  add<MmReadAsync>(env, exports, "mmReadAsync");
  add<MmWrite>(env, exports, "mmWrite");
  add<PowerIteration>(env, exports, "powerIteration");
  add<PowerIterationAsync>(env, exports, "powerIterationAsync");
  init_solvers(env, exports, *a);
  return exports;
}

}  // namespace
}  // namespace binding
}  // namespace itersolve

static Napi::Object InitItersolve(Napi::Env env, Napi::Object exports) {
  return itersolve::binding::Init(env, exports);
}

NODE_API_MODULE(itersolve, InitItersolve)
