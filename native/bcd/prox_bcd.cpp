// Proximal block coordinate descent with exact, stochastic and recursive (VR-CD) block
// gradients. The contract is in prox_bcd.hpp.
#include "prox_bcd.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "../core/errors.hpp"

namespace itersolve {
namespace bcd {

namespace {

[[noreturn]] void fail(const char* arg, const std::string& msg,
                       const char* code = "ERR_INVALID_ARGUMENT") {
  throw SolverError(code, std::string("proxBcd: ") + msg, -1, arg);
}

struct SplitMix {  // the seeded generator behind random orders and batches
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) {  // uniform in [0, n)
    return static_cast<int64_t>((static_cast<unsigned __int128>(next()) * uint64_t(n)) >> 64);
  }
};

bool finite_all(const double* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

double sigmoid(double t) {  // 1 / (1 + e^{−t}) without overflow
  if (t >= 0) return 1.0 / (1.0 + std::exp(-t));
  const double e = std::exp(t);
  return e / (1.0 + e);
}
double log1pexp(double t) {  // log(1 + e^t)
  return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
}

// The smooth part's data access: rows, columns and Ax kept up to date (the built-ins).
class Model {
 public:
  Model(const Smooth& f, int64_t d) : f_(f), d_(d) {
    if (f.kind == SmoothKind::LeastSquares || f.kind == SmoothKind::Logistic) {
      n_ = f.A.rows;
      z_.assign(size_t(n_), 0.0);
      labels_.assign(size_t(n_), 0.0);
      for (int64_t i = 0; f.y != nullptr && i < n_; ++i)  // block_lipschitz needs A only
        labels_[i] = f.kind == SmoothKind::Logistic ? (f.y[i] == 0.0 ? -1.0 : f.y[i]) : f.y[i];
    }
  }
  bool finite_sum() const { return n_ > 0; }
  // Entries of A (Q) read by the iteration so far, and how many one pass reads (0: a callback).
  double reads() const { return reads_; }
  void set_reads(double r) { reads_ = r; }
  double matrix_size() const {
    if (finite_sum()) return double(n_) * double(d_);
    return f_.kind == SmoothKind::Quadratic ? double(d_) * double(d_) : 0.0;
  }
  int64_t n() const { return n_; }
  double a(int64_t i, int64_t k) const {
    const DenseMatrix& A = f_.A;
    return A.col_major ? A.data[k * A.rows + i] : A.data[i * A.cols + k];
  }
  double row_dot(int64_t i, const double* x) {
    reads_ += double(d_);
    double s = 0;
    for (int64_t k = 0; k < d_; ++k) s += a(i, k) * x[k];
    return s;
  }
  // z = Ax (built-ins).
  void recompute(const double* x) {
    if (!finite_sum()) return;
    std::fill(z_.begin(), z_.end(), 0.0);
    add_columns(0, d_, x, 1.0);
  }
  // z += A[:, k0:k1] (sign·v), v indexed from k0.
  void add_columns(int64_t k0, int64_t k1, const double* v, double sign) {
    reads_ += double(n_) * double(k1 - k0);
    for (int64_t k = k0; k < k1; ++k) {
      const double vk = sign * v[k - k0];
      if (vk == 0.0) continue;
      for (int64_t i = 0; i < n_; ++i) z_[i] += a(i, k) * vk;
    }
  }
  // ∂f_i/∂(a_iᵀx) at s = a_iᵀx.
  double dloss(int64_t i, double s) const {
    if (f_.kind == SmoothKind::LeastSquares) return s - labels_[i];
    const double yi = labels_[i];
    return -yi * sigmoid(-yi * s);
  }
  // The exact block gradient over columns [k0, k1) at x (z current for the built-ins).
  bool block_gradient(const double* x, int64_t block, int64_t k0, int64_t k1, double* out) {
    switch (f_.kind) {
      case SmoothKind::LeastSquares:
      case SmoothKind::Logistic: {
        reads_ += double(n_) * double(k1 - k0);
        w_.resize(size_t(n_));
        for (int64_t i = 0; i < n_; ++i) w_[i] = dloss(i, z_[i]);
        const double inv = 1.0 / double(n_);
        for (int64_t k = k0; k < k1; ++k) {
          double s = 0;
          for (int64_t i = 0; i < n_; ++i) s += a(i, k) * w_[i];
          out[k - k0] = s * inv;
        }
        return true;
      }
      case SmoothKind::Quadratic:
        reads_ += double(d_) * double(k1 - k0);
        for (int64_t k = k0; k < k1; ++k) {
          const double* q = f_.Q + k * d_;
          double s = 0;
          for (int64_t l = 0; l < d_; ++l) s += q[l] * x[l];
          out[k - k0] = s - (f_.c != nullptr ? f_.c[k] : 0.0);
        }
        return true;
      case SmoothKind::Callback: return f_.callback->block_gradient(x, block, out);
    }
    return false;
  }
  // out += scale · (1/b) Σ_{i∈batch} ∇_[k0,k1) f_i(x), with s_i = a_iᵀx given.
  void add_batch_gradient(const std::vector<int64_t>& batch, const std::vector<double>& s,
                          int64_t k0, int64_t k1, double scale, double* out) {
    reads_ += double(batch.size()) * double(k1 - k0);
    const double w = scale / double(batch.size());
    for (size_t t = 0; t < batch.size(); ++t) {
      const int64_t i = batch[t];
      const double g = w * dloss(i, s[t]);
      for (int64_t k = k0; k < k1; ++k) out[k - k0] += g * a(i, k);
    }
  }
  // The smooth part's value at x (z current); NaN for a callback.
  double value(const double* x) const {
    switch (f_.kind) {
      case SmoothKind::LeastSquares: {
        double s = 0;
        for (int64_t i = 0; i < n_; ++i) s += (z_[i] - labels_[i]) * (z_[i] - labels_[i]);
        return 0.5 * s / double(n_);
      }
      case SmoothKind::Logistic: {
        double s = 0;
        for (int64_t i = 0; i < n_; ++i) s += log1pexp(-labels_[i] * z_[i]);
        return s / double(n_);
      }
      case SmoothKind::Quadratic: {
        double s = 0;
        for (int64_t k = 0; k < d_; ++k) {
          double qk = 0;
          for (int64_t l = 0; l < d_; ++l) qk += f_.Q[k * d_ + l] * x[l];
          s += 0.5 * x[k] * qk - (f_.c != nullptr ? f_.c[k] : 0.0) * x[k];
        }
        return s;
      }
      case SmoothKind::Callback: break;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

 private:
  const Smooth& f_;
  int64_t d_;
  int64_t n_ = 0;
  std::vector<double> z_, labels_, w_;
  double reads_ = 0;
};

double prox_value(const BlockProx& g, const double* v, int64_t len) {
  switch (g.kind) {
    case ProxKind::None: return 0.0;
    case ProxKind::L1: {
      double s = 0;
      for (int64_t k = 0; k < len; ++k) s += std::fabs(v[k]);
      return g.lambda * s;
    }
    case ProxKind::GroupL2: {
      double s = 0;
      for (int64_t k = 0; k < len; ++k) s += v[k] * v[k];
      return g.lambda * std::sqrt(s);
    }
    case ProxKind::Box:
      for (int64_t k = 0; k < len; ++k)
        if (v[k] < g.lo || v[k] > g.hi) return std::numeric_limits<double>::infinity();
      return 0.0;
    case ProxKind::Nonnegative:
      for (int64_t k = 0; k < len; ++k)
        if (v[k] < 0) return std::numeric_limits<double>::infinity();
      return 0.0;
  }
  return 0.0;
}

void check_params(const Smooth& f, const double* x, int64_t d, const ProxBcdParams& p,
                  std::vector<int64_t>& blocks, std::vector<BlockProx>& prox) {
  if (d < 1) fail("x0", "x0 must have at least one entry");
  if (x == nullptr || !finite_all(x, d)) fail("x0", "x0 must be finite");
  blocks = p.blocks.empty() ? std::vector<int64_t>{0, d} : p.blocks;
  if (blocks.size() < 2 || blocks.front() != 0 || blocks.back() != d)
    fail("blocks", "blocks must be offsets from 0 to x0.length (" + std::to_string(d) + ")");
  for (size_t j = 1; j < blocks.size(); ++j)
    if (blocks[j] <= blocks[j - 1]) fail("blocks", "block offsets must be strictly increasing");
  const size_t m = blocks.size() - 1;
  if (p.prox.empty()) prox.assign(m, BlockProx{});
  else if (p.prox.size() == 1) prox.assign(m, p.prox[0]);
  else if (p.prox.size() == m) prox = p.prox;
  else fail("prox", "prox must have one entry or one per block (" + std::to_string(m) + ")");
  for (const BlockProx& g : prox) {
    if ((g.kind == ProxKind::L1 || g.kind == ProxKind::GroupL2) &&
        !(g.lambda >= 0 && std::isfinite(g.lambda)))
      fail("prox", "lambda must be finite and >= 0");
    if (g.kind == ProxKind::Box && (std::isnan(g.lo) || std::isnan(g.hi) || g.lo > g.hi))
      fail("prox", "box bounds must satisfy lo <= hi");
  }
  if (!p.step_sizes.empty()) {
    if (p.backtracking) fail("stepSizes", "give step sizes or backtracking, not both");
    if (p.step_sizes.size() != m)
      fail("stepSizes", "stepSizes must have one entry per block (" + std::to_string(m) + ")");
    for (double s : p.step_sizes)
      if (!(s > 0 && std::isfinite(s))) fail("stepSizes", "step sizes must be finite and > 0");
  }
  if (p.backtracking && !(p.backtrack_init > 0 && std::isfinite(p.backtrack_init)))
    fail("stepSizes", "the initial backtracking constant must be finite and > 0");
  if (p.max_epochs < 0) fail("maxEpochs", "maxEpochs must be >= 0");
  if (!(p.tol >= 0)) fail("tol", "tol must be >= 0");
  if (p.order != Order::Cyclic && p.order != Order::Random) fail("order", "unknown order");

  switch (f.kind) {
    case SmoothKind::LeastSquares:
    case SmoothKind::Logistic: {
      const DenseMatrix& A = f.A;
      if (A.data == nullptr || A.rows < 1) fail("A", "A must have at least one row");
      if (A.cols != d)
        fail("A",
             "A has " + std::to_string(A.cols) + " columns, x0 " + std::to_string(d) + " entries",
             "ERR_DIMENSION_MISMATCH");
      if (!finite_all(A.data, A.rows * A.cols)) fail("A", "A must be finite");
      if (f.y == nullptr) fail("y", "y is missing");
      if (!finite_all(f.y, A.rows)) fail("y", "y must be finite");
      if (f.kind == SmoothKind::Logistic)
        for (int64_t i = 0; i < A.rows; ++i)
          if (f.y[i] != 1.0 && f.y[i] != -1.0 && f.y[i] != 0.0)
            fail("y", "logistic labels must be -1/+1 or 0/1");
      break;
    }
    case SmoothKind::Quadratic:
      if (f.Q == nullptr) fail("Q", "Q is missing");
      if (!finite_all(f.Q, d * d)) fail("Q", "Q must be finite");
      for (int64_t i = 0; i < d; ++i)
        for (int64_t k = 0; k < i; ++k)
          if (f.Q[i * d + k] != f.Q[k * d + i])
            fail("Q", "Q must be symmetric", "ERR_NOT_SYMMETRIC");
      if (f.c != nullptr && !finite_all(f.c, d)) fail("c", "c must be finite");
      break;
    case SmoothKind::Callback:
      if (f.callback == nullptr) fail("smooth", "the block gradient callback is missing");
      if (p.step_sizes.empty() && !p.backtracking)
        fail("stepSizes", "a callback smooth part needs stepSizes or backtracking");
      break;
    default: fail("smooth", "unknown smooth kind");
  }
  const Variance& v = p.variance;
  if (v.kind != VarianceKind::Exact) {
    if (v.kind != VarianceKind::Stochastic && v.kind != VarianceKind::Recursive)
      fail("variance", "unknown variance kind");
    if (f.kind != SmoothKind::LeastSquares && f.kind != SmoothKind::Logistic)
      fail("variance",
           "stochastic and recursive estimators need a finite-sum smooth part "
           "(least squares or logistic)");
    if (v.batch_size < 1 || v.batch_size > f.A.rows)
      fail("variance", "batchSize must be in [1, " + std::to_string(f.A.rows) + "]");
    if (v.kind == VarianceKind::Recursive && v.refresh_every < 1)
      fail("variance", "refreshEvery must be >= 1");
    if (v.kind == VarianceKind::Recursive && p.order != Order::Cyclic)
      fail("order", "the recursive estimator needs cyclic order");
    if (p.backtracking) fail("stepSizes", "backtracking needs the exact variance kind");
  }
}

// The largest |eigenvalue| of a symmetric PSD-or-not operator on len entries, by power iteration.
template <class Apply>
double power_max(int64_t len, Apply&& apply) {
  std::vector<double> v(static_cast<size_t>(len)), w(static_cast<size_t>(len));
  for (int64_t k = 0; k < len; ++k) v[k] = 1.0 + 0.01 * std::sin(1.0 + 1.7 * double(k));
  double lam = 0;
  for (int it = 0; it < 200; ++it) {
    double nv = 0;
    for (double t : v) nv += t * t;
    nv = std::sqrt(nv);
    if (nv == 0) return 0.0;
    for (double& t : v) t /= nv;
    apply(v.data(), w.data());
    double nw = 0;
    for (double t : w) nw += t * t;
    nw = std::sqrt(nw);
    const double prev = lam;
    lam = nw;  // ‖Mv‖ for unit v: → |λ|_max, from below
    v.swap(w);
    if (it > 3 && std::fabs(lam - prev) <= 1e-12 * lam) break;
  }
  return lam;
}

}  // namespace

void prox_block(const BlockProx& g, double eta, double* v, int64_t len) {
  switch (g.kind) {
    case ProxKind::None: return;
    case ProxKind::L1: {
      const double t = eta * g.lambda;
      for (int64_t k = 0; k < len; ++k) {
        const double a = std::fabs(v[k]) - t;
        v[k] = a > 0 ? std::copysign(a, v[k]) : 0.0;
      }
      return;
    }
    case ProxKind::GroupL2: {
      double s = 0;
      for (int64_t k = 0; k < len; ++k) s += v[k] * v[k];
      s = std::sqrt(s);
      const double t = eta * g.lambda;
      const double scale = s > t ? 1.0 - t / s : 0.0;
      for (int64_t k = 0; k < len; ++k) v[k] *= scale;
      return;
    }
    case ProxKind::Box:
      for (int64_t k = 0; k < len; ++k) v[k] = std::min(std::max(v[k], g.lo), g.hi);
      return;
    case ProxKind::Nonnegative:
      for (int64_t k = 0; k < len; ++k) v[k] = v[k] > 0 ? v[k] : 0.0;
      return;
  }
}

std::vector<double> block_lipschitz(const Smooth& f, int64_t d,
                                    const std::vector<int64_t>& blocks) {
  if (blocks.size() < 2 || blocks.front() != 0 || blocks.back() != d)
    fail("blocks", "blocks must be offsets from 0 to " + std::to_string(d));
  const size_t m = blocks.size() - 1;
  std::vector<double> L(m, 0.0);
  if (f.kind == SmoothKind::Callback)
    fail("smooth", "a callback has no built-in Lipschitz constants");
  Model model(f, d);
  const int64_t n = f.kind == SmoothKind::Quadratic ? 0 : f.A.rows;
  std::vector<double> t(size_t(std::max<int64_t>(n, 1)));
  for (size_t j = 0; j < m; ++j) {
    const int64_t k0 = blocks[j], len = blocks[j + 1] - k0;
    double lam;
    if (f.kind == SmoothKind::Quadratic) {
      lam = power_max(len, [&](const double* v, double* w) {
        for (int64_t r = 0; r < len; ++r) {
          double s = 0;
          for (int64_t c = 0; c < len; ++c) s += f.Q[(k0 + r) * d + k0 + c] * v[c];
          w[r] = s;
        }
      });
      if (len == 1) lam = std::fabs(f.Q[k0 * d + k0]);
    } else {
      auto gram = [&](const double* v, double* w) {  // w = A_jᵀ A_j v / n
        for (int64_t i = 0; i < n; ++i) {
          double s = 0;
          for (int64_t c = 0; c < len; ++c) s += model.a(i, k0 + c) * v[c];
          t[i] = s;
        }
        for (int64_t c = 0; c < len; ++c) {
          double s = 0;
          for (int64_t i = 0; i < n; ++i) s += model.a(i, k0 + c) * t[i];
          w[c] = s / double(n);
        }
      };
      if (len == 1) {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += model.a(i, k0) * model.a(i, k0);
        lam = s / double(n);
      } else if (len <= 256) {
        // The block's Gram matrix A_jᵀA_j/n formed in one pass over A_j (n·len²/2 products),
        // then power iteration on it: far cheaper than 2·n·len products per iteration.
        std::vector<double> G(static_cast<size_t>(len * len), 0.0), row(static_cast<size_t>(len));
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t c = 0; c < len; ++c) row[c] = model.a(i, k0 + c);
          for (int64_t r = 0; r < len; ++r) {
            const double ar = row[r];
            if (ar == 0.0) continue;
            for (int64_t c = 0; c <= r; ++c) G[r * len + c] += ar * row[c];
          }
        }
        for (int64_t r = 0; r < len; ++r)
          for (int64_t c = 0; c <= r; ++c) G[c * len + r] = G[r * len + c] /= double(n);
        lam = power_max(len, [&](const double* v, double* w) {
          for (int64_t r = 0; r < len; ++r) {
            double acc = 0;
            for (int64_t c = 0; c < len; ++c) acc += G[r * len + c] * v[c];
            w[r] = acc;
          }
        });
      } else {
        lam = power_max(len, gram);
      }
      if (f.kind == SmoothKind::Logistic) lam *= 0.25;
    }
    // Power iteration approaches from below: a little margin (exact for single coordinates).
    L[j] = len == 1 ? lam : lam * 1.01;
  }
  return L;
}

ProxBcdResult prox_bcd(const Smooth& f, double* x, int64_t d, const ProxBcdParams& p,
                       Control& ctl) {
  std::vector<int64_t> blocks;
  std::vector<BlockProx> prox;
  check_params(f, x, d, p, blocks, prox);
  const int64_t m = int64_t(blocks.size()) - 1;
  const Variance& var = p.variance;

  ProxBcdResult res;
  std::vector<double> L(static_cast<size_t>(m), 1.0);
  if (!p.step_sizes.empty()) {
    for (int64_t j = 0; j < m; ++j) L[j] = 1.0 / p.step_sizes[j];
  } else if (f.kind != SmoothKind::Callback) {
    L = block_lipschitz(f, d, blocks);
    for (double& l : L)
      if (!(l > 0)) l = 1.0;  // a flat block: η = 1
    if (p.backtracking)
      for (double& l : L) l *= 0.5;
  } else {
    std::fill(L.begin(), L.end(), p.backtrack_init);
  }

  Model model(f, d);
  const int64_t n = model.n();
  const size_t du = static_cast<size_t>(d);
  std::vector<double> g(du), gfull(du), tmp(du), xold(du);
  std::vector<double> G, xp;  // recursive: the estimates and the point one epoch behind
  if (var.kind == VarianceKind::Recursive) {
    G.assign(size_t(d), 0.0);
    xp.assign(x, x + d);
  }
  std::vector<int64_t> order(static_cast<size_t>(m)), batch;
  std::vector<double> s_now, s_prev;
  for (int64_t j = 0; j < m; ++j) order[j] = j;
  SplitMix rng{p.seed ^ 0x5DEECE66Dull};
  double passes = 0;

  // The gradient-mapping norm at x (exact gradient; recomputes Ax for the built-ins).
  // Returns false when a callback asked to stop.
  auto measure = [&](double& out) -> bool {
    const double reads = model.reads();  // the measurement is not the method's cost
    struct Restore {
      Model& m;
      double r;
      ~Restore() { m.set_reads(r); }
    } restore{model, reads};
    model.recompute(x);
    double s = 0;
    for (int64_t j = 0; j < m; ++j) {
      const int64_t k0 = blocks[j], len = blocks[j + 1] - k0;
      if (!model.block_gradient(x, j, k0, k0 + len, gfull.data() + k0)) return false;
      const double eta = 1.0 / L[j];
      for (int64_t k = k0; k < k0 + len; ++k) tmp[k] = x[k] - eta * gfull[k];
      prox_block(prox[j], eta, tmp.data() + k0, len);
      for (int64_t k = k0; k < k0 + len; ++k) {
        const double r = (x[k] - tmp[k]) / eta;
        s += r * r;
      }
    }
    out = std::sqrt(s);
    return true;
  };
  auto record = [&](double gm) {
    res.grad_map_norm = gm;
    if (p.history) {
      res.history.push_back(gm);
      res.passes_history.push_back(passes);
      res.matrix_passes_history.push_back(model.matrix_size() > 0
                                              ? model.reads() / model.matrix_size()
                                              : std::numeric_limits<double>::quiet_NaN());
    }
  };
  auto finish = [&](Reason r) {
    res.reason = r;
    res.data_passes = passes;
    res.matrix_passes = model.matrix_size() > 0 ? model.reads() / model.matrix_size()
                                                : std::numeric_limits<double>::quiet_NaN();
    res.lipschitz = L;
    if (f.kind != SmoothKind::Callback) {
      model.recompute(x);
      double val = model.value(x);
      for (int64_t j = 0; j < m; ++j)
        val += prox_value(prox[j], x + blocks[j], blocks[j + 1] - blocks[j]);
      res.objective = val;
    }
    return res;
  };
  auto draw_batch = [&](const double* at, std::vector<double>& s) {
    batch.resize(size_t(var.batch_size));
    s.resize(batch.size());
    for (auto& i : batch) i = rng.below(n);
    for (size_t t = 0; t < batch.size(); ++t) s[t] = model.row_dot(batch[t], at);
  };

  double gm = 0;
  if (!measure(gm)) return finish(Reason::Aborted);
  record(gm);
  if (!std::isfinite(gm)) return finish(Reason::NonFinite);
  if (gm <= p.tol) return finish(Reason::Tol);

  for (int64_t epoch = 0; epoch < p.max_epochs; ++epoch) {
    if (p.order == Order::Random)
      for (int64_t j = m - 1; j > 0; --j) std::swap(order[j], order[rng.below(j + 1)]);
    const bool exact = var.kind == VarianceKind::Exact ||
                       (var.kind == VarianceKind::Recursive && epoch % var.refresh_every == 0);
    // measure() left Ax current for the exact block gradients of this epoch.
    for (int64_t t = 0; t < m; ++t) {
      const StopReason stop = ctl.poll();
      if (stop != StopReason::None) {
        res.epochs = epoch;
        return finish(reason_from_stop(stop));
      }
      const int64_t j = order[t], k0 = blocks[j], len = blocks[j + 1] - k0;
      double* gj = g.data() + k0;
      const double frac = double(len) / double(d);
      if (exact) {
        if (!model.block_gradient(x, j, k0, k0 + len, gj)) {
          res.epochs = epoch;
          return finish(Reason::Aborted);
        }
        passes += frac;
      } else if (var.kind == VarianceKind::Stochastic) {
        std::fill(gj, gj + len, 0.0);
        draw_batch(x, s_now);
        model.add_batch_gradient(batch, s_now, k0, k0 + len, 1.0, gj);
        passes += frac * double(var.batch_size) / double(n);
      } else {  // recursive: G_j += ∇_j f_B(x) − ∇_j f_B(xp)
        std::copy(G.begin() + k0, G.begin() + k0 + len, gj);
        draw_batch(x, s_now);
        s_prev.resize(batch.size());
        for (size_t b = 0; b < batch.size(); ++b) s_prev[b] = model.row_dot(batch[b], xp.data());
        model.add_batch_gradient(batch, s_now, k0, k0 + len, 1.0, gj);
        model.add_batch_gradient(batch, s_prev, k0, k0 + len, -1.0, gj);
        passes += 2.0 * frac * double(var.batch_size) / double(n);
      }
      if (!finite_all(gj, len)) {
        res.epochs = epoch;
        return finish(Reason::NonFinite);
      }
      if (var.kind == VarianceKind::Recursive) {
        std::copy(gj, gj + len, G.begin() + k0);
        std::copy(x + k0, x + k0 + len, xp.begin() + k0);
      }
      std::copy(x + k0, x + k0 + len, xold.begin() + k0);
      double Lj = p.backtracking ? L[j] * 0.9 : L[j];
      for (int tries = 0;; ++tries) {
        const double eta = 1.0 / Lj;
        for (int64_t k = k0; k < k0 + len; ++k) x[k] = xold[k] - eta * g[k];
        prox_block(prox[j], eta, x + k0, len);
        if (!finite_all(x + k0, len)) {
          std::copy(xold.begin() + k0, xold.begin() + k0 + len, x + k0);
          res.epochs = epoch;
          return finish(Reason::NonFinite);
        }
        for (int64_t k = k0; k < k0 + len; ++k) tmp[k] = x[k] - xold[k];
        if (exact) model.add_columns(k0, k0 + len, tmp.data() + k0, 1.0);
        if (!p.backtracking) break;
        // Accept when ‖∇_j f(x⁺) − ∇_j f(x)‖ ≤ L_j ‖x⁺_j − x_j‖.
        if (!model.block_gradient(x, j, k0, k0 + len, gfull.data() + k0)) {
          res.epochs = epoch;
          return finish(Reason::Aborted);
        }
        passes += frac;
        double dg = 0, dx = 0;
        for (int64_t k = k0; k < k0 + len; ++k) {
          dg += (gfull[k] - g[k]) * (gfull[k] - g[k]);
          dx += tmp[k] * tmp[k];
        }
        if (!std::isfinite(dg)) dg = std::numeric_limits<double>::infinity();
        if (std::sqrt(dg) <= Lj * std::sqrt(dx) * (1 + 1e-12) || tries >= 100) break;
        model.add_columns(k0, k0 + len, tmp.data() + k0, -1.0);
        std::copy(xold.begin() + k0, xold.begin() + k0 + len, x + k0);
        Lj *= 2.0;
      }
      L[j] = Lj;
    }
    res.epochs = epoch + 1;
    if (!measure(gm)) return finish(Reason::Aborted);
    record(gm);
    if (!std::isfinite(gm)) return finish(Reason::NonFinite);
    if (ctl.wants_progress()) {
      ProgressInfo info;
      info.iteration = epoch + 1;
      info.total = p.max_epochs;
      info.value = gm;
      ctl.progress(info);
    }
    if (gm <= p.tol) return finish(Reason::Tol);
  }
  return finish(Reason::MaxIterations);
}

}  // namespace bcd
}  // namespace itersolve
