// Group Lasso by block coordinate descent (native/bcd/group_lasso.hpp):
//   groupLasso(X0, X1, X2, y, sampleWeight, groups, groupWeights, coef, io)
//   groupLassoAsync(..., io, jobOptions)
// The design X as in bindings/bcd_common.hpp (X0, X1, X2 and io's `layout` slot). groups is an
// Int32Array of io's `groupsLength` entries: offsets (G + 1) or labels (cols), by io's `groupsKind`
// (layout::group_kind); groupWeights (G) a Float64Array or null (√|g|). sampleWeight (rows) a
// Float64Array or null. coef (cols) is the output, and the start when io's `warmStart` is set. io
// carries the layout::group_lasso params, then the layout::group_lasso_stats the binding writes
// at the end. Resolves to { activeGroups: Int32Array, history? }.
#include "../native/bcd/group_lasso.hpp"
#include "areas.hpp"
#include "bcd_common.hpp"

namespace itersolve {
namespace binding {
namespace {

namespace P = layout::group_lasso;
namespace S = layout::group_lasso_stats;
namespace GK = layout::group_kind;

constexpr FitSlots kGroupSlots = ITERSOLVE_FIT_SLOTS(P, S);

class GroupLassoOp : public CoefFit {
 public:
  static constexpr const char* kName = "groupLasso";
  static constexpr size_t kArgX0 = 0, kArgY = 3, kArgSw = 4, kArgGroups = 5, kArgGw = 6,
                          kArgCoef = 7, kArgIo = 8, kArgOptions = 9;

  explicit GroupLassoOp(Args& a) : CoefFit(a, kArgIo, kGroupSlots) {
    Napi::Env env = a.env();
    const double* p = io_;
    const Dims d = read_dims(env);
    kind_ = static_cast<int>(param_int(env, p[P::groupsKind], "groupsKind", 0, GK::kCount - 1));
    groups_length_ = param_int(env, p[P::groupsLength], "groupsLength", 0, kBcdMaxDim);
    read_fit_data(a, kArgX0, d, prob_);
    groups_ = a.i32(kArgGroups, "groups", groups_length_).data;
    if (!absent(a[kArgGw])) {
      const Span<double> gw = a.f64(kArgGw, "groupWeights");
      prob_.group_weights = gw.data;
      prob_.group_weights_length = gw.length;  // checked against G by the solver
    }
    read_coef(a, kArgCoef, d.cols);
    // coef is written while X, y, the weights and io are read.
    check_output(env, coef_, d.cols, "coef", fit_data_inputs(prob_),
                 {{prob_.group_weights, prob_.group_weights_length, "groupWeights"}, io_input()});

    opt_.tol = p[P::tol];  // checked by the solver
    read_fit_options(env, opt_);
  }

  void run(const Engine& e, Control& ctl) {
    // The groups are built (and checked: SolverError naming 'groups') here, off the main thread.
    group_index_ = kind_ == GK::labels
                       ? bcd::groups_from_labels(groups_, groups_length_, prob_.X.cols)
                       : bcd::groups_from_offsets(groups_, groups_length_, prob_.X.cols);
    prob_.groups = &group_index_;
    res_ = bcd::group_lasso(e, prob_, opt_, ctl, warm_start());
    double* s = stats();
    s[S::screened] = static_cast<double>(res_.screened);
    s[S::groups] = static_cast<double>(group_index_.count());
    write_fit(res_, ctl.elapsed_ms());
  }

  Napi::Value result(Napi::Env env) {
    Napi::Object o = history_object(env, opt_.history, res_.history);
    o.Set("activeGroups", new_i32(env, res_.active_groups.data(), res_.active_groups.size()));
    return o;
  }

 private:
  bcd::GroupLassoProblem prob_;
  bcd::GroupLassoOptions opt_;
  bcd::Groups group_index_;
  const int32_t* groups_ = nullptr;
  int64_t groups_length_ = 0;
  int kind_ = 0;
  bcd::GroupLassoResult res_;
};

}  // namespace

void init_group_lasso(Napi::Env env, Napi::Object exports) {
  export_fn<run_sync<GroupLassoOp>>(env, exports, "groupLasso");
  export_fn<start_job<GroupLassoOp, GroupLassoOp::kArgOptions>>(env, exports, "groupLassoAsync");
}

}  // namespace binding
}  // namespace itersolve
