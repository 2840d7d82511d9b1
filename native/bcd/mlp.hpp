// BCD training of ReLU networks (Zeng, Lau, Lin, Yao, ICML 2019; issue 11 §4), pure C++.
//
// Columns are samples. With V_0 = Xᵀ (d × n), layers i = 1..N (N = hidden.size() + 1, widths
// h_0 = d, h_1..h_{N−1} = hidden, h_N = k), the three-splitting objective is
//   ½‖V_N − Y‖² + Σ_{i<N} (γ/2)‖V_i − σ(U_i)‖² + (γ/2)‖V_N − U_N‖²
//                + Σ_i (ρ/2)‖U_i − W_i V_{i−1} − b_i1ᵀ‖²       (σ = ReLU, Frobenius norms)
// (the output layer is linear: σ is the identity there). An epoch is the backward sweep of the
// authors' code (deeplearning-math/bcd_dnn), every step the exact minimiser of its block:
//   V_N = (Y + γU_N + αV_N)/(1 + γ + α)                                 [+ (α/2)‖V_N − V_N⁰‖²]
//   U_N = (γV_N + ρ(W_N V_{N−1} + b_N1ᵀ))/(γ + ρ)
//   W_i = (αW_i + ρ(U_i − b_i1ᵀ)V_{i−1}ᵀ)(αI + ρV_{i−1}V_{i−1}ᵀ)⁻¹       [+ (α/2)‖W_i − W_i⁰‖²]
//   b_i = (αb_i + ρ(U_i − W_i V_{i−1})1)/(ρn + α), W_i the new one       [+ (α/2)‖b_i − b_i⁰‖²]
//   then for i = N−1..1:
//   V_i = (γI + ρW_{i+1}ᵀW_{i+1})⁻¹[γσ(U_i) + ρW_{i+1}ᵀ(U_{i+1} − b_{i+1}1ᵀ)]
//   U_i = argmin_u (γ/2)(v − σ(u))² + (ρ/2)(u − z)² + (α/2)(u − u⁰)² elementwise, z = W_i V_{i−1}
//         + b_i: the u ≥ 0 and u ≤ 0 branches each in closed form, the smaller value taken
//         (the authors' relu_prox, with their α proximal term)           [+ (α/2)‖U_i − U_i⁰‖²]
//   W_i, b_i as above.
// The terms in brackets are the proximal terms each block's subproblem carries (x⁰ the block's
// value before the step), so the split objective never increases from one epoch to the next.
// Init 'paper': W = 0.01·randn, b = 0.1; 'he': W = randn·√(2/h_{i−1}), b = 0; then U, V by a
// forward pass (V_i = σ(U_i), V_N = U_N). Random numbers: mt19937_64(seed) through Box–Muller,
// the same on every platform. Dense products go through dense::gemm (threaded, deterministic).
#pragma once
#include <cstdint>
#include <vector>

#include "../core/control.hpp"
#include "../core/gemm.hpp"

namespace itersolve {
namespace bcd {

enum class MlpInit { Paper, He };

struct MlpOptions {
  std::vector<int64_t> hidden;  // widths of the hidden layers (each ≥ 1; may be empty)
  double gamma = 1.0;  // γ > 0
  double rho = 1.0;  // ρ > 0
  double alpha = 0.01;  // α > 0 (keeps αI + ρVVᵀ positive definite)
  int64_t epochs = 100;  // ≥ 0
  MlpInit init = MlpInit::Paper;
  uint64_t seed = 0;
};

// A dense operand of n rows (samples) × cols, as dense::MatRef (Row: data[s·ld + j]).
struct SampleMatrix {
  const double* data;
  int64_t rows, cols, ld;
  dense::Order order;
};

// The split variables. Index i = 1..N for W, b, U, V (entry 0 unused, except V[0] = Xᵀ).
// W[i]: h_i × h_{i−1} row-major; b[i]: h_i; U[i], V[i]: h_i × n column-major (a sample's
// column contiguous, leading dimension h_i); Y: k × n column-major.
struct MlpState {
  int64_t n = 0;
  std::vector<int64_t> dims;  // h_0..h_N
  std::vector<std::vector<double>> W, b, U, V;
  std::vector<double> Y;
  int layers() const { return static_cast<int>(dims.size()) - 1; }
};

struct MlpLayer {
  int64_t out = 0, in = 0;
  std::vector<double> W;  // out × in row-major
  std::vector<double> b;  // out
};

struct MlpResult {
  std::vector<MlpLayer> layers;
  std::vector<double> objective;  // split objective after each epoch
  std::vector<double> network_loss;  // ½‖f(X) − Y‖² of the network's own forward pass, per epoch
  int64_t epochs = 0;  // epochs completed
  StopReason stop = StopReason::None;  // Aborted / TimeLimit when Control stopped it early
};

// Validates the options (SolverError ERR_INVALID_ARGUMENT naming 'hidden', 'gamma', 'rho',
// 'alpha', 'epochs'; ERR_DIMENSION_MISMATCH naming 'Y' when Y's rows ≠ X's; 'X'/'Y' for
// non-finite entries) and initialises the state.
MlpState mlp_init(const Engine& e, const SampleMatrix& X, const SampleMatrix& Y,
                  const MlpOptions& opt);

double mlp_split_objective(const Engine& e, const MlpState& s, double gamma, double rho);

// The block updates of one sweep (see the header comment), exposed for the tests.
void mlp_update_output_v(MlpState& s, double gamma, double alpha);  // V_N
void mlp_update_output_u(const Engine& e, MlpState& s, double gamma, double rho);  // U_N
void mlp_update_w(const Engine& e, MlpState& s, int i, double rho, double alpha);  // W_i
void mlp_update_b(const Engine& e, MlpState& s, int i, double rho, double alpha);  // b_i
void mlp_update_v(const Engine& e, MlpState& s, int i, double gamma, double rho);  // V_i, i < N
void mlp_update_u(const Engine& e, MlpState& s, int i, double gamma, double rho,
                  double alpha);  // U_i, i < N
// One epoch: the whole backward sweep.
void mlp_epoch(const Engine& e, MlpState& s, double gamma, double rho, double alpha);

// The network's output for X (n × k, row-major into out) and ½‖f(X) − Y‖² helpers.
void mlp_predict(const Engine& e, const std::vector<MlpLayer>& layers, const SampleMatrix& X,
                 double* out);
std::vector<MlpLayer> mlp_layers(const MlpState& s);
double mlp_network_loss(const Engine& e, const MlpState& s);

// Where each epoch's figures are also written (opt.epochs entries each, or null), before that
// epoch's progress report: a caller's arrays that a progress callback may read.
struct MlpEpochOut {
  double* objective = nullptr;
  double* network_loss = nullptr;
};

// mlp_init, then `epochs` sweeps; Control::poll before each epoch, Control::progress after it
// (value: the split objective).
MlpResult train_mlp_bcd(const Engine& e, const SampleMatrix& X, const SampleMatrix& Y,
                        const MlpOptions& opt, Control& ctl, const MlpEpochOut& out = {});

}  // namespace bcd
}  // namespace itersolve
