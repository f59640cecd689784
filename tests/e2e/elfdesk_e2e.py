"""Shared helpers for the end-to-end tests: private Xvfb displays, the real elfdesk-host and elfdesk
binaries, and reading results back. Standard library only."""
import json
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import time

BINARY_DIR = os.environ.get("ELFDESK_BINARY_DIR", os.path.join(os.path.dirname(__file__), "../../build/release"))
HOST_BIN = os.path.join(BINARY_DIR, "host", "elfdesk-host")
CLIENT_BIN = os.path.join(BINARY_DIR, "client", "elfdesk")

# Exit codes of `elfdesk` (see README).
EXIT_OK, EXIT_NETWORK, EXIT_AUTH, EXIT_DECLINED, EXIT_PROTOCOL, EXIT_BUSY = 0, 10, 11, 12, 13, 14


# The customer's window, window-relative (x, y, width, height): host/ui/consent_view.cpp consent_button_rect
# (the question window is kConsentWindowHeight = 400 tall; its buttons sit 84 px above its bottom).
CONSENT_BUTTONS = {"deny": (40, 316, 200, 52), "allow": (280, 316, 200, 52), "end_session": (720 - 136, 6, 128, 32),
                   "close": (180, 336, 160, 44)}


class Xvfb:
    """A private X server (`Xvfb -displayfd`) for the lifetime of a `with` block."""

    def __init__(self, width=1280, height=720):
        self.width, self.height = width, height
        self.proc = None
        self.display = None

    def __enter__(self):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24",
             "-nolisten", "tcp", "-noreset", "+extension", "RANDR"],
            pass_fds=[write_fd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        number = b""
        deadline = time.time() + 15
        while not number.endswith(b"\n") and time.time() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 1)
            if ready:
                chunk = os.read(read_fd, 16)
                if not chunk:
                    break
                number += chunk
        os.close(read_fd)
        if not number.strip():
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number.decode().strip()
        return self

    def env(self, **extra):
        env = dict(os.environ, DISPLAY=self.display)
        env.update(extra)
        return env

    def run(self, *cmd, check=True, timeout=30):
        return subprocess.run(list(cmd), env=self.env(), check=check, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class _Program:
    """A started program with its own temp dir (self.dir) and stderr file; stopped (killed if need be) on exit."""

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Host(_Program):
    """A running elfdesk-host listening on an ephemeral loopback port."""

    def __init__(self, *args, display=None, stdin=subprocess.DEVNULL, env=None):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-e2e-")
        self.code_file = os.path.join(self.dir, "code.txt")
        self.audit_file = os.path.join(self.dir, "audit.jsonl")
        cmd = [HOST_BIN, "--listen", "127.0.0.1:0", "--code-file", self.code_file,
               "--audit-log", self.audit_file, *args]
        if display:
            cmd += ["--display", display]
        self.stdout_path = os.path.join(self.dir, "host.out")
        self.stderr_path = os.path.join(self.dir, "host.err")
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, env=env or dict(os.environ))
        self.port = None
        deadline = time.time() + 15
        while time.time() < deadline and self.port is None:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.stdout())
            if m and os.path.exists(self.code_file):
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("elfdesk-host did not start:\n" + self.stdout() + self.stderr())

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def code(self):
        with open(self.code_file) as f:
            return f.read().strip()

    def stdout(self):
        with open(self.stdout_path) as f:
            return f.read()


    def audit(self):
        """The audit log, one dict per line (every line must be valid JSON)."""
        if not os.path.exists(self.audit_file):
            return []
        with open(self.audit_file) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_for_output(self, pattern, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.stdout()):
                return True
            time.sleep(0.05)
        return False



def elfdesk(*args, timeout=60, env=None, input=None):
    """Runs the engineer's `elfdesk` command to completion."""
    return subprocess.run([CLIENT_BIN, *args], timeout=timeout, env=env or dict(os.environ), input=input,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --- Pictures, windows and polling (view, input and screenshot tests). ImageMagick does the PNG work. ---

def viewer_control(path, request, timeout=30):
    """One request over the viewer's control socket (`elfdesk view --control-socket PATH`); the reply object."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(request) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


def wait_until(predicate, timeout=15, interval=0.05):
    """Calls `predicate` until it returns something truthy and returns that; None after `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() >= deadline:
            return value or None
        time.sleep(interval)


def x_run(display, *cmd, check=True, timeout=30, env=None):
    """Runs an X client (xdotool, xrandr, import...) against `display`; returns the CompletedProcess."""
    run_env = dict(env or os.environ, DISPLAY=display)
    return subprocess.run(list(cmd), env=run_env, check=check, timeout=timeout, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def held_on(display):
    """Keys and buttons the XTest devices (where injected input comes from) hold down on `display`."""
    held = []
    for device in ("Virtual core XTEST keyboard", "Virtual core XTEST pointer"):
        out = x_run(display, "xinput", "query-state", device, check=False).stdout
        held += re.findall(r"((?:key|button)\[\d+\])=down", out)
    return held


def grab_window(display, path, window="root"):
    """Saves the pixels of `window` (an X window id, or "root" for the whole screen) on `display` as PNG."""
    x_run(display, "import", "-window", str(window), "PNG24:" + path)
    return path


def png_size(path):
    """(width, height) of a picture file."""
    out = subprocess.run(["identify", "-format", "%w %h", path], check=True, stdout=subprocess.PIPE, text=True)
    width, height = out.stdout.split()
    return int(width), int(height)


def png_crop(src, dst, x, y, width, height):
    """Writes the rectangle (x, y, width, height) of `src` to `dst`."""
    subprocess.run(["convert", src, "-crop", f"{width}x{height}+{x}+{y}", "+repage", "PNG24:" + dst], check=True)
    return dst


def shows_exactly(host_display, viewer_display, window, width, height, directory, grabbed_at=None):
    """True when the top-left width x height of the viewer's `window` equals the host's screen pixel for
    pixel. `grabbed_at` (a list) gets the moment the viewer's window was grabbed: the picture was exact
    then, however long the grabs and the comparison took (about a second under load)."""
    reference = grab_window(host_display, os.path.join(directory, "host.png"))
    if grabbed_at is not None:
        grabbed_at.append(time.monotonic())
    shot = grab_window(viewer_display, os.path.join(directory, "window.png"), window)
    picture = png_crop(shot, os.path.join(directory, "picture.png"), 0, 0, width, height)
    return psnr(reference, picture) == float("inf")


# The viewer's menu button (client/present/presenter_overlays.cpp) lies within this box (width, height) at
# its window's top right corner, over the picture.
MENU_BUTTON_BOX = (64, 40)


def without_menu_button(path, window_width, crop_x=0, crop_y=0):
    """Blacks out, in place, where the viewer's menu button may be in `path`: a crop taken at (crop_x, crop_y)
    of a viewer window `window_width` wide (or any picture compared with one). Returns `path`."""
    x0, y1 = window_width - MENU_BUTTON_BOX[0] - crop_x, MENU_BUTTON_BOX[1] - 1 - crop_y
    if y1 >= 0:
        subprocess.run(["convert", path, "-fill", "black", "-draw",
                        f"rectangle {x0},{-crop_y} {window_width - crop_x - 1},{y1}", "PNG24:" + path], check=True)
    return path


def png_rgb(path):
    """The raw pixels of a picture: 8-bit R, G, B per pixel, rows top to bottom."""
    return subprocess.run(["convert", path, "-depth", "8", "rgb:-"], check=True, stdout=subprocess.PIPE).stdout


def psnr(a, b):
    """PSNR in dB of two same-sized pictures (float('inf') when identical), measured by ImageMagick."""
    out = subprocess.run(["compare", "-metric", "PSNR", a, b, "null:"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if out.returncode > 1:
        raise RuntimeError(f"compare {a} {b}: {out.stderr.strip()}")
    value = out.stderr.strip().split()[0]
    return float("inf") if value == "inf" else float(value)


def window_name(display, window):
    """The window's title as UTF-8 (_NET_WM_NAME, else WM_NAME), or None. xdotool cannot read a UTF-8
    title: it converts names with the C locale, so elfdesk's "elfdesk — ..." titles never match there."""
    out = subprocess.run(["xprop", "-id", window, "_NET_WM_NAME", "WM_NAME"], env=dict(os.environ, DISPLAY=display),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                         errors="replace", timeout=10).stdout
    m = re.search(r'^(?:_NET_WM_NAME|WM_NAME)\([^)]*\) = "(.*)"$', out, re.M)
    return m.group(1) if m else None


def find_window(display, regex, timeout=15, by="name"):
    """The id of the first visible window on `display` whose name (or "class") matches `regex`, or None."""
    def search():
        if by == "name":  # every visible window, then its UTF-8 title (see window_name)
            out = x_run(display, "xdotool", "search", "--onlyvisible", "--class", "", check=False)
            return next((w for w in out.stdout.split() if re.search(regex, window_name(display, w) or "")), None)
        out = x_run(display, "xdotool", "search", "--onlyvisible", "--" + by, regex, check=False)
        ids = out.stdout.split()
        return ids[0] if ids else None
    return wait_until(search, timeout)


def wait_viewer_connected(display, timeout=20):
    """The viewer's window on `display` once its title says connected, or None. The host audits
    session_start (and prints "session started") as it sends its answer; the viewer holds the session, and
    could resume it, only once it has read that answer."""
    window = find_window(display, "elfdesk")
    if window is None:
        return None
    return window if wait_until(lambda: "connected" in (window_name(display, window) or ""), timeout) else None


class Viewer(_Program):
    """A running `elfdesk view` on an X display (the engineer's screen), stopped (killed if need be) on exit."""

    def __init__(self, host, display, *args, env=None):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-viewer-")
        self.stderr_path = os.path.join(self.dir, "viewer.err")
        run_env = dict(env or os.environ, DISPLAY=display)
        with open(self.stderr_path, "w") as stderr:
            self.proc = subprocess.Popen([CLIENT_BIN, "view", host.address, "--code", host.code(), *args],
                                         env=run_env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr)




def make_test_picture(path, width, height, label="elfdesk"):
    """Writes a width x height PNG with text of several sizes, lines and coloured shapes (`label` in it)."""
    cx, cy = width * 2 // 3, height // 2
    draw = ["-fill", "#1f3a93", "-draw", f"rectangle {width // 10},{height // 8} {width // 3},{height // 3}",
            "-fill", "#c0392b", "-draw", f"circle {cx},{cy} {cx + height // 8},{cy}",
            "-stroke", "#27ae60", "-strokewidth", "3", "-draw", f"line 0,{height - 40} {width},{height - 90}",
            "-stroke", "none", "-fill", "black", "-font", "DejaVu-Sans"]
    for i, size in enumerate((13, 18, 28)):
        draw += ["-pointsize", str(size), "-annotate", f"+{width // 10}+{height // 2 + 40 * i}",
                 f"{label} The quick brown fox jumps over the lazy dog 0123456789 ({size}px)"]
    subprocess.run(["convert", "-size", f"{width}x{height}", "xc:#f4f1ea", *draw, "PNG24:" + path], check=True)
    return path


def paint_root(display, path):
    """Shows a screen-sized PNG as the root window's background on `display` (ImageMagick's display)."""
    # display(1) exits non-zero after setting the root window, so its status says nothing.
    x_run(display, "display", "-window", "root", path, check=False)


# split_monitors: a SPLIT_W x SPLIT_H display as two RandR monitors side by side, LEFT red and RIGHT blue.
SPLIT_W, SPLIT_H = 2560, 800
SPLIT_RED, SPLIT_BLUE = (0xc0, 0x30, 0x30), (0x30, 0x60, 0xc0)


def split_monitors(display, directory):
    """Splits the SPLIT_W x SPLIT_H X server `display` into the RandR monitors LEFT and RIGHT (`xrandr
    --setmonitor`, 1280 wide each) and paints LEFT red and RIGHT blue (a PNG written to `directory`);
    returns the monitors' RandR indices by name ({"LEFT": i, "RIGHT": j})."""
    half = SPLIT_W // 2
    for name, x in (("LEFT", 0), ("RIGHT", half)):
        x_run(display, "xrandr", "--setmonitor", name, f"{half}/338x{SPLIT_H}/211+{x}+0", "none")
    picture = os.path.join(directory, "halves.png")
    subprocess.run(["convert", "-size", f"{half}x{SPLIT_H}", "xc:#c03030", "-size", f"{half}x{SPLIT_H}",
                    "xc:#3060c0", "+append", "PNG24:" + picture], check=True)
    paint_root(display, picture)
    listed = x_run(display, "xrandr", "--listactivemonitors").stdout
    return {name: int(index) for index, name in re.findall(r"^ *(\d+): \+?\*?(\w+)", listed, re.M)}


def hide_cursor(display):
    """Gives the root window of `display` an invisible cursor, so cursor drawing cannot disturb picture checks."""
    with tempfile.TemporaryDirectory(prefix="elfdesk-cursor-") as tmp:
        blank = os.path.join(tmp, "blank.xbm")
        with open(blank, "w") as f:
            f.write("#define blank_width 8\n#define blank_height 8\n#define blank_x_hot 0\n#define blank_y_hot 0\n"
                    "static unsigned char blank_bits[] = {\n" + ", ".join(["0x00"] * 8) + "};\n")
        x_run(display, "xsetroot", "-cursor", blank, blank)
