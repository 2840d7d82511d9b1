#!/usr/bin/env bash
# Builds one pure-C++ test program of test/native against the core sources of sources.json
# (every SIMD kernel TU with its own flags), without Node or cmake:
#   test/native/build.sh krylov_cg_tests [out-dir] [extra g++ flags...]
# writes <out-dir>/krylov_cg_tests (out-dir default build-native/). `npm run test:native` builds
# the same programs through CMakeLists.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NAME="$1"; OUT="${2:-$ROOT/build-native}"; shift || true; shift || true
mkdir -p "$OUT/obj-$NAME"
CXX="${CXX:-g++}"
FLAGS=(-std=c++17 -O2 -g -Wall -Wextra -I"$ROOT/native" "$@")
core=$(node "$ROOT/scripts/sources.js" core)
objs=()
# Objects named by path (native/ot/common.cpp → native_ot_common.o): basenames repeat across areas.
obj_name() { local p="${1%.cpp}"; echo "${p//\//_}.o"; }
for s in $core; do
  o="$OUT/obj-$NAME/$(obj_name "$s")"
  "$CXX" "${FLAGS[@]}" -c "$ROOT/$s" -o "$o" & objs+=("$o")
done
if [[ "$(uname -m)" == x86_64 ]]; then
  for g in avx2 avx512; do
    for s in $(node "$ROOT/scripts/sources.js" $g); do
      o="$OUT/obj-$NAME/$(obj_name "$s")"
      "$CXX" "${FLAGS[@]}" $(node "$ROOT/scripts/sources.js" $g --flags) -c "$ROOT/$s" -o "$o" & objs+=("$o")
    done
  done
fi
wait
"$CXX" "${FLAGS[@]}" "$ROOT/test/native/$NAME.cpp" "${objs[@]}" -o "$OUT/$NAME" -lpthread
echo "$OUT/$NAME"
