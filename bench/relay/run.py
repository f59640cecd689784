#!/usr/bin/env python3
"""elfdesk-relay vs HAProxy vs a direct connection, side by side in one run (issue #12's benchmark).

For each pass, in turn: direct (the generator's engineer dials its own host listener: the baseline for
latency), elfdesk-relay (pairs Register/Join/Accept on the relay wire) and HAProxy (TLS terminated on both
sides, `mode tcp`), each with a fresh process; then 10,000 idle registrations on a fresh elfdesk-relay.
elfdesk_relay_load (bench/relay/) drives every pair from one thread and samples the relay's /proc.
Standard library only. Entry point: bench/relay/run.sh; method and results: docs/performance.md "Relay".
"""
import argparse
import json
import os
import platform
import resource
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

LEVELS = {"full": 1.0, "light": 0.1}  # message rates relative to 30/s down, 20/s up per pair

HAPROXY_CFG = """global
  maxconn {maxconn}
  nbthread {threads}
  ssl-default-bind-options ssl-min-ver TLSv1.3
  ssl-default-server-options ssl-min-ver TLSv1.3
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend relay
  bind 127.0.0.1:{port} ssl crt {pem}
  maxconn {maxconn}
  default_backend hosts
backend hosts
  server generator 127.0.0.1:{backend} ssl verify none
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NICE = 0  # --nice: the systems under test and the generator ahead of other work on a shared machine


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if NICE:
        # With sched_autogroup every session shares the CPU equally whatever its processes' niceness, so the
        # session's autogroup gets the niceness too (each system runs in a session of its own).
        for set_nice in (lambda: os.nice(NICE), lambda: open("/proc/self/autogroup", "w").write(str(NICE))):
            try:
                set_nice()
            except OSError:
                pass  # not permitted: the default priority (results.json records the asked value)


def wait_listening(port, proc, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


def start(cmd, log):
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=raise_nofile)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_certificate(tmp):
    cert, key, pem = (os.path.join(tmp, n) for n in ("cert.pem", "key.pem", "haproxy.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    with open(pem, "w") as out:
        out.write(open(cert).read() + open(key).read())
    return cert, key, pem


class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.cert, self.key, self.pem = make_certificate(tmp)
        self.relay_bin = os.path.join(args.build, "relay", "elfdesk-relay")
        self.load_bin = os.path.join(args.build, "bench", "relay", "elfdesk_relay_load")
        self.log = open(os.path.join(tmp, "servers.log"), "a")
        self.rate_scale = 1.0

    def stream_args(self):
        a = self.args
        return ["--pairs", str(a.pairs), "--seconds", str(a.seconds), "--warmup", str(a.warmup),
                "--sources", str(a.sources), "--down-rate", f"{30 * self.rate_scale:g}",
                "--up-rate", f"{20 * self.rate_scale:g}"]

    def generate(self, extra, label):
        cmd = [self.load_bin] + extra
        print(f"  {label}: {' '.join(shlex.quote(c) for c in cmd)}", file=sys.stderr, flush=True)
        loadavg = open("/proc/loadavg").read().split()[:3]
        done = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=raise_nofile,
                              timeout=self.args.seconds + self.args.warmup + 400)
        if done.stderr.strip():
            print("    " + done.stderr.strip().replace("\n", "\n    "), file=sys.stderr)
        try:
            result = json.loads(done.stdout)
        except json.JSONDecodeError:
            result = {"ok": False, "error": f"no JSON (exit {done.returncode})"}
        result["loadavg_before"] = loadavg
        print(f"    ok={result.get('ok')} established={result.get('established')} "
              f"gbit/s={result.get('gbit_s', 0):.3f} relay cores={result.get('relay_cores', 0):.3f}",
              file=sys.stderr, flush=True)
        return result

    def start_relay(self, port):
        cmd = [self.relay_bin, "--listen", f"127.0.0.1:{port}", "--cert", self.cert, "--key", self.key,
               "--max-sessions", str(max(self.args.pairs, self.args.idle) + 100)] + self.args.relay_arg
        proc = start(cmd, self.log)
        wait_listening(port, proc)
        time.sleep(0.5)  # the idle RSS is taken by the generator before its first connection
        return proc

    def run_direct(self):
        port = free_port()
        target = f"127.0.0.1:{port}"
        return self.generate(["--mode", "splice", "--target", target, "--listen", target, "--cert", self.cert,
                              "--key", self.key] + self.stream_args(), "direct")

    def run_elfdesk(self):
        port = free_port()
        proc = self.start_relay(port)
        try:
            return self.generate(["--mode", "relay", "--target", f"127.0.0.1:{port}", "--watch-pid", str(proc.pid)]
                                 + self.stream_args(), "elfdesk-relay")
        finally:
            stop(proc)

    def run_haproxy(self):
        port, backend = free_port(), free_port()
        cfg = os.path.join(self.tmp, "haproxy.cfg")
        with open(cfg, "w") as out:
            out.write(HAPROXY_CFG.format(maxconn=2 * self.args.pairs + 100, threads=os.cpu_count(), port=port,
                                         pem=self.pem, backend=backend))
        proc = start(["haproxy", "-f", cfg, "-db"], self.log)
        try:
            wait_listening(port, proc)
            time.sleep(0.5)
            return self.generate(["--mode", "splice", "--target", f"127.0.0.1:{port}", "--listen",
                                  f"127.0.0.1:{backend}", "--cert", self.cert, "--key", self.key,
                                  "--watch-pid", str(proc.pid)] + self.stream_args(), "haproxy")
        finally:
            stop(proc)

    def run_idle(self):
        port = free_port()
        proc = self.start_relay(port)
        try:
            return self.generate(["--mode", "idle", "--target", f"127.0.0.1:{port}", "--pairs", str(self.args.idle),
                                  "--seconds", str(self.args.idle_seconds), "--sources", str(self.args.sources),
                                  "--watch-pid", str(proc.pid)], "idle registrations")
        finally:
            stop(proc)


# ------------------------------------------------------------------------------------------------ summary
def pct(result, direction, key):
    return result.get(direction, {}).get(key, float("nan"))


def row_values(result, direct):
    """The figures of one system in one pass (direct: the same pass's baseline)."""
    samples = result.get("samples", {})
    v = {
        "ok": result.get("ok", False), "established": result.get("established", 0),
        "gbit_s": result.get("gbit_s", float("nan")), "relay_cores": result.get("relay_cores", float("nan")),
        "cores_per_gbit": result.get("relay_cores_per_gbit_s", float("nan")),
        "idle_rss_mib": samples.get("before", {}).get("rss_kib", float("nan")) / 1024,
        "rss_per_session_kib": result.get("rss_per_session_kib", float("nan")),
        "generator_cores": result.get("generator_cores", float("nan")),
        "machine_busy_cores": result.get("machine_busy_cores", float("nan")),
        "late_writes": pct(result, "down", "late_writes") + pct(result, "up", "late_writes"),
        "relay_wait": result.get("relay_runqueue_wait_ms_per_s", float("nan")),
        "generator_wait": result.get("generator_runqueue_wait_ms_per_s", float("nan")),
    }
    for d in ("down", "up"):
        for p in ("p50", "p99"):
            v[f"{d}_{p}"] = pct(result, d, f"sent_{p}_ms")
            v[f"{d}_added_{p}"] = v[f"{d}_{p}"] - pct(direct, d, f"sent_{p}_ms")
        v[f"{d}_due_p99"] = pct(result, d, "due_p99_ms")
        v[f"{d}_added_due_p99"] = v[f"{d}_due_p99"] - pct(direct, d, "due_p99_ms")
    return v


def spread(values, digits=2):
    values = [x for x in values if x == x]
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def median(values):
    values = [x for x in values if x == x]
    return statistics.median(values) if values else float("nan")


def level_rows(passes, level, systems):
    return {s: [row_values(p[level][s], p[level]["direct"]) for p in passes] for s in systems}


def level_table(rows, systems):
    out = ["| system | pairs up | Gbit/s relayed | relay CPU cores | cores per Gbit/s | idle RSS MiB "
           "| RSS per session KiB | down p50 / p99 ms | up p50 / p99 ms | added down p50 / p99 ms "
           "| added up p50 / p99 ms | late writes | generator cores | machine busy cores "
           "| run-queue wait ms/s relay / generator |", "|" + "---|" * 15]
    for s in systems:
        col = lambda k, d=2: spread([x[k] for x in rows[s]], d)
        out.append(f"| {s} | {col('established', 0)} | {col('gbit_s', 3)} | {col('relay_cores')} | {col('cores_per_gbit')} "
                   f"| {col('idle_rss_mib', 1)} | {col('rss_per_session_kib', 1)} | {col('down_p50')} / {col('down_p99')} "
                   f"| {col('up_p50')} / {col('up_p99')} | {col('down_added_p50')} / {col('down_added_p99')} "
                   f"| {col('up_added_p50')} / {col('up_added_p99')} | {col('late_writes', 0)} | {col('generator_cores')} "
                   f"| {col('machine_busy_cores')} | {col('relay_wait', 1)} / {col('generator_wait', 1)} |")
    if "elfdesk" in rows and "haproxy" in rows:
        ratio = lambda k: spread([e[k] / h[k] if h[k] else float("nan") for e, h in zip(rows["elfdesk"], rows["haproxy"])])
        out += ["", "Ratios elfdesk-relay / HAProxy, per pass, then the median (lower is better):", "",
                "| cores per Gbit/s | RSS per session | added p99 down | added p99 up |", "|---|---|---|---|",
                f"| {ratio('cores_per_gbit')} | {ratio('rss_per_session_kib')} | {ratio('down_added_p99')} "
                f"| {ratio('up_added_p99')} |"]
    return out


def idle_table(idle):
    s = lambda f, d=1: spread([f(r) for r in idle], d)
    return ["| requested | registered | still registered at the end | setup s | idle RSS MiB | RSS held MiB "
            "| RSS per registration KiB |", "|---|---|---|---|---|---|---|",
            f"| {idle[0].get('pairs_requested')} | {s(lambda r: r.get('established', 0), 0)} "
            f"| {s(lambda r: r.get('established', 0) - r.get('control_lost', 0), 0)} | {s(lambda r: r.get('setup_seconds', 0))} "
            f"| {s(lambda r: r['samples']['before']['rss_kib'] / 1024)} "
            f"| {s(lambda r: r['samples'].get('held', {}).get('rss_kib', float('nan')) / 1024)} "
            f"| {s(lambda r: r.get('rss_per_registration_kib', float('nan')))} |"]


def target_rows(all_rows, levels):
    out = ["| target | measured (medians) | met |", "|---|---|---|"]
    for level in levels:
        rows = all_rows[level]
        if "elfdesk" not in rows:
            continue
        e = rows["elfdesk"]
        rss = median([x["rss_per_session_kib"] for x in e])
        added = max(median([x["down_added_p99"] for x in e]), median([x["up_added_p99"] for x in e]))
        out.append(f"| {level}: RSS <= 64 KiB per active session | {rss:.1f} KiB | {'yes' if rss <= 64 else 'no'} |")
        out.append(f"| {level}: added p99 <= 1 ms (worse direction) | {added:.2f} ms | {'yes' if added <= 1 else 'no'} |")
        if "haproxy" in rows:
            cpu = median([x["cores_per_gbit"] / h["cores_per_gbit"] for x, h in zip(e, rows["haproxy"])])
            out.append(f"| {level}: CPU per Gbit/s within 1.5x of HAProxy | {cpu:.2f}x | {'yes' if cpu <= 1.5 else 'no'} |")
    return out


def markdown(passes, systems, levels, meta):
    out = [f"Command: `{meta['command']}`  ", f"Commit {meta['commit']}, {meta['machine']}, {meta['when']}.  ",
           f"{len(passes)} passes; each runs {', '.join(systems)} one after the other per level, then the idle "
           "registrations. Cells: median over the passes (min-max). Latency: receive time minus write start, "
           "in the generator's one process; added = the system's percentile minus direct's in the same pass. "
           f"Systems and generator at niceness {meta.get('nice', 0)}.", ""]
    all_rows = {level: level_rows(passes, level, systems) for level in levels}
    for level in levels:
        out += [f"Level {level} (message rates x{LEVELS[level]:g}):", ""] + level_table(all_rows[level], systems) + [""]
    idle = [p["idle"] for p in passes if "idle" in p]
    if idle:
        out += ["Idle registrations (Register only, held while the relay pings):", ""] + idle_table(idle) + [""]
    out += ["Targets (elfdesk-relay):", ""] + target_rows(all_rows, levels)
    ok = all(r.get("ok") for p in passes for level in levels for r in p[level].values())
    ok = ok and all(r.get("ok") for r in idle)
    out.append(f"| every pair set up, every byte arrived intact (all systems, passes, levels) "
               f"| {'yes' if ok else 'NO: see results.json'} | {'yes' if ok else 'no'} |")
    return "\n".join(out) + "\n"


def machine_text():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    haproxy = subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, {haproxy.split(' - ')[0]}, {openssl}; "
            "the cores are shared with other work (see machine busy cores)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=15, help="measured window per system")
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--idle", type=int, default=10000, help="idle registrations (0: skip)")
    ap.add_argument("--idle-seconds", type=float, default=20, help="how long the idle registrations are held")
    ap.add_argument("--sources", type=int, default=1000,
                    help="spread dials over this many 127.1.x.y addresses (hosts come from many addresses; the "
                         "relay limits registrations and joins per address)")
    ap.add_argument("--systems", default="direct,elfdesk,haproxy")
    ap.add_argument("--levels", default="full,light",
                    help="full: 30 x 1250 B/s down + 20 x 32 B/s up per pair; light: a tenth of that (latency "
                         "with the machine not saturated)")
    ap.add_argument("--relay-arg", action="append", default=[], help="extra elfdesk-relay argument (repeatable)")
    ap.add_argument("--nice", type=int, default=-10,
                    help="niceness of the systems and the generator (negative needs root; 0: unchanged)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    global NICE
    NICE = args.nice
    systems = args.systems.split(",")
    levels = args.levels.split(",")
    if "direct" not in systems:
        systems.insert(0, "direct")  # the latency baseline
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    meta = {"command": " ".join(shlex.quote(a) for a in sys.argv), "commit": commit, "machine": machine_text(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nice": args.nice}
    passes = []
    with tempfile.TemporaryDirectory(prefix="relaybench-") as tmp:
        bench = Bench(args, tmp)
        for n in range(args.passes):
            print(f"pass {n + 1}/{args.passes}", file=sys.stderr, flush=True)
            one = {}
            for level in levels:
                bench.rate_scale = LEVELS[level]
                one[level] = {s: getattr(bench, f"run_{s}")() for s in systems}
            if args.idle:
                one["idle"] = bench.run_idle()
            passes.append(one)
    os.makedirs(args.out, exist_ok=True)
    text = markdown(passes, systems, levels, meta)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "passes": passes}, f, indent=1)
    print(text)
    ok = all(r.get("ok") for p in passes for level in levels for r in p[level].values())
    ok = ok and all(p["idle"].get("ok") for p in passes if "idle" in p)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
