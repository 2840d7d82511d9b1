// Cost matrices between point clouds (ot.hpp): Y transposed once (coordinate k of every point
// contiguous), then each row of the output by the kernel table's cost_row, vectorised over the
// m points of Y (d is often 2 or 3: the lanes run over points, not coordinates); rows in
// parallel. Every entry depends only on its two points (and the ISA), never on the threads.
#include <algorithm>

#include "internal.hpp"
#include "ot.hpp"

namespace itersolve {
namespace ot {

void cost_matrix(const Engine& e, int64_t n, int64_t m, int64_t d, const double* X, const double* Y,
                 Metric metric, double* out) {
  if (n <= 0 || m <= 0) return;
  if (d <= 0) {
    std::fill(out, out + n * m, 0.0);
    return;
  }
  ScratchVec yt = ops::scratch(e, d * m);
  for (int64_t j = 0; j < m; ++j)
    for (int64_t k = 0; k < d; ++k) yt[k * m + j] = Y[j * d + k];
  const int kind = static_cast<int>(metric);
  const detail::RowBlocks rb(n);
  detail::for_row_blocks(e, rb, m * d, [&](int64_t b) {
    for (int64_t i = rb.begin(b); i < rb.end(b); ++i)
      e.k->cost_row(X + i * d, yt.data(), m, d, kind, out + i * m);
  });
}

}  // namespace ot
}  // namespace itersolve
