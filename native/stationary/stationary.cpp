// Stationary iterative methods (stationary.hpp): Jacobi, Gauss-Seidel, SOR and SSOR in natural or
// multicolour order, on the kernels of sweep.hpp. Every iteration ends with the exact ‖b − A x‖
// of its x, computed in the same pass over A as the sweep (natural order), from the values the
// colour steps compute anyway (multicolour), or as the first half of the next pass (Jacobi).
#include "stationary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "../krylov/iteration.hpp"
#include "sweep.hpp"

namespace itersolve {
namespace {

const char* method_name(StationaryMethod m) {
  switch (m) {
    case StationaryMethod::Jacobi: return "jacobi";
    case StationaryMethod::GaussSeidel: return "gaussSeidel";
    case StationaryMethod::Sor: return "sor";
    case StationaryMethod::Ssor: return "ssor";
  }
  return "stationary";
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// n int32 in a scratch lease of doubles (never read as doubles).
int32_t* as_index(const ScratchVec& s) { return reinterpret_cast<int32_t*>(s.data()); }

// The initial residual norm: ‖b‖ for a zero start (x zeroed, no product), else ‖b − A x‖.
double initial_residual(const Engine& e, const CsrView& A, const double* b, double* x,
                        const SolveOptions& opt, IterResult& res) {
  if (opt.zero_start) {
    std::fill(x, x + A.rows, 0.0);
    return ops::nrm2(e, b, A.rows);
  }
  ++res.matvecs;
  return std::sqrt(relax::residual_sq(e, A, b, x));
}

IterResult run_jacobi(const Engine& e, const CsrView& A, const double* invd, const double* b,
                      double* x, double omega, const SolveOptions& opt, Control& ctl) {
  IterResult res;
  const int64_t n = A.rows;
  ScratchVec y = ops::scratch(e, std::max<int64_t>(n, 1));
  double* cur = x;
  double* next = y.data();
  if (opt.zero_start) std::fill(x, x + n, 0.0);
  else ++res.matvecs;
  // Pass k: the residual of x_k (its norm ends iteration k) and x_{k+1} = x_k + ω D⁻¹ r_k.
  double rnorm = std::sqrt(relax::jacobi_pass(e, A, invd, b, opt.zero_start ? nullptr : cur,
                                              opt.max_iterations > 0 ? next : nullptr, omega));
  krylov::Iteration iter(ctl, opt, res, krylov::tolerance(opt, rnorm), rnorm);
  if (iter.start(rnorm, x, n)) return res;
  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    std::swap(cur, next);
    rnorm = std::sqrt(
        relax::jacobi_pass(e, A, invd, b, cur, it < opt.max_iterations ? next : nullptr, omega));
    ++res.matvecs;
    if (iter.end_exact(it, rnorm)) break;
  }
  if (cur != x) ops::copy(e, cur, x, n);
  res.value = rnorm;
  krylov::flag_nonfinite(x, n, res);
  return res;
}

IterResult run_natural(const Engine& e, const relax::SweepData& d, const double* b, double* x,
                       double omega, SweepDirection dir, const SolveOptions& opt, Control& ctl) {
  IterResult res;
  const CsrView& A = d.A;
  const int64_t n = A.rows;
  double rnorm = initial_residual(e, A, b, x, opt, res);
  krylov::Iteration iter(ctl, opt, res, krylov::tolerance(opt, rnorm), rnorm);
  if (iter.start(rnorm, x, n)) return res;
  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    double rr;
    switch (dir) {
      case SweepDirection::Forward:
        rr = relax::sor_forward(d, b, x, omega, true);
        res.matvecs += 1;
        break;
      case SweepDirection::Backward:
        rr = relax::sor_backward(d, b, x, omega, true);
        res.matvecs += 1;
        break;
      default:
        relax::sor_forward(d, b, x, omega, false);
        rr = relax::sor_backward(d, b, x, omega, true);
        res.matvecs += 2;
        break;
    }
    rnorm = std::sqrt(rr);
    if (iter.end_exact(it, rnorm)) break;
  }
  res.value = rnorm;
  krylov::flag_nonfinite(x, n, res);
  return res;
}

// One colour step of a sweep: the rows of `color` get x_i += f·invd_i·s_i.
struct Step {
  int color;
  double f;
};

IterResult run_multicolor(const Engine& e, const CsrView& A, const double* invd, const double* b,
                          double* x, double omega, SweepDirection dir, const SolveOptions& opt,
                          Control& ctl) {
  IterResult res;
  const int64_t n = A.rows;
  double rnorm = initial_residual(e, A, b, x, opt, res);
  krylov::Iteration iter(ctl, opt, res, krylov::tolerance(opt, rnorm), rnorm);
  if (iter.start(rnorm, x, n)) return res;

  const Coloring col = greedy_coloring(A);
  const int K = col.ncolors;
  std::vector<Step> steps;
  auto push = [&](int c) {
    // Two updates of one colour in a row (the turn of a symmetric sweep) are one update:
    // x += f1·D⁻¹s + f2·D⁻¹(1−f1)s.
    if (!steps.empty() && steps.back().color == c) {
      double& f = steps.back().f;
      f = f + omega - f * omega;
    } else {
      steps.push_back({c, omega});
    }
  };
  if (dir != SweepDirection::Backward)
    for (int c = 0; c < K; ++c) push(c);
  if (dir != SweepDirection::Forward)
    for (int c = K - 1; c >= 0; --c) push(c);
  const int passes = dir == SweepDirection::Symmetric ? 2 : 1;

  // The residual of x_t, colour by colour, without another pass over all of A:
  //  - the last step's colour: (1 − f)·s from that step (no neighbour of its colour changes);
  //  - the first step's colour (when another): the next iteration's first step computes exactly
  //    that residual before updating, so it runs at the end of iteration t with its update kept
  //    in delta, applied only when x_t has not converged;
  //  - any other colour: an explicit residual pass over its rows.
  const Step first = steps.front(), last = steps.back();
  const bool defer = first.color != last.color;
  std::vector<int> explicit_colors;
  for (int c = 0; c < K; ++c)
    if (c != last.color && !(defer && c == first.color)) explicit_colors.push_back(c);
  auto first_of = [&](int c) { return col.start[c]; };
  auto count_of = [&](int c) { return col.start[c + 1] - col.start[c]; };
  // A's rows in colour order, in scratch a warm solve reuses.
  const int64_t nnz = A.rowPtr[n];
  ScratchVec prp = ops::scratch(e, (n + 2) / 2), pci = ops::scratch(e, (nnz + 1) / 2 + 1),
             pv = ops::scratch(e, std::max<int64_t>(nnz, 1));
  const int32_t* rows = col.rows.data();
  relax::permute_rows(A, rows, as_index(prp), as_index(pci), pv.data());
  const CsrView P{n, n, as_index(prp), as_index(pci), pv.data()};
  ScratchVec delta = ops::scratch(e, std::max<int64_t>(defer ? count_of(first.color) : 0, 1));
  bool pending = false;

  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    const StopReason stop = ctl.poll();
    if (stop != StopReason::None) {
      res.reason = reason_from_stop(stop);
      break;
    }
    double rr = 0.0;
    for (size_t q = 0; q < steps.size(); ++q) {
      const Step& s = steps[q];
      if (q == 0 && pending) {
        relax::color_apply(e, rows, first_of(s.color), count_of(s.color), delta.data(), x);
        continue;
      }
      const double sq =
          relax::color_update(e, P, rows, invd, first_of(s.color), count_of(s.color), b, x, s.f);
      if (q + 1 == steps.size()) rr += (1.0 - s.f) * (1.0 - s.f) * sq;
    }
    for (int c : explicit_colors)
      rr += relax::color_residual(e, P, rows, first_of(c), count_of(c), b, x);
    if (defer) {
      rr += relax::color_defer(e, P, rows, invd, first_of(first.color), count_of(first.color), b, x,
                               first.f, delta.data());
      pending = true;
    }
    res.matvecs += passes;
    rnorm = std::sqrt(rr);
    if (iter.end_exact(it, rnorm)) break;
  }
  res.value = rnorm;
  krylov::flag_nonfinite(x, n, res);
  return res;
}

}  // namespace

IterResult stationary(const Engine& e, const CsrView& A, const double* b, double* x,
                      const StationaryParams& p, const SolveOptions& options, Control& ctl) {
  const char* who = method_name(p.method);
  if (A.rows != A.cols)
    throw SolverError("ERR_INVALID_ARGUMENT",
                      std::string(who) + ": the matrix must be square, received " +
                          std::to_string(A.rows) + "x" + std::to_string(A.cols));
  const double omega = p.method == StationaryMethod::GaussSeidel ? 1.0 : p.omega;
  if (!(omega > 0.0 && omega < 2.0))
    throw SolverError("ERR_INVALID_ARGUMENT",
                      std::string(who) + ": omega must be in (0, 2), received " + num(omega), -1,
                      "omega");
  const SolveOptions opt = krylov::resolved(options, A.rows);
  const int64_t n = A.rows;
  const int64_t m = std::max<int64_t>(n, 1);
  SweepDirection dir = SweepDirection::Forward;
  if (p.method == StationaryMethod::GaussSeidel) dir = p.sweep;
  if (p.method == StationaryMethod::Ssor) dir = SweepDirection::Symmetric;
  const bool natural = p.method != StationaryMethod::Jacobi && p.ordering == SweepOrdering::Natural;

  ScratchVec invd = ops::scratch(e, m);
  ScratchVec left, right;  // int32 adjacency positions for the natural sweeps
  if (natural && dir != SweepDirection::Backward) left = ops::scratch(e, (m + 1) / 2);
  if (natural && dir != SweepDirection::Forward) right = ops::scratch(e, (m + 1) / 2);
  const relax::SweepData d =
      relax::prepare(who, A, invd.data(), left.empty() ? nullptr : as_index(left),
                     right.empty() ? nullptr : as_index(right));

  if (p.method == StationaryMethod::Jacobi)
    return run_jacobi(e, A, invd.data(), b, x, omega, opt, ctl);
  if (natural) return run_natural(e, d, b, x, omega, dir, opt, ctl);
  return run_multicolor(e, A, invd.data(), b, x, omega, dir, opt, ctl);
}

}  // namespace itersolve
