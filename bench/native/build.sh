#!/usr/bin/env bash
# Builds the standalone SpMV harness, each kernel translation unit with its own flags exactly as
# the library does (scalar: baseline x86-64; avx2: -mavx2 -mfma; avx512: -mavx512f -mavx512vl
# -mavx512dq -mavx2 -mfma), plus dispatch.cpp and the harness at baseline.
#
#   bench/native/build.sh          -> bench/out/native/spmv_bench
#   bench/native/build.sh emu      -> bench/out/native/spmv_bench_emu: the avx512 TU compiled
#                                     against bench/native/emu/immintrin.h (scalar emulation of
#                                     the AVX-512 intrinsics it uses) so its logic can be checked
#                                     on CPUs without AVX-512. Correctness only.
# Env: CXX (default g++), OPT (default -O3), EXTRA_SRCS_AVX2 / EXTRA_SRCS_AVX512 / EXTRA_SRCS
# (optional experiment sources linked in with the matching flags).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
k="$root/native/kernels"
out="${OUT_DIR:-$root/bench/out/native}"  # bench/out/ is git-ignored
mkdir -p "$out/obj"
CXX="${CXX:-g++}"
OPT="${OPT:--O3}"
common=(-std=c++17 $OPT -g -Wall -Wextra -Wno-uninitialized -Wno-maybe-uninitialized -Wno-unused-function -I"$k")
# (GCC 12 intrinsic headers trip -Wuninitialized; kernels_generic.inc bodies a TU does not use
# trip -Wunused-function)
mode="${1:-native}"
F_AVX2=(-mavx2 -mfma)
F_AVX512=(-mavx512f -mavx512vl -mavx512dq -mavx2 -mfma)
VARIANTS=(-DITERSOLVE_BENCH_VARIANTS)  # bench-only alternative spmv tables (see the kernel TUs)
bin="$out/spmv_bench"
defs=()
if [[ "$(uname -m)" != x86_64 ]]; then
  echo "x86-64 only (the neon TU is exercised by the library build)" >&2
  exit 1
fi
if [[ "$mode" == emu ]]; then
  F_AVX512=(-mavx2 -mfma -I"$here/emu" -Wno-psabi)
  bin="$out/spmv_bench_emu"
  defs=(-DSPMV_BENCH_AVX512_EMU)
fi
cc() {  # cc OUT SRC FLAGS...
  local o="$1" s="$2"; shift 2
  rm -f "$o"
  "$CXX" "${common[@]}" "$@" -c "$s" -o "$o"
}
objs=("$out/obj/kernels_scalar.o" "$out/obj/kernels_avx2.o" "$out/obj/kernels_avx512_$mode.o"
      "$out/obj/dispatch.o" "$out/obj/spmv_bench_$mode.o")
pids=()
cc "${objs[0]}" "$k/kernels_scalar.cpp" & pids+=($!)
cc "${objs[1]}" "$k/kernels_avx2.cpp" "${F_AVX2[@]}" "${VARIANTS[@]}" & pids+=($!)
cc "${objs[2]}" "$k/kernels_avx512.cpp" "${F_AVX512[@]}" "${VARIANTS[@]}" & pids+=($!)
cc "${objs[3]}" "$k/dispatch.cpp" & pids+=($!)
cc "${objs[4]}" "$here/spmv_bench.cpp" "${defs[@]}" -pthread & pids+=($!)
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
if [[ $fail != 0 ]]; then echo "compile failed" >&2; exit 1; fi
i=0
for s in ${EXTRA_SRCS_AVX2:-}; do
  cc "$out/obj/x2_$i.o" "$s" "${F_AVX2[@]}"; objs+=("$out/obj/x2_$i.o"); i=$((i+1))
done
for s in ${EXTRA_SRCS_AVX512:-}; do
  cc "$out/obj/x5_$i.o" "$s" "${F_AVX512[@]}"; objs+=("$out/obj/x5_$i.o"); i=$((i+1))
done
for s in ${EXTRA_SRCS:-}; do cc "$out/obj/x0_$i.o" "$s"; objs+=("$out/obj/x0_$i.o"); i=$((i+1)); done
"$CXX" "${common[@]}" "${objs[@]}" -pthread -o "$bin"
echo "built $bin"
