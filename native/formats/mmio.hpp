// Matrix Market (.mtx) reader and writer.
//
// Reader: a streaming, incremental parser (feed arbitrary chunks; a token or a line may be split
// across chunks) for `%%MatrixMarket matrix coordinate|array real|integer|pattern
// general|symmetric|skew-symmetric`. Keywords are case-insensitive; comment lines (`%...`), blank
// lines, CRLF and leading/trailing whitespace are tolerated. The result is 0-based COO with the
// symmetric / skew-symmetric half already expanded to full storage. Complex and hermitian files are
// rejected as unsupported. NaN/Inf values are accepted, and the first one's line is recorded
// (nonfinite_line()); read_csr can reject them as a parse error. Errors carry the 1-based line
// number.
//
// read_csr: the whole-input reader behind readMatrixMarket. The input is one contiguous buffer (a
// file is mapped, not copied); after the header, the data lines are split into chunks at line
// boundaries and parsed in parallel on a caller-supplied Runner into CSR arrays the caller may
// own (CsrSink: the binding hands it the JS typed arrays, so nothing is copied afterwards). A
// general file sorted by row then column (what CSR writers produce) is parsed straight into its
// final slots; any other (symmetric, column-major, duplicates) goes through per-chunk COO
// buffers, per-row counts and a scatter, then a stable per-row sort and merge. The result is bit
// for bit what Parser + a stable COO -> CSR conversion gives (sorted columns, duplicates summed in
// file order, symmetric halves expanded), for any thread count; on any error it re-reads the
// input with Parser, so errors (message and line) are exactly the streaming parser's.
//
// Writer: CSR in, `coordinate real general|symmetric` out, 1-based, values in shortest round-trip
// form (std::to_chars), so write -> read is exact; rows are formatted in parallel when
// WriteOptions::runner is set (the same bytes).
//
// Thread safety: no mutable globals; distinct Parser objects may be used on different threads.
// No exception escapes the API (std::bad_alloc is reported as Status::IoError "out of memory").
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
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
  Status finish();  // end of input: last line, entry count checks
  const Header& header() const { return hdr_; }
  const Error& error() const { return err_; }
  Coo& coo() { return coo_; }  // result after finish() == Ok
  // First line holding a NaN or an infinite value (overflowing literals such as 1e999 included),
  // 0 if none so far; nonfinite_text() is that value as written.
  int64_t nonfinite_line() const { return nonfinite_line_; }
  const std::string& nonfinite_text() const { return nonfinite_text_; }
  // Parses only the banner, comments and size line at the start of `data` (a fresh Parser).
  // Returns the byte offset just past the size line, or -1: a parse error (error(), Status via
  // feed semantics) or, if !error_set(), not enough input for the whole header. `at_end`: data
  // is the whole input, so a last line without '\n' counts.
  int64_t parse_header(const char* data, size_t len, bool at_end);
  bool failed() const { return state_ == State::Failed; }
  int64_t bytes() const { return bytes_; }  // bytes consumed so far
  int64_t lines() const { return line_; }  // complete lines processed so far
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
  int64_t line_ = 0;  // number of the line being / last processed (1-based)
  int64_t size_hint_ = -1;
  int64_t seen_ = 0;  // entry lines (coordinate) or values (array) read so far
  int64_t arr_i_ = 0, arr_j_ = 0;  // array: position of the next value
  std::string carry_;  // partial line (leading whitespace stripped) straddling chunks
  size_t carry_len_ = 0;  // logical length of the partial line including stripped whitespace
  bool skip_comment_ = false;  // inside a long comment line: discard until '\n'
  int64_t nonfinite_line_ = 0;
  std::string nonfinite_text_;
  void note_value(double v, const char* b, const char* e);
};

Status parse_file(const std::string& path, Coo& out, Header& hdr, Error& err,
                  Control* ctl = nullptr);
Status parse_text(const char* text, size_t len, Coo& out, Header& hdr, Error& err,
                  Control* ctl = nullptr);

// ------------------------------------------------------------------------------------------------
// Whole-input reader straight to CSR

// Runs parallel work for read_csr: run() calls fn(ctx, task, ntasks) once for every task in
// [0, ntasks), possibly concurrently, and returns when all have returned; ntasks >= 1 is the
// runner's choice at each call (a busy pool may answer 1). threads() is the most it will use.
// The binding adapts the addon's ThreadPool; ThreadRunner starts std::threads.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual int threads() const = 0;
  virtual void run(void (*fn)(void* ctx, int task, int ntasks), void* ctx) = 0;
};

// Starts threads()-1 std::threads per run() call (tests, tools; the addon uses its pool).
class ThreadRunner : public Runner {
 public:
  explicit ThreadRunner(int threads) : threads_(threads < 1 ? 1 : threads) {}
  int threads() const override { return threads_; }
  void run(void (*fn)(void* ctx, int task, int ntasks), void* ctx) override;

 private:
  int threads_;
};

// Where read_csr puts the matrix. allocate() is called on the calling thread with the number of
// rows and an upper bound `capacity` on the stored entries (never more than capacity_for(header),
// and no more than the input's lines or entries can fill); it sets rowPtr (rows+1 entries),
// colIdx and values (capacity entries each; may be null when capacity is 0) and returns false
// when it cannot (out of memory). It may be called a second time when the fast path hands over
// to the streaming one: the last call's arrays hold the result. The final entry count is
// rowPtr[rows] <= capacity; entries past it are never written (untouched memory stays free).
class CsrSink {
 public:
  virtual ~CsrSink() = default;
  virtual bool allocate(int64_t rows, int64_t cols, int64_t capacity) = 0;
  int32_t* rowPtr = nullptr;
  int32_t* colIdx = nullptr;
  double* values = nullptr;
};

// A sink that owns its arrays (uninitialised allocations: pages are first touched by the parse).
class OwnedCsrSink : public CsrSink {
 public:
  bool allocate(int64_t rows, int64_t cols, int64_t capacity) override;
  int64_t rows = 0, cols = 0, capacity = 0;
  std::unique_ptr<int32_t[]> rowPtrBuf, colIdxBuf;
  std::unique_ptr<double[]> valuesBuf;
};

// Asks the kernel for transparent huge pages on the whole 2 MiB pages inside [p, p + bytes) of
// a large fresh allocation (Linux; no-op elsewhere and below 8 MiB). The binding applies it to the
// JS arrays it hands the reader.
void advise_hugepages(void* p, size_t bytes);

// Upper bound on the stored entries of a matrix with this header: entries, twice that for a
// symmetric or skew-symmetric file (its mirrored halves), capped at int64 overflow.
int64_t capacity_for(const Header& h);

struct ReadOptions {
  Runner* runner = nullptr;  // null: one thread (the caller's)
  bool reject_non_finite = false;  // NaN / Inf value: ParseError naming its line
  // Smallest chunk of data lines one task parses (fewer chunks than threads below that). Tests
  // set 1 to put chunk boundaries everywhere; the result never depends on it.
  size_t min_chunk_bytes = size_t(256) << 10;
  // Chunks per thread (tests: more chunks than threads).
  int chunks_per_thread = 1;
};

struct ReadResult {
  Header header;
  int64_t nnz = 0;  // rowPtr[rows]
  int64_t nonfinite_line = 0;  // first line with a NaN/Inf value (0: none)
  std::string nonfinite_text;  // that value as written
  bool fast = false;  // the parallel path ran (false: the streaming fallback)
};

// Reads `len` bytes at `data` (the whole file), or a file (mapped when possible). Status as for
// parse_text; on success the sink holds the CSR arrays. The sink is allocated after the header
// parsed, before any entry is.
Status read_csr(const char* data, size_t len, CsrSink& sink, ReadResult& res, Error& err,
                const ReadOptions& opt = ReadOptions(), Control* ctl = nullptr);
Status read_csr_file(const std::string& path, CsrSink& sink, ReadResult& res, Error& err,
                     const ReadOptions& opt = ReadOptions(), Control* ctl = nullptr);

// Reads the header only (the first up to 1 MiB of a file, or of `data`): what the binding needs to
// size the result arrays before a read starts. Returns false when the header is malformed or
// longer than that (the read itself then reports the error, or sizes its own arrays).
bool peek_header(const char* data, size_t len, Header& h);
bool peek_header_file(const std::string& path, Header& h, int64_t* file_bytes = nullptr);

struct WriteOptions {
  bool symmetric = false;  // write lower triangle (col <= row) + 'symmetric' header; caller
                           // guarantees symmetry; requires rows == cols
  const char* comment = nullptr;  // optional; each line is written as a '%' comment line
  Runner* runner = nullptr;  // format rows in parallel (same bytes); null: one thread
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
