#include "relay/metrics.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <fmt/format.h>

#include <array>

namespace elfdesk::relay {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxRequest = 4096;
constexpr std::chrono::seconds kRequestDeadline{5};

const char* reason_label(std::size_t value) {
  return protocol::refusal_name(static_cast<protocol::RelayRefusal>(value));
}

void metric(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

}  // namespace

std::string Metrics::prometheus_text() const {
  std::string out;
  metric(out, "elfdesk_relay_connections_total", "counter", "TCP connections accepted.", connections_total);
  metric(out, "elfdesk_relay_connections_open", "gauge", "Connections open now.", connections_open);
  metric(out, "elfdesk_relay_tls_failures_total", "counter", "TLS handshakes that failed or timed out.",
         tls_failures_total);
  metric(out, "elfdesk_relay_registrations_total", "counter", "Hosts registered.", registrations_total);
  metric(out, "elfdesk_relay_registrations_active", "gauge", "Ids held by this node now.", registrations_active);
  metric(out, "elfdesk_relay_joins_total", "counter", "Join requests from engineers.", joins_total);
  metric(out, "elfdesk_relay_redirects_total", "counter", "Engineers redirected to another node.", redirects_total);
  metric(out, "elfdesk_relay_sessions_total", "counter", "Pairs spliced.", sessions_total);
  metric(out, "elfdesk_relay_sessions_active", "gauge", "Pairs spliced now.", sessions_active);
  metric(out, "elfdesk_relay_deadline_cuts_total", "counter", "Connections cut by a deadline.", deadline_cuts_total);
  out += "# HELP elfdesk_relay_bytes_total Spliced bytes (ciphertext of the inner session).\n"
         "# TYPE elfdesk_relay_bytes_total counter\n";
  out += fmt::format("elfdesk_relay_bytes_total{{direction=\"host_to_engineer\"}} {}\n", bytes_host_to_engineer);
  out += fmt::format("elfdesk_relay_bytes_total{{direction=\"engineer_to_host\"}} {}\n", bytes_engineer_to_host);
  out += "# HELP elfdesk_relay_refusals_total Refused messages sent, by reason.\n"
         "# TYPE elfdesk_relay_refusals_total counter\n";
  for (std::size_t i = 1; i < refusals.size(); ++i)
    if (const char* label = reason_label(i))
      out += fmt::format("elfdesk_relay_refusals_total{{reason=\"{}\"}} {}\n", label, refusals[i]);
  return out;
}

std::expected<std::unique_ptr<MetricsServer>, Error> MetricsServer::open(asio::any_io_executor executor,
                                                                         const std::string& host, std::uint16_t port,
                                                                         const Metrics& metrics) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host.empty() ? "127.0.0.1" : host, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::invalid_argument, "bad metrics address " + host));
  asio::ip::tcp::acceptor acceptor(executor);
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::io, fmt::format("cannot listen on {}:{} for metrics: {}",
                                                                       host, port, ec.message())));
  return std::make_unique<MetricsServer>(std::move(acceptor), metrics);
}

MetricsServer::MetricsServer(asio::ip::tcp::acceptor acceptor, const Metrics& metrics)
    : acceptor_(std::move(acceptor)), metrics_(metrics) {}

void MetricsServer::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }

void MetricsServer::stop() {
  asio::error_code ignored;
  acceptor_.close(ignored);
}

std::uint16_t MetricsServer::port() const {
  asio::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

asio::awaitable<void> MetricsServer::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(), answer(std::move(socket)), asio::detached);
  }
}

// Reads up to the end of the request head (or kMaxRequest bytes), then answers and closes.
asio::awaitable<void> MetricsServer::answer(asio::ip::tcp::socket socket) {
  asio::steady_timer deadline(socket.get_executor(), kRequestDeadline);
  deadline.async_wait([&socket](const asio::error_code& ec) {
    if (!ec) socket.close();
  });
  std::string request;
  std::array<char, 1024> chunk{};
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequest) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), kTuple);
    if (ec) break;
    request.append(chunk.data(), n);
  }
  if (socket.is_open() && request.starts_with("GET ")) {
    const std::string body = metrics_.prometheus_text();
    const std::string reply = fmt::format("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                                          "Content-Length: {}\r\nConnection: close\r\n\r\n{}", body.size(), body);
    co_await asio::async_write(socket, asio::buffer(reply), kTuple);
  }
  deadline.cancel();
  asio::error_code ignored;
  socket.shutdown(asio::socket_base::shutdown_both, ignored);
  co_await asio::post(socket.get_executor(), asio::use_awaitable);  // the timer's handler refers to socket
}

}  // namespace elfdesk::relay
