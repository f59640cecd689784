// The relay's counters and gauges, and the plain-HTTP endpoint (--metrics) that serves them in the
// Prometheus text format. Network thread only: the counters are plain integers, no atomics.
#pragma once
#include <asio.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "protocol/error.hpp"
#include "protocol/relay_wire.hpp"

namespace elfdesk::relay {

struct Metrics {
  std::uint64_t connections_total = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t tls_failures_total = 0;
  std::uint64_t registrations_total = 0;
  std::uint64_t registrations_active = 0;
  std::uint64_t joins_total = 0;
  std::uint64_t redirects_total = 0;
  std::uint64_t sessions_total = 0;
  std::uint64_t sessions_active = 0;
  std::uint64_t bytes_host_to_engineer = 0;
  std::uint64_t bytes_engineer_to_host = 0;
  std::uint64_t deadline_cuts_total = 0;
  std::array<std::uint64_t, 10> refusals{};  // by RelayRefusal value (index 0 unused)

  void refused(protocol::RelayRefusal reason) { ++refusals[static_cast<std::size_t>(reason) % refusals.size()]; }
  std::string prometheus_text() const;
};

// Serves GET /metrics (any path) over plain HTTP, one short request per connection.
class MetricsServer {
 public:
  static std::expected<std::unique_ptr<MetricsServer>, Error> open(asio::any_io_executor executor,
                                                                   const std::string& host, std::uint16_t port,
                                                                   const Metrics& metrics);
  MetricsServer(asio::ip::tcp::acceptor acceptor, const Metrics& metrics);
  void start();
  void stop();
  std::uint16_t port() const;

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> answer(asio::ip::tcp::socket socket);

  asio::ip::tcp::acceptor acceptor_;
  const Metrics& metrics_;
};

}  // namespace elfdesk::relay
