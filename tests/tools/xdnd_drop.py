#!/usr/bin/python3
"""A minimal XDND *source*: drags one file onto an X window the way a file manager does, for tests.

    xdnd_drop.py WINDOW_ID FILE [--x X --y Y] [--timeout S]   (DISPLAY from the environment)

Speaks XDND version 5: XdndEnter (text/uri-list), XdndPosition at (X, Y) in the window (default: its
centre), waits for XdndStatus, XdndDrop, answers the target's SelectionRequest for XdndSelection with the
file's URI, and waits for XdndFinished. Exit 0 when the target accepted and finished the drop, 1 when it
refused or did not answer in time, 2 on bad usage. Needs python3-xlib (Debian), hence /usr/bin/python3."""
import argparse
import os
import sys
import time
import urllib.parse

from Xlib import X, display
from Xlib.protocol import event

XDND_VERSION = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("window", type=lambda s: int(s, 0))
    parser.add_argument("file")
    parser.add_argument("--x", type=int)
    parser.add_argument("--y", type=int)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    uri = "file://" + urllib.parse.quote(os.path.abspath(args.file)) + "\r\n"

    d = display.Display()
    atom = lambda name: d.intern_atom(name)
    uri_list, selection = atom("text/uri-list"), atom("XdndSelection")
    root = d.screen().root
    source = root.create_window(-10, -10, 1, 1, 0, X.CopyFromParent, event_mask=X.PropertyChangeMask)
    target = d.create_resource_object("window", args.window)
    aware = target.get_full_property(atom("XdndAware"), X.AnyPropertyType)
    if aware is None:
        print("xdnd_drop: the window is not XdndAware", file=sys.stderr)
        return 1
    version = min(XDND_VERSION, aware.value[0])
    source.set_selection_owner(selection, X.CurrentTime)
    geometry = target.get_geometry()
    x = args.x if args.x is not None else geometry.width // 2
    y = args.y if args.y is not None else geometry.height // 2
    at = target.translate_coords(root, x, y)  # the window's (x, y) in root coordinates

    def send(name, data):
        message = event.ClientMessage(window=target, client_type=atom(name), data=(32, data))
        target.send_event(message, event_mask=X.NoEventMask)
        d.flush()

    send("XdndEnter", [source.id, version << 24, uri_list, 0, 0])
    send("XdndPosition", [source.id, 0, (at.x << 16) | (at.y & 0xffff), X.CurrentTime, atom("XdndActionCopy")])
    deadline = time.time() + args.timeout
    dropped = accepted = False
    while time.time() < deadline:
        if not d.pending_events():
            time.sleep(0.01)
            continue
        e = d.next_event()
        if e.type == X.ClientMessage and e.client_type == atom("XdndStatus"):
            accepted = bool(e.data[1][1] & 1)
            if not accepted:
                send("XdndLeave", [source.id, 0, 0, 0, 0])
                print("xdnd_drop: the window refused the drop", file=sys.stderr)
                return 1
            if not dropped:
                send("XdndDrop", [source.id, 0, X.CurrentTime, 0, 0])
                dropped = True
        elif e.type == X.SelectionRequest and e.selection == selection:
            requestor, prop = e.requestor, e.property or e.target
            if e.target == uri_list:
                requestor.change_property(prop, uri_list, 8, uri.encode())
            else:
                prop = X.NONE
            requestor.send_event(event.SelectionNotify(time=e.time, requestor=requestor, selection=e.selection,
                                                       target=e.target, property=prop), event_mask=X.NoEventMask)
            d.flush()
        elif e.type == X.ClientMessage and e.client_type == atom("XdndFinished"):
            if version >= 5 and not (e.data[1][1] & 1):
                print("xdnd_drop: the window did not take the file", file=sys.stderr)
                return 1
            return 0
    print(f"xdnd_drop: no {'XdndFinished' if dropped else 'XdndStatus'} within {args.timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
