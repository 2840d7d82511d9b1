// Lasso / elastic-net regularisation paths (native/bcd/path.hpp). Checks:
//  - the grid: sklearn's geometric spacing (exact ends, constant ratio), one value, λ_max ≈ 0;
//  - every row of the path equals a cold-start bcd::lasso fit at that λ (1e-9), dense and CSC,
//    lasso and elastic net, with and without intercept; the first row (λ_max) is exactly zero;
//  - warm starts pay: the path's total epochs are fewer than the cold fits' sum;
//  - caller-given λ values are used as given (equal neighbours allowed);
//  - one Control across the path: an abort after the third λ leaves 4 rows (the 4th with reason
//    Aborted), a time limit ends it with TimeLimit, max-iterations does not end it;
//  - progress: one report per λ with iteration = λ values done, total = K;
//  - errors name nLambdas, lambdaMinRatio, lambdas and l1Ratio.
// Build and run:  test/native/build.sh path_tests /tmp/out && /tmp/out/path_tests

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../../native/bcd/path.hpp"

using namespace itersolve;
using namespace itersolve::bcd;

#include "bcd_test_util.hpp"
#include "check.hpp"

using namespace bcd_test;

namespace {

// A random column-major n×p design (entries zeroed with probability `zero`), its CSC twin and a
// response driven by the first five features.
struct Problem : Regression {
  Problem(int64_t n, int64_t p, double zero, uint64_t seed)
      : Regression(n, p, zero, seed, {0.0, 0.0, 2.0, 5, 2.0, -1.5}) {}
  LassoProblem problem(bool csc) const {
    LassoProblem pr;
    pr.X = csc ? sparse() : dense();
    pr.y = y.data(), pr.y_length = n;
    return pr;
  }
};

PathOptions options(int64_t K, double a, bool intercept) {
  PathOptions o;
  o.n_lambdas = K;
  o.lasso.l1_ratio = a;
  o.lasso.fit_intercept = intercept;
  o.lasso.tol = 1e-13;
  o.lasso.max_iterations = 100000;
  return o;
}

void test_grid() {
  const Vec g = lambda_grid(2.0, 5, 1e-2);
  CHECK(g.size() == 5 && g[0] == 2.0 && g[4] == 2.0 * 1e-2);
  for (int k = 1; k < 5; ++k)
    CHECK(std::fabs(g[k] / g[k - 1] - std::pow(1e-2, 0.25)) < 1e-14);  // constant ratio
  const Vec one = lambda_grid(3.0, 1, 1e-3);
  CHECK(one.size() == 1 && one[0] == 3.0);
  const Vec zero = lambda_grid(0.0, 3, 1e-3);  // sklearn: every value is float64's resolution
  CHECK(zero.size() == 3 && zero[0] == 1e-15 && zero[2] == 1e-15);
}

void test_against_cold_fits(const Engine& e) {
  Problem P(60, 40, 0.5, 7);
  for (int sparse = 0; sparse < 2; ++sparse)
    for (double a : {1.0, 0.5})
      for (int intercept = 0; intercept < 2; ++intercept) {
        const LassoProblem pr = P.problem(sparse != 0);
        const PathOptions o = options(8, a, intercept != 0);
        Vec coefs(static_cast<size_t>(8 * P.p), -1.0);
        Control ctl;
        const PathResult R = lasso_path(e, pr, o, ctl, coefs.data());
        CHECK(R.count == 8 && R.reason == Reason::Tol && R.lambdas.size() == 8);
        CHECK(R.lambda_max == lambda_max(e, pr, a, intercept != 0, false));
        CHECK(R.lambdas[0] == R.lambda_max &&
              std::fabs(R.lambdas[7] / R.lambda_max - 1e-3) < 1e-15);
        bool zero = true;
        for (int64_t j = 0; j < P.p; ++j) zero = zero && std::fabs(coefs[j]) < 1e-12;
        CHECK(zero);  // the first row: λ_max
        int64_t cold = 0, total = 0;
        double worst = 0, worst_c = 0, worst_obj = 0;
        for (int k = 0; k < 8; ++k) {
          LassoOptions lo = o.lasso;
          lo.lambda = R.lambdas[k];
          Control c;
          const LassoResult F = lasso(e, pr, lo, c);
          cold += F.iterations;
          total += R.iterations[k];
          for (int64_t j = 0; j < P.p; ++j)
            worst = std::max(worst, std::fabs(F.coef[j] - coefs[k * P.p + j]));
          worst_c = std::max(worst_c, std::fabs(F.intercept - R.intercepts[k]));
          worst_obj = std::max(worst_obj, std::fabs(F.objective - R.objectives[k]));
          CHECK(R.reasons[k] == Reason::Tol && R.dual_gaps[k] >= -1e-12);
        }
        CHECK(worst < 1e-9);
        CHECK(worst_c < 1e-9);
        CHECK(worst_obj < 1e-12);
        CHECK(total == R.total_iterations);
        CHECK(total < cold);  // warm starts pay
        if (!(worst < 1e-9 && total < cold))
          std::fprintf(stderr, "  sparse %d a %g intercept %d: diff %g, epochs %lld vs cold %lld\n",
                       sparse, a, intercept, worst, (long long)total, (long long)cold);
      }
}

void test_given_lambdas(const Engine& e) {
  Problem P(40, 20, 0.0, 11);
  const LassoProblem pr = P.problem(false);
  const Vec lams{0.5, 0.2, 0.2, 0.05, 0.0};
  PathOptions o = options(5, 1.0, true);
  o.lambdas = lams.data();
  Vec coefs(static_cast<size_t>(5 * P.p));
  Control ctl;
  const PathResult R = lasso_path(e, pr, o, ctl, coefs.data());
  CHECK(R.count == 5 && R.lambdas == lams && R.lambda_max == 0.0);
  double d = 0;
  for (int64_t j = 0; j < P.p; ++j) d = std::max(d, std::fabs(coefs[P.p + j] - coefs[2 * P.p + j]));
  CHECK(d < 1e-10);  // equal neighbours: the same solution
  LassoOptions lo = o.lasso;
  lo.lambda = 0.05;
  Control c;
  const LassoResult F = lasso(e, pr, lo, c);
  d = 0;
  for (int64_t j = 0; j < P.p; ++j) d = std::max(d, std::fabs(F.coef[j] - coefs[3 * P.p + j]));
  CHECK(d < 1e-9);
}

struct AbortAfter {
  std::atomic<bool>* flag;
  int64_t after;
  std::vector<int64_t> seen;
  static void fn(void* self, const ProgressInfo& info) {
    AbortAfter* a = static_cast<AbortAfter*>(self);
    a->seen.push_back(info.iteration);
    if (info.total != 10) a->seen.push_back(-1000);
    if (info.iteration >= a->after) a->flag->store(true);
  }
};

void test_control(const Engine& e) {
  Problem P(50, 30, 0.0, 5);
  const LassoProblem pr = P.problem(false);
  const PathOptions o = options(10, 1.0, true);
  Vec coefs(static_cast<size_t>(10 * P.p), 0.0);
  {  // progress, one report per λ
    AbortAfter rep{nullptr, 1 << 30, {}};
    std::atomic<bool> never{false};
    rep.flag = &never;
    Control ctl;
    ctl.set_progress(&AbortAfter::fn, &rep, 0.0);
    const PathResult R = lasso_path(e, pr, o, ctl, coefs.data());
    CHECK(R.count == 10);
    // the per-λ reports are 1..10 in order (the fits' own reports, if any, repeat the last)
    std::vector<int64_t> ends;
    for (int64_t s : rep.seen)
      if (ends.empty() || s != ends.back()) ends.push_back(s);
    bool ok = !ends.empty() && ends.back() == 10;
    for (size_t i = 1; i < ends.size(); ++i) ok = ok && ends[i] == ends[i - 1] + 1;
    CHECK(ok);
  }
  {  // abort after the third λ: 4 rows, the last one Aborted
    std::atomic<bool> flag{false};
    AbortAfter a{&flag, 3, {}};
    Control ctl;
    ctl.set_abort_flag(&flag);
    ctl.set_progress(&AbortAfter::fn, &a, 0.0);
    Vec out(static_cast<size_t>(10 * P.p), 7.0);
    const PathResult R = lasso_path(e, pr, o, ctl, out.data());
    CHECK(R.count == 4 && R.reason == Reason::Aborted);
    CHECK(R.reasons.size() == 4 && R.reasons[2] == Reason::Tol && R.reasons[3] == Reason::Aborted);
    CHECK(R.lambdas.size() == 10 && R.intercepts.size() == 4);
    CHECK(out[4 * P.p] == 7.0);  // rows after count untouched
  }
  {  // an expired time limit: the first fit that polls stops (λ_max may converge at once), the
     // path with it
    Control ctl;
    ctl.set_time_limit_ms(1e-6);
    const PathResult R = lasso_path(e, pr, o, ctl, coefs.data());
    CHECK(R.count >= 1 && R.count <= 2 && R.reason == Reason::TimeLimit);
    CHECK(R.reasons.back() == Reason::TimeLimit);
  }
  {  // max-iterations does not end the path
    PathOptions m = o;
    m.lasso.max_iterations = 1;
    Control ctl;
    const PathResult R = lasso_path(e, pr, m, ctl, coefs.data());
    CHECK(R.count == 10 && R.reason == Reason::MaxIterations);
    CHECK(R.reasons[0] == Reason::Tol);  // λ_max: zero at once
  }
}

void test_errors(const Engine& e) {
  Problem P(20, 6, 0.0, 3);
  const LassoProblem pr = P.problem(false);
  Vec coefs(static_cast<size_t>(100 * P.p));
  auto run = [&](const PathOptions& o) {
    Control ctl;
    lasso_path(e, pr, o, ctl, coefs.data());
  };
  PathOptions o = options(5, 1.0, true);
  o.n_lambdas = 0;
  CHECK(error_argument([&] { run(o); }) == "nLambdas");
  o = options(5, 1.0, true);
  o.lambda_min_ratio = 1.0;
  CHECK(error_argument([&] { run(o); }) == "lambdaMinRatio");
  o.lambda_min_ratio = 0.0;
  CHECK(error_argument([&] { run(o); }) == "lambdaMinRatio");
  o = options(5, 0.0, true);  // ridge: no automatic grid
  CHECK(error_argument([&] { run(o); }) == "l1Ratio");
  const Vec up{0.1, 0.2, 0.05}, neg{0.3, 0.1, -0.1}, nan{0.3, NAN, 0.1};
  o = options(3, 1.0, true);
  o.lambdas = up.data();
  CHECK(error_argument([&] { run(o); }) == "lambdas");
  o.lambdas = neg.data();
  CHECK(error_argument([&] { run(o); }) == "lambdas");
  o.lambdas = nan.data();
  CHECK(error_argument([&] { run(o); }) == "lambdas");
  o = options(3, 0.0, true);  // ridge with given lambdas is fine
  const Vec ok{1.0, 0.1, 0.01};
  o.lambdas = ok.data();
  Control ctl;
  const PathResult R = lasso_path(e, pr, o, ctl, coefs.data());
  CHECK(R.count == 3 && R.reason == Reason::Tol);
  o = options(3, 1.0, true);
  o.lasso.tol = -1;
  CHECK(error_argument([&] { run(o); }) == "tol");
  Problem bad = P;
  bad.y[0] = NAN;
  const LassoProblem bp = bad.problem(false);
  CHECK(error_argument([&] {
          Control c;
          lasso_path(e, bp, options(3, 1.0, true), c, coefs.data());
        }) == "y");
}

}  // namespace

int main() {
  ThreadPool pool(1);
  const Engine e{kernels_for(detect_simd()), &pool};
  test_grid();
  test_against_cold_fits(e);
  test_given_lambdas(e);
  test_control(e);
  test_errors(e);
  std::printf("path_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
