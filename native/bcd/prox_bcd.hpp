// Generic proximal block coordinate descent for composite problems
//   minimise F(x) = f(x) + Σ_j g_j(x_j),  x ∈ ℝᵈ split into blocks x_j (contiguous, by offsets),
// with cyclic (or seeded random) block updates x_j ← prox_{η_j g_j}(x_j − η_j·G_j), where G_j is
// the exact block gradient ∇_j f at the current (partially updated) point, a minibatch estimate
// of it (plain stochastic BCD) or the recursive variance-reduced estimator of Cai, Song, Wright
// and Diakonikolas (ICML 2023, "Cyclic block coordinate descent with variance reduction for
// composite nonconvex optimization", VR-CD). Pure C++ (no Node), serial, deterministic.
//
// Smooth parts (the finite sums are over the n rows a_iᵀ of A, A n×d dense, column- or row-major):
//  - LeastSquares  f(x) = (1/(2n))‖Ax − y‖²  = (1/n) Σ_i ½(a_iᵀx − y_i)²;
//  - Logistic      f(x) = (1/n) Σ_i log(1 + exp(−y_i a_iᵀx)), labels y_i ∈ {−1, +1} (0 read as −1);
//  - Quadratic     f(x) = ½xᵀQx − cᵀx, Q d×d row-major and symmetric (not a finite sum);
//  - Callback      a BlockGradient: ∇_j f(x) for one block at a time (not a finite sum).
// Per-block prox g_j: None; L1 (λ‖x_j‖₁); GroupL2 (λ‖x_j‖₂, block soft-thresholding); Box
// (indicator of [lo, hi]); Nonnegative (indicator of x_j ≥ 0).
//
// Step sizes: η_j = 1/L_j with L_j the block Lipschitz constant of ∇_j f, computed for the
// built-ins (λ_max(A_jᵀA_j)/n for least squares, a quarter of it for logistic, |λ|_max(Q_jj) for
// the quadratic; a block with L_j = 0 gets η_j = 1), or the caller's η_j, or backtracking: L_j
// starts at the built-in value (callback: backtrack_init) halved, and doubles until
// ‖∇_j f(x⁺) − ∇_j f(x)‖ ≤ L_j‖x⁺_j − x_j‖ (a gradient-only test, so callbacks can use it; for a
// quadratic it implies the descent lemma); accepted L_j are kept, each next try starting at
// 0.9·L_j. Backtracking needs the exact variance kind.
//
// Variance (finite sums only, i.e. LeastSquares and Logistic; the others need Exact):
//  - Exact: G_j = ∇_j f(x) over all n rows (the least-squares / logistic built-ins keep Ax up to
//    date, so one epoch reads A about twice).
//  - Stochastic: G_j = (1/b) Σ_{i∈B} ∇_j f_i(x), B a fresh batch of b rows drawn uniformly with
//    replacement per block update (plain cyclic stochastic BCD: with a constant step it stalls at a
//    noise floor).
//  - Recursive (VR-CD's SPIDER/SARAH-style estimator; needs Order::Cyclic): in a refresh epoch
//    (epoch 0, refresh_every, 2·refresh_every, ...) G_j is the exact ∇_j f at the current point;
//    in the epochs between, G_j^k = G_j^{k−1} + (1/b) Σ_{i∈B} [∇_j f_i(x_{k,j−1}) − ∇_j
//    f_i(x_{k−1,j−1})] with x_{k,j−1} the point block j of epoch k is updated at (blocks < j
//    already updated in epoch k) and x_{k−1,j−1} the same point one epoch earlier (kept as a second
//    d-vector that trails x by one epoch). A refresh epoch is an exact cyclic epoch (exact block
//    gradients at the partially updated points); between refreshes the estimator is the paper's.
//  With the default η_j = 1/L_j (L_j of the whole f) too small a batch can make both estimators
//  diverge (single rows are far less smooth than their mean): the solve then stops with NonFinite,
//  and smaller stepSizes or a larger batch are the cure. On the problem of prox_bcd_tests
//  (n = 2000, d = 40, 8 blocks of 5) b = 2 diverges, b = 100 is stable.
//
// Data passes (ProxBcdResult.data_passes, passes_history): the oracle count of the paper's
// experiments: ∇_j f over all n rows costs |j|/d of a pass, over a batch of b rows (b/n)·|j|/d,
// and the recursive difference twice that (two points). The inner products a_iᵀx a sampled row
// needs, and the per-epoch gradient-mapping measurement, are not counted. matrix_passes is the
// memory-traffic view: entries of A (Q) read over its size, a_iᵀx included (a sampled row costs d
// reads whatever the block, so with m blocks a stochastic epoch reads about m·b/n of A, not b/n;
// an exact epoch reads A twice: gradient and the update of Ax), the measurement excluded.
//
// Convergence measure: the gradient-mapping norm ‖𝒢(x)‖ with 𝒢_j(x) = (x_j − prox_{η_j g_j}(x_j −
// η_j ∇_j f(x)))/η_j (exact ∇f), measured before the first epoch (history[0]) and after every
// epoch; Reason::Tol when it is ≤ tol (also before any epoch: then epochs = 0).
// Other stops: MaxIterations after max_epochs epochs; Aborted / TimeLimit from ctl.poll() (checked
// before every block update; the partial x is kept); NonFinite when a gradient, estimate or
// iterate is not finite (x then holds the last finite iterate), a callback returning false stops
// as Aborted.
//
// Errors (SolverError, ERR_INVALID_ARGUMENT unless said, naming the argument): "blocks" (offsets
// not starting at 0, not strictly increasing, not ending at d), "prox" (not one or nblocks
// entries, λ < 0 or not finite, lo > hi or NaN bounds), "stepSizes" (not nblocks entries, not
// finite and > 0; none given for a callback without backtracking), "order", "variance" (a kind
// that needs a finite sum or cyclic order without them; batch_size < 1 or > n; refresh_every <
// 1), "A" / "y" / "Q" / "c" (missing, non-finite, shapes: ERR_DIMENSION_MISMATCH; Q not symmetric:
// ERR_NOT_SYMMETRIC; labels not in {−1, 0, 1}), "x0" (d < 1 or non-finite), "smooth" (no
// callback), "maxEpochs" (< 0), "tol" (< 0 or NaN).
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "../core/control.hpp"
#include "../core/result.hpp"

namespace itersolve {
namespace bcd {

// ∇_j f(x) of a user-supplied smooth part: writes the block's entries of the gradient into out
// (x has all d entries). Returns false to stop the solve (a JS callback threw): Reason::Aborted.
class BlockGradient {
 public:
  virtual ~BlockGradient() = default;
  virtual bool block_gradient(const double* x, int64_t block, double* out) = 0;
};

enum class SmoothKind : int { LeastSquares = 0, Logistic, Quadratic, Callback };

struct DenseMatrix {  // read in place
  int64_t rows = 0, cols = 0;
  const double* data = nullptr;
  bool col_major = true;  // 'F' (the fast path) or 'C'
};

struct Smooth {
  SmoothKind kind = SmoothKind::LeastSquares;
  DenseMatrix A;  // LeastSquares, Logistic: n×d
  const double* y = nullptr;  // LeastSquares: targets, Logistic: labels (n entries)
  const double* Q = nullptr;  // Quadratic: d×d row-major, symmetric
  const double* c = nullptr;  // Quadratic: d entries (null: 0)
  BlockGradient* callback = nullptr;
};

enum class ProxKind : int { None = 0, L1, GroupL2, Box, Nonnegative };

struct BlockProx {
  ProxKind kind = ProxKind::None;
  double lambda = 0.0;  // L1, GroupL2
  double lo = -std::numeric_limits<double>::infinity();  // Box
  double hi = std::numeric_limits<double>::infinity();
};

enum class Order : int { Cyclic = 0, Random };  // Random: a fresh seeded permutation per epoch
enum class VarianceKind : int { Exact = 0, Stochastic, Recursive };

struct Variance {
  VarianceKind kind = VarianceKind::Exact;
  int64_t batch_size = 1;  // Stochastic, Recursive
  int64_t refresh_every = 10;  // Recursive: epochs between exact-gradient refreshes
};

struct ProxBcdParams {
  std::vector<int64_t> blocks;  // nblocks + 1 offsets 0 = o_0 < ... < o_m = d; empty: one block
  std::vector<BlockProx> prox;  // one per block, or one for every block; empty: None
  std::vector<double> step_sizes;  // η_j per block; empty: 1/L_j (built-ins) or backtracking
  bool backtracking = false;
  double backtrack_init = 1.0;  // callback + backtracking: the first L_j
  Order order = Order::Cyclic;
  uint64_t seed = 0;  // random order and batches
  Variance variance;
  int64_t max_epochs = 1000;
  double tol = 1e-8;  // on the gradient-mapping norm
  bool history = false;
};

struct ProxBcdResult {
  Reason reason = Reason::MaxIterations;
  int64_t epochs = 0;
  double grad_map_norm = 0.0;  // at the returned x
  double data_passes = 0.0;
  double objective = std::numeric_limits<double>::quiet_NaN();  // F(x) (built-ins; NaN: callback)
  std::vector<double> history;  // gradient-mapping norm, before the first epoch and after each
  std::vector<double> passes_history;  // data passes at the same points
  // Entries of A (LeastSquares, Logistic) or Q (Quadratic) the iteration read, over the matrix's
  // size (NaN for a callback): the memory-traffic view of the same work, measurement excluded.
  double matrix_passes = 0.0;
  std::vector<double> matrix_passes_history;
  std::vector<double> lipschitz;  // the L_j used last (η_j = 1/L_j)
};

// Solves from x (d entries: x0 in, the solution out).
ProxBcdResult prox_bcd(const Smooth& f, double* x, int64_t d, const ProxBcdParams& p, Control& ctl);

// v ← prox_{η g}(v) for one block of len entries.
void prox_block(const BlockProx& g, double eta, double* v, int64_t len);

// The block Lipschitz constants of a built-in smooth part (Callback: throws). Needs A (Q) only;
// the caller has checked it as prox_bcd does (blocks are checked here).
std::vector<double> block_lipschitz(const Smooth& f, int64_t d, const std::vector<int64_t>& blocks);

}  // namespace bcd
}  // namespace itersolve
