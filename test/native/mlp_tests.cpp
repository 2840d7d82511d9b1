// BCD training of ReLU networks (native/bcd/mlp.hpp, issue 11 §4).
// Checks:
//  - the split objective never increases from one epoch to the next (from the initial state on,
//    paper and He initialisation, several γ, ρ, α);
//  - each closed-form block update (V_N, U_N, W_i, b_i, V_i, U_i) is the minimiser of its
//    subproblem — the split objective plus the block's proximal term (α/2)‖x − x⁰‖² where the
//    sweep has one: no random perturbation of the new block (sizes 1e-1 to 1e-6) lowers it, and
//    for U_i (nonconvex: the two-branch ReLU prox) a fine scalar grid search per entry finds
//    nothing lower either;
//  - a tiny separable dataset (two Gaussian blobs, and XOR-placed blobs that need the hidden
//    layer) is learned; predict agrees with the network loss;
//  - serial and 2-thread runs are bitwise identical, the seed decides the initialisation;
//  - bad options name their argument.
// Build and run:  test/native/build.sh mlp_tests /tmp/out && /tmp/out/mlp_tests
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../../native/bcd/mlp.hpp"
#include "bcd_test_util.hpp"
#include "check.hpp"
#include "../../native/core/errors.hpp"

using namespace itersolve;
using namespace itersolve::bcd;
using bcd_test::throws_named;
using dense::Order;

namespace {

struct Data {
  int64_t n, d, k;
  std::vector<double> X, Y;  // row-major n × d, n × k (one-hot)
  std::vector<int> label;
  SampleMatrix x() const { return {X.data(), n, d, d, Order::Row}; }
  SampleMatrix y() const { return {Y.data(), n, k, k, Order::Row}; }
};

Data random_data(int64_t n, int64_t d, int64_t k, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  Data D{n, d, k, std::vector<double>(n * d), std::vector<double>(n * k, 0.0), {}};
  for (double& v : D.X) v = N(g);
  for (int64_t s = 0; s < n; ++s) {
    const int c = static_cast<int>(g() % k);
    D.Y[s * k + c] = 1.0;
    D.label.push_back(c);
  }
  return D;
}

// Blobs of 2D points: centre c of blob j, class cls[j].
Data blobs(const std::vector<std::pair<double, double>>& centres, const std::vector<int>& cls,
           int per, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> N(0.0, 0.3);
  Data D{0, 2, 2, {}, {}, {}};
  for (size_t j = 0; j < centres.size(); ++j)
    for (int q = 0; q < per; ++q) {
      D.X.push_back(centres[j].first + N(g));
      D.X.push_back(centres[j].second + N(g));
      D.Y.push_back(cls[j] == 0 ? 1.0 : 0.0);
      D.Y.push_back(cls[j] == 1 ? 1.0 : 0.0);
      D.label.push_back(cls[j]);
      ++D.n;
    }
  return D;
}

double sqdist(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t j = 0; j < a.size(); ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

void test_monotone(const Engine& e) {
  const Data D = random_data(50, 6, 3, 1);
  struct P {
    double g, r, a;
    MlpInit init;
  };
  for (const P p : {P{1, 1, 0.01, MlpInit::Paper}, P{1, 1, 0.01, MlpInit::He},
                    P{0.5, 2, 0.1, MlpInit::He}, P{3, 0.3, 1e-3, MlpInit::Paper}}) {
    MlpOptions o;
    o.hidden = {8, 5};
    o.gamma = p.g;
    o.rho = p.r;
    o.alpha = p.a;
    o.init = p.init;
    o.seed = 3;
    MlpState s = mlp_init(e, D.x(), D.y(), o);
    double prev = mlp_split_objective(e, s, o.gamma, o.rho);
    const double first = prev;
    bool ok = true;
    for (int ep = 0; ep < 60; ++ep) {
      mlp_epoch(e, s, o.gamma, o.rho, o.alpha);
      const double f = mlp_split_objective(e, s, o.gamma, o.rho);
      if (!(f <= prev * (1 + 1e-13) + 1e-15)) ok = false;
      prev = f;
    }
    CHECK(ok);
    CHECK(prev < first);
  }
}

// F(block) = split objective + (α/2)‖block − old‖² (prox = whether the step carries the term).
void check_block(const Engine& e, MlpState& s, std::vector<double>& block,
                 const std::vector<double>& old, bool prox, double gamma, double rho, double alpha,
                 const char* name, std::mt19937_64& g) {
  auto F = [&]() {
    return mlp_split_objective(e, s, gamma, rho) + (prox ? 0.5 * alpha * sqdist(block, old) : 0.0);
  };
  const std::vector<double> star = block;
  const double f0 = F();
  std::normal_distribution<double> N(0.0, 1.0);
  bool ok = true;
  for (double eps : {1e-1, 1e-2, 1e-4, 1e-6})
    for (int t = 0; t < 6; ++t) {
      for (size_t j = 0; j < block.size(); ++j) block[j] = star[j] + eps * N(g);
      if (F() < f0 - 1e-12 * (1.0 + std::fabs(f0))) ok = false;
    }
  block = star;
  if (!ok) std::fprintf(stderr, "block %s is not a minimiser\n", name);
  CHECK(ok);
}

void test_block_minimisers(const Engine& e) {
  const Data D = random_data(30, 4, 3, 2);
  MlpOptions o;
  o.hidden = {6, 5};
  o.gamma = 0.8;
  o.rho = 1.3;
  o.alpha = 0.05;
  o.init = MlpInit::He;
  o.seed = 9;
  MlpState s = mlp_init(e, D.x(), D.y(), o);
  for (int ep = 0; ep < 3; ++ep) mlp_epoch(e, s, o.gamma, o.rho, o.alpha);
  const int N = s.layers();
  std::mt19937_64 g(4);
  const double ga = o.gamma, rh = o.rho, al = o.alpha;
  std::vector<double> old;
  // The sweep's own order, checking each step.
  old = s.V[N];
  mlp_update_output_v(s, ga, al);
  check_block(e, s, s.V[N], old, true, ga, rh, al, "V_N", g);
  old = s.U[N];
  mlp_update_output_u(e, s, ga, rh);
  check_block(e, s, s.U[N], old, false, ga, rh, al, "U_N", g);
  for (int i = N; i >= 1; --i) {
    if (i < N) {
      old = s.V[i];
      mlp_update_v(e, s, i, ga, rh);
      check_block(e, s, s.V[i], old, false, ga, rh, al, "V_i", g);
      old = s.U[i];
      mlp_update_u(e, s, i, ga, rh, al);
      check_block(e, s, s.U[i], old, true, ga, rh, al, "U_i", g);
      // Scalar grid search on a few entries of U_i (the nonconvex prox).
      bool grid_ok = true;
      const std::vector<double> star = s.U[i];
      for (size_t j = 0; j < star.size(); j += 7) {
        auto F = [&]() {
          return mlp_split_objective(e, s, ga, rh) + 0.5 * al * sqdist(s.U[i], old);
        };
        const double f0 = F();
        for (int q = -2000; q <= 2000; ++q) {
          s.U[i][j] = star[j] + q * 2e-3;
          if (F() < f0 - 1e-12 * (1.0 + f0)) grid_ok = false;
        }
        s.U[i][j] = star[j];
      }
      CHECK(grid_ok);
    }
    old = s.W[i];
    mlp_update_w(e, s, i, rh, al);
    check_block(e, s, s.W[i], old, true, ga, rh, al, "W_i", g);
    old = s.b[i];
    mlp_update_b(e, s, i, rh, al);
    check_block(e, s, s.b[i], old, true, ga, rh, al, "b_i", g);
  }
}

double accuracy(const Engine& e, const Data& D, const std::vector<MlpLayer>& L) {
  std::vector<double> out(D.n * D.k);
  mlp_predict(e, L, D.x(), out.data());
  int right = 0;
  for (int64_t s = 0; s < D.n; ++s) {
    int best = 0;
    for (int c = 1; c < D.k; ++c)
      if (out[s * D.k + c] > out[s * D.k + best]) best = c;
    right += best == D.label[s];
  }
  return static_cast<double>(right) / static_cast<double>(D.n);
}

void test_learns(const Engine& e) {
  const Data lin = blobs({{-2, -2}, {2, 2}}, {0, 1}, 30, 5);
  const Data xr = blobs({{-2, -2}, {2, 2}, {-2, 2}, {2, -2}}, {0, 0, 1, 1}, 25, 6);
  for (const Data* D : {&lin, &xr}) {
    MlpOptions o;
    o.hidden = {32};
    o.alpha = 0.01;
    o.init = MlpInit::He;
    o.epochs = 100;
    o.seed = 1;
    Control ctl;
    const MlpResult r = train_mlp_bcd(e, D->x(), D->y(), o, ctl);
    CHECK(r.epochs == 100 && r.objective.size() == 100 && r.network_loss.size() == 100);
    const double acc = accuracy(e, *D, r.layers);
    std::printf("separable (%s): accuracy %.3f, network loss %.4g -> %.4g\n",
                D == &lin ? "blobs" : "xor", acc, r.network_loss.front(), r.network_loss.back());
    CHECK(acc >= 0.98);
    // predict agrees with the reported forward loss.
    std::vector<double> out(D->n * D->k);
    mlp_predict(e, r.layers, D->x(), out.data());
    CHECK(std::fabs(0.5 * sqdist(out, D->Y) - r.network_loss.back()) <=
          1e-12 * (1.0 + r.network_loss.back()));
  }
}

// No hidden layer (N = 1: a linear model fitted by the same sweep): linearly separable blobs.
void test_no_hidden(const Engine& e) {
  const Data D = blobs({{-2, -2}, {2, 2}}, {0, 1}, 30, 7);
  MlpOptions o;
  o.hidden = {};
  o.epochs = 40;
  Control ctl;
  const MlpResult r = train_mlp_bcd(e, D.x(), D.y(), o, ctl);
  CHECK(r.layers.size() == 1 && r.layers[0].out == 2 && r.layers[0].in == 2);
  bool mono = true;
  for (size_t t = 1; t < r.objective.size(); ++t)
    mono = mono && r.objective[t] <= r.objective[t - 1] * (1 + 1e-13) + 1e-15;
  CHECK(mono);
  CHECK(accuracy(e, D, r.layers) >= 0.98);
}

void test_determinism(const Engine& e1, const Engine& e2) {
  const Data D = random_data(300, 20, 4, 8);
  MlpOptions o;
  o.hidden = {64, 48};
  o.epochs = 3;
  o.seed = 12;
  Control c1, c2, c3;
  const MlpResult a = train_mlp_bcd(e1, D.x(), D.y(), o, c1);
  const MlpResult b = train_mlp_bcd(e2, D.x(), D.y(), o, c2);
  bool same = a.objective == b.objective && a.network_loss == b.network_loss;
  for (size_t i = 0; i < a.layers.size(); ++i)
    same = same && a.layers[i].W == b.layers[i].W && a.layers[i].b == b.layers[i].b;
  CHECK(same);
  o.seed = 13;
  const MlpResult c = train_mlp_bcd(e1, D.x(), D.y(), o, c3);
  CHECK(c.layers[0].W != a.layers[0].W);
  // Column-major X and Y give the same run.
  std::vector<double> Xc(D.n * D.d), Yc(D.n * D.k);
  for (int64_t s = 0; s < D.n; ++s) {
    for (int64_t j = 0; j < D.d; ++j) Xc[j * D.n + s] = D.X[s * D.d + j];
    for (int64_t j = 0; j < D.k; ++j) Yc[j * D.n + s] = D.Y[s * D.k + j];
  }
  o.seed = 12;
  Control c4;
  const MlpResult d = train_mlp_bcd(e1, {Xc.data(), D.n, D.d, D.n, Order::Col},
                                    {Yc.data(), D.n, D.k, D.n, Order::Col}, o, c4);
  CHECK(d.objective == a.objective);
  // An abort before the first epoch stops with no epochs.
  std::atomic<bool> flag{true};
  Control c5;
  c5.set_abort_flag(&flag);
  const MlpResult f = train_mlp_bcd(e1, D.x(), D.y(), o, c5);
  CHECK(f.epochs == 0 && f.stop == StopReason::Aborted && f.layers.size() == 3);
}

void test_errors(const Engine& e) {
  const Data D = random_data(10, 3, 2, 1);
  MlpOptions o;
  o.hidden = {4};
  auto with = [&](MlpOptions p) { return [&e, &D, p]() { mlp_init(e, D.x(), D.y(), p); }; };
  MlpOptions p = o;
  p.alpha = 0.0;
  CHECK(throws_named(with(p), "alpha", "ERR_INVALID_ARGUMENT"));
  p = o;
  p.gamma = -1;
  CHECK(throws_named(with(p), "gamma", "ERR_INVALID_ARGUMENT"));
  p = o;
  p.rho = NAN;
  CHECK(throws_named(with(p), "rho", "ERR_INVALID_ARGUMENT"));
  p = o;
  p.hidden = {4, 0};
  CHECK(throws_named(with(p), "hidden", "ERR_INVALID_ARGUMENT"));
  p = o;
  p.epochs = -1;
  CHECK(throws_named(with(p), "epochs", "ERR_INVALID_ARGUMENT"));
  SampleMatrix ybad = D.y();
  ybad.rows = 9;
  CHECK(throws_named([&]() { mlp_init(e, D.x(), ybad, o); }, "Y", "ERR_DIMENSION_MISMATCH"));
  Data Dn = D;
  Dn.X[4] = NAN;
  CHECK(throws_named([&]() { mlp_init(e, Dn.x(), Dn.y(), o); }, "X", "ERR_INVALID_ARGUMENT"));
}

}  // namespace

int main() {
  ThreadPool pool2(2);
  Engine e1{kernels_for(detect_simd()), nullptr, nullptr};
  Engine e2{kernels_for(detect_simd()), &pool2, nullptr};
  test_monotone(e1);
  test_block_minimisers(e1);
  test_learns(e2);
  test_no_hidden(e1);
  test_determinism(e1, e2);
  test_errors(e1);
  std::printf("mlp_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
