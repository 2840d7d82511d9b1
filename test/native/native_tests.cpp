// Unit tests of the pure C++ core (no Node): kernels on every supported ISA, the thread pool,
// CSR checks and conversions, Matrix Market round trips and power iteration. Built by
// CMakeLists.txt (target native_tests; run by `npm run test:native` and under ASan+UBSan by
// `npm run test:asan`).
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <random>
#include <string>
#include <vector>

#include "../../native/core/eigen.hpp"
#include "../../native/core/ops.hpp"
#include "../../native/formats/csr.hpp"
#include "../../native/formats/mmio.hpp"

using namespace itersolve;

#include "check.hpp"

struct Mat {
  int64_t rows, cols;
  std::vector<int32_t> rp, ci;
  std::vector<double> v;
  CsrView view() const { return CsrView{rows, cols, rp.data(), ci.data(), v.data()}; }
};

static Mat random_csr(int64_t rows, int64_t cols, double density, unsigned seed, int64_t longRow = -1) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(-1, 1), p(0, 1);
  Mat m{rows, cols, {0}, {}, {}};
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      if (r == longRow || p(g) < density) {
        m.ci.push_back(static_cast<int32_t>(c));
        m.v.push_back(u(g));
      }
    m.rp.push_back(static_cast<int32_t>(m.ci.size()));
  }
  return m;
}

static double rel(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num = std::fmax(num, std::fabs(a[i] - b[i]));
    den = std::fmax(den, std::fabs(b[i]));
  }
  return den == 0 ? num : num / den;
}

static void test_kernels() {
  ThreadPool pool(3);
  std::vector<Mat> mats = {random_csr(1, 1, 1, 1), random_csr(0, 4, 0.5, 2), random_csr(37, 53, 0.2, 3),
                           random_csr(3, 70001, 0, 4, 1), random_csr(3000, 2500, 0.01, 5)};
  for (SimdLevel lvl : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lvl);
    if (k == nullptr) continue;
    std::printf("  kernels: %s\n", k->name);
    Engine e{k, &pool};
    for (const Mat& m : mats) {
      std::mt19937_64 g(9);
      std::uniform_real_distribution<double> u(-1, 1);
      std::vector<double> x(static_cast<size_t>(m.cols)), y(static_cast<size_t>(m.rows)), ref(y.size());
      for (double& xi : x) xi = u(g);
      for (int64_t r = 0; r < m.rows; ++r) {
        double s = 0;
        for (int32_t q = m.rp[r]; q < m.rp[r + 1]; ++q) s += m.v[q] * x[m.ci[q]];
        ref[r] = s;
      }
      ops::spmv(e, m.view(), x.data(), y.data());
      CHECK(rel(y, ref) <= 1e-13);
      if (m.rows == m.cols) {
        std::vector<double> y2(y.size());
        const double d = ops::spmv_dot(e, m.view(), x.data(), y2.data(), x.data());
        double dref = 0;
        for (int64_t i = 0; i < m.rows; ++i) dref += x[i] * ref[i];
        CHECK(std::fabs(d - dref) <= 1e-12 * std::fmax(1.0, std::fabs(dref)));
        CHECK(rel(y2, ref) <= 1e-13);
      }
    }
    for (int64_t n : {0, 1, 5, 8, 9, 16, 17, 31, 100, 8192, 8193, 200001}) {
      std::vector<double> x(static_cast<size_t>(n)), y(x.size()), p(x.size()), q(x.size());
      std::mt19937_64 g(static_cast<unsigned>(n));
      std::uniform_real_distribution<double> u(-1, 1);
      for (int64_t i = 0; i < n; ++i) { x[i] = u(g); y[i] = u(g); p[i] = u(g); q[i] = u(g); }
      double d = 0, s = 0;
      for (int64_t i = 0; i < n; ++i) { d += x[i] * y[i]; s += x[i]; }
      CHECK(std::fabs(ops::dot(e, x.data(), y.data(), n) - d) <= 1e-12 * std::fmax(1.0, std::sqrt(double(n))));
      CHECK(std::fabs(ops::sum(e, x.data(), n) - s) <= 1e-12 * std::fmax(1.0, std::sqrt(double(n))));
      // fused CG update against its definition
      std::vector<double> xx = x, rr = y, xr = x, rref = y;
      double rn = 0;
      for (int64_t i = 0; i < n; ++i) { xr[i] += 0.3 * p[i]; rref[i] -= 0.3 * q[i]; rn += rref[i] * rref[i]; }
      const double got = ops::cg_update(e, 0.3, p.data(), q.data(), xx.data(), rr.data(), n);
      CHECK(rel(xx, xr) <= 1e-15 && rel(rr, rref) <= 1e-15);
      CHECK(std::fabs(got - rn) <= 1e-12 * std::fmax(1.0, rn));
      std::vector<double> ya = y;
      double yn = 0;
      for (int64_t i = 0; i < n; ++i) { ya[i] += -0.7 * x[i]; yn += ya[i] * ya[i]; }
      std::vector<double> yb = y;
      CHECK(std::fabs(ops::axpy_nrm2sq(e, -0.7, x.data(), yb.data(), n) - yn) <= 1e-12 * std::fmax(1.0, yn));
      CHECK(rel(yb, ya) <= 1e-15);
      // CG direction update: x += a p (old p), then p = z + b p
      std::vector<double> xd = x, pd = p, xdref = x, pdref = p;
      for (int64_t i = 0; i < n; ++i) { xdref[i] += 0.3 * p[i]; pdref[i] = q[i] + 0.6 * p[i]; }
      ops::cg_direction(e, 0.3, q.data(), 0.6, xd.data(), pd.data(), n);
      CHECK(rel(xd, xdref) <= 1e-15 && rel(pd, pdref) <= 1e-15);
    }
  }
}

static void test_determinism() {
  const Kernels* k = kernels_for(detect_simd());
  std::vector<double> x(1000003), y(x.size());
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> u(-1, 1);
  for (size_t i = 0; i < x.size(); ++i) { x[i] = u(g); y[i] = u(g); }
  double first = 0;
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    Engine e{k, &pool};
    for (int rep = 0; rep < 3; ++rep) {
      const double d = ops::dot(e, x.data(), y.data(), static_cast<int64_t>(x.size()));
      if (threads == 1 && rep == 0) first = d;
      CHECK(d == first);
    }
  }
}

static void test_pool_contention() {
  // Two callers at once: the second runs serially instead of oversubscribing; both finish.
  ThreadPool pool(2);
  std::atomic<int> done{0};
  const Kernels* k = kernels_scalar();
  std::vector<double> x(1 << 20, 1.0);
  auto work = [&] {
    Engine e{k, &pool};
    for (int i = 0; i < 50; ++i) CHECK(ops::sum(e, x.data(), static_cast<int64_t>(x.size())) == double(x.size()));
    ++done;
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  CHECK(done == 2);
  pool.set_threads(4);
  CHECK(pool.threads() == 4);
  work();
  pool.set_threads(1);
  work();
}

static void test_csr() {
  std::vector<int32_t> rp = {0, 2, 3}, ci = {1, 0, 1};
  std::vector<double> v = {1, 2, 3};
  csr::Problem p = csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckAll);
  CHECK(!p.ok && p.argument == "colIdx");
  ci = {0, 1, 1};
  CHECK(csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckAll).ok);
  v[1] = NAN;
  CHECK(csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckAll).argument == "values");
  CHECK(csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckStructure).ok);
  std::vector<int32_t> bad = {0, 5, 3};
  CHECK(!csr::validate(2, 2, bad.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckSorted).ok);
  std::vector<int32_t> ri = {1, 0, 1, 0}, cj = {1, 1, 1, 0};
  std::vector<double> vv = {1, 2, 3, 4};
  csr::Owned o;
  CHECK(csr::from_coo(2, 2, 4, ri.data(), cj.data(), vv.data(), o));
  CHECK((o.rowPtr == std::vector<int32_t>{0, 2, 3}));
  CHECK((o.colIdx == std::vector<int32_t>{0, 1, 1}));
  CHECK((o.values == std::vector<double>{4, 2, 4}));
  Mat m = random_csr(40, 30, 0.2, 7);
  csr::Owned t1, t2;
  csr::transpose(m.view(), t1);
  CsrView tv{t1.rows, t1.cols, t1.rowPtr.data(), t1.colIdx.data(), t1.values.data()};
  csr::transpose(tv, t2);
  CHECK(t2.rowPtr == m.rp && t2.colIdx == m.ci && t2.values == m.v);
  CHECK(!csr::is_symmetric(m.view(), 0));
}

static void test_mm() {
  Mat m = random_csr(50, 40, 0.1, 11);
  std::string text = mm::write_string(m.rows, m.cols, m.rp.data(), m.ci.data(), m.v.data(), mm::WriteOptions{});
  mm::Coo coo;
  mm::Header h;
  mm::Error err;
  CHECK(mm::parse_text(text.data(), text.size(), coo, h, err, nullptr) == mm::Status::Ok);
  csr::Owned back;
  CHECK(csr::from_coo(coo.rows, coo.cols, static_cast<int64_t>(coo.val.size()), coo.row.data(), coo.col.data(), coo.val.data(), back));
  CHECK(back.rowPtr == m.rp && back.colIdx == m.ci && back.values == m.v);
  // streaming: feed one byte at a time
  mm::Parser parser;
  for (char c : text) CHECK(parser.feed(&c, 1) == mm::Status::Ok);
  CHECK(parser.finish() == mm::Status::Ok);
  CHECK(parser.coo().val == coo.val);
  const char* bad = "%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n";
  CHECK(mm::parse_text(bad, std::strlen(bad), coo, h, err, nullptr) == mm::Status::ParseError);
  CHECK(err.line == 3);
  // abort flag stops a parse
  std::atomic<bool> abort{true};
  Control ctl;
  ctl.set_abort_flag(&abort);
  CHECK(mm::parse_text(text.data(), text.size(), coo, h, err, &ctl) == mm::Status::Aborted);
}

static void test_power() {
  // diag(1..n): dominant eigenvalue n
  const int64_t n = 50;
  Mat m{n, n, {0}, {}, {}};
  for (int64_t i = 0; i < n; ++i) {
    m.ci.push_back(static_cast<int32_t>(i));
    m.v.push_back(double(i + 1));
    m.rp.push_back(static_cast<int32_t>(i + 1));
  }
  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  std::vector<double> x(n, 1.0), work(n);
  PowerOptions opt;
  opt.rtol = 1e-12;
  opt.max_iterations = 100000;
  Control ctl;
  IterResult r = power_iteration(e, m.view(), x.data(), work.data(), opt, ctl);
  CHECK(r.reason == Reason::Rtol);
  CHECK(std::fabs(r.value - double(n)) < 1e-6);
  Control tl;
  tl.set_time_limit_ms(1e-3);
  opt.rtol = 0;
  std::fill(x.begin(), x.end(), 1.0);
  r = power_iteration(e, m.view(), x.data(), work.data(), opt, tl);
  CHECK(r.reason == Reason::TimeLimit || r.reason == Reason::MaxIterations);
}

int main() {
  std::printf("native_tests (detected SIMD: %s)\n", simd_name(detect_simd()));
  test_kernels();
  test_determinism();
  test_pool_contention();
  test_csr();
  test_mm();
  test_power();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
