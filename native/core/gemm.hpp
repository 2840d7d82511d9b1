// Dense matrix products and small SPD solves, pure C++ (no BLAS): C = α·op(A)·op(B) + β·C on
// row- or column-major operands, and the Cholesky helpers the BCD network training uses for its
// (αI + ρVVᵀ)⁻¹ and (γI + ρWᵀW)⁻¹ terms.
//
// gemm is blocked in the usual three levels (panels of B of kNc columns × kKc depth, blocks of A
// of kMc rows, packed into kMr-row and kNr-column slivers) around a register-blocked kMr × kNr
// micro-kernel written so that the compiler vectorises it (Kernels::gemm_micro_4x8 of the
// Engine's kernel table: the generic body of kernels_generic.inc, intrinsics in the AVX2 and
// AVX-512 tables; a portable copy here when e.k is null). Threads share
// out the kMc × kNc tiles of C: each entry of C is computed by one thread, its depth summed in
// fixed chunks of kKc in a fixed order, so the result depends only on the data and the ISA, never
// on the number of threads or on scheduling. (Each entry's arithmetic does not depend on the tile
// shape kMc × kNc either: only kKc and the micro-kernel's order fix the bits, so the tiles may be
// resized for load balance without changing results.)
#pragma once
#include <cstdint>

#include "ops.hpp"

namespace itersolve {
namespace dense {

enum class Order { Row, Col };

// A stored matrix: element (i, j) at data[i·ld + j] (Row) or data[i + j·ld] (Col).
struct MatRef {
  const double* data;
  int64_t ld;
  Order order;
};

constexpr int kMr = 4;  // micro-kernel rows
constexpr int kNr = 8;  // micro-kernel columns
constexpr int64_t kKc = 256;  // depth of a packed panel
constexpr int64_t kMc = 128;  // rows of a packed block of A
constexpr int64_t kNc = 512;  // columns of a packed panel of B

// C (m × n, stored as `c_order` with leading dimension ldc) = α·op(A)·op(B) + β·C, op(A) m × k,
// op(B) k × n; ta / tb: op is the transpose of the stored matrix (A stored k × m, B n × k).
// β = 0 overwrites C (NaN in C is not read); k = 0 or α = 0 only scales C by β. C must not
// overlap A or B.
void gemm(const Engine& e, int64_t m, int64_t n, int64_t k, double alpha, MatRef A, bool ta,
          MatRef B, bool tb, double beta, double* C, int64_t ldc, Order c_order);

// In place: the lower Cholesky factor L of the SPD matrix S (k × k, row-major, only the lower
// triangle read; L is written there and the strict upper triangle zeroed). Throws SolverError
// ERR_ZERO_PIVOT (row = the failing pivot) when S is not numerically positive definite.
void cholesky(int64_t k, double* S);
// Solves L·Lᵀ x = b in place for `nrhs` right-hand sides, each a contiguous vector of k entries
// `stride` apart (L from cholesky).
void cholesky_solve(int64_t k, const double* L, double* B, int64_t nrhs, int64_t stride);
// S (k × k, SPD, row-major) ← S⁻¹ (exactly symmetric), as L⁻ᵀL⁻¹ from cholesky (the
// triangular inverse by vectorised column sweeps, the product through gemm).
void spd_inverse(const Engine& e, int64_t k, double* S);

}  // namespace dense
}  // namespace itersolve
