// Shared pieces of the optimal-transport methods (ot.hpp): argument checks, the support of a and
// b, plans, marginals, costs and objectives from potentials. Every pass over C goes row by row
// through the kernel table's exp_row (SIMD exp) in the fixed row blocks of internal.hpp, so the
// results depend on the data and the ISA only, never on the number of threads.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "internal.hpp"
#include "ot.hpp"

namespace itersolve {
namespace ot {
namespace {

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Checks a histogram; returns its sum.
double check_histogram(const double* h, int64_t len, const char* name) {
  if (len < 1)
    throw SolverError("ERR_INVALID_ARGUMENT", std::string(name) + " must not be empty", -1, name);
  double s = 0.0;
  for (int64_t i = 0; i < len; ++i) {
    const double v = h[i];
    if (!std::isfinite(v))
      throw SolverError("ERR_INVALID_ARGUMENT",
                        std::string(name) + "[" + std::to_string(i) + "] is not finite", -1, name);
    if (v < 0.0)
      throw SolverError(
          "ERR_INVALID_ARGUMENT",
          std::string(name) + "[" + std::to_string(i) + "] = " + num(v) + " is negative", -1, name);
    s += v;
  }
  return s;
}

}  // namespace

namespace detail {

void combine_blocks(const Engine& e, const double* partial, int64_t nb, int64_t m, double* out) {
  std::copy(partial, partial + m, out);
  for (int64_t b = 1; b < nb; ++b) e.k->axpy(1.0, partial + b * m, out, m);
}

int64_t scan_cost(const Engine& e, const Problem& p, double* cmin, double* cmax) {
  const RowBlocks rb(p.n);
  std::vector<double> lo(rb.nb, std::numeric_limits<double>::infinity());
  std::vector<double> hi(rb.nb, -std::numeric_limits<double>::infinity());
  std::vector<int64_t> bad(rb.nb, -1);
  const int64_t m = p.m;
  for_row_blocks(e, rb, m, [&](int64_t b) {
    double l = lo[b], h = hi[b];
    for (int64_t i = rb.begin(b); i < rb.end(b); ++i) {
      const double* c = p.C + i * m;
      double rl = l, rh = h, chk = 0.0;
      for (int64_t j = 0; j < m; ++j) {
        const double v = c[j];
        rl = v < rl ? v : rl;
        rh = v > rh ? v : rh;
        chk += v * 0.0;  // NaN or ±∞ make it NaN
      }
      if (chk != 0.0 || rl < -kMaxCost || rh > kMaxCost) {
        for (int64_t j = 0; j < m; ++j)
          if (!(std::fabs(c[j]) <= kMaxCost)) {
            bad[b] = i * m + j;
            break;
          }
        break;
      }
      l = rl;
      h = rh;
    }
    lo[b] = l;
    hi[b] = h;
  });
  double l = std::numeric_limits<double>::infinity(), h = -l;
  for (int64_t b = 0; b < rb.nb; ++b) {
    if (bad[b] >= 0) return bad[b];
    l = std::min(l, lo[b]);
    h = std::max(h, hi[b]);
  }
  *cmin = l;
  *cmax = h;
  return -1;
}

void validate_scanned(const Problem& p, bool entropic, double epsilon, int64_t bad_c) {
  if (entropic && (!(epsilon > 0.0) || !(epsilon < kMaxEpsilon)))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "epsilon must be positive and below 1e150 (got " + num(epsilon) + ")", -1,
                      "epsilon");
  const double sa = check_histogram(p.a, p.n, "a");
  const double sb = check_histogram(p.b, p.m, "b");
  if (!(sa > 0.0)) throw SolverError("ERR_INVALID_ARGUMENT", "a must have a positive sum", -1, "a");
  if (std::fabs(sa - sb) > 1e-12 * std::max(sa, sb))
    throw SolverError(
        "ERR_INVALID_ARGUMENT",
        "sum(b) = " + num(sb) + " differs from sum(a) = " + num(sa) + " (beyond 1e-12 relative)",
        -1, "b");
  if (bad_c >= 0) {
    const double v = p.C[bad_c];
    throw SolverError("ERR_INVALID_ARGUMENT",
                      "C[" + std::to_string(bad_c / p.m) + ", " + std::to_string(bad_c % p.m) +
                          "] = " + num(v) +
                          (std::isfinite(v) ? " is beyond 1e150 in magnitude (potentials and "
                                              "costs built from C would overflow)"
                                            : " is not finite"),
                      -1, "C");
  }
}

void plan_pass(const Engine& e, const Problem& p, double epsilon, const double* f, const double* g,
               double* plan, double* r, double* c, double* cost, bool skip_zero_rows) {
  const int64_t n = p.n, m = p.m;
  const double inv = 1.0 / epsilon;
  const RowBlocks rb(n);
  const bool want_c = c != nullptr, want_cost = cost != nullptr;
  ScratchVec tmp = ops::scratch(e, plan != nullptr ? 1 : rb.nb * m);
  ScratchVec part = ops::scratch(e, want_c ? rb.nb * m : 1);
  std::vector<double> pcost(rb.nb, 0.0);
  for_row_blocks(e, rb, m, [&](int64_t b) {
    double* acc = part.data() + b * m;
    if (want_c) std::fill(acc, acc + m, 0.0);
    double cs = 0.0;
    for (int64_t i = rb.begin(b); i < rb.end(b); ++i) {
      double* row = plan != nullptr ? plan + i * m : tmp.data() + b * m;
      const double* ci = p.C + i * m;
      double s = 0.0;
      if (f[i] == -std::numeric_limits<double>::infinity() || (skip_zero_rows && p.a[i] == 0.0)) {
        if (plan != nullptr) std::fill(row, row + m, 0.0);
      } else {
        s = e.k->exp_row(g, ci, f[i], inv, row, m);
        if (want_c) e.k->axpy(1.0, row, acc, m);
        if (want_cost) cs += e.k->dot(ci, row, m);
      }
      if (r != nullptr) r[i] = s;
    }
    pcost[b] = cs;
  });
  if (want_c) combine_blocks(e, part.data(), rb.nb, m, c);
  if (want_cost) {
    double s = 0.0;
    for (int64_t b = 0; b < rb.nb; ++b) s += pcost[b];
    *cost = s;
  }
}

double marginal_error(const Problem& p, const double* r, const double* c) {
  double err = 0.0;
  for (int64_t i = 0; i < p.n; ++i) err += std::fabs(r[i] - p.a[i]);
  for (int64_t j = 0; j < p.m; ++j) err += std::fabs(c[j] - p.b[j]);
  return err;
}

void finish_from_sums(const Problem& p, double epsilon, const double* f, const double* g,
                      const double* r, const double* c, double cost, OtResult& res) {
  double fr = 0.0, gc = 0.0, mass = 0.0;
  for (int64_t i = 0; i < p.n; ++i) {
    if (r[i] != 0.0) fr += f[i] * r[i];
    mass += r[i];
  }
  for (int64_t j = 0; j < p.m; ++j)
    if (c[j] != 0.0) gc += g[j] * c[j];
  res.marginal_error = marginal_error(p, r, c);
  res.cost = cost;
  res.objective = fr + gc - epsilon * mass;
}

}  // namespace detail

namespace {
void validate_problem(const Problem& p, bool entropic, double epsilon) {
  double lo = 0.0, hi = 0.0;
  // ε, a and b first (cheap, and their errors are the likelier ones), then C.
  detail::validate_scanned(p, entropic, epsilon, -1);
  const Engine e{kernels_scalar(), nullptr, nullptr};
  detail::validate_scanned(p, entropic, epsilon, detail::scan_cost(e, p, &lo, &hi));
}
}  // namespace

void validate(const Problem& p, double epsilon) { validate_problem(p, true, epsilon); }
void validate(const Problem& p) { validate_problem(p, false, 0.0); }

Support support(const Problem& p) {
  Support s;
  for (int64_t i = 0; i < p.n; ++i)
    if (p.a[i] > 0.0) s.rows.push_back(i);
  for (int64_t j = 0; j < p.m; ++j)
    if (p.b[j] > 0.0) s.cols.push_back(j);
  s.full = static_cast<int64_t>(s.rows.size()) == p.n && static_cast<int64_t>(s.cols.size()) == p.m;
  return s;
}

void plan_from_potentials(const Engine& e, const Problem& p, double epsilon, const double* f,
                          const double* g, double* plan, double* r, double* c) {
  detail::plan_pass(e, p, epsilon, f, g, plan, r, c, nullptr, false);
}

void finish_from_potentials(const Engine& e, const Problem& p, double epsilon, const double* f,
                            const double* g, OtResult& res) {
  std::vector<double> r(p.n), c(p.m);
  double cost = 0.0;
  detail::plan_pass(e, p, epsilon, f, g, nullptr, r.data(), c.data(), &cost, false);
  detail::finish_from_sums(p, epsilon, f, g, r.data(), c.data(), cost, res);
}

double dual_objective(const Engine& e, const Problem& p, double epsilon, const double* f,
                      const double* g) {
  std::vector<double> c(p.m);
  detail::plan_pass(e, p, epsilon, f, g, nullptr, nullptr, c.data(), nullptr, true);
  double s = 0.0, mass = 0.0;
  for (int64_t i = 0; i < p.n; ++i)
    if (p.a[i] > 0.0) s += p.a[i] * f[i];
  for (int64_t j = 0; j < p.m; ++j)
    if (p.b[j] > 0.0) {
      s += p.b[j] * g[j];
      mass += c[j];
    }
  return s - epsilon * mass;
}

const char* sinkhorn_method_name(SinkhornMethod m) {
  switch (m) {
    case SinkhornMethod::Auto: return "auto";
    case SinkhornMethod::Scaling: return "scaling";
    case SinkhornMethod::Log: return "log";
    case SinkhornMethod::Stabilized: return "stabilized";
    case SinkhornMethod::EpsilonScaling: return "epsilon-scaling";
  }
  return "sinkhorn";
}

SinkhornMethod resolve_method(const Problem& p, double epsilon) {
  double lo = 0.0, hi = 0.0;
  const Engine e{kernels_scalar(), nullptr, nullptr};
  if (detail::scan_cost(e, p, &lo, &hi) >= 0) return SinkhornMethod::Log;
  return hi - lo <= kScalingSafeRange * epsilon ? SinkhornMethod::Scaling : SinkhornMethod::Log;
}

}  // namespace ot
}  // namespace itersolve
