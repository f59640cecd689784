"""How long after the customer's yes the engineer's first picture is shown, the way a customer is asked
(`--consent ask --ui terminal`, answered 1.5 s after the question appears): elfdesk-host on one 1920x1080
Xvfb with an xterm full of text, `elfdesk view` on another, loopback, the viewer's frame trace for the
stages. x11vnc asks nobody, so this one has no peer; bench/run.py compares the first picture through the
links side by side.

    python3 bench/consent_first_picture.py BUILD [RUNS]    (root not needed; displays :81 and :82)
"""
import csv, os, subprocess, sys, time, tempfile
build, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
def xvfb(n):
    p = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
    time.sleep(1); return p
a, b = xvfb(81), xvfb(82)
env_a = dict(os.environ, DISPLAY=":81"); env_b = dict(os.environ, DISPLAY=":82")
term = subprocess.Popen(["xterm", "-geometry", "200x60+0+0", "-e", "sh", "-c", "ls -lR /usr/share | head -2000; sleep 3600"], env=env_a,
                        stderr=subprocess.DEVNULL)
time.sleep(2)
for i in range(runs):
    d = tempfile.mkdtemp()
    code, trace = os.path.join(d, "code"), os.path.join(d, "trace.csv")
    host = subprocess.Popen([f"{build}/host/elfdesk-host", "--listen", "127.0.0.1:0", "--code-file", code, "--consent", "ask",
                             "--ui", "terminal", "--audit-log", "-", "--once"], env=env_a, stdin=subprocess.PIPE,
                            stdout=open(os.path.join(d, "host.out"), "w"), stderr=subprocess.STDOUT, text=True)
    port = None
    while port is None:
        time.sleep(0.05)
        for line in open(os.path.join(d, "host.out")):
            if "listening on 127.0.0.1:" in line: port = line.rsplit(":", 1)[1].split()[0]
    viewer = subprocess.Popen([f"{build}/client/elfdesk", "view", f"127.0.0.1:{port}", "--code-file", code],
                              env=dict(env_b, ELFDESK_FRAME_TRACE=trace), stderr=subprocess.DEVNULL)
    while "Allow?" not in open(os.path.join(d, "host.out")).read(): time.sleep(0.02)
    time.sleep(1.5)  # the customer reads the question
    yes = time.monotonic_ns() // 1000
    host.stdin.write("y\n"); host.stdin.flush()
    row = None
    while row is None:
        time.sleep(0.05)
        if os.path.exists(trace):
            rows = list(csv.DictReader(open(trace)))
            if rows: row = rows[0]
    at = lambda k: (int(row[k]) - yes) / 1000
    print(f"run {i}: capture starts {at('capture_time_us'):.0f}, capture {int(row['capture_us'])/1000:.0f}, "
          f"encode {int(row['encode_us'])/1000:.0f}, queue {int(row['queue_us'])/1000:.0f}, received {at('received_us'):.0f}, "
          f"shown {at('shown_us'):.0f} ms after the yes", flush=True)
    viewer.terminate(); viewer.wait(10); host.wait(10)
term.kill(); a.kill(); b.kill()
