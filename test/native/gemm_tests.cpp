// Dense GEMM and the SPD helpers (native/core/gemm.hpp).
// Checks:
//  - gemm against a naive triple loop for every storage order of A, B and C, both transposes,
//    α and β (β = 0 with NaN in C: not read), sizes around the micro-kernel and block edges
//    (1, kMr ± 1, kNr ± 1, kKc + 1, kMc + 3, kNc + 5) and k = 0;
//  - the result with 1 and with 2 threads is bitwise identical;
//  - cholesky / cholesky_solve / spd_inverse on random SPD matrices (residuals), and a matrix
//    that is not positive definite throws ERR_ZERO_PIVOT.
// Build and run:  test/native/build.sh gemm_tests /tmp/out && /tmp/out/gemm_tests
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "check.hpp"
#include "../../native/core/errors.hpp"
#include "../../native/core/gemm.hpp"

using namespace itersolve;
using dense::MatRef;
using dense::Order;

namespace {

double at(const std::vector<double>& M, int64_t ld, Order o, int64_t i, int64_t j) {
  return o == Order::Row ? M[i * ld + j] : M[i + j * ld];
}

struct Case {
  int64_t m, n, k;
};

double run_case(const Engine& e1, const Engine& e2, Case c, Order oa, bool ta, Order ob, bool tb,
                Order oc, double alpha, double beta, std::mt19937_64& rng) {
  std::normal_distribution<double> N(0.0, 1.0);
  // Stored shapes and leading dimensions (padded by 3 to test ld ≠ width).
  const int64_t ar = ta ? c.k : c.m, ac = ta ? c.m : c.k;
  const int64_t br = tb ? c.n : c.k, bc = tb ? c.k : c.n;
  const int64_t lda = (oa == Order::Row ? ac : ar) + 3, ldb = (ob == Order::Row ? bc : br) + 3;
  const int64_t ldc = (oc == Order::Row ? c.n : c.m) + 2;
  std::vector<double> A(
      static_cast<size_t>(lda * std::max<int64_t>(oa == Order::Row ? ar : ac, 1))),
      B(static_cast<size_t>(ldb * std::max<int64_t>(ob == Order::Row ? br : bc, 1))),
      C0(static_cast<size_t>(ldc * (oc == Order::Row ? c.m : c.n)));
  for (double& v : A) v = N(rng);
  for (double& v : B) v = N(rng);
  for (double& v : C0) v = beta == 0.0 ? std::numeric_limits<double>::quiet_NaN() : N(rng);
  std::vector<double> C1 = C0, C2 = C0;
  dense::gemm(e1, c.m, c.n, c.k, alpha, MatRef{A.data(), lda, oa}, ta, MatRef{B.data(), ldb, ob},
              tb, beta, C1.data(), ldc, oc);
  dense::gemm(e2, c.m, c.n, c.k, alpha, MatRef{A.data(), lda, oa}, ta, MatRef{B.data(), ldb, ob},
              tb, beta, C2.data(), ldc, oc);
  CHECK(std::memcmp(C1.data(), C2.data(), C1.size() * sizeof(double)) == 0 ||
        C1 == C2);  // NaN padding compares unequal under ==; memcmp covers it
  double err = 0.0;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double s = 0.0, sa = 0.0;
      for (int64_t p = 0; p < c.k; ++p) {
        const double x = ta ? at(A, lda, oa, p, i) : at(A, lda, oa, i, p);
        const double y = tb ? at(B, ldb, ob, j, p) : at(B, ldb, ob, p, j);
        s += x * y;
        sa += std::fabs(x * y);
      }
      const double c0 = at(C0, ldc, oc, i, j);
      const double want = alpha * s + (beta == 0.0 ? 0.0 : beta * c0);
      const double scale =
          std::fabs(alpha) * sa + (beta == 0.0 ? 0.0 : std::fabs(beta * c0)) + 1e-300;
      err = std::max(err, std::fabs(at(C1, ldc, oc, i, j) - want) / scale);
    }
  // Padding between columns/rows of C is untouched.
  const int64_t outer = oc == Order::Row ? c.m : c.n, inner = oc == Order::Row ? c.n : c.m;
  bool pad_ok = true;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t q = inner; q < ldc; ++q) {
      const size_t idx = static_cast<size_t>(o * ldc + q);
      if (std::memcmp(&C1[idx], &C0[idx], sizeof(double)) != 0) pad_ok = false;
    }
  CHECK(pad_ok);
  return err;
}

void test_gemm(const Engine& e1, const Engine& e2) {
  std::mt19937_64 rng(11);
  const Case cases[] = {{1, 1, 1},      {3, 7, 5},       {5, 9, 0},      {4, 8, 256},
                        {5, 9, 257},    {131, 37, 19},   {17, 517, 300}, {129, 513, 513},
                        {64, 64, 1437}, {10, 1437, 256}, {7, 3, 600}};
  double worst = 0.0;
  int runs = 0;
  for (const Case& c : cases)
    for (int mask = 0; mask < 32; ++mask) {
      const Order oa = (mask & 1) ? Order::Col : Order::Row;
      const Order ob = (mask & 2) ? Order::Col : Order::Row;
      const Order oc = (mask & 4) ? Order::Col : Order::Row;
      const bool ta = (mask & 8) != 0, tb = (mask & 16) != 0;
      // Big cases: a few layouts only (the naive loop is slow).
      if (c.m * c.n * c.k > 2000000 && mask % 7 != 0) continue;
      const double alpha = (mask % 3 == 0) ? 1.0 : -0.75;
      const double beta = (mask % 4 == 0) ? 0.0 : (mask % 4 == 1 ? 1.0 : 0.5);
      worst = std::max(worst, run_case(e1, e2, c, oa, ta, ob, tb, oc, alpha, beta, rng));
      ++runs;
    }
  std::printf("gemm: %d products, worst relative error %.2e\n", runs, worst);
  CHECK(worst < 1e-14);
  CHECK(runs > 200);
}

void test_spd(const Engine& e) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> N(0.0, 1.0);
  for (int64_t k : {1, 2, 7, 33, 100}) {
    std::vector<double> G(static_cast<size_t>(k * (k + 3))), S(static_cast<size_t>(k * k));
    for (double& v : G) v = N(rng);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) {
        double s = i == j ? 0.1 : 0.0;
        for (int64_t p = 0; p < k + 3; ++p) s += G[i * (k + 3) + p] * G[j * (k + 3) + p];
        S[i * k + j] = s;
      }
    std::vector<double> L = S;
    dense::cholesky(k, L.data());
    double err = 0.0;  // L Lᵀ = S, upper triangle zero
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) {
        double s = 0.0;
        for (int64_t p = 0; p < k; ++p) s += L[i * k + p] * L[j * k + p];
        err = std::max(err, std::fabs(s - S[i * k + j]) / (1.0 + std::fabs(S[i * k + j])));
        if (j > i) CHECK(L[i * k + j] == 0.0);
      }
    CHECK(err < 1e-12);
    // Three right-hand sides 2k apart.
    std::vector<double> X(static_cast<size_t>(3 * 2 * k)), Bv;
    for (double& v : X) v = N(rng);
    Bv = X;
    dense::cholesky_solve(k, L.data(), X.data(), 3, 2 * k);
    double res = 0.0, bn = 0.0;
    for (int r = 0; r < 3; ++r)
      for (int64_t i = 0; i < k; ++i) {
        double s = 0.0;
        for (int64_t p = 0; p < k; ++p) s += S[i * k + p] * X[r * 2 * k + p];
        res = std::max(res, std::fabs(s - Bv[r * 2 * k + i]));
        bn = std::max(bn, std::fabs(Bv[r * 2 * k + i]));
      }
    CHECK(res < 1e-8 * bn);
    std::vector<double> Inv = S;
    dense::spd_inverse(e, k, Inv.data());
    double ie = 0.0;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) {
        double s = 0.0;
        for (int64_t p = 0; p < k; ++p) s += S[i * k + p] * Inv[p * k + j];
        ie = std::max(ie, std::fabs(s - (i == j ? 1.0 : 0.0)));
        CHECK(Inv[i * k + j] == Inv[j * k + i]);
      }
    CHECK(ie < 1e-7);
  }
  // Indefinite: diag(1, −1) fails at pivot 1.
  double M[4] = {1.0, 0.0, 0.0, -1.0};
  bool threw = false;
  try {
    dense::cholesky(2, M);
  } catch (const SolverError& err) {
    threw = std::strcmp(err.code, "ERR_ZERO_PIVOT") == 0 && err.row == 1;
  }
  CHECK(threw);
}

}  // namespace

int main() {
  ThreadPool pool2(2);
  Engine e1{kernels_for(detect_simd()), nullptr, nullptr};
  Engine e2{kernels_for(detect_simd()), &pool2, nullptr};
  test_gemm(e1, e2);
  test_spd(e2);
  std::printf("gemm_tests: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
