// elfdesk-host: the customer's one-click program. Main thread runs the consent UI (SDL window or
// terminal); the network thread (HostServer) runs everything else.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string_view>
#include <system_error>
#include <thread>

#include "common/log.hpp"
#include "common/sigpipe.hpp"
#include "common/watch/watcher.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/host_server.hpp"
#include "host/platform/desktop_environment.hpp"
#include "host/platform/x11_connection_loss.hpp"
#include "host/ui/sdl_consent_window.hpp"
#include "host/ui/terminal_consent_ui.hpp"

using namespace elfdesk;
using namespace elfdesk::host;

namespace {

constexpr int kExitDisplayClosed = 3;  // the customer's X display closed (README, exit codes)

std::unique_ptr<ConsentUi> make_ui(const HostOptions& options) {
  const bool has_display = !options.display.empty() || std::getenv("DISPLAY") != nullptr;
  if (options.ui == UiMode::none) return nullptr;
  if (options.ui == UiMode::window || (options.ui == UiMode::automatic && has_display)) {
    if (!options.display.empty()) ::setenv("DISPLAY", options.display.c_str(), 1);  // ask on the shared screen
    auto window = make_sdl_consent_ui();
    if (window) return std::move(*window);
    if (options.ui == UiMode::window) {
      std::fprintf(stderr, "elfdesk-host: cannot open the consent window: %s\n", window.error().detail.c_str());
      return nullptr;
    }
  }
  try {
    return make_terminal_consent_ui(STDIN_FILENO, std::cout);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "elfdesk-host: %s\n", e.what());
    return nullptr;
  }
}

// The customer's X server went away under a connection we did not open (the consent window's, SDL's).
// The thread that met it never returns to SDL, so the session is ended from here: the network thread says
// Goodbye and writes the audit record, then the process exits with kExitDisplayClosed.
void end_when_display_closes(HostServer& server) {
  on_foreign_x11_connection_loss([&server] {
    server.stop(std::string(kDisplayClosedReason));
    std::thread([&server] {
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!server.finished() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(kExitDisplayClosed);  // not exit(): SDL and the threads still hold the dead display
    }).detach();
  });
}

}  // namespace

int main(int argc, char** argv) {
  ignore_sigpipe_here_only();
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::puts("elfdesk-host " ELFDESK_VERSION);
    return 0;
  }
  if (argc >= 2 && std::string_view(argv[1]) == "--watch") {  // the watcher, not a session (common/watch/)
    log::set_level_from_env(log::Level::warn);
    return watch::run_watch_main(std::vector<std::string>(argv + 2, argv + argc), "elfdesk-host --watch");
  }
  auto options = parse_host_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::fprintf(stderr, "elfdesk-host: %s\nTry 'elfdesk-host --help'.\n", options.error().detail.c_str());
    return 2;
  }
  if (options->show_help) {
    std::fputs(host_usage().c_str(), stdout);
    return 0;
  }
  log::set_level_from_env(options->verbose ? log::Level::debug : log::Level::warn);
  if (auto relay = resolve_host_relay(*options); !relay) {
    std::fprintf(stderr, "elfdesk-host: %s\n", relay.error().detail.c_str());
    return 2;
  }
  if (options->display.empty())
    if (const char* d = std::getenv("DISPLAY")) options->display = d;
  auto desktop = make_desktop_environment(*options);
  if (!desktop) {
    std::fprintf(stderr, "elfdesk-host: %s\n", desktop.error().detail.c_str());
    return 2;
  }
  const auto shared_area = (*desktop)->check();  // before a code is shown
  if (!shared_area) {
    std::fprintf(stderr, "elfdesk-host: %s\n", shared_area.error().detail.c_str());
    return 2;
  }
  const std::string audit_path = options->audit_log == "-"     ? ""
                                 : options->audit_log.empty() ? AuditLog::default_path()
                                                              : options->audit_log;
  if (audit_path.empty() && options->audit_log != "-") {
    std::fprintf(stderr, "elfdesk-host: no place for the audit log (HOME is not set): use --audit-log PATH\n");
    return 2;
  }
  auto audit = AuditLog::open(audit_path);
  if (!audit) {
    std::fprintf(stderr, "elfdesk-host: %s\n", audit.error().detail.c_str());
    return 2;
  }
  auto ui = make_ui(*options);
  if (!ui && options->consent == ConsentMode::ask) {
    std::fprintf(stderr, "elfdesk-host: no way to ask for consent; use --ui terminal or --consent accept\n");
    return 2;
  }
  HostServer server(*options, *audit, ui.get(), *desktop);
  server.set_shared_area(*shared_area);
  end_when_display_closes(server);
  if (ui) {
    ui->set_on_end_session([&server] { server.end_session(); });
    ui->set_on_quit([&server] { server.stop("ended by the customer (window closed)"); });
  }
  if (auto started = server.start(); !started) {
    std::fprintf(stderr, "elfdesk-host: %s\n", started.error().detail.c_str());
    return 10;
  }
  std::fflush(stdout);
  if (ui) ui->run();
  server.wait();
  return (*desktop)->lost() ? kExitDisplayClosed : 0;
}
