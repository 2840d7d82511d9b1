// Unit tests of the pure C++ core (no Node): kernels on every supported ISA, the thread pool,
// CSR checks and conversions, Matrix Market round trips and power iteration. Built by
// CMakeLists.txt (target native_tests; run by `npm run test:native` and under ASan+UBSan by
// `npm run test:asan`).
#include <atomic>
#include <chrono>
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

static Mat random_csr(int64_t rows, int64_t cols, double density, unsigned seed,
                      int64_t longRow = -1) {
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
  std::vector<Mat> mats = {random_csr(1, 1, 1, 1), random_csr(0, 4, 0.5, 2),
                           random_csr(37, 53, 0.2, 3), random_csr(3, 70001, 0, 4, 1),
                           random_csr(3000, 2500, 0.01, 5)};
  for (SimdLevel lvl : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lvl);
    if (k == nullptr) continue;
    std::printf("  kernels: %s\n", k->name);
    Engine e{k, &pool};
    for (const Mat& m : mats) {
      std::mt19937_64 g(9);
      std::uniform_real_distribution<double> u(-1, 1);
      std::vector<double> x(static_cast<size_t>(m.cols)), y(static_cast<size_t>(m.rows)),
          ref(y.size());
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
      for (int64_t i = 0; i < n; ++i) {
        x[i] = u(g);
        y[i] = u(g);
        p[i] = u(g);
        q[i] = u(g);
      }
      double d = 0, s = 0;
      for (int64_t i = 0; i < n; ++i) {
        d += x[i] * y[i];
        s += x[i];
      }
      CHECK(std::fabs(ops::dot(e, x.data(), y.data(), n) - d) <=
            1e-12 * std::fmax(1.0, std::sqrt(double(n))));
      CHECK(std::fabs(ops::sum(e, x.data(), n) - s) <=
            1e-12 * std::fmax(1.0, std::sqrt(double(n))));
      // fused CG update against its definition
      std::vector<double> xx = x, rr = y, xr = x, rref = y;
      double rn = 0;
      for (int64_t i = 0; i < n; ++i) {
        xr[i] += 0.3 * p[i];
        rref[i] -= 0.3 * q[i];
        rn += rref[i] * rref[i];
      }
      const double got = ops::cg_update(e, 0.3, p.data(), q.data(), xx.data(), rr.data(), n);
      CHECK(rel(xx, xr) <= 1e-15 && rel(rr, rref) <= 1e-15);
      CHECK(std::fabs(got - rn) <= 1e-12 * std::fmax(1.0, rn));
      std::vector<double> ya = y;
      double yn = 0;
      for (int64_t i = 0; i < n; ++i) {
        ya[i] += -0.7 * x[i];
        yn += ya[i] * ya[i];
      }
      std::vector<double> yb = y;
      CHECK(std::fabs(ops::axpy_nrm2sq(e, -0.7, x.data(), yb.data(), n) - yn) <=
            1e-12 * std::fmax(1.0, yn));
      CHECK(rel(yb, ya) <= 1e-15);
      // CG direction update: x += a p (old p), then p = z + b p
      std::vector<double> xd = x, pd = p, xdref = x, pdref = p;
      for (int64_t i = 0; i < n; ++i) {
        xdref[i] += 0.3 * p[i];
        pdref[i] = q[i] + 0.6 * p[i];
      }
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
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = u(g);
    y[i] = u(g);
  }
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
  std::atomic<int> done{0}, wrong{0};
  const Kernels* k = kernels_scalar();
  std::vector<double> x(1 << 20, 1.0);
  auto work = [&] {
    Engine e{k, &pool};
    // CHECK's counters are not atomic: count failures here, check them on the main thread
    for (int i = 0; i < 50; ++i)
      if (ops::sum(e, x.data(), static_cast<int64_t>(x.size())) != double(x.size())) ++wrong;
    ++done;
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  CHECK(done == 2 && wrong == 0);
  pool.set_threads(4);
  CHECK(pool.threads() == 4);
  work();
  pool.set_threads(1);
  work();
}

// Every ISA's table is filled by name: each kernel does what its field says (nrm2sq and sum share
// a signature, so a positional table could swap them unnoticed), and none is left unset.
static void test_kernel_tables() {
  for (SimdLevel lvl : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lvl);
    if (k == nullptr) continue;
    CHECK(k->level == lvl && std::strcmp(k->name, simd_name(lvl)) == 0);
    CHECK(k->spmv && k->spmv_dot && k->dot && k->nrm2sq && k->axpy && k->xpby && k->axpby &&
          k->cg_update && k->axpy_nrm2sq && k->sum && k->cg_direction);
    std::vector<double> x(37), y(37);
    for (int i = 0; i < 37; ++i) x[i] = (i % 5) - 2.0, y[i] = 0.5 * i;
    double sq = 0, s = 0, d = 0;
    for (int i = 0; i < 37; ++i) sq += x[i] * x[i], s += x[i], d += x[i] * y[i];
    CHECK(k->nrm2sq(x.data(), 37) == sq);
    CHECK(k->sum(x.data(), 37) == s);
    CHECK(k->dot(x.data(), y.data(), 37) == d);
    std::vector<double> z = y;
    k->axpy(2.0, x.data(), z.data(), 37);  // z = y + 2x
    std::vector<double> w = y;
    k->xpby(x.data(), 2.0, w.data(), 37);  // w = x + 2y
    for (int i = 0; i < 37; ++i) CHECK(z[i] == y[i] + 2 * x[i] && w[i] == x[i] + 2 * y[i]);
  }
}

// The scratch workspace: buffers reused between leases, nested leases distinct, growth, trim,
// alignment, and the private allocation without a workspace.
static void test_workspace() {
  Workspace ws;
  double* first = nullptr;
  {
    ScratchVec a = ws.take(1000), b = ws.take(300000);  // a small and a mapped (≥ 1 MiB) buffer
    CHECK(a.data() != nullptr && b.data() != nullptr && a.data() != b.data());
    CHECK(reinterpret_cast<uintptr_t>(a.data()) % 64 == 0 &&
          reinterpret_cast<uintptr_t>(b.data()) % 64 == 0);
    for (int64_t i = 0; i < 300000; ++i) b[i] = double(i);
    CHECK(b[299999] == 299999.0);
    first = b.data();
    Workspace::Stats st = ws.stats();
    CHECK(st.buffers == 2 && st.held == 2 && st.allocations == 2);
  }
  CHECK(ws.stats().held == 0 && ws.stats().buffers == 2);
  {
    // warm: the same sizes again allocate nothing; the smallest fitting buffer is chosen
    ScratchVec b = ws.take(300000), a = ws.take(1000);
    CHECK(b.data() == first && ws.stats().allocations == 2);
    // nested lease while both are held: a third buffer
    ScratchVec c = ws.take(10);
    CHECK(c.data() != a.data() && c.data() != b.data() && ws.stats().buffers == 3);
    ScratchVec moved = std::move(c);
    CHECK(c.data() == nullptr && moved.data() != nullptr && ws.stats().held == 3);
    moved.reset();
    CHECK(ws.stats().held == 2);
  }
  {
    // larger than any free buffer: the largest free one grows (no fourth buffer)
    ScratchVec big = ws.take(600000);
    CHECK(ws.stats().buffers == 3 && ws.stats().allocations == 4);
    big[599999] = 1.0;
    ws.trim();  // frees the free ones only
    CHECK(ws.stats().buffers == 1 && ws.stats().held == 1);
  }
  ws.trim();
  CHECK(ws.stats().buffers == 0 && ws.stats().bytes == 0);
  ScratchVec own(nullptr, 5000);  // no workspace: a private allocation
  own[4999] = 2.0;
  CHECK(own.size() == 5000 && own[4999] == 2.0);
}

// One compute pool per process: every ThreadPool attaches to it; threads inside enter()/leave()
// and helpers never exceed limit(); a stop flag releases a waiter.
static void test_compute_pool() {
  ThreadPool p1(4), p2(4);
  ComputePool& cp = p1.shared();
  CHECK(&cp == &p2.shared());
  CHECK(cp.limit() == ComputePool::available_cores());
  CHECK(cp.stats().users >= 2);
  {
    // detach() takes a pool off the count once, whether the destructor follows or not
    const int before = cp.stats().users;
    ThreadPool p3(2);
    CHECK(cp.stats().users == before + 1);
    p3.detach();
    CHECK(cp.stats().users == before);
    p3.detach();
    CHECK(cp.stats().users == before);
  }
  CHECK(cp.stats().users >= 2);
  cp.stats(true);
  // limit + 2 "runner threads", each computing with kernels that ask for helpers
  const int nthreads = cp.limit() + 2;
  std::vector<double> x(1 << 20, 1.0);
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < nthreads; ++t)
    ts.emplace_back([&, t] {
      ThreadPool& pool = t % 2 ? p1 : p2;
      if (!pool.enter_compute(nullptr)) return;
      pool.job_started();
      Engine e{kernels_scalar(), &pool};
      bool good = true;
      for (int i = 0; i < 20; ++i)
        good = good && ops::sum(e, x.data(), static_cast<int64_t>(x.size())) == double(x.size());
      pool.job_finished();
      pool.leave_compute();
      if (good) ++ok;
    });
  for (std::thread& t : ts) t.join();
  ComputePool::Stats st = cp.stats();
  CHECK(ok == nthreads);
  CHECK(st.maxConcurrent >= 1 && st.maxConcurrent <= cp.limit());
  CHECK(st.computing == 0 && st.waiting == 0);
  CHECK(st.workers <= cp.limit() - 1);
  // every slot taken: a waiter leaves when its stop flag is raised
  for (int i = 0; i < cp.limit(); ++i) CHECK(cp.enter(nullptr));
  CHECK(cp.try_reserve(1) == 0);
  std::atomic<bool> stop{false};
  std::atomic<int> entered{-1};
  std::thread waiter([&] { entered = cp.enter(&stop) ? 1 : 0; });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(entered == -1 && cp.stats().waiting == 1);
  stop = true;
  cp.wake();
  waiter.join();
  CHECK(entered == 0 && cp.stats().waiting == 0);
  for (int i = 0; i < cp.limit(); ++i) cp.leave();
  CHECK(cp.stats().computing == 0);
  // a Sync caller (no slot) with the pool free uses helpers; results are the same
  Engine e{kernels_scalar(), &p1};
  CHECK(ops::sum(e, x.data(), static_cast<int64_t>(x.size())) == double(x.size()));
  CHECK(cp.stats().maxConcurrent <= cp.limit());
}

// ops::residual (r = b − A x and ‖r‖ in one pass): the same r as spmv + axpby, the norm of it,
// and the same bits for any number of threads.
static void test_residual() {
  const Mat m = random_csr(20000, 20000, 0.0004, 21);
  std::vector<double> x(20000), b(20000), r(20000), ref(20000);
  std::mt19937_64 g(5);
  std::uniform_real_distribution<double> u(-1, 1);
  for (size_t i = 0; i < x.size(); ++i) x[i] = u(g), b[i] = u(g);
  const Kernels* k = kernels_for(detect_simd());
  ThreadPool p1(1), p2(2);
  Engine e1{k, &p1}, e2{k, &p2};
  ops::spmv(e1, m.view(), x.data(), ref.data());
  ops::axpby(e1, 1.0, b.data(), -1.0, ref.data(), 20000);
  const double want = ops::nrm2(e1, ref.data(), 20000);
  const double got = ops::residual(e1, m.view(), b.data(), x.data(), r.data());
  CHECK(r == ref);
  CHECK(std::fabs(got - want) <= 1e-13 * want);
  std::vector<double> r2(20000);
  CHECK(ops::residual(e2, m.view(), b.data(), x.data(), r2.data()) == got && r2 == r);
  const Mat tiny = random_csr(3, 3, 1.0, 6);
  std::vector<double> xt = {1, 2, 3}, bt = {0, 0, 0}, rt(3), yt(3);
  ops::spmv(e1, tiny.view(), xt.data(), yt.data());
  const double nt = ops::residual(e1, tiny.view(), bt.data(), xt.data(), rt.data());
  CHECK(rt[0] == -yt[0] && rt[2] == -yt[2]);
  CHECK(std::fabs(nt - std::sqrt(yt[0] * yt[0] + yt[1] * yt[1] + yt[2] * yt[2])) <= 1e-14 * nt);
}

static void test_csr() {
  std::vector<int32_t> rp = {0, 2, 3}, ci = {1, 0, 1};
  std::vector<double> v = {1, 2, 3};
  csr::Problem p = csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckAll);
  CHECK(!p.ok && p.argument == "colIdx");
  ci = {0, 1, 1};
  CHECK(csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckAll).ok);
  v[1] = NAN;
  CHECK(csr::validate(2, 2, rp.data(), 3, ci.data(), 3, v.data(), 3, csr::kCheckAll).argument ==
        "values");
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
  std::string text =
      mm::write_string(m.rows, m.cols, m.rp.data(), m.ci.data(), m.v.data(), mm::WriteOptions{});
  mm::Coo coo;
  mm::Header h;
  mm::Error err;
  CHECK(mm::parse_text(text.data(), text.size(), coo, h, err, nullptr) == mm::Status::Ok);
  csr::Owned back;
  CHECK(csr::from_coo(coo.rows, coo.cols, static_cast<int64_t>(coo.val.size()), coo.row.data(),
                      coo.col.data(), coo.val.data(), back));
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
  test_kernel_tables();
  test_workspace();
  test_compute_pool();
  test_residual();
  test_csr();
  test_mm();
  test_power();
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
