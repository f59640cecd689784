#!/usr/bin/env python3
"""Splits elfdesk's glass-to-glass samples of a bench run into stages, from the viewer's frame trace
(ELFDESK_FRAME_TRACE, written by bench/run.py next to results.json) and the probe's flip times.

All times are CLOCK_MONOTONIC on one machine (probe, host and viewer). For each marker flip (t0) seen on B
at t0 + latency, the picture that carried it is the first traced update painting the marker whose capture
started after the flip. Its stages:
  wait     flip -> the host's grab started (the host was busy with an earlier frame, or held back)
  capture  the grab and block compare (host)
  encode   the encoder (VP8) or pixel packing (host)
  queue    end of encoding -> the connection's writer took it (planning before encode, other frames ahead)
  network  written -> the viewer's receiver had it (TLS, the bench's relay, loopback, read)
  decode   received -> decoded (viewer network thread)
  handoff  decoded -> the main thread took it
  present  taken -> the window showed it (apply + XShmPutImage)
  probe    shown -> the probe saw the marker's new shade on B (XDamage + pixel read)
Usage: bench/g2g_breakdown.py RESULTS_DIR [--workloads a,b]
"""
import argparse
import csv
import json
import os
import sys

from run import percentile  # bench/run.py's, so both report the same p50 / p95

# "wait" split by the host's capture trace: the loop was busy before it asked for a frame (encoding,
# sending, or held by the scheduler), then read the damage event, then started the grab.
WAIT_PARTS = ["wait_loop", "wait_damage", "wait_grab"]
STAGES = ["wait", "capture", "encode", "queue", "network", "decode", "handoff", "present", "probe"]


def load_trace(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            row = {k: int(r[k]) for k in ("frame_id", "capture_time_us", "capture_us", "encode_us", "queue_us",
                                           "received_us", "decoded_us", "taken_us", "shown_us", "wire_bytes")}
            row["kind"] = r["kind"]
            row["rects"] = [tuple(int(x) for x in t.split(":")) for t in r["rects"].split()] if r["rects"] else []
            row["written_us"] = row["capture_time_us"] + row["capture_us"] + row["encode_us"] + row["queue_us"]
            rows.append(row)
    rows.sort(key=lambda r: r["frame_id"])
    return rows


def load_captures(path):
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        return {int(r["grab_start_us"]): {k: int(v) for k, v in r.items()} for r in csv.DictReader(f)}


def paints(row, m):
    if row["kind"] == "v" and not row["rects"]:
        return True  # a keyframe
    mx, my, size = m["mx"], m["my"], m["size"]
    return any(x < mx + size and mx < x + w and y < my + size and my < y + h for x, y, w, h in row["rects"])


def area(row):
    return sum(w * h for _, _, w, h in row["rects"])


def split(rows, grabs, marker, t0, latency_ms):
    seen = t0 + latency_ms * 1000
    carrier = next((r for r in rows if r["capture_time_us"] >= t0 - 500 and paints(r, marker) and
                    r["shown_us"] <= seen + 500), None)
    if carrier is None:
        return None
    r = carrier
    s = dict(wait=r["capture_time_us"] - t0, capture=r["capture_us"], encode=r["encode_us"], queue=r["queue_us"],
             network=r["received_us"] - r["written_us"], decode=r["decoded_us"] - r["received_us"],
             handoff=r["taken_us"] - r["decoded_us"], present=r["shown_us"] - r["taken_us"],
             probe=seen - r["shown_us"])
    g = grabs.get(r["capture_time_us"])
    if g:
        called = max(t0, g["called_us"])
        seen = max(called, g["damage_seen_us"]) if g["damage_seen_us"] else called
        s.update(wait_loop=called - t0, wait_damage=seen - called, wait_grab=r["capture_time_us"] - seen)
    s = {k: v / 1000 for k, v in s.items()}
    s["total"] = latency_ms
    s["kind"] = r["kind"]
    s["carrier_area"] = area(r)
    # What the host was doing at the flip: the last update grabbed before it, and whether it was still
    # being captured/encoded/queued then; how many updates were written but not yet shown (in flight).
    before = [x for x in rows if x["capture_time_us"] < t0]
    last = before[-1] if before else None
    s["busy_at_flip"] = bool(last and last["written_us"] > t0)
    s["busy_kind"] = (("topoff" if last["capture_us"] == 0 else last["kind"]) if last else "")
    s["busy_left_ms"] = max(0, last["written_us"] - t0) / 1000 if last else 0
    s["in_flight"] = sum(1 for x in rows if x["written_us"] <= t0 < x["shown_us"])
    s["frames_between"] = sum(1 for x in rows if t0 <= x["capture_time_us"] < r["capture_time_us"])
    return s


def local(results_dir, path):
    """A trace where results.json says, or else beside it (a moved or unpacked results directory)."""
    if not path or os.path.exists(path):
        return path
    return os.path.join(results_dir, os.path.basename(path))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--workloads", default="")
    args = ap.parse_args()
    with open(os.path.join(args.results, "results.json")) as f:
        run = json.load(f)
    wanted = set(args.workloads.split(",")) if args.workloads else None
    per_workload = {}
    for result in run["results"]:
        trace, captures = (local(args.results, result.get(k)) for k in ("frame_trace", "capture_trace"))
        if not trace or not os.path.exists(trace):
            continue
        rows = load_trace(trace)
        grabs = load_captures(captures)
        for name, w in result["workloads"].items():
            if wanted and name not in wanted:
                continue
            lat = w["latency"]
            for t0, ms in zip(lat.get("starts_us", []), lat["samples_ms"]):
                s = split(rows, grabs, result["marker"], t0, ms)
                per_workload.setdefault(name, {"samples": [], "unmatched": 0})
                if s is None:
                    per_workload[name]["unmatched"] += 1
                else:
                    per_workload[name]["samples"].append(s)
    out = []
    for name, d in per_workload.items():
        ss = d["samples"]
        if not ss:
            continue
        tail_cut = percentile([s["total"] for s in ss], 0.9)
        tail = [s for s in ss if s["total"] >= tail_cut]
        out.append(f"### {name}: {len(ss)} samples ({d['unmatched']} unmatched), "
                   f"{sum(1 for s in ss if s['kind'] == 'p')} carried by exact pixels, "
                   f"{sum(1 for s in ss if s['kind'] in ('r', 's'))} by region or scaled frames, "
                   f"{sum(1 for s in ss if 'wait_loop' in s)} with the host's grab times")
        out.append("")
        out.append("| stage | p50 ms | p95 ms | mean in the slowest 10% ms |")
        out.append("|---|---|---|---|")
        for st in STAGES[:1] + WAIT_PARTS + STAGES[1:] + ["total"]:
            vals = [s[st] for s in ss if st in s]
            tail_vals = [s[st] for s in tail if st in s]
            if not vals:
                continue
            label = f"- wait: {st[5:]}" if st in WAIT_PARTS else st
            out.append(f"| {label} | {percentile(vals, 0.5):.1f} | {percentile(vals, 0.95):.1f} | "
                       f"{sum(tail_vals) / len(tail_vals) if tail_vals else 0:.1f} |")
        busy = [s for s in ss if s["busy_at_flip"]]
        out.append("")
        out.append(f"Host busy with an earlier update at the flip: {len(busy)} of {len(ss)} "
                   f"(kinds {sorted(set(s['busy_kind'] for s in busy))}, its rest p50 "
                   f"{percentile([s['busy_left_ms'] for s in busy], 0.5) or 0:.1f} ms, p95 "
                   f"{percentile([s['busy_left_ms'] for s in busy], 0.95) or 0:.1f}); updates in flight at the flip "
                   f"p50 {percentile([s['in_flight'] for s in ss], 0.5):.0f}, max {max(s['in_flight'] for s in ss)}; "
                   f"updates grabbed between the flip and its carrier p50 "
                   f"{percentile([s['frames_between'] for s in ss], 0.5):.0f}, max {max(s['frames_between'] for s in ss)}.")
        out.append("Slowest 10%: " + "; ".join(
            f"{s['total']:.0f} ms = " + " + ".join(
                f"{st} {s[st]:.0f}" for st in (WAIT_PARTS if "wait_loop" in s else ["wait"]) + STAGES[1:]
                if abs(s.get(st, 0)) >= 1) +
            f" ({s['kind']}, {s['carrier_area']} px; busy {s['busy_kind'] if s['busy_at_flip'] else 'no'}, "
            f"in flight {s['in_flight']})" for s in sorted(tail, key=lambda s: -s["total"])))
        out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
