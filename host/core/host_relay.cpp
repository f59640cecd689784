#include "host/core/host_relay.hpp"

#include <cstdio>

namespace elfdesk::host {

HostRelay::HostRelay(const HostOptions& options, AuditLog& audit, ConsentUi* ui, std::unique_ptr<CodeKeeper>& codes)
    : options_(options), audit_(audit), ui_(ui), codes_(codes) {}

std::string HostRelay::where() const { return options_.relay_host + ":" + std::to_string(options_.relay_port); }

std::expected<std::unique_ptr<Transport>, Error> HostRelay::open(const asio::any_io_executor& executor) {
  auto context = make_relay_tls_context(options_.relay_ca);
  if (!context) return std::unexpected(context.error());
  tls_.emplace(std::move(*context));
  RelayHostEvents events{
      .on_registered = [this](const std::string& id, std::chrono::seconds ttl) { on_registered(id, ttl); },
      .on_lost = [this](const Error& why, std::chrono::milliseconds retry) { on_lost(why, retry); },
  };
  auto transport = std::make_unique<RelayHostTransport>(
      executor, *tls_, RelayEndpoint{options_.relay_host, options_.relay_port, {}}, std::move(events));
  transport_ = transport.get();
  std::printf("elfdesk-host: registering with the relay %s (listening on no port)\n", where().c_str());
  return transport;
}

void HostRelay::start() { transport_->start(); }

void HostRelay::renew() { transport_->renew(); }

void HostRelay::hold(std::span<const std::uint8_t> resume_ticket) {
  if (!transport_->hold(relay_claim_key(resume_ticket)))
    std::printf("elfdesk-host: not registered with the relay now; the session cannot resume through it\n");
}

void HostRelay::release_hold() { transport_->release_hold(); }

void HostRelay::on_registered(const std::string& id, std::chrono::seconds ttl) {
  std::printf(transport_->holding() ? "elfdesk-host: the relay %s is back; the session keeps its code\n"
                                    : "elfdesk-host: registered with the relay %s\n",
              where().c_str());
  std::fflush(stdout);
  audit_.record("relay_registered", {{"relay", where()}, {"valid_for_s", ttl.count()}});
  const bool was_down = down_;
  down_ = false;
  codes_->set_routing_id(id, ttl, was_down ? "the relay is reachable again" : "registered with the relay");
}

// The id died with the connection, and the code shown with it. Reported once per outage (terminal,
// window, audit; the code file goes), then retried quietly until the relay is back.
void HostRelay::on_lost(const Error& why, std::chrono::milliseconds retry_in) {
  codes_->drop_routing_id();
  if (transport_->holding()) {  // a session keeps its id (and code file): say so each time, plainly
    std::printf("elfdesk-host: lost the connection to the relay %s (%s: it may have restarted); reconnecting "
                "in %lld s to keep the session under the same code\n",
                where().c_str(), why.detail.c_str(), static_cast<long long>((retry_in.count() + 999) / 1000));
    std::fflush(stdout);
    audit_.record("relay_lost", {{"relay", where()}, {"reason", why.detail}, {"session_kept", true}});
    return;
  }
  if (down_) return;
  down_ = true;
  if (!options_.code_file.empty()) std::remove(options_.code_file.c_str());
  const std::string text = "no connection to the relay " + where() + " (" + why.detail + "); retrying (next in " +
                           std::to_string((retry_in.count() + 999) / 1000) + " s); a new code is shown once it is back";
  std::printf("elfdesk-host: %s\n", text.c_str());
  std::fflush(stdout);
  audit_.record("relay_lost", {{"relay", where()}, {"reason", why.detail}});
  if (ui_) {  // no dead code on the screen; the warning stays until the next session, so it says "earlier"
    ui_->show_code("", std::chrono::seconds(0));
    ui_->show_failed_attempts("Connection to the support relay lost; any earlier code no longer works");
  }
}

}  // namespace elfdesk::host
