// `elfdesk view`: the engineer's live window. Wiring only: the arguments, the control socket, the window
// (ViewerWindow, main thread) and the session (ViewerNetwork, network thread). Main thread.
#include <cstdio>
#include <mutex>

#include "client/cli/commands.hpp"
#include "client/cli/control_socket.hpp"
#include "client/cli/remote_command.hpp"
#include "client/cli/viewer_network.hpp"
#include "client/cli/viewer_window.hpp"
#include "client/present/sdl_presenter.hpp"
#include "client/record/session_recorder.hpp"
#include "common/clock.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

const char* kUsage = R"(Usage: elfdesk view CODE [options]                  (through the relay)
       elfdesk view ADDR:PORT --code CODE [options]    (directly)

Opens a window showing the customer's screen, live, with keyboard and mouse control.

  CODE                   the customer's one-time code, e.g. 123-456-789-012: found through the relay
  --relay ADDR:PORT      the elfdesk-relay to use (default: ELFDESK_RELAY, else `relay` in
                         ~/.config/elfdesk/elfdesk.conf, else /etc/elfdesk/elfdesk.conf)
  --relay-ca PEM         trust only this CA for the relay's certificate (default: the system's;
                         also ELFDESK_RELAY_CA, `relay_ca` in the config files)
  --code CODE | --code-file PATH   the code, with ADDR:PORT of a host that listens (elfdesk-host --listen)
  --listen ADDR:PORT     reverse mode: wait for the host (elfdesk-host --connect) to dial in
  --name NAME            your name as the customer sees it (default user@host)
  --view-only            ask only to view; never send input
  --scale fit|1:1        initial scaling (default fit)
  --monitor N|all        show the host's monitor N (from 0, as its list orders them) or all of them, as
                         soon as the session is up (default: what the host shares, its --monitor)
  --stats                start with the statistics overlay shown
  --control-socket PATH  where `elfdesk diag --session PATH` reaches this session (default
                         $XDG_RUNTIME_DIR/elfdesk/view-PID.sock; printed on stderr)
  --no-clipboard         do not share the clipboard
  --record FILE.webm     record what you see (cursor included, at most 15 pictures/s) as WebM; the
                         customer's consent question says so, and their audit log records it
  --transcript FILE      append every chat line to FILE ("HH:MM:SS sender: text")
  --remedies             accepted for compatibility: remedies are always offered now (not with --view-only)
  --help                 this text

In the window: F8 (or the button at the top right) opens the menu: send Ctrl+Alt+Del, Alt+Tab, Super or
Print, keyboard grab, monitor, scale, fullscreen, statistics, diagnostics, chat, status, end session.
F11 or Ctrl+Alt+F toggles fullscreen, Ctrl+Alt+1 fit / 1:1 (in 1:1 Ctrl+Alt+arrows scroll, and so does
the pointer at an edge); both are remembered per host ($XDG_STATE_HOME/elfdesk/viewer.json). While the
keyboard is grabbed, F8 and F11 go to the customer.
Ctrl+Alt+G grabs the keyboard (Alt+Tab etc. go to the customer), Ctrl+Alt+S toggles statistics,
Ctrl+Alt+D runs triage and shows the findings by severity with each one's remedy (click it, or Ctrl+Alt+R
for the first, and the customer is asked; the report is saved as JSON in the current directory; PgUp/PgDn
or the wheel scroll a panel), Ctrl+Alt+C opens the chat (type, Enter sends, Esc closes; `elfdesk chat
--session PATH "text"` sends from a script). Dropping a file on the window sends it to the customer, who
approves it (it lands in their download folder). Closing the window ends the session. Your clipboard goes to the customer only
while this window has the keyboard focus.
Exit codes: 0 ok, 2 bad usage (also a malformed code), 10 network error (also: the connection to the host
was lost, the host shut down mid-session, the relay is unreachable or went away), 11 authentication failed
(also: "no support session with this code: expired, already used, or mistyped?"), 12 declined, 13 protocol
error, 14 host busy.
)";

struct ViewArgs {
  RemoteTarget target;
  ViewSettings settings;
  bool one_to_one = false;
  bool stats = false;
  std::string control_socket;  // empty: the default path
  std::string record;          // --record: the WebM file
  std::string transcript;
  std::optional<int> monitor;  // --monitor: -1 all
};

std::expected<ViewArgs, Error> parse_view_args(const ParsedArgs& args) {
  using namespace protocol::permission;
  ViewArgs v;
  v.settings.view_only = args.has("view-only");
  v.settings.share_clipboard = !v.settings.view_only && !args.has("no-clipboard");
  v.record = args.get("record");
  const std::uint32_t recording = v.record.empty() ? 0 : kRecord;
  const std::uint32_t permissions = v.settings.view_only ? (kView | kProbes | recording)
                                    : (kView | kControl | kProbes | kFiles | recording |
                                       (v.settings.share_clipboard ? kClipboard : 0));
  // Every finding's remedy is offered (the customer is asked for each); --remedies is still accepted.
  v.settings.remedies = !v.settings.view_only;
  auto target = parse_remote_target(args, permissions | (v.settings.remedies ? kRemedies : 0));
  if (!target) return std::unexpected(target.error());
  v.target = std::move(*target);
  const auto& o = v.target.options;
  v.settings.host_label = o.via_relay ? "relay " + o.host : o.host;
  if (!o.via_relay && !o.listen) v.settings.address_key = "address " + o.host;
  v.one_to_one = args.get("scale") == "1:1";
  v.settings.scale_given = !args.get("scale").empty();
  v.stats = args.has("stats");
  v.control_socket = args.get("control-socket");
  v.transcript = args.get("transcript");
  if (args.has("monitor")) {
    const std::string m = args.get("monitor");
    int index = -2;
    if (m == "all") index = -1;
    else if (!m.empty() && m.size() <= 2 && m.find_first_not_of("0123456789") == std::string::npos) index = std::stoi(m);
    if (index < -1 || index >= static_cast<int>(limits::kMaxMonitors))
      return std::unexpected(make_error(ErrorCode::invalid_argument, "--monitor takes a monitor index from 0, or all"));
    v.monitor = index;
  }
  return v;
}

// Before any other thread exists: the socket is bound under a temporary umask. Null (with a warning)
// when it cannot be opened: the viewer works without it.
std::unique_ptr<ControlSocketServer> open_control_socket(asio::io_context& io, const std::string& wanted) {
  auto path = wanted.empty() ? default_control_socket_path() : std::expected<std::filesystem::path, Error>(wanted);
  auto control = path ? ControlSocketServer::open(io, *path)
                      : std::expected<std::unique_ptr<ControlSocketServer>, Error>(std::unexpected(path.error()));
  if (!control) {
    std::fprintf(stderr, "elfdesk view: no control socket (elfdesk diag --session is unavailable): %s\n",
                 control.error().detail.c_str());
    return nullptr;
  }
  std::fprintf(stderr, "elfdesk: control socket %s (elfdesk diag --session %s)\n", (*control)->path().c_str(),
               (*control)->path().c_str());
  return std::move(*control);
}

// The session's end stops the window's loop, but the network starts before the window exists (so that the
// handshake's round trips overlap SDL's start-up, ~120 ms on Xvfb and more on a desktop with a compositor):
// an end that comes first is kept and stops the window as soon as it is attached. Any thread.
class WindowStop {
 public:
  void request() {
    const std::lock_guard lock(mutex_);
    requested_ = true;
    if (window_) window_->stop();
  }
  void attach(SdlPresenter& window) {
    const std::lock_guard lock(mutex_);
    window_ = &window;
    if (requested_) window.stop();
  }

 private:
  std::mutex mutex_;
  SdlPresenter* window_ = nullptr;
  bool requested_ = false;
};

void report_recording(const std::expected<RecordingSummary, Error>& done, bool allowed) {
  if (!done) {
    std::fprintf(stderr, "elfdesk view: the recording failed: %s\n", done.error().detail.c_str());
  } else if (!allowed) {
    std::fprintf(stderr, "elfdesk view: nothing recorded, %s not written: the customer's elfdesk-host did not allow "
                 "recording\n", done->path.c_str());
  } else if (done->frames == 0) {
    std::fprintf(stderr, "elfdesk view: nothing recorded, %s not written: the session ended before the first "
                 "picture\n", done->path.c_str());
  } else {
    std::fprintf(stderr, "elfdesk view: recorded %.1f s (%llu pictures, %dx%d) to %s\n", done->seconds,
                 static_cast<unsigned long long>(done->frames), done->width, done->height, done->path.c_str());
  }
}

}  // namespace

int run_view_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "relay", "relay-ca", "scale", "control-socket",
                                 "record", "transcript", "monitor"},
                         {"help", "view-only", "stats", "no-clipboard", "remedies"});
  if (args && args->has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto view = args ? parse_view_args(*args) : std::expected<ViewArgs, Error>(std::unexpected(args.error()));
  if (!view) {
    std::fprintf(stderr, "elfdesk view: %s\nTry 'elfdesk view --help'.\n", view.error().detail.c_str());
    return 2;
  }
  std::unique_ptr<SessionRecorder> recorder;
  if (!view->record.empty()) {
    auto started = SessionRecorder::start(view->record);
    if (!started) {
      std::fprintf(stderr, "elfdesk view: cannot record to %s: %s\n", view->record.c_str(), started.error().detail.c_str());
      return 2;
    }
    recorder = std::move(*started);
    view->settings.recorder = recorder.get();
  }
  asio::io_context io(1);
  const auto control = open_control_socket(io, view->control_socket);
  // The session first, then the window: what the network hands over before the window is there waits in
  // `shared` until the window's first wake.
  ViewerShared shared;
  WindowStop window_stop;
  ViewerNetwork network(io, std::move(view->target.options), shared, [&window_stop] { window_stop.request(); },
                        control.get());
  network.set_transcript(view->transcript);
  if (view->monitor) network.set_start_monitor(*view->monitor);
  network.start();
  auto presenter = SdlPresenter::create(PresenterOptions{"elfdesk — connecting", 1280, 720});
  if (!presenter) {
    std::fprintf(stderr, "elfdesk view: cannot open a window: %s\n", presenter.error().detail.c_str());
    network.finish();
    return 10;
  }
  SdlPresenter& window = **presenter;
  if (view->one_to_one) window.set_scale_mode(ScaleMode::one_to_one);
  window.show_stats(view->stats);
  shared.updates.set_waker(window.waker());
  shared.mailbox.set_waker(window.waker());
  ViewerWindow ui(window, network, shared, view->settings);
  window_stop.attach(window);
  window.wake();  // whatever came before the wakers were set
  window.run_loop(ui.loop());
  // Window closed (or session over): release anything held remotely, say goodbye, stop the network.
  ui.release_all();
  network.finish();
  if (recorder) report_recording(recorder->finish(monotonic_us()), (shared.granted & protocol::permission::kRecord) != 0);
  return network.exit_code();
}

}  // namespace elfdesk::client
