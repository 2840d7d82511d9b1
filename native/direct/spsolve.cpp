#include "spsolve.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "cholesky.hpp"
#include "lu.hpp"

namespace itersolve {
namespace direct {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void poll_or_throw(Control* ctl) {
  if (ctl == nullptr) return;
  const StopReason s = ctl->poll();
  if (s == StopReason::Aborted) throw SolverError("ABORT_ERR", "spsolve: aborted");
  if (s == StopReason::TimeLimit)
    throw SolverError("ERR_TIME_LIMIT", "spsolve: the time limit ran out", -1, "timeLimitMs");
}

double relative(double r, double b) {
  if (b > 0) return r / b;
  return r == 0 ? 0.0 : INFINITY;
}

// r = b − A x with each row's sum accumulated in double-double (Dekker/Knuth error-free
// transformations: the product's error by an FMA, the sum's by TwoSum; T. Ogita, S. M. Rump and
// S. Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26(6), 2005, Algorithm Dot2),
// rounded to double at the end: the residual is then as accurate as if computed in twice the
// working precision, which is what lets refinement reach the correctly rounded solution of an
// ill-conditioned system (Higham, ch. 12.1). Rows are independent: threads over row ranges give
// the same result as one thread. Returns ‖r‖₂.
// The rounding error of prod = fl(a·b), exactly: an FMA where the hardware has one (then the
// compiler may also contract Dekker's products, which would break them), else Dekker's split
// (T. J. Dekker, "A floating-point technique for extending the available precision", Numer.
// Math. 18, 1971), which needs no FMA and cannot be contracted without one.
inline double product_error(double a, double b, double prod) {
#if defined(FP_FAST_FMA)
  return std::fma(a, b, -prod);
#else
  constexpr double kSplit = 134217729.0;  // 2^27 + 1
  const double ta = kSplit * a, ah = ta - (ta - a), al = a - ah;
  const double tb = kSplit * b, bh = tb - (tb - b), bl = b - bh;
  return ((ah * bh - prod) + ah * bl + al * bh) + al * bl;
#endif
}

double residual_dd(const Engine& e, const CsrView& A, const double* b, const double* x, double* r) {
  const int64_t n = A.rows;
  parallel_run(e.pool, A.rowPtr[n] >= ops::kParallelMin, [&](int task, int ntasks) {
    const int64_t i0 = n * task / ntasks, i1 = n * (task + 1) / ntasks;
    for (int64_t i = i0; i < i1; ++i) {
      double s = b[i], c = 0.0;
      for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
        const double a = -A.values[p], v = x[A.colIdx[p]];
        const double prod = a * v;
        const double perr = product_error(a, v, prod);
        const double t = s + prod;
        const double z = t - s;
        c += ((s - (t - z)) + (prod - z)) + perr;
        s = t;
      }
      r[i] = s + c;
    }
  });
  return ops::nrm2(e, r, n);
}

// Refines the columns of X in place (see spsolve.hpp); `solve(R, k)` overwrites k columns of R
// (ld n) with A⁻¹R.
void refine_columns(const Engine& e, const CsrView& A, const double* B, int64_t nrhs, double* X,
                    int64_t steps, Control* ctl, const std::function<void(double*, int64_t)>& solve,
                    SpsolveResult& res) {
  const int64_t n = A.rows;
  const size_t nz = static_cast<size_t>(n);
  std::vector<double> R(nz * static_cast<size_t>(nrhs)), bn(static_cast<size_t>(nrhs)),
      rn(static_cast<size_t>(nrhs));
  std::vector<char> active(static_cast<size_t>(nrhs), 0);
  std::vector<int64_t> taken(static_cast<size_t>(nrhs), 0);
  for (int64_t c = 0; c < nrhs; ++c) {
    const double* b = B + c * n;
    double* r = R.data() + c * n;
    rn[c] = residual_dd(e, A, b, X + c * n, r);
    bn[c] = ops::nrm2(e, b, n);
    active[c] = steps > 0 && std::isfinite(rn[c]) && rn[c] > kRefineFloor * bn[c];
  }
  std::vector<double> D, xt(nz), rt(nz);
  std::vector<int64_t> cols;
  for (int64_t step = 0; step < steps; ++step) {
    cols.clear();
    for (int64_t c = 0; c < nrhs; ++c)
      if (active[c]) cols.push_back(c);
    if (cols.empty()) break;
    poll_or_throw(ctl);
    const int64_t k = static_cast<int64_t>(cols.size());
    D.resize(nz * static_cast<size_t>(k));
    for (int64_t j = 0; j < k; ++j)
      std::memcpy(D.data() + j * n, R.data() + cols[j] * n, nz * sizeof(double));
    solve(D.data(), k);
    for (int64_t j = 0; j < k; ++j) {
      const int64_t c = cols[j];
      double* x = X + c * n;
      const double* d = D.data() + j * n;
      for (int64_t i = 0; i < n; ++i) xt[i] = x[i] + d[i];
      const double rnew = residual_dd(e, A, B + c * n, xt.data(), rt.data());
      if (rnew < rn[c]) {
        std::memcpy(x, xt.data(), nz * sizeof(double));
        std::memcpy(R.data() + c * n, rt.data(), nz * sizeof(double));
        ++taken[c];
        // Keep going only while a step at least halves the residual.
        if (!(rnew <= 0.5 * rn[c]) || !(rnew > kRefineFloor * bn[c])) active[c] = 0;
        rn[c] = rnew;
      } else {
        active[c] = 0;  // no gain: x keeps the previous iterate
      }
    }
  }
  res.refinement_steps = 0;
  res.residual_norms.assign(rn.begin(), rn.end());
  res.relative_residuals.resize(static_cast<size_t>(nrhs));
  res.residual_norm = 0;
  res.relative_residual = 0;
  for (int64_t c = 0; c < nrhs; ++c) {
    res.refinement_steps = std::max(res.refinement_steps, taken[c]);
    res.relative_residuals[c] = relative(rn[c], bn[c]);
    if (!(rn[c] <= res.residual_norm)) res.residual_norm = rn[c];
    if (!(res.relative_residuals[c] <= res.relative_residual))
      res.relative_residual = res.relative_residuals[c];
  }
}

}  // namespace

const char* direct_method_name(DirectMethod m) {
  switch (m) {
    case DirectMethod::Cholesky: return "cholesky";
    case DirectMethod::Lu: return "lu";
    default: return "auto";
  }
}

bool is_symmetric(const CsrView& A) {
  if (A.rows != A.cols) return false;
  const int64_t n = A.rows;
  const int64_t nnz = A.rowPtr[n];
  // Aᵀ by a counting sort: its rows come out with ascending column indices.
  std::vector<int32_t> tp(static_cast<size_t>(n) + 1, 0), ti(static_cast<size_t>(nnz));
  std::vector<double> tv(static_cast<size_t>(nnz));
  for (int64_t p = 0; p < nnz; ++p) ++tp[static_cast<size_t>(A.colIdx[p]) + 1];
  for (int64_t i = 0; i < n; ++i) tp[i + 1] += tp[i];
  std::vector<int32_t> next(tp.begin(), tp.end() - 1);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p) {
      const int32_t q = next[A.colIdx[p]]++;
      ti[q] = static_cast<int32_t>(i);
      tv[q] = A.values[p];
    }
  // Compare row i of A (sorted if needed) with row i of Aᵀ.
  std::vector<std::pair<int32_t, double>> row;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t p0 = A.rowPtr[i], p1 = A.rowPtr[i + 1];
    if (p1 - p0 != tp[i + 1] - tp[i]) return false;
    bool sorted = true;
    for (int32_t p = p0 + 1; p < p1 && sorted; ++p) sorted = A.colIdx[p - 1] <= A.colIdx[p];
    if (sorted) {
      for (int32_t p = p0, q = tp[i]; p < p1; ++p, ++q)
        if (A.colIdx[p] != ti[q] || !(A.values[p] == tv[q])) return false;
    } else {
      row.clear();
      for (int32_t p = p0; p < p1; ++p) row.emplace_back(A.colIdx[p], A.values[p]);
      std::sort(row.begin(), row.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t k = 0; k < row.size(); ++k)
        if (row[k].first != ti[tp[i] + k] || !(row[k].second == tv[tp[i] + k])) return false;
    }
  }
  return true;
}

bool has_positive_diagonal(const CsrView& A) {
  const int64_t n = std::min(A.rows, A.cols);
  for (int64_t i = 0; i < n; ++i) {
    double d = 0;
    bool found = false;
    for (int32_t p = A.rowPtr[i]; p < A.rowPtr[i + 1]; ++p)
      if (A.colIdx[p] == i) d += A.values[p], found = true;
    if (!found || !(d > 0)) return false;
  }
  return true;
}

SpsolveResult spsolve(const Engine& e, const CsrView& A, const double* B, int64_t nrhs, double* X,
                      const SpsolveOptions& o, Control* ctl) {
  if (A.rows != A.cols)
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      "A: expected a square matrix, received " + std::to_string(A.rows) + "x" +
                          std::to_string(A.cols),
                      -1, "A");
  if (nrhs < 0) throw SolverError("ERR_INVALID_ARGUMENT", "B: negative column count", -1, "b");
  if (o.refine < 0)
    throw SolverError("ERR_INVALID_ARGUMENT", "refine: expected an integer >= 0", -1, "refine");
  const int64_t n = A.rows;
  SpsolveResult res;
  const auto t0 = Clock::now();
  std::unique_ptr<CholeskyFactor> chol;
  std::unique_ptr<LuFactor> lu;
  DirectMethod m = o.method;
  if (m == DirectMethod::Auto || m == DirectMethod::Cholesky) {
    const bool want = m == DirectMethod::Cholesky || (has_positive_diagonal(A) && is_symmetric(A));
    if (want) {
      CholeskyOptions co;
      // auto checked symmetry already; 'cholesky' asks the factorisation to check it.
      co.check_symmetric = m == DirectMethod::Cholesky;
      try {
        chol = CholeskyFactor::factorize(e, A, co, ctl);
      } catch (const SolverError& err) {
        if (m == DirectMethod::Cholesky || std::strcmp(err.code, "ERR_NOT_SPD") != 0) throw;
        res.fell_back = true;
      }
    }
  }
  if (!chol) {
    LuOptions lo;
    lo.pivot_threshold = o.pivot_threshold;
    lu = LuFactor::factorize(e, A, lo, ctl);
  }
  res.factor_ms = ms_since(t0);
  const auto t1 = Clock::now();
  const size_t total = static_cast<size_t>(n) * static_cast<size_t>(nrhs);
  if (X != B) std::memcpy(X, B, total * sizeof(double));
  std::function<void(double*, int64_t)> solve;
  if (chol) {
    res.method = DirectMethod::Cholesky;
    res.nnzL = chol->nnzL();
    res.ordering = ordering_name(chol->ordering());
    solve = [&](double* R, int64_t k) { chol->solve(e, R, k, n); };
  } else {
    res.method = DirectMethod::Lu;
    res.nnzL = lu->nnzL();
    res.nnzU = lu->nnzU();
    res.ordering = lu->ordering_name();
    solve = [&](double* R, int64_t k) { lu->solve(e, R, k, n); };
  }
  // X = B above, so the refinement's B must not alias X: keep a copy when they are the same.
  std::vector<double> Bcopy;
  const double* Bs = B;
  if (X == B) {
    Bcopy.assign(B, B + total);
    Bs = Bcopy.data();
  }
  if (nrhs > 0 && n > 0) solve(X, nrhs);
  refine_columns(e, A, Bs, nrhs, X, o.refine, ctl, solve, res);
  res.solve_ms = ms_since(t1);
  return res;
}

}  // namespace direct
}  // namespace itersolve
