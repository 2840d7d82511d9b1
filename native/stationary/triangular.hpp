// Sparse triangular sweeps shared by the preconditioners (SSOR, IC(0), ILU(0)) and CG's Eisenstat
// form: a strictly triangular factor in CSR form with the adjacent column kept apart, the
// forward / backward substitutions with a per-row scale, and the builder of such a factor. Pure
// C++ (no Node); header-only so the sweeps inline into their callers.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace itersolve {
namespace relax {

// A strictly triangular matrix in CSR form. The entry in the column next to the diagonal (i−1 in
// a lower, i+1 in an upper factor) is kept apart in `adj`: a sweep holds that neighbour in a
// register, so what one row hands to the next is a multiply-add rather than a store and a
// reload, and a stencil row streams 8 B for it instead of a 12 B CSR entry (sweeps run on one
// core and are bound by its memory bandwidth).
struct TriFactor {
  std::vector<int32_t> rowPtr;  // rows + 1
  std::vector<int32_t> colIdx;  // without the adjacent column
  std::vector<double> values;
  std::vector<double> adj;      // rows entries (0 where absent); empty when no row has one
};

// Sweeps with a per-row scale s(i) (ScaleOne, ScaleConst or ScaleVec below).
// z_i = s(i)·r_i − Σ_{j<i} T_ij z_j, rows ascending. z may alias r.
template <bool kAdj, class Scale>
inline void tri_forward_rows(const TriFactor& T, Scale s, const double* r, double* z, int64_t n) {
  const int32_t* rp = T.rowPtr.data();
  const int32_t* ci = T.colIdx.data();
  const double* v = T.values.data();
  const double* adj = T.adj.data();
  double prev = 0.0;
  int32_t k = rp[0];
  for (int64_t i = 0; i < n; ++i) {
    const int32_t e = rp[i + 1];
    double acc = s(i) * r[i];
    for (; k < e; ++k) acc -= v[k] * z[ci[k]];
    if (kAdj) acc -= adj[i] * prev;
    z[i] = acc;
    prev = acc;
  }
}

// z_i = s(i)·z_i − Σ_{j>i} T_ij z_j, rows descending, in place.
template <bool kAdj, class Scale>
inline void tri_backward_rows(const TriFactor& T, Scale s, double* z, int64_t n) {
  const int32_t* rp = T.rowPtr.data();
  const int32_t* ci = T.colIdx.data();
  const double* v = T.values.data();
  const double* adj = T.adj.data();
  double next = 0.0;
  for (int64_t i = n - 1; i >= 0; --i) {
    double acc = s(i) * z[i];
    for (int32_t k = rp[i]; k < rp[i + 1]; ++k) acc -= v[k] * z[ci[k]];
    if (kAdj) acc -= adj[i] * next;
    z[i] = acc;
    next = acc;
  }
}

template <class Scale>
inline void tri_forward(const TriFactor& T, Scale s, const double* r, double* z, int64_t n) {
  if (T.adj.empty()) tri_forward_rows<false>(T, s, r, z, n);
  else tri_forward_rows<true>(T, s, r, z, n);
}

template <class Scale>
inline void tri_backward(const TriFactor& T, Scale s, double* z, int64_t n) {
  if (T.adj.empty()) tri_backward_rows<false>(T, s, z, n);
  else tri_backward_rows<true>(T, s, z, n);
}

struct ScaleOne {
  double operator()(int64_t) const { return 1.0; }
};
struct ScaleConst {
  double c;
  double operator()(int64_t) const { return c; }
};
struct ScaleVec {
  const double* d;
  double operator()(int64_t i) const { return d[i]; }
};

// Assembles a TriFactor row by row; the adjacent column goes to `adj` (duplicates summed).
class TriBuilder {
 public:
  TriBuilder(int64_t n, bool lower) : lower_(lower) {
    t_.rowPtr.reserve(n + 1);
    t_.rowPtr.push_back(0);
    t_.adj.assign(n, 0.0);
  }
  void add(int64_t i, int32_t j, double v) {
    if (j == (lower_ ? i - 1 : i + 1)) {
      t_.adj[i] += v;
      any_adj_ = true;
    } else {
      t_.colIdx.push_back(j);
      t_.values.push_back(v);
    }
  }
  void end_row() { t_.rowPtr.push_back(static_cast<int32_t>(t_.colIdx.size())); }
  TriFactor finish() {
    if (!any_adj_) t_.adj = std::vector<double>();
    t_.colIdx.shrink_to_fit();
    t_.values.shrink_to_fit();
    return std::move(t_);
  }

 private:
  bool lower_;
  bool any_adj_ = false;
  TriFactor t_;
};

}  // namespace relax
}  // namespace itersolve
