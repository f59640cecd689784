#!/usr/bin/env python3
"""The host's rate controller through one workload of a bench run, beside its glass-to-glass samples.

Reads the host's rate trace (ELFDESK_RATE_TRACE: one line per frame sent with the scheduler's state,
written by bench/run.py next to results.json) and the probe's samples. For each step of the workload (0.5 s
by default, from 2 s before its first sample): frames sent, kbit/s sent, the largest frame, and at the last
frame of the step the bitrate target, the path's delivery-rate estimate, the smoothed queue, the bytes in
flight against the window; then the g2g samples whose flip fell in the step. A sawtooth of the target, a
frame larger than the window, or a queue that stands shows next to the samples it made slow.
Usage: bench/rate_timeline.py RESULTS_DIR --workload NAME [--pass N] [--step S]
"""
import argparse
import csv
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--workload", required=True)
    ap.add_argument("--pass", dest="index", type=int, default=0, help="which result of results.json (0: first)")
    ap.add_argument("--step", type=float, default=0.5, help="seconds per line")
    args = ap.parse_args()
    with open(f"{args.results}/results.json") as f:
        result = json.load(f)["results"][args.index]
    if not result.get("rate_trace"):
        sys.exit("no rate trace in this result (elfdesk only, bench/run.py with --out)")
    latency = result["workloads"][args.workload]["latency"]
    flips = list(zip(latency["starts_us"], latency["samples_ms"]))
    with open(result["rate_trace"]) as f:
        frames = [{k: int(v) for k, v in row.items()} for row in csv.DictReader(f)]
    first = flips[0][0]
    step = int(args.step * 1e6)
    print(f"{result['system']} {result.get('link', {}).get('name', 'loopback')} {args.workload}: "
          f"g2g p50 {latency['median_ms']:.0f} p95 {latency['p95_ms']:.0f} ms")
    print("   s frames kbit/s largest target estimate queue_ms in_flight/window | g2g ms")
    t = first - 2_000_000
    while t < flips[-1][0] + step:
        sent = [r for r in frames if t <= r["sent_us"] < t + step]
        samples = " ".join(f"{ms:.0f}" for at, ms in flips if t <= at < t + step)
        if sent:
            last = sent[-1]
            kbps = sum(r["bytes"] for r in sent) * 8 / 1000 / args.step
            print(f"{(t - first) / 1e6:5.1f} {len(sent):5} {kbps:7.0f} {max(r['bytes'] for r in sent):7} "
                  f"{last['target_kbps']:6} {last['delivery_kbps']:8} {last['queue_us'] // 1000:8} "
                  f"{last['in_flight_bytes']:8}/{last['window_bytes']:<7}| {samples}")
        t += step


if __name__ == "__main__":
    main()
