#!/usr/bin/env bash
# Builds the libFuzzer target fuzz_protocol (clang >= 19, ASan + UBSan) and fuzzes the protocol parsers
# for ${FUZZ_SECONDS:-60} seconds on a scratch copy of tests/fuzz/corpus. Exits non-zero on any crash.
#   BUILD_DIR     build directory (default build/fuzz)
#   FUZZ_SECONDS  fuzzing time (default 60)
#   CXX           a clang++ to try first; otherwise clang++-19, clang++-20, clang++ are tried in turn.
# clang 14 cannot be used: libstdc++ 12 only exposes <expected> when __cpp_concepts >= 202002 (clang >= 19).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/fuzz}
seconds=${FUZZ_SECONDS:-60}

supports_expected() {  # $1 = C++ compiler
  command -v "$1" >/dev/null 2>&1 || return 1
  printf '#include <expected>\nint main() { std::expected<int, int> e{0}; return *e; }\n' |
    "$1" -std=c++2b -fsyntax-only -x c++ - >/dev/null 2>&1
}

cxx=""
for candidate in ${CXX:-} clang++-19 clang++-20 clang++; do
  case "$candidate" in *clang++*) ;; *) continue ;; esac
  if supports_expected "$candidate"; then cxx=$(command -v "$candidate"); break; fi
done
if [ -z "$cxx" ]; then
  echo "fuzz.sh: no clang++ with a usable <expected> found; install clang-19 libclang-rt-19-dev" >&2
  exit 1
fi
cc=${cxx/clang++/clang}

# A build dir configured with another compiler cannot be switched in place: start it afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q "^CMAKE_CXX_COMPILER:[A-Z]*=$cxx\$" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
echo "fuzz.sh: building fuzz_protocol with $cxx in $build"
CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -G Ninja -DELFDESK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target fuzz_protocol -j "${JOBS:-2}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root"/tests/fuzz/corpus/* "$work"/
mkdir -p "$build/artifacts"
echo "fuzz.sh: fuzzing for ${seconds}s (crash inputs go to $build/artifacts/)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if ! "$build/tests/fuzz/fuzz_protocol" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" "$work" 2>"$build/fuzz.log"; then
  tail -n 60 "$build/fuzz.log" >&2
  echo "fuzz.sh: FAILED; reproduce with $build/tests/fuzz/fuzz_protocol <crash file>, then add the file" \
       "to tests/fuzz/corpus/ as a regression seed" >&2
  exit 1
fi
grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$build/fuzz.log" || true
echo "fuzz.sh: no crash in ${seconds}s"
