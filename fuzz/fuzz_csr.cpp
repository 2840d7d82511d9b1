// libFuzzer target for the CSR validator and everything that trusts it: arbitrary bytes become a
// (rows, cols, rowPtr, colIdx, values) triple; whatever csr::validate accepts must then be safe
// for every kernel and conversion (ASan/UBSan catch any out-of-bounds access), for every
// preconditioner builder (which may only throw SolverError) and its apply, and for a few
// iterations of every solver; and COO input with in-range indices must convert to a CSR matrix
// that validate accepts. The same arrays are also read as a CSC matrix (colPtr, rowIdx): whatever
// csc::validate accepts must be safe for both products (with and without the sorted-rows claim)
// and both conversions, and every conversion (CSR → CSC, CSC → CSR, COO → CSC) must produce a
// sorted, duplicate-free matrix that validate accepts; a sorted CSR must round-trip exactly.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <memory>
#include <vector>

#include "core/ops.hpp"
#include "formats/csc.hpp"
#include "formats/csr.hpp"
#include "krylov/krylov.hpp"
#include "sketch/sketch.hpp"
#include "stationary/stationary.hpp"

#include "reader.hpp"

using namespace itersolve;

namespace {
using fuzz::Reader;
// Preconditioners and a few iterations of every solver on a matrix validate accepted (sorted
// columns: what ic0/ilu0 assume). Any outcome is fine except a crash or a sanitizer report.
void solve_all(const CsrView& A, ThreadPool& pool) {
  Engine e{kernels_for(detect_simd()), &pool};
  const size_t m = static_cast<size_t>(A.rows), n = static_cast<size_t>(A.cols);
  std::vector<double> b(m, 1.0), x(n, 0.0);
  SolveOptions opt;
  opt.max_iterations = 6;
  opt.restart = 3;
  opt.history = true;
  opt.true_residual_every = 2;
  if (A.rows == A.cols) {
    std::vector<std::unique_ptr<Preconditioner>> ms;
    auto build = [&](auto&& f) {
      try {
        ms.push_back(f());
      } catch (const SolverError&) {
      }
    };
    build([&] { return make_jacobi(A); });
    build([&] { return make_ssor(A, 1.3); });
    build([&] { return make_ic0(A); });
    build([&] { return make_ilu0(A); });
    ms.push_back(nullptr);
    std::vector<double> z(n);
    for (const auto& M : ms) {
      if (M) M->apply(e, b.data(), z.data());
      for (int method = 0; method < 5; ++method) {
        std::fill(x.begin(), x.end(), 0.0);
        Control ctl;
        switch (method) {
          case 0: (void)cg(e, A, b.data(), x.data(), M.get(), opt, ctl); break;
          case 1: (void)bicgstab(e, A, b.data(), x.data(), M.get(), opt, ctl); break;
          case 2: (void)gmres(e, A, b.data(), x.data(), M.get(), opt, ctl); break;
          case 3: (void)minres(e, A, b.data(), x.data(), M.get(), opt, ctl); break;
          default: (void)conjugate_direction(e, A, b.data(), x.data(), M.get(), opt, ctl); break;
        }
      }
    }
    // Every stationary method, sweep and ordering (a zero or missing diagonal may only throw).
    for (int method = 0; method < 4; ++method)
      for (int sweep = 0; sweep < 3; ++sweep)
        for (int ordering = 0; ordering < 2; ++ordering) {
          StationaryParams sp;
          sp.method = static_cast<StationaryMethod>(method);
          sp.sweep = static_cast<SweepDirection>(sweep);
          sp.ordering = static_cast<SweepOrdering>(ordering);
          sp.omega = 1.3;
          std::fill(x.begin(), x.end(), 0.0);
          Control ctl;
          try {
            (void)stationary(e, A, b.data(), x.data(), sp, opt, ctl);
          } catch (const SolverError&) {
          }
        }
    std::vector<double> B(2 * n, 1.0), X(2 * n, 0.0);
    Control ctl;
    (void)cg_batch(e, A, B.data(), X.data(), 2, nullptr, opt, ctl);
  }
  for (int kind = 0; kind < 3; ++kind) {
    SketchOptions so;
    so.kind = static_cast<SketchKind>(kind);
    so.block_size = A.rows < 3 ? A.rows : 3;
    so.max_iterations = 20;
    so.history = true;
    std::fill(x.begin(), x.end(), 0.0);
    Control ctl;
    try {
      (void)sketch_solve(e, A, b.data(), x.data(), so, ctl);
    } catch (const SolverError&) {
    }
  }
}

bool csc_valid(const csc::Owned& c, unsigned flags) {
  return csc::validate(c.rows, c.cols, c.colPtr.data(), static_cast<int64_t>(c.colPtr.size()),
                       c.rowIdx.data(), static_cast<int64_t>(c.rowIdx.size()), c.values.data(),
                       static_cast<int64_t>(c.values.size()), flags)
      .ok;
}
bool csr_valid(const csr::Owned& m, unsigned flags) {
  return csr::validate(m.rows, m.cols, m.rowPtr.data(), static_cast<int64_t>(m.rowPtr.size()),
                       m.colIdx.data(), static_cast<int64_t>(m.colIdx.size()), m.values.data(),
                       static_cast<int64_t>(m.values.size()), flags)
      .ok;
}
bool same_bits(const std::vector<double>& a, const double* b, size_t n) {
  return a.size() == n && (n == 0 || std::memcmp(a.data(), b, n * sizeof(double)) == 0);
}

// A CSC matrix csc::validate accepted: both products on every kernel table, with the sorted-rows
// claim true and false (a false claim may give any numbers but must stay in bounds and race-free),
// dense copies in both layouts, and CSC → CSR → CSC conversions that validate accepts.
void csc_all(const CscView& V, bool sorted, ThreadPool& pool) {
  for (SimdLevel lvl : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    const Kernels* k = kernels_for(lvl);
    if (k == nullptr) continue;
    Engine e{k, &pool};
    std::vector<double> x(static_cast<size_t>(V.cols) + 1, 1.0), y(static_cast<size_t>(V.rows) + 1);
    std::vector<double> xt(static_cast<size_t>(V.rows) + 1, 1.0),
        yt(static_cast<size_t>(V.cols) + 1);
    csc::spmv(e, V, x.data(), y.data(), true);
    csc::spmv(e, V, x.data(), y.data(), false);
    csc::spmv_transpose(e, V, xt.data(), yt.data());
  }
  std::vector<double> dense(static_cast<size_t>(V.rows * V.cols) + 1);
  csc::to_dense(V, dense.data(), true);
  csc::to_dense(V, dense.data(), false);
  csr::Owned m;
  csc::to_csr(V, m);
  if (!csr_valid(m, csr::kCheckStructure | csr::kCheckSorted)) __builtin_trap();
  csc::Owned c;
  csc::from_csr(CsrView{m.rows, m.cols, m.rowPtr.data(), m.colIdx.data(), m.values.data()}, c);
  if (!csc_valid(c, csr::kCheckStructure | csr::kCheckSorted)) __builtin_trap();
  const int64_t nnz = V.colPtr[V.cols];
  if (sorted && (c.colPtr != std::vector<int32_t>(V.colPtr, V.colPtr + V.cols + 1) ||
                 c.rowIdx != std::vector<int32_t>(V.rowIdx, V.rowIdx + nnz) ||
                 !same_bits(c.values, V.values, static_cast<size_t>(nnz))))
    __builtin_trap();  // a sorted CSC matrix must round-trip exactly
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  const int64_t rows = in.take<uint8_t>() % 40;
  const int64_t cols = in.take<uint8_t>() % 40;
  const uint8_t mode = in.take<uint8_t>();
  const int64_t nnzGuess = in.take<uint8_t>() % 120;
  std::vector<int32_t> rp(static_cast<size_t>(rows) + 1);
  for (auto& v : rp)
    v = (mode & 1) ? in.take<int32_t>() : static_cast<int32_t>(in.take<uint8_t>() % (nnzGuess + 2));
  if (mode & 2) {  // often make rowPtr plausible so deeper checks are reached
    rp[0] = 0;
    for (size_t i = 1; i < rp.size(); ++i)
      if (rp[i] < rp[i - 1]) rp[i] = rp[i - 1];
  }
  const int64_t nnz = rp[static_cast<size_t>(rows)] >= 0 && rp[static_cast<size_t>(rows)] < 4096
                          ? rp[static_cast<size_t>(rows)]
                          : nnzGuess;
  std::vector<int32_t> ci(static_cast<size_t>(nnz));
  for (auto& v : ci)
    v = (mode & 4) ? in.take<int32_t>() : static_cast<int32_t>(in.take<uint8_t>() % (cols + 1));
  std::vector<double> val(static_cast<size_t>(nnz));
  for (auto& v : val) v = (mode & 8) ? in.take<double>() : static_cast<double>(in.take<int8_t>());

  const unsigned flags = (mode >> 4) & 7u;
  if (rows >= 0 && !rp.empty() && rp[0] == 0) {
    // The binding rejects rowPtr[0] != 0 and a negative rowPtr[rows] before calling validate.
    csr::Problem pr = csr::validate(rows, cols, rp.data(), static_cast<int64_t>(rp.size()),
                                    ci.data(), static_cast<int64_t>(ci.size()), val.data(),
                                    static_cast<int64_t>(val.size()), flags | csr::kCheckStructure);
    if (pr.ok) {
      CsrView A{rows, cols, rp.data(), ci.data(), val.data()};
      ThreadPool pool(2);
      for (SimdLevel lvl :
           {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
        const Kernels* k = kernels_for(lvl);
        if (k == nullptr) continue;
        Engine e{k, &pool};
        std::vector<double> x(static_cast<size_t>(cols) + 1, 1.0), y(static_cast<size_t>(rows) + 1);
        std::vector<double> xt(static_cast<size_t>(rows) + 1, 1.0),
            yt(static_cast<size_t>(cols) + 1);
        ops::spmv(e, A, x.data(), y.data());
        if (rows == cols) (void)ops::spmv_dot(e, A, x.data(), y.data(), x.data());
        ops::spmv_transpose(e, A, xt.data(), yt.data());
      }
      csr::Owned t;
      csr::transpose(A, t);
      std::vector<double> d(static_cast<size_t>(rows < cols ? rows : cols) + 1);
      csr::diagonal(A, d.data());
      std::vector<double> dense(static_cast<size_t>(rows * cols) + 1);
      csr::to_dense(A, dense.data());
      if (flags & csr::kCheckSorted) (void)csr::is_symmetric(A, 1e-12);
      if ((flags & csr::kCheckSorted) && rows > 0) solve_all(A, pool);
      // CSR → CSC: always sorted and duplicate-free; a sorted CSR comes back exactly.
      csc::Owned c;
      csc::from_csr(A, c);
      if (!csc_valid(c, csr::kCheckStructure | csr::kCheckSorted)) __builtin_trap();
      csr::Owned back;
      csc::to_csr(CscView{c.rows, c.cols, c.colPtr.data(), c.rowIdx.data(), c.values.data()}, back);
      if ((flags & csr::kCheckSorted) && (back.rowPtr != rp || back.colIdx != ci ||
                                          !same_bits(back.values, val.data(), val.size())))
        __builtin_trap();
    }
    // The same arrays as a cols × rows CSC matrix (colPtr = rowPtr, rowIdx = colIdx).
    csr::Problem pc = csc::validate(cols, rows, rp.data(), static_cast<int64_t>(rp.size()),
                                    ci.data(), static_cast<int64_t>(ci.size()), val.data(),
                                    static_cast<int64_t>(val.size()), flags | csr::kCheckStructure);
    if (pc.ok) {
      ThreadPool pool(2);
      csc_all(CscView{cols, rows, rp.data(), ci.data(), val.data()},
              (flags & csr::kCheckSorted) != 0, pool);
    }
  }
  // COO path: clamp indices into range (the binding checks ranges), convert, re-validate.
  if (rows > 0 && cols > 0) {
    std::vector<int32_t> ri(ci.size()), cj(ci.size());
    for (size_t k = 0; k < ci.size(); ++k) {
      ri[k] =
          static_cast<int32_t>((static_cast<uint32_t>(ci[k]) >> 8) % static_cast<uint32_t>(rows));
      cj[k] = static_cast<int32_t>(static_cast<uint32_t>(ci[k]) % static_cast<uint32_t>(cols));
    }
    csr::Owned o;
    if (csr::from_coo(rows, cols, static_cast<int64_t>(ri.size()), ri.data(), cj.data(), val.data(),
                      o)) {
      csr::Problem pr = csr::validate(
          rows, cols, o.rowPtr.data(), static_cast<int64_t>(o.rowPtr.size()), o.colIdx.data(),
          static_cast<int64_t>(o.colIdx.size()), o.values.data(),
          static_cast<int64_t>(o.values.size()), csr::kCheckStructure | csr::kCheckSorted);
      if (!pr.ok) __builtin_trap();  // from_coo must produce sorted, unique, in-range CSR
    }
    csc::Owned oc;
    if (csc::from_coo(rows, cols, static_cast<int64_t>(ri.size()), ri.data(), cj.data(), val.data(),
                      oc) &&
        !csc_valid(oc, csr::kCheckStructure | csr::kCheckSorted))
      __builtin_trap();  // and so must csc::from_coo
  }
  return 0;
}
