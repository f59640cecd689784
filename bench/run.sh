#!/bin/sh
# elfdesk vs x11vnc + TigerVNC vncviewer (+ ffmpeg libvpx reference), side by side on this machine.
# Usage: bench/run.sh [--quick] [build-dir]   (more options: python3 bench/run.py --help)
# Builds the release binaries and the probe, then writes bench/results/results.{md,json}.
# Needs: Xvfb openbox xterm xdotool x11vnc tigervnc-viewer ffmpeg (scripts/packages.txt). ~12 min, quick ~3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
quick=""
if [ "${1:-}" = "--quick" ]; then quick="--quick"; shift; fi
build=${1:-$here/../build/release}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here/.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j2 --target elfdesk elfdesk-host elfdesk_bench_probe elfdesk_delay_line
exec python3 "$here/run.py" --build "$build" $quick
