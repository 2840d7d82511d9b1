// libFuzzer target for optimal transport (native/ot/): arbitrary bytes become a problem (n, m, a,
// b, C, ε) — often a valid one (non-negative small-integer masses rescaled to equal sums, zeros
// included), sometimes raw doubles (negative, NaN, ±∞, unequal sums). Every entry point must
// either throw SolverError (the argument checks the binding relies on) or return a result that
// keeps ot.hpp's promises: no crash, no sanitizer report, potentials finite on the support (−∞
// exactly where the mass is zero, Sinkhorn), a converged result's marginal error ≤ tol, an emd
// plan with at most n + m − 1 positive entries and sorted columns.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "ot/ot.hpp"

#include "reader.hpp"

using namespace itersolve;

namespace {
using fuzz::Reader;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

// Sinkhorn potentials: finite on the support, −∞ off it.
void check_potentials(const std::vector<double>& mass, const std::vector<double>& pot) {
  for (size_t i = 0; i < mass.size(); ++i) {
    if (mass[i] > 0) require(std::isfinite(pot[i]));
    else require(pot[i] == -INFINITY);
  }
}

void check_result(const ot::OtResult& r, double tol) {
  if (reason_converged(r.reason)) require(r.marginal_error <= tol * 1.0000001 + 1e-300);
  require(r.iterations >= 0);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  const int64_t n = 1 + in.take<uint8_t>() % 7;
  const int64_t m = 1 + in.take<uint8_t>() % 7;
  const uint8_t mode = in.take<uint8_t>();
  const uint8_t which = in.take<uint8_t>();
  std::vector<double> a(static_cast<size_t>(n)), b(static_cast<size_t>(m)),
      C(static_cast<size_t>(n * m));
  if (mode & 1) {  // raw doubles: mostly invalid problems
    for (auto& v : a) v = in.take<double>();
    for (auto& v : b) v = in.take<double>();
  } else {  // small non-negative integers, b rescaled to sum(a) (zeros allowed)
    double sa = 0, sb = 0;
    for (auto& v : a) sa += (v = in.take<uint8_t>() % 4);
    for (auto& v : b) sb += (v = in.take<uint8_t>() % 4);
    if (sa > 0 && sb > 0)
      for (auto& v : b) v *= sa / sb;
  }
  for (auto& v : C) v = (mode & 2) ? in.take<double>() : static_cast<double>(in.take<int8_t>()) / 8;
  const double eps = (mode & 4) ? in.take<double>() : std::ldexp(1.0, -(in.take<uint8_t>() % 16));
  const ot::Problem p{n, m, a.data(), b.data(), C.data()};

  ThreadPool pool(2);
  Engine e{kernels_for(detect_simd()), &pool};
  std::vector<double> f(static_cast<size_t>(n)), g(static_cast<size_t>(m)),
      plan(static_cast<size_t>(n * m));
  bool valid = true;
  try {
    ot::validate(p, eps);
  } catch (const SolverError&) {
    valid = false;
  }

  // Sinkhorn, one method chosen by the input (every method over the corpus).
  try {
    Control ctl;
    ot::SinkhornOptions o;
    o.method = static_cast<ot::SinkhornMethod>(which % 5);
    o.epsilon = eps;
    o.tol = 1e-9;
    o.max_iterations = 1 + which % 40;
    o.check_every = 1 + (which >> 5) % 4;
    o.history = true;
    const ot::OtResult r =
        ot::sinkhorn(e, p, f.data(), g.data(), (which & 8) ? nullptr : plan.data(), o, ctl);
    require(valid);
    check_result(r, o.tol);
    if (r.reason != Reason::NonFinite) {
      check_potentials(a, f);
      check_potentials(b, g);
    }
  } catch (const SolverError&) {
    require(!valid);
  }

  // Sinkhorn-Newton-Sparse, a few steps.
  try {
    Control ctl;
    ot::NewtonOptions o;
    o.epsilon = eps;
    o.warmup_iterations = which % 6;
    o.max_newton_iterations = 1 + which % 5;
    o.sparsity = 1 + which % 4;
    csr::Owned sp;
    const ot::OtResult r = ot::sinkhorn_newton(e, p, f.data(), g.data(), plan.data(),
                                               (which & 16) ? &sp : nullptr, o, ctl);
    require(valid);
    check_result(r, o.tol);
    if (which & 16) require(static_cast<int64_t>(sp.values.size()) == r.plan_nnz);
  } catch (const SolverError&) {
    require(!valid);
  }

  // Exact OT (no ε).
  bool valid_exact = true;
  try {
    ot::validate(p);
  } catch (const SolverError&) {
    valid_exact = false;
  }
  try {
    Control ctl;
    ot::EmdOptions o;
    o.max_iterations = (which & 1) ? 3 : 100000;
    csr::Owned P;
    const ot::OtResult r = ot::emd(e, p, f.data(), g.data(), P, o, ctl);
    require(valid_exact);
    require(static_cast<int64_t>(P.values.size()) <= n + m - 1);
    require(static_cast<int64_t>(P.rowPtr.size()) == n + 1);
    for (int64_t i = 0; i < n; ++i)
      for (int32_t k = P.rowPtr[i]; k < P.rowPtr[i + 1]; ++k) {
        require(P.values[k] > 0);
        if (k > P.rowPtr[i]) require(P.colIdx[k] > P.colIdx[k - 1]);
      }
    for (double v : f) require(std::isfinite(v));
    for (double v : g) require(std::isfinite(v));
    (void)r;
  } catch (const SolverError&) {
    require(!valid_exact);
  }

  // Two pairs sharing C.
  try {
    Control ctl;
    ot::SinkhornOptions o;
    o.method = static_cast<ot::SinkhornMethod>((which >> 3) % 5);
    o.epsilon = eps;
    o.max_iterations = 1 + which % 20;
    std::vector<double> A(a), B(b), F(static_cast<size_t>(2 * n)), G(static_cast<size_t>(2 * m));
    A.insert(A.end(), a.begin(), a.end());
    B.insert(B.end(), b.begin(), b.end());
    const auto rs =
        ot::sinkhorn_batch(e, n, m, 2, A.data(), B.data(), C.data(), F.data(), G.data(), o, ctl);
    require(valid);
    require(rs.size() == 2);
    for (const ot::OtResult& r : rs) check_result(r, o.tol);
  } catch (const SolverError&) {
    require(!valid);
  }

  // Cost matrices between the first rows of C read as points (d = 1..3), every metric.
  const int64_t d = 1 + which % 3;
  if (n * m >= d * 2) {
    std::vector<double> out(4);
    ot::cost_matrix(e, 1, 1, d, C.data(), C.data() + d, static_cast<ot::Metric>(which % 3),
                    out.data());
  }
  return 0;
}
