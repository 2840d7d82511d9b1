// Matrix Market: mmRead(source, isText), mmReadAsync(source, isText, jobOptions) and
// mmWrite(path | null, rows, cols, rowPtr, colIdx, values, trusted, symmetric, comment).
// `source` is a path, the text itself (isText), or a Uint8Array holding the file's bytes (e.g.
// gunzipped by lib/matrixmarket.ts; read in place, pinned while an async read runs). Files are
// mapped, parsed in parallel on the addon's pool (mm::read_csr) straight into the result's typed
// arrays, which the constructor creates from a look at the header.
#include <string>

#include "../native/core/threadpool.hpp"
#include "../native/formats/mmio.hpp"
#include "areas.hpp"
#include "operation.hpp"

namespace itersolve {
namespace binding {
namespace {

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

// The addon's ThreadPool as the reader's Runner: the pool when it is free (a lone read uses every
// thread), else the calling thread alone (concurrent jobs each keep to one).
class PoolRunner : public mm::Runner {
 public:
  explicit PoolRunner(ThreadPool* pool) : pool_(pool) {}
  int threads() const override { return pool_ != nullptr ? pool_->threads() : 1; }
  void run(void (*fn)(void*, int, int), void* ctx) override {
    parallel_run(pool_, true, [&](int task, int ntasks) { fn(ctx, task, ntasks); });
  }

 private:
  ThreadPool* pool_;
};

// The result arrays. The constructor (main thread) reads the header and creates the JS typed
// arrays the reader then fills in place, from whichever thread runs it; when the header could
// not be read up front, or the file changed in between, the reader gets arrays of its own and
// result() copies them.
class JsCsrSink : public mm::CsrSink {
 public:
  // `bytes`: the input's size, which bounds what a header may claim: an entry line takes at least
  // 4 bytes, and a header promising far more rows than the input could describe is left to the
  // reader (which checks the entries before it sizes anything).
  void prepare(Napi::Env env, const mm::Header& h, int64_t bytes) {
    if (h.format != mm::Format::Coordinate) return;  // dense files: capacity rows*cols
    int64_t cap = mm::capacity_for(h);
    const int64_t most = (h.symmetry == mm::Symmetry::General ? 1 : 2) * (bytes / 4 + 1);
    if (cap > most) cap = most;
    if (cap > kMaxDim || h.rows > kMaxDim || h.rows / 16 > bytes + (int64_t(1) << 20)) return;
    Napi::Int32Array rp = Napi::Int32Array::New(env, static_cast<size_t>(h.rows) + 1);
    Napi::Int32Array ci = Napi::Int32Array::New(env, static_cast<size_t>(cap));
    Napi::Float64Array v = Napi::Float64Array::New(env, static_cast<size_t>(cap));
    rows_ = h.rows;
    cap_ = cap;
    rpData_ = rp.Data();
    ciData_ = ci.Data();
    vData_ = v.Data();
    // fresh, untouched memory the parse writes once: huge pages make its first touch cheaper
    mm::advise_hugepages(rpData_, (static_cast<size_t>(h.rows) + 1) * sizeof(int32_t));
    mm::advise_hugepages(ciData_, static_cast<size_t>(cap) * sizeof(int32_t));
    mm::advise_hugepages(vData_, static_cast<size_t>(cap) * sizeof(double));
    rp_ = Napi::Persistent(rp);
    ci_ = Napi::Persistent(ci);
    v_ = Napi::Persistent(v);
  }
  bool allocate(int64_t rows, int64_t cols, int64_t capacity) override {
    if (!rp_.IsEmpty() && rows == rows_ && capacity <= cap_) {
      js_ = true;
      rowPtr = rpData_;
      colIdx = ciData_;
      values = vData_;
      return true;
    }
    js_ = false;
    if (!own_.allocate(rows, cols, capacity)) return false;
    rowPtr = own_.rowPtr;
    colIdx = own_.colIdx;
    values = own_.values;
    return true;
  }
  // { rows, cols, rowPtr, colIdx, values }; views of the first nnz entries of the prepared arrays.
  Napi::Object object(Napi::Env env, int64_t rows, int64_t cols, int64_t nnz) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rows", Napi::Number::New(env, static_cast<double>(rows)));
    o.Set("cols", Napi::Number::New(env, static_cast<double>(cols)));
    const size_t n = static_cast<size_t>(nnz);
    if (js_) {
      Napi::Int32Array ci = ci_.Value();
      Napi::Float64Array v = v_.Value();
      o.Set("rowPtr", rp_.Value());
      o.Set("colIdx",
            n == ci.ElementLength() ? ci : Napi::Int32Array::New(env, n, ci.ArrayBuffer(), 0));
      o.Set("values",
            n == v.ElementLength() ? v : Napi::Float64Array::New(env, n, v.ArrayBuffer(), 0));
    } else {
      o.Set("rowPtr", new_i32(env, rowPtr, static_cast<size_t>(rows) + 1));
      o.Set("colIdx", new_i32(env, colIdx, n));
      o.Set("values", new_f64(env, values, n));
    }
    return o;
  }

 private:
  static constexpr int64_t kMaxDim = 2147483647;
  int64_t rows_ = -1, cap_ = -1;
  int32_t* rpData_ = nullptr;
  int32_t* ciData_ = nullptr;
  double* vData_ = nullptr;
  Napi::Reference<Napi::Int32Array> rp_, ci_;
  Napi::Reference<Napi::Float64Array> v_;
  bool js_ = false;
  mm::OwnedCsrSink own_;
};

class MmReadOp {
 public:
  static constexpr const char* kName = "readMatrixMarket";

  explicit MmReadOp(Args& a) {
    Napi::Env env = a.env();
    Napi::Value src = a[0];
    isText_ = get_bool_value(env, a[1], "isText");
    if (src.IsTypedArray()) {
      Napi::TypedArray t = src.As<Napi::TypedArray>();
      if (t.TypedArrayType() != napi_uint8_array)
        throw_error(env, "ERR_INVALID_ARGUMENT", "source: expected a string or a Uint8Array",
                    "source");
      if (!isText_)
        throw_error(env, "ERR_INVALID_ARGUMENT",
                    "isText: expected true for a Uint8Array source (the file's bytes)", "isText");
      const size_t n = t.ElementLength();
      bytes_ = static_cast<const char*>(t.ArrayBuffer().Data()) + t.ByteOffset();
      bytesLength_ = n;
      if (a.async()) a.job()->pin_unpacked(src, bytes_, n, "source", 1);
      where_ = "<bytes>";
    } else {
      if (!src.IsString())
        throw_error(env, "ERR_INVALID_ARGUMENT", "source: expected a string or a Uint8Array",
                    "source");
      text_ = src.As<Napi::String>().Utf8Value();
      where_ = isText_ ? "<text>" : text_;
    }
    // The header sizes the result arrays, created here on the main thread for either form.
    mm::Header h;
    int64_t size = 0;
    bool known;
    if (bytes_ != nullptr) {
      known = mm::peek_header(bytes_, bytesLength_, h);
      size = static_cast<int64_t>(bytesLength_);
    } else if (isText_) {
      known = mm::peek_header(text_.data(), text_.size(), h);
      size = static_cast<int64_t>(text_.size());
    } else {
      known = mm::peek_header_file(text_, h, &size);
    }
    if (known) sink_.prepare(env, h, size);
  }

  void run(const Engine& e, Control& ctl) {
    PoolRunner runner(e.pool);
    mm::ReadOptions opt;
    opt.runner = &runner;
    mm::Status st;
    if (bytes_ != nullptr) st = mm::read_csr(bytes_, bytesLength_, sink_, res_, error_, opt, &ctl);
    else if (isText_) st = mm::read_csr(text_.data(), text_.size(), sink_, res_, error_, opt, &ctl);
    else st = mm::read_csr_file(text_, sink_, res_, error_, opt, &ctl);
    switch (st) {
      case mm::Status::Ok: break;
      case mm::Status::ParseError:
        throw SolverError("ERR_PARSE",
                          where_ + (error_.line > 0 ? ":" + std::to_string(error_.line) : "") +
                              ": " + error_.message,
                          -1, "", error_.line);
      case mm::Status::IoError: throw SolverError("ERR_IO", where_ + ": " + error_.message);
      case mm::Status::Aborted: throw SolverError("ABORT_ERR", "The operation was aborted");
      case mm::Status::TimeLimit:
        throw SolverError("ERR_TIME_LIMIT", where_ + ": time limit reached while reading");
      default: throw SolverError("ERR_PARSE", where_ + ": unknown error");
    }
  }

  // { rows, cols, rowPtr, colIdx, values, header, nonFiniteLine?, nonFiniteText? }: the first
  // NaN / Inf value's line and text, which the facade turns into ERR_PARSE unless asked not to.
  Napi::Value result(Napi::Env env) {
    const mm::Header& hd = res_.header;
    Napi::Object r = sink_.object(env, hd.rows, hd.cols, res_.nnz);
    Napi::Object h = Napi::Object::New(env);
    h.Set("format",
          Napi::String::New(env, hd.format == mm::Format::Array ? "array" : "coordinate"));
    h.Set("field", Napi::String::New(env, field_name(hd.field)));
    h.Set("symmetry", Napi::String::New(env, symmetry_name(hd.symmetry)));
    h.Set("entries", Napi::Number::New(env, static_cast<double>(hd.entries)));
    r.Set("header", h);
    if (res_.nonfinite_line > 0) {
      r.Set("nonFiniteLine", Napi::Number::New(env, static_cast<double>(res_.nonfinite_line)));
      r.Set("nonFiniteText", Napi::String::New(env, res_.nonfinite_text));
    }
    return r;
  }
  double time_limit_ms() const { return 0; }

 private:
  static bool get_bool_value(Napi::Env env, Napi::Value v, const char* name) {
    if (!v.IsBoolean())
      throw_error(env, "ERR_INVALID_ARGUMENT", std::string(name) + ": expected a boolean", name);
    return v.As<Napi::Boolean>().Value();
  }
  std::string text_;  // path or text
  const char* bytes_ = nullptr;  // Uint8Array source
  size_t bytesLength_ = 0;
  bool isText_ = false;
  std::string where_;
  mm::ReadResult res_;
  mm::Error error_;
  JsCsrSink sink_;
};

// mmWrite(path|null, rows, cols, rowPtr, colIdx, values, trusted, symmetric, comment)
Napi::Value MmWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool toString = info[0].IsNull() || info[0].IsUndefined();
  const std::string path = toString ? std::string() : get_string(info, 0, "path");
  const bool trusted = get_bool(info, 6, "trusted");
  CsrView A = get_csr(info, 1, !trusted);
  mm::WriteOptions opt;
  opt.symmetric = get_bool(info, 7, "symmetric");
  PoolRunner runner(addon(env).engine().pool);
  opt.runner = &runner;
  std::string comment;
  if (!info[8].IsUndefined() && !info[8].IsNull()) {
    comment = get_string(info, 8, "comment");
    opt.comment = comment.c_str();
  }
  // An empty Float64Array has no data pointer; the writer reads a null `values` as "pattern".
  static const double kNoValues = 0.0;
  const double* values = A.values != nullptr ? A.values : &kNoValues;
  if (toString)
    return Napi::String::New(env,
                             mm::write_string(A.rows, A.cols, A.rowPtr, A.colIdx, values, opt));
  mm::Error err;
  if (mm::write_file(path, A.rows, A.cols, A.rowPtr, A.colIdx, values, opt, err) != mm::Status::Ok)
    throw_error(env, "ERR_IO", path + ": " + err.message, "path");
  return env.Undefined();
}

}  // namespace

void init_mmio(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<MmReadOp>>(env, exports, "mmRead");
  export_fn<start_job<MmReadOp, 2>>(env, exports, "mmReadAsync");
  export_fn<MmWrite>(env, exports, "mmWrite");
}

}  // namespace binding
}  // namespace itersolve
