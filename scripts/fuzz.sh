#!/usr/bin/env bash
# Builds the libFuzzer targets (clang >= 19, ASan + UBSan) and fuzzes each on a scratch copy of its corpus:
# fuzz_protocol (protocol parsers, tests/fuzz/corpus), fuzz_probe_wire (probe results and requests,
# tests/fuzz/corpus_probe_wire), fuzz_relay_wire (relay rendezvous frames, tests/fuzz/corpus_relay_wire) and
# fuzz_remedy_wire (remedy results and requests, tests/fuzz/corpus_remedy_wire), splitting ${FUZZ_SECONDS:-60}
# seconds between them. Exits non-zero on any crash.
#   BUILD_DIR     build directory (default build/fuzz)
#   FUZZ_SECONDS  total fuzzing time (default 60), shared equally by the targets
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
targets="fuzz_protocol:corpus fuzz_probe_wire:corpus_probe_wire fuzz_relay_wire:corpus_relay_wire fuzz_remedy_wire:corpus_remedy_wire"
echo "fuzz.sh: building the fuzzers ($targets) with $cxx in $build"
CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -G Ninja -DELFDESK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target fuzz_protocol fuzz_probe_wire fuzz_relay_wire fuzz_remedy_wire -j "${JOBS:-2}"

per_target=$(( seconds / $(echo $targets | wc -w) ))
[ "$per_target" -ge 1 ] || per_target=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$build/artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in $targets; do
  target=${entry%%:*}
  corpus=${entry#*:}
  mkdir -p "$work/$target"
  cp "$root"/tests/fuzz/"$corpus"/* "$work/$target"/
  log="$build/$target.log"
  echo "fuzz.sh: fuzzing $target for ${per_target}s (crash inputs go to $build/artifacts/)"
  if ! "$build/tests/fuzz/$target" -max_total_time="$per_target" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$target-" "$work/$target" 2>"$log"; then
    tail -n 60 "$log" >&2
    echo "fuzz.sh: $target FAILED; reproduce with $build/tests/fuzz/$target <crash file>, then add the file" \
         "to tests/fuzz/$corpus/ as a regression seed" >&2
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
echo "fuzz.sh: no crash in ${seconds}s"
