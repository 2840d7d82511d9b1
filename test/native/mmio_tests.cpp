// Unit tests and a speed check for the Matrix Market reader/writer (native/formats/mmio.cpp).
// Built by CMakeLists.txt as mmio_tests (ctest; npm run test:native; npm run test:asan).
//   g++ -std=c++17 -O2 -Wall -Wextra -Werror native/formats/mmio.cpp test/native/mmio_tests.cpp -o
//   mmio_tests
//   ./mmio_tests                 unit tests
//   ./mmio_tests parse FILES...  print "file rows cols nnz(expanded) status"
//   ./mmio_tests bench [N] [DIR] write + read a 2D Poisson N*N matrix (random values), MB/s
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "../../native/formats/mmio.hpp"

using namespace itersolve;
using namespace itersolve::mm;

namespace itersolve {
const char* stop_reason_name(StopReason r) { return r == StopReason::None ? "none" : "stop"; }
}  // namespace itersolve

static int failures = 0;
#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

using Trip = std::tuple<int32_t, int32_t, double>;
static std::vector<Trip> trips(const Coo& c) {
  std::vector<Trip> t;
  for (size_t k = 0; k < c.row.size(); ++k) t.emplace_back(c.row[k], c.col[k], c.val[k]);
  std::sort(t.begin(), t.end());
  return t;
}

static Status parse(const std::string& s, Coo& c, Header& h, Error& e) {
  return parse_text(s.data(), s.size(), c, h, e, nullptr);
}

// Feeds s split at every position (2 chunks) and byte by byte; results must match a single feed.
static void check_split_invariance(const std::string& s) {
  if (s.size() > 4096) return;  // quadratic
  Coo c0;
  Header h0;
  Error e0;
  const Status s0 = parse(s, c0, h0, e0);
  auto run = [&](const std::vector<size_t>& cuts) {
    Parser p;
    Status st = Status::Ok;
    size_t prev = 0;
    for (size_t cut : cuts) {
      if (st == Status::Ok) st = p.feed(s.data() + prev, cut - prev);
      prev = cut;
    }
    if (st == Status::Ok) st = p.feed(s.data() + prev, s.size() - prev);
    if (st == Status::Ok) st = p.finish();
    CHECK(st == s0);
    if (st != s0 || (st != Status::Ok && p.error().line != e0.line)) {
      std::fprintf(stderr, "  split mismatch: %d/%d line %lld/%lld '%s' vs '%s'\n", int(st),
                   int(s0), (long long)p.error().line, (long long)e0.line,
                   p.error().message.c_str(), e0.message.c_str());
    }
    if (st == Status::Ok && s0 == Status::Ok) CHECK(trips(p.coo()) == trips(c0));
    if (st != Status::Ok && s0 != Status::Ok) CHECK(p.error().message == e0.message);
  };
  for (size_t k = 0; k <= s.size(); ++k) run({k});
  std::vector<size_t> all;
  for (size_t k = 1; k < s.size(); ++k) all.push_back(k);
  run(all);
}

// Reference CSR of the streaming parser's COO: a stable sort by (row, column), duplicates summed
// in file order. read_csr must give exactly this, bit for bit.
struct RefCsr {
  std::vector<int32_t> rp, ci;
  std::vector<double> v;
};
static RefCsr ref_csr(const Coo& c) {
  RefCsr r;
  std::vector<size_t> idx(c.row.size());
  for (size_t k = 0; k < idx.size(); ++k) idx[k] = k;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return c.row[a] != c.row[b] ? c.row[a] < c.row[b] : c.col[a] < c.col[b];
  });
  r.rp.assign(static_cast<size_t>(c.rows) + 1, 0);
  int32_t lr = -1, lc = -1;
  for (size_t k : idx) {
    if (c.row[k] == lr && c.col[k] == lc) {
      r.v.back() += c.val[k];
    } else {
      r.ci.push_back(c.col[k]);
      r.v.push_back(c.val[k]);
      ++r.rp[static_cast<size_t>(c.row[k]) + 1];
      lr = c.row[k];
      lc = c.col[k];
    }
  }
  for (size_t q = 0; q + 1 < r.rp.size(); ++q) r.rp[q + 1] += r.rp[q];
  return r;
}

static bool same_bits(const double* a, const double* b, size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(double)) == 0;
}

// read_csr with 1..5 threads, chunk boundaries everywhere (min_chunk_bytes 1, several chunks per
// thread) and at the default size: same status, error (message and line), non-finite line and
// CSR as the streaming Parser plus the reference conversion.
static int read_csr_runs = 0;
static void check_read_csr(const std::string& s) {
  Parser p;
  Status s0 = p.feed(s.data(), s.size());
  if (s0 == Status::Ok) s0 = p.finish();
  RefCsr ref;
  if (s0 == Status::Ok) ref = ref_csr(p.coo());
  const size_t chunks[] = {1, 5, 64, size_t(256) << 10};
  for (int threads = 1; threads <= 5; threads += (s.size() > 100000 ? 2 : 1)) {
    for (size_t mc : chunks) {
      for (int cpt : {1, 3}) {
        ThreadRunner tr(threads);
        ReadOptions o;
        o.runner = &tr;
        o.min_chunk_bytes = mc;
        o.chunks_per_thread = cpt;
        OwnedCsrSink sink;
        ReadResult res;
        Error e;
        const Status st = read_csr(s.data(), s.size(), sink, res, e, o);
        ++read_csr_runs;
        bool ok = st == s0;
        if (ok && st != Status::Ok) ok = e.line == p.error().line && e.message == p.error().message;
        if (ok && st == Status::Ok) {
          const int64_t rows = p.coo().rows;
          ok =
              res.nnz == static_cast<int64_t>(ref.ci.size()) &&
              std::memcmp(sink.rowPtr, ref.rp.data(), (static_cast<size_t>(rows) + 1) * 4) == 0 &&
              (ref.ci.empty() || std::memcmp(sink.colIdx, ref.ci.data(), ref.ci.size() * 4) == 0) &&
              same_bits(sink.values, ref.v.data(), ref.v.size()) &&
              res.nonfinite_line == p.nonfinite_line() &&
              res.nonfinite_text == p.nonfinite_text() && res.header.rows == rows;
        }
        if (!ok) {
          std::fprintf(stderr,
                       "  read_csr mismatch (threads %d, min chunk %zu, %d/thread): status %d/%d "
                       "line %lld/%lld '%s' vs '%s'\n",
                       threads, mc, cpt, int(st), int(s0), (long long)e.line,
                       (long long)p.error().line, e.message.c_str(), p.error().message.c_str());
          CHECK(ok);
          return;
        }
      }
    }
  }
}

static void expect_error(const std::string& s, int64_t line, const char* substr) {
  Coo c;
  Header h;
  Error e;
  const Status st = parse(s, c, h, e);
  CHECK(st == Status::ParseError);
  const bool ok =
      st == Status::ParseError && e.line == line && e.message.find(substr) != std::string::npos;
  if (!ok)
    std::fprintf(stderr,
                 "  expected error at line %lld containing '%s', got status %d line %lld '%s'\n",
                 (long long)line, substr, int(st), (long long)e.line, e.message.c_str());
  CHECK(ok);
  check_split_invariance(s);
  check_read_csr(s);
}

static void expect_ok(const std::string& s, int64_t rows, int64_t cols, std::vector<Trip> want) {
  Coo c;
  Header h;
  Error e;
  const Status st = parse(s, c, h, e);
  if (st != Status::Ok)
    std::fprintf(stderr, "  unexpected error line %lld: %s\n", (long long)e.line,
                 e.message.c_str());
  CHECK(st == Status::Ok);
  CHECK(c.rows == rows && c.cols == cols);
  std::sort(want.begin(), want.end());
  const auto got = trips(c);
  if (got != want) {
    std::fprintf(stderr, "  triplets differ:\n");
    for (auto& t : got)
      std::fprintf(stderr, "   got %d %d %g\n", std::get<0>(t), std::get<1>(t), std::get<2>(t));
  }
  CHECK(got == want);
  check_split_invariance(s);
  check_read_csr(s);
}

// A file built to put chunk boundaries in awkward places: comment and blank lines, CRLF, leading
// and trailing blanks, tabs, signs, Fortran exponents, unsorted entries and duplicates.
static std::string messy_file(uint64_t seed, const char* symmetry, const char* field, int n,
                              int entries) {
  std::mt19937_64 rng(seed);
  std::string s =
      std::string("%%MatrixMarket matrix coordinate ") + field + " " + symmetry + "\n% messy\n";
  s += std::to_string(n) + " " + std::to_string(n) + " " + std::to_string(entries) + "\n";
  const bool sym = std::strcmp(symmetry, "general") != 0;
  const bool skew = std::strcmp(symmetry, "skew-symmetric") == 0;
  for (int k = 0; k < entries; ++k) {
    switch (rng() % 9) {
      case 0: s += "% a comment line " + std::to_string(k) + "\n"; break;
      case 1: s += "\n"; break;
      case 2: s += "   \t\r\n"; break;
      default: break;
    }
    int i = int(rng() % n) + 1, j = int(rng() % n) + 1;
    if (sym && i < j) std::swap(i, j);
    if (skew && i == j) i = i % n + 1 == j ? (i == n ? 1 : i + 1) : i % n + 1;
    if (skew && i < j) std::swap(i, j);
    if (skew && i == j) {
      i = 2;
      j = 1;
    }
    if (k % 5 == 0 && k > 0 && !skew) {
      i = 1;
      j = 1;
    }  // duplicates
    std::string line = (rng() % 7 == 0 ? " " : "") + std::to_string(i) +
                       (rng() % 5 == 0 ? "\t" : " ") + std::to_string(j);
    if (std::strcmp(field, "real") == 0) {
      const uint64_t r = rng() % 6;
      char buf[64];
      if (r == 0)
        std::snprintf(buf, sizeof buf, "%.17g",
                      std::ldexp(double(rng() % 100000), int(rng() % 60) - 30));
      else if (r == 1) std::snprintf(buf, sizeof buf, "+%d.5", int(rng() % 100));
      else if (r == 2) std::snprintf(buf, sizeof buf, "%dD-2", int(rng() % 1000));
      else if (r == 3) std::snprintf(buf, sizeof buf, "%d", int(rng() % 9) - 4);
      else
        std::snprintf(buf, sizeof buf, "%.17g", double(int64_t(rng() % 2000001) - 1000000) / 997.0);
      line += std::string(" ") + buf;
    } else if (std::strcmp(field, "integer") == 0) {
      line += " " + std::to_string(int(rng() % 200) - 100);
    }
    if (rng() % 4 == 0) line += "  ";
    s += line + (rng() % 3 == 0 ? "\r\n" : "\n");
  }
  if (rng() % 2) s += "% trailing comment\n\n";
  return s;
}

// Decimal values for the reader's own conversion (short mantissas: one multiply or divide; up to
// 19 digits: 128-bit integers) against std::from_chars, which the streaming parser uses:
// random digit strings, every decimal point position and exponent within +-22, and ties.
static void decimal_tests() {
  std::mt19937_64 rng(2024);
  const int n = 20000;
  std::string s = "%%MatrixMarket matrix coordinate real general\n1 " + std::to_string(n + 8) +
                  " " + std::to_string(n + 8) + "\n";
  const char* fixed[] = {"9007199254740993",       "9007199254740995",
                         "-9007199254740997",      "18014398509481985",
                         "0.30000000000000004",    "1.7976931348623157e22",
                         "4.9406564584124654e-22", "123456789012345678.9e-22"};
  int col = 1;
  for (const char* f : fixed) s += "1 " + std::to_string(col++) + " " + f + "\n";
  for (int k = 0; k < n; ++k) {
    const int digits = 1 + int(rng() % 19);
    std::string m;
    for (int d = 0; d < digits; ++d) m += char('0' + rng() % 10);
    const int point = int(rng() % (digits + 2)) - 1;  // -1: none
    if (point >= 0 && point <= digits) m.insert(size_t(point), ".");
    if (m == ".") m = "0";
    if (rng() % 3 == 0) m += (rng() % 2 ? "e" : "E") + std::to_string(int(rng() % 45) - 22);
    if (rng() % 2) m = "-" + m;
    s += "1 " + std::to_string(col++) + " " + m + "\n";
  }
  check_read_csr(s);
}

// The parallel writer's text is byte for byte the serial one's (general, symmetric, pattern).
static void parallel_write_tests() {
  std::mt19937_64 rng(77);
  const int n = 60000;
  std::vector<int32_t> rp(n + 1, 0), ci;
  std::vector<double> v;
  for (int r = 0; r < n; ++r) {
    if (rng() % 5 != 0)  // some empty rows
      for (int c = 0; c < n; c += 1 + int(rng() % 9000)) {
        ci.push_back(c);
        v.push_back(rng() % 3 == 0 ? double(int(rng() % 9) - 4) : double(rng() % 1000000007) / 7e5);
      }
    rp[r + 1] = int32_t(ci.size());
  }
  CHECK(ci.size() > 4 * 65536);
  for (int mode = 0; mode < 3; ++mode) {
    WriteOptions o;
    o.symmetric = mode == 1;  // writes the lower triangle only: enough for the byte comparison
    o.comment = "parallel";
    const double* vals = mode == 2 ? nullptr : v.data();
    const std::string serial = write_string(n, n, rp.data(), ci.data(), vals, o);
    for (int threads : {2, 3, 8}) {
      ThreadRunner tr(threads);
      o.runner = &tr;
      CHECK(write_string(n, n, rp.data(), ci.data(), vals, o) == serial);
      Error e;
      const std::string path = "/tmp/itersolve-mmio-parallel-" + std::to_string(threads) + ".mtx";
      CHECK(write_file(path, n, n, rp.data(), ci.data(), vals, o, e) == Status::Ok);
      std::FILE* f = std::fopen(path.c_str(), "rb");
      std::string back;
      if (f) {
        char tmp[1 << 16];
        size_t got;
        while ((got = std::fread(tmp, 1, sizeof tmp, f)) > 0) back.append(tmp, got);
        std::fclose(f);
      }
      std::remove(path.c_str());
      CHECK(back == serial);
      o.runner = nullptr;
    }
  }
}

static void chunk_boundary_tests() {
  const char* syms[] = {"general", "symmetric", "skew-symmetric"};
  const char* fields[] = {"real", "integer", "pattern"};
  int seed = 1;
  for (const char* sym : syms)
    for (const char* field : fields) {
      if (std::strcmp(field, "pattern") == 0 && std::strcmp(sym, "skew-symmetric") == 0) continue;
      for (int size : {3, 40, 700})
        check_read_csr(messy_file(uint64_t(seed++), sym, field, 1 + size / 3, size));
    }
  // A sorted general file (the direct path) with comment and blank lines at chunk ends, and a
  // large one so the default chunk size splits it too.
  {
    std::string s = "%%MatrixMarket matrix coordinate real general\n40 40 80\n";
    for (int r = 1; r <= 40; ++r) {
      s += std::to_string(r) + " " + std::to_string(r) + " " + std::to_string(r) + ".25\n";
      if (r % 7 == 0) s += "% gap\n\n";
      s += std::to_string(r) + " " + std::to_string(r % 40 + 1 > r ? r % 40 + 1 : 40) + " -0\r\n";
    }
    check_read_csr(s);
  }
  {
    std::string s = "%%MatrixMarket matrix coordinate real general\n30000 30000 90000\n";
    std::mt19937_64 rng(9);
    for (int r = 1; r <= 30000; ++r)
      for (int c : {r > 1 ? r - 1 : 30000, r, r < 30000 ? r + 1 : 1}) {
        if (r == 1 && c == 30000) continue;
        if (r == 30000 && c == 1) continue;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%d %d %.17g\n", r, c, double(rng() % 1000000) / 7.0);
        s += buf;
      }
    s += "1 30000 1\n30000 1 2\n";  // out of order at the end: the generic path after all
    check_read_csr(s);
    ThreadRunner tr(3);
    ReadOptions o;
    o.runner = &tr;
    OwnedCsrSink sink;
    ReadResult res;
    Error e;
    CHECK(read_csr(s.data(), s.size(), sink, res, e, o) == Status::Ok && res.fast &&
          res.nnz == 90000);
  }
}

static void unit_tests() {
  const std::string B = "%%MatrixMarket matrix coordinate real general\n";
  expect_ok(B + "% c\n3 4 2\n1 1 1.5\n3 4 -2e3\n", 3, 4, {{0, 0, 1.5}, {2, 3, -2000}});
  expect_ok(
      "\xEF\xBB\xBF\n  %%matrixmarket MATRIX Coordinate REAL General  \r\n%x\r\n\r\n 2 2 2 \r\n"
      " 1\t2  +3.0 \r\n% mid\r\n\r\n2 1 4.5D-01\r\n% end",
      2, 2, {{0, 1, 3.0}, {1, 0, 0.45}});
  expect_ok(B + "2 2 1\n2 2 1", 2, 2, {{1, 1, 1.0}});  // no trailing newline
  expect_ok(B + "0 0 0\n", 0, 0, {});
  expect_ok("%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 2\n2 1 -1\n3 2 5\n", 3, 3,
            {{0, 0, 2}, {1, 0, -1}, {0, 1, -1}, {2, 1, 5}, {1, 2, 5}});
  expect_ok("%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 2\n2 1 -1\n3 1 5\n", 3, 3,
            {{1, 0, -1}, {0, 1, 1}, {2, 0, 5}, {0, 2, -5}});
  expect_ok("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n1 1\n3 2\n", 3, 3,
            {{0, 0, 1}, {2, 1, 1}, {1, 2, 1}});
  expect_ok("%%MatrixMarket matrix coordinate integer general\n3 3 2\n1 1 -7\n3 2 +12\n", 3, 3,
            {{0, 0, -7}, {2, 1, 12}});
  expect_ok("%%MatrixMarket matrix array real general\n2 3\n1\n0\n0\n4\n5\n-0\n", 2, 3,
            {{0, 0, 1}, {1, 1, 4}, {0, 2, 5}});
  expect_ok("%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n0\n4\n5\n6\n", 3, 3,
            {{0, 0, 1}, {1, 0, 2}, {0, 1, 2}, {1, 1, 4}, {2, 1, 5}, {1, 2, 5}, {2, 2, 6}});
  expect_ok("%%MatrixMarket matrix array integer skew-symmetric\n3 3\n1\n2\n3\n", 3, 3,
            {{1, 0, 1}, {0, 1, -1}, {2, 0, 2}, {0, 2, -2}, {2, 1, 3}, {1, 2, -3}});
  {  // NaN/Inf accepted, overflow -> inf, underflow -> 0
    Coo c;
    Header h;
    Error e;
    const std::string s =
        B + "1 6 6\n1 1 nan\n1 2 -inf\n1 3 1e999\n1 4 -1e-999\n1 5 Infinity\n1 6 4.9e-324\n";
    CHECK(parse(s, c, h, e) == Status::Ok);
    CHECK(c.val.size() == 6);
    check_read_csr(s);
    {  // the first non-finite value's line; rejected on request, naming it
      OwnedCsrSink sink;
      ReadResult res;
      ReadOptions o;
      CHECK(read_csr(s.data(), s.size(), sink, res, e, o) == Status::Ok);
      CHECK(res.nonfinite_line == 3 && res.nonfinite_text == "'nan'");
      o.reject_non_finite = true;
      CHECK(read_csr(s.data(), s.size(), sink, res, e, o) == Status::ParseError);
      CHECK(e.line == 3 && e.message.find("non-finite value 'nan'") != std::string::npos);
      const std::string t = B + "2 2 3\n1 1 1\n% c\n\n2 2 -inf\n2 1 1e999\n";
      CHECK(read_csr(t.data(), t.size(), sink, res, e, o) == Status::ParseError);
      CHECK(e.line == 6 && e.message.find("'-inf'") != std::string::npos);
      const std::string u = B + "2 2 2\n1 1 1e999\n2 2 x\n";  // the NaN comes first
      CHECK(read_csr(u.data(), u.size(), sink, res, e, o) == Status::ParseError);
      CHECK(e.line == 3 && e.message.find("'1e999'") != std::string::npos);
      o.reject_non_finite = false;
      CHECK(read_csr(u.data(), u.size(), sink, res, e, o) == Status::ParseError);
      CHECK(e.line == 4 && e.message.find("invalid real value 'x'") != std::string::npos);
      const std::string w = "%%MatrixMarket matrix array real general\n2 1\n1\nNaN\n";
      CHECK(read_csr(w.data(), w.size(), sink, res, e, o) == Status::Ok && res.nonfinite_line == 4);
    }
    if (c.val.size() == 6) {
      CHECK(std::isnan(c.val[0]));
      CHECK(std::isinf(c.val[1]) && c.val[1] < 0);
      CHECK(std::isinf(c.val[2]) && c.val[2] > 0);
      CHECK(c.val[3] == 0.0 && std::signbit(c.val[3]));
      CHECK(std::isinf(c.val[4]));
      CHECK(c.val[5] > 0 && c.val[5] < 1e-323);
    }
  }

  // errors
  expect_error("", 1, "missing %%MatrixMarket banner");
  expect_error("hello\n", 1, "missing %%MatrixMarket banner");
  expect_error("% comment\n%%MatrixMarket matrix coordinate real general\n", 1,
               "missing %%MatrixMarket");
  expect_error("%%MatrixMarkt matrix coordinate real general\n1 1 0\n", 1, "bad banner");
  expect_error("%%MatrixMarket matrix coordinate complex general\n1 1 0\n", 1,
               "unsupported field 'complex'");
  expect_error("%%MatrixMarket matrix coordinate real hermitian\n1 1 0\n", 1,
               "unsupported symmetry 'hermitian'");
  expect_error("%%MatrixMarket vector coordinate real general\n1 1 0\n", 1, "unsupported object");
  expect_error("%%MatrixMarket matrix sparse real general\n1 1 0\n", 1, "unsupported format");
  expect_error("%%MatrixMarket matrix coordinate real\n1 1 0\n", 1, "missing symmetry");
  expect_error("%%MatrixMarket matrix coordinate real general x\n1 1 0\n", 1, "unexpected text");
  expect_error("%%MatrixMarket matrix array pattern general\n1 1\n", 1, "pattern");
  expect_error(B, 1, "missing size line");
  expect_error(B + "%c\n\n", 3, "missing size line");
  expect_error(B + "3 3\n", 2, "missing entries");
  expect_error(B + "3 -3 1\n", 2, "negative cols");
  expect_error(B + "3 3 1 1\n", 2, "unexpected text");
  expect_error(B + "3 x3 1\n", 2, "not an integer");
  expect_error(B + "2147483648 3 1\n", 2, "int32");
  expect_error(B + "3 3 99999999999999999999999\n", 2, "int32");
  expect_error(B + "3 3 2147483648\n", 2, "int32");
  expect_error("%%MatrixMarket matrix coordinate real symmetric\n3 2 1\n", 2, "square");
  expect_error(B + "3 3 2\n1 1 1\n", 3, "too few entries: expected 2, found 1");
  expect_error(B + "3 3 1\n1 1 1\n2 2 2\n", 4, "too many entries");
  expect_error(B + "3 3 1\n0 1 1\n", 3, "out of range");
  expect_error(B + "3 3 1\n4 1 1\n", 3, "row index '4' out of range 1..3");
  expect_error(B + "3 3 1\n1 4 1\n", 3, "column index '4' out of range");
  expect_error(B + "3 3 1\n1 -1 1\n", 3, "out of range");
  expect_error(B + "3 3 1\n1 99999999999999999999999999 1\n", 3, "out of range");
  expect_error(B + "3 3 1\n1 1.0 1\n", 3, "not a positive integer");
  expect_error(B + "3 3 1\n1 1 abc\n", 3, "invalid real value 'abc'");
  expect_error(B + "3 3 1\n1 1 1.5x\n", 3, "invalid real value");
  expect_error(B + "3 3 1\n1 1 +-1\n", 3, "invalid real value");
  expect_error(B + "3 3 1\n1 1\n", 3, "missing value");
  expect_error(B + "3 3 1\n1\n", 3, "missing column index");
  expect_error(B + "3 3 1\n1 1 1 7\n", 3, "unexpected text after entry");
  expect_error(B + "3 3 1\n1 1 1 % c\n", 3, "unexpected text after entry");
  expect_error("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 1 1\n", 3,
               "unexpected text");
  expect_error("%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1.5\n", 3,
               "invalid integer value");
  expect_error("%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n2 2 1\n", 3,
               "diagonal entry (2, 2)");
  expect_error("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n", 5,
               "too few entries: expected 4, found 3");
  expect_error("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n5\n", 7,
               "too many entries");
  expect_error("%%MatrixMarket matrix array real general\n2 2\n1 2\n", 3, "one value per line");
  {
    std::string s = B + "1 1 1\n1 1 " + std::string(kMaxLineLength, ' ') + "1\n";
    expect_error(s, 3, "line too long");
    // long comments and long blank lines are fine
    std::string t = B + "%" + std::string(3 * kMaxLineLength, 'x') + "\n" +
                    std::string(2 * kMaxLineLength, ' ') + "\n1 1 1\n" +
                    std::string(kMaxLineLength + 5, '\t') + "%" + std::string(kMaxLineLength, 'y') +
                    "\n1 1 2\n%" + std::string(kMaxLineLength + 7, 'z');
    Coo c;
    Header h;
    Error e;
    CHECK(parse(t, c, h, e) == Status::Ok);
    CHECK(c.val.size() == 1 && c.val[0] == 2.0);
    // chunked at a few positions
    for (size_t cut : {size_t(10), size_t(60), kMaxLineLength, kMaxLineLength + 60,
                       3 * kMaxLineLength + 50, 5 * kMaxLineLength + 80, t.size() - 3}) {
      Parser p;
      CHECK(p.feed(t.data(), cut) == Status::Ok);
      CHECK(p.feed(t.data() + cut, t.size() - cut) == Status::Ok);
      CHECK(p.finish() == Status::Ok);
      CHECK(p.coo().val.size() == 1 && p.coo().val[0] == 2.0);
    }
  }
  {  // huge declared nnz must not allocate much
    Coo c;
    Header h;
    Error e;
    const std::string s = B + "2000000000 2000000000 2000000000\n1 1 1\n";
    CHECK(parse(s, c, h, e) == Status::ParseError);
    Parser p;
    CHECK(p.feed(s.data(), s.size()) == Status::Ok);
    CHECK(p.coo().row.capacity() <= (size_t(1) << 17));
    check_read_csr(s);  // nothing sized from the header before the entries proved valid
  }
  {  // writer round trip, bit exact
    std::mt19937_64 rng(42);
    const int n = 300;
    std::vector<int32_t> rp(n + 1), ci;
    std::vector<double> v;
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        if (rng() % 7 == 0) {
          ci.push_back(c);
          uint64_t bits = rng();
          double d;
          std::memcpy(&d, &bits, 8);
          if (!std::isfinite(d)) d = 1.0 / 3.0;
          if (rng() % 5 == 0) d = std::ldexp(double(rng() % 1000), int(rng() % 40) - 20);
          v.push_back(d);
        }
      }
      rp[r + 1] = int32_t(ci.size());
    }
    WriteOptions opt;
    opt.comment = "line one\nline two";
    const std::string s = write_string(n, n, rp.data(), ci.data(), v.data(), opt);
    Coo c;
    Header h;
    Error e;
    CHECK(parse(s, c, h, e) == Status::Ok);
    CHECK(c.row.size() == ci.size());
    bool same = c.row.size() == ci.size();
    for (size_t k = 0; same && k < ci.size(); ++k)
      same = std::memcmp(&c.val[k], &v[k], 8) == 0 && c.col[k] == ci[k];
    CHECK(same);
    // symmetric writer: lower triangle of a symmetric matrix
    std::vector<int32_t> rp2 = {0, 2, 4, 5}, ci2 = {0, 1, 0, 2, 1};
    std::vector<double> v2 = {4, -1, -1, 0.1, 0.1};
    opt.symmetric = true;
    opt.comment = nullptr;
    const std::string s2 = write_string(3, 3, rp2.data(), ci2.data(), v2.data(), opt);
    CHECK(s2 == "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 4\n2 1 -1\n3 2 0.1\n");
    CHECK(parse(s2, c, h, e) == Status::Ok);
    CHECK(trips(c) ==
          (std::vector<Trip>{{0, 0, 4}, {0, 1, -1}, {1, 0, -1}, {1, 2, 0.1}, {2, 1, 0.1}}));
    opt.symmetric = false;
    const std::string s3 = write_string(3, 3, rp2.data(), ci2.data(), nullptr, opt);
    CHECK(s3 ==
          "%%MatrixMarket matrix coordinate pattern general\n3 3 5\n1 1\n1 2\n2 1\n2 3\n3 2\n");
    // invalid CSR
    std::vector<int32_t> bad = {0, 1, 7, 9, 1};
    std::string out;
    CHECK(write_to_string(out, 3, 3, rp2.data(), bad.data(), v2.data(), opt, e) ==
          Status::ParseError);
    CHECK(e.message.find("invalid CSR") == 0);
    CHECK(write_string(3, 3, rp2.data(), bad.data(), v2.data(), opt).empty());
    CHECK(write_file("/nonexistent-dir/x.mtx", 3, 3, rp2.data(), ci2.data(), v2.data(), opt, e) ==
          Status::IoError);
    Coo cc;
    CHECK(parse_file("/nonexistent-dir/x.mtx", cc, h, e) == Status::IoError);
    std::printf("io error message: %s\n", e.message.c_str());
  }
  {  // abort
    std::atomic<bool> flag{true};
    Control ctl;
    ctl.set_abort_flag(&flag);
    Coo c;
    Header h;
    Error e;
    const std::string s = B + "1 1 1\n1 1 1\n";
    CHECK(parse_text(s.data(), s.size(), c, h, e, &ctl) == Status::Aborted);
  }
}

static int parse_files(int argc, char** argv) {
  int bad = 0;
  for (int k = 0; k < argc; ++k) {
    Coo c;
    Header h;
    Error e;
    const Status st = parse_file(argv[k], c, h, e, nullptr);
    double sum = 0;
    for (double x : c.val) sum += x;
    std::printf("%s %lld %lld %zu %.17g %s%s%s\n", argv[k], (long long)c.rows, (long long)c.cols,
                c.row.size(), sum, status_name(st), st == Status::Ok ? "" : " ", e.message.c_str());
    if (st != Status::Ok) ++bad;
  }
  return bad ? 1 : 0;
}

static double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static int bench(int N, const std::string& dir) {
  // 2D Poisson 5-point stencil on an N x N grid, random values.
  const int64_t n = int64_t(N) * N;
  std::vector<int32_t> rp(n + 1), ci;
  std::vector<double> v;
  ci.reserve(5 * n);
  v.reserve(5 * n);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t x = r % N, y = r / N;
    auto add = [&](int64_t c) {
      ci.push_back(int32_t(c));
      v.push_back(U(rng));
    };
    if (y > 0) add(r - N);
    if (x > 0) add(r - 1);
    add(r);
    if (x < N - 1) add(r + 1);
    if (y < N - 1) add(r + N);
    rp[r + 1] = int32_t(ci.size());
  }
  const std::string path = dir + "/mmio_bench.mtx";
  Error e;
  WriteOptions opt;
  double best_w = 1e9;
  for (int it = 0; it < 3; ++it) {
    const double t0 = now_s();
    if (write_file(path, n, n, rp.data(), ci.data(), v.data(), opt, e) != Status::Ok) {
      std::fprintf(stderr, "write failed: %s\n", e.message.c_str());
      return 1;
    }
    best_w = std::min(best_w, now_s() - t0);
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  std::fseek(f, 0, SEEK_END);
  const double mb = double(std::ftell(f)) / 1e6;
  std::fclose(f);
  double best_s = 1e9, best_f = 1e9;
  std::string s;
  {
    std::FILE* g = std::fopen(path.c_str(), "rb");
    s.resize(size_t(mb * 1e6));
    if (std::fread(&s[0], 1, s.size(), g) != s.size()) return 1;
    std::fclose(g);
  }
  for (int it = 0; it < 3; ++it) {
    Coo c;
    Header h;
    double t0 = now_s();
    if (parse_text(s.data(), s.size(), c, h, e, nullptr) != Status::Ok) {
      std::fprintf(stderr, "parse failed: %s\n", e.message.c_str());
      return 1;
    }
    best_s = std::min(best_s, now_s() - t0);
    Coo d;
    t0 = now_s();
    if (parse_file(path, d, h, e, nullptr) != Status::Ok) return 1;
    best_f = std::min(best_f, now_s() - t0);
    if (d.row.size() != ci.size()) return 1;
    for (size_t k = 0; k < ci.size(); ++k)
      if (d.col[k] != ci[k] || std::memcmp(&d.val[k], &v[k], 8) != 0) {
        std::fprintf(stderr, "round trip mismatch at %zu\n", k);
        return 1;
      }
  }
  std::printf("file %.1f MB, nnz %zu\n", mb, ci.size());
  std::printf("write_file  %.3f s  %.0f MB/s\n", best_w, mb / best_w);
  std::printf("parse_text  %.3f s  %.0f MB/s\n", best_s, mb / best_s);
  std::printf("parse_file  %.3f s  %.0f MB/s (page cache)\n", best_f, mb / best_f);
  if (!std::getenv("MM_KEEP")) std::remove(path.c_str());
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "parse") == 0) return parse_files(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "bench") == 0)
    return bench(argc >= 3 ? std::atoi(argv[2]) : 1000, argc >= 4 ? argv[3] : "/tmp");
  unit_tests();
  chunk_boundary_tests();
  decimal_tests();
  parallel_write_tests();
  std::printf("read_csr compared with the streaming parser in %d configurations\n", read_csr_runs);
  std::printf("%s (%d failures)\n", failures ? "FAIL" : "OK", failures);
  return failures ? 1 : 0;
}
