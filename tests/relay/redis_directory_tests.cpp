// RedisDirectory against a real redis-server (started here on a free port, removed after): claims are
// unique across nodes (SET NX), lookups name the holder, only the holder can release or renew.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "relay/redis_directory.hpp"

extern char** environ;

using namespace elfdesk::relay;
using namespace std::chrono_literals;

namespace {

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

struct RedisServer {
  RedisServer() : port(free_port()), dir(std::filesystem::temp_directory_path() / ("elfdesk-redis-" + std::to_string(port))) {
    std::filesystem::create_directories(dir);
    const std::string port_text = std::to_string(port), dir_text = dir.string();
    const char* argv[] = {"redis-server", "--port", port_text.c_str(), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", dir_text.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    REQUIRE(posix_spawnp(&pid, "redis-server", &actions, nullptr, const_cast<char**>(argv), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~RedisServer() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    std::filesystem::remove_all(dir);
  }
  std::uint16_t port;
  std::filesystem::path dir;
  pid_t pid = -1;
};

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

std::unique_ptr<RedisDirectory> open_when_up(asio::io_context& io, std::uint16_t port, const std::string& self) {
  for (int i = 0; i < 200; ++i) {  // redis-server takes a moment to listen
    if (auto d = RedisDirectory::open(io.get_executor(), "127.0.0.1", port, self)) return std::move(*d);
    std::this_thread::sleep_for(25ms);
  }
  FAIL("redis-server did not start");
  return nullptr;
}

}  // namespace

TEST_CASE("redis directory: an id is claimed by one node only, named by lookup, released only by its holder") {
  RedisServer redis;
  asio::io_context io;
  auto node1 = open_when_up(io, redis.port, "relay1.example:443");
  auto node2 = open_when_up(io, redis.port, "relay2.example:443");

  CHECK(run(io, node1->claim("123456", 30s)).value());
  CHECK_FALSE(run(io, node2->claim("123456", 30s)).value());  // SET NX: taken
  CHECK_FALSE(run(io, node1->claim("123456", 30s)).value());
  CHECK(run(io, node2->lookup("123456")).value() == std::optional<std::string>("relay1.example:443"));
  CHECK_FALSE(run(io, node2->lookup("654321")).value().has_value());

  // release and renew are fire and forget, run in order on each node's worker: a lookup through the
  // same node afterwards waits for them.
  node2->release("123456");  // not its id: nothing happens
  (void)run(io, node2->lookup("123456"));
  CHECK(run(io, node1->lookup("123456")).value() == std::optional<std::string>("relay1.example:443"));
  node1->release("123456");
  (void)run(io, node1->lookup("123456"));
  CHECK_FALSE(run(io, node2->lookup("123456")).value().has_value());
  CHECK(run(io, node2->claim("123456", 30s)).value());  // free again: the other node may take it
}

TEST_CASE("redis directory: leases expire unless renewed by the holder") {
  RedisServer redis;
  asio::io_context io;
  auto node1 = open_when_up(io, redis.port, "relay1.example:443");
  auto node2 = open_when_up(io, redis.port, "relay2.example:443");
  REQUIRE(run(io, node1->claim("111111", 1s)).value());
  REQUIRE(run(io, node1->claim("222222", 1s)).value());
  node1->renew({"111111"}, 30s);
  node2->renew({"222222"}, 30s);  // not its id: no effect
  (void)run(io, node1->lookup("111111"));
  (void)run(io, node2->lookup("222222"));
  std::this_thread::sleep_for(1500ms);
  CHECK(run(io, node2->lookup("111111")).value().has_value());
  CHECK_FALSE(run(io, node2->lookup("222222")).value().has_value());
}

TEST_CASE("redis directory: unreachable redis is an io error at start") {
  asio::io_context io;
  auto missing = RedisDirectory::open(io.get_executor(), "127.0.0.1", free_port(), "x:1");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == elfdesk::ErrorCode::io);
}
