// BCD training of ReLU networks (native/bcd/mlp.hpp):
//   trainMlp(X, Y, dims, params, objective, networkLoss, io)
//   trainMlpAsync(..., io, jobOptions)
//   mlpPredict(X, dims, params, out, io)
// X (rows × cols) and Y (rows × outputs) are dense, laid out by io's `xLayout` / `yLayout` slots
// (layout::bcd_layout colMajor or rowMajor). dims (Int32Array, layers + 1) holds the widths
// h_0 = cols, the hidden widths, h_N = outputs. params (Float64Array) holds every layer's
// W_i (h_i × h_{i−1} row-major) then b_i (h_i), i = 1..N, one after the other: trainMlp writes
// the trained network there, mlpPredict reads it. objective and networkLoss (epochs entries each)
// receive each epoch's split objective and ½‖f(X) − Y‖² as soon as the epoch ends, so onProgress
// (Control::progress once per epoch, value = the split objective) may read them while the job
// runs. io carries the layout::mlp params, then the layout::mlp_stats the binding writes.
// mlpPredict writes f(X) (rows × outputs, row-major) into out; its io holds layout::mlp_predict.
#include <limits>
#include <string>
#include <vector>

#include "../native/bcd/mlp.hpp"
#include "areas.hpp"
#include "operation.hpp"
#include "solve_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::mlp;
namespace S = layout::mlp_stats;
namespace PP = layout::mlp_predict;
namespace BL = layout::bcd_layout;

static_assert(layout::mlp_init::paper == static_cast<int>(bcd::MlpInit::Paper) &&
                  layout::mlp_init::he == static_cast<int>(bcd::MlpInit::He),
              "layout mlp inits != bcd::MlpInit");

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
// Widths and epochs the facade allows (lib/options.ts): a width's W is width² doubles.
constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxEpochs = 10000000;
constexpr int64_t kMaxLayers = 1000;

// A dense rows × cols operand in the layout `lay` (colMajor or rowMajor).
bcd::SampleMatrix sample_matrix(Args& a, size_t arg, const char* name, int64_t rows, int64_t cols,
                                int lay) {
  if (lay != BL::colMajor && lay != BL::rowMajor)
    throw_error(a.env(), "ERR_INVALID_ARGUMENT",
                std::string(name) + ": expected a dense matrix (layout colMajor or rowMajor)",
                name);
  const double* data = a.f64(arg, name, rows * cols).data;  // both < 2^31: no overflow
  return lay == BL::colMajor ? bcd::SampleMatrix{data, rows, cols, rows, dense::Order::Col}
                             : bcd::SampleMatrix{data, rows, cols, cols, dense::Order::Row};
}

// The widths h_0..h_N (dims, N = layers) checked against X's columns and the outputs (an output
// width < 1 is named `outName`); returns the number of doubles the parameters take
// (Σ h_i h_{i−1} + h_i).
int64_t read_dims(Args& a, size_t arg, int64_t layers, int64_t cols, int64_t outputs,
                  std::vector<int64_t>& dims, const char* outName) {
  Napi::Env env = a.env();
  const int32_t* d = a.i32(arg, "dims", layers + 1).data;
  dims.assign(d, d + layers + 1);
  if (dims.front() != cols || dims.back() != outputs)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "dims: expected " + std::to_string(cols) + " inputs and " +
                    std::to_string(outputs) + " outputs, received " + std::to_string(dims.front()) +
                    " and " + std::to_string(dims.back()),
                "dims");
  if (outputs < 1)
    throw_error(env, "ERR_INVALID_ARGUMENT",
                std::string(outName) + ": expected at least one output column", outName);
  for (int64_t i = 1; i < layers; ++i)
    if (dims[i] < 1 || dims[i] > kMaxWidth)
      throw_error(env, "ERR_INVALID_ARGUMENT",
                  "hidden: widths must be integers in [1, " + std::to_string(kMaxWidth) + "]",
                  "hidden");
  int64_t total = 0;
  for (int64_t i = 1; i <= layers; ++i) total += dims[i] * dims[i - 1] + dims[i];
  return total;
}

class TrainMlpOp {
 public:
  static constexpr const char* kName = "trainMlpBcd";
  static constexpr size_t kArgX = 0, kArgY = 1, kArgDims = 2, kArgParams = 3, kArgObjective = 4,
                          kArgLoss = 5, kArgIo = 6, kArgOptions = 7;

  explicit TrainMlpOp(Args& a) {
    Napi::Env env = a.env();
    io_ = a.f64(kArgIo, "io", P::kParams + S::kStats).data;
    const double* p = io_;
    const int64_t rows = param_int(env, p[P::rows], "rows", 0, kMaxDim);
    const int64_t cols = param_int(env, p[P::cols], "cols", 0, kMaxDim);
    const int64_t outputs = param_int(env, p[P::outputs], "outputs", 0, kMaxDim);
    const int64_t layers = param_int(env, p[P::layers], "layers", 1, kMaxLayers);
    const int xl = static_cast<int>(param_int(env, p[P::xLayout], "xLayout", 0, BL::kCount - 1));
    const int yl = static_cast<int>(param_int(env, p[P::yLayout], "yLayout", 0, BL::kCount - 1));
    X_ = sample_matrix(a, kArgX, "X", rows, cols, xl);
    Y_ = sample_matrix(a, kArgY, "Y", rows, outputs, yl);
    std::vector<int64_t> dims;
    nparams_ = read_dims(a, kArgDims, layers, cols, outputs, dims, "Y");
    opt_.hidden.assign(dims.begin() + 1, dims.end() - 1);
    params_ = a.f64(kArgParams, "params", nparams_).data;
    opt_.gamma = p[P::gamma];
    opt_.rho = p[P::rho];
    opt_.alpha = p[P::alpha];
    opt_.epochs = param_int(env, p[P::epochs], "epochs", 0, kMaxEpochs);
    opt_.init = static_cast<bcd::MlpInit>(
        param_int(env, p[P::init], "init", 0, layout::mlp_init::kCount - 1));
    opt_.seed = static_cast<uint64_t>(param_int(env, p[P::seed], "seed", 0, int64_t{1} << 53));
    objective_ = a.f64(kArgObjective, "objective", opt_.epochs).data;
    loss_ = a.f64(kArgLoss, "networkLoss", opt_.epochs).data;
    timeLimitMs_ = param_time_limit(env, p[P::timeLimitMs]);
    // The outputs are written while X and Y may still be read (X, Y are copied at the start,
    // but a caller's arrays must not change under it) and io's params are read.
    const struct {
      const double* data;
      int64_t n;
      const char* name;
    } ins[] = {{X_.data, rows * cols, "X"},
               {Y_.data, rows * outputs, "Y"},
               {io_, P::kParams + S::kStats, "io"}},
      outs[] = {{params_, nparams_, "params"},
                {objective_, opt_.epochs, "objective"},
                {loss_, opt_.epochs, "networkLoss"}};
    for (const auto& o : outs) {
      for (const auto& i : ins) check_distinct(env, i.data, i.n, o.data, o.n, o.name, i.name);
    }
    check_distinct(env, params_, nparams_, objective_, opt_.epochs, "objective", "params");
    check_distinct(env, params_, nparams_, loss_, opt_.epochs, "networkLoss", "params");
    check_distinct(env, objective_, opt_.epochs, loss_, opt_.epochs, "networkLoss", "objective");
  }

  // bcd::train_mlp_bcd, writing each epoch's figures into the caller's arrays before its
  // progress report (so the report's epoch can be read there).
  void run(const Engine& e, Control& ctl) {
    bcd::MlpEpochOut out;
    out.objective = objective_;
    out.network_loss = loss_;
    const bcd::MlpResult res = bcd::train_mlp_bcd(e, X_, Y_, opt_, ctl, out);
    const Reason reason =
        res.stop == StopReason::None ? Reason::MaxIterations : reason_from_stop(res.stop);
    const int64_t done = res.epochs;
    double* w = params_;
    for (const bcd::MlpLayer& L : res.layers) {
      for (double x : L.W) *w++ = x;
      for (double x : L.b) *w++ = x;
    }
    double* st = io_ + P::kParams;
    st[S::reason] = static_cast<double>(static_cast<int>(reason));
    st[S::epochs] = static_cast<double>(done);
    st[S::elapsedMs] = ctl.elapsed_ms();
  }

  Napi::Value result(Napi::Env env) { return env.Undefined(); }
  double time_limit_ms() const { return timeLimitMs_; }

 private:
  bcd::SampleMatrix X_{}, Y_{};
  bcd::MlpOptions opt_;
  double* params_ = nullptr;
  int64_t nparams_ = 0;
  double* objective_ = nullptr;
  double* loss_ = nullptr;
  double* io_ = nullptr;
  double timeLimitMs_ = 0;
};

// mlpPredict(X, dims, params, out, io): synchronous (a forward pass).
Napi::Value mlp_predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info, nullptr);
  const double* p = a.f64(4, "io", PP::kParams).data;
  const int64_t rows = param_int(env, p[PP::rows], "rows", 0, kMaxDim);
  const int64_t cols = param_int(env, p[PP::cols], "cols", 0, kMaxDim);
  const int64_t layers = param_int(env, p[PP::layers], "layers", 1, kMaxLayers);
  const int lay = static_cast<int>(param_int(env, p[PP::layout], "layout", 0, BL::kCount - 1));
  const bcd::SampleMatrix X = sample_matrix(a, 0, "X", rows, cols, lay);
  const int32_t* d = a.i32(1, "dims", layers + 1).data;
  std::vector<int64_t> dims(d, d + layers + 1);
  if (dims.front() != cols)
    throw_error(env, "ERR_DIMENSION_MISMATCH",
                "X: expected " + std::to_string(dims.front()) +
                    " columns (the network's inputs), received " + std::to_string(cols),
                "X");
  const int64_t outputs = dims.back();
  const int64_t total = read_dims(a, 1, layers, cols, outputs, dims, "dims");
  const double* params = a.f64(2, "params", total).data;
  double* out = a.f64(3, "out", rows * outputs).data;
  check_distinct(env, X.data, rows * cols, out, rows * outputs, "out", "X");
  check_distinct(env, params, total, out, rows * outputs, "out", "params");
  std::vector<bcd::MlpLayer> net(static_cast<size_t>(layers));
  const double* q = params;
  for (int64_t i = 1; i <= layers; ++i) {
    bcd::MlpLayer& L = net[static_cast<size_t>(i - 1)];
    L.out = dims[i];
    L.in = dims[i - 1];
    L.W.assign(q, q + L.out * L.in);
    q += L.out * L.in;
    L.b.assign(q, q + L.out);
    q += L.out;
  }
  bcd::mlp_predict(addon(env).engine(), net, X, out);
  return env.Undefined();
}

}  // namespace

void init_mlp(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<TrainMlpOp>>(env, exports, "trainMlp");
  export_fn<start_job<TrainMlpOp, TrainMlpOp::kArgOptions>>(env, exports, "trainMlpAsync");
  export_fn<mlp_predict>(env, exports, "mlpPredict");
}

}  // namespace binding
}  // namespace itersolve
