// Relaxation kernels (sweep.hpp).
//
// The natural-order sweeps are bound by the chain from x_{i−1} to x_i (one row hands its new
// value to the next). Each row's update is split so that chain is one multiply and one subtract:
//   x_i = [x_i + w_i·(b_i − Σ_{k≠k*} a_ik x_{c_k})] − (w_i·a_ik*)·x_{i−1},   w_i = ω/a_ii,
// where k* is the entry of column i−1 (d.left) and x_{i−1} is held in a register; the bracket
// does not depend on x_{i−1} and overlaps the previous rows. Any order of the entries and
// duplicate entries are fine: every other x is read from memory, current.
#include "sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "../core/errors.hpp"

namespace itersolve {
namespace relax {
namespace {

std::string num(double v) {
  if (std::isnan(v)) return "nan";  // whatever its sign bit
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Throws on a missing, non-finite or zero diagonal entry of row i.
inline void check_diagonal(const char* who, int64_t i, bool found, double v) {
  if (found && v != 0.0 && std::isfinite(v)) return;
  if (!found)
    throw SolverError("ERR_ZERO_PIVOT",
                      std::string(who) + ": row " + std::to_string(i) + " has no diagonal entry",
                      i);
  if (!std::isfinite(v))
    throw SolverError(
        "ERR_ZERO_PIVOT",
        std::string(who) + ": non-finite diagonal entry " + num(v) + " at row " + std::to_string(i),
        i);
  throw SolverError("ERR_ZERO_PIVOT",
                    std::string(who) + ": zero diagonal entry at row " + std::to_string(i), i);
}

// b_i − Σ_k a_ik x_{c_k}
inline double row_residual(const int32_t* __restrict rp, const int32_t* __restrict ci,
                           const double* __restrict v, const double* b, const double* x,
                           int64_t i) {
  double acc = b[i];
  for (int32_t k = rp[i]; k < rp[i + 1]; ++k) acc -= v[k] * x[ci[k]];
  return acc;
}

// x_i's new value in a sweep whose previous row was `prev` (x_{i±1}, the column of entry `adj`,
// −1 when row i has none).
inline double relax_row(const int32_t* __restrict rp, const int32_t* __restrict ci,
                        const double* __restrict v, const double* __restrict invd, const double* b,
                        const double* x, int64_t i, int32_t adj, double omega, double prev) {
  const int32_t k0 = rp[i], k1 = rp[i + 1];
  const int32_t ka = adj >= 0 ? adj : k1;
  double acc = b[i];
  for (int32_t k = k0; k < ka; ++k) acc -= v[k] * x[ci[k]];
  for (int32_t k = ka + 1; k < k1; ++k) acc -= v[k] * x[ci[k]];
  const double w = omega * invd[i];
  double xi = x[i] + w * acc;
  if (adj >= 0) xi -= (w * v[adj]) * prev;
  return xi;
}

}  // namespace

void checked_diagonal(const char* who, const CsrView& A, double* d) {
  for (int64_t i = 0; i < A.rows; ++i) {
    bool found = false;
    double s = 0.0;
    for (int32_t k = A.rowPtr[i]; k < A.rowPtr[i + 1]; ++k)
      if (A.colIdx[k] == i) {
        s += A.values[k];
        found = true;
      }
    check_diagonal(who, i, found, s);
    d[i] = s;
  }
}

std::vector<double> checked_diagonal(const char* who, const CsrView& A) {
  std::vector<double> d(static_cast<size_t>(A.rows));
  checked_diagonal(who, A, d.data());
  return d;
}

SweepData prepare(const char* who, const CsrView& A, double* invd, int32_t* left, int32_t* right) {
  SweepData d;
  d.A = A;
  d.invd = invd;
  d.left = left;
  d.right = right;
  const int32_t* rp = A.rowPtr;
  const int32_t* ci = A.colIdx;
  int64_t lbw = 0, ubw = 0;
  for (int64_t i = 0; i < A.rows; ++i) {
    bool found = false;
    double s = 0.0;
    int32_t l = -1, r = -1;
    int64_t lo = i, hi = i;
    for (int32_t k = rp[i]; k < rp[i + 1]; ++k) {
      const int64_t j = ci[k];
      if (j == i) {
        s += A.values[k];
        found = true;
      } else if (j == i - 1) {
        l = k;
      } else if (j == i + 1) {
        r = k;
      }
      lo = std::min(lo, j);
      hi = std::max(hi, j);
    }
    check_diagonal(who, i, found, s);
    invd[i] = 1.0 / s;
    if (left != nullptr) left[i] = l;
    if (right != nullptr) right[i] = r;
    lbw = std::max(lbw, i - lo);
    ubw = std::max(ubw, hi - i);
  }
  d.lower_bw = lbw;
  d.upper_bw = ubw;
  return d;
}

double sor_forward(const SweepData& d, const double* b, double* x, double omega, bool residual) {
  const int32_t* __restrict rp = d.A.rowPtr;
  const int32_t* __restrict ci = d.A.colIdx;
  const double* __restrict v = d.A.values;
  const double* __restrict invd = d.invd;
  const int32_t* __restrict left = d.left;
  const int64_t n = d.A.rows;
  double prev = 0.0;
  if (!residual) {
    for (int64_t i = 0; i < n; ++i)
      x[i] = prev = relax_row(rp, ci, v, invd, b, x, i, left[i], omega, prev);
    return 0.0;
  }
  const int64_t bw = d.upper_bw;
  const int64_t head = std::min(bw, n);
  int64_t i = 0;
  for (; i < head; ++i) x[i] = prev = relax_row(rp, ci, v, invd, b, x, i, left[i], omega, prev);
  double rr = 0.0;
  for (; i < n; ++i) {
    x[i] = prev = relax_row(rp, ci, v, invd, b, x, i, left[i], omega, prev);
    const double r = row_residual(rp, ci, v, b, x, i - bw);
    rr += r * r;
  }
  for (int64_t m = n - head; m < n; ++m) {
    const double r = row_residual(rp, ci, v, b, x, m);
    rr += r * r;
  }
  return rr;
}

double sor_backward(const SweepData& d, const double* b, double* x, double omega, bool residual) {
  const int32_t* __restrict rp = d.A.rowPtr;
  const int32_t* __restrict ci = d.A.colIdx;
  const double* __restrict v = d.A.values;
  const double* __restrict invd = d.invd;
  const int32_t* __restrict right = d.right;
  const int64_t n = d.A.rows;
  double prev = 0.0;
  if (!residual) {
    for (int64_t i = n - 1; i >= 0; --i)
      x[i] = prev = relax_row(rp, ci, v, invd, b, x, i, right[i], omega, prev);
    return 0.0;
  }
  const int64_t bw = d.lower_bw;
  const int64_t head = std::min(bw, n);
  int64_t i = n - 1;
  for (; i >= n - head; --i)
    x[i] = prev = relax_row(rp, ci, v, invd, b, x, i, right[i], omega, prev);
  double rr = 0.0;
  for (; i >= 0; --i) {
    x[i] = prev = relax_row(rp, ci, v, invd, b, x, i, right[i], omega, prev);
    const double r = row_residual(rp, ci, v, b, x, i + bw);
    rr += r * r;
  }
  for (int64_t m = head - 1; m >= 0; --m) {
    const double r = row_residual(rp, ci, v, b, x, m);
    rr += r * r;
  }
  return rr;
}

double residual_sq(const Engine& e, const CsrView& A, const double* b, const double* x) {
  double out = 0.0;
  ops::sum_blocks<1>(
      e, A.rows,
      [&](int64_t i0, int64_t i1, double* acc) {
        double s = 0.0;
        for (int64_t i = i0; i < i1; ++i) {
          const double r = row_residual(A.rowPtr, A.colIdx, A.values, b, x, i);
          s += r * r;
        }
        acc[0] += s;
      },
      &out);
  return out;
}

double jacobi_pass(const Engine& e, const CsrView& A, const double* invd, const double* b,
                   const double* x, double* next, double omega) {
  double out = 0.0;
  ops::sum_blocks<1>(
      e, A.rows,
      [&](int64_t i0, int64_t i1, double* acc) {
        const int32_t* __restrict rp = A.rowPtr;
        const int32_t* __restrict ci = A.colIdx;
        const double* __restrict v = A.values;
        double s = 0.0;
        for (int64_t i = i0; i < i1; ++i) {
          const double r = x != nullptr ? row_residual(rp, ci, v, b, x, i) : b[i];
          s += r * r;
          if (next != nullptr) next[i] = (x != nullptr ? x[i] : 0.0) + omega * invd[i] * r;
        }
        acc[0] += s;
      },
      &out);
  return out;
}

void permute_rows(const CsrView& A, const int32_t* rows, int32_t* rp, int32_t* ci, double* v) {
  rp[0] = 0;
  for (int64_t q = 0; q < A.rows; ++q) {
    const int32_t i = rows[q];
    const int32_t k0 = A.rowPtr[i], len = A.rowPtr[i + 1] - k0;
    std::copy(A.colIdx + k0, A.colIdx + k0 + len, ci + rp[q]);
    std::copy(A.values + k0, A.values + k0 + len, v + rp[q]);
    rp[q + 1] = rp[q] + len;
  }
}

// s_q = b_i − Σ_k p_qk x_{c_k} for row q of P (row i = rows[q] of A)
#define ITERSOLVE_COLOR_ROW(q)                                      \
  const int64_t i = rows[q];                                        \
  double r = b[i];                                                  \
  for (int32_t k = rp[q]; k < rp[q + 1]; ++k) r -= v[k] * x[ci[k]]; \
  s += r * r

double color_update(const Engine& e, const CsrView& P, const int32_t* rows, const double* invd,
                    int64_t q0, int64_t count, const double* b, double* x, double f) {
  double out = 0.0;
  ops::sum_blocks<1>(
      e, count,
      [&](int64_t k0, int64_t k1, double* acc) {
        const int32_t* __restrict rp = P.rowPtr;
        const int32_t* __restrict ci = P.colIdx;
        const double* __restrict v = P.values;
        double s = 0.0;
        for (int64_t q = q0 + k0; q < q0 + k1; ++q) {
          ITERSOLVE_COLOR_ROW(q);
          x[i] += f * invd[i] * r;
        }
        acc[0] += s;
      },
      &out);
  return out;
}

double color_defer(const Engine& e, const CsrView& P, const int32_t* rows, const double* invd,
                   int64_t q0, int64_t count, const double* b, const double* x, double f,
                   double* delta) {
  double out = 0.0;
  ops::sum_blocks<1>(
      e, count,
      [&](int64_t k0, int64_t k1, double* acc) {
        const int32_t* __restrict rp = P.rowPtr;
        const int32_t* __restrict ci = P.colIdx;
        const double* __restrict v = P.values;
        double s = 0.0;
        for (int64_t q = q0 + k0; q < q0 + k1; ++q) {
          ITERSOLVE_COLOR_ROW(q);
          delta[q - q0] = f * invd[i] * r;
        }
        acc[0] += s;
      },
      &out);
  return out;
}

double color_residual(const Engine& e, const CsrView& P, const int32_t* rows, int64_t q0,
                      int64_t count, const double* b, const double* x) {
  double out = 0.0;
  ops::sum_blocks<1>(
      e, count,
      [&](int64_t k0, int64_t k1, double* acc) {
        const int32_t* __restrict rp = P.rowPtr;
        const int32_t* __restrict ci = P.colIdx;
        const double* __restrict v = P.values;
        double s = 0.0;
        for (int64_t q = q0 + k0; q < q0 + k1; ++q) {
          ITERSOLVE_COLOR_ROW(q);
        }
        acc[0] += s;
      },
      &out);
  return out;
}
#undef ITERSOLVE_COLOR_ROW

void color_apply(const Engine& e, const int32_t* rows, int64_t q0, int64_t count,
                 const double* delta, double* x) {
  ops::for_blocks(e, count, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) x[rows[q0 + k]] += delta[k];
  });
}

}  // namespace relax
}  // namespace itersolve
