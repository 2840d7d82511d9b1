// Standalone SpMV harness for the itersolve kernel tables (no Node, no build system).
//
//   bench/native/build.sh && bench/out/native/spmv_bench [--quick] [--reps N] [--no-perf]
//   [--no-check]
//                                                        [--no-blocked] [--n2d N] [--n3d N]
//                                                        [--more: 9/27-point, random, banded]
//                                                        [--only SUBSTRING-OF-PROBLEM-NAME]
//                                                        [--threads2: also spmv on 2 threads]
//
// 1. Correctness: every available table (scalar / avx2 / avx512) against a naive reference on
//    random CSR matrices with the awkward cases (0 rows, r0 == r1, empty rows, length-1 rows, one
//    1e6-nnz row, unaligned pointers, row counts that are not a multiple of the vector width),
//    |y - ref| <= 1e-12 * sum_j |a_ij x_j| per row, bitwise determinism, rows outside [r0, r1)
//    untouched, and every array ending right before a PROT_NONE page so that any read past the
//    end of colIdx / values / rowPtr / x / w (or write past y) faults.
// 2. Performance: read-bandwidth probe (the `sum` kernel of the widest table over 256 MiB, best
//    of several runs), then spmv / spmv_dot (w = x as in CG's p^T A p: one call over all rows, and
//    in 2048-row blocks the way ops::spmv_dot calls it; and with a separate w, whose extra 8 B/row
//    the byte count leaves out) on 2D Poisson N=1000 and 3D Poisson 100^3, best of --reps runs,
//    GB/s counted as 12 B/nnz + 4 B/row pointer + 16 B/row, and the ratio to the probe; plus the
//    plain CSR loop of /work/shared/anchors/spmv_probe.c for reference. A second, informative
//    probe reads four 64 MiB streams at once (SpMV reads ~5 streams; one stream alone does not
//    saturate the memory system on every CPU).
//
// Built with -DSPMV_BENCH_AVX512_EMU (build.sh emu) the avx512 table runs on any x86-64 through a
// scalar emulation of the AVX-512 intrinsics it uses: correctness only, timings are meaningless.
#include <signal.h>
#include <emmintrin.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/kernels/kernels.hpp"

using itersolve::CsrView;
using itersolve::Kernels;
using itersolve::SimdLevel;

// Bench-only alternative spmv tables, compiled into the kernel TUs when build.sh defines
// ITERSOLVE_BENCH_VARIANTS (never in the library build), and optional extra tables from
// experiment sources (EXTRA_SRCS_* in build.sh). Weak: absent is fine.
extern "C" const Kernels* itersolve_bench_variant_avx2() __attribute__((weak));
extern "C" const Kernels* itersolve_bench_variant_avx512() __attribute__((weak));
extern "C" const Kernels* const* spmv_bench_extra_tables(int* n) __attribute__((weak));

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------------------------------------
// Guarded allocations: the array's last byte sits right before a PROT_NONE page.
struct Guarded {
  void* base = nullptr;
  size_t mapped = 0;
  void* ptr = nullptr;
  Guarded() = default;
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;
  ~Guarded() {
    if (base) munmap(base, mapped);
  }
  // `bytes` usable bytes ending at the guard page; the start is therefore aligned only to
  // whatever `bytes` leaves (callers pick sizes/offsets to get odd alignments).
  void alloc(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t body = (bytes + page - 1) / page * page;
    mapped = body + 2 * page;
    base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      std::perror("mmap");
      std::exit(2);
    }
    char* b = static_cast<char*>(base);
    mprotect(b, page, PROT_NONE);                 // guard before
    mprotect(b + page + body, page, PROT_NONE);   // guard after
    ptr = b + page + body - bytes;
  }
};

template <class T>
T* guarded_copy(Guarded& g, const std::vector<T>& v) {
  g.alloc(v.size() * sizeof(T) + (v.empty() ? 0 : 0));
  if (!v.empty()) std::memcpy(g.ptr, v.data(), v.size() * sizeof(T));
  return static_cast<T*>(g.ptr);
}

// 64-byte aligned heap array (performance runs).
template <class T>
struct Aligned {
  T* p = nullptr;
  size_t n = 0;
  explicit Aligned(size_t count) : n(count) {
    const size_t bytes = ((count * sizeof(T)) + 63) / 64 * 64 + 64;
    p = static_cast<T*>(std::aligned_alloc(64, bytes));
    if (!p) std::exit(2);
  }
  ~Aligned() { std::free(p); }
  Aligned(const Aligned&) = delete;
  T& operator[](size_t i) { return p[i]; }
};

// ---------------------------------------------------------------------------------------------
struct Csr {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> rp, ci;
  std::vector<double> v;
  int64_t nnz() const { return static_cast<int64_t>(ci.size()); }
};

Csr poisson2d(int N) {
  Csr A;
  const int64_t n = int64_t{N} * N;
  A.rows = A.cols = n;
  A.rp.resize(static_cast<size_t>(n) + 1);
  A.ci.reserve(static_cast<size_t>(5 * n));
  A.v.reserve(static_cast<size_t>(5 * n));
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      const int32_t r = i * N + j;
      A.rp[static_cast<size_t>(r)] = static_cast<int32_t>(A.ci.size());
      auto put = [&](int32_t c, double val) {
        A.ci.push_back(c);
        A.v.push_back(val);
      };
      if (i > 0) put(r - N, -1);
      if (j > 0) put(r - 1, -1);
      put(r, 4);
      if (j < N - 1) put(r + 1, -1);
      if (i < N - 1) put(r + N, -1);
    }
  A.rp[static_cast<size_t>(n)] = static_cast<int32_t>(A.ci.size());
  return A;
}

Csr poisson3d(int N) {
  Csr A;
  const int64_t n = int64_t{N} * N * N;
  A.rows = A.cols = n;
  A.rp.resize(static_cast<size_t>(n) + 1);
  A.ci.reserve(static_cast<size_t>(7 * n));
  A.v.reserve(static_cast<size_t>(7 * n));
  const int32_t NN = N * N;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      for (int k = 0; k < N; ++k) {
        const int32_t r = (i * N + j) * N + k;
        A.rp[static_cast<size_t>(r)] = static_cast<int32_t>(A.ci.size());
        auto put = [&](int32_t c, double val) {
          A.ci.push_back(c);
          A.v.push_back(val);
        };
        if (i > 0) put(r - NN, -1);
        if (j > 0) put(r - N, -1);
        if (k > 0) put(r - 1, -1);
        put(r, 6);
        if (k < N - 1) put(r + 1, -1);
        if (j < N - 1) put(r + N, -1);
        if (i < N - 1) put(r + NN, -1);
      }
  A.rp[static_cast<size_t>(n)] = static_cast<int32_t>(A.ci.size());
  return A;
}

// 2D 9-point (N x N grid) and 3D 27-point (N^3) stencils: rows of 9 / 27 (fewer at the edges).
Csr stencil_box(int N, int dim) {
  Csr A;
  const int64_t n = dim == 2 ? int64_t{N} * N : int64_t{N} * N * N;
  A.rows = A.cols = n;
  A.rp.reserve(static_cast<size_t>(n) + 1);
  const int lo3 = dim == 3 ? -1 : 0, hi3 = dim == 3 ? 1 : 0;
  for (int64_t r = 0; r < n; ++r) {
    A.rp.push_back(static_cast<int32_t>(A.ci.size()));
    const int64_t i = dim == 3 ? r / (int64_t{N} * N) : 0, j = (r / N) % N, k = r % N;
    for (int di = lo3; di <= hi3; ++di)
      for (int dj = -1; dj <= 1; ++dj)
        for (int dk = -1; dk <= 1; ++dk) {
          const int64_t ii = i + di, jj = j + dj, kk = k + dk;
          if (ii < 0 || ii >= N || jj < 0 || jj >= N || kk < 0 || kk >= N) continue;
          A.ci.push_back(static_cast<int32_t>((ii * N + jj) * N + kk));
          A.v.push_back(di == 0 && dj == 0 && dk == 0 ? (dim == 2 ? 8.0 : 26.0) : -1.0);
        }
  }
  A.rp.push_back(static_cast<int32_t>(A.ci.size()));
  return A;
}

// Random CSR with row lengths drawn from `lens` (cycled / sampled).
Csr random_csr(std::mt19937_64& rng, int64_t rows, int64_t cols, int maxLen, double emptyFrac,
               int64_t longRow = -1, int64_t longLen = 0) {
  Csr A;
  A.rows = rows;
  A.cols = cols;
  A.rp.resize(static_cast<size_t>(rows) + 1);
  std::uniform_real_distribution<double> u(-1.0, 1.0), p(0.0, 1.0);
  std::uniform_int_distribution<int64_t> col(0, cols > 0 ? cols - 1 : 0);
  for (int64_t r = 0; r < rows; ++r) {
    A.rp[static_cast<size_t>(r)] = static_cast<int32_t>(A.ci.size());
    int64_t len;
    if (r == longRow) len = longLen;
    else if (p(rng) < emptyFrac || cols == 0) len = 0;
    else len = static_cast<int64_t>(rng() % static_cast<uint64_t>(maxLen + 1));
    if (cols == 0) len = 0;
    for (int64_t k = 0; k < len; ++k) {
      A.ci.push_back(static_cast<int32_t>(col(rng)));
      A.v.push_back(u(rng) * (p(rng) < 0.05 ? 1e6 : 1.0));
    }
  }
  A.rp[static_cast<size_t>(rows)] = static_cast<int32_t>(A.ci.size());
  return A;
}

// ---------------------------------------------------------------------------------------------
struct Table {
  std::string name;
  const Kernels* k;
};

std::vector<Table> available_tables(bool withExtras) {
  std::vector<Table> t;
  t.push_back({"scalar", itersolve::kernels_scalar()});
#if defined(__x86_64__)
  if (itersolve::simd_supported(SimdLevel::Avx2)) t.push_back({"avx2", itersolve::kernels_avx2()});
#if defined(SPMV_BENCH_AVX512_EMU)
  t.push_back({"avx512(emu)", itersolve::kernels_avx512()});
#else
  if (itersolve::simd_supported(SimdLevel::Avx512))
    t.push_back({"avx512", itersolve::kernels_avx512()});
#endif
#endif
#if defined(__x86_64__)
  const bool avx512ok =
#if defined(SPMV_BENCH_AVX512_EMU)
      true;
#else
      itersolve::simd_supported(SimdLevel::Avx512);
#endif
  if (withExtras && itersolve_bench_variant_avx2 && itersolve::simd_supported(SimdLevel::Avx2))
    t.push_back({itersolve_bench_variant_avx2()->name, itersolve_bench_variant_avx2()});
  if (withExtras && itersolve_bench_variant_avx512 && avx512ok)
    t.push_back({std::string(itersolve_bench_variant_avx512()->name) +
#if defined(SPMV_BENCH_AVX512_EMU)
                     "(emu)",
#else
                     "",
#endif
                 itersolve_bench_variant_avx512()});
#endif
  if (withExtras && spmv_bench_extra_tables) {
    int n = 0;
    const Kernels* const* ex = spmv_bench_extra_tables(&n);
    for (int i = 0; i < n; ++i) t.push_back({ex[i]->name, ex[i]});
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Correctness
int g_failures = 0;
int g_checks = 0;
char g_current[256] = "";  // case being run, reported if it faults (e.g. on a guard page)

void on_fault(int sig) {
  const char msg[] = "\nFAULT (read/write outside an array?) in case: ";
  (void)!write(2, msg, sizeof msg - 1);
  (void)!write(2, g_current, std::strlen(g_current));
  (void)!write(2, "\n", 1);
  _exit(128 + sig);
}

void fail(const std::string& what) {
  ++g_failures;
  if (g_failures <= 30) std::printf("  FAIL: %s\n", what.c_str());
}

// One configuration: matrix A (copied to guarded memory at element offsets), rows [r0, r1).
void check_case(const std::vector<Table>& tables, const Csr& A, int64_t r0, int64_t r1,
                const std::string& label, std::mt19937_64& rng) {
  // Guarded copies: each array ends right before an inaccessible page.
  Guarded grp, gci, gv, gx, gw, gy;
  const int32_t* rp = guarded_copy(grp, A.rp);
  const int32_t* ci = guarded_copy(gci, A.ci);
  const double* v = guarded_copy(gv, A.v);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> xh(static_cast<size_t>(A.cols)), wh(static_cast<size_t>(A.rows));
  for (auto& e : xh) e = u(rng);
  for (auto& e : wh) e = u(rng);
  const double* x = guarded_copy(gx, xh);
  const double* w = guarded_copy(gw, wh);
  gy.alloc(static_cast<size_t>(A.rows) * sizeof(double));
  double* y = static_cast<double*>(gy.ptr);
  CsrView view{A.rows, A.cols, rp, ci, v};

  // Reference and per-row magnitude bound.
  std::vector<double> ref(static_cast<size_t>(A.rows)), mag(static_cast<size_t>(A.rows));
  double dref = 0.0, dmag = 0.0;
  for (int64_t r = r0; r < r1; ++r) {
    long double s = 0.0L, m = 0.0L;
    for (int32_t k = A.rp[static_cast<size_t>(r)]; k < A.rp[static_cast<size_t>(r) + 1]; ++k) {
      const long double t = static_cast<long double>(A.v[static_cast<size_t>(k)]) *
                            xh[static_cast<size_t>(A.ci[static_cast<size_t>(k)])];
      s += t;
      m += std::fabs(t);
    }
    ref[static_cast<size_t>(r)] = static_cast<double>(s);
    mag[static_cast<size_t>(r)] = static_cast<double>(m);
    dref += wh[static_cast<size_t>(r)] * static_cast<double>(s);
    dmag += std::fabs(wh[static_cast<size_t>(r)]) * static_cast<double>(m);
  }
  const double sentinel = -12345.678;
  for (const Table& t : tables) {
    for (int pass = 0; pass < 2; ++pass) {
      // pass 0: spmv, pass 1: spmv_dot
      std::vector<double> first;
      double dfirst = 0.0;
      for (int rep = 0; rep < 2; ++rep) {
        for (int64_t i = 0; i < A.rows; ++i) y[i] = sentinel;
        std::snprintf(g_current, sizeof g_current, "%s %s %s [%lld,%lld)", t.name.c_str(),
                      pass ? "spmv_dot" : "spmv", label.c_str(), static_cast<long long>(r0),
                      static_cast<long long>(r1));
        double d = 0.0;
        if (pass == 0) t.k->spmv(view, x, y, r0, r1);
        else d = t.k->spmv_dot(view, x, y, w, r0, r1);
        ++g_checks;
        bool ok = true;
        for (int64_t r = 0; r < A.rows && ok; ++r) {
          const double got = y[r];
          if (r < r0 || r >= r1) {
            if (std::memcmp(&got, &sentinel, sizeof(double)) != 0) {
              fail(t.name + (pass ? " spmv_dot " : " spmv ") + label + ": row " +
                   std::to_string(r) + " outside [r0,r1) was written");
              ok = false;
            }
            continue;
          }
          const double err = std::fabs(got - ref[static_cast<size_t>(r)]);
          if (!(err <= 1e-12 * mag[static_cast<size_t>(r)] + 1e-300)) {
            char buf[256];
            std::snprintf(buf, sizeof buf, "%s %s %s: row %lld got %.17g ref %.17g (mag %.3g)",
                          t.name.c_str(), pass ? "spmv_dot" : "spmv", label.c_str(),
                          static_cast<long long>(r), got, ref[static_cast<size_t>(r)],
                          mag[static_cast<size_t>(r)]);
            fail(buf);
            ok = false;
          }
        }
        if (pass == 1 && !(std::fabs(d - dref) <= 1e-12 * dmag + 1e-300)) {
          char buf[256];
          std::snprintf(buf, sizeof buf, "%s spmv_dot %s: dot %.17g ref %.17g (mag %.3g)",
                        t.name.c_str(), label.c_str(), d, dref, dmag);
          fail(buf);
        }
        const size_t cnt = static_cast<size_t>(r1 - r0);
        if (rep == 0) {
          first.assign(y + r0, y + r1);
          dfirst = d;
        } else if ((cnt > 0 && std::memcmp(first.data(), y + r0, cnt * sizeof(double)) != 0) ||
                   std::memcmp(&d, &dfirst, sizeof d) != 0) {
          fail(t.name + (pass ? " spmv_dot " : " spmv ") + label + ": not deterministic");
        }
      }
    }
  }
}

// Same matrix, shifted so that arrays start at odd element offsets (rowPtr[0] stays 0 but the
// arrays are views into larger buffers), and rows split into arbitrary [r0,r1) ranges.
void run_checks(const std::vector<Table>& tables, bool quick) {
  std::printf("== correctness (tables:");
  for (const Table& t : tables) std::printf(" %s", t.name.c_str());
  std::printf(")\n");
  std::mt19937_64 rng(12345);
  auto full = [&](const Csr& A, const std::string& label) {
    check_case(tables, A, 0, A.rows, label, rng);
  };
  // 0 rows.
  {
    Csr A = random_csr(rng, 0, 5, 4, 0.0);
    full(A, "0 rows");
  }
  // r0 == r1.
  {
    Csr A = random_csr(rng, 37, 50, 9, 0.2);
    check_case(tables, A, 0, 0, "r0==r1==0", rng);
    check_case(tables, A, 17, 17, "r0==r1==17", rng);
    check_case(tables, A, 37, 37, "r0==r1==rows", rng);
  }
  // All rows empty, all rows length 1, cols = 1.
  {
    Csr A = random_csr(rng, 45, 10, 0, 0.0);
    full(A, "all empty");
    Csr B;
    B.rows = 61;
    B.cols = 3;
    for (int64_t r = 0; r < B.rows; ++r) {
      B.rp.push_back(static_cast<int32_t>(B.ci.size()));
      B.ci.push_back(static_cast<int32_t>(r % 3));
      B.v.push_back(0.5 + static_cast<double>(r));
    }
    B.rp.push_back(static_cast<int32_t>(B.ci.size()));
    full(B, "all length 1");
    Csr C = random_csr(rng, 23, 1, 3, 0.3);
    full(C, "one column");
  }
  // Every fixed row length 0..40 (all rows the same length), several row counts.
  for (int len = 0; len <= 40; ++len) {
    for (int64_t rows : {1, 3, 7, 8, 9, 15, 16, 17, 33}) {
      Csr A;
      A.rows = rows;
      A.cols = 100;
      std::uniform_int_distribution<int32_t> col(0, 99);
      std::uniform_real_distribution<double> u(-1.0, 1.0);
      for (int64_t r = 0; r < rows; ++r) {
        A.rp.push_back(static_cast<int32_t>(A.ci.size()));
        for (int k = 0; k < len; ++k) {
          A.ci.push_back(col(rng));
          A.v.push_back(u(rng));
        }
      }
      A.rp.push_back(static_cast<int32_t>(A.ci.size()));
      full(A, "fixed len " + std::to_string(len) + " rows " + std::to_string(rows));
    }
  }
  // Random mixtures, random sub-ranges.
  const int trials = quick ? 60 : 400;
  for (int t = 0; t < trials; ++t) {
    const int64_t rows = static_cast<int64_t>(rng() % 300);
    const int64_t cols = 1 + static_cast<int64_t>(rng() % 400);
    const int maxLen = static_cast<int>(rng() % 3 == 0 ? 70 : 12);
    Csr A = random_csr(rng, rows, cols, maxLen, (rng() % 4) * 0.15);
    int64_t r0 = rows ? static_cast<int64_t>(rng() % static_cast<uint64_t>(rows + 1)) : 0;
    int64_t r1 = rows ? static_cast<int64_t>(rng() % static_cast<uint64_t>(rows + 1)) : 0;
    if (r0 > r1) std::swap(r0, r1);
    check_case(tables, A, r0, r1, "random #" + std::to_string(t), rng);
    check_case(tables, A, 0, rows, "random full #" + std::to_string(t), rng);
  }
  // Stencil-like matrices (what the performance runs use), small, with sub-ranges.
  {
    Csr P = poisson2d(13);
    full(P, "poisson2d 13");
    check_case(tables, P, 5, 150, "poisson2d 13 [5,150)", rng);
    Csr Q = poisson3d(6);
    full(Q, "poisson3d 6");
    check_case(tables, Q, 3, 211, "poisson3d 6 [3,211)", rng);
    Csr R = poisson3d(15);
    full(R, "poisson3d 15");
    check_case(tables, R, 1001, 2999, "poisson3d 15 [1001,2999)", rng);
  }
  // Offset views: rowPtr[0] != 0 (the view starts at row m of a larger matrix; colIdx/values
  // are the full arrays, indexed by the absolute row pointers).
  for (int t = 0; t < 20; ++t) {
    Csr A = random_csr(rng, 100 + static_cast<int64_t>(rng() % 100), 300, t % 2 ? 9 : 30, 0.2);
    const int64_t m = 1 + static_cast<int64_t>(rng() % 50);
    A.rp.erase(A.rp.begin(), A.rp.begin() + m);
    A.rows -= m;
    full(A, "offset view #" + std::to_string(t));
  }
  {
    Csr P = poisson2d(40);
    const int64_t m = 77;
    P.rp.erase(P.rp.begin(), P.rp.begin() + m);
    P.rows -= m;
    full(P, "poisson2d 40 offset view");
  }
  // Matrices large enough (>= 24 MiB of traffic) for the prefetching instantiations.
  {
    Csr P = poisson2d(700);
    full(P, "poisson2d 700");
    check_case(tables, P, 12345, 12345 + 2048, "poisson2d 700 one 2048-row block", rng);
    check_case(tables, P, P.rows - 2047, P.rows, "poisson2d 700 last rows", rng);
    Csr Q = poisson3d(70);
    full(Q, "poisson3d 70");
    check_case(tables, Q, Q.rows - 3001, Q.rows, "poisson3d 70 last rows", rng);
    Csr B = random_csr(rng, 300000, 400000, 20, 0.1);
    full(B, "random 300000 rows len 0..20");
  }
  // One very long row (1e6 nnz) among short ones; and a matrix that is just that row.
  {
    Csr A = random_csr(rng, 21, 5000, 6, 0.1, 10, 1000000);
    full(A, "long row 1e6 in 21 rows");
    check_case(tables, A, 10, 11, "long row alone [10,11)", rng);
    Csr B = random_csr(rng, 1, 3000, 0, 0.0, 0, 1000003);
    full(B, "single row 1000003 nnz");
  }
  // Medium-length rows mixed with short ones (exercise per-row path switches).
  {
    for (int t = 0; t < (quick ? 4 : 20); ++t) {
      Csr A = random_csr(rng, 200 + static_cast<int64_t>(rng() % 50), 2000, 300, 0.3);
      full(A, "mixed up to 300 #" + std::to_string(t));
    }
  }
  // The optimal-transport kernels (exp_row, max_diff, cost_row): every table against std::exp
  // and plain loops, every length up to 41 (all tails), specials on every lane.
  {
    uint64_t st = 88172645463325252ull;
    auto rnd = [&]() {
      st ^= st << 13;
      st ^= st >> 7;
      st ^= st << 17;
      return double(st >> 11) / 9007199254740992.0;
    };
    for (const Table& t : tables)
      for (int64_t m = 0; m <= 41; ++m) {
        std::vector<double> g(m), c(m), o(m + 1, 7.0);
        for (int64_t j = 0; j < m; ++j) {
          g[j] = -760 + 1460 * rnd();
          c[j] = rnd();
          if (j % 7 == 3) g[j] = -std::numeric_limits<double>::infinity();
          if (j % 11 == 5) g[j] = 720.0;
          if (j % 13 == 8) g[j] = std::nan("");
        }
        const double s = t.k->exp_row(g.data(), c.data(), 0.25, 1.0, o.data(), m);
        bool ok = o[m] == 7.0;
        double sum = 0, mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < m; ++j) {
          const double x = 0.25 + g[j] - c[j];
          const double ref = x < -708.0 ? 0.0 : std::exp(x);
          if (std::isnan(x)) ok = ok && std::isnan(o[j]);
          else if (std::isinf(ref) || ref == 0.0) ok = ok && o[j] == ref;
          else ok = ok && std::fabs(o[j] - ref) <= 4.5e-16 * ref;
          sum += o[j];
          if (g[j] - c[j] > mx) mx = g[j] - c[j];
        }
        ++g_checks;
        if (!ok || !(s == sum || std::isnan(sum) || std::fabs(s - sum) <= 1e-14 * std::fabs(sum)))
          fail(t.name + " exp_row m=" + std::to_string(m));
        for (int64_t j = 0; j < m; ++j)
          if (std::isnan(g[j])) g[j] = 0.0;
        mx = -std::numeric_limits<double>::infinity();
        double mx0 = mx;
        for (int64_t j = 0; j < m; ++j) {
          mx = std::max(mx, g[j] - c[j]);
          mx0 = std::max(mx0, -c[j]);
        }
        ++g_checks;
        if (t.k->max_diff(g.data(), c.data(), m) != mx ||
            t.k->max_diff(nullptr, c.data(), m) != mx0)
          fail(t.name + " max_diff m=" + std::to_string(m));
        for (int64_t d = 1; d <= 4; ++d)
          for (int metric = 0; metric < 3; ++metric) {
            std::vector<double> x(d), Yt(d * m), r(m + 1, 5.0);
            for (auto& v : x) v = rnd();
            for (auto& v : Yt) v = rnd();
            t.k->cost_row(x.data(), Yt.data(), m, d, metric, r.data());
            bool good = r[m] == 5.0;
            for (int64_t j = 0; j < m; ++j) {
              double a = 0;
              for (int64_t q = 0; q < d; ++q) {
                const double u = x[q] - Yt[q * m + j];
                a += metric == 2 ? std::fabs(u) : u * u;
              }
              if (metric == 1) a = std::sqrt(a);
              good = good && std::fabs(r[j] - a) <= 1e-15 * (1 + a);
            }
            ++g_checks;
            if (!good)
              fail(t.name + " cost_row m=" + std::to_string(m) + " d=" + std::to_string(d) +
                   " metric=" + std::to_string(metric));
          }
      }
  }
  std::printf("  %d checks, %d failures\n", g_checks, g_failures);
}

// ---------------------------------------------------------------------------------------------
// Performance
struct Problem {
  std::string name;
  int64_t rows, cols, nnz;
  Aligned<int32_t> rp, ci;
  Aligned<double> v, x, y, w;
  Problem(const std::string& nm, const Csr& A)
      : name(nm), rows(A.rows), cols(A.cols), nnz(A.nnz()), rp(A.rp.size()), ci(A.ci.size()),
        v(A.v.size()), x(static_cast<size_t>(A.cols)), y(static_cast<size_t>(A.rows)),
        w(static_cast<size_t>(A.rows)) {
    std::memcpy(rp.p, A.rp.data(), A.rp.size() * 4);
    std::memcpy(ci.p, A.ci.data(), A.ci.size() * 4);
    std::memcpy(v.p, A.v.data(), A.v.size() * 8);
    for (int64_t i = 0; i < cols; ++i)
      x[static_cast<size_t>(i)] = 1.0 + 1e-3 * static_cast<double>(i % 97);
    for (int64_t i = 0; i < rows; ++i) {
      y[static_cast<size_t>(i)] = 0.0;
      w[static_cast<size_t>(i)] = 1.0 - 1e-3 * static_cast<double>(i % 89);
    }
  }
  CsrView view() const { return CsrView{rows, cols, rp.p, ci.p, v.p}; }
  double bytes() const {
    return 12.0 * static_cast<double>(nnz) + 4.0 * static_cast<double>(rows + 1) +
           16.0 * static_cast<double>(rows);
  }
};

volatile double g_sink = 0.0;
std::string g_only;  // --only SUBSTR: time only problems whose name contains it
bool g_threads2 = false;  // --threads2: also time spmv on two threads

template <class F>
double best_of(int reps, F&& f) {
  f();  // warm-up
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now_s();
    f();
    const double t = now_s() - t0;
    if (t < best) best = t;
  }
  return best;
}

double read_probe(const std::vector<Table>& tables, int reps) {
  // Widest built-in table (the first entries; experiment extras come after them).
  const Kernels* k = tables.front().k;
  for (const Table& t : tables)
    if (static_cast<int>(t.k->level) > static_cast<int>(k->level) && t.name == t.k->name) k = t.k;
  const size_t n = (size_t{256} << 20) / sizeof(double);
  Aligned<double> a(n);
  for (size_t i = 0; i < n; ++i) a[i] = 1.0 + static_cast<double>(i & 7);
  const double t = best_of(reps, [&] { g_sink = g_sink + k->sum(a.p, static_cast<int64_t>(n)); });
  const double gbs = static_cast<double>(n) * 8.0 / t / 1e9;
  std::printf("== read-bandwidth probe: %s sum over 256 MiB, best of %d: %.2f ms  %.2f GB/s\n",
              k->name, reps, t * 1e3, gbs);
  return gbs;
}

// Four concurrent read streams over the same 256 MiB (SSE2, baseline build).
double read_probe_4streams(int reps) {
  const size_t n = (size_t{256} << 20) / sizeof(double), q = n / 4;
  Aligned<double> a(n);
  for (size_t i = 0; i < n; ++i) a[i] = 1.0 + static_cast<double>(i & 7);
  const double* s0 = a.p;
  const double* s1 = a.p + q;
  const double* s2 = a.p + 2 * q;
  const double* s3 = a.p + 3 * q;
  const double t = best_of(reps, [&] {
    __m128d c0 = _mm_setzero_pd(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (size_t i = 0; i < q; i += 4) {
      c0 = _mm_add_pd(c0, _mm_load_pd(s0 + i));
      c1 = _mm_add_pd(c1, _mm_load_pd(s0 + i + 2));
      c2 = _mm_add_pd(c2, _mm_load_pd(s1 + i));
      c3 = _mm_add_pd(c3, _mm_load_pd(s1 + i + 2));
      c4 = _mm_add_pd(c4, _mm_load_pd(s2 + i));
      c5 = _mm_add_pd(c5, _mm_load_pd(s2 + i + 2));
      c6 = _mm_add_pd(c6, _mm_load_pd(s3 + i));
      c7 = _mm_add_pd(c7, _mm_load_pd(s3 + i + 2));
    }
    const __m128d c = _mm_add_pd(_mm_add_pd(_mm_add_pd(c0, c1), _mm_add_pd(c2, c3)),
                                 _mm_add_pd(_mm_add_pd(c4, c5), _mm_add_pd(c6, c7)));
    g_sink = g_sink + _mm_cvtsd_f64(c);
  });
  const double gbs = static_cast<double>(n) * 8.0 / t / 1e9;
  std::printf(
      "== informative: 4 concurrent read streams over 256 MiB (SSE2), best of %d: %.2f ms  "
      "%.2f GB/s\n",
      reps, t * 1e3, gbs);
  return gbs;
}

// Plain CSR loop, same as /work/shared/anchors/spmv_probe.c (compiled with this file's flags).
void plain_csr(const CsrView& A, const double* x, double* y) {
  for (int64_t r = 0; r < A.rows; ++r) {
    double s = 0;
    for (int32_t p = A.rowPtr[r]; p < A.rowPtr[r + 1]; ++p) s += A.values[p] * x[A.colIdx[p]];
    y[r] = s;
  }
}

void run_perf(const std::vector<Table>& tables, int reps, double probe, bool blocked, int n2d,
              int n3d, bool more) {
  std::vector<Problem*> probs;
  if (n2d > 0) {
    Csr a = poisson2d(n2d);
    probs.push_back(new Problem("2D Poisson N=" + std::to_string(n2d), a));
  }
  if (n3d > 0) {
    Csr a = poisson3d(n3d);
    probs.push_back(new Problem("3D Poisson " + std::to_string(n3d) + "^3", a));
  }
  if (more) {
    probs.push_back(new Problem("2D 9-point N=1000", stencil_box(1000, 2)));
    probs.push_back(new Problem("3D 27-point 60^3", stencil_box(60, 3)));
    std::mt19937_64 rng(7);
    probs.push_back(new Problem("random 1e6 rows, len 0..20, random cols",
                                random_csr(rng, 1000000, 1000000, 20, 0.0)));
    // random lengths 0..12, columns within +-2000 of the diagonal (x mostly cached)
    Csr b = random_csr(rng, 1000000, 1000000, 12, 0.0);
    for (int64_t r = 0; r < b.rows; ++r)
      for (int32_t k = b.rp[static_cast<size_t>(r)]; k < b.rp[static_cast<size_t>(r) + 1]; ++k)
        b.ci[static_cast<size_t>(k)] = static_cast<int32_t>(std::min<int64_t>(
            b.cols - 1, std::max<int64_t>(0, r + (b.ci[static_cast<size_t>(k)] % 4001) - 2000)));
    probs.push_back(new Problem("banded 1e6 rows, len 0..12", b));
  }
  for (Problem* P : probs) {
    if (!g_only.empty() && P->name.find(g_only) == std::string::npos) continue;
    const CsrView A = P->view();
    std::printf("\n== %s: rows %lld nnz %lld, %.1f MB counted per SpMV\n", P->name.c_str(),
                static_cast<long long>(P->rows), static_cast<long long>(P->nnz), P->bytes() / 1e6);
    std::printf("  %-16s %-18s %9s %8s %8s\n", "table", "kernel", "ms", "GB/s", "%probe");
    // Every (table, kernel) pair is timed once per round, round-robin, and keeps its best time:
    // on a shared machine a noisy stretch then hits all candidates alike.
    struct Cand {
      std::string table, kernel;
      std::function<void()> run;
      double best = 1e30;
    };
    std::vector<Cand> cands;
    cands.push_back({"plain C loop", "spmv", [&] { plain_csr(A, P->x.p, P->y.p); }});
    for (const Table& t : tables) {
      const Kernels* k = t.k;
      cands.push_back({t.name, "spmv", [=] { k->spmv(A, P->x.p, P->y.p, 0, P->rows); }});
      // w = x: the CG use (p^T A p), no extra stream.
      cands.push_back({t.name, "spmv_dot w=x", [=] {
                         g_sink = g_sink + k->spmv_dot(A, P->x.p, P->y.p, P->x.p, 0, P->rows);
                       }});
      if (g_threads2) {
        // Two threads, rows split in half (std::thread started per call: ~0.1 ms overhead).
        cands.push_back({t.name, "spmv 2 threads", [=] {
                           const int64_t h = P->rows / 2;
                           std::thread th([=] { k->spmv(A, P->x.p, P->y.p, h, P->rows); });
                           k->spmv(A, P->x.p, P->y.p, 0, h);
                           th.join();
                         }});
      }
      if (blocked) {
        cands.push_back({t.name, "spmv_dot w=x 2048", [=] {
                           double s = 0.0;
                           for (int64_t b = 0; b < P->rows; b += 2048)
                             s += k->spmv_dot(A, P->x.p, P->y.p, P->x.p, b,
                                              std::min(P->rows, b + 2048));
                           g_sink = g_sink + s;
                         }});
        // Separate w: one more 8 B/row stream that the byte count does not include.
        cands.push_back({t.name, "spmv_dot w!=x", [=] {
                           g_sink = g_sink + k->spmv_dot(A, P->x.p, P->y.p, P->w.p, 0, P->rows);
                         }});
      }
    }
    for (Cand& c : cands) c.run();  // warm-up (page faults, caches)
    for (int rep = 0; rep < reps; ++rep)
      for (Cand& c : cands) {
        const double t0 = now_s();
        c.run();
        const double t = now_s() - t0;
        if (t < c.best) c.best = t;
      }
    for (const Cand& c : cands) {
      const double gbs = P->bytes() / c.best / 1e9;
      std::printf("  %-16s %-18s %9.3f %8.2f %7.1f%%\n", c.table.c_str(), c.kernel.c_str(),
                  c.best * 1e3, gbs, 100.0 * gbs / probe);
    }
  }
  for (Problem* P : probs) delete P;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, perf = true, check = true, blocked = true, more = false;
  int reps = 20, n2d = 1000, n3d = 100;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--no-perf") perf = false;
    else if (a == "--no-check") check = false;
    else if (a == "--no-blocked") blocked = false;
    else if (a == "--more") more = true;
    else if (a == "--threads2") g_threads2 = true;
    else if (a == "--only" && i + 1 < argc) g_only = argv[++i];
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--n2d" && i + 1 < argc) n2d = std::atoi(argv[++i]);
    else if (a == "--n3d" && i + 1 < argc) n3d = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--reps N] [--no-perf] [--no-check] [--no-blocked] [--n2d "
                   "N] [--n3d N] [--more] [--only NAME] [--threads2]\n",
                   argv[0]);
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  signal(SIGSEGV, on_fault);
  signal(SIGBUS, on_fault);
  signal(SIGILL, on_fault);
  std::printf("detected SIMD level: %s\n", itersolve::simd_name(itersolve::detect_simd()));
  const std::vector<Table> tables = available_tables(true);
  if (check) run_checks(tables, quick);
#if defined(SPMV_BENCH_AVX512_EMU)
  perf = false;  // emulated AVX-512: timings would be meaningless
#endif
  if (perf) {
    std::vector<Table> perfTables = tables;
    const double probe = read_probe(tables, std::max(5, reps / 2));
    const double probe4 = read_probe_4streams(std::max(5, reps / 2));
    std::printf("   (%%probe below is against the first probe; x %.3f for the 4-stream one)\n",
                probe / probe4);
    run_perf(perfTables, reps, probe, blocked, n2d, n3d, more);
  }
  if (check && g_failures) {
    std::printf("\n%d FAILURES\n", g_failures);
    return 1;
  }
  return 0;
}
