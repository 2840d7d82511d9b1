// Matrix Market reader / writer. See mmio.hpp.
#include "mmio.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <system_error>

#include <thread>
#include <vector>

#ifdef _WIN32
#include <filesystem>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define ITERSOLVE_MMIO_MMAP 1
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

// Start of the whitespace-delimited token that ends at `e` (not before `lo`).
inline const char* token_begin_before(const char* e, const char* lo) {
  const char* b = e;
  while (b > lo && !is_ws(b[-1])) --b;
  return b;
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
      default: break;
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
      return fail(
          "missing %%MatrixMarket banner: the first line must start with "
          "'%%MatrixMarket matrix'");
    case State::Size: return parse_size(b, e);
    case State::Done:
      return fail("too many entries: expected " + num(hdr_.entries) + ", found more (" +
                  quote(b, e) + ")");
    default: return fail("internal parser state error");
  }
}

bool Parser::parse_banner(const char* b, const char* e) {
  const char* p = b;
  const char* t = token_end(p, e);
  if (!ieq(p, t, "%%matrixmarket")) {
    if (t - p > 2 && p[1] == '%')
      return fail("bad banner: expected '%%MatrixMarket', got " + quote(p, t));
    return fail(
        "missing %%MatrixMarket banner: the first line must start with "
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
        return fail(std::string("bad size line: ") + names[k] +
                    " is not an integer: " + quote(s, t) + usage);
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

void Parser::note_value(double v, const char* b, const char* e) {
  if (nonfinite_line_ == 0 && !std::isfinite(v)) {
    nonfinite_line_ = line_;
    nonfinite_text_ = quote(b, e);
  }
}

int64_t Parser::parse_header(const char* data, size_t len, bool at_end) {
  const char* p = data;
  const char* const end = data + len;
  while (p < end && !header_done()) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr && !at_end) return -1;
    const char* le = nl ? nl : end;
    ++line_;
    if (!process_line(p, le, static_cast<size_t>(le - p))) return -1;
    p = nl ? nl + 1 : end;
  }
  if (!header_done()) {
    if (at_end) {  // what finish() says about an input that ends inside the header
      if (state_ == State::Banner) {
        if (line_ == 0) line_ = 1;
        fail("missing %%MatrixMarket banner (empty input)");
      } else {
        fail("unexpected end of input: missing size line");
      }
    }
    return -1;
  }
  bytes_ = static_cast<int64_t>(p - data);
  return bytes_;
}

inline bool Parser::push(int64_t i, int64_t j, double v) {
  if (coo_.row.size() >= static_cast<size_t>(kInt32Max))
    return fail(
        "too many stored entries: more than 2147483647 after symmetric expansion "
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
  const char* vend = p;
  p = skip_ws(p, e);
  if (p < e) return fail("unexpected text after entry: " + quote(p, e));
  if (hdr_.field != Field::Pattern) note_value(v, token_begin_before(vend, b), vend);

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
    return fail(
        std::string(hdr_.field == Field::Real ? "invalid real value " : "invalid integer value ") +
        quote(p, token_end(p, e)));
  const char* vend = p;
  p = skip_ws(p, e);
  if (p < e)
    return fail("unexpected text after value (array format has one value per line): " +
                quote(p, e));
  note_value(v, b, vend);
  const int64_t i = arr_i_, j = arr_j_;
  if (v != 0.0) {
    if (!push(i, j, v)) return false;
    if (hdr_.symmetry != Symmetry::General && i != j &&
        !push(j, i, hdr_.symmetry == Symmetry::Symmetric ? v : -v))
      return false;
  }
  if (++arr_i_ >= hdr_.rows) {
    ++arr_j_;
    arr_i_ = hdr_.symmetry == Symmetry::General     ? 0
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
    default: return Status::Ok;
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
      if (ctl)
        ctl->progress(ProgressInfo{static_cast<int64_t>(off), static_cast<int64_t>(len), 0.0});
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
// read_csr: whole input -> CSR, chunks parsed in parallel

void ThreadRunner::run(void (*fn)(void* ctx, int task, int ntasks), void* ctx) {
  const int n = threads_;
  if (n <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  std::vector<std::thread> ts;
  int started = 1;
  try {
    ts.reserve(static_cast<size_t>(n - 1));
    for (; started < n; ++started) ts.emplace_back(fn, ctx, started, n);
  } catch (const std::exception&) {
    // no more threads to be had: the caller runs the tasks that did not get one
  }
  fn(ctx, 0, n);
  for (int t = started; t < n; ++t) fn(ctx, t, n);
  for (auto& t : ts) t.join();
}

void advise_hugepages(void* p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Only large arrays, and only whole 2 MiB pages inside them: first touches of fresh memory
  // cost several times less in huge pages (fewer faults, one zeroing each).
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  if (bytes < 4 * kHuge) return;
  const uintptr_t b = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

bool OwnedCsrSink::allocate(int64_t r, int64_t c, int64_t cap) {
  rows = r;
  cols = c;
  capacity = cap;
  // new T[n] without () leaves the memory uninitialised: the pages are first touched by the
  // writes of the parse, on the threads that write them.
  rowPtrBuf.reset(new (std::nothrow) int32_t[static_cast<size_t>(r) + 1]);
  colIdxBuf.reset(cap > 0 ? new (std::nothrow) int32_t[static_cast<size_t>(cap)] : nullptr);
  valuesBuf.reset(cap > 0 ? new (std::nothrow) double[static_cast<size_t>(cap)] : nullptr);
  if (!rowPtrBuf || (cap > 0 && (!colIdxBuf || !valuesBuf))) return false;
  rowPtr = rowPtrBuf.get();
  colIdx = colIdxBuf.get();
  values = valuesBuf.get();
  advise_hugepages(rowPtr, (static_cast<size_t>(r) + 1) * sizeof(int32_t));
  advise_hugepages(colIdx, static_cast<size_t>(cap) * sizeof(int32_t));
  advise_hugepages(values, static_cast<size_t>(cap) * sizeof(double));
  return true;
}

int64_t capacity_for(const Header& h) {
  const int64_t e = h.entries < 0 ? 0 : h.entries;
  if (h.symmetry == Symmetry::General) return e;
  return e > std::numeric_limits<int64_t>::max() / 2 ? std::numeric_limits<int64_t>::max() : 2 * e;
}

namespace {

// Temporary array of trivially copyable T, uninitialised (first touch by its writer).
template <class T>
struct TempBuf {
  std::unique_ptr<T[]> p;
  bool alloc(size_t n) {
    p.reset(n > 0 ? new (std::nothrow) T[n] : nullptr);
    if (p) advise_hugepages(p.get(), n * sizeof(T));
    return n == 0 || p != nullptr;
  }
  T* get() const { return p.get(); }
};

// Whitespace inside a line (everything is_ws accepts but the line end).
inline bool is_blank(char c) { return c != '\n' && is_ws(c); }

#ifdef __SIZEOF_INT128__
#define ITERSOLVE_MMIO_INT128 1
using u128 = unsigned __int128;

// (m + f) * 2^e2 rounded to the nearest double, ties to even, where 0 <= f < 1 is nonzero iff
// `sticky`; m > 0 and the result a normal number (callers keep |value| within 1e-45..1e45).
inline double round_to_double(u128 m, int e2, bool sticky) {
  const uint64_t hi = static_cast<uint64_t>(m >> 64);
  const int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll(static_cast<uint64_t>(m));
  if (bits <= 53) return std::ldexp(static_cast<double>(static_cast<uint64_t>(m)), e2);
  const int shift = bits - 53;
  uint64_t mant = static_cast<uint64_t>(m >> shift);
  const u128 rem = m & ((u128(1) << shift) - 1);
  const u128 half = u128(1) << (shift - 1);
  if (rem > half || (rem == half && (sticky || (mant & 1)))) {
    if (++mant == (uint64_t(1) << 53)) return std::ldexp(1.0, e2 + shift + 53);
  }
  return std::ldexp(static_cast<double>(mant), e2 + shift);
}

// w * 10^q correctly rounded for 2^53 < w < 2^64 and |q| <= 22, in integer arithmetic:
// 10^q = 5^q * 2^q with 5^22 < 2^52, so w * 5^q is exact in 128 bits, and w / 5^-q is a 128-bit
// quotient of 75 or more bits plus a sticky remainder. The same bits as std::from_chars.
inline double wide_decimal(uint64_t w, int q) {
  static const uint64_t kPow5[23] = {1ull,
                                     5ull,
                                     25ull,
                                     125ull,
                                     625ull,
                                     3125ull,
                                     15625ull,
                                     78125ull,
                                     390625ull,
                                     1953125ull,
                                     9765625ull,
                                     48828125ull,
                                     244140625ull,
                                     1220703125ull,
                                     6103515625ull,
                                     30517578125ull,
                                     152587890625ull,
                                     762939453125ull,
                                     3814697265625ull,
                                     19073486328125ull,
                                     95367431640625ull,
                                     476837158203125ull,
                                     2384185791015625ull};
  if (q >= 0) return round_to_double(u128(w) * kPow5[q], q, false);
  const uint64_t d = kPow5[-q];
  const int s = 127 - (64 - __builtin_clzll(w));  // numerator w << s just below 2^127
  const u128 n = u128(w) << s;
  const u128 quo = n / d;
  return round_to_double(quo, q - s, quo * d != n);
}
#endif

// Clinger's fast path: a decimal [-]digits[.digits][(e|E)[+-]digits] of at most 19 digits whose
// integer mantissa w <= 2^53 and power of ten |q| <= 22 is w * 10^q (or w / 10^-q) in one
// correctly rounded operation, exactly what std::from_chars returns; larger mantissas (the
// 17-digit shortest forms of arbitrary doubles) take wide_decimal where 128-bit integers exist.
// Anything else (more digits, inf/nan, '+', Fortran exponents, errors) returns false and goes to
// from_chars.
// The token must end at whitespace (a '\n' before lim guarantees the scan stops; 8-byte loads
// stay below lim).
// Eight ASCII digits at p (little-endian load) as their value; is_eight_digits checks them first.
inline uint64_t load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline bool is_eight_digits(uint64_t v) {
  return (((v & 0xF0F0F0F0F0F0F0F0ull) |
           (((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull);
}
inline uint32_t eight_digits_value(uint64_t v) {
  // byte order of a little-endian load; on big-endian targets the loop below does it digit by digit
  v -= 0x3030303030303030ull;
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
      32;
  return static_cast<uint32_t>(v);
}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool kSwarDigits = true;
#else
constexpr bool kSwarDigits = false;
#endif

// Digits at p (no further than lim - 8 for the 8-at-a-time loads) appended to w.
inline const char* scan_digits(const char* p, const char* lim, uint64_t& w, int& count) {
  if (kSwarDigits) {
    while (p + 8 <= lim) {
      const uint64_t v = load8(p);
      if (!is_eight_digits(v)) break;
      w = w * 100000000ull + eight_digits_value(v);  // wraps past 19 digits: rejected by the caller
      p += 8;
      count += 8;
    }
  }
  while (is_digit(*p)) {
    w = w * 10 + static_cast<unsigned>(*p++ - '0');
    ++count;
  }
  return p;
}

inline bool fast_decimal(const char*& p0, const char* lim, double& out) {
  static const double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* p = p0;
  const bool neg = *p == '-';
  if (neg) ++p;
  uint64_t w = 0;
  int digits = 0, q = 0;
  p = scan_digits(p, lim, w, digits);
  if (*p == '.') {
    int frac = 0;
    p = scan_digits(p + 1, lim, w, frac);
    digits += frac;
    q = -frac;
  }
  if (digits == 0 || digits > 19) return false;
  if (*p == 'e' || *p == 'E') {
    ++p;
    const bool eneg = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    int x = 0, xd = 0;
    while (is_digit(*p)) {
      x = x * 10 + (*p++ - '0');
      if (++xd > 4) return false;
    }
    if (xd == 0) return false;
    q += eneg ? -x : x;
  }
  if (!is_ws(*p) || q > 22 || q < -22) return false;
  double v;
  if (w <= (uint64_t(1) << 53)) {
    v = static_cast<double>(w);
    if (q > 0) v *= kPow10[q];
    else if (q < 0) v /= kPow10[-q];
  } else {
#ifdef ITERSOLVE_MMIO_INT128
    v = wide_decimal(w, q);
#else
    return false;
#endif
  }
  out = neg ? -v : v;
  p0 = p;
  return true;
}

// One contiguous stretch of whole data lines, parsed by one task.
struct Chunk {
  const char* b = nullptr;  // at a line start
  const char* e = nullptr;  // after a '\n', or the input end
  // 0-based entries of the file (not mirrored), in file order: the chunk's own buffers, or
  // (direct path) its slots of the result arrays.
  int32_t* ri = nullptr;
  int32_t* ci = nullptr;
  double* v = nullptr;
  TempBuf<int32_t> ownRi, ownCi;
  TempBuf<double> ownV;
  int64_t lines = 0;  // line ends in the chunk (direct path: its slots)
  int64_t n = 0;  // entries parsed
  int64_t cap = 0;  // room in ri / ci / v
  int64_t diag = 0;  // entries with i == j
  bool sorted = true;  // (i, j) strictly increasing in file order
  int32_t fi = 0, fj = 0, li = 0, lj = 0;  // first and last entry
  const char* bad = nullptr;  // start of the first line that is not a valid entry line
  const char* nf_b = nullptr;  // first non-finite value token [nf_b, nf_e)
  const char* nf_e = nullptr;
};

struct ReadCtx {
  Header hdr;
  int64_t nchunks = 0;
  std::vector<Chunk> chunks;
  Control* ctl = nullptr;
  std::atomic<bool> stop{false};
  std::atomic<int> stop_reason{0};  // StopReason
  std::atomic<int64_t> done_bytes{0};
  int64_t total_bytes = 0;
  std::atomic<int> next{0};  // work distribution for the current phase
  bool alloc_failed = false;
  // CSR phase
  CsrSink* sink = nullptr;
  std::vector<int32_t*> offsets;  // per chunk: next slot of each row (generic path)
  std::vector<std::unique_ptr<int32_t, void (*)(void*)>> offsetBufs;
  int64_t rows = 0;
  std::vector<int64_t> base;  // sorted path: first output slot of each chunk
  std::vector<int32_t> prev_row;  // sorted path: last row before each chunk (-1: none)
  std::vector<int64_t> rowSplit;  // sort/merge phase: row ranges
  std::atomic<bool> shrunk{false};
  int32_t* lens = nullptr;  // merged row lengths
};

// Polls for cancellation every ~1 MiB of input a task parses; task 0 also reports progress.
inline bool check_stop(ReadCtx& cx, int task, int64_t bytes) {
  const int64_t done = cx.done_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (cx.stop.load(std::memory_order_relaxed)) return true;
  if (cx.ctl == nullptr) return false;
  const StopReason r = cx.ctl->poll();
  if (r != StopReason::None) {
    cx.stop_reason.store(static_cast<int>(r), std::memory_order_relaxed);
    cx.stop.store(true, std::memory_order_relaxed);
    return true;
  }
  if (task == 0) cx.ctl->progress(ProgressInfo{done, cx.total_bytes, 0.0});
  return false;
}

// The tokens of a coordinate entry line [b, e) (b at a non-blank, e after the last one): what
// Parser::parse_coord_entry accepts, without the messages. vb/ve: the value token.
bool coord_tokens(const char* b, const char* e, Field field, uint64_t& i, uint64_t& j, double& v,
                  const char*& vb, const char*& ve) {
  const char* p = b;
  if (!fast_uint(p, e, i) && parse_uint(p, e, i) != NumErr::Ok) return false;
  p = skip_ws(p, e);
  if (p == e) return false;
  if (!fast_uint(p, e, j) && parse_uint(p, e, j) != NumErr::Ok) return false;
  v = 1.0;
  vb = ve = p;
  if (field != Field::Pattern) {
    p = skip_ws(p, e);
    if (p == e) return false;
    vb = p;
    const bool ok = field == Field::Real ? parse_real(p, e, v) : parse_integer_value(p, e, v);
    if (!ok) return false;
    ve = p;
  }
  p = skip_ws(p, e);
  return p == e;
}

// Parses the entry lines of one chunk into its COO arrays. Any line that is not a valid entry
// (or a blank / comment line) stops the chunk with `bad` set: the caller then re-reads the
// whole input with Parser for the exact message.
template <Field F>
void parse_chunk(ReadCtx& cx, Chunk& c, int task) {
  const uint64_t R = static_cast<uint64_t>(cx.hdr.rows), C = static_cast<uint64_t>(cx.hdr.cols);
  const bool skew = cx.hdr.symmetry == Symmetry::SkewSymmetric;
  const char* p = c.b;
  const char* const end = c.e;
  // Every line before `safe` ends with '\n', which stops every scan below: no bounds checks.
  const char* safe = end;
  while (safe > p && safe[-1] != '\n') --safe;
  int32_t* const ri = c.ri;
  int32_t* const ci = c.ci;
  double* const vv = c.v;
  int64_t n = 0, diag = 0;
  bool sorted = true;
  int32_t pi = -1, pj = -1;
  const char* next_check = p + (size_t(1) << 20);
  const char* checked = p;
  while (p < end) {
    if (p >= next_check) {
      if (check_stop(cx, task, p - checked)) break;
      checked = p;
      next_check = p + (size_t(1) << 20);
    }
    const char* const line = p;
    uint64_t i = 0, j = 0;
    double v = 1.0;
    const char* vb = nullptr;
    const char* ve = nullptr;
    const char* q = p;
    if (p < safe) {
      // Fast path: "i j[ v]" with single-token fields, blanks between, optional trailing blanks.
      const char* s = q;
      while (is_digit(*q)) i = i * 10 + static_cast<unsigned>(*q++ - '0');
      if (q == s || q - s > 18 || !is_blank(*q)) goto slow;
      do ++q;
      while (is_blank(*q));
      s = q;
      while (is_digit(*q)) j = j * 10 + static_cast<unsigned>(*q++ - '0');
      if (q == s || q - s > 18) goto slow;
      if (F != Field::Pattern) {
        if (!is_blank(*q)) goto slow;
        do ++q;
        while (is_blank(*q));
        vb = q;
        if (F == Field::Real) {
          if (!fast_decimal(q, safe, v)) {
            if (*q == '+') goto slow;  // from_chars takes no '+'
            const auto r = std::from_chars(q, safe, v, std::chars_format::general);
            if (r.ec != std::errc()) goto slow;
            q = r.ptr;
            if (!is_ws(*q)) goto slow;  // 'd' exponents and the like: the general path
          }
        } else {
          if (!parse_integer_value(q, safe, v)) goto slow;
        }
        ve = q;
      }
      while (is_blank(*q)) ++q;
      if (*q != '\n' || static_cast<size_t>(q - line) > kMaxLineLength) goto slow;
      p = q + 1;
    } else {
    slow:
      // General path: blank and comment lines, odd spacing, signs, Fortran exponents, errors.
      const char* nl =
          static_cast<const char*>(std::memchr(line, '\n', static_cast<size_t>(end - line)));
      const char* le = nl ? nl : end;
      const char* b = skip_ws(line, le);
      const char* e = le;
      while (e > b && is_ws(e[-1])) --e;
      p = nl ? nl + 1 : end;
      if (b == e || *b == '%') continue;
      if (static_cast<size_t>(le - line) > kMaxLineLength ||
          !coord_tokens(b, e, F, i, j, v, vb, ve)) {
        c.bad = line;
        break;
      }
    }
    if (i - 1 >= R || j - 1 >= C) {  // 0 wraps around
      c.bad = line;
      break;
    }
    const int32_t ii = static_cast<int32_t>(i - 1), jj = static_cast<int32_t>(j - 1);
    if (ii == jj) {
      if (skew) {
        c.bad = line;
        break;
      }
      ++diag;
    }
    if (F != Field::Pattern && !std::isfinite(v) && c.nf_b == nullptr) {
      c.nf_b = vb;
      c.nf_e = ve;
    }
    if (n == c.cap) {  // more entries than the declared count: an error, found again by Parser
      c.bad = line;
      break;
    }
    if (ii < pi || (ii == pi && jj <= pj)) sorted = false;
    pi = ii;
    pj = jj;
    ri[n] = ii;
    ci[n] = jj;
    vv[n] = v;
    if (n == 0) {
      c.fi = ii;
      c.fj = jj;
    }
    ++n;
  }
  check_stop(cx, task, p - checked);
  c.n = n;
  c.diag = diag;
  c.sorted = sorted;
  c.li = pi;
  c.lj = pj;
}

// Line ends per chunk (a last line without one counts too): the direct path's slot count.
void phase_lines(void* ctx, int, int) {
  ReadCtx& cx = *static_cast<ReadCtx*>(ctx);
  for (;;) {
    const int k = cx.next.fetch_add(1, std::memory_order_relaxed);
    if (k >= cx.nchunks) return;
    Chunk& c = cx.chunks[static_cast<size_t>(k)];
    int64_t n = 0;
    for (const char* p = c.b; p < c.e; ++p) n += *p == '\n';  // vectorised by the compiler
    if (c.e > c.b && c.e[-1] != '\n') ++n;
    c.lines = n;
  }
}

void phase_parse(void* ctx, int task, int) {
  ReadCtx& cx = *static_cast<ReadCtx*>(ctx);
  for (;;) {
    const int k = cx.next.fetch_add(1, std::memory_order_relaxed);
    if (k >= cx.nchunks) return;
    Chunk& c = cx.chunks[static_cast<size_t>(k)];
    if (cx.stop.load(std::memory_order_relaxed)) return;
    switch (cx.hdr.field) {
      case Field::Real: parse_chunk<Field::Real>(cx, c, task); break;
      case Field::Integer: parse_chunk<Field::Integer>(cx, c, task); break;
      case Field::Pattern: parse_chunk<Field::Pattern>(cx, c, task); break;
    }
  }
}

// Sorted general file: the chunks' entries are the CSR arrays in order.
void phase_sorted(void* ctx, int, int) {
  ReadCtx& cx = *static_cast<ReadCtx*>(ctx);
  CsrSink& s = *cx.sink;
  for (;;) {
    const int k = cx.next.fetch_add(1, std::memory_order_relaxed);
    if (k >= cx.nchunks) return;
    const Chunk& c = cx.chunks[static_cast<size_t>(k)];
    const int64_t o = cx.base[static_cast<size_t>(k)];
    if (c.n > 0 && c.ci != s.colIdx + o) {
      std::memcpy(s.colIdx + o, c.ci, static_cast<size_t>(c.n) * sizeof(int32_t));
      std::memcpy(s.values + o, c.v, static_cast<size_t>(c.n) * sizeof(double));
    }
    // Row r's entries start where the first entry of a row >= r is: each chunk writes the row
    // starts of the rows its entries begin (rows prev+1 .. its row), so every slot of rowPtr
    // up to the last entry's row is written exactly once.
    int32_t prev = cx.prev_row[static_cast<size_t>(k)];
    const int32_t* ri = c.ri;
    int32_t* rp = s.rowPtr;
    for (int64_t t = 0; t < c.n; ++t) {
      const int32_t r = ri[t];
      if (r != prev) {
        const int32_t pos = static_cast<int32_t>(o + t);
        for (int32_t q = prev + 1; q <= r; ++q) rp[q] = pos;
        prev = r;
      }
    }
  }
}

void phase_count(void* ctx, int, int) {
  ReadCtx& cx = *static_cast<ReadCtx*>(ctx);
  const bool mirror = cx.hdr.symmetry != Symmetry::General;
  for (;;) {
    const int k = cx.next.fetch_add(1, std::memory_order_relaxed);
    if (k >= cx.nchunks) return;
    const Chunk& c = cx.chunks[static_cast<size_t>(k)];
    int32_t* cnt = cx.offsets[static_cast<size_t>(k)];
    const int32_t* ri = c.ri;
    const int32_t* ci = c.ci;
    if (mirror) {
      for (int64_t t = 0; t < c.n; ++t) {
        ++cnt[ri[t]];
        if (ri[t] != ci[t]) ++cnt[ci[t]];
      }
    } else {
      for (int64_t t = 0; t < c.n; ++t) ++cnt[ri[t]];
    }
  }
}

// Each chunk's entries go to its own slots of each row, after the earlier chunks' ones: the
// rows hold their entries in file order (mirror right after its entry), as Parser's COO has them.
void phase_scatter(void* ctx, int, int) {
  ReadCtx& cx = *static_cast<ReadCtx*>(ctx);
  const bool mirror = cx.hdr.symmetry != Symmetry::General;
  const double sign = cx.hdr.symmetry == Symmetry::SkewSymmetric ? -1.0 : 1.0;
  int32_t* col = cx.sink->colIdx;
  double* val = cx.sink->values;
  for (;;) {
    const int k = cx.next.fetch_add(1, std::memory_order_relaxed);
    if (k >= cx.nchunks) return;
    const Chunk& c = cx.chunks[static_cast<size_t>(k)];
    int32_t* off = cx.offsets[static_cast<size_t>(k)];
    const int32_t* ri = c.ri;
    const int32_t* ci = c.ci;
    const double* vv = c.v;
    for (int64_t t = 0; t < c.n; ++t) {
      const int32_t i = ri[t], j = ci[t];
      const double v = vv[t];
      int32_t d = off[i]++;
      col[d] = j;
      val[d] = v;
      if (mirror && i != j) {
        d = off[j]++;
        col[d] = i;
        val[d] = sign * v;
      }
    }
  }
}

// Sorts each row by column (stable: duplicates keep file order) and sums duplicates in that
// order, in place; lens[r] = the row's final length.
void phase_sort(void* ctx, int, int) {
  ReadCtx& cx = *static_cast<ReadCtx*>(ctx);
  int32_t* rp = cx.sink->rowPtr;
  int32_t* col = cx.sink->colIdx;
  double* val = cx.sink->values;
  std::vector<int32_t> perm, tc;
  std::vector<double> tv;
  const int nr = static_cast<int>(cx.rowSplit.size()) - 1;
  for (;;) {
    const int k = cx.next.fetch_add(1, std::memory_order_relaxed);
    if (k >= nr) return;
    bool shrunk = false;
    for (int64_t r = cx.rowSplit[static_cast<size_t>(k)];
         r < cx.rowSplit[static_cast<size_t>(k) + 1]; ++r) {
      const int32_t b = rp[r], e = rp[r + 1];
      bool sorted = true;
      for (int32_t t = b + 1; t < e; ++t)
        if (col[t] <= col[t - 1]) {
          sorted = false;
          break;
        }
      if (sorted) {
        cx.lens[r] = e - b;
        continue;
      }
      const int32_t m = e - b;
      if (m <= 24) {  // insertion sort: stable with a strict comparison
        for (int32_t t = b + 1; t < e; ++t) {
          const int32_t c = col[t];
          const double v = val[t];
          int32_t u = t;
          while (u > b && col[u - 1] > c) {
            col[u] = col[u - 1];
            val[u] = val[u - 1];
            --u;
          }
          col[u] = c;
          val[u] = v;
        }
      } else {
        perm.resize(static_cast<size_t>(m));
        for (int32_t t = 0; t < m; ++t) perm[static_cast<size_t>(t)] = t;
        std::stable_sort(perm.begin(), perm.end(),
                         [&](int32_t x, int32_t y) { return col[b + x] < col[b + y]; });
        tc.assign(col + b, col + e);
        tv.assign(val + b, val + e);
        for (int32_t t = 0; t < m; ++t) {
          col[b + t] = tc[static_cast<size_t>(perm[static_cast<size_t>(t)])];
          val[b + t] = tv[static_cast<size_t>(perm[static_cast<size_t>(t)])];
        }
      }
      int32_t w = b + 1;
      for (int32_t t = b + 1; t < e; ++t) {
        if (col[t] == col[w - 1]) {
          val[w - 1] += val[t];
        } else {
          col[w] = col[t];
          val[w] = val[t];
          ++w;
        }
      }
      cx.lens[r] = w - b;
      if (w < e) shrunk = true;
    }
    if (shrunk) cx.shrunk.store(true, std::memory_order_relaxed);
  }
}

void run_phase(ReadCtx& cx, Runner* runner, void (*fn)(void*, int, int)) {
  cx.next.store(0, std::memory_order_relaxed);
  if (runner != nullptr && cx.nchunks > 1) runner->run(fn, &cx);
  else fn(&cx, 0, 1);
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// 1-based line of position `pos`: the header's lines plus the newlines before pos in the data.
int64_t line_of(const char* data_begin, const char* pos, int64_t header_lines) {
  int64_t n = 0;
  for (const char* p = data_begin; p < pos;) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(pos - p)));
    if (nl == nullptr) break;
    ++n;
    p = nl + 1;
  }
  return header_lines + n + 1;
}

void close_gaps(CsrSink& sink, int64_t rows, const int32_t* lens);

Status nonfinite_error(int64_t line, const std::string& text, Error& err) {
  err.line = line;
  err.message = "non-finite value " + text + " (NaN and infinite values are not accepted)";
  return Status::ParseError;
}

// The streaming Parser over the whole input, then the CSR of its COO: the path for array files,
// for errors (exact messages) and for what the chunked path does not handle.
Status read_serial(const char* data, size_t len, CsrSink& sink, ReadResult& res, Error& err,
                   const ReadOptions& opt, Control* ctl) {
  Parser parser;
  parser.set_size_hint(static_cast<int64_t>(len));
  size_t off = 0;
  Status st = Status::Ok;
  while (off < len) {
    st = stop_status(ctl, err);
    if (st != Status::Ok) break;
    const size_t n = len - off < kChunk ? len - off : kChunk;
    st = parser.feed(data + off, n);
    if (st != Status::Ok) break;
    off += n;
    if (ctl) ctl->progress(ProgressInfo{static_cast<int64_t>(off), static_cast<int64_t>(len), 0.0});
  }
  if (st == Status::Ok) st = parser.finish();
  res.header = parser.header();
  res.nonfinite_line = parser.nonfinite_line();
  res.nonfinite_text = parser.nonfinite_text();
  if (st == Status::Aborted || st == Status::TimeLimit) return st;
  // A NaN before the first error is what a reader that rejects them stops at.
  if (opt.reject_non_finite && res.nonfinite_line > 0)
    return nonfinite_error(res.nonfinite_line, res.nonfinite_text, err);
  if (st != Status::Ok) {
    err = parser.error();
    return st;
  }
  Coo& coo = parser.coo();
  const int64_t n = static_cast<int64_t>(coo.val.size());
  const int64_t rows = coo.rows;
  if (!sink.allocate(rows, coo.cols, n)) {
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
  // Counting sort by row (stable), then the shared per-row sort / merge.
  int32_t* rp = sink.rowPtr;
  for (int64_t r = 0; r <= rows; ++r) rp[r] = 0;
  for (int64_t k = 0; k < n; ++k) ++rp[coo.row[static_cast<size_t>(k)] + 1];
  for (int64_t r = 0; r < rows; ++r) rp[r + 1] += rp[r];
  {
    std::vector<int32_t> next(rp, rp + rows);
    for (int64_t k = 0; k < n; ++k) {
      const int32_t d = next[static_cast<size_t>(coo.row[static_cast<size_t>(k)])]++;
      sink.colIdx[d] = coo.col[static_cast<size_t>(k)];
      sink.values[d] = coo.val[static_cast<size_t>(k)];
    }
  }
  std::vector<int32_t> lens(static_cast<size_t>(rows));
  ReadCtx cx;
  cx.sink = &sink;
  cx.lens = lens.data();
  cx.rowSplit = {0, rows};
  run_phase(cx, nullptr, phase_sort);
  if (cx.shrunk.load()) close_gaps(sink, rows, lens.data());
  res.nnz = rp[rows];
  res.fast = false;
  if (ctl)
    ctl->progress(ProgressInfo{static_cast<int64_t>(len), static_cast<int64_t>(len), 0.0}, true);
  return Status::Ok;
}

Status out_of_memory(Error& err) {
  err.line = 0;
  err.message = "out of memory";
  return Status::IoError;
}

// Closes the gaps that merged duplicates left: rows move down to their final places.
void close_gaps(CsrSink& sink, int64_t rows, const int32_t* lens) {
  int32_t* rp = sink.rowPtr;
  int32_t w = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t b = rp[r];
    const int32_t m = lens[r];
    if (b != w) {
      std::memmove(sink.colIdx + w, sink.colIdx + b, static_cast<size_t>(m) * sizeof(int32_t));
      std::memmove(sink.values + w, sink.values + b, static_cast<size_t>(m) * sizeof(double));
    }
    rp[r] = w;
    w += m;
  }
  rp[rows] = w;
}

Status read_impl(const char* data, size_t len, CsrSink& sink, ReadResult& res, Error& err,
                 const ReadOptions& opt, Control* ctl) {
  err = Error{};
  res = ReadResult{};
  Parser hp;
  const int64_t d0 = hp.parse_header(data, len, true);
  if (d0 < 0) return read_serial(data, len, sink, res, err, opt, ctl);  // its exact error
  const Header hdr = hp.header();
  res.header = hdr;
  const int64_t cap = capacity_for(hdr);
  if (hdr.format != Format::Coordinate || cap > kInt32Max)
    return read_serial(data, len, sink, res, err, opt, ctl);
#ifdef ITERSOLVE_MM_TRACE
  auto t_prev = std::chrono::steady_clock::now();
#define MM_TRACE(what)                                                               \
  do {                                                                               \
    const auto t_now = std::chrono::steady_clock::now();                             \
    std::fprintf(stderr, "  %-12s %7.1f ms\n", what,                                 \
                 std::chrono::duration<double, std::milli>(t_now - t_prev).count()); \
    t_prev = t_now;                                                                  \
  } while (0)
#else
#define MM_TRACE(what) \
  do {                 \
  } while (0)
#endif

  ReadCtx cx;
  cx.hdr = hdr;
  cx.ctl = ctl;
  cx.total_bytes = static_cast<int64_t>(len);
  cx.done_bytes.store(d0);
  const char* const dbeg = data + d0;
  const char* const dend = data + len;
  const size_t dlen = static_cast<size_t>(dend - dbeg);
  // One chunk per thread, at least min_chunk_bytes each.
  int64_t K = (opt.runner != nullptr ? opt.runner->threads() : 1) *
              static_cast<int64_t>(opt.chunks_per_thread < 1 ? 1 : opt.chunks_per_thread);
  const int64_t maxK =
      static_cast<int64_t>(dlen / (opt.min_chunk_bytes < 1 ? 1 : opt.min_chunk_bytes)) + 1;
  if (K > maxK) K = maxK;
  if (K < 1) K = 1;
  cx.chunks.resize(static_cast<size_t>(K));
  {
    const char* prev = dbeg;
    for (int64_t k = 0; k < K; ++k) {
      Chunk& c = cx.chunks[static_cast<size_t>(k)];
      c.b = prev;
      const char* e =
          k + 1 == K
              ? dend
              : dbeg + static_cast<size_t>(static_cast<double>(dlen) * double(k + 1) / double(K));
      if (e < prev) e = prev;
      if (e < dend && e > dbeg && e[-1] != '\n') {
        const char* nl =
            static_cast<const char*>(std::memchr(e, '\n', static_cast<size_t>(dend - e)));
        e = nl ? nl + 1 : dend;
      }
      c.e = e;
      prev = e;
    }
  }
  cx.nchunks = K;
  const int64_t rows = hdr.rows;

  // Direct path (general files): each chunk parses straight into its slots of the result arrays
  // (one slot per line, so a chunk's first slot is known before any chunk parses). It holds when
  // the file is sorted by row then column, as writers of CSR data produce; otherwise the entries
  // move to temporary arrays and take the generic path below.
  bool direct = false;
  TempBuf<int32_t> rowTmp;
  if (hdr.symmetry == Symmetry::General && hdr.entries > 0) {
    run_phase(cx, opt.runner, phase_lines);
    int64_t lines = 0;
    for (const Chunk& c : cx.chunks) lines += c.lines;
    // Not for a header whose row count dwarfs the input (the rows must wait until the entries
    // proved valid, so a bad file never makes rowPtr's allocation).
    direct = lines <= cap && static_cast<uint64_t>(rows) / 16 <= dlen + (uint64_t(1) << 20);
    MM_TRACE("lines");
    if (direct) {
      if (!sink.allocate(rows, hdr.cols, lines) || !rowTmp.alloc(static_cast<size_t>(lines)))
        return out_of_memory(err);
      int64_t o = 0;
      for (Chunk& c : cx.chunks) {
        c.ri = rowTmp.get() + o;
        c.ci = sink.colIdx + o;
        c.v = sink.values + o;
        c.cap = c.lines;
        o += c.lines;
      }
    }
  }
  if (!direct) {
    for (Chunk& c : cx.chunks) {
      // Upper bound on the chunk's entries: the shortest entry line ("1 1\n", "1 1 0\n"), and
      // the declared count (more is an error).
      const int64_t min_line = hdr.field == Field::Pattern ? 4 : 6;
      int64_t bound = static_cast<int64_t>(c.e - c.b) / min_line + 1;
      if (bound > hdr.entries + 1) bound = hdr.entries + 1;
      c.cap = bound;
      if (!c.ownRi.alloc(static_cast<size_t>(bound)) ||
          !c.ownCi.alloc(static_cast<size_t>(bound)) || !c.ownV.alloc(static_cast<size_t>(bound)))
        return out_of_memory(err);
      c.ri = c.ownRi.get();
      c.ci = c.ownCi.get();
      c.v = c.ownV.get();
    }
  }
  MM_TRACE("setup");
  run_phase(cx, opt.runner, phase_parse);
  MM_TRACE("parse");
  if (cx.stop.load()) {
    err.line = 0;
    if (static_cast<StopReason>(cx.stop_reason.load()) == StopReason::TimeLimit) {
      err.message = "time limit exceeded";
      return Status::TimeLimit;
    }
    err.message = "aborted";
    return Status::Aborted;
  }
  int64_t total = 0;
  bool bad = false;
  for (const Chunk& c : cx.chunks) {
    total += c.n;
    if (c.bad) bad = true;
  }
  if (bad || total != hdr.entries) {
    cx.chunks.clear();  // give the memory back before the second read
    rowTmp.p.reset();
    return read_serial(data, len, sink, res, err, opt, ctl);
  }
  for (const Chunk& c : cx.chunks)
    if (c.nf_b != nullptr) {
      res.nonfinite_line = line_of(dbeg, c.nf_b, hp.lines());
      res.nonfinite_text = quote(c.nf_b, c.nf_e);
      if (opt.reject_non_finite)
        return nonfinite_error(res.nonfinite_line, res.nonfinite_text, err);
      break;
    }

  if (direct) {
    // Blank or comment lines left unused slots at chunk ends: move later chunks down.
    int64_t o = 0;
    for (Chunk& c : cx.chunks) {
      const int64_t at = c.ci - sink.colIdx;
      if (at != o && c.n > 0) {
        std::memmove(sink.colIdx + o, c.ci, static_cast<size_t>(c.n) * sizeof(int32_t));
        std::memmove(sink.values + o, c.v, static_cast<size_t>(c.n) * sizeof(double));
        std::memmove(rowTmp.get() + o, c.ri, static_cast<size_t>(c.n) * sizeof(int32_t));
      }
      c.ri = rowTmp.get() + o;
      c.ci = sink.colIdx + o;
      c.v = sink.values + o;
      o += c.n;
    }
  } else {
    int64_t stored = 0;  // entries after symmetric expansion (duplicates not merged yet)
    for (const Chunk& c : cx.chunks)
      stored += hdr.symmetry == Symmetry::General ? c.n : 2 * c.n - c.diag;
    if (!sink.allocate(rows, hdr.cols, stored)) return out_of_memory(err);
  }
  cx.sink = &sink;
  MM_TRACE("allocate");
  int32_t* rp = sink.rowPtr;
  bool sorted = hdr.symmetry == Symmetry::General;
  {
    int32_t li = -1, lj = -1;
    for (const Chunk& c : cx.chunks) {
      if (!sorted) break;
      if (c.n == 0) continue;
      if (!c.sorted || c.fi < li || (c.fi == li && c.fj <= lj)) sorted = false;
      li = c.li;
      lj = c.lj;
    }
  }
  if (sorted) {
    cx.base.resize(static_cast<size_t>(K));
    cx.prev_row.resize(static_cast<size_t>(K));
    int64_t o = 0;
    int32_t last = -1;
    for (int64_t k = 0; k < K; ++k) {
      const Chunk& c = cx.chunks[static_cast<size_t>(k)];
      cx.base[static_cast<size_t>(k)] = o;
      cx.prev_row[static_cast<size_t>(k)] = last;
      o += c.n;
      if (c.n > 0) last = c.li;
    }
    run_phase(cx, opt.runner, phase_sorted);
    MM_TRACE("row starts");
    for (int64_t r = static_cast<int64_t>(last) + 1; r <= rows; ++r)
      rp[r] = static_cast<int32_t>(o);
    res.nnz = o;
  } else {
    if (direct) {
      // The entries sit in the result arrays, which the scatter writes: move them out first.
      TempBuf<int32_t> tc;
      TempBuf<double> tv;
      if (!tc.alloc(static_cast<size_t>(total)) || !tv.alloc(static_cast<size_t>(total)))
        return out_of_memory(err);
      if (total > 0) {
        std::memcpy(tc.get(), sink.colIdx, static_cast<size_t>(total) * sizeof(int32_t));
        std::memcpy(tv.get(), sink.values, static_cast<size_t>(total) * sizeof(double));
      }
      int64_t o = 0;
      for (Chunk& c : cx.chunks) {
        c.ci = tc.get() + o;
        c.v = tv.get() + o;
        o += c.n;
      }
      cx.chunks[0].ownCi.p = std::move(tc.p);
      cx.chunks[0].ownV.p = std::move(tv.p);
    }
    // Generic: per-chunk row counts -> each chunk's first slot in every row -> scatter -> sort
    // and merge each row -> close the gaps duplicates left.
    cx.offsets.resize(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) {
      // calloc: zeroed pages come from the kernel untouched; only the rows a chunk has cost.
      void* m = std::calloc(static_cast<size_t>(rows) + 1, sizeof(int32_t));
      if (m == nullptr) return out_of_memory(err);
      cx.offsetBufs.emplace_back(static_cast<int32_t*>(m), std::free);
      cx.offsets[static_cast<size_t>(k)] = static_cast<int32_t*>(m);
    }
    run_phase(cx, opt.runner, phase_count);
    MM_TRACE("count");
    int64_t o = 0;
    for (int64_t r = 0; r < rows; ++r) {
      rp[r] = static_cast<int32_t>(o);
      for (int64_t k = 0; k < K; ++k) {
        int32_t& c = cx.offsets[static_cast<size_t>(k)][r];
        const int32_t t = c;
        c = static_cast<int32_t>(o);
        o += t;
      }
    }
    rp[rows] = static_cast<int32_t>(o);
    run_phase(cx, opt.runner, phase_scatter);
    MM_TRACE("scatter");
    // Row lengths after merging go into the first chunk's (now spent) offsets.
    cx.lens = cx.offsets[0];
    cx.rowSplit.assign(1, 0);
    for (int64_t t = 1; t < K; ++t) {  // equal shares of entries
      const int32_t target = static_cast<int32_t>(o * t / K);
      const int64_t r = std::lower_bound(rp, rp + rows, target) - rp;
      cx.rowSplit.push_back(std::max(r, cx.rowSplit.back()));
    }
    cx.rowSplit.push_back(rows);
    cx.nchunks = static_cast<int64_t>(cx.rowSplit.size()) - 1;
    run_phase(cx, opt.runner, phase_sort);
    cx.nchunks = K;
    MM_TRACE("sort rows");
    if (cx.shrunk.load()) close_gaps(sink, rows, cx.lens);
    res.nnz = rp[rows];
  }
  res.fast = true;
  if (ctl)
    ctl->progress(ProgressInfo{static_cast<int64_t>(len), static_cast<int64_t>(len), 0.0}, true);
  return Status::Ok;
}

// The input file's bytes: mapped read-only where the platform can, else read into memory.
class InputFile {
 public:
  ~InputFile() {
#if defined(ITERSOLVE_MMIO_MMAP)
    if (map_ != nullptr) ::munmap(map_, size_);
#endif
  }
  Status open(const std::string& path, Error& err) {
#if defined(ITERSOLVE_MMIO_MMAP)
    errno = 0;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int e = errno;
      err.message = "cannot open '" + path + "': " + (e ? errno_text(e) : "unknown error");
      return Status::IoError;
    }
    struct stat stt;
    if (::fstat(fd, &stt) == 0 && S_ISREG(stt.st_mode) && stt.st_size > 0) {
      void* m = ::mmap(nullptr, static_cast<size_t>(stt.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (m != MAP_FAILED) {
        ::madvise(m, static_cast<size_t>(stt.st_size), MADV_WILLNEED);
        map_ = m;
        size_ = static_cast<size_t>(stt.st_size);
        ::close(fd);
        return Status::Ok;
      }
    }
    ::close(fd);
#endif
    return read_all(path, err);
  }
  const char* data() const { return map_ ? static_cast<const char*>(map_) : buf_.data(); }
  size_t size() const { return map_ ? size_ : buf_.size(); }

 private:
  Status read_all(const std::string& path, Error& err) {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> f(open_file(path, false));
    if (!f) {
      const int e = errno;
      err.message = "cannot open '" + path + "': " + (e ? errno_text(e) : "unknown error");
      return Status::IoError;
    }
    const int64_t size = file_size(f.get());
    if (size > 0) buf_.reserve(static_cast<size_t>(size));
    std::unique_ptr<char[]> tmp(new char[kChunk]);
    for (;;) {
      const size_t n = std::fread(tmp.get(), 1, kChunk, f.get());
      buf_.append(tmp.get(), n);
      if (n < kChunk) {
        if (std::ferror(f.get())) {
          const int e = errno;
          err.message = "read error on '" + path + "'" + (e ? ": " + errno_text(e) : "");
          return Status::IoError;
        }
        return Status::Ok;
      }
    }
  }
  void* map_ = nullptr;
  size_t size_ = 0;
  std::string buf_;
};

}  // namespace

Status read_csr(const char* data, size_t len, CsrSink& sink, ReadResult& res, Error& err,
                const ReadOptions& opt, Control* ctl) {
  try {
    return read_impl(data, len, sink, res, err, opt, ctl);
  } catch (const std::exception&) {
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
}

Status read_csr_file(const std::string& path, CsrSink& sink, ReadResult& res, Error& err,
                     const ReadOptions& opt, Control* ctl) {
  try {
    err = Error{};
    res = ReadResult{};
    InputFile in;
    const Status st = in.open(path, err);
    if (st != Status::Ok) return st;
    return read_impl(in.data(), in.size(), sink, res, err, opt, ctl);
  } catch (const std::exception&) {
    err.line = 0;
    err.message = "out of memory";
    return Status::IoError;
  }
}

bool peek_header(const char* data, size_t len, Header& h) {
  constexpr size_t kPeek = size_t(1) << 20;
  Parser p;
  const bool whole = len <= kPeek;
  const int64_t off = p.parse_header(data, whole ? len : kPeek, whole);
  if (off < 0) return false;
  h = p.header();
  return true;
}

bool peek_header_file(const std::string& path, Header& h, int64_t* file_bytes) {
  try {
    constexpr size_t kPeek = size_t(1) << 20;
    std::unique_ptr<std::FILE, FileCloser> f(open_file(path, false));
    if (!f) return false;
    if (file_bytes != nullptr) {
      *file_bytes = file_size(f.get());
      if (*file_bytes < 0) return false;
    }
    std::string buf;
    buf.resize(64 << 10);
    size_t got = 0;
    for (;;) {
      const size_t n = std::fread(&buf[got], 1, buf.size() - got, f.get());
      got += n;
      const bool eof = got < buf.size();
      Parser p;
      const int64_t off = p.parse_header(buf.data(), got, eof);
      if (off >= 0) {
        h = p.header();
        return true;
      }
      if (p.failed() || eof || buf.size() >= kPeek) return false;
      buf.resize(buf.size() * 2);
    }
  } catch (const std::exception&) {
    return false;
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

// One entry line; at most kOutSlack bytes.
inline char* format_entry(char* p, char* cap, int64_t r, int32_t c, const double* values,
                          int32_t k) {
  p = std::to_chars(p, cap, r + 1).ptr;
  *p++ = ' ';
  p = std::to_chars(p, cap, int64_t(c) + 1).ptr;
  if (values) {
    *p++ = ' ';
    p = std::to_chars(p, cap, values[k]).ptr;
  }
  *p++ = '\n';
  return p;
}

// Parallel formatting: rows in slices of about kSliceEntries entries, 2 slices per thread and
// round, each formatted into its own (reused) buffer by whichever task takes it; the caller then
// writes the buffers in order. The text is byte for byte the serial writer's.
constexpr int64_t kSliceEntries = int64_t(1) << 16;

struct WriteSlices {
  const int32_t* rowPtr;
  const int32_t* colIdx;
  const double* values;
  bool symmetric;
  std::vector<int64_t> bounds;  // slice s: rows [bounds[s], bounds[s+1])
  std::vector<std::vector<char>> bufs;
  std::vector<size_t> used;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
};

void format_slices(void* ctx, int, int) {
  WriteSlices& w = *static_cast<WriteSlices*>(ctx);
  const int ns = static_cast<int>(w.bounds.size()) - 1;
  for (;;) {
    const int sl = w.next.fetch_add(1, std::memory_order_relaxed);
    if (sl >= ns) return;
    const int64_t r0 = w.bounds[static_cast<size_t>(sl)],
                  r1 = w.bounds[static_cast<size_t>(sl) + 1];
    // longest entry line: 10 + 1 + 10 + 1 + 24 (shortest double) + 1 = 47 bytes
    const size_t need = static_cast<size_t>(w.rowPtr[r1] - w.rowPtr[r0]) * 48 + kOutSlack;
    std::vector<char>& b = w.bufs[static_cast<size_t>(sl)];
    try {
      if (b.size() < need) b.resize(need);
    } catch (const std::exception&) {
      w.failed.store(true);
      return;
    }
    char* p = b.data();
    char* const cap = b.data() + b.size();
    for (int64_t r = r0; r < r1; ++r)
      for (int32_t k = w.rowPtr[r]; k < w.rowPtr[r + 1]; ++k) {
        const int32_t c = w.colIdx[k];
        if (w.symmetric && c > r) continue;
        p = format_entry(p, cap, r, c, w.values, k);
      }
    w.used[static_cast<size_t>(sl)] = static_cast<size_t>(p - b.data());
  }
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

  if (opt.runner != nullptr && opt.runner->threads() > 1 && nnz > 2 * kSliceEntries) {
    if (p > base && !flush(base, static_cast<size_t>(p - base))) return false;
    const int per_round = 2 * opt.runner->threads();
    WriteSlices w;
    w.rowPtr = rowPtr;
    w.colIdx = colIdx;
    w.values = values;
    w.symmetric = opt.symmetric;
    w.bufs.resize(static_cast<size_t>(per_round));
    w.used.resize(static_cast<size_t>(per_round));
    int64_t r = 0;
    while (r < rows) {
      w.bounds.assign(1, r);
      for (int sl = 0; sl < per_round && r < rows; ++sl) {
        const int64_t target = int64_t(rowPtr[r]) + kSliceEntries;
        int64_t e = std::upper_bound(rowPtr + r + 1, rowPtr + rows + 1, target) - rowPtr - 1;
        if (e <= r) e = r + 1;
        r = e;
        w.bounds.push_back(r);
      }
      w.next.store(0);
      opt.runner->run(format_slices, &w);
      if (w.failed.load()) throw std::bad_alloc();
      for (size_t sl = 0; sl + 1 < w.bounds.size(); ++sl)
        if (w.used[sl] > 0 && !flush(w.bufs[sl].data(), w.used[sl])) return false;
    }
    return true;
  }

  for (int64_t r = 0; r < rows; ++r) {
    const int32_t k0 = rowPtr[r], k1 = rowPtr[r + 1];
    for (int32_t k = k0; k < k1; ++k) {
      const int32_t c = colIdx[k];
      if (opt.symmetric && c > r) continue;
      if (p >= limit) {
        if (!flush(base, static_cast<size_t>(p - base))) return false;
        p = base;
      }
      p = format_entry(p, cap, r, c, values, k);
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
      err.message =
          "cannot open '" + path + "' for writing: " + (e ? errno_text(e) : "unknown error");
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
