// Pieces shared by the Sinkhorn-family sources of native/ot/ (common.cpp, sinkhorn.cpp): the fixed
// row-block partition every fused pass over C uses, and the cost-matrix scan. Not part of the
// contract (ot.hpp).
#pragma once
#include <cstdint>

#include "ot.hpp"

namespace itersolve {
namespace ot {
namespace detail {

// Rows [0, n) in nb fixed blocks (nb depends on n only, never on the thread count): each block's
// column partial sums are kept apart and added in block order, so every column sum is
// deterministic. Blocks of at least kMinRows rows, at most kMaxBlocks blocks.
struct RowBlocks {
  static constexpr int64_t kMinRows = 32;
  static constexpr int64_t kMaxBlocks = 32;
  int64_t n = 0;
  int64_t nb = 1;
  explicit RowBlocks(int64_t rows) : n(rows) {
    nb = (rows + kMinRows - 1) / kMinRows;
    if (nb > kMaxBlocks) nb = kMaxBlocks;
    if (nb < 1) nb = 1;
  }
  int64_t begin(int64_t b) const { return n * b / nb; }
  int64_t end(int64_t b) const { return n * (b + 1) / nb; }
};

// Work below this (n·m) stays on the calling thread.
constexpr int64_t kParallelWork = 1 << 15;

// fn(b) for every block b of rb, spread over the pool's tasks (contiguous runs of blocks).
template <class Fn>
void for_row_blocks(const Engine& e, const RowBlocks& rb, int64_t m, Fn&& fn) {
  parallel_run(e.pool, rb.n * m >= kParallelWork && rb.nb > 1, [&](int task, int ntasks) {
    for (int64_t b = rb.nb * task / ntasks; b < rb.nb * (task + 1) / ntasks; ++b) fn(b);
  });
}

// out[j] = Σ_b partial[b·m + j] in block order (deterministic).
void combine_blocks(const Engine& e, const double* partial, int64_t nb, int64_t m, double* out);

// Scans C: its min and max, and the index of its first non-finite entry (−1 when none).
int64_t scan_cost(const Engine& e, const Problem& p, double* cmin, double* cmax);
// validate() given the scan's result (one pass over C serves validation and Auto); ε is checked
// when `entropic`.
void validate_scanned(const Problem& p, bool entropic, double epsilon, int64_t bad_c);

// One pass over the plan exp((f_i + g_j − C_ij)/ε) (rows with f_i = −∞ or skipped rows give 0):
// writes it to plan when not null, r = P1 (n), c = Pᵀ1 (m) when not null, and returns ⟨C, P⟩
// when cost is not null. skip_zero_rows: rows with a_i = 0 count as zero rows.
void plan_pass(const Engine& e, const Problem& p, double epsilon, const double* f, const double* g,
               double* plan, double* r, double* c, double* cost, bool skip_zero_rows);

// ‖r − a‖₁ + ‖c − b‖₁ (rows first, then columns: the bits finish_from_sums reports).
double marginal_error(const Problem& p, const double* r, const double* c);

// Fills res.marginal_error, cost, objective from P's row sums r, column sums c, ⟨C, P⟩ and the
// potentials (objective = Σ f_i r_i + Σ g_j c_j − ε Σ P, terms of zero rows/columns dropped).
void finish_from_sums(const Problem& p, double epsilon, const double* f, const double* g,
                      const double* r, const double* c, double cost, OtResult& res);

}  // namespace detail
}  // namespace ot
}  // namespace itersolve
