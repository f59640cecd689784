// `elfdesk view`: the engineer's live window. The SDL main thread presents pictures and maps input; the
// network thread runs the session, decodes video and hands picture updates over an UpdateQueue.
#include <SDL.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include "client/cli/commands.hpp"
#include "client/cli/control_socket.hpp"
#include "client/cli/remote_command.hpp"
#include "client/decode/video_decoder.hpp"
#include "client/input/input_mapper.hpp"
#include "client/present/update_queue.hpp"
#include "client/present/sdl_presenter.hpp"
#include "common/auth/tls_context.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

const char* kUsage = R"(Usage: elfdesk view ADDR:PORT --code CODE [options]

Opens a window showing the customer's screen, live, with keyboard and mouse control.

  --code CODE | --code-file PATH   the customer's one-time code
  --listen ADDR:PORT     reverse mode: wait for the host (elfdesk-host --connect) to dial in
  --name NAME            your name as the customer sees it (default user@host)
  --view-only            ask only to view; never send input
  --scale fit|1:1        initial scaling (default fit)
  --stats                start with the statistics overlay shown
  --control-socket PATH  where `elfdesk diag --session PATH` reaches this session (default
                         $XDG_RUNTIME_DIR/elfdesk/view-PID.sock; printed on stderr)
  --no-clipboard         do not share the clipboard
  --help                 this text

In the window: Ctrl+Alt+G grabs the keyboard (Alt+Tab etc. go to the customer), Ctrl+Alt+S toggles
statistics, Ctrl+Alt+F toggles fit / 1:1, Ctrl+Alt+D runs triage and shows the findings (saved as JSON in
the current directory). Closing the window ends the session.
Exit codes: 0 ok, 10 network error, 11 authentication failed, 12 declined, 13 protocol error, 14 host busy.
)";

constexpr std::uint32_t kPanelRequestId = 1;  // Ctrl+Alt+D; control socket ids start at kFirstControlRequestId

// State the network thread shares with the main thread (everything else is owned by one of them).
struct Shared {
  std::mutex mutex;
  std::string state = "connecting";
  std::string host_name;
  std::optional<protocol::CursorShape> cursor_shape;
  std::optional<protocol::CursorPosition> cursor_position;
  std::vector<std::string> panel;
  bool panel_changed = false;
  std::optional<std::string> remote_clipboard;  // text copied on the host, for the main thread to set
  PresenterStats stats;
  std::atomic<std::uint64_t> bytes{0}, frames{0}, last_latency_us{0}, last_rtt_us{0};
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

void show_triage(Shared& shared, const protocol::ProbeResult& result) {
  std::vector<std::string> lines;
  auto text = zstd_decompress_text(result.json_zstd, limits::kMaxProbeResultBytes);
  auto json = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  auto report = json.is_discarded() || json.is_null() ? std::expected<probes::ProbeReport, Error>(std::unexpected(
                                                            make_error(ErrorCode::malformed, result.error)))
                                                      : probes::report_from_json(json);
  if (result.status == protocol::ProbeStatus::ok && report) {
    lines = split_lines(probes::format_report_text(*report));
    char name[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(name, sizeof name, "elfdesk-triage-%Y%m%d-%H%M%S.json", std::localtime(&now));
    std::ofstream(name) << json.dump(2) << "\n";
    lines.push_back(std::string("Saved to ") + name + "   (Ctrl+Alt+D to close)");
  } else {
    lines = {"Triage failed: " + (result.error.empty() ? std::string("unreadable result") : result.error)};
  }
  const std::lock_guard lock(shared.mutex);
  shared.panel = std::move(lines);
  shared.panel_changed = true;
}

// Network thread: acknowledges a received frame (flow control on the host) and updates the statistics.
void account_frame(Connection& conn, Shared& shared, std::uint64_t frame_id, const protocol::FrameTimings& timings,
                   std::size_t bytes, std::uint64_t decode_us) {
  conn.send(protocol::FrameAck{frame_id, static_cast<std::uint32_t>(decode_us)});
  shared.bytes += bytes;
  shared.frames++;
  const auto rtt = conn.round_trip().value_or(std::chrono::microseconds(0)).count();
  shared.last_rtt_us = static_cast<std::uint64_t>(rtt);
  // Host and viewer clocks are not shared: estimate age as host work + half a round trip + decode.
  shared.last_latency_us =
      timings.capture_us + timings.encode_us + timings.queue_us + static_cast<std::uint64_t>(rtt / 2) + decode_us;
}

// Network thread: the whole session after it was opened.
asio::awaitable<int> stream_session(EngineerSession& session, Shared& shared, UpdateQueue& updates,
                                    SdlPresenter& presenter, ControlSocketServer* control) {
  auto& conn = *session.connection;
  {
    const std::lock_guard lock(shared.mutex);
    shared.host_name = session.host.hello.name;
    shared.state = (session.granted & protocol::permission::kControl) ? "connected" : "connected (view only)";
  }
  presenter.wake();
  auto decoder = make_vp8_decoder();
  if (!decoder) co_return 1;
  int exit_code = 0;
  while (true) {
    auto message = co_await conn.receive();
    if (!message) {
      const bool closed_by_us = message.error().code == ErrorCode::closed;
      if (!closed_by_us) std::fprintf(stderr, "elfdesk: %s\n", message.error().detail.c_str());
      exit_code = closed_by_us ? 0 : exit_code_for(message.error());
      break;
    }
    if (auto* frame = std::get_if<protocol::VideoFrame>(&*message)) {
      const auto start = monotonic_us();
      auto image = (*decoder)->decode(frame->data, frame->keyframe);
      if (!image) {
        conn.send(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error});
        continue;
      }
      const auto decoded = monotonic_us();
      account_frame(conn, shared, frame->frame_id, frame->timings, frame->data.size(), decoded - start);
      VideoUpdate update{std::move(*image), {}, {}};
      if (!frame->keyframe) {
        update.coded = to_rects(frame->coded);
        update.copies = to_copies(frame->copies);
      }
      if (!updates.put({std::move(update), frame->frame_id, frame->capture_time_us, decoded}))
        conn.send(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error});
    } else if (auto* pixels = std::get_if<protocol::PixelUpdate>(&*message)) {
      const auto start = monotonic_us();
      auto unpacked = unpack(*pixels);
      if (!unpacked) {
        std::fprintf(stderr, "elfdesk: bad pixel update: %s\n", unpacked.error().detail.c_str());
        conn.send(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error});
        continue;
      }
      const auto decoded = monotonic_us();
      account_frame(conn, shared, pixels->frame_id, pixels->timings, pixels->bgra_zstd.size(), decoded - start);
      if (!updates.put({std::move(*unpacked), pixels->frame_id, pixels->capture_time_us, decoded}))
        conn.send(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error});
    } else if (auto* shape = std::get_if<protocol::CursorShape>(&*message)) {
      const std::lock_guard lock(shared.mutex);
      shared.cursor_shape = std::move(*shape);
      presenter.wake();
    } else if (auto* pos = std::get_if<protocol::CursorPosition>(&*message)) {
      const std::lock_guard lock(shared.mutex);
      shared.cursor_position = *pos;
      presenter.wake();
    } else if (auto* clip = std::get_if<protocol::Clipboard>(&*message)) {
      if (auto text = zstd_decompress_text(clip->text_zstd, limits::kMaxClipboardBytes)) {
        const std::lock_guard lock(shared.mutex);
        shared.remote_clipboard = std::move(*text);
        presenter.wake();
      }
    } else if (auto* result = std::get_if<protocol::ProbeResult>(&*message)) {
      if (result->request_id == kPanelRequestId) {
        show_triage(shared, *result);
        presenter.wake();
      } else if (control) {
        control->deliver(*result);  // `elfdesk diag --session`; late answers for gone clients are dropped
      }
    } else if (auto* bye = std::get_if<protocol::Goodbye>(&*message)) {
      const std::string why = bye->reason == protocol::GoodbyeReason::ended_by_customer ? "ended by the customer"
                                                                                        : "ended: " + bye->message;
      std::fprintf(stderr, "elfdesk: session %s\n", why.c_str());
      break;
    }
  }
  presenter.stop();
  co_return exit_code;
}

bool is_local_shortcut(const SDL_Event& e, SDL_Keycode key) {
  return e.type == SDL_KEYDOWN && e.key.keysym.sym == key && (e.key.keysym.mod & KMOD_CTRL) &&
         (e.key.keysym.mod & KMOD_ALT);
}

}  // namespace

int run_view_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "scale", "control-socket"},
                         {"help", "view-only", "stats", "no-clipboard"});
  if (args && args->has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  using namespace protocol::permission;
  const bool view_only = args && args->has("view-only");
  const bool share_clipboard = !view_only && args && !args->has("no-clipboard");
  auto target = args ? parse_remote_target(*args, view_only ? (kView | kProbes) : (kView | kControl | kProbes | (share_clipboard ? kClipboard : 0)))
                     : std::expected<RemoteTarget, Error>(std::unexpected(args.error()));
  if (!target) {
    std::fprintf(stderr, "elfdesk view: %s\nTry 'elfdesk view --help'.\n", target.error().detail.c_str());
    return 2;
  }
  asio::io_context io(1);
  // Before any other thread exists: the socket is bound under a temporary umask.
  auto control_path = args->has("control-socket") ? std::expected<std::filesystem::path, Error>(args->get("control-socket"))
                                                  : default_control_socket_path();
  auto control = control_path ? ControlSocketServer::open(io, *control_path)
                              : std::expected<std::unique_ptr<ControlSocketServer>, Error>(std::unexpected(control_path.error()));
  if (!control) {
    std::fprintf(stderr, "elfdesk view: no control socket (elfdesk diag --session is unavailable): %s\n",
                 control.error().detail.c_str());
  } else {
    std::fprintf(stderr, "elfdesk: control socket %s (elfdesk diag --session %s)\n", (*control)->path().c_str(),
                 (*control)->path().c_str());
  }
  ControlSocketServer* control_server = control ? control->get() : nullptr;
  auto presenter = SdlPresenter::create(PresenterOptions{"elfdesk — connecting", 1280, 720});
  if (!presenter) {
    std::fprintf(stderr, "elfdesk view: cannot open a window: %s\n", presenter.error().detail.c_str());
    return 10;
  }
  auto& view = **presenter;
  if (args->get("scale") == "1:1") view.set_scale_mode(ScaleMode::one_to_one);
  view.show_stats(args->has("stats"));
  Shared shared;
  UpdateQueue updates;
  updates.set_waker(view.waker());
  std::atomic<int> exit_code{0};
  std::shared_ptr<Connection> connection;  // set on the network thread; used there only
  auto work = asio::make_work_guard(io);
  target->options.on_state = [&](SessionState s) {
    const std::lock_guard lock(shared.mutex);
    shared.state = describe(s);
    view.wake();
  };
  std::thread network([&] {
    auto tls = auth::make_engineer_tls_context();
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      auto session = co_await open_engineer_session(tls, target->options);
      if (!session) {
        std::fprintf(stderr, "elfdesk: %s\n", session.error().detail.c_str());
        exit_code = exit_code_for(session.error());
        view.stop();
        co_return;
      }
      connection = session->connection;
      if (control_server) control_server->start([&connection](protocol::ProbeRequest r) { connection->send(r); });
      exit_code = co_await stream_session(*session, shared, updates, view, control_server);
      if (control_server) control_server->stop("the viewer's session ended");
    }, asio::detached);
    io.run();
  });
  auto send = [&](protocol::Message m) {
    asio::post(io, [&connection, m = std::move(m)] {
      if (connection) connection->send(m);
    });
  };
  InputMapper mapper(view.viewport());
  mapper.set_grab_handler([&](bool grabbed) {
    SDL_SetWindowKeyboardGrab(SDL_GetWindowFromID(view.sdl_window_id()), grabbed ? SDL_TRUE : SDL_FALSE);
  });
  SDL_StartTextInput();
  bool panel_open = false;
  std::string last_clipboard;  // newest text either side set: never echoed back
  auto send_local_clipboard = [&] {
    char* raw = SDL_GetClipboardText();
    std::string text = raw ? raw : "";
    SDL_free(raw);
    if (text.empty() || text == last_clipboard || text.size() > limits::kMaxClipboardBytes) return;
    last_clipboard = text;
    send(protocol::Clipboard{static_cast<std::uint32_t>(text.size()), zstd_compress(text)});
  };
  PresenterLoop loop;
  loop.on_event = [&](const void* raw) {
    const auto& e = *static_cast<const SDL_Event*>(raw);
    if (e.type == SDL_QUIT) return false;
    if (is_local_shortcut(e, SDLK_s)) return view.show_stats(!view.stats_visible()), true;
    if (is_local_shortcut(e, SDLK_f)) return view.toggle_scale_mode(), true;
    if (is_local_shortcut(e, SDLK_d)) {
      panel_open = !panel_open;
      if (panel_open) {
        view.show_panel({"Running triage on the customer's machine..."});
        send(protocol::ProbeRequest{kPanelRequestId, "triage", {}});
      } else {
        view.hide_panel();
      }
      return true;
    }
    if (view_only) return true;
    if (e.type == SDL_CLIPBOARDUPDATE && share_clipboard) {
      send_local_clipboard();
      return true;
    }
    mapper.set_viewport(view.viewport());
    for (auto& m : mapper.handle(raw)) send(std::move(m));
    return true;
  };
  // Only once the queue is empty: a key's SDL_TEXTINPUT follows its SDL_KEYDOWN in the same batch, and
  // settling earlier would take every typed key for a dead key (text sent, the key never held).
  loop.on_drained = [&] {
    for (auto& m : mapper.flush()) send(std::move(m));
  };
  loop.on_wake = [&] {
    for (PictureUpdate& update : updates.take_all()) {
      if (auto* video = std::get_if<VideoUpdate>(&update.content)) {
        (void)view.set_frame(video->image, video->coded, video->copies);
      } else if (auto ok = view.set_pixels(std::get<PixelsUpdate>(update.content)); !ok) {
        // Pixels for a picture we do not have (a screen resize crossed them): start over from a keyframe.
        log::debug("pixel update not applied: {}", ok.error().detail);
        send(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error});
      }
    }
    const std::lock_guard lock(shared.mutex);
    if (shared.cursor_shape) view.set_cursor_shape(*std::exchange(shared.cursor_shape, std::nullopt));
    if (shared.cursor_position) view.set_cursor_position(*std::exchange(shared.cursor_position, std::nullopt));
    if (shared.panel_changed && panel_open) view.show_panel(shared.panel);
    if (shared.remote_clipboard && share_clipboard) {
      last_clipboard = *std::exchange(shared.remote_clipboard, std::nullopt);
      SDL_SetClipboardText(last_clipboard.c_str());
    }
    shared.panel_changed = false;
    view.set_title("elfdesk — " + (shared.host_name.empty() ? target->options.host : shared.host_name) + " — " +
                   shared.state);
  };
  std::uint64_t last_bytes = 0, last_frames = 0;
  loop.on_tick = [&] {
    const auto bytes = shared.bytes.load(), frames = shared.frames.load();
    view.set_stats(PresenterStats{static_cast<double>(frames - last_frames),
                                  static_cast<double>(bytes - last_bytes) * 8.0 / 1000.0,
                                  static_cast<double>(shared.last_rtt_us.load()) / 1000.0,
                                  static_cast<double>(shared.last_latency_us.load()) / 1000.0, updates.dropped()});
    last_bytes = bytes;
    last_frames = frames;
  };
  view.run_loop(loop);
  // Window closed (or session over): release anything held remotely, say goodbye, stop the network.
  for (auto& m : mapper.release_all()) send(std::move(m));
  asio::post(io, [&connection] {
    if (connection) connection->close(protocol::GoodbyeReason::ended_by_engineer, "");
  });
  work.reset();
  network.join();
  return exit_code;
}

}  // namespace elfdesk::client
