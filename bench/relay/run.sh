#!/bin/sh
# elfdesk-relay vs HAProxy (TLS on both sides, mode tcp) vs direct: 1,000 streaming pairs, 10,000 idle
# registrations, 3 interleaved passes. Usage: bench/relay/run.sh [build-dir] [run.py options]
# Writes bench/relay/results/results.{md,json}. Needs haproxy and openssl. ~10 min on 2 cores.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../../build/release
case "${1:-}" in -*|"") ;; *) build=$1; shift ;; esac
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here/../.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j2 --target elfdesk-relay elfdesk_relay_load
exec python3 "$here/run.py" --build "$build" "$@"
