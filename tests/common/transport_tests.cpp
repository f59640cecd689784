// The listen and dial transports on loopback: each yields a stream that TLS 1.3 then runs over, the
// peer text is right, a dial to nothing fails as a network error, close() ends a waiting accept, and a
// session's socket runs reno.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstring>
#include <string>

#include "common/auth/tls_context.hpp"
#include "common/transport.hpp"
#include "tests/common/tls_pair.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
using elfdesk::testing::Pair;

TEST_CASE("listen and dial transports carry TLS 1.3 and messages both ways") {
  Pair pair;
  pair.run({}, [](auto engineer, auto host) -> asio::awaitable<void> {
    CHECK(engineer->peer().starts_with("127.0.0.1:"));
    CHECK(host->peer().starts_with("127.0.0.1:"));
    CHECK(host->peer_address() == "127.0.0.1");
    CHECK(SSL_version(engineer->stream().native_handle()) == TLS1_3_VERSION);
    REQUIRE(engineer->send(protocol::Chat{"from the engineer"}));
    REQUIRE(host->send(protocol::Chat{"from the host"}));
    auto at_host = co_await host->receive(5s);
    auto at_engineer = co_await engineer->receive(5s);
    REQUIRE(at_host);
    REQUIRE(at_engineer);
    CHECK(std::get<protocol::Chat>(*at_host).text == "from the engineer");
    CHECK(std::get<protocol::Chat>(*at_engineer).text == "from the host");
  });
}

TEST_CASE("the listen transport reports its port and address, and close() ends a waiting accept") {
  asio::io_context io;
  auto listener = ListenTransport::open(io.get_executor(), "127.0.0.1", 0);
  REQUIRE(listener);
  CHECK((*listener)->local_port() != 0);
  CHECK((*listener)->local_address() == "127.0.0.1");
  std::optional<Error> error;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto link = co_await (*listener)->next();
    if (!link) error = link.error();
  }, asio::detached);
  asio::post(io, [&] { (*listener)->close(); });
  io.run_for(5s);
  REQUIRE(error);
  CHECK(error->code == ErrorCode::closed);
  auto bad = ListenTransport::open(io.get_executor(), "not an address", 0);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("a dial that cannot complete in time is a timeout, and close() ends it at once") {
  asio::io_context io;
  // 192.0.2.1 (TEST-NET-1) is never routed: the SYN goes unanswered or is refused by the network.
  DialTransport dialer(io.get_executor(), "192.0.2.1", 9, 200ms);
  std::optional<Error> error;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto link = co_await dialer.next();
    if (!link) error = link.error();
  }, asio::detached);
  io.run_for(5s);
  REQUIRE(error);
  CHECK((error->code == ErrorCode::timeout || error->code == ErrorCode::io));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  io.restart();
  std::optional<Error> closed;
  DialTransport slow(io.get_executor(), "192.0.2.1", 9, 10s);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto link = co_await slow.next();
    if (!link) closed = link.error();
  }, asio::detached);
  asio::post(io, [&] { slow.close(); });
  io.run_for(5s);
  REQUIRE(closed);
  CHECK(closed->code == ErrorCode::closed);
}

TEST_CASE("a Connection runs TLS 1.3 over one end of a socketpair, as the relay transport will hand it") {
  asio::io_context io{1};
  auto host_tls = auth::make_host_tls_context();
  auto engineer_tls = auth::make_engineer_tls_context();
  asio::local::stream_protocol::socket a(io), b(io);
  asio::local::connect_pair(a, b);
  auto engineer = Connection::make(TransportLink{ByteStream(std::move(a)), "relay", "relay"}, engineer_tls);
  auto host = Connection::make(TransportLink{ByteStream(std::move(b)), "relay", "relay"}, host_tls);
  bool host_ok = false, done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { host_ok = (co_await host->handshake(TlsRole::server)).has_value(); },
                 asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    REQUIRE(co_await engineer->handshake(TlsRole::client));
    engineer->start();
    host->start();
    REQUIRE(engineer->send(protocol::Chat{"through the pair"}));
    auto received = co_await host->receive(5s);
    REQUIRE(received);
    CHECK(std::get<protocol::Chat>(*received).text == "through the pair");
    auto mine = auth::export_channel_binding(engineer->stream());
    auto theirs = auth::export_channel_binding(host->stream());
    REQUIRE(mine);
    REQUIRE(theirs);
    CHECK(*mine == *theirs);  // SPAKE2's channel binding works over any stream
    engineer->fail(make_error(ErrorCode::closed, "test over"));
    host->fail(make_error(ErrorCode::closed, "test over"));
    done = true;
  }, asio::detached);
  io.run_for(10s);
  CHECK(host_ok);
  CHECK(done);
}

namespace {
std::string congestion_control(int fd) {
  char name[16] = {};
  socklen_t length = sizeof name;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &length) != 0) return "?";
  return std::string(name, ::strnlen(name, length));
}
}  // namespace

// Each congestion control the kernel offers that this process may set (bbr and cubic are modules and
// may be absent or not allowed) is left for reno.
TEST_CASE("a session's TCP socket runs reno, whatever it started with") {
  asio::io_context io;
  int tried = 0;
  for (const std::string_view start : {"bbr", "cubic", "reno"}) {
    asio::ip::tcp::socket socket(io);
    socket.open(asio::ip::tcp::v4());
    if (::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CONGESTION, start.data(),
                     static_cast<socklen_t>(start.size())) != 0) {
      const std::string unavailable = std::string(start) + " is not available to this process";
      MESSAGE(unavailable);
      continue;
    }
    ++tried;
    REQUIRE(congestion_control(socket.native_handle()) == start);
    auto link = tcp_link(std::move(socket));
    CHECK(congestion_control(link.stream.native_handle()) == "reno");
  }
  CHECK(tried >= 1);  // reno is built in and always allowed
}
