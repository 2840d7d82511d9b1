#!/usr/bin/env bash
# Builds and runs the fuzz targets: the Matrix Market parser (mmio), the CSR validator (csr),
# optimal transport (ot), the coordinate-descent solvers (bcd) and the sparse direct
# factorisations with the sparse arithmetic (direct).
#
#   fuzz/build.sh                    build, replay the seed corpus, fuzz for $FUZZ_SECONDS (30)
#   FUZZ_SECONDS=0 fuzz/build.sh     build + replay the corpus only
#   FUZZ_BUILD_ONLY=1 fuzz/build.sh  build only
#   CXX=clang++-17 fuzz/build.sh     use this compiler (libFuzzer if it is clang)
#
# With clang++ (or clang++-14, ...) on PATH: -fsanitize=fuzzer,address,undefined (libFuzzer).
# Otherwise: g++ -fsanitize=address,undefined + fuzz/standalone_main.cpp, whose driver replays the
# corpus and then mutates it at random for FUZZ_SECONDS (no coverage feedback).
# Outputs go to build-fuzz/ (gitignored); new inputs found by libFuzzer land in
# build-fuzz/corpus-mmio, crashes in build-fuzz/artifacts/.
# The g++ build links the core objects of build-asan/ (npm run build:asan: the same sources,
# -O1 -g, ASan + UBSan, the same warnings as errors) when that folder holds a sanitizer build
# made with this compiler, after bringing them up to date with cmake --build; otherwise (no
# build-asan/, clang, FUZZ_OWN_CORE=1) it compiles the core itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build-fuzz"
SEEDS="$ROOT/fuzz/corpus/mmio"
SECS="${FUZZ_SECONDS:-30}"
mkdir -p "$OUT/artifacts" "$OUT/corpus-mmio"

SRCS=("$ROOT/fuzz/fuzz_mmio.cpp" "$ROOT/native/formats/mmio.cpp")
COMMON=(-std=c++17 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
        -fno-sanitize-recover=all -Wno-unused-function -I"$ROOT/native")

pick_clang() {
  if [[ -n "${CXX:-}" ]]; then
    if "$CXX" --version 2>/dev/null | grep -qi clang; then echo "$CXX"; fi
    return
  fi
  local c
  for c in clang++ clang++-20 clang++-19 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14; do
    if command -v "$c" >/dev/null 2>&1; then echo "$c"; return; fi
  done
}

CLANG="$(pick_clang)"
BIN="$OUT/fuzz_mmio"

# Dictionary for libFuzzer (generated, so it lives with the build outputs).
cat > "$OUT/mmio.dict" <<'EOF'
"%%MatrixMarket"
"matrix"
"coordinate"
"array"
"real"
"integer"
"pattern"
"complex"
"general"
"symmetric"
"skew-symmetric"
"hermitian"
"nan"
"inf"
"-inf"
"1e308"
"1e-400"
"2147483647"
"2147483648"
"\x0d\x0a"
"%"
EOF

export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# Targets: mmio (the Matrix Market parser), csr (the CSR validator and every kernel and
# conversion that trusts it), ot (optimal transport: argument checks, every Sinkhorn method,
# SNS, emd, batches, cost matrices), bcd (lasso / elastic net and lambda_max on small dense and
# CSC designs) and direct (Cholesky LLᵀ/LDLᵀ and LU on small arbitrary matrices, every ordering,
# refactor, solve residuals; csr_ops on the same matrix). FUZZ_TARGETS="mmio csr ot bcd direct"
# by default.
CORE=($(cd "$ROOT" && node scripts/sources.js core))
AVX2=($(cd "$ROOT" && node scripts/sources.js avx2))
AVX512=($(cd "$ROOT" && node scripts/sources.js avx512))
AVX2_FLAGS=($(cd "$ROOT" && node scripts/sources.js avx2 --flags))
AVX512_FLAGS=($(cd "$ROOT" && node scripts/sources.js avx512 --flags))

if [[ -n "$CLANG" ]]; then
  CXXC="$CLANG"; SAN=(-fsanitize=fuzzer,address,undefined); DRIVER=()
  echo "[fuzz] building with $CLANG + libFuzzer"
else
  CXXC="${CXX:-g++}"; SAN=(-fsanitize=address,undefined); DRIVER=("$ROOT/fuzz/standalone_main.cpp")
  echo "[fuzz] clang++ not found; building with $CXXC -fsanitize=address,undefined + standalone driver"
fi

JOBS="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
SAN_OBJ=("${SAN[@]/fuzzer,/fuzzer-no-link,}")

# The core (kernels with their own SIMD flags included) is compiled ONCE, in parallel, into a
# static archive every target but mmio links: only the objects a target needs are pulled in.
CORE_LIB="$OUT/libcore.a"
ASAN_DIR="$ROOT/build-asan"
# The core objects of build-asan/, when they can stand in for our own: g++ (libFuzzer builds
# need -fsanitize=fuzzer-no-link on the core for coverage feedback), a cmake-js sanitizer build
# made with this very compiler, brought up to date here (a no-op right after npm run build:asan).
asan_core_objects() {
  [[ -z "$CLANG" && "${FUZZ_OWN_CORE:-0}" != 1 ]] || return 1
  [[ -f "$ASAN_DIR/CMakeCache.txt" ]] || return 1
  grep -q '^ITERSOLVE_SANITIZE:BOOL=ON$' "$ASAN_DIR/CMakeCache.txt" || return 1
  local cached ours
  cached="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$ASAN_DIR/CMakeCache.txt")"
  ours="$(command -v "$CXXC" || true)"
  [[ -n "$cached" && -n "$ours" && "$(readlink -f "$cached")" == "$(readlink -f "$ours")" ]] || return 1
  local targets=(itersolve_core)
  [[ "$(uname -m)" == x86_64 ]] && targets+=(itersolve_avx2 itersolve_avx512)
  cmake --build "$ASAN_DIR" --target "${targets[@]}" >&2 || return 1
  local t
  for t in "${targets[@]}"; do
    find "$ASAN_DIR/CMakeFiles/$t.dir" -name '*.o' | sort
  done
}

build_core() {
  [[ -f "$CORE_LIB" && -n "${CORE_BUILT:-}" ]] && return
  local reuse
  if reuse="$(asan_core_objects)" && [[ -n "$reuse" ]]; then
    echo "[fuzz] linking the core objects of build-asan/ ($(wc -l <<<"$reuse") objects)"
    rm -f "$CORE_LIB"
    tr '\n' '\0' <<<"$reuse" | xargs -0 ar qc "$CORE_LIB"
    CORE_BUILT=1
    return
  fi
  mkdir -p "$OUT/core"
  local jobs=()
  for f in "${CORE[@]}"; do
    jobs+=("$f|")
  done
  if [[ "$(uname -m)" == x86_64 ]]; then
    jobs+=("${AVX2[0]}|${AVX2_FLAGS[*]}" "${AVX512[0]}|${AVX512_FLAGS[*]} -Wno-uninitialized")
  fi
  echo "[fuzz] compiling the core once (${#jobs[@]} sources, $JOBS jobs)"
  printf '%s\n' "${jobs[@]}" | CXXC="$CXXC" ROOT="$ROOT" OUT="$OUT" \
    FLAGS="${COMMON[*]} ${SAN_OBJ[*]}" xargs -P "$JOBS" -I{} bash -c '
      src="${1%%|*}"; extra="${1#*|}"
      obj="$OUT/core/$(echo "$src" | tr / _).o"
      $CXXC $FLAGS $extra -c "$ROOT/$src" -o "$obj"' _ {}
  rm -f "$CORE_LIB"
  ar qc "$CORE_LIB" "$OUT"/core/*.o
  CORE_BUILT=1
}

build_target() {  # build_target NAME SOURCES...   (every target but mmio links the core archive)
  local name="$1"; shift
  local libs=()
  if [[ "$name" != mmio ]]; then
    build_core
    libs=("$CORE_LIB")
  fi
  "$CXXC" "${COMMON[@]}" "${SAN[@]}" "$@" "${DRIVER[@]}" "${libs[@]}" -pthread -o "$OUT/fuzz_$name"
}

run_target() {  # run_target NAME SEEDS
  local name="$1" seeds="$2"
  mkdir -p "$OUT/corpus-$name"
  local dict=()
  [[ "$name" == mmio ]] && dict=(-dict="$OUT/mmio.dict")
  if [[ -n "$CLANG" ]]; then
    echo "[fuzz] $name: replaying seed corpus"
    "$OUT/fuzz_$name" -runs=0 "$seeds"
    if [[ "$SECS" != 0 ]]; then
      echo "[fuzz] $name: fuzzing for ${SECS}s"
      "$OUT/fuzz_$name" -max_total_time="$SECS" -max_len=65536 "${dict[@]}" \
        -artifact_prefix="$OUT/artifacts/" "$OUT/corpus-$name" "$seeds"
    fi
  else
    echo "[fuzz] $name: replaying seed corpus, then random mutation for ${SECS}s"
    "$OUT/fuzz_$name" -max_total_time="$SECS" -seed="${FUZZ_SEED:-$RANDOM}" \
      -artifact_prefix="$OUT/artifacts/" "$seeds"
  fi
}

for target in ${FUZZ_TARGETS:-mmio csr ot bcd direct}; do
  case "$target" in
    mmio) build_target mmio "${SRCS[@]}"; seeds="$SEEDS" ;;
    csr) build_target csr "$ROOT/fuzz/fuzz_csr.cpp"; seeds="$ROOT/fuzz/corpus/csr" ;;
    ot) build_target ot "$ROOT/fuzz/fuzz_ot.cpp"; seeds="$ROOT/fuzz/corpus/ot" ;;
    bcd) build_target bcd "$ROOT/fuzz/fuzz_bcd.cpp"; seeds="$ROOT/fuzz/corpus/bcd" ;;
    direct) build_target direct "$ROOT/fuzz/fuzz_direct.cpp"; seeds="$ROOT/fuzz/corpus/direct" ;;
    *) echo "[fuzz] unknown target $target" >&2; exit 2 ;;
  esac
  [[ "${FUZZ_BUILD_ONLY:-0}" == 1 ]] && continue
  run_target "$target" "$seeds"
done
echo "[fuzz] OK"
