// The relaxation kernels the stationary methods run on A itself (CSR, no copy of A): the checked
// diagonal, natural-order SOR sweeps with the exact residual fused into the same pass over A,
// multicolour SOR steps on the thread pool, and the Jacobi pass. Pure C++ (no Node). The
// triangular sweeps of the SSOR / IC(0) / ILU(0) preconditioners live in triangular.hpp.
//
// Every SOR update is x_i += ω·invd_i·(b_i − Σ_k a_ik x_{c_k}) with the sum over ALL entries of
// row i, the diagonal (and any duplicate of it) with the current x_i: the same as the textbook
// x_i = (1−ω) x_i + ω (b_i − Σ_{j≠i} a_ij x_j)/a_ii, with no branch per entry.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/ops.hpp"

namespace itersolve {
namespace relax {

// The diagonal of A (duplicates summed, as a product with A would) into d (n entries); throws
// SolverError ERR_ZERO_PIVOT naming the row ("<who>: row i has no diagonal entry", "<who>: zero
// diagonal entry at row i", "<who>: non-finite diagonal entry v at row i") on the first bad row.
void checked_diagonal(const char* who, const CsrView& A, double* d);
std::vector<double> checked_diagonal(const char* who, const CsrView& A);

// What the natural-order sweeps need besides A, built by prepare() in one pass over A (into the
// caller's storage: scratch that a warm solve reuses).
struct SweepData {
  CsrView A{};
  const double* invd = nullptr;   // 1/a_ii
  const int32_t* left = nullptr;  // position in colIdx of an entry of column i−1, or −1
  const int32_t* right = nullptr;  // position of an entry of column i+1, or −1
  int64_t lower_bw = 0;  // max_i (i − min column of row i), ≥ 0
  int64_t upper_bw = 0;  // max_i (max column of row i − i), ≥ 0
};
// Fills invd, left and right (each n entries; left/right may be null: not wanted) and the
// bandwidths; throws like checked_diagonal (who names the method).
SweepData prepare(const char* who, const CsrView& A, double* invd, int32_t* left, int32_t* right);

// One forward (rows ascending) SOR sweep of x with relaxation omega; with kResidual also the
// residual of the swept x: returns ‖b − A x‖² (rows summed in ascending order), else 0. The
// residual of row i − upper_bw is computed right after row i is updated (all its x are final and
// its entries still in cache), so sweep and residual take one pass over A. Needs d.left.
double sor_forward(const SweepData& d, const double* b, double* x, double omega, bool residual);
// The mirror image (rows descending, residual of row i + lower_bw after row i). Needs d.right.
double sor_backward(const SweepData& d, const double* b, double* x, double omega, bool residual);

// ‖b − A x‖² over all rows, fixed blocks summed in order (deterministic for any thread count).
double residual_sq(const Engine& e, const CsrView& A, const double* b, const double* x);

// One Jacobi pass: returns ‖b − A x‖² of x (fixed blocks summed in order) and, when next is not
// null, writes next = x + omega·invd·(b − A x). x null means x = 0 (r = b, no product with A).
double jacobi_pass(const Engine& e, const CsrView& A, const double* invd, const double* b,
                   const double* x, double* next, double omega);

// Multicolour steps on P, A with its rows permuted by colour (row q of P is row rows[q] of A:
// permute_rows), so a colour's rows are contiguous in memory and a sweep over all colours reads
// A once. Rows q0 .. q0+count−1 of P are one colour (no two of them adjacent in A + Aᵀ), so
// they can be updated at once: for each, s_i = b_i − Σ_k a_ik x_{c_k}, i = rows[q], then
//  - color_update:   x_i += f·invd_i·s_i; returns Σ s_i² (the residual of those rows just
//                    before the update; after it, with no same-colour neighbour, it is (1−f)·s_i);
//  - color_defer:    delta[q − q0] = f·invd_i·s_i without touching x; returns Σ s_i²;
//  - color_residual: returns Σ s_i² (the residual of those rows, x unchanged).
// color_apply adds delta to x on those rows. Parallel over fixed blocks of rows, the blocks' sums
// added in order: the results do not depend on the number of threads.
void permute_rows(const CsrView& A, const int32_t* rows, int32_t* rp, int32_t* ci, double* v);
double color_update(const Engine& e, const CsrView& P, const int32_t* rows, const double* invd,
                    int64_t q0, int64_t count, const double* b, double* x, double f);
double color_defer(const Engine& e, const CsrView& P, const int32_t* rows, const double* invd,
                   int64_t q0, int64_t count, const double* b, const double* x, double f,
                   double* delta);
double color_residual(const Engine& e, const CsrView& P, const int32_t* rows, int64_t q0,
                      int64_t count, const double* b, const double* x);
void color_apply(const Engine& e, const int32_t* rows, int64_t q0, int64_t count,
                 const double* delta, double* x);

}  // namespace relax
}  // namespace itersolve
