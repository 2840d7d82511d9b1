// CG timings on the 2D Poisson matrix (5-point, N×N grid): unpreconditioned CG with 1 and 2
// threads (ms per iteration, GB/s), IC(0)-PCG, SSOR-PCG in Eisenstat's form and, for
// comparison, SSOR-PCG through the generic apply().
//   Build (from the repository root; bench/out/ is git-ignored):
//   d=bench/out/native/cg && mkdir -p $d && g++ -std=c++17 -O3 -Inative -mavx2 -mfma -c
//   native/kernels/kernels_avx2.cpp -o $d/avx2.o && g++ -std=c++17 -O3 -Inative -mavx512f
//   -mavx512vl -mavx512dq -mavx2 -mfma -c native/kernels/kernels_avx512.cpp -o $d/avx512.o && g++
//   -std=c++17 -O3 -Inative bench/native/cg_bench.cpp $(node scripts/sources.js core) $d/avx2.o
//   $d/avx512.o -o $d/cg_bench -lpthread Run: bench/out/native/cg/cg_bench [N=1000] [rtol=1e-8]
//   [omega=1.5]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

#include "krylov/krylov.hpp"

using namespace itersolve;

namespace {

struct Mat {
  int64_t n = 0;
  std::vector<int32_t> rp{0}, ci;
  std::vector<double> v;
  CsrView view() const { return CsrView{n, n, rp.data(), ci.data(), v.data()}; }
};

Mat poisson2d(int N) {
  Mat m;
  m.n = int64_t(N) * N;
  m.ci.reserve(size_t(m.n) * 5);
  m.v.reserve(size_t(m.n) * 5);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      auto add = [&](int ii, int jj, double a) {
        if (ii < 0 || ii >= N || jj < 0 || jj >= N) return;
        m.ci.push_back(ii * N + jj);
        m.v.push_back(a);
      };
      add(i - 1, j, -1);
      add(i, j - 1, -1);
      add(i, j, 4);
      add(i, j + 1, -1);
      add(i + 1, j, -1);
      m.rp.push_back(int32_t(m.ci.size()));
    }
  return m;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Hides a preconditioner's type from cg(), which then takes the generic PCG path.
class Opaque final : public Preconditioner {
 public:
  explicit Opaque(const Preconditioner& m) : m_(m) {}
  const char* kind() const override { return "callback"; }
  int64_t size() const override { return m_.size(); }
  bool apply(const Engine& e, const double* r, double* z) const override {
    return m_.apply(e, r, z);
  }

 private:
  const Preconditioner& m_;
};

IterResult timed(const char* label, const Engine& e, const Mat& A, const std::vector<double>& b,
                 const Preconditioner* M, const SolveOptions& opt, double* ms) {
  std::vector<double> x(b.size(), 0.0);
  Control ctl;
  const auto t0 = std::chrono::steady_clock::now();
  IterResult r = cg(e, A.view(), b.data(), x.data(), M, opt, ctl);
  *ms = ms_since(t0);
  std::printf("%-34s %-7s %6lld it  %9.1f ms  %6.2f ms/it  rel.res %.2e\n", label,
              reason_name(r.reason), (long long)r.iterations, *ms,
              *ms / double(r.iterations > 0 ? r.iterations : 1),
              r.value / std::sqrt(std::inner_product(b.begin(), b.end(), b.begin(), 0.0)));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int N = argc > 1 ? std::atoi(argv[1]) : 1000;
  SolveOptions opt;
  opt.rtol = argc > 2 ? std::atof(argv[2]) : 1e-8;
  opt.max_iterations = 100000;
  const double omega = argc > 3 ? std::atof(argv[3]) : 1.5;
  const Mat A = poisson2d(N);
  const int64_t n = A.n, nnz = A.rp.back();
  std::vector<double> b(static_cast<size_t>(n));
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> u(-1, 1);
  for (double& v : b) v = u(g);
  // Bytes one unpreconditioned iteration moves: A (values, colIdx, rowPtr) once; spmv_dot reads
  // p and writes q (+ q's write-allocate); r −= αq reads q, r and writes r; x += αp, p = r + βp
  // reads x, p, r and writes x, p.
  const double bytes = 12.0 * double(nnz) + 4.0 * double(n + 1) + 8.0 * double(n) * (3 + 3 + 5);
  std::printf("2D Poisson N=%d: n=%lld nnz=%lld, rtol %g, SIMD %s\n", N, (long long)n,
              (long long)nnz, opt.rtol, simd_name(detect_simd()));
  std::printf(
      "bytes per CG iteration: %.1f MB (incl. write-allocate of q); reference figure 150 MB\n",
      bytes / 1e6);
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    Engine e{kernels_for(detect_simd()), &pool};
    char label[64];
    std::snprintf(label, sizeof label, "cg, %d thread%s", threads, threads > 1 ? "s" : "");
    double ms;
    const IterResult r = timed(label, e, A, b, nullptr, opt, &ms);
    const double per = ms / double(r.iterations);
    if (N == 1000)
      std::printf("%-34s %.1f GB/s at the reference 150 MB/it\n", "", 150e6 / per / 1e6);
    std::printf("%-34s %.1f GB/s at %.1f MB/it\n", "", bytes / per / 1e6, bytes / 1e6);
  }
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  auto t0 = std::chrono::steady_clock::now();
  auto ic = make_ic0(A.view());
  std::printf("ic0 build %.1f ms\n", ms_since(t0));
  double ms;
  timed("ic0-pcg, 2 threads", e, A, b, ic.get(), opt, &ms);
  for (double w : {omega, 1.9}) {
    t0 = std::chrono::steady_clock::now();
    auto ssor = make_ssor(A.view(), w);
    std::printf("ssor(omega=%g) build %.1f ms\n", w, ms_since(t0));
    timed("ssor-pcg Eisenstat, 2 threads", e, A, b, ssor.get(), opt, &ms);
    Opaque generic(*ssor);
    timed("ssor-pcg generic apply, 2 threads", e, A, b, &generic, opt, &ms);
  }
  return 0;
}
