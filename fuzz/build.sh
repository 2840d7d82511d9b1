#!/usr/bin/env bash
# Builds and runs the Matrix Market parser fuzz target.
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
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build-fuzz"
SEEDS="$ROOT/fuzz/corpus/mmio"
SECS="${FUZZ_SECONDS:-30}"
mkdir -p "$OUT/artifacts" "$OUT/corpus-mmio"

SRCS=("$ROOT/fuzz/fuzz_mmio.cpp" "$ROOT/native/formats/mmio.cpp")
COMMON=(-std=c++17 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
        -fno-sanitize-recover=all -I"$ROOT/native")

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

if [[ -n "$CLANG" ]]; then
  echo "[fuzz] building with $CLANG + libFuzzer"
  "$CLANG" "${COMMON[@]}" -fsanitize=fuzzer,address,undefined "${SRCS[@]}" -o "$BIN"
  [[ "${FUZZ_BUILD_ONLY:-0}" == 1 ]] && exit 0
  echo "[fuzz] replaying seed corpus"
  "$BIN" -runs=0 "$SEEDS"
  if [[ "$SECS" != 0 ]]; then
    echo "[fuzz] fuzzing for ${SECS}s"
    "$BIN" -max_total_time="$SECS" -max_len=65536 -dict="$OUT/mmio.dict" \
      -artifact_prefix="$OUT/artifacts/" "$OUT/corpus-mmio" "$SEEDS"
  fi
else
  GXX="${CXX:-g++}"
  echo "[fuzz] clang++ not found; building with $GXX -fsanitize=address,undefined + standalone driver"
  "$GXX" "${COMMON[@]}" -fsanitize=address,undefined "${SRCS[@]}" \
    "$ROOT/fuzz/standalone_main.cpp" -o "$BIN"
  [[ "${FUZZ_BUILD_ONLY:-0}" == 1 ]] && exit 0
  echo "[fuzz] replaying seed corpus, then random mutation for ${SECS}s"
  "$BIN" -max_total_time="$SECS" -seed="${FUZZ_SEED:-$RANDOM}" \
    -artifact_prefix="$OUT/artifacts/" "$SEEDS"
fi
echo "[fuzz] OK"
