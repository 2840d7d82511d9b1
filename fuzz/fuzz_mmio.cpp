// libFuzzer target for the Matrix Market parser (native/formats/mmio.cpp).
// Checks, besides "no crash / no sanitizer report":
//  * results are in range (0 <= row < rows, 0 <= col < cols, equal array lengths);
//  * feeding the input in small chunks gives exactly the same result / error as one feed;
//  * for accepted inputs, write_string -> parse_text reproduces the matrix exactly;
//  * read_csr (3 threads, chunk boundaries everywhere) gives the same status, error and
//    non-finite line, and the CSR of the streaming parser's COO bit for bit.
// Built by fuzz/build.sh (clang: -fsanitize=fuzzer; g++: with fuzz/standalone_main.cpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../native/formats/mmio.hpp"

using namespace itersolve;
using namespace itersolve::mm;

namespace {

[[noreturn]] void die(const char* what, const Error* e = nullptr) {
  std::fprintf(stderr, "fuzz_mmio: invariant violated: %s\n", what);
  if (e) std::fprintf(stderr, "  error line %lld: %s\n", (long long)e->line, e->message.c_str());
  std::abort();
}

bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void check_coo(const Coo& c) {
  if (c.row.size() != c.col.size() || c.row.size() != c.val.size()) die("array lengths differ");
  if (c.rows < 0 || c.cols < 0 || c.rows > INT32_MAX || c.cols > INT32_MAX) die("bad dimensions");
  for (size_t k = 0; k < c.row.size(); ++k)
    if (c.row[k] < 0 || c.row[k] >= c.rows || c.col[k] < 0 || c.col[k] >= c.cols)
      die("index out of range in result");
}

void check_split(const char* text, size_t size, Status st0, const Coo& c0, const Error& e0) {
  // Chunk length from a cheap hash of the input, so every input exercises a different split.
  uint32_t h = 2166136261u;
  for (size_t k = 0; k < size; ++k) h = (h ^ static_cast<uint8_t>(text[k])) * 16777619u;
  const size_t chunk = 1 + h % 13;
  Parser p;  // no size hint: exercises the small initial reservation too
  Status st = Status::Ok;
  for (size_t off = 0; off < size && st == Status::Ok; off += chunk)
    st = p.feed(text + off, size - off < chunk ? size - off : chunk);
  if (st == Status::Ok) st = p.finish();
  if (st != st0) die("chunked status differs", &p.error());
  if (st != Status::Ok) {
    if (p.error().line != e0.line || p.error().message != e0.message)
      die("chunked error differs", &p.error());
    return;
  }
  const Coo& c = p.coo();
  if (c.rows != c0.rows || c.cols != c0.cols || c.row != c0.row || c.col != c0.col)
    die("chunked result differs");
  for (size_t k = 0; k < c.val.size(); ++k)
    if (!same_value(c.val[k], c0.val[k])) die("chunked value differs");
}

void check_round_trip(const Coo& c) {
  if (c.rows > 100000 || c.row.size() > 200000) return;
  const size_t nnz = c.row.size();
  std::vector<int32_t> rp(static_cast<size_t>(c.rows) + 1, 0), ci(nnz);
  std::vector<double> v(nnz);
  for (size_t k = 0; k < nnz; ++k) ++rp[static_cast<size_t>(c.row[k]) + 1];
  for (size_t r = 0; r < static_cast<size_t>(c.rows); ++r) rp[r + 1] += rp[r];
  std::vector<int32_t> pos(rp.begin(), rp.end() - 1);
  for (size_t k = 0; k < nnz; ++k) {
    const int32_t d = pos[static_cast<size_t>(c.row[k])]++;
    ci[static_cast<size_t>(d)] = c.col[k];
    v[static_cast<size_t>(d)] = c.val[k];
  }
  WriteOptions opt;
  opt.comment = "fuzz\nround trip";
  std::string s;
  Error e;
  if (write_to_string(s, c.rows, c.cols, rp.data(), ci.data(), v.data(), opt, e) != Status::Ok)
    die("write_to_string failed", &e);
  Coo d;
  Header h;
  if (parse_text(s.data(), s.size(), d, h, e, nullptr) != Status::Ok) die("re-parse failed", &e);
  if (d.rows != c.rows || d.cols != c.cols || d.row.size() != nnz) die("round trip shape differs");
  size_t k = 0;
  for (int32_t r = 0; r < static_cast<int32_t>(c.rows); ++r)
    for (int32_t q = rp[static_cast<size_t>(r)]; q < rp[static_cast<size_t>(r) + 1]; ++q, ++k)
      if (d.row[k] != r || d.col[k] != ci[static_cast<size_t>(q)] ||
          !same_value(d.val[k], v[static_cast<size_t>(q)]))
        die("round trip entry differs");
}

// CSR of a COO: stable by (row, column), duplicates summed in order (what read_csr promises).
void check_read_csr(const char* text, size_t size, Status st0, const Coo& c0, const Error& e0) {
  ThreadRunner tr(3);
  ReadOptions o;
  o.runner = &tr;
  o.min_chunk_bytes = 1 + size % 17;
  o.chunks_per_thread = 2;
  OwnedCsrSink sink;
  ReadResult res;
  Error e;
  const Status st = read_csr(text, size, sink, res, e, o);
  if (st != st0) die("read_csr status differs", &e);
  if (st != Status::Ok) {
    if (e.line != e0.line || e.message != e0.message) die("read_csr error differs", &e);
    return;
  }
  const size_t n = c0.row.size();
  std::vector<size_t> idx(n);
  for (size_t k = 0; k < n; ++k) idx[k] = k;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return c0.row[a] != c0.row[b] ? c0.row[a] < c0.row[b] : c0.col[a] < c0.col[b];
  });
  std::vector<int32_t> rp(static_cast<size_t>(c0.rows) + 1, 0), ci;
  std::vector<double> v;
  int32_t lr = -1, lc = -1;
  for (size_t k : idx) {
    if (c0.row[k] == lr && c0.col[k] == lc) {
      v.back() += c0.val[k];
    } else {
      ci.push_back(c0.col[k]);
      v.push_back(c0.val[k]);
      ++rp[static_cast<size_t>(c0.row[k]) + 1];
      lr = c0.row[k];
      lc = c0.col[k];
    }
  }
  for (size_t r = 0; r + 1 < rp.size(); ++r) rp[r + 1] += rp[r];
  if (res.nnz != static_cast<int64_t>(ci.size())) die("read_csr nnz differs");
  for (size_t r = 0; r < rp.size(); ++r)
    if (sink.rowPtr[r] != rp[r]) die("read_csr rowPtr differs");
  for (size_t k = 0; k < ci.size(); ++k)
    if (sink.colIdx[k] != ci[k] || !same_value(sink.values[k], v[k])) die("read_csr entry differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* text = reinterpret_cast<const char*>(data);
  Coo c;
  Header h;
  Error e;
  const Status st = parse_text(text, size, c, h, e, nullptr);
  if (st == Status::Ok) {
    check_coo(c);
  } else if (st == Status::ParseError) {
    if (e.message.empty() || e.line < 1) die("parse error without message / line", &e);
  } else {
    die("unexpected status", &e);
  }
  check_split(text, size, st, c, e);
  check_read_csr(text, size, st, c, e);
  if (st == Status::Ok) check_round_trip(c);
  return 0;
}
