// Matrix Market: mmRead(source, isText), mmReadAsync(source, isText, jobOptions) and
// mmWrite(path | null, rows, cols, rowPtr, colIdx, values, trusted, symmetric, comment).
// `source` is a path, the text itself (isText), or a Uint8Array holding the file's bytes (e.g.
// gunzipped by lib/matrixmarket.ts; read in place, pinned while an async read runs).
#include <string>

#include "../native/formats/csr.hpp"
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
  }

  void run(const Engine&, Control& ctl) {
    mm::Coo coo;
    mm::Status st;
    if (bytes_ != nullptr)
      st = mm::parse_text(bytes_, bytesLength_, coo, header_, error_, &ctl);
    else if (isText_)
      st = mm::parse_text(text_.data(), text_.size(), coo, header_, error_, &ctl);
    else
      st = mm::parse_file(text_, coo, header_, error_, &ctl);
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
    if (!csr::from_coo(coo.rows, coo.cols, static_cast<int64_t>(coo.val.size()), coo.row.data(),
                       coo.col.data(), coo.val.data(), csr_))
      throw SolverError("ERR_PARSE", where_ + ": more than 2^31-1 entries after expansion");
  }

  Napi::Value result(Napi::Env env) {
    Napi::Object r = csr_object(env, csr_);
    Napi::Object h = Napi::Object::New(env);
    h.Set("format", Napi::String::New(env, header_.format == mm::Format::Array ? "array" : "coordinate"));
    h.Set("field", Napi::String::New(env, field_name(header_.field)));
    h.Set("symmetry", Napi::String::New(env, symmetry_name(header_.symmetry)));
    h.Set("entries", Napi::Number::New(env, static_cast<double>(header_.entries)));
    r.Set("header", h);
    return r;
  }
  double time_limit_ms() const { return 0; }

 private:
  static bool get_bool_value(Napi::Env env, Napi::Value v, const char* name) {
    if (!v.IsBoolean())
      throw_error(env, "ERR_INVALID_ARGUMENT", std::string(name) + ": expected a boolean", name);
    return v.As<Napi::Boolean>().Value();
  }
  std::string text_;            // path or text
  const char* bytes_ = nullptr;  // Uint8Array source
  size_t bytesLength_ = 0;
  bool isText_ = false;
  std::string where_;
  mm::Header header_{};
  mm::Error error_;
  csr::Owned csr_;
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

}  // namespace

void init_mmio(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<MmReadOp>>(env, exports, "mmRead");
  export_fn<start_job<MmReadOp, 2>>(env, exports, "mmReadAsync");
  export_fn<MmWrite>(env, exports, "mmWrite");
}

}  // namespace binding
}  // namespace itersolve
