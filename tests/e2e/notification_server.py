"""A small freedesktop notification server for the watcher's end-to-end test: owns
org.freedesktop.Notifications on the (private) session bus, appends every Notify call as one JSON line to
the file given as argv[1], and emits ActionInvoked when the test calls org.elfdesk.Test.Invoke(id, key),
as a desktop does when the user clicks an action. python3-dbus + python3-gi (GLib main loop)."""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log_path):
        super().__init__(bus, PATH)
        self.log_path = log_path
        self.next_id = 1

    @dbus.service.method(BUS_NAME, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        nid = self.next_id
        self.next_id += 1
        entry = {"id": nid, "app": str(app), "summary": str(summary), "body": str(body),
                 "actions": [str(a) for a in actions], "urgency": int(hints.get("urgency", 1))}
        with open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")
        return nid

    @dbus.service.method(BUS_NAME, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body"]

    @dbus.service.method(BUS_NAME, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["elfdesk-test", "elfdesk", "1", "1.2"]

    @dbus.service.method(BUS_NAME, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.signal(BUS_NAME, signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.signal(BUS_NAME, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.method("org.elfdesk.Test", in_signature="us", out_signature="")
    def Invoke(self, nid, key):
        self.ActionInvoked(nid, key)


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(BUS_NAME, bus)  # noqa: F841 (kept alive for the process)
    Server(bus, sys.argv[1])
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
