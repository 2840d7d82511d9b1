// A linear operator y = A·x: the one abstraction the Krylov solvers and Lanczos (eigsh) multiply
// through, so that a CSR matrix, a factorisation's inverse (shift-invert) and a JS object
// { rows, cols, multiply(x, out), multiplyTranspose? } (bindings) are interchangeable. Pure C++.
//
// apply / apply_transpose return false when the product could not be formed and the caller must
// stop (a JS callback threw, the job is stopping): the solver then ends with Reason::Aborted and
// its partial result, as for a failing preconditioner. Implementations must not keep x or y.
#pragma once
#include <cstdint>

#include "ops.hpp"

namespace itersolve {

class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  virtual int64_t rows() const = 0;
  virtual int64_t cols() const = 0;
  // y (rows entries) = A x (cols entries).
  virtual bool apply(const Engine& e, const double* x, double* y) const = 0;
  virtual bool has_transpose() const { return false; }
  // y (cols entries) = Aᵀ x (rows entries); only when has_transpose().
  virtual bool apply_transpose(const Engine& e, const double* x, double* y) const {
    (void)e;
    (void)x;
    (void)y;
    return false;
  }
  // The CSR matrix behind the operator, when there is one: solvers use it for fast paths that
  // need the entries (SSOR's Eisenstat form, one pass over A for several right-hand sides).
  virtual const CsrView* csr() const { return nullptr; }
};

// A CSR matrix as an operator (does not own A's arrays).
class CsrOperator final : public LinearOperator {
 public:
  explicit CsrOperator(const CsrView& A) : A_(A) {}
  int64_t rows() const override { return A_.rows; }
  int64_t cols() const override { return A_.cols; }
  bool apply(const Engine& e, const double* x, double* y) const override {
    ops::spmv(e, A_, x, y);
    return true;
  }
  bool has_transpose() const override { return true; }
  bool apply_transpose(const Engine& e, const double* x, double* y) const override {
    ops::spmv_transpose(e, A_, x, y);
    return true;
  }
  const CsrView* csr() const override { return &A_; }

 private:
  CsrView A_;
};

}  // namespace itersolve
