// Thick-restart Lanczos with full reorthogonalisation (Wu & Simon 2000) and the dense symmetric
// eigensolver of the projected problems (Golub & Van Loan §8.3). See lanczos.hpp.
#include "lanczos.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "../core/errors.hpp"
#include "../core/gemm.hpp"

namespace itersolve {

namespace dense {

void symmetric_eigen(int64_t m, double* A, int64_t lda, double* w) {
  if (m <= 0) return;
  auto a = [&](int64_t i, int64_t j) -> double& { return A[i + j * lda]; };
  if (m == 1) {
    w[0] = a(0, 0);
    a(0, 0) = 1.0;
    return;
  }
  // The upper triangle is the matrix.
  for (int64_t j = 0; j < m; ++j)
    for (int64_t i = j + 1; i < m; ++i) a(i, j) = a(j, i);
  std::vector<double> d(m), e(m, 0.0), tau(m, 0.0), p(m), q(m);
  // Householder reduction to tridiagonal form, last column first: step k turns column k above
  // the diagonal, x = A(0:k−1, k), into α e_{k−1} by H_k = I − τ v vᵀ (v = x − α e_{k−1}) applied
  // to the leading k×k block, so the basis change Q = H_{m−1} ⋯ H_2 leaves index m−1 alone.
  for (int64_t k = m - 1; k >= 2; --k) {
    d[k] = a(k, k);
    double xn2 = 0.0;
    for (int64_t i = 0; i < k - 1; ++i) xn2 += a(i, k) * a(i, k);
    const double xl = a(k - 1, k);
    if (xn2 == 0.0) {  // already tridiagonal here
      e[k - 1] = xl;
      continue;
    }
    const double alpha = -std::copysign(std::sqrt(xn2 + xl * xl), xl);
    a(k - 1, k) = xl - alpha;  // v is stored in column k above the diagonal
    const double t = 2.0 / (xn2 + (xl - alpha) * (xl - alpha));
    tau[k] = t;
    e[k - 1] = alpha;
    const double* v = &a(0, k);
    // p = τ B v, w = p − (τ/2)(pᵀv) v, B −= v wᵀ + w vᵀ
    for (int64_t i = 0; i < k; ++i) p[i] = 0.0;
    for (int64_t j = 0; j < k; ++j) {
      const double vj = v[j];
      if (vj == 0.0) continue;
      const double* bj = &a(0, j);
      for (int64_t i = 0; i < k; ++i) p[i] += bj[i] * vj;
    }
    double pv = 0.0;
    for (int64_t i = 0; i < k; ++i) {
      p[i] *= t;
      pv += p[i] * v[i];
    }
    const double K = 0.5 * t * pv;
    for (int64_t i = 0; i < k; ++i) q[i] = p[i] - K * v[i];
    for (int64_t j = 0; j < k; ++j) {
      double* bj = &a(0, j);
      const double vj = v[j], qj = q[j];
      for (int64_t i = 0; i < k; ++i) bj[i] -= v[i] * qj + q[i] * vj;
    }
  }
  d[1] = a(1, 1);
  d[0] = a(0, 0);
  e[0] = a(0, 1);
  // Q = H_{m−1} ⋯ H_2, accumulated from H_2 outwards.
  std::vector<double> Z(static_cast<size_t>(m * m), 0.0);
  auto z = [&](int64_t i, int64_t j) -> double& { return Z[static_cast<size_t>(i + j * m)]; };
  for (int64_t i = 0; i < m; ++i) z(i, i) = 1.0;
  for (int64_t k = 2; k < m; ++k) {
    const double t = tau[k];
    if (t == 0.0) continue;
    const double* v = &a(0, k);
    for (int64_t j = 0; j < k; ++j) {
      double s = 0.0;
      for (int64_t i = 0; i < k; ++i) s += v[i] * z(i, j);
      s *= t;
      if (s == 0.0) continue;
      for (int64_t i = 0; i < k; ++i) z(i, j) -= s * v[i];
    }
  }
  // Implicit symmetric QR with Wilkinson shifts on (d, e); e[i] couples i and i+1.
  const double eps = DBL_EPSILON;
  const double tiny = std::numeric_limits<double>::min();
  auto negligible = [&](int64_t i) {
    if (std::fabs(e[i]) <= eps * (std::fabs(d[i]) + std::fabs(d[i + 1])) ||
        std::fabs(e[i]) < tiny) {
      e[i] = 0.0;
      return true;
    }
    return false;
  };
  int64_t hi = m - 1, sweeps = 0;
  while (hi > 0) {
    if (negligible(hi - 1)) {
      --hi;
      continue;
    }
    int64_t lo = hi - 1;
    while (lo > 0 && !negligible(lo - 1)) --lo;
    if (++sweeps > 30 * m)
      throw SolverError("ERR_NATIVE", "symmetric eigensolver: the QR iteration did not converge");
    const double delta = 0.5 * (d[hi - 1] - d[hi]);
    const double b = e[hi - 1];
    const double r = std::hypot(delta, b);
    const double mu = d[hi] - b * b / (delta + (delta >= 0 ? r : -r));
    double x = d[lo] - mu, zz = e[lo];
    for (int64_t k = lo; k < hi; ++k) {
      const double rr = std::hypot(x, zz);
      const double cs = rr == 0.0 ? 1.0 : x / rr, sn = rr == 0.0 ? 0.0 : zz / rr;
      if (k > lo) e[k - 1] = rr;
      const double dk = d[k], dk1 = d[k + 1], ek = e[k];
      d[k] = cs * cs * dk + 2.0 * cs * sn * ek + sn * sn * dk1;
      d[k + 1] = sn * sn * dk - 2.0 * cs * sn * ek + cs * cs * dk1;
      e[k] = cs * sn * (dk1 - dk) + (cs * cs - sn * sn) * ek;
      if (k + 1 < hi) {
        zz = sn * e[k + 1];
        e[k + 1] *= cs;
        x = e[k];
      }
      double* zk = &z(0, k);
      double* zk1 = &z(0, k + 1);
      for (int64_t i = 0; i < m; ++i) {
        const double u = zk[i], v = zk1[i];
        zk[i] = cs * u + sn * v;
        zk1[i] = -sn * u + cs * v;
      }
    }
  }
  // Ascending, vectors with them.
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return d[i] < d[j]; });
  for (int64_t j = 0; j < m; ++j) {
    const int64_t src = order[static_cast<size_t>(j)];
    w[j] = d[src];
    for (int64_t i = 0; i < m; ++i) a(i, j) = z(i, src);
  }
}

}  // namespace dense

namespace {

constexpr double kEps = DBL_EPSILON;

// splitmix64 (Steele, Lea, Flood 2014): the seeded start and restart vectors, the same on every
// platform (std:: distributions are implementation-defined).
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53 * 2.0 - 1.0; }  // [-1, 1)
};

// h[c] = V(:, c)ᵀ w for c < cols: per kBlock block of rows, then the blocks' partials in order.
void project(const Engine& e, const double* V, int64_t ld, int64_t n, int64_t cols, const double* w,
             double* h) {
  if (cols == 0) return;
  const int64_t nblocks = (n + ops::kBlock - 1) / ops::kBlock;
  std::vector<double> partial(static_cast<size_t>(nblocks * cols));
  parallel_run(e.pool, n * cols >= ops::kParallelMin && nblocks > 1, [&](int task, int ntasks) {
    for (int64_t b = nblocks * task / ntasks; b < nblocks * (task + 1) / ntasks; ++b) {
      const int64_t i0 = b * ops::kBlock, len = std::min(ops::kBlock, n - i0);
      for (int64_t c = 0; c < cols; ++c)
        partial[static_cast<size_t>(b * cols + c)] = e.k->dot(V + c * ld + i0, w + i0, len);
    }
  });
  for (int64_t c = 0; c < cols; ++c) h[c] = 0.0;
  for (int64_t b = 0; b < nblocks; ++b)
    for (int64_t c = 0; c < cols; ++c) h[c] += partial[static_cast<size_t>(b * cols + c)];
}

// w −= V(:, 0:cols) h
void subtract(const Engine& e, const double* V, int64_t ld, int64_t n, int64_t cols,
              const double* h, double* w) {
  if (cols == 0) return;
  parallel_run(e.pool, n * cols >= ops::kParallelMin, [&](int task, int ntasks) {
    const int64_t nblocks = (n + ops::kBlock - 1) / ops::kBlock;
    for (int64_t b = nblocks * task / ntasks; b < nblocks * (task + 1) / ntasks; ++b) {
      const int64_t i0 = b * ops::kBlock, len = std::min(ops::kBlock, n - i0);
      double* wb = w + i0;
      int64_t c = 0;
      // Four columns per pass over w (the pass is memory-bound: w is read and written once per
      // four columns instead of once per column).
      for (; c + 4 <= cols; c += 4) {
        const double* a0 = V + c * ld + i0;
        const double* a1 = a0 + ld;
        const double* a2 = a1 + ld;
        const double* a3 = a2 + ld;
        const double h0 = h[c], h1 = h[c + 1], h2 = h[c + 2], h3 = h[c + 3];
        for (int64_t i = 0; i < len; ++i)
          wb[i] -= (h0 * a0[i] + h1 * a1[i]) + (h2 * a2[i] + h3 * a3[i]);
      }
      for (; c < cols; ++c) e.k->axpy(-h[c], V + c * ld + i0, wb, len);
    }
  });
}

// Orthogonalises w against V(:, 0:cols) by classical Gram–Schmidt, twice, and a third time when
// the second pass still cancelled more than 1/√2 of the norm (Daniel–Gragg–Kaufman–Stewart's
// test). `h` (cols entries) receives the total coefficients. Returns ‖w‖ after, or 0 when w lies
// in span(V) to working precision (the last pass cancelled again).
double orthogonalise(const Engine& e, const double* V, int64_t ld, int64_t n, int64_t cols,
                     double* w, double* h, double* h2) {
  for (int64_t c = 0; c < cols; ++c) h[c] = 0.0;
  double prev = ops::nrm2(e, w, n);
  if (prev == 0.0) return 0.0;
  for (int pass = 0; pass < 3; ++pass) {
    project(e, V, ld, n, cols, w, h2);
    subtract(e, V, ld, n, cols, h2, w);
    for (int64_t c = 0; c < cols; ++c) h[c] += h2[c];
    const double now = ops::nrm2(e, w, n);
    if (pass >= 1 && now > 0.7071 * prev) return now;
    if (pass == 2 || now == 0.0) return 0.0;
    prev = now;
  }
  return 0.0;
}

// V(:, 0:l) ← V(:, 0:m) Y (Y m×l column-major), in place by row chunks.
void transform_basis(const Engine& e, double* V, int64_t ld, int64_t n, int64_t m, const double* Y,
                     int64_t l) {
  constexpr int64_t kChunk = 1024;
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  parallel_run(e.pool, n * m * l >= ops::kParallelMin && nchunks > 1, [&](int task, int ntasks) {
    Engine serial = e;
    serial.pool = nullptr;
    std::vector<double> tmp(static_cast<size_t>(kChunk * l));
    for (int64_t b = nchunks * task / ntasks; b < nchunks * (task + 1) / ntasks; ++b) {
      const int64_t i0 = b * kChunk, rows = std::min(kChunk, n - i0);
      dense::gemm(serial, rows, l, m, 1.0, {V + i0, ld, dense::Order::Col}, false,
                  {Y, m, dense::Order::Col}, false, 0.0, tmp.data(), rows, dense::Order::Col);
      for (int64_t c = 0; c < l; ++c)
        std::copy(tmp.data() + c * rows, tmp.data() + (c + 1) * rows, V + c * ld + i0);
    }
  });
}

struct Want {
  bool largest, magnitude;
  // Indices 0..m−1 of θ (ascending) in order of preference.
  std::vector<int64_t> order(const double* theta, int64_t m) const {
    std::vector<int64_t> idx(static_cast<size_t>(m));
    std::iota(idx.begin(), idx.end(), int64_t{0});
    if (magnitude) {
      std::stable_sort(idx.begin(), idx.end(), [&](int64_t i, int64_t j) {
        const double ai = std::fabs(theta[i]), aj = std::fabs(theta[j]);
        return ai != aj ? ai > aj : theta[i] > theta[j];
      });
    } else if (largest) {
      std::reverse(idx.begin(), idx.end());
    }
    return idx;
  }
};

void check_options(const LinearOperator& A, const LanczosOptions& o, int64_t* ncv) {
  const int64_t n = A.rows();
  if (A.cols() != n)
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      "A: expected a square operator, got " + std::to_string(A.rows()) + "x" +
                          std::to_string(A.cols()),
                      -1, "A");
  if (o.k < 1 || o.k >= n)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "k: expected an integer in [1, n − 1] = [1, " + std::to_string(n - 1) +
                          "], got " + std::to_string(o.k),
                      -1, "k");
  int64_t m = o.ncv;
  if (m < 0) m = std::min(n, std::max<int64_t>(2 * o.k + 1, 20));
  if (m <= o.k || m > n)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "ncv: expected an integer in (k, n] = (" + std::to_string(o.k) + ", " +
                          std::to_string(n) + "], got " + std::to_string(m),
                      -1, "ncv");
  if (!(o.tol >= 0) || !std::isfinite(o.tol))
    throw SolverError("ERR_INVALID_ARGUMENT", "tol: expected a finite number >= 0", -1, "tol");
  if (o.max_iterations == 0 || o.max_iterations < -1)
    throw SolverError("ERR_INVALID_ARGUMENT", "maxIterations: expected a positive integer", -1,
                      "maxIterations");
  *ncv = m;
}

// The k wanted Ritz pairs of the basis V(:, 0:m) with projected matrix T (m×m, column-major,
// leading dimension ldt) and residual coupling beta, into r (values ascending, vectors n×k);
// entries beyond m are NaN / zero. Returns the number of converged wanted pairs.
int64_t ritz(const Engine& e, const double* V, int64_t n, int64_t m, const double* T, int64_t ldt,
             double beta, const Want& want, int64_t k, double tol, EigResult& r) {
  r.values.assign(static_cast<size_t>(k), std::numeric_limits<double>::quiet_NaN());
  r.vectors.assign(static_cast<size_t>(n * k), 0.0);
  if (m == 0) return 0;
  std::vector<double> Y(static_cast<size_t>(m * m)), theta(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j)
    for (int64_t i = 0; i < m; ++i) Y[static_cast<size_t>(i + j * m)] = T[i + j * ldt];
  dense::symmetric_eigen(m, Y.data(), m, theta.data());
  std::vector<int64_t> pref = want.order(theta.data(), m);
  const int64_t kk = std::min(k, m);
  std::vector<int64_t> sel(pref.begin(), pref.begin() + kk);
  int64_t nconv = 0;
  const double eps23 = std::pow(kEps, 2.0 / 3.0);
  for (int64_t j : sel)
    if (std::fabs(beta * Y[static_cast<size_t>(m - 1 + j * m)]) <=
        tol * std::max(eps23, std::fabs(theta[static_cast<size_t>(j)])))
      ++nconv;
  std::sort(sel.begin(), sel.end());  // θ ascending
  std::vector<double> Ys(static_cast<size_t>(m * kk));
  for (int64_t c = 0; c < kk; ++c) {
    const int64_t j = sel[static_cast<size_t>(c)];
    r.values[static_cast<size_t>(c)] = theta[static_cast<size_t>(j)];
    std::copy(Y.data() + j * m, Y.data() + (j + 1) * m, Ys.data() + c * m);
  }
  dense::gemm(e, n, kk, m, 1.0, {V, n, dense::Order::Col}, false, {Ys.data(), m, dense::Order::Col},
              false, 0.0, r.vectors.data(), n, dense::Order::Col);
  return nconv;
}

// ncv >= n: the whole space. A is formed column by column and solved densely.
EigResult dense_path(const Engine& e, const LinearOperator& A, const LanczosOptions& o,
                     Control& ctl, const Want& want) {
  const int64_t n = A.rows(), k = o.k;
  EigResult r;
  std::vector<double> B(static_cast<size_t>(n * n)), unit(static_cast<size_t>(n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      r.reason = reason_from_stop(stop);
      r.values.assign(static_cast<size_t>(k), std::numeric_limits<double>::quiet_NaN());
      r.vectors.assign(static_cast<size_t>(n * k), 0.0);
      return r;
    }
    unit[static_cast<size_t>(j)] = 1.0;
    const bool ok = A.apply(e, unit.data(), B.data() + j * n);
    unit[static_cast<size_t>(j)] = 0.0;
    ++r.matvecs;
    if (!ok) {
      r.reason = Reason::Aborted;
      r.values.assign(static_cast<size_t>(k), std::numeric_limits<double>::quiet_NaN());
      r.vectors.assign(static_cast<size_t>(n * k), 0.0);
      return r;
    }
  }
  for (double x : B)
    if (!std::isfinite(x)) {
      r.reason = Reason::NonFinite;
      r.values.assign(static_cast<size_t>(k), std::numeric_limits<double>::quiet_NaN());
      r.vectors.assign(static_cast<size_t>(n * k), 0.0);
      return r;
    }
  // The symmetric part (the upper triangle as the average of both).
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < j; ++i) {
      const double s =
          0.5 * (B[static_cast<size_t>(i + j * n)] + B[static_cast<size_t>(j + i * n)]);
      B[static_cast<size_t>(i + j * n)] = s;
    }
  std::vector<double> w(static_cast<size_t>(n));
  dense::symmetric_eigen(n, B.data(), n, w.data());
  std::vector<int64_t> sel = want.order(w.data(), n);
  sel.resize(static_cast<size_t>(k));
  std::sort(sel.begin(), sel.end());
  r.values.resize(static_cast<size_t>(k));
  r.vectors.resize(static_cast<size_t>(n * k));
  for (int64_t c = 0; c < k; ++c) {
    const int64_t j = sel[static_cast<size_t>(c)];
    r.values[static_cast<size_t>(c)] = w[static_cast<size_t>(j)];
    std::copy(B.data() + j * n, B.data() + (j + 1) * n, r.vectors.data() + c * n);
  }
  r.iterations = 1;
  r.nconv = k;
  r.converged = true;
  r.reason = Reason::Tol;
  return r;
}

}  // namespace

EigResult lanczos(const Engine& e, const LinearOperator& A, const LanczosOptions& o, Control& ctl) {
  int64_t m = 0;
  check_options(A, o, &m);
  const int64_t n = A.rows(), k = o.k;
  const Want want{o.largest, o.magnitude};
  const double tol = o.tol > 0 ? o.tol : kEps;
  const int64_t maxit = o.max_iterations < 0 ? 10 * n : o.max_iterations;
  Rng rng{o.seed ^ 0x6c616e637a6f73ULL};

  if (o.v0 != nullptr) {
    double s = 0.0;
    bool finite = true;
    for (int64_t i = 0; i < n; ++i) {
      finite = finite && std::isfinite(o.v0[i]);
      s += o.v0[i] * o.v0[i];
    }
    if (!finite || s == 0.0)
      throw SolverError("ERR_INVALID_ARGUMENT",
                        finite ? "v0: the start vector is zero" : "v0: has a non-finite entry", -1,
                        "v0");
  }
  if (m >= n) return dense_path(e, A, o, ctl, want);

  // V: n × (m+1), column m the residual direction. T: m×m column-major, the projected matrix.
  ScratchVec Vbuf = ops::scratch(e, n * (m + 1));
  double* V = Vbuf.data();
  std::vector<double> T(static_cast<size_t>(m * m), 0.0);
  auto t = [&](int64_t i, int64_t j) -> double& { return T[static_cast<size_t>(i + j * m)]; };
  std::vector<double> h(static_cast<size_t>(m + 1)), h2(static_cast<size_t>(m + 1));
  std::vector<double> beta(static_cast<size_t>(m), 0.0);  // beta[i]: coupling of v_i to v_{i+1}

  double* v0 = V;
  if (o.v0 != nullptr) {
    std::copy(o.v0, o.v0 + n, v0);
  } else {
    for (int64_t i = 0; i < n; ++i) v0[i] = rng.uniform();
  }
  ops::scale(e, 1.0 / ops::nrm2(e, v0, n), v0, n);

  EigResult r;
  // A random unit vector orthogonal to V(:, 0:cols) into w; false when there is no room.
  auto fresh_direction = [&](int64_t cols, double* w) {
    if (cols >= n) return false;
    for (int attempt = 0; attempt < 3; ++attempt) {
      for (int64_t i = 0; i < n; ++i) w[i] = rng.uniform();
      const double nw = orthogonalise(e, V, n, n, cols, w, h.data(), h2.data());
      if (nw > 0.0) {
        ops::scale(e, 1.0 / nw, w, n);
        return true;
      }
    }
    return false;
  };
  auto finish = [&](int64_t mcur, Reason reason) {
    const double b = mcur > 0 ? beta[static_cast<size_t>(mcur - 1)] : 0.0;
    r.nconv = ritz(e, V, n, mcur, T.data(), m, b, want, k, tol, r);
    r.reason = reason;
    r.converged = reason_converged(reason);
    return r;
  };

  int64_t l = 0;  // kept vectors at the start of the cycle
  std::vector<double> Y(static_cast<size_t>(m * m)), theta(static_cast<size_t>(m));
  const double eps23 = std::pow(kEps, 2.0 / 3.0);
  for (;;) {
    // Extend the basis from l to m vectors.
    for (int64_t i = l; i < m; ++i) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) return finish(i, reason_from_stop(stop));
      double* vi = V + i * n;
      double* w = V + (i + 1) * n;
      const bool ok = A.apply(e, vi, w);
      ++r.matvecs;
      if (!ok) return finish(i, Reason::Aborted);
      const double nb = orthogonalise(e, V, n, n, i + 1, w, h.data(), h2.data());
      const double alpha = h[static_cast<size_t>(i)];
      if (!std::isfinite(alpha) || !std::isfinite(nb)) return finish(i, Reason::NonFinite);
      t(i, i) = alpha;
      double b = nb;
      if (nb > 0.0) {
        ops::scale(e, 1.0 / nb, w, n);
      } else {
        // An invariant subspace: go on with a fresh direction, coupled by 0.
        b = 0.0;
        if (!fresh_direction(i + 1, w)) std::fill(w, w + n, 0.0);
      }
      beta[static_cast<size_t>(i)] = b;
      if (i + 1 < m) t(i, i + 1) = t(i + 1, i) = b;
    }
    ++r.iterations;
    // Ritz pairs of the cycle.
    const double bm = beta[static_cast<size_t>(m - 1)];
    std::copy(T.begin(), T.end(), Y.begin());
    dense::symmetric_eigen(m, Y.data(), m, theta.data());
    std::vector<int64_t> pref = want.order(theta.data(), m);
    int64_t nconv = 0;
    for (int64_t c = 0; c < k; ++c) {
      const int64_t j = pref[static_cast<size_t>(c)];
      if (std::fabs(bm * Y[static_cast<size_t>(m - 1 + j * m)]) <=
          tol * std::max(eps23, std::fabs(theta[static_cast<size_t>(j)])))
        ++nconv;
    }
    ProgressInfo pi;
    pi.iteration = r.iterations;
    pi.total = maxit;
    pi.value = theta[static_cast<size_t>(pref[0])];
    pi.fraction = static_cast<double>(nconv) / static_cast<double>(k);
    ctl.progress(pi);
    if (nconv >= k) return finish(m, Reason::Tol);
    if (r.iterations >= maxit) return finish(m, Reason::MaxIterations);
    // Thick restart: keep the l most wanted Ritz vectors and the residual direction.
    l = k + std::min(nconv, (m - k) / 2);
    if (k == 1 && m >= 6) l = std::max(l, m / 2);
    l = std::min(l, m - 1);
    std::vector<double> Ys(static_cast<size_t>(m * l));
    for (int64_t c = 0; c < l; ++c) {
      const int64_t j = pref[static_cast<size_t>(c)];
      std::copy(Y.data() + j * m, Y.data() + (j + 1) * m, Ys.data() + c * m);
    }
    transform_basis(e, V, n, n, m, Ys.data(), l);
    std::copy(V + m * n, V + (m + 1) * n, V + l * n);
    std::fill(T.begin(), T.end(), 0.0);
    for (int64_t c = 0; c < l; ++c) {
      const int64_t j = pref[static_cast<size_t>(c)];
      t(c, c) = theta[static_cast<size_t>(j)];
      t(c, l) = t(l, c) = bm * Ys[static_cast<size_t>(m - 1 + c * m)];
      beta[static_cast<size_t>(c)] = 0.0;
    }
  }
}

EigResult lanczos_shift_invert(const Engine& e, const LinearOperator& inverse, double sigma,
                               const LanczosOptions& o, Control& ctl) {
  LanczosOptions so = o;
  so.magnitude = true;
  EigResult r = lanczos(e, inverse, so, ctl);
  const int64_t k = static_cast<int64_t>(r.values.size());
  const int64_t n = inverse.rows();
  std::vector<double> lambda(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c)
    lambda[static_cast<size_t>(c)] = sigma + 1.0 / r.values[static_cast<size_t>(c)];
  std::vector<int64_t> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), int64_t{0});
  // NaN (missing pairs of a stopped run) last.
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) {
    const double a = lambda[static_cast<size_t>(i)], b = lambda[static_cast<size_t>(j)];
    if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
    return a < b;
  });
  std::vector<double> vals(static_cast<size_t>(k)), vecs(static_cast<size_t>(n * k));
  for (int64_t c = 0; c < k; ++c) {
    const int64_t j = order[static_cast<size_t>(c)];
    vals[static_cast<size_t>(c)] = lambda[static_cast<size_t>(j)];
    std::copy(r.vectors.begin() + j * n, r.vectors.begin() + (j + 1) * n, vecs.begin() + c * n);
  }
  r.values.swap(vals);
  r.vectors.swap(vecs);
  return r;
}

}  // namespace itersolve
