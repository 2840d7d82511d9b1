// BCD training of ReLU networks (mlp.hpp).
#include "mlp.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "../core/errors.hpp"

namespace itersolve {
namespace bcd {
namespace {

using dense::MatRef;
using dense::Order;

// Standard normals from mt19937_64 by Box–Muller (std::normal_distribution differs between
// standard libraries).
struct Normal {
  std::mt19937_64 g;
  bool have = false;
  double spare = 0.0;
  explicit Normal(uint64_t seed) : g(seed) {}
  double uniform() { return (static_cast<double>(g() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double operator()() {
    if (have) {
      have = false;
      return spare;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform())), t = 6.283185307179586 * uniform();
    spare = r * std::sin(t);
    have = true;
    return r * std::cos(t);
  }
};

double elem(const SampleMatrix& M, int64_t s, int64_t j) {
  return M.order == Order::Row ? M.data[s * M.ld + j] : M.data[s + j * M.ld];
}

// Z (h_i × n, col-major) = W_i V_{i−1} + b_i1ᵀ.
void affine(const Engine& e, const MlpState& s, int i, double* Z) {
  const int64_t h = s.dims[i], hp = s.dims[i - 1];
  dense::gemm(e, h, s.n, hp, 1.0, MatRef{s.W[i].data(), hp, Order::Row}, false,
              MatRef{s.V[i - 1].data(), hp, Order::Col}, false, 0.0, Z, h, Order::Col);
  for (int64_t c = 0; c < s.n; ++c)
    for (int64_t r = 0; r < h; ++r) Z[c * h + r] += s.b[i][r];
}

double relu(double x) { return x > 0.0 ? x : 0.0; }

void require(bool ok, const char* arg, const std::string& msg) {
  if (!ok) throw SolverError("ERR_INVALID_ARGUMENT", msg, -1, arg);
}

}  // namespace

MlpState mlp_init(const Engine& e, const SampleMatrix& X, const SampleMatrix& Y,
                  const MlpOptions& opt) {
  require(X.rows >= 1 && X.cols >= 1, "X", "trainMlpBcd: X must have at least one row and column");
  require(Y.cols >= 1, "Y", "trainMlpBcd: Y must have at least one column");
  if (Y.rows != X.rows)
    throw SolverError(
        "ERR_DIMENSION_MISMATCH",
        "trainMlpBcd: Y has " + std::to_string(Y.rows) + " rows, X " + std::to_string(X.rows), -1,
        "Y");
  for (int64_t h : opt.hidden) require(h >= 1, "hidden", "trainMlpBcd: hidden widths must be >= 1");
  require(opt.gamma > 0.0 && std::isfinite(opt.gamma), "gamma", "trainMlpBcd: gamma must be > 0");
  require(opt.rho > 0.0 && std::isfinite(opt.rho), "rho", "trainMlpBcd: rho must be > 0");
  require(opt.alpha > 0.0 && std::isfinite(opt.alpha), "alpha", "trainMlpBcd: alpha must be > 0");
  require(opt.epochs >= 0, "epochs", "trainMlpBcd: epochs must be >= 0");
  MlpState s;
  s.n = X.rows;
  s.dims.push_back(X.cols);
  for (int64_t h : opt.hidden) s.dims.push_back(h);
  s.dims.push_back(Y.cols);
  const int N = s.layers();
  s.W.resize(N + 1);
  s.b.resize(N + 1);
  s.U.resize(N + 1);
  s.V.resize(N + 1);
  const int64_t n = s.n, d = X.cols, k = Y.cols;
  s.V[0].resize(static_cast<size_t>(d * n));
  for (int64_t c = 0; c < n; ++c)
    for (int64_t j = 0; j < d; ++j) {
      const double v = elem(X, c, j);
      require(std::isfinite(v), "X", "trainMlpBcd: X has a non-finite entry");
      s.V[0][c * d + j] = v;
    }
  s.Y.resize(static_cast<size_t>(k * n));
  for (int64_t c = 0; c < n; ++c)
    for (int64_t j = 0; j < k; ++j) {
      const double v = elem(Y, c, j);
      require(std::isfinite(v), "Y", "trainMlpBcd: Y has a non-finite entry");
      s.Y[c * k + j] = v;
    }
  Normal rnd(opt.seed);
  for (int i = 1; i <= N; ++i) {
    const int64_t h = s.dims[i], hp = s.dims[i - 1];
    const double scale =
        opt.init == MlpInit::Paper ? 0.01 : std::sqrt(2.0 / static_cast<double>(hp));
    s.W[i].resize(static_cast<size_t>(h * hp));
    for (double& w : s.W[i]) w = scale * rnd();
    s.b[i].assign(static_cast<size_t>(h), opt.init == MlpInit::Paper ? 0.1 : 0.0);
    s.U[i].resize(static_cast<size_t>(h * n));
    affine(e, s, i, s.U[i].data());
    s.V[i] = s.U[i];
    if (i < N)
      for (double& v : s.V[i]) v = relu(v);
  }
  return s;
}

double mlp_split_objective(const Engine& e, const MlpState& s, double gamma, double rho) {
  const int N = s.layers();
  double fit = 0.0;
  for (size_t j = 0; j < s.Y.size(); ++j) {
    const double r = s.V[N][j] - s.Y[j];
    fit += r * r;
  }
  double act = 0.0, lin = 0.0;
  std::vector<double> Z;
  for (int i = 1; i <= N; ++i) {
    const std::vector<double>& U = s.U[i];
    const std::vector<double>& V = s.V[i];
    for (size_t j = 0; j < U.size(); ++j) {
      const double r = V[j] - (i < N ? relu(U[j]) : U[j]);
      act += r * r;
    }
    Z.resize(U.size());
    affine(e, s, i, Z.data());
    for (size_t j = 0; j < U.size(); ++j) {
      const double r = U[j] - Z[j];
      lin += r * r;
    }
  }
  return 0.5 * fit + 0.5 * gamma * act + 0.5 * rho * lin;
}

void mlp_update_output_v(MlpState& s, double gamma, double alpha) {
  const int N = s.layers();
  std::vector<double>& V = s.V[N];
  const std::vector<double>& U = s.U[N];
  const double inv = 1.0 / (1.0 + gamma + alpha);
  for (size_t j = 0; j < V.size(); ++j) V[j] = (s.Y[j] + gamma * U[j] + alpha * V[j]) * inv;
}

void mlp_update_output_u(const Engine& e, MlpState& s, double gamma, double rho) {
  const int N = s.layers();
  std::vector<double>& U = s.U[N];
  affine(e, s, N, U.data());
  const double inv = 1.0 / (gamma + rho);
  for (size_t j = 0; j < U.size(); ++j) U[j] = (gamma * s.V[N][j] + rho * U[j]) * inv;
}

void mlp_update_w(const Engine& e, MlpState& s, int i, double rho, double alpha) {
  const int64_t h = s.dims[i], hp = s.dims[i - 1], n = s.n;
  // R = U_i − b_i1ᵀ (h × n col-major)
  std::vector<double> R(s.U[i]);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t r = 0; r < h; ++r) R[c * h + r] -= s.b[i][r];
  // M = αW + ρ R V_{i−1}ᵀ (h × hp row-major)
  std::vector<double> M(s.W[i]);
  const MatRef Vp{s.V[i - 1].data(), hp, Order::Col};
  dense::gemm(e, h, hp, n, rho, MatRef{R.data(), h, Order::Col}, false, Vp, true, alpha, M.data(),
              hp, Order::Row);
  // S = αI + ρ V Vᵀ (hp × hp), then W = M S⁻¹.
  std::vector<double> S(static_cast<size_t>(hp * hp));
  dense::gemm(e, hp, hp, n, rho, Vp, false, Vp, true, 0.0, S.data(), hp, Order::Row);
  for (int64_t j = 0; j < hp; ++j) S[j * hp + j] += alpha;
  dense::spd_inverse(e, hp, S.data());
  dense::gemm(e, h, hp, hp, 1.0, MatRef{M.data(), hp, Order::Row}, false,
              MatRef{S.data(), hp, Order::Row}, false, 0.0, s.W[i].data(), hp, Order::Row);
}

void mlp_update_b(const Engine&, MlpState& s, int i, double rho, double alpha) {
  const int64_t h = s.dims[i], hp = s.dims[i - 1], n = s.n;
  // (U − W V)1 = U1 − W(V1)
  std::vector<double> usum(static_cast<size_t>(h), 0.0), vsum(static_cast<size_t>(hp), 0.0);
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t r = 0; r < h; ++r) usum[r] += s.U[i][c * h + r];
    for (int64_t r = 0; r < hp; ++r) vsum[r] += s.V[i - 1][c * hp + r];
  }
  const double inv = 1.0 / (rho * static_cast<double>(n) + alpha);
  for (int64_t r = 0; r < h; ++r) {
    double wv = 0.0;
    for (int64_t q = 0; q < hp; ++q) wv += s.W[i][r * hp + q] * vsum[q];
    s.b[i][r] = (alpha * s.b[i][r] + rho * (usum[r] - wv)) * inv;
  }
}

void mlp_update_v(const Engine& e, MlpState& s, int i, double gamma, double rho) {
  const int64_t h = s.dims[i], hn = s.dims[i + 1], n = s.n;
  const MatRef Wn{s.W[i + 1].data(), h, Order::Row};  // h_{i+1} × h
  // T = U_{i+1} − b_{i+1}1ᵀ ; R = γσ(U_i) + ρ W_{i+1}ᵀ T
  std::vector<double> T(s.U[i + 1]);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t r = 0; r < hn; ++r) T[c * hn + r] -= s.b[i + 1][r];
  std::vector<double> R(s.U[i].size());
  for (size_t j = 0; j < R.size(); ++j) R[j] = gamma * relu(s.U[i][j]);
  dense::gemm(e, h, n, hn, rho, Wn, true, MatRef{T.data(), hn, Order::Col}, false, 1.0, R.data(), h,
              Order::Col);
  // S = γI + ρ WᵀW ; V = S⁻¹ R
  std::vector<double> S(static_cast<size_t>(h * h));
  dense::gemm(e, h, h, hn, rho, Wn, true, Wn, false, 0.0, S.data(), h, Order::Row);
  for (int64_t j = 0; j < h; ++j) S[j * h + j] += gamma;
  dense::spd_inverse(e, h, S.data());
  dense::gemm(e, h, n, h, 1.0, MatRef{S.data(), h, Order::Row}, false,
              MatRef{R.data(), h, Order::Col}, false, 0.0, s.V[i].data(), h, Order::Col);
}

void mlp_update_u(const Engine& e, MlpState& s, int i, double gamma, double rho, double alpha) {
  std::vector<double> Z(s.U[i].size());
  affine(e, s, i, Z.data());
  std::vector<double>& U = s.U[i];
  const std::vector<double>& V = s.V[i];
  // (ρ/2)(u − z)² + (α/2)(u − u⁰)² = (c/2)(u − a)² + const, c = ρ + α, a = (ρz + αu⁰)/c.
  const double c = rho + alpha;
  for (size_t j = 0; j < U.size(); ++j) {
    const double a = (rho * Z[j] + alpha * U[j]) / c, v = V[j];
    const double u1 = std::max(0.0, (gamma * v + c * a) / (gamma + c));  // u ≥ 0: σ(u) = u
    const double u2 = std::min(a, 0.0);  // u ≤ 0: σ(u) = 0
    const double f1 = gamma * (v - u1) * (v - u1) + c * (u1 - a) * (u1 - a);
    const double f2 = gamma * v * v + c * (u2 - a) * (u2 - a);
    U[j] = f1 <= f2 ? u1 : u2;
  }
}

void mlp_epoch(const Engine& e, MlpState& s, double gamma, double rho, double alpha) {
  const int N = s.layers();
  mlp_update_output_v(s, gamma, alpha);
  mlp_update_output_u(e, s, gamma, rho);
  mlp_update_w(e, s, N, rho, alpha);
  mlp_update_b(e, s, N, rho, alpha);
  for (int i = N - 1; i >= 1; --i) {
    mlp_update_v(e, s, i, gamma, rho);
    mlp_update_u(e, s, i, gamma, rho, alpha);
    mlp_update_w(e, s, i, rho, alpha);
    mlp_update_b(e, s, i, rho, alpha);
  }
}

std::vector<MlpLayer> mlp_layers(const MlpState& s) {
  std::vector<MlpLayer> out;
  for (int i = 1; i <= s.layers(); ++i) out.push_back({s.dims[i], s.dims[i - 1], s.W[i], s.b[i]});
  return out;
}

namespace {
// Forward pass from V0 (h_0 × n col-major); returns the output (k × n col-major).
std::vector<double> forward(const Engine& e, const std::vector<MlpLayer>& L, std::vector<double> V,
                            int64_t n) {
  std::vector<double> Z;
  for (size_t i = 0; i < L.size(); ++i) {
    const int64_t h = L[i].out, hp = L[i].in;
    Z.assign(static_cast<size_t>(h * n), 0.0);
    dense::gemm(e, h, n, hp, 1.0, MatRef{L[i].W.data(), hp, Order::Row}, false,
                MatRef{V.data(), hp, Order::Col}, false, 0.0, Z.data(), h, Order::Col);
    const bool last = i + 1 == L.size();
    for (int64_t c = 0; c < n; ++c)
      for (int64_t r = 0; r < h; ++r) {
        const double z = Z[c * h + r] + L[i].b[r];
        Z[c * h + r] = last ? z : relu(z);
      }
    V.swap(Z);
  }
  return V;
}
}  // namespace

double mlp_network_loss(const Engine& e, const MlpState& s) {
  const std::vector<double> out = forward(e, mlp_layers(s), s.V[0], s.n);
  double l = 0.0;
  for (size_t j = 0; j < out.size(); ++j) l += (out[j] - s.Y[j]) * (out[j] - s.Y[j]);
  return 0.5 * l;
}

void mlp_predict(const Engine& e, const std::vector<MlpLayer>& layers, const SampleMatrix& X,
                 double* out) {
  if (layers.empty() || X.cols != layers.front().in)
    throw SolverError("ERR_DIMENSION_MISMATCH",
                      "predict: X must have as many columns as the network's inputs", -1, "X");
  const int64_t n = X.rows, d = X.cols;
  std::vector<double> V0(static_cast<size_t>(n * d));
  for (int64_t c = 0; c < n; ++c)
    for (int64_t j = 0; j < d; ++j) V0[c * d + j] = elem(X, c, j);
  const std::vector<double> Yh = forward(e, layers, std::move(V0), n);
  std::copy(Yh.begin(), Yh.end(), out);  // k × n col-major = n × k row-major
}

MlpResult train_mlp_bcd(const Engine& e, const SampleMatrix& X, const SampleMatrix& Y,
                        const MlpOptions& opt, Control& ctl, const MlpEpochOut& out) {
  MlpState s = mlp_init(e, X, Y, opt);
  MlpResult res;
  for (int64_t ep = 0; ep < opt.epochs; ++ep) {
    const StopReason why = ctl.poll();
    if (why != StopReason::None) {
      res.stop = why;
      break;
    }
    mlp_epoch(e, s, opt.gamma, opt.rho, opt.alpha);
    res.objective.push_back(mlp_split_objective(e, s, opt.gamma, opt.rho));
    res.network_loss.push_back(mlp_network_loss(e, s));
    if (out.objective != nullptr) out.objective[ep] = res.objective.back();
    if (out.network_loss != nullptr) out.network_loss[ep] = res.network_loss.back();
    res.epochs = ep + 1;
    ProgressInfo info;
    info.iteration = ep + 1;
    info.total = opt.epochs;
    info.value = res.objective.back();
    info.fraction = static_cast<double>(ep + 1) / static_cast<double>(opt.epochs);
    ctl.progress(info);
  }
  res.layers = mlp_layers(s);
  return res;
}

}  // namespace bcd
}  // namespace itersolve
