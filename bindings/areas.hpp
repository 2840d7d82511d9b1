// The addon's areas, one file each, mirroring native/ and lib/: each adds its exports.
#pragma once
#include <napi.h>

#include "../native/formats/csr.hpp"

#include "../native/formats/csr.hpp"

namespace itersolve {
namespace binding {

void init_csr(Napi::Env env, Napi::Object exports);  // csr.cpp: CSR helpers, SpMV, vector ops
void init_csc(Napi::Env env, Napi::Object exports);  // csc.cpp: CSC conversions and products
void init_csr_ops(Napi::Env env, Napi::Object exports);  // csr_ops.cpp: sparse arithmetic, slicing
void init_mmio(Napi::Env env, Napi::Object exports);  // mmio.cpp: Matrix Market
void init_eigen(Napi::Env env, Napi::Object exports);  // eigen.cpp: power iteration
void init_eigsh(Napi::Env env, Napi::Object exports);  // eigsh.cpp: eigsh, eigshAsync
void init_precond(Napi::Env env, Napi::Object exports);  // precond.cpp: NativePreconditioner
void init_krylov(Napi::Env env, Napi::Object exports);  // krylov.cpp: krylov, krylovAsync
void init_batch(Napi::Env env, Napi::Object exports);  // batch.cpp: cgBatch
void init_sketch(Napi::Env env, Napi::Object exports);  // sketch.cpp: sketchSolve
void init_stationary(Napi::Env env, Napi::Object exports);  // stationary.cpp: stationary
void init_ot(Napi::Env env, Napi::Object exports);  // ot.cpp: sinkhorn, emd, costMatrix, ...
void init_bcd(Napi::Env env, Napi::Object exports);  // bcd.cpp: lasso, lassoAsync
void init_logistic(Napi::Env env, Napi::Object exports);  // logistic.cpp: logisticL1(Async)
void init_group_lasso(Napi::Env env, Napi::Object exports);  // group_lasso.cpp: groupLasso(Async)
void init_prox_bcd(Napi::Env env, Napi::Object exports);  // prox_bcd.cpp: proxBcd, proxBcdAsync
void init_bcd_path(Napi::Env env, Napi::Object exports);  // bcd_path.cpp: lassoPath(Async)
void init_mlp(Napi::Env env, Napi::Object exports);  // mlp.cpp: trainMlp, mlpPredict
void init_direct(Napi::Env env, Napi::Object exports);  // direct.cpp: cholesky, lu, spsolve

// { rows, cols, rowPtr, colIdx, values } with copies of m's arrays (csr.cpp).
Napi::Object csr_object(Napi::Env env, const csr::Owned& m);

}  // namespace binding
}  // namespace itersolve
