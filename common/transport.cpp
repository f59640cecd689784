#include "common/transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <string_view>

#include <asio/experimental/as_tuple.hpp>

namespace elfdesk {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
// Unsent bytes the kernel may hold per socket. Without a bound Linux autotunes the send buffer to
// megabytes, and input written after a burst of video or bulk data would wait behind all of it.
constexpr int kNotSentLowWater = 128 * 1024;
using NotSentLowWater = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>;

Error closed_error() { return make_error(ErrorCode::closed, "transport closed"); }

}  // namespace

// Our FrameScheduler keeps the sender under the path; the kernel's congestion control only has to
// recover a loss without stalling or bursting. Reno does that: it halves at a loss and grows a segment a
// round trip, with no probing of its own. BBR (v1, many machines' default) drains to four packets for
// 200 ms plus a round trip every ten seconds without a new lowest RTT, which a stream with no standing
// queue seldom gives, and its estimate of an app-limited stream's bandwidth locks against ours: on the
// poor link the video's p95 was 203-737 ms. Cubic regrows fast toward the window it lost at and refills a
// shallow buffer: 166 drops in 9 passes of mobile's window drag against 6 in 6 with reno, and poor's video
// p95 175-592 ms against 187-208 (docs/performance.md, "The kernel's congestion control"). Reno is built
// in and always allowed, so every host behaves alike, privileged or not.
void use_session_congestion_control(int fd) {
  constexpr std::string_view kReno = "reno";
  ::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, kReno.data(), static_cast<socklen_t>(kReno.size()));
}

TransportLink tcp_link(asio::ip::tcp::socket socket, std::optional<asio::ip::tcp::endpoint> remote) {
  asio::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  socket.set_option(NotSentLowWater(kNotSentLowWater), ec);  // best effort: older kernels lack it
  use_session_congestion_control(socket.native_handle());
  if (!remote)
    if (const auto ep = socket.remote_endpoint(ec); !ec) remote = ep;
  std::string address = "unknown", peer = "unknown";
  if (remote) {
    address = remote->address().to_string();
    peer = address + ":" + std::to_string(remote->port());
  }
  return TransportLink{ByteStream(std::move(socket)), std::move(peer), std::move(address)};
}

std::expected<std::unique_ptr<ListenTransport>, Error> ListenTransport::open(const asio::any_io_executor& executor,
                                                                             const std::string& host,
                                                                             std::uint16_t port, int backlog) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::invalid_argument, "bad listen address " + host));
  asio::ip::tcp::acceptor acceptor(executor);
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(backlog, ec);
  if (ec)
    return std::unexpected(make_error(ErrorCode::io, "cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                                         ec.message()));
  return std::make_unique<ListenTransport>(std::move(acceptor));
}

asio::awaitable<std::expected<TransportLink, Error>> ListenTransport::next() {
  // The peer's address as accept() saw it: a peer that already reset has none left to ask the socket for,
  // and per-address limits and audit summaries must still know who it was.
  asio::ip::tcp::endpoint remote;
  auto [ec, socket] = co_await acceptor_.async_accept(remote, kTuple);
  if (!acceptor_.is_open()) co_return std::unexpected(closed_error());
  if (ec) co_return std::unexpected(make_error(ErrorCode::io, "accept failed: " + ec.message()));
  co_return tcp_link(std::move(socket), remote);
}

void ListenTransport::close() {
  asio::error_code ignored;
  acceptor_.close(ignored);
}

std::uint16_t ListenTransport::local_port() const {
  asio::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::string ListenTransport::local_address() const {
  asio::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? "unknown" : ep.address().to_string();
}

DialTransport::DialTransport(asio::any_io_executor executor, std::string host, std::uint16_t port,
                             std::chrono::milliseconds connect_timeout)
    : executor_(std::move(executor)), host_(std::move(host)), port_(port), timeout_(connect_timeout) {}

asio::awaitable<std::expected<TransportLink, Error>> DialTransport::next() {
  if (closed_) co_return std::unexpected(closed_error());
  // One deadline for resolving and connecting; on expiry the socket is closed, which ends the attempt.
  asio::ip::tcp::socket socket(executor_);
  bool expired = false;
  asio::steady_timer deadline(executor_, timeout_);
  deadline.async_wait([&](const asio::error_code& ec) {
    if (ec) return;
    expired = true;
    asio::error_code ignored;
    socket.close(ignored);
  });
  const std::string where = host_ + ":" + std::to_string(port_);
  asio::ip::tcp::resolver resolver(executor_);
  auto [rec, endpoints] = co_await resolver.async_resolve(host_, std::to_string(port_), kTuple);
  asio::error_code ec = rec;
  if (!ec && !expired && !closed_) {
    attempt_ = &socket;
    std::tie(ec, std::ignore) = co_await asio::async_connect(socket, endpoints, kTuple);
    attempt_ = nullptr;
  }
  deadline.cancel();
  // The timer's handler refers to locals: let it run (cancelled) before they go away.
  co_await asio::post(executor_, asio::use_awaitable);
  if (closed_) co_return std::unexpected(closed_error());
  if (expired) co_return std::unexpected(make_error(ErrorCode::timeout, "cannot connect to " + where + ": timed out"));
  if (rec) co_return std::unexpected(make_error(ErrorCode::io, "cannot resolve " + host_ + ": " + rec.message()));
  if (ec == asio::error::connection_refused)
    co_return std::unexpected(make_error(ErrorCode::io, "cannot connect to " + where + ": " + std::string(kRefusedText)));
  if (ec) co_return std::unexpected(make_error(ErrorCode::io, "cannot connect to " + where + ": " + ec.message()));
  co_return tcp_link(std::move(socket));
}

bool is_refused(const Error& error) {
  return error.code == ErrorCode::io && error.detail.ends_with(kRefusedText);
}

void DialTransport::close() {
  closed_ = true;
  asio::error_code ignored;
  if (attempt_) attempt_->close(ignored);
}

}  // namespace elfdesk
