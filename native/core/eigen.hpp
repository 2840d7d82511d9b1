// Power iteration for the dominant eigenvalue of a square sparse matrix (the spectral radius
// estimate later needed by SOR tuning and Chebyshev bounds). Pure C++.
#pragma once
#include "../kernels/kernels.hpp"
#include "control.hpp"
#include "ops.hpp"
#include "result.hpp"

namespace itersolve {

struct PowerOptions {
  int64_t max_iterations = 1000;
  double rtol = 1e-8;         // stop when |λ_k − λ_{k−1}| ≤ rtol·|λ_k|; 0: run to max_iterations
  bool history = false;
};

// x: start vector in, dominant eigenvector estimate (unit 2-norm) out; work: n doubles.
// IterResult.value = Rayleigh quotient estimate λ, .change = last relative change.
IterResult power_iteration(const Engine& e, const CsrView& A, double* x, double* work,
                           const PowerOptions& opt, Control& ctl);

}  // namespace itersolve
