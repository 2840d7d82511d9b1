// Small CSR matrices for the C++ test programs: a square matrix built row by row or from
// triplets, the dense and stencil generators several programs use. Include after check.hpp.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../../native/core/ops.hpp"

namespace itersolve {
namespace testing {

using Vec = std::vector<double>;

// Square CSR: rows appended with add()/end_row(), or built whole by from_triplets().
struct Mat {
  int64_t n = 0;
  std::vector<int32_t> rp{0}, ci;
  Vec v;
  CsrView view() const { return CsrView{n, n, rp.data(), ci.data(), v.data()}; }
  void add(int64_t c, double val) {
    ci.push_back(static_cast<int32_t>(c));
    v.push_back(val);
  }
  void end_row() { rp.push_back(static_cast<int32_t>(ci.size())); }
  // y = A x
  void mul(const double* x, double* y) const {
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int32_t k = rp[i]; k < rp[i + 1]; ++k) s += v[k] * x[ci[k]];
      y[i] = s;
    }
  }
  Vec mul(const Vec& x) const {
    Vec y(static_cast<size_t>(n), 0.0);
    mul(x.data(), y.data());
    return y;
  }
  double diag(int64_t i) const {
    for (int32_t k = rp[i]; k < rp[i + 1]; ++k)
      if (ci[k] == i) return v[k];
    return 0;
  }
};

struct Triplet {
  int32_t i, j;
  double v;
};

// Columns sorted within rows; duplicates kept in input order.
inline Mat from_triplets(int64_t n, std::vector<Triplet> t) {
  std::stable_sort(t.begin(), t.end(), [](const Triplet& a, const Triplet& b) {
    return a.i != b.i ? a.i < b.i : a.j < b.j;
  });
  Mat m;
  m.n = n;
  m.rp.assign(n + 1, 0);
  for (const Triplet& e : t) {
    m.ci.push_back(e.j);
    m.v.push_back(e.v);
    ++m.rp[e.i + 1];
  }
  for (int64_t i = 0; i < n; ++i) m.rp[i + 1] += m.rp[i];
  return m;
}

// Row-major dense n×n, zeros left out.
inline Mat from_dense(int64_t n, const Vec& a) {
  Mat m;
  m.n = n;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j)
      if (a[i * n + j] != 0) m.add(j, a[i * n + j]);
    m.end_row();
  }
  return m;
}

// 5-point Laplacian on an N×N grid (diagonal 4 − shift), columns sorted.
inline Mat poisson(int N, double shift = 0.0) {
  Mat m;
  m.n = int64_t(N) * N;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      const int64_t r = int64_t(i) * N + j;
      if (i > 0) m.add(r - N, -1);
      if (j > 0) m.add(r - 1, -1);
      m.add(r, 4 - shift);
      if (j < N - 1) m.add(r + 1, -1);
      if (i < N - 1) m.add(r + N, -1);
      m.end_row();
    }
  return m;
}

// −Δu + c·∇u on an N×N grid, first-order upwind, scaled by h²: a nonsymmetric M-matrix. The
// velocity varies over the grid (so does the diagonal, which Jacobi then sees).
inline Mat convdiff(int N, double cx0, double cy0) {
  const double h = 1.0 / (N + 1);
  Mat m;
  m.n = int64_t(N) * N;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      const int64_t r = int64_t(i) * N + j;
      const double cx = cx0 * (0.5 + double(j) / N), cy = cy0 * (0.5 + double(i) / N);
      if (i > 0) m.add(r - N, -1 - h * cy);
      if (j > 0) m.add(r - 1, -1 - h * cx);
      m.add(r, 4 + h * cx + h * cy);
      if (j < N - 1) m.add(r + 1, -1);
      if (i < N - 1) m.add(r + N, -1);
      m.end_row();
    }
  return m;
}

}  // namespace testing
}  // namespace itersolve
