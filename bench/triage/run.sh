#!/bin/sh
# `elfdesk diag --probe triage` end to end over a real session on loopback (fresh code, TLS 1.3, SPAKE2,
# consent pre-approved, triage on the host, zstd JSON back) N times, side by side with `--local`.
# Reports median / p95 wall time, the host's CPU per run (utime+stime of elfdesk-host from /proc) and the
# engineer side's CPU (rusage of the client). Writes bench/triage/results.md.
# Usage: bench/triage/run.sh [build-dir] [runs]      (build-dir default: build; runs default: 30)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
runs=${2:-30}
cmake --build "$build" --target elfdesk elfdesk-host >/dev/null
exec python3 - "$build" "$runs" "$here/results.md" <<'EOF'
import json, os, platform, re, resource, shutil, statistics, subprocess, sys, tempfile, time

build, runs, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host_bin, client_bin = f"{build}/host/elfdesk-host", f"{build}/client/elfdesk"
tick = os.sysconf("SC_CLK_TCK")
work = tempfile.mkdtemp(prefix="elfdesk-triage-bench-")
code_file = f"{work}/code"


def host_cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15)


def children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wait_for_code(previous, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            code = open(code_file).read().strip()
        except FileNotFoundError:
            code = ""
        if code and code != previous:
            return code
        time.sleep(0.005)
    raise SystemExit("the host issued no fresh code")


def run(cmd):
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    if p.returncode >= 10:
        raise SystemExit(f"{cmd[1:3]} failed ({p.returncode}): {p.stderr}")
    doc = json.loads(p.stdout)
    return wall * 1000, cpu * 1000, doc["reports"][0]["elapsed_ms"], len(p.stdout)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


host = subprocess.Popen([host_bin, "--listen", "127.0.0.1:0", "--code-file", code_file, "--audit-log", f"{work}/audit",
                         "--fake-screen", "--consent", "accept", "--ui", "none"],
                        stdout=open(f"{work}/host.out", "w"), stderr=subprocess.STDOUT)
remote, local = [], []
try:
    deadline = time.time() + 15
    while not re.search(r"listening on 127\.0\.0\.1:(\d+)", open(f"{work}/host.out").read()):
        if time.time() > deadline or host.poll() is not None:
            raise SystemExit("elfdesk-host did not start")
        time.sleep(0.02)
    port = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(f"{work}/host.out").read()).group(1)
    code = wait_for_code("")
    for _ in range(runs):
        before = host_cpu_s(host.pid)
        wall, client_cpu, triage_ms, size = run([client_bin, "diag", f"127.0.0.1:{port}", "--code", code, "--quiet",
                                                  "--json", "--probe", "triage"])
        code = wait_for_code(code)  # the host released the session: its work for this run is done
        remote.append((wall, client_cpu, triage_ms, size, (host_cpu_s(host.pid) - before) * 1000))
    for _ in range(runs):
        local.append(run([client_bin, "diag", "--local", "--json", "--probe", "triage"]))
finally:
    host.terminate()
    host.wait()
    shutil.rmtree(work, ignore_errors=True)


def row(name, samples, host_cpu):
    wall = [s[0] for s in samples]
    return (f"| {name} | {statistics.median(wall):.0f} | {pct(wall, 95):.0f} | "
            f"{statistics.median(s[2] for s in samples):.0f} | {host_cpu} | "
            f"{statistics.mean(s[1] for s in samples):.0f} | {statistics.median(s[3] for s in samples) / 1024:.0f} |")


host_cpu = [s[4] for s in remote]
lines = [
    "# triage benchmark",
    "",
    f"`bench/triage/run.sh {build} {runs}` on {platform.node()} ({os.cpu_count()} CPUs, "
    f"load {os.getloadavg()[0]:.1f}), {time.strftime('%Y-%m-%d')}. {runs} runs each; one session per remote run.",
    "",
    "| mode | wall median ms | wall p95 ms | triage elapsed median ms | host CPU ms/run | client CPU ms/run | JSON KiB |",
    "|---|---|---|---|---|---|---|",
    row("remote (session on loopback)", remote, f"{statistics.mean(host_cpu):.0f} (p95 {pct(host_cpu, 95):.0f})"),
    row("--local", local, "-"),
    "",
    "Wall: the whole command (remote: TCP + TLS 1.3 + SPAKE2 + consent + triage + result + goodbye). Host CPU:",
    f"utime+stime of elfdesk-host per run from /proc (clock ticks of {1000 // tick} ms, so the mean over {runs} runs",
    f"is good to {1000 / tick / runs:.1f} ms). Client CPU: rusage of the elfdesk process. `triage elapsed` is the probe's own time (cpu and",
    "processes sample 200 ms windows in parallel, so it cannot go below ~200 ms).",
]
text = "\n".join(lines) + "\n"
open(out_path, "w").write(text)
print(text, end="")
EOF
