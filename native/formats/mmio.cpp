// Matrix Market reader / writer. See mmio.hpp.
#include "mmio.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <system_error>

#ifdef _WIN32
#include <filesystem>
#endif

namespace itersolve {
namespace mm {

namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr size_t kChunk = size_t(2) << 20;  // 2 MiB read chunks

// Space, \t, \v, \f, \r (and \n, which never occurs inside a line).
inline bool is_ws(char c) { return c == ' ' || static_cast<unsigned>(c - '\t') <= 4u; }
inline bool is_digit(char c) { return static_cast<unsigned>(c - '0') < 10u; }
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline const char* skip_ws(const char* p, const char* e) {
  while (p < e && is_ws(*p)) ++p;
  return p;
}
inline const char* token_end(const char* p, const char* e) {
  while (p < e && !is_ws(*p)) ++p;
  return p;
}

bool ieq(const char* b, const char* e, const char* word) {
  const size_t n = std::strlen(word);
  if (static_cast<size_t>(e - b) != n) return false;
  for (size_t k = 0; k < n; ++k)
    if (lower(b[k]) != word[k]) return false;
  return true;
}

// Printable excerpt of a token for error messages.
std::string quote(const char* b, const char* e) {
  std::string s = "'";
  const size_t n = static_cast<size_t>(e - b);
  const size_t m = n > 40 ? 40 : n;
  for (size_t k = 0; k < m; ++k) {
    const unsigned char c = static_cast<unsigned char>(b[k]);
    s += (c >= 32 && c < 127) ? static_cast<char>(c) : '?';
  }
  if (n > m) s += "...";
  s += "'";
  return s;
}

std::string num(int64_t v) { return std::to_string(v); }

enum class NumErr { Ok, Invalid, Negative, Overflow };

// Unsigned decimal integer token at p (p is at a non-whitespace char or e). The token must end at
// whitespace or e. Values >= 1e17 report Overflow (callers only accept <= int32 / int64 sizes).
inline NumErr parse_uint(const char*& p, const char* e, uint64_t& out) {
  const char* s = p;
  if (s < e && *s == '+') {
    ++s;
  } else if (s < e && *s == '-') {
    const char* t = s + 1;
    if (t < e && is_digit(*t)) {
      while (t < e && is_digit(*t)) ++t;
      if (t == e || is_ws(*t)) return NumErr::Negative;
    }
    return NumErr::Invalid;
  }
  if (s == e || !is_digit(*s)) return NumErr::Invalid;
  uint64_t v = 0;
  bool ovf = false;
  do {
    if (v >= 100000000000000000ull) ovf = true;
    else v = v * 10 + static_cast<unsigned>(*s - '0');
    ++s;
  } while (s < e && is_digit(*s));
  if (s < e && !is_ws(*s)) return NumErr::Invalid;
  p = s;
  out = v;
  return ovf ? NumErr::Overflow : NumErr::Ok;
}

// Fast path for indices: up to 18 plain digits followed by whitespace or e. Returns false (and
// leaves p alone) for anything else; the caller then uses parse_uint for the exact diagnosis.
inline bool fast_uint(const char*& p, const char* e, uint64_t& out) {
  const char* s = p;
  const char* lim = (e - s > 18) ? s + 18 : e;
  uint64_t v = 0;
  while (s < lim && is_digit(*s)) v = v * 10 + static_cast<unsigned>(*s++ - '0');
  if (s == p || (s < e && !is_ws(*s))) return false;
  p = s;
  out = v;
  return true;
}

// Value of a decimal token [s, t) that std::from_chars reported out of range: +-inf on overflow,
// +-0 on underflow.
double out_of_range_value(const char* s, const char* t) {
  bool neg = false;
  if (s < t && (*s == '-' || *s == '+')) neg = (*s++ == '-');
  int64_t mag = 0;
  bool nonzero = false;
  while (s < t && is_digit(*s)) {
    if (*s != '0') nonzero = true;
    if (nonzero && mag < 1000000) ++mag;
    ++s;
  }
  if (s < t && *s == '.') {
    ++s;
    while (s < t && is_digit(*s)) {
      if (!nonzero) {
        if (*s != '0') nonzero = true;
        else if (mag > -1000000) --mag;
      }
      ++s;
    }
  }
  int64_t ex = 0;
  if (s < t && (*s == 'e' || *s == 'E' || *s == 'd' || *s == 'D')) {
    ++s;
    bool eneg = false;
    if (s < t && (*s == '-' || *s == '+')) eneg = (*s++ == '-');
    while (s < t && is_digit(*s)) {
      if (ex < 100000000) ex = ex * 10 + (*s - '0');
      ++s;
    }
    if (eneg) ex = -ex;
  }
  const double r = (mag + ex > 0) ? std::numeric_limits<double>::infinity() : 0.0;
  return neg ? -r : r;
}

// Floating-point token at p (non-whitespace or e). Accepts what std::from_chars(general) accepts
// (including inf / nan), an optional leading '+', and Fortran 'D' exponents.
inline bool parse_real(const char*& p, const char* e, double& out) {
  const char* s = p;
  if (s < e && *s == '+') {
    ++s;
    if (s < e && *s == '-') return false;
  }
  auto r = std::from_chars(s, e, out, std::chars_format::general);
  if (r.ec == std::errc::invalid_argument) return false;
  const char* t = r.ptr;
  if (t < e && !is_ws(*t)) {
    if (*t != 'd' && *t != 'D') return false;
    // Fortran exponent: 1.5D+03
    const char* te = token_end(t, e);
    const size_t n = static_cast<size_t>(te - s);
    char buf[80];
    if (n >= sizeof(buf)) return false;
    std::memcpy(buf, s, n);
    buf[t - s] = 'e';
    r = std::from_chars(buf, buf + n, out, std::chars_format::general);
    if (r.ec == std::errc::invalid_argument || r.ptr != buf + n) return false;
    if (r.ec == std::errc::result_out_of_range) out = out_of_range_value(buf, buf + n);
    p = te;
    return true;
  }
  if (r.ec == std::errc::result_out_of_range) out = out_of_range_value(s, t);
  p = t;
  return true;
}

// Integer-field value: [+-]?digits, converted to double (large values round).
inline bool parse_integer_value(const char*& p, const char* e, double& out) {
  const char* s = p;
  if (s < e && (*s == '+' || *s == '-')) ++s;
  if (s == e || !is_digit(*s)) return false;
  while (s < e && is_digit(*s)) ++s;
  if (s < e && !is_ws(*s)) return false;
  const char* b = (*p == '+') ? p + 1 : p;
  auto r = std::from_chars(b, s, out, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) out = out_of_range_value(b, s);
  else if (r.ec != std::errc() || r.ptr != s) return false;
  p = s;
  return true;
}

}  // namespace

const char* status_name(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::ParseError: return "parse error";
    case Status::IoError: return "io error";
    case Status::Aborted: return "aborted";
    case Status::TimeLimit: return "time limit";
  }
  return "unknown";
}

// ------------------------------------------------------------------------------------------------
// Parser

Parser::Parser() = default;

bool Parser::fail(const char* msg) {
  err_.line = line_;
  err_.message = msg;
  state_ = State::Failed;
  fail_status_ = Status::ParseError;
  return false;
}
bool Parser::fail(const std::string& msg) { return fail(msg.c_str()); }

Status Parser::feed(const char* data, size_t len) {
  if (state_ == State::Failed) return fail_status_;
  if (state_ == State::Finished) {
    fail("data fed after finish()");
    return Status::ParseError;
  }
  if (len == 0) return Status::Ok;
  if (data == nullptr) {
    fail("null data pointer");
    return Status::ParseError;
  }
  try {
    return feed_impl(data, len);
  } catch (const std::bad_alloc&) {
    err_.line = 0;
    err_.message = "out of memory";
  } catch (const std::exception& ex) {
    err_.line = 0;
    err_.message = std::string("out of memory (") + ex.what() + ")";
  }
  state_ = State::Failed;
  fail_status_ = Status::IoError;
  return fail_status_;
}

bool Parser::append_carry(const char* b, const char* e) {
  carry_len_ += static_cast<size_t>(e - b);
  if (carry_.empty()) b = skip_ws(b, e);  // leading whitespace is irrelevant; only counted
  carry_.append(b, e);
  if (carry_len_ > kMaxLineLength && !carry_.empty()) {
    if (carry_[0] == '%' && state_ != State::Banner) {  // long comment: stream past it
      skip_comment_ = true;
      std::string().swap(carry_);
      carry_len_ = 0;
      return true;
    }
    ++line_;
    return fail("line too long (more than " + num(int64_t(kMaxLineLength)) + " bytes)");
  }
  return true;
}

Status Parser::feed_impl(const char* data, size_t len) {
  const char* p = data;
  const char* const end = data + len;
  bytes_ += static_cast<int64_t>(len);

  if (skip_comment_) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) return Status::Ok;
    skip_comment_ = false;
    ++line_;
    p = nl + 1;
  } else if (carry_len_ > 0) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!append_carry(p, nl ? nl : end)) return Status::ParseError;
    if (nl == nullptr) return Status::Ok;
    ++line_;
    if (skip_comment_) {
      skip_comment_ = false;
    } else if (!process_line(carry_.data(), carry_.data() + carry_.size(), carry_len_)) {
      return Status::ParseError;
    }
    carry_.clear();
    carry_len_ = 0;
    p = nl + 1;
  }

  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) break;
    ++line_;
    if (!process_line(p, nl, static_cast<size_t>(nl - p))) return Status::ParseError;
    p = nl + 1;
  }
  if (p < end && !append_carry(p, end)) return Status::ParseError;
  return Status::Ok;
}

Status Parser::finish() {
  if (state_ == State::Failed) return fail_status_;
  if (state_ == State::Finished) return Status::Ok;
  try {
    if (skip_comment_) {
      skip_comment_ = false;
      ++line_;
    } else if (carry_len_ > 0) {
      ++line_;
      const bool ok = process_line(carry_.data(), carry_.data() + carry_.size(), carry_len_);
      std::string().swap(carry_);
      carry_len_ = 0;
      if (!ok) return Status::ParseError;
    }
    switch (state_) {
      case State::Banner:
        if (line_ == 0) line_ = 1;
        fail("missing %%MatrixMarket banner (empty input)");
        return Status::ParseError;
      case State::Size:
        fail("unexpected end of input: missing size line");
        return Status::ParseError;
      case State::Data:
        fail("too few entries: expected " + num(hdr_.entries) + ", found " + num(seen_));
        return Status::ParseError;
      default:
        break;
    }
    // Give back a grossly over-estimated reservation (array files with many zeros, or a size
    // hint much larger than needed).
    const size_t n = coo_.row.size();
    if (coo_.row.capacity() > 2 * n + 4096) {
      coo_.row.shrink_to_fit();
      coo_.col.shrink_to_fit();
      coo_.val.shrink_to_fit();
    }
    state_ = State::Finished;
    return Status::Ok;
  } catch (const std::exception&) {
    err_.line = 0;
    err_.message = "out of memory";
    state_ = State::Failed;
    fail_status_ = Status::IoError;
    return fail_status_;
  }
}

bool Parser::process_line(const char* b, const char* e, size_t raw_len) {
  b = skip_ws(b, e);
  if (line_ == 1 && e - b >= 3 && std::memcmp(b, "\xEF\xBB\xBF", 3) == 0)  // UTF-8 BOM
    b = skip_ws(b + 3, e);
  while (e > b && is_ws(e[-1])) --e;
  if (b == e) return true;  // blank line
  if (*b == '%') {
    if (state_ != State::Banner) return true;  // comment
    if (raw_len > kMaxLineLength)
      return fail("line too long (more than " + num(int64_t(kMaxLineLength)) + " bytes)");
    return parse_banner(b, e);
  }
  if (raw_len > kMaxLineLength)
    return fail("line too long (more than " + num(int64_t(kMaxLineLength)) + " bytes)");
  switch (state_) {
    case State::Data:
      return hdr_.format == Format::Coordinate ? parse_coord_entry(b, e) : parse_array_entry(b, e);
    case State::Banner:
      return fail("missing %%MatrixMarket banner: the first line must start with "
                  "'%%MatrixMarket matrix'");
    case State::Size:
      return parse_size(b, e);
    case State::Done:
      return fail("too many entries: expected " + num(hdr_.entries) + ", found more (" +
                  quote(b, e) + ")");
    default:
      return fail("internal parser state error");
  }
}

bool Parser::parse_banner(const char* b, const char* e) {
  const char* p = b;
  const char* t = token_end(p, e);
  if (!ieq(p, t, "%%matrixmarket")) {
    if (t - p > 2 && p[1] == '%')
      return fail("bad banner: expected '%%MatrixMarket', got " + quote(p, t));
    return fail("missing %%MatrixMarket banner: the first line must start with "
                "'%%MatrixMarket matrix'");
  }
  const char* tok[4][2];
  int nt = 0;
  p = skip_ws(t, e);
  while (p < e && nt < 4) {
    t = token_end(p, e);
    tok[nt][0] = p;
    tok[nt][1] = t;
    ++nt;
    p = skip_ws(t, e);
  }
  if (nt < 1) return fail("bad banner: missing object type (expected 'matrix')");
  if (!ieq(tok[0][0], tok[0][1], "matrix"))
    return fail("unsupported object " + quote(tok[0][0], tok[0][1]) + " (only 'matrix')");
  if (nt < 2) return fail("bad banner: missing format (coordinate or array)");
  if (ieq(tok[1][0], tok[1][1], "coordinate")) hdr_.format = Format::Coordinate;
  else if (ieq(tok[1][0], tok[1][1], "array")) hdr_.format = Format::Array;
  else
    return fail("unsupported format " + quote(tok[1][0], tok[1][1]) +
                " (expected coordinate or array)");
  if (nt < 3) return fail("bad banner: missing field (real, integer or pattern)");
  if (ieq(tok[2][0], tok[2][1], "real")) hdr_.field = Field::Real;
  else if (ieq(tok[2][0], tok[2][1], "integer")) hdr_.field = Field::Integer;
  else if (ieq(tok[2][0], tok[2][1], "pattern")) hdr_.field = Field::Pattern;
  else if (ieq(tok[2][0], tok[2][1], "complex"))
    return fail("unsupported field 'complex' (only real, integer and pattern are supported)");
  else
    return fail("unsupported field " + quote(tok[2][0], tok[2][1]) +
                " (expected real, integer or pattern)");
  if (nt < 4) return fail("bad banner: missing symmetry (general, symmetric or skew-symmetric)");
  if (ieq(tok[3][0], tok[3][1], "general")) hdr_.symmetry = Symmetry::General;
  else if (ieq(tok[3][0], tok[3][1], "symmetric")) hdr_.symmetry = Symmetry::Symmetric;
  else if (ieq(tok[3][0], tok[3][1], "skew-symmetric")) hdr_.symmetry = Symmetry::SkewSymmetric;
  else if (ieq(tok[3][0], tok[3][1], "hermitian"))
    return fail("unsupported symmetry 'hermitian' (only general, symmetric and skew-symmetric)");
  else
    return fail("unsupported symmetry " + quote(tok[3][0], tok[3][1]) +
                " (expected general, symmetric or skew-symmetric)");
  if (p < e) return fail("bad banner: unexpected text after symmetry: " + quote(p, e));
  if (hdr_.field == Field::Pattern && hdr_.format == Format::Array)
    return fail("bad banner: 'pattern' requires the 'coordinate' format");
  if (hdr_.field == Field::Pattern && hdr_.symmetry == Symmetry::SkewSymmetric)
    return fail("bad banner: a 'pattern' matrix cannot be 'skew-symmetric'");
  state_ = State::Size;
  return true;
}

bool Parser::parse_size(const char* b, const char* e) {
  const bool coord = hdr_.format == Format::Coordinate;
  const char* usage = coord ? " (expected 'rows cols entries')" : " (expected 'rows cols')";
  static const char* const names[3] = {"rows", "cols", "entries"};
  const int need = coord ? 3 : 2;
  uint64_t v[3] = {0, 0, 0};
  const char* p = b;
  for (int k = 0; k < need; ++k) {
    p = skip_ws(p, e);
    if (p == e) return fail(std::string("bad size line: missing ") + names[k] + usage);
    const char* s = p;
    const char* t = token_end(p, e);
    switch (parse_uint(p, e, v[k])) {
      case NumErr::Ok: break;
      case NumErr::Negative:
        return fail(std::string("bad size line: negative ") + names[k] + " " + quote(s, t));
      case NumErr::Overflow:
        return fail(std::string("bad size line: ") + names[k] + " " + quote(s, t) +
                    " exceeds the int32 range (max 2147483647)");
      default:
        return fail(std::string("bad size line: ") + names[k] + " is not an integer: " +
                    quote(s, t) + usage);
    }
  }
  p = skip_ws(p, e);
  if (p < e) return fail("bad size line: unexpected text " + quote(p, e) + usage);
  for (int k = 0; k < need; ++k)
    if (v[k] > static_cast<uint64_t>(kInt32Max))
      return fail(std::string("bad size line: ") + names[k] + " = " + num(int64_t(v[k])) +
                  " exceeds the int32 range (max 2147483647)");
  hdr_.rows = static_cast<int64_t>(v[0]);
  hdr_.cols = static_cast<int64_t>(v[1]);
  if (hdr_.symmetry != Symmetry::General && hdr_.rows != hdr_.cols)
    return fail("bad size line: a " +
                std::string(hdr_.symmetry == Symmetry::Symmetric ? "symmetric" : "skew-symmetric") +
                " matrix must be square, got " + num(hdr_.rows) + " x " + num(hdr_.cols));
  if (coord) {
    hdr_.entries = static_cast<int64_t>(v[2]);
  } else {
    const int64_t n = hdr_.rows;
    switch (hdr_.symmetry) {
      case Symmetry::General: hdr_.entries = hdr_.rows * hdr_.cols; break;
      case Symmetry::Symmetric: hdr_.entries = n * (n + 1) / 2; break;
      case Symmetry::SkewSymmetric: hdr_.entries = n > 0 ? n * (n - 1) / 2 : 0; break;
    }
    arr_i_ = hdr_.symmetry == Symmetry::SkewSymmetric ? 1 : 0;
    arr_j_ = 0;
  }
  coo_.rows = hdr_.rows;
  coo_.cols = hdr_.cols;
  reserve_entries();
  state_ = hdr_.entries == 0 ? State::Done : State::Data;
  return true;
}

void Parser::reserve_entries() {
  const bool sym = hdr_.symmetry != Symmetry::General;
  int64_t want = hdr_.entries;
  // Bytes-based cap: shortest possible entry line ("1 1\n", "1 1 0\n", "0\n").
  int64_t min_line = hdr_.format == Format::Array ? 2 : (hdr_.field == Field::Pattern ? 4 : 6);
  int64_t cap;
  if (size_hint_ >= 0) {
    const int64_t remaining = size_hint_ > bytes_ ? size_hint_ : bytes_;
    cap = remaining / min_line + 1;
  } else {
    cap = int64_t(1) << 16;  // unknown input size: start small, grow geometrically
  }
  if (want > cap) want = cap;
  if (sym) want *= 2;
  if (want > kInt32Max) want = kInt32Max;
  if (want <= 0) return;
  coo_.row.reserve(static_cast<size_t>(want));
  coo_.col.reserve(static_cast<size_t>(want));
  coo_.val.reserve(static_cast<size_t>(want));
}

inline bool Parser::push(int64_t i, int64_t j, double v) {
  if (coo_.row.size() >= static_cast<size_t>(kInt32Max))
    return fail("too many stored entries: more than 2147483647 after symmetric expansion "
                "(int32 index limit)");
  coo_.row.push_back(static_cast<int32_t>(i));
  coo_.col.push_back(static_cast<int32_t>(j));
  coo_.val.push_back(v);
  return true;
}

bool Parser::parse_coord_entry(const char* b, const char* e) {
  const char* p = b;  // b is at a non-whitespace char, e after the last non-whitespace char
  uint64_t ij[2];
  for (int k = 0; k < 2; ++k) {
    if (k == 1) {
      p = skip_ws(p, e);
      if (p == e) return fail("missing column index");
    }
    const char* s = p;
    const int64_t lim = k == 0 ? hdr_.rows : hdr_.cols;
    const NumErr r = fast_uint(p, e, ij[k]) ? NumErr::Ok : parse_uint(p, e, ij[k]);
    if (r != NumErr::Ok || ij[k] == 0 || ij[k] > static_cast<uint64_t>(lim)) {
      const char* what = k == 0 ? "row index " : "column index ";
      const char* t = token_end(s, e);
      if (r == NumErr::Invalid)
        return fail(std::string(what) + "is not a positive integer: " + quote(s, t));
      return fail(std::string(what) + quote(s, t) + " out of range 1.." + num(lim));
    }
  }
  double v = 1.0;
  if (hdr_.field != Field::Pattern) {
    p = skip_ws(p, e);
    if (p == e) return fail("missing value");
    const bool ok = hdr_.field == Field::Real ? parse_real(p, e, v) : parse_integer_value(p, e, v);
    if (!ok)
      return fail(std::string(hdr_.field == Field::Real ? "invalid real value "
                                                        : "invalid integer value ") +
                  quote(p, token_end(p, e)));
  }
  p = skip_ws(p, e);
  if (p < e) return fail("unexpected text after entry: " + quote(p, e));

  const int64_t i = static_cast<int64_t>(ij[0]) - 1, j = static_cast<int64_t>(ij[1]) - 1;
  if (!push(i, j, v)) return false;
  if (hdr_.symmetry != Symmetry::General) {
    if (i != j) {
      if (!push(j, i, hdr_.symmetry == Symmetry::Symmetric ? v : -v)) return false;
    } else if (hdr_.symmetry == Symmetry::SkewSymmetric) {
      return fail("diagonal entry (" + num(i + 1) + ", " + num(j + 1) +
                  ") in a skew-symmetric matrix");
    }
  }
  if (++seen_ == hdr_.entries) state_ = State::Done;
  return true;
}

bool Parser::parse_array_entry(const char* b, const char* e) {
  const char* p = b;
  double v = 0.0;
  const bool ok = hdr_.field == Field::Real ? parse_real(p, e, v) : parse_integer_value(p, e, v);
  if (!ok)
    return fail(std::string(hdr_.field == Field::Real ? "invalid real value "
                                                      : "invalid integer value ") +
                quote(p, token_end(p, e)));
  p = skip_ws(p, e);
  if (p < e)
    return fail("unexpected text after value (array format has one value per line): " +
                quote(p, e));
  const int64_t i = arr_i_, j = arr_j_;
  if (v != 0.0) {
    if (!push(i, j, v)) return false;
    if (hdr_.symmetry != Symmetry::General && i != j &&
        !push(j, i, hdr_.symmetry == Symmetry::Symmetric ? v : -v))
      return false;
  }
  if (++arr_i_ >= hdr_.rows) {
    ++arr_j_;
    arr_i_ = hdr_.symmetry == Symmetry::General ? 0
             : hdr_.symmetry == Symmetry::Symmetric ? arr_j_
                                                     : arr_j_ + 1;
  }
  if (++seen_ == hdr_.entries) state_ = State::Done;
  return true;
}

// ------------------------------------------------------------------------------------------------
// Whole-input helpers

namespace {

Status stop_status(Control* ctl, Error& err) {
  if (ctl == nullptr) return Status::Ok;
  switch (ctl->poll()) {
    case StopReason::Aborted:
      err.line = 0;
      err.message = "aborted";
      return Status::Aborted;
    case StopReason::TimeLimit:
      err.line = 0;
      err.message = "time limit exceeded";
      return Status::TimeLimit;
    default:
      return Status::Ok;
  }
}

std::string errno_text(int e) { return std::generic_category().message(e); }

std::FILE* open_file(const std::string& path, bool write) {
#ifdef _WIN32
  const std::filesystem::path fp = std::filesystem::u8path(path);
  return _wfopen(fp.c_str(), write ? L"wb" : L"rb");
#else
  return std::fopen(path.c_str(), write ? "wb" : "rb");
#endif
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

int64_t file_size(std::FILE* f) {
#ifdef _WIN32
  if (_fseeki64(f, 0, SEEK_END) != 0) return -1;
  const int64_t n = _ftelli64(f);
  if (_fseeki64(f, 0, SEEK_SET) != 0) return -2;
#else
  if (fseeko(f, 0, SEEK_END) != 0) return -1;
  const int64_t n = static_cast<int64_t>(ftello(f));
  if (fseeko(f, 0, SEEK_SET) != 0) return -2;
#endif
  return n;
}

Status finish_parse(Parser& parser, Coo& out, Header& hdr, Error& err) {
  const Status st = parser.finish();
  hdr = parser.header();
  if (st != Status::Ok) {
    err = parser.error();
    return st;
  }
  out = std::move(parser.coo());
  return Status::Ok;
}

}  // namespace

Status parse_file(const std::string& path, Coo& out, Header& hdr, Error& err, Control* ctl) {
  err = Error{};
  try {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> f(open_file(path, false));
    if (!f) {
      const int e = errno;
      err.message = "cannot open '" + path + "': " + (e ? errno_text(e) : "unknown error");
      return Status::IoError;
    }
    int64_t size = file_size(f.get());
    if (size == -2) {
      err.message = "cannot seek in '" + path + "'";
      return Status::IoError;
    }
    Parser parser;
    if (size >= 0) parser.set_size_hint(size);
    else size = -1;
    std::unique_ptr<char[]> buf(new char[kChunk]);
    int64_t done = 0;
    for (;;) {
      Status st = stop_status(ctl, err);
      if (st != Status::Ok) {
        hdr = parser.header();
        return st;
      }
      const size_t n = std::fread(buf.get(), 1, kChunk, f.get());
      if (n > 0) {
        st = parser.feed(buf.get(), n);
        if (st != Status::Ok) {
          hdr = parser.header();
          err = parser.error();
          return st;
        }
        done += static_cast<int64_t>(n);
        if (ctl) ctl->progress(ProgressInfo{done, size, 0.0});
      }
      if (n < kChunk) {
        if (std::ferror(f.get())) {
          const int e = errno;
          hdr = parser.header();
          err.message = "read error on '" + path + "'" + (e ? ": " + errno_text(e) : "");
          return Status::IoError;
        }
        break;
      }
    }
    const Status st = finish_parse(parser, out, hdr, err);
    if (st == Status::Ok && ctl) ctl->progress(ProgressInfo{done, size, 0.0}, true);
    return st;
  } catch (const std::exception&) {
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
}

Status parse_text(const char* text, size_t len, Coo& out, Header& hdr, Error& err, Control* ctl) {
  err = Error{};
  try {
    Parser parser;
    parser.set_size_hint(static_cast<int64_t>(len));
    size_t off = 0;
    while (off < len) {
      Status st = stop_status(ctl, err);
      if (st != Status::Ok) {
        hdr = parser.header();
        return st;
      }
      const size_t n = len - off < kChunk ? len - off : kChunk;
      st = parser.feed(text + off, n);
      if (st != Status::Ok) {
        hdr = parser.header();
        err = parser.error();
        return st;
      }
      off += n;
      if (ctl) ctl->progress(ProgressInfo{static_cast<int64_t>(off), static_cast<int64_t>(len), 0.0});
    }
    const Status st = finish_parse(parser, out, hdr, err);
    if (st == Status::Ok && ctl)
      ctl->progress(ProgressInfo{static_cast<int64_t>(len), static_cast<int64_t>(len), 0.0}, true);
    return st;
  } catch (const std::exception&) {
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
}

// ------------------------------------------------------------------------------------------------
// Writer

namespace {

constexpr size_t kOutFlush = size_t(1) << 20;
constexpr size_t kOutSlack = 256;  // > longest line: 2 * 10 digits + 24-char double + separators

// Validates the CSR input and counts the entries to write.
bool check_csr(int64_t rows, int64_t cols, const int32_t* rowPtr, const int32_t* colIdx,
               const WriteOptions& opt, int64_t& nnz, Error& err) {
  err = Error{};
  auto bad = [&](const std::string& m) {
    err.line = 0;
    err.message = "invalid CSR: " + m;
    return false;
  };
  if (rows < 0 || cols < 0) return bad("negative dimensions");
  if (rows > kInt32Max || cols > kInt32Max) return bad("dimensions exceed the int32 range");
  if (opt.symmetric && rows != cols) return bad("symmetric output requires a square matrix");
  if (rowPtr == nullptr) return bad("null rowPtr");
  if (rowPtr[0] < 0) return bad("rowPtr[0] is negative");
  for (int64_t r = 0; r < rows; ++r)
    if (rowPtr[r + 1] < rowPtr[r]) return bad("rowPtr is decreasing at row " + num(r));
  const int64_t total = int64_t(rowPtr[rows]) - rowPtr[0];
  if (total > 0 && colIdx == nullptr) return bad("null colIdx");
  nnz = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int32_t k = rowPtr[r]; k < rowPtr[r + 1]; ++k) {
      const int32_t c = colIdx[k];
      if (c < 0 || c >= cols)
        return bad("column index " + num(c) + " out of range at row " + num(r));
      if (!opt.symmetric || c <= r) ++nnz;
    }
  }
  return true;
}

template <class Flush>
bool write_body(std::vector<char>& buf, Flush&& flush, int64_t rows, int64_t cols,
                const int32_t* rowPtr, const int32_t* colIdx, const double* values,
                const WriteOptions& opt, int64_t nnz) {
  char* const base = buf.data();
  char* const limit = base + kOutFlush;
  char* const cap = base + buf.size();
  char* p = base;
  auto put = [&](const char* s, size_t n) -> bool {
    while (n > 0) {
      if (p >= limit) {
        if (!flush(base, static_cast<size_t>(p - base))) return false;
        p = base;
      }
      const size_t room = static_cast<size_t>(cap - p);
      const size_t m = n < room ? n : room;
      std::memcpy(p, s, m);
      p += m;
      s += m;
      n -= m;
    }
    return true;
  };
  std::string head = "%%MatrixMarket matrix coordinate ";
  head += values ? "real " : "pattern ";
  head += opt.symmetric ? "symmetric\n" : "general\n";
  if (opt.comment != nullptr) {
    const char* c = opt.comment;
    for (;;) {
      const char* nl = std::strchr(c, '\n');
      head += '%';
      head.append(c, nl ? static_cast<size_t>(nl - c) : std::strlen(c));
      head += '\n';
      if (!nl) break;
      c = nl + 1;
    }
  }
  head += num(rows) + " " + num(cols) + " " + num(nnz) + "\n";
  if (!put(head.data(), head.size())) return false;

  for (int64_t r = 0; r < rows; ++r) {
    const int32_t k0 = rowPtr[r], k1 = rowPtr[r + 1];
    for (int32_t k = k0; k < k1; ++k) {
      const int32_t c = colIdx[k];
      if (opt.symmetric && c > r) continue;
      if (p >= limit) {
        if (!flush(base, static_cast<size_t>(p - base))) return false;
        p = base;
      }
      p = std::to_chars(p, cap, r + 1).ptr;
      *p++ = ' ';
      p = std::to_chars(p, cap, int64_t(c) + 1).ptr;
      if (values) {
        *p++ = ' ';
        p = std::to_chars(p, cap, values[k]).ptr;
      }
      *p++ = '\n';
    }
  }
  if (p > base && !flush(base, static_cast<size_t>(p - base))) return false;
  return true;
}

}  // namespace

Status write_to_string(std::string& out, int64_t rows, int64_t cols, const int32_t* rowPtr,
                       const int32_t* colIdx, const double* values, const WriteOptions& opt,
                       Error& err) {
  try {
    int64_t nnz = 0;
    if (!check_csr(rows, cols, rowPtr, colIdx, opt, nnz, err)) return Status::ParseError;
    out.clear();
    out.reserve(static_cast<size_t>(nnz) * (values ? 28 : 14) + 128);
    std::vector<char> buf(kOutFlush + kOutSlack);
    auto flush = [&](const char* d, size_t n) {
      out.append(d, n);
      return true;
    };
    write_body(buf, flush, rows, cols, rowPtr, colIdx, values, opt, nnz);
    return Status::Ok;
  } catch (const std::exception&) {
    out.clear();
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
}

std::string write_string(int64_t rows, int64_t cols, const int32_t* rowPtr, const int32_t* colIdx,
                         const double* values, const WriteOptions& opt) {
  std::string out;
  Error err;
  if (write_to_string(out, rows, cols, rowPtr, colIdx, values, opt, err) != Status::Ok) out.clear();
  return out;
}

Status write_file(const std::string& path, int64_t rows, int64_t cols, const int32_t* rowPtr,
                  const int32_t* colIdx, const double* values, const WriteOptions& opt,
                  Error& err) {
  try {
    int64_t nnz = 0;
    if (!check_csr(rows, cols, rowPtr, colIdx, opt, nnz, err)) return Status::ParseError;
    std::vector<char> buf(kOutFlush + kOutSlack);
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> f(open_file(path, true));
    if (!f) {
      const int e = errno;
      err.message = "cannot open '" + path + "' for writing: " + (e ? errno_text(e) : "unknown error");
      return Status::IoError;
    }
    int werr = 0;
    auto flush = [&](const char* d, size_t n) {
      if (std::fwrite(d, 1, n, f.get()) != n) {
        werr = errno ? errno : EIO;
        return false;
      }
      return true;
    };
    const bool ok = write_body(buf, flush, rows, cols, rowPtr, colIdx, values, opt, nnz);
    std::FILE* raw = f.release();
    errno = 0;
    const int rc = std::fclose(raw);
    if (!ok || rc != 0) {
      const int e = !ok ? werr : (errno ? errno : EIO);
      err.message = "write error on '" + path + "': " + errno_text(e);
      return Status::IoError;
    }
    return Status::Ok;
  } catch (const std::exception&) {
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
}

}  // namespace mm
}  // namespace itersolve
