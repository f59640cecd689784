#!/bin/sh
# Builds and runs the encoder benchmark; writes bench/encoder/results.md. Usage: run.sh [build-dir] [frames]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
cmake --build "$build" --target elfdesk_encoder_bench
"$build/bench/encoder/elfdesk_encoder_bench" "${2:-90}" "$here/results.md"
