// Sketch-and-project (Gower & Richtárik 2015) for consistent A x = b: randomized Kaczmarz
// (Strohmer & Vershynin 2009), block Kaczmarz and Gaussian sketches. The residual is kept up to
// date incrementally, as in the adaptive sketching of AdaSketch-Newton (Hong, Na, Mahoney &
// Kolar 2023), so the stopping test costs nothing per step.
//
// Notes on choices the header leaves open:
//  - zero rows are never sampled, by either sampling; a block holds min(block_size, number of
//    non-zero rows) distinct rows. block_size is only checked for the block and Gaussian kinds;
//  - matvecs counts full passes over A: the initial residual, every re-synchronisation, and per
//    Gaussian step two (W = SᵀA, one pass for all s columns, and A·d);
//  - besides true_residual_every, r is re-synchronised (r = b − A x, one SpMV) every
//    max(m, 1000) steps and whenever ‖r‖² fell below kDrift × its last synced value: each
//    incremental update of ‖r‖² rounds relative to the ‖r‖² of its time, so the error of the
//    running sum is ~ eps · steps · ‖r_sync‖² and would swamp a much smaller ‖r‖²;
//  - a history entry is the incremental norm, or the true one on a step that re-synchronised;
//  - Kaczmarz and block steps take the block residual b_S − A_S x from x itself (O(nnz of the
//    rows)), so their trajectory does not depend on the drift of r nor on when it is refreshed.
#include "sketch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../formats/csr.hpp"
#include "../krylov/krylov.hpp"

namespace itersolve {
namespace {

constexpr double kRankTol = 1e-12;     // Gram pivots below this × max diagonal are dependent
constexpr double kDrift = 1e-4;        // re-sync once ‖r‖² < kDrift × ‖r‖² at the last sync
constexpr int64_t kMinSyncEvery = 1000;
constexpr int64_t kPollEvery = 64;     // Kaczmarz steps per poll(): poll() may read the clock
constexpr int64_t kNormalCost = 16;    // a normal variate costs about 16 multiply-adds

uint64_t mix64(uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** seeded through splitmix64: tiny, fast, and the same stream on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) w = mix64(seed += 0x9e3779b97f4a7c15ULL);
  }
  uint64_t next() {
    const uint64_t out = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return out;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // Marsaglia's polar method (only log and sqrt); the second variate serves the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, q;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    const double f = std::sqrt(-2.0 * std::log(q) / q);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Sum tree over the row weights: draws a row ∝ its weight in O(log m), and rows can be taken
// out and put back (sampling without replacement within a block). Inner nodes are always
// recomputed as left + right, never updated by subtraction, so putting rows back restores the
// same bits, and the descent only enters nodes of positive weight: a zero-weight or taken row is
// never drawn, whatever the rounding.
class RowSampler {
 public:
  explicit RowSampler(const std::vector<double>& w) {
    while (leaves_ < w.size()) leaves_ *= 2;
    tree_.assign(2 * leaves_, 0.0);
    std::copy(w.begin(), w.end(), tree_.begin() + static_cast<std::ptrdiff_t>(leaves_));
    for (size_t node = leaves_ - 1; node >= 1; --node)
      tree_[node] = tree_[2 * node] + tree_[2 * node + 1];
  }
  // Needs a positive total weight.
  int64_t draw(Rng& rng) const {
    double u = rng.uniform() * tree_[1];
    size_t node = 1;
    while (node < leaves_) {
      const double l = tree_[2 * node], r = tree_[2 * node + 1];
      if (r == 0.0 || (l > 0.0 && u < l)) {
        node = 2 * node;
      } else {
        u -= l;
        node = 2 * node + 1;
      }
    }
    return static_cast<int64_t>(node - leaves_);
  }
  void set(int64_t row, double w) {
    size_t node = leaves_ + static_cast<size_t>(row);
    tree_[node] = w;
    for (node /= 2; node >= 1; node /= 2) tree_[node] = tree_[2 * node] + tree_[2 * node + 1];
  }

 private:
  size_t leaves_ = 1;
  std::vector<double> tree_;
};

// Solves G y = g for a symmetric positive semidefinite s×s G (row-major, destroyed) by Cholesky
// with diagonal pivoting, stopped at the first pivot ≤ kRankTol · max diagonal: dependent rows
// (duplicate rows in a block, a sketch wider than rank A) are dropped and their y set to 0. For a
// consistent system g lies in range(G) = range(W) with G = W Wᵀ, and every solution y gives the
// same step Wᵀy, so this is the exact projection Wᵀ G⁺ g.
class PsdSolver {
 public:
  explicit PsdSolver(int64_t s)
      : s_(s), perm_(static_cast<size_t>(s)), z_(static_cast<size_t>(s)) {}

  void solve(double* G, const double* g, double* y) {
    const int64_t s = s_;
    auto at = [G, s](int64_t i, int64_t j) -> double& { return G[i * s + j]; };
    double maxd = 0.0;
    for (int64_t i = 0; i < s; ++i) {
      perm_[static_cast<size_t>(i)] = i;
      maxd = std::max(maxd, at(i, i));
    }
    const double thresh = kRankTol * maxd;
    int64_t rank = 0;
    for (; rank < s; ++rank) {
      const int64_t k = rank;
      int64_t p = k;
      for (int64_t j = k + 1; j < s; ++j)
        if (at(j, j) > at(p, p)) p = j;
      if (!(at(p, p) > thresh)) break;
      if (p != k) {
        for (int64_t j = 0; j < s; ++j) std::swap(at(k, j), at(p, j));
        for (int64_t i = 0; i < s; ++i) std::swap(at(i, k), at(i, p));
        std::swap(perm_[static_cast<size_t>(k)], perm_[static_cast<size_t>(p)]);
      }
      const double d = std::sqrt(at(k, k));
      at(k, k) = d;
      for (int64_t i = k + 1; i < s; ++i) at(i, k) /= d;
      // The whole trailing block (both triangles) stays up to date, so later symmetric swaps
      // move consistent entries.
      for (int64_t i = k + 1; i < s; ++i)
        for (int64_t j = k + 1; j < s; ++j) at(i, j) -= at(i, k) * at(j, k);
    }
    for (int64_t i = 0; i < rank; ++i) {  // L z = P g
      double t = g[perm_[static_cast<size_t>(i)]];
      for (int64_t j = 0; j < i; ++j) t -= at(i, j) * z_[static_cast<size_t>(j)];
      z_[static_cast<size_t>(i)] = t / at(i, i);
    }
    for (int64_t i = rank - 1; i >= 0; --i) {  // Lᵀ w = z (in place)
      double t = z_[static_cast<size_t>(i)];
      for (int64_t j = i + 1; j < rank; ++j) t -= at(j, i) * z_[static_cast<size_t>(j)];
      z_[static_cast<size_t>(i)] = t / at(i, i);
    }
    for (int64_t i = 0; i < s; ++i)
      y[perm_[static_cast<size_t>(i)]] = i < rank ? z_[static_cast<size_t>(i)] : 0.0;
  }

 private:
  int64_t s_;
  std::vector<int64_t> perm_;
  std::vector<double> z_;
};

// Runs fn(block) for every block in [0, nblocks) over the pool. What fn computes for a block must
// not depend on the thread running it, so results are the same for any thread count.
template <class Fn>
void for_blocks(const Engine& e, int64_t nblocks, bool parallel, Fn&& fn) {
  parallel_run(e.pool, parallel && nblocks > 1, [&](int task, int ntasks) {
    const int64_t b1 = nblocks * (task + 1) / ntasks;
    for (int64_t blk = nblocks * task / ntasks; blk < b1; ++blk) fn(blk);
  });
}

// y += a x over s entries; the arrays never overlap, which lets the compiler vectorise.
inline void add_scaled(int64_t s, double a, const double* __restrict x, double* __restrict y) {
  for (int64_t j = 0; j < s; ++j) y[j] += a * x[j];
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void check_options(const SketchOptions& opt, int64_t m) {
  auto bad = [](const std::string& msg) { throw SolverError("ERR_INVALID_ARGUMENT", msg); };
  const int kind = static_cast<int>(opt.kind), sampling = static_cast<int>(opt.sampling);
  if (kind < 0 || kind > 2)
    bad("kind: expected 'kaczmarz', 'block-kaczmarz' or 'gaussian', received " +
        std::to_string(kind));
  if (sampling < 0 || sampling > 1)
    bad("sampling: expected 'norm' or 'uniform', received " + std::to_string(sampling));
  if (opt.max_iterations < 1)
    bad("maxIterations: expected a positive integer, received " +
        std::to_string(opt.max_iterations));
  if (opt.kind != SketchKind::Kaczmarz && (opt.block_size < 1 || opt.block_size > m))
    bad("blockSize: expected an integer in [1, " + std::to_string(m) +
        "] (the rows of A), received " + std::to_string(opt.block_size));
  if (!(opt.rtol >= 0) || std::isinf(opt.rtol))
    bad("rtol: expected a finite number >= 0, received " + num(opt.rtol));
  if (!(opt.atol >= 0) || std::isinf(opt.atol))
    bad("atol: expected a finite number >= 0, received " + num(opt.atol));
  if (opt.true_residual_every < 0)
    bad("trueResidualEvery: expected an integer >= 0, received " +
        std::to_string(opt.true_residual_every));
}

// One solve: A, x, r, the random stream and the step buffers.
class Sketcher {
 public:
  Sketcher(const Engine& e, const CsrView& A, const double* b, double* x, const SketchOptions& opt)
      : e_(e), A_(A), b_(b), x_(x), opt_(opt), m_(A.rows), n_(A.cols), r_(static_cast<size_t>(m_)),
        rng_(opt.seed), scatter_(static_cast<size_t>(n_), 0.0), rownorm2_(static_cast<size_t>(m_)) {
    for (int64_t i = 0; i < m_; ++i) rownorm2_[static_cast<size_t>(i)] = row_norm2(i);
  }

  // ‖a_i‖² over the distinct columns of row i (a row may repeat a column: its entries add up).
  double row_norm2(int64_t i) {
    for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q)
      scatter_[A_.colIdx[q]] += A_.values[q];
    double s = 0.0;
    for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q) {
      double& w = scatter_[A_.colIdx[q]];
      s += w * w;
      w = 0.0;
    }
    return s;
  }
  const std::vector<double>& rownorm2() const { return rownorm2_; }

  // Everything else needs a positive total row weight (checked by the caller).
  void prepare(int64_t nzrows) {
    if (opt_.kind == SketchKind::Gaussian) {
      s_ = opt_.block_size;
      S_.resize(static_cast<size_t>(m_ * s_));
      W_.resize(static_cast<size_t>(n_ * s_));
      d_.resize(static_cast<size_t>(n_));
      Ad_.resize(static_cast<size_t>(m_));
      gpart_.resize(static_cast<size_t>((m_ + ops::kRowBlock - 1) / ops::kRowBlock * s_));
      Gpart_.resize(static_cast<size_t>((n_ + ops::kBlock - 1) / ops::kBlock * s_ * s_));
    } else {
      csr::transpose(A_, At_);
      std::vector<double> w(static_cast<size_t>(m_));
      for (int64_t i = 0; i < m_; ++i) w[static_cast<size_t>(i)] = weight(i);
      sampler_.reset(new RowSampler(w));
      s_ = opt_.kind == SketchKind::Kaczmarz ? 1 : std::min(opt_.block_size, nzrows);
      rows_.resize(static_cast<size_t>(s_));
    }
    G_.resize(static_cast<size_t>(s_ * s_));
    g_.resize(static_cast<size_t>(s_));
    y_.resize(static_cast<size_t>(s_));
    psd_.reset(new PsdSolver(s_));
  }

  // r = b − A x; returns ‖r‖.
  double resync() {
    const double rn = krylov::residual(e_, A_, b_, x_, r_.data());
    rr_ = rn * rn;
    return rn;
  }
  double rr() const { return rr_; }

  // One projection step; false (nothing applied) when the step came out non-finite.
  bool step(int64_t it, int64_t& matvecs) {
    switch (opt_.kind) {
      case SketchKind::Kaczmarz: return kaczmarz_step();
      case SketchKind::BlockKaczmarz: return block_step();
      case SketchKind::Gaussian: return gaussian_step(it, matvecs);
    }
    return false;
  }

 private:
  double weight(int64_t i) const {  // sampling weight; zero rows get none
    const double w = rownorm2_[static_cast<size_t>(i)];
    return opt_.sampling == RowSampling::Norm || w == 0.0 ? w : 1.0;
  }

  double row_dot_x(int64_t i) const {
    double s = 0.0;
    for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q) s += A_.values[q] * x_[A_.colIdx[q]];
    return s;
  }

  // x += δ a_i and r −= δ A a_i through the columns of A that row i touches, updating ‖r‖² by
  // the change of every entry written: O(Σ_{k ∈ row i} nnz(column k)).
  void row_update(int64_t i, double delta) {
    double drr = 0.0;
    for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q) {
      const int32_t k = A_.colIdx[q];
      const double c = delta * A_.values[q];
      x_[k] += c;
      for (int32_t p = At_.rowPtr[static_cast<size_t>(k)];
           p < At_.rowPtr[static_cast<size_t>(k) + 1]; ++p) {
        double& rj = r_[static_cast<size_t>(At_.colIdx[static_cast<size_t>(p)])];
        const double old = rj;
        rj = old - c * At_.values[static_cast<size_t>(p)];
        drr += (rj - old) * (rj + old);
      }
    }
    rr_ += drr;
  }

  bool kaczmarz_step() {
    const int64_t i = sampler_->draw(rng_);
    const double delta = (b_[i] - row_dot_x(i)) / rownorm2_[static_cast<size_t>(i)];
    if (!std::isfinite(delta)) return false;
    row_update(i, delta);
    return true;
  }

  bool block_step() {
    const int64_t s = s_;
    for (int64_t t = 0; t < s; ++t) {
      rows_[static_cast<size_t>(t)] = sampler_->draw(rng_);
      sampler_->set(rows_[static_cast<size_t>(t)], 0.0);
    }
    for (int64_t i : rows_) sampler_->set(i, weight(i));
    // b_S − A_S x and G = A_S A_Sᵀ, both at the current x.
    for (int64_t t = 0; t < s; ++t) {
      const int64_t i = rows_[static_cast<size_t>(t)];
      g_[static_cast<size_t>(t)] = b_[i] - row_dot_x(i);
      for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q)
        scatter_[A_.colIdx[q]] += A_.values[q];
      G_[static_cast<size_t>(t * s + t)] = rownorm2_[static_cast<size_t>(i)];
      for (int64_t u = t + 1; u < s; ++u) {
        const int64_t j = rows_[static_cast<size_t>(u)];
        double dot = 0.0;
        for (int32_t q = A_.rowPtr[j]; q < A_.rowPtr[j + 1]; ++q)
          dot += A_.values[q] * scatter_[A_.colIdx[q]];
        G_[static_cast<size_t>(t * s + u)] = G_[static_cast<size_t>(u * s + t)] = dot;
      }
      for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q) scatter_[A_.colIdx[q]] = 0.0;
    }
    psd_->solve(G_.data(), g_.data(), y_.data());
    for (double v : y_)
      if (!std::isfinite(v)) return false;
    for (int64_t t = 0; t < s; ++t)
      row_update(rows_[static_cast<size_t>(t)], y_[static_cast<size_t>(t)]);
    return true;
  }

  bool gaussian_step(int64_t it, int64_t& matvecs) {
    const int64_t s = s_, m = m_, n = n_;
    // S (m×s, row-major) in blocks of kRowBlock rows, each from its own stream keyed by (seed,
    // step, block), so S is the same for any thread count; Sᵀr per block on the way.
    const int64_t sblocks = (m + ops::kRowBlock - 1) / ops::kRowBlock;
    for_blocks(e_, sblocks, m * s * kNormalCost >= ops::kParallelMin, [&](int64_t blk) {
      Rng rng(
          mix64(mix64(mix64(opt_.seed) ^ static_cast<uint64_t>(it)) ^ static_cast<uint64_t>(blk)));
      double* gp = gpart_.data() + blk * s;
      std::fill(gp, gp + s, 0.0);
      const int64_t i1 = std::min(m, (blk + 1) * ops::kRowBlock);
      for (int64_t i = blk * ops::kRowBlock; i < i1; ++i) {
        double* Si = S_.data() + i * s;
        const double ri = r_[static_cast<size_t>(i)];
        for (int64_t j = 0; j < s; ++j) {
          Si[j] = rng.normal();
          gp[j] += Si[j] * ri;
        }
      }
    });
    std::fill(g_.begin(), g_.end(), 0.0);
    for (int64_t blk = 0; blk < sblocks; ++blk)
      for (int64_t j = 0; j < s; ++j)
        g_[static_cast<size_t>(j)] += gpart_[static_cast<size_t>(blk * s + j)];
    // W = SᵀA, stored as Wᵀ (n×s), in one pass over the rows of A: S and A stream through and
    // the scattered updates hit Wᵀ, small enough to stay in cache (walking the columns of A
    // instead reads the rows of S at random and is several times slower, even on two threads).
    std::fill(W_.begin(), W_.end(), 0.0);
    for (int64_t i = 0; i < m; ++i) {
      const double* Si = S_.data() + i * s;
      for (int32_t q = A_.rowPtr[i]; q < A_.rowPtr[i + 1]; ++q) {
        add_scaled(s, A_.values[q], Si, W_.data() + static_cast<int64_t>(A_.colIdx[q]) * s);
      }
    }
    ++matvecs;
    // G = W Wᵀ (lower triangle), partial sums per kBlock rows of Wᵀ added in block order.
    const int64_t gblocks = (n + ops::kBlock - 1) / ops::kBlock;
    for_blocks(e_, gblocks, n * s * s >= ops::kParallelMin, [&](int64_t blk) {
      double* Gp = Gpart_.data() + blk * s * s;
      std::fill(Gp, Gp + s * s, 0.0);
      const int64_t k1 = std::min(n, (blk + 1) * ops::kBlock);
      for (int64_t k = blk * ops::kBlock; k < k1; ++k) {
        const double* Wk = W_.data() + k * s;
        for (int64_t t = 0; t < s; ++t)
          for (int64_t u = 0; u <= t; ++u) Gp[t * s + u] += Wk[t] * Wk[u];
      }
    });
    std::fill(G_.begin(), G_.end(), 0.0);
    for (int64_t blk = 0; blk < gblocks; ++blk) {
      const double* Gp = Gpart_.data() + blk * s * s;
      for (int64_t t = 0; t < s; ++t)
        for (int64_t u = 0; u <= t; ++u) G_[static_cast<size_t>(t * s + u)] += Gp[t * s + u];
    }
    for (int64_t t = 0; t < s; ++t)
      for (int64_t u = 0; u < t; ++u)
        G_[static_cast<size_t>(u * s + t)] = G_[static_cast<size_t>(t * s + u)];
    psd_->solve(G_.data(), g_.data(), y_.data());
    for (double v : y_)
      if (!std::isfinite(v)) return false;
    // d = Wᵀy; x += d; r −= A d (one SpMV) and ‖r‖² from the updated r.
    for_blocks(e_, gblocks, n * s >= ops::kParallelMin, [&](int64_t blk) {
      const int64_t k1 = std::min(n, (blk + 1) * ops::kBlock);
      for (int64_t k = blk * ops::kBlock; k < k1; ++k) {
        const double* Wk = W_.data() + k * s;
        double dk = 0.0;
        for (int64_t j = 0; j < s; ++j) dk += Wk[j] * y_[static_cast<size_t>(j)];
        d_[static_cast<size_t>(k)] = dk;
        x_[k] += dk;
      }
    });
    ops::spmv(e_, A_, d_.data(), Ad_.data());
    ++matvecs;
    rr_ = ops::axpy_nrm2sq(e_, -1.0, Ad_.data(), r_.data(), m);
    return true;
  }

  const Engine& e_;
  const CsrView& A_;
  const double* b_;
  double* x_;
  const SketchOptions& opt_;
  const int64_t m_, n_;
  std::vector<double> r_;
  double rr_ = 0.0;  // ‖r‖², maintained with r
  Rng rng_;
  std::vector<double> scatter_;   // dense n-vector, all zero between uses
  std::vector<double> rownorm2_;
  int64_t s_ = 1;
  // Kaczmarz and block Kaczmarz: Aᵀ (the columns of A, for r −= δ A a_i), the row sampler
  csr::Owned At_;
  std::unique_ptr<RowSampler> sampler_;
  std::vector<int64_t> rows_;
  // Gaussian: S (m×s), Wᵀ (n×s), d = Wᵀy, A d, per-block partial sums of Sᵀr and W Wᵀ
  std::vector<double> S_, W_, d_, Ad_, gpart_, Gpart_;
  // the projection: G y = g
  std::vector<double> G_, g_, y_;
  std::unique_ptr<PsdSolver> psd_;
};

}  // namespace

IterResult sketch_solve(const Engine& e, const CsrView& A, const double* b, double* x,
                        const SketchOptions& opt, Control& ctl) {
  const int64_t m = A.rows, n = A.cols;
  check_options(opt, m);
  Sketcher sk(e, A, b, x, opt);
  int64_t nzrows = 0;
  double total = 0.0;
  for (double w : sk.rownorm2()) {
    nzrows += w != 0.0;
    total += w;
  }
  if (nzrows == 0) throw SolverError("ERR_INVALID_MATRIX", "sketch: every row of A is zero");

  IterResult res;
  const double bnorm = ops::nrm2(e, b, m);
  const double tol = std::max(opt.rtol * bnorm, opt.atol);
  const Reason converged = opt.rtol * bnorm >= opt.atol ? Reason::Rtol : Reason::Atol;
  if (opt.history)
    res.history.reserve(static_cast<size_t>(std::min<int64_t>(opt.max_iterations, 4096)) + 1);
  if (bnorm == 0.0) {
    std::fill(x, x + n, 0.0);
    res.reason = converged;
    if (opt.history) res.history.push_back(0.0);
    return res;
  }
  double rn = sk.resync();
  res.matvecs = 1;
  if (opt.history) res.history.push_back(rn);
  if (!std::isfinite(total) || !std::isfinite(rn)) {
    res.reason = Reason::NonFinite;
    res.value = rn;
    return res;
  }
  if (rn <= tol) {
    res.reason = converged;
    res.value = rn;
    return res;
  }
  sk.prepare(nzrows);

  const int64_t poll_every = opt.kind == SketchKind::Kaczmarz ? kPollEvery : 1;
  int64_t sync_every = std::max(m, kMinSyncEvery);
  if (opt.true_residual_every > 0) sync_every = std::min(sync_every, opt.true_residual_every);
  int64_t last_sync = 0;
  double rr_sync = sk.rr();
  // After the incremental norm claimed convergence and the true residual disagreed, wait
  // 1, 2, 4, ... steps before trusting such a claim again: a target at the limit of attainable
  // accuracy would otherwise cost a full SpMV every step.
  int64_t confirm_after = 0, backoff = 1;
  bool synced = true;  // r is the true residual of the current x
  res.reason = Reason::MaxIterations;
  for (int64_t it = 1; it <= opt.max_iterations; ++it) {
    if ((it - 1) % poll_every == 0) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.reason = reason_from_stop(stop);
        break;
      }
      if (ctl.wants_progress()) {
        ProgressInfo pi;
        pi.iteration = it - 1;
        pi.total = opt.max_iterations;
        pi.value = rn;
        ctl.progress(pi);
      }
    }
    if (!sk.step(it, res.matvecs)) {
      res.reason = Reason::NonFinite;
      break;
    }
    res.iterations = it;
    synced = false;
    const double rr = sk.rr();
    rn = std::sqrt(std::max(rr, 0.0));
    if (!std::isfinite(rr)) {
      if (opt.history) res.history.push_back(rn);
      res.reason = Reason::NonFinite;
      break;
    }
    const bool claims = rn <= tol;
    if ((claims && it >= confirm_after) || it - last_sync >= sync_every || rr < kDrift * rr_sync) {
      rn = sk.resync();
      ++res.matvecs;
      synced = true;
      last_sync = it;
      rr_sync = sk.rr();
      if (claims && rn > tol) {
        confirm_after = it + backoff;
        backoff = std::min(2 * backoff, sync_every);
      }
    }
    if (opt.history) res.history.push_back(rn);
    if (synced && rn <= tol) {
      res.reason = converged;
      break;
    }
  }
  if (!synced) {
    rn = sk.resync();
    ++res.matvecs;
  }
  res.value = rn;
  if (res.reason != Reason::NonFinite && !std::isfinite(rn)) res.reason = Reason::NonFinite;
  return res;
}

}  // namespace itersolve
