#!/usr/bin/env bash
# The main job on an embedded default: installs what is missing, builds, starts a private virtual desktop
# (Xvfb + openbox + a terminal) with elfdesk-host on it, and connects the engineer's side to it:
#   - a live viewer window when you have a display ($DISPLAY),
#   - otherwise a screenshot (out/demo-screenshot.png) and a triage report printed here.
#   scripts/demo.sh          private desktop (default)
#   scripts/demo.sh --here   share your current display instead (you will be asked for consent)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here=0
for arg in "$@"; do
  case "$arg" in
    --here) here=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done
"$root/scripts/setup.sh"
build="$root/build/release"
echo "demo: building elfdesk (release) in $build ..."
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target elfdesk elfdesk-host -j "$(nproc)"
host_bin="$build/host/elfdesk-host"
client_bin="$build/client/elfdesk"
out="$root/out"
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [ "$here" = 1 ]; then
  [ -n "${DISPLAY:-}" ] || { echo "demo: --here needs a display (DISPLAY is not set)" >&2; exit 2; }
  share="$DISPLAY"
  host_args=(--consent ask --ui window)
  echo "demo: sharing your display $share; a small elfdesk window will ask you to allow the engineer."
else
  Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp +extension RANDR 3>"$work/display" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do [ -s "$work/display" ] && break; sleep 0.1; done
  [ -s "$work/display" ] || { echo "demo: Xvfb did not start" >&2; exit 1; }
  share=":$(head -n1 "$work/display")"
  DISPLAY=$share xsetroot -solid '#2f5f8f'
  DISPLAY=$share openbox >/dev/null 2>&1 & pids+=($!)
  DISPLAY=$share xterm -geometry 100x30+40+40 -fa Monospace -fs 11 -T "customer terminal" \
    -e sh -c 'echo "This is the customer desktop, shared by elfdesk-host."; echo; uname -a; echo; df -h /; exec sh' \
    >/dev/null 2>&1 & pids+=($!)
  # Wait until the terminal is on screen, so the first picture the engineer gets already shows it.
  for _ in $(seq 100); do DISPLAY=$share xdotool search --name "customer terminal" >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 0.5
  host_args=(--consent accept --ui none)
  echo "demo: started a private desktop on $share (customer side; consent pre-approved for the demo and audited)"
fi

"$host_bin" --display "$share" --listen 127.0.0.1:0 --code-file "$work/code" --audit-log "$out/demo-audit.jsonl" \
  "${host_args[@]}" >"$work/host.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/host.out" 2>/dev/null && [ -s "$work/code" ] && break; sleep 0.1; done
address=$(grep -o 'listening on [0-9.]*:[0-9]*' "$work/host.out" | awk '{print $3}')
code=$(cat "$work/code")
echo "demo: elfdesk-host is listening on $address with one-time code $code"

if [ "$here" = 0 ] && [ -n "${DISPLAY:-}" ]; then
  echo "demo: opening the engineer's viewer on your display. You are looking at the customer's desktop;"
  echo "      click and type into it. Ctrl+Alt+S statistics, Ctrl+Alt+D triage, close the window to end."
  "$client_bin" view "$address" --code "$code" --name "demo engineer" || true
elif [ "$here" = 1 ]; then
  "$client_bin" view "$address" --code "$code" --name "demo engineer" || true
else
  echo "demo: no display here, so the engineer takes a screenshot and runs triage instead."
  sleep 1
  "$client_bin" screenshot "$address" --code "$code" --out "$out/demo-screenshot.png" --wait-still 1500
  echo "demo: the customer's screen is in $out/demo-screenshot.png"
  for _ in $(seq 50); do [ "$(cat "$work/code")" != "$code" ] && break; sleep 0.1; done
  echo "demo: triage of the customer's machine (new code $(cat "$work/code"), since codes are single use):"
  "$client_bin" diag "$address" --code "$(cat "$work/code")" --probe triage || true
fi
echo "demo: the host's audit log is $out/demo-audit.jsonl:"
tail -n 5 "$out/demo-audit.jsonl"
