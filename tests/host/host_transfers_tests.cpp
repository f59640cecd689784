// HostTransfers against a hand-driven engineer over real TLS on loopback: a push lands whole and
// verified; a wrong SHA-256, data beyond the announced size, or a session that ends mid-way leave no file
// behind; TransferClient and HostTransfers agree end to end (push and pull).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "client/core/transfer_client.hpp"
#include "common/transfer/sha256.hpp"
#include "host/transfer/host_transfers.hpp"
#include "tests/common/tls_pair.hpp"

using namespace elfdesk;
using namespace elfdesk::protocol;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  TempDir() {
    char name[] = "/tmp/elfdesk-host-transfer-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

Bytes pattern(std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + (i >> 9));
  return out;
}

// The host's side: a HostTransfers fed from the server connection until it closes.
struct HostSide {
  host::HostOptions options;
  host::AuditLog audit;
  probes::ProbeRunner runner;
  asio::thread_pool pool{1};
  std::shared_ptr<host::HostTransfers> transfers;

  HostSide(const std::string& downloads, std::shared_ptr<Connection> server) {
    options.consent = host::ConsentMode::accept;
    options.download_dir = downloads;
    options.max_transfer_bytes = 1u << 20;
    transfers = std::make_shared<host::HostTransfers>(host::TransferContext{
        server, nullptr, &audit, &options, &runner, &pool, "Tess", "127.0.0.1:1", permission::kFiles});
    asio::co_spawn(server->executor(), [server, t = transfers]() -> asio::awaitable<void> {
      while (server->is_open()) {
        auto m = co_await server->receive();
        if (!m) break;
        if (auto* c = std::get_if<TransferControl>(&*m)) t->handle(*c);
        if (auto* b = std::get_if<BulkChunk>(&*m)) t->handle(*b);
      }
    }, asio::detached);
  }
  ~HostSide() { pool.join(); }
};

asio::awaitable<std::optional<TransferControl>> next_control(Connection& c) {
  while (true) {
    auto m = co_await c.receive(std::chrono::seconds(5));
    if (!m) co_return std::nullopt;
    if (auto* t = std::get_if<TransferControl>(&*m)) co_return *t;
  }
}

// Not `REQUIRE((co_await ...)->op ...)`: a co_await inside a larger expression is where g++ 12 destroys
// temporaries twice (docs/architecture.md).
asio::awaitable<void> expect_accept(Connection& c) {
  auto answer = co_await next_control(c);
  REQUIRE(answer);
  CHECK(answer->op == TransferOp::accept);
}

std::vector<std::uint8_t> sha_of(const Bytes& data) {
  transfer::Sha256 sha;
  sha.update(data);
  return sha.finish();
}

}  // namespace

TEST_CASE("host transfers: a push lands whole; a wrong hash or too much data leaves nothing") {
  TempDir dir;
  testing::Pair pair;
  const Bytes data = pattern(200000);
  pair.run({}, [&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> server) -> asio::awaitable<void> {
    HostSide host(dir.path, server);
    auto send_all = [&](std::uint32_t id, const Bytes& bytes) -> asio::awaitable<void> {
      for (std::size_t at = 0; at < bytes.size(); at += limits::kMaxBulkChunk) {
        const auto end = std::min(bytes.size(), at + limits::kMaxBulkChunk);
        // A named chunk: g++ 12 destroys a braced temporary passed into a coroutine twice.
        BulkChunk chunk{id, at, Bytes(bytes.begin() + static_cast<long>(at), bytes.begin() + static_cast<long>(end))};
        const auto sent = co_await engineer->send_bulk(std::move(chunk));
        REQUIRE(sent);
      }
    };
    // 1: whole, verified, acknowledged with the path.
    engineer->send(TransferControl{1, TransferOp::offer, TransferKind::push, data.size(), "../x/report.bin", {}, ""});
    auto accept = co_await next_control(*engineer);
    REQUIRE(accept);
    CHECK(accept->op == TransferOp::accept);
    co_await send_all(1, data);
    engineer->send(TransferControl{1, TransferOp::done, TransferKind::push, data.size(), "", sha_of(data), ""});
    auto done = co_await next_control(*engineer);
    REQUIRE(done);
    CHECK(done->op == TransferOp::done);
    CHECK(done->name == dir.path + "/report.bin");
    CHECK(done->sha256 == sha_of(data));
    // 2: the wrong hash: cancelled, the file removed.
    engineer->send(TransferControl{2, TransferOp::offer, TransferKind::push, data.size(), "report.bin", {}, ""});
    co_await expect_accept(*engineer);
    co_await send_all(2, data);
    engineer->send(TransferControl{2, TransferOp::done, TransferKind::push, data.size(), "", Bytes(32, 0), ""});
    auto mismatch = co_await next_control(*engineer);
    REQUIRE(mismatch);
    CHECK(mismatch->op == TransferOp::cancel);
    CHECK(mismatch->reason.find("SHA-256 mismatch") != std::string::npos);
    // 3: more data than announced.
    engineer->send(TransferControl{3, TransferOp::offer, TransferKind::push, 10, "small.bin", {}, ""});
    co_await expect_accept(*engineer);
    const Bytes hundred = pattern(100);
    co_await send_all(3, hundred);
    auto too_much = co_await next_control(*engineer);
    REQUIRE(too_much);
    CHECK(too_much->op == TransferOp::cancel);
    // 4: over the cap: refused before any data.
    engineer->send(TransferControl{4, TransferOp::offer, TransferKind::push, 2u << 20, "big.bin", {}, ""});
    auto big = co_await next_control(*engineer);
    REQUIRE(big);
    CHECK(big->op == TransferOp::cancel);
    CHECK(big->reason.find("too large") != std::string::npos);
    // 5: the session ends mid-way: the half file goes.
    engineer->send(TransferControl{5, TransferOp::offer, TransferKind::push, data.size(), "half.bin", {}, ""});
    co_await expect_accept(*engineer);
    const Bytes half(data.begin(), data.begin() + 70000);
    co_await send_all(5, half);
    asio::steady_timer settle(engineer->executor(), std::chrono::milliseconds(100));
    co_await settle.async_wait(asio::use_awaitable);
    CHECK(fs::exists(dir.path + "/half.bin"));
    host.transfers->finish();
  });
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path)) names.push_back(e.path().filename().string());
  CHECK(names == std::vector<std::string>{"report.bin"});
  std::ifstream in(dir.path + "/report.bin", std::ios::binary);
  const Bytes landed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(landed == data);
}

TEST_CASE("host transfers: TransferClient pushes and pulls through HostTransfers with the hash checked") {
  TempDir dir;
  const Bytes data = pattern(300000);
  const std::string local = dir.path + "/local.bin";
  std::ofstream(local, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), static_cast<long>(data.size()));
  fs::create_directory(dir.path + "/dl");
  std::optional<client::TransferOutcome> pushed, pulled;
  testing::Pair pair;
  pair.run({}, [&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> server) -> asio::awaitable<void> {
    HostSide host(dir.path + "/dl", server);
    client::TransferClient transfers(engineer);
    std::uint64_t progress = 0;
    transfers.push(local, [&](std::uint64_t done, std::uint64_t) { progress = done; },
                   [&](client::TransferOutcome o) { pushed = std::move(o); });
    while (!pushed || (pushed->exit_code == 0 && !pulled)) {
      if (pushed && !pulled && transfers.pending() == 0)
        transfers.pull(dir.path + "/dl/local.bin", dir.path + "/back.bin", {}, [&](client::TransferOutcome o) { pulled = std::move(o); });
      auto m = co_await engineer->receive(std::chrono::seconds(5));
      if (!m) break;
      if (auto* c = std::get_if<TransferControl>(&*m)) transfers.deliver(*c);
      if (auto* b = std::get_if<BulkChunk>(&*m)) transfers.deliver(*b);
    }
    CHECK(progress == data.size());
  });
  REQUIRE(pushed);
  CHECK(pushed->exit_code == 0);
  CHECK(pushed->path == dir.path + "/dl/local.bin");
  CHECK(pushed->sha256_hex == transfer::to_hex(sha_of(data)));
  REQUIRE(pulled);
  CHECK(pulled->exit_code == 0);
  CHECK(pulled->sha256_hex == pushed->sha256_hex);
  CHECK(pulled->path == dir.path + "/back.bin");  // where it was saved, as `elfdesk files` prints it
  std::ifstream in(dir.path + "/back.bin", std::ios::binary);
  CHECK(Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()) == data);
  CHECK_FALSE(fs::exists(dir.path + "/back.bin.part"));
}
