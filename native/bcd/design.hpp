// A read-only design matrix X (rows = samples, cols = features) for the coordinate-descent solvers
// of native/bcd/, read in place, never copied or densified:
//  - dense column-major (the fast path: a column is contiguous, x_j = data + j·ld);
//  - dense row-major (entry (i, j) at data[i·ld + j]; column operations are strided);
//  - sparse CSC (colPtr int32, cols + 1 entries; rowIdx int32; values): column j holds rows
//    rowIdx[colPtr[j] .. colPtr[j+1]).
// Pure C++ (no Node). Centred: the column operations a solver needs when it fits an intercept,
// with sample weights s (Σ s = S), on the implicitly centred columns x_j − μ_j·1, μ_j = Σ s_i x_ij
// / S (the weighted column mean): the residual is stored as r + off·1 (off a scalar), so a
// coordinate step touches only the stored nonzeros of x_j plus two scalars, and X is never
// centred in memory.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "../formats/csc.hpp"
#include "../kernels/kernels.hpp"

namespace itersolve {
namespace bcd {

enum class Layout : int { ColMajor = 0, RowMajor, Csc };

struct Design {
  Layout layout = Layout::ColMajor;
  int64_t rows = 0;
  int64_t cols = 0;
  // Dense: data and its leading dimension (ColMajor: ≥ rows; RowMajor: ≥ cols).
  const double* data = nullptr;
  int64_t ld = 0;
  // Csc.
  const int32_t* colPtr = nullptr;
  const int32_t* rowIdx = nullptr;
  const double* values = nullptr;

  static Design col_major(int64_t rows, int64_t cols, const double* data, int64_t ld = 0) {
    Design d;
    d.layout = Layout::ColMajor, d.rows = rows, d.cols = cols, d.data = data;
    d.ld = ld > 0 ? ld : rows;
    return d;
  }
  static Design row_major(int64_t rows, int64_t cols, const double* data, int64_t ld = 0) {
    Design d;
    d.layout = Layout::RowMajor, d.rows = rows, d.cols = cols, d.data = data;
    d.ld = ld > 0 ? ld : cols;
    return d;
  }
  static Design csc(int64_t rows, int64_t cols, const int32_t* colPtr, const int32_t* rowIdx,
                    const double* values) {
    Design d;
    d.layout = Layout::Csc, d.rows = rows, d.cols = cols;
    d.colPtr = colPtr, d.rowIdx = rowIdx, d.values = values;
    return d;
  }
  static Design csc(const CscView& A) { return csc(A.rows, A.cols, A.colPtr, A.rowIdx, A.values); }
  int64_t nnz() const { return layout == Layout::Csc ? colPtr[cols] - colPtr[0] : rows * cols; }

  // Throws SolverError naming "X": bad shape or leading dimension, a CSC structure that is not
  // one (colPtr not non-decreasing, a row index outside [0, rows)), a non-finite entry.
  void validate() const {
    auto bad = [](const char* code, const std::string& m) {
      throw SolverError(code, "X: " + m, -1, "X");
    };
    if (rows < 0 || cols < 0) bad("ERR_DIMENSION_MISMATCH", "negative shape");
    if (layout == Layout::Csc) {
      if (colPtr == nullptr || (nnz() > 0 && (rowIdx == nullptr || values == nullptr)))
        bad("ERR_INVALID_MATRIX", "missing CSC arrays");
      if (colPtr[0] != 0) bad("ERR_INVALID_MATRIX", "colPtr[0] must be 0");
      // The whole of colPtr first: rowIdx and values hold colPtr[cols] entries, so a column
      // reaching past that (a later colPtr smaller) must be refused before it is read.
      for (int64_t j = 0; j < cols; ++j)
        if (colPtr[j + 1] < colPtr[j]) bad("ERR_INVALID_MATRIX", "colPtr must be non-decreasing");
      for (int64_t j = 0; j < cols; ++j) {
        for (int32_t k = colPtr[j]; k < colPtr[j + 1]; ++k) {
          if (rowIdx[k] < 0 || rowIdx[k] >= rows)
            bad("ERR_INVALID_MATRIX", "row index out of range in column " + std::to_string(j));
          if (!std::isfinite(values[k]))
            bad("ERR_INVALID_ARGUMENT", "non-finite entry in column " + std::to_string(j));
        }
      }
      return;
    }
    if (rows * cols > 0 && data == nullptr) bad("ERR_INVALID_MATRIX", "missing data");
    if (ld < (layout == Layout::ColMajor ? rows : cols))
      bad("ERR_DIMENSION_MISMATCH", "leading dimension too small");
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t i = 0; i < rows; ++i)
        if (!std::isfinite(at(i, j)))
          bad("ERR_INVALID_ARGUMENT",
              "non-finite entry at row " + std::to_string(i) + ", column " + std::to_string(j));
  }

  // Dense only.
  double at(int64_t i, int64_t j) const {
    return layout == Layout::ColMajor ? data[j * ld + i] : data[i * ld + j];
  }

  // Σ_i s_i x_ij v_i (s null: all ones).
  double dot(const Kernels* k, int64_t j, const double* v, const double* s) const {
    double acc = 0.0;
    switch (layout) {
      case Layout::ColMajor: {
        const double* x = data + j * ld;
        if (s == nullptr) return k->dot(x, v, rows);
        for (int64_t i = 0; i < rows; ++i) acc += s[i] * x[i] * v[i];
        return acc;
      }
      case Layout::RowMajor: {
        const double* x = data + j;
        if (s == nullptr)
          for (int64_t i = 0; i < rows; ++i) acc += x[i * ld] * v[i];
        else
          for (int64_t i = 0; i < rows; ++i) acc += s[i] * x[i * ld] * v[i];
        return acc;
      }
      case Layout::Csc:
        if (s == nullptr)
          for (int32_t q = colPtr[j]; q < colPtr[j + 1]; ++q) acc += values[q] * v[rowIdx[q]];
        else
          for (int32_t q = colPtr[j]; q < colPtr[j + 1]; ++q)
            acc += s[rowIdx[q]] * values[q] * v[rowIdx[q]];
        return acc;
    }
    return acc;
  }
  // y += a·x_j.
  void axpy(const Kernels* k, int64_t j, double a, double* y) const {
    switch (layout) {
      case Layout::ColMajor: k->axpy(a, data + j * ld, y, rows); return;
      case Layout::RowMajor:
        for (int64_t i = 0; i < rows; ++i) y[i] += a * data[i * ld + j];
        return;
      case Layout::Csc:
        for (int32_t q = colPtr[j]; q < colPtr[j + 1]; ++q) y[rowIdx[q]] += a * values[q];
        return;
    }
  }
  // Σ_i s_i x_ij and Σ_i s_i x_ij² (s null: ones).
  void moments(int64_t j, const double* s, double& sum, double& sumsq) const {
    sum = 0.0, sumsq = 0.0;
    auto add = [&](int64_t i, double x) {
      const double w = s == nullptr ? 1.0 : s[i];
      sum += w * x, sumsq += w * x * x;
    };
    if (layout == Layout::Csc)
      for (int32_t q = colPtr[j]; q < colPtr[j + 1]; ++q) add(rowIdx[q], values[q]);
    else
      for (int64_t i = 0; i < rows; ++i) add(i, at(i, j));
  }
};

// The weighted, optionally centred columns of a design, and the residual bookkeeping of a
// coordinate-descent solver on them. The true residual is r + off·1, where r (rows entries) is
// stored by the caller; rsum = Σ s_i r_i is kept alongside (recompute it with refresh()).
struct Centered {
  const Design* X = nullptr;
  const Kernels* k = nullptr;
  const double* s = nullptr;  // sample weights, or null (ones)
  double S = 0.0;             // Σ s
  std::vector<double> mean;   // μ_j (empty: no centring)
  std::vector<double> sqnorm; // ‖x_j − μ_j‖²_s

  Centered(const Design& X_, const Kernels* k_, const double* s_, bool center)
      : X(&X_), k(k_), s(s_) {
    const int64_t n = X_.rows, p = X_.cols;
    S = 0.0;
    for (int64_t i = 0; i < n; ++i) S += s == nullptr ? 1.0 : s[i];
    if (center) mean.assign(static_cast<size_t>(p), 0.0);
    sqnorm.assign(static_cast<size_t>(p), 0.0);
    for (int64_t j = 0; j < p; ++j) {
      double sum, sumsq;
      X_.moments(j, s, sum, sumsq);
      if (!center) {
        sqnorm[j] = sumsq;
        continue;
      }
      const double mu = S > 0 ? sum / S : 0.0;
      mean[j] = mu;
      if (X_.layout == Layout::Csc) {
        sqnorm[j] = std::max(0.0, sumsq - S * mu * mu);
      } else {  // dense: the exact two-pass form
        double acc = 0.0;
        for (int64_t i = 0; i < n; ++i) {
          const double d = X_.at(i, j) - mu;
          acc += (s == nullptr ? 1.0 : s[i]) * d * d;
        }
        sqnorm[j] = acc;
      }
    }
  }
  bool centered() const { return !mean.empty(); }
  double mu(int64_t j) const { return mean.empty() ? 0.0 : mean[j]; }

  // ⟨x_j − μ_j, r + off⟩_s = Σ s_i x_ij r_i − μ_j·rsum (off drops out: Σ s_i (x_ij − μ_j) = 0).
  double grad(int64_t j, const double* r, double rsum) const {
    return X->dot(k, j, r, s) - mu(j) * rsum;
  }
  // The true residual loses δ·(x_j − μ_j): r −= δ x_j, off += δ μ_j, rsum −= δ μ_j S.
  void step(int64_t j, double delta, double* r, double& off, double& rsum) const {
    X->axpy(k, j, -delta, r);
    const double m = mu(j);
    if (m != 0.0) off += delta * m, rsum -= delta * m * S;
  }
  // rsum = Σ s_i r_i exactly.
  double weighted_sum(const double* r) const {
    double acc = 0.0;
    for (int64_t i = 0; i < X->rows; ++i) acc += (s == nullptr ? 1.0 : s[i]) * r[i];
    return acc;
  }
};

}  // namespace bcd
}  // namespace itersolve
