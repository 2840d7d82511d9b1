// Matrix Market (.mtx) reader and writer.
//
// Reader: a streaming, incremental parser (feed arbitrary chunks; a token or a line may be split
// across chunks) for `%%MatrixMarket matrix coordinate|array real|integer|pattern
// general|symmetric|skew-symmetric`. Keywords are case-insensitive; comment lines (`%...`), blank
// lines, CRLF and leading/trailing whitespace are tolerated. The result is 0-based COO with the
// symmetric / skew-symmetric half already expanded to full storage. Complex and hermitian files are
// rejected as unsupported. NaN/Inf values are accepted (the caller validates). Errors carry the
// 1-based line number.
//
// Writer: CSR in, `coordinate real general|symmetric` out, 1-based, values in shortest round-trip
// form (std::to_chars), so write -> read is exact.
//
// Thread safety: no mutable globals; distinct Parser objects may be used on different threads.
// No exception escapes the API (std::bad_alloc is reported as Status::IoError "out of memory").
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/control.hpp"

namespace itersolve {
namespace mm {

enum class Format { Coordinate, Array };
enum class Field { Real, Integer, Pattern };
enum class Symmetry { General, Symmetric, SkewSymmetric };

struct Header {
  Format format = Format::Coordinate;
  Field field = Field::Real;
  Symmetry symmetry = Symmetry::General;
  int64_t rows = 0;
  int64_t cols = 0;
  // Coordinate: declared number of entry lines. Array: number of values listed in the file
  // (rows*cols for general, n(n+1)/2 symmetric, n(n-1)/2 skew-symmetric).
  int64_t entries = 0;
};

// 0-based triplets, symmetric/skew parts already expanded to full storage: each off-diagonal
// entry (i,j,v) is followed by its mirror (j,i,v) (skew: (j,i,-v)). Entries appear in file order.
// Duplicates are kept (not summed); upper-triangle entries of symmetric coordinate files are
// accepted and mirrored like lower ones; explicit zeros of coordinate files are kept; zeros of
// array files are dropped.
struct Coo {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> row, col;
  std::vector<double> val;
};

struct Error {
  int64_t line = 0;  // 1-based; 0 when not line-specific (I/O, abort, invalid writer input)
  std::string message;
};

enum class Status { Ok, ParseError, IoError, Aborted, TimeLimit };

// Short lowercase name ("ok", "parse error", ...). Static strings.
const char* status_name(Status s);

// Non-comment lines longer than this are rejected ("line too long"); comment lines may be any
// length. Bounds the memory held for a line that straddles chunks.
constexpr size_t kMaxLineLength = size_t(1) << 20;

class Parser {
 public:
  Parser();

  // Optional: total input size in bytes, when known. Used only to cap the up-front reservation
  // (never reserve more entries than the remaining bytes could possibly hold).
  void set_size_hint(int64_t total_bytes) { size_hint_ = total_bytes; }

  Status feed(const char* data, size_t len);  // Ok, ParseError (or IoError on out of memory)
  Status finish();                            // end of input: last line, entry count checks
  const Header& header() const { return hdr_; }
  const Error& error() const { return err_; }
  Coo& coo() { return coo_; }                 // result after finish() == Ok
  int64_t bytes() const { return bytes_; }    // bytes consumed so far
  int64_t lines() const { return line_; }     // complete lines processed so far
  bool header_done() const { return state_ == State::Data || state_ == State::Done; }

 private:
  enum class State { Banner, Size, Data, Done, Failed, Finished };

  Status feed_impl(const char* data, size_t len);
  bool process_line(const char* b, const char* e, size_t raw_len);  // false on error (err_ set)
  bool parse_banner(const char* b, const char* e);
  bool parse_size(const char* b, const char* e);
  bool parse_coord_entry(const char* b, const char* e);
  bool parse_array_entry(const char* b, const char* e);
  bool append_carry(const char* b, const char* e);
  bool push(int64_t i, int64_t j, double v);
  bool fail(const char* msg);
  bool fail(const std::string& msg);
  void reserve_entries();

  State state_ = State::Banner;
  Status fail_status_ = Status::Ok;
  Header hdr_;
  Error err_;
  Coo coo_;
  int64_t bytes_ = 0;
  int64_t line_ = 0;         // number of the line being / last processed (1-based)
  int64_t size_hint_ = -1;
  int64_t seen_ = 0;         // entry lines (coordinate) or values (array) read so far
  int64_t arr_i_ = 0, arr_j_ = 0;  // array: position of the next value
  std::string carry_;        // partial line (leading whitespace stripped) straddling chunks
  size_t carry_len_ = 0;     // logical length of the partial line including stripped whitespace
  bool skip_comment_ = false;  // inside a long comment line: discard until '\n'
};

Status parse_file(const std::string& path, Coo& out, Header& hdr, Error& err,
                  Control* ctl = nullptr);
Status parse_text(const char* text, size_t len, Coo& out, Header& hdr, Error& err,
                  Control* ctl = nullptr);

struct WriteOptions {
  bool symmetric = false;  // write lower triangle (col <= row) + 'symmetric' header; caller
                           // guarantees symmetry; requires rows == cols
  const char* comment = nullptr;  // optional; each line is written as a '%' comment line
};

// CSR input: rowPtr has rows+1 entries, nondecreasing, rowPtr[0] >= 0 (entries of row r are
// rowPtr[r]..rowPtr[r+1]-1); colIdx in [0, cols). values == nullptr writes a 'pattern' file.
// Invalid input gives Status::ParseError with line 0 and a message starting "invalid CSR"; nothing
// is written then (the input is validated before the file is opened).
Status write_file(const std::string& path, int64_t rows, int64_t cols, const int32_t* rowPtr,
                  const int32_t* colIdx, const double* values, const WriteOptions& opt, Error& err);
// Returns "" on invalid input or out of memory (use write_to_string for the reason).
std::string write_string(int64_t rows, int64_t cols, const int32_t* rowPtr, const int32_t* colIdx,
                         const double* values, const WriteOptions& opt);
Status write_to_string(std::string& out, int64_t rows, int64_t cols, const int32_t* rowPtr,
                       const int32_t* colIdx, const double* values, const WriteOptions& opt,
                       Error& err);

}  // namespace mm
}  // namespace itersolve
