#include "client/cli/control_socket.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>

#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

using Local = asio::local::stream_protocol;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxRequestBytes = 256u << 10;
constexpr std::size_t kMaxReplyBytes = kMaxControlCalls * limits::kMaxProbeResultBytes + (64u << 10);
constexpr auto kRequestDeadline = std::chrono::seconds(10);
constexpr auto kResultIdleTimeout = std::chrono::seconds(120);  // no result for this long: give up

Error sys_error(const std::string& what) {
  return make_error(ErrorCode::io, fmt::format("{}: {}", what, std::strerror(errno)));
}

std::string error_line(const std::string& message, int exit_code) {
  return nlohmann::json{{"version", 1}, {"error", message}, {"exit_code", exit_code}}.dump() + "\n";
}

std::expected<void, Error> ensure_private_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return std::unexpected(sys_error("cannot create " + dir.string()));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return std::unexpected(sys_error("cannot inspect " + dir.string()));
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      fmt::format("{} is not a private directory of ours (mode {:o}, uid {}); refusing "
                                                  "to put the control socket there", dir.string(), st.st_mode & 07777,
                                                  st.st_uid)));
  }
  return {};
}

// A socket file left by a viewer that died is replaced; a live one (connect works) or a foreign file is not.
std::expected<void, Error> clear_stale(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  if (!S_ISSOCK(st.st_mode) || st.st_uid != ::geteuid()) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, path.string() + " exists and is not a socket of ours"));
  }
  asio::io_context io;
  Local::socket probe(io);
  asio::error_code ec;
  probe.connect(Local::endpoint(path.string()), ec);
  if (!ec) return std::unexpected(make_error(ErrorCode::invalid_argument, path.string() + " is in use by another viewer"));
  ::unlink(path.c_str());
  return {};
}

std::optional<std::uint32_t> peer_uid(int fd) {
  ucred cred{};
  socklen_t size = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0) return std::nullopt;
  return cred.uid;
}

// One connected diag client: its calls' answers, filled in by deliver().
struct Client {
  explicit Client(Local::socket s) : socket(std::move(s)), wake(socket.get_executor()) {}
  Local::socket socket;
  asio::steady_timer wake;
  std::vector<std::optional<ControlAnswer>> answers;
  std::size_t remaining = 0;
  std::optional<std::string> failure;  // session ended while waiting
  bool reading = false;                // still reading the request line
};

// A result the host rejected is an error answer; one that cannot be read becomes a failed report, as in
// `elfdesk diag ADDR:PORT`, so both ways of running diag say the same.
ControlAnswer answer_from(const std::string& probe, const std::expected<probes::ReceivedReport, Error>& result) {
  if (result) return ControlAnswer{true, result->document, {}};
  if (probes::is_rejection(result.error())) return ControlAnswer{false, nullptr, result.error().detail};
  return ControlAnswer{true, nlohmann::json(probes::failed_report(probe, result.error().detail, 0)), {}};
}

// Network thread: one answer for a waiting client, once (a late answer after stop() changes nothing). A
// call cancelled because the session is closing fails the whole request, as stop() does.
void deliver(Client& client, std::size_t index, const std::string& probe,
             const std::expected<probes::ReceivedReport, Error>& result) {
  if (client.failure || client.answers[index]) return;
  if (!result && result.error().code == ErrorCode::closed) {
    client.failure = result.error().detail;
  } else {
    client.answers[index] = answer_from(probe, result);
    --client.remaining;
  }
  client.wake.cancel();  // the waiting loop checks `remaining` and re-arms its idle timeout
}

std::expected<std::vector<probes::ProbeInvocation>, std::string> parse_request(const nlohmann::json& json) {
  if (!json.contains("calls") || !json["calls"].is_array())
    return std::unexpected(std::string("malformed request: expected {\"calls\": [...]}"));
  if (json["calls"].empty() || json["calls"].size() > kMaxControlCalls)
    return std::unexpected(fmt::format("a request needs 1 to {} calls", kMaxControlCalls));
  std::vector<probes::ProbeInvocation> calls;
  try {
    for (const auto& c : json["calls"]) {
      probes::ProbeInvocation call{c.at("name").get<std::string>(), {}, std::nullopt, 0};
      for (const auto& kv : c.value("args", nlohmann::json::array()))
        call.args.items.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
      if (call.name.size() > limits::kMaxShortString || call.args.items.size() > limits::kMaxProbeArgs)
        return std::unexpected(std::string("a call exceeds the protocol limits"));
      calls.push_back(std::move(call));
    }
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(std::string("malformed request: ") + e.what());
  }
  return calls;
}

}  // namespace

nlohmann::json control_request_json(const std::vector<probes::ProbeInvocation>& calls) {
  nlohmann::json out{{"version", 1}, {"calls", nlohmann::json::array()}};
  for (const auto& call : calls) out["calls"].push_back({{"name", call.name}, {"args", call.args.items}});
  return out;
}

std::expected<std::filesystem::path, Error> default_control_socket_path() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::filesystem::path dir;
  if (runtime && runtime[0] == '/') {
    dir = std::filesystem::path(runtime) / "elfdesk";
  } else {
    dir = fmt::format("/tmp/elfdesk-{}", ::geteuid());
  }
  if (auto ok = ensure_private_dir(dir); !ok) return std::unexpected(ok.error());
  return dir / fmt::format("view-{}.sock", ::getpid());
}

struct ControlSocketServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, std::filesystem::path p) : acceptor(io), path(std::move(p)) {}
  Local::acceptor acceptor;
  std::filesystem::path path;
  CallProbe call;
  OtherRequest other;
  bool stopped = false;
  std::string stop_reason;
  std::set<std::shared_ptr<Client>> clients;

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) co_return;  // closed by stop()
      auto client = std::make_shared<Client>(std::move(socket));
      clients.insert(client);
      asio::co_spawn(acceptor.get_executor(), serve(client), asio::detached);
    }
  }

  asio::awaitable<void> serve(std::shared_ptr<Client> client) {
    auto self = shared_from_this();
    const std::string reply = co_await answer(client);
    co_await asio::async_write(client->socket, asio::buffer(reply), kTuple);
    asio::error_code ignored;
    client->socket.shutdown(Local::socket::shutdown_both, ignored);
    client->socket.close(ignored);
    clients.erase(client);  // answers still due only fill in this object, which they keep alive
  }

  // The request line as a JSON object, within kRequestDeadline and kMaxRequestBytes.
  asio::awaitable<std::expected<nlohmann::json, std::string>> read_request(
      std::shared_ptr<Client> owner) {
    std::string line;
    owner->reading = true;
    owner->wake.expires_after(kRequestDeadline);
    owner->wake.async_wait([owner](const asio::error_code& ec) {
      asio::error_code ignored;
      if (!ec) owner->socket.cancel(ignored);  // a client that never finishes its line
    });
    auto [ec, size] = co_await asio::async_read_until(owner->socket, asio::dynamic_buffer(line, kMaxRequestBytes), '\n', kTuple);
    owner->reading = false;
    owner->wake.cancel();
    if (ec) co_return std::unexpected("no complete request line: " + ec.message());
    auto json = nlohmann::json::parse(line.substr(0, size), nullptr, false);
    if (json.is_discarded() || !json.is_object())
      co_return std::unexpected(std::string("malformed request: expected a JSON object"));
    co_return json;
  }

  // Chat, transfers and the like (ControlSocketServer::OtherRequest): waits for the one reply; stop() and
  // the idle timeout end the wait as for probe calls.
  asio::awaitable<std::string> answer_other(std::shared_ptr<Client> owner, const nlohmann::json& request) {
    auto reply = std::make_shared<std::optional<OtherReply>>();
    owner->remaining = 1;
    other(request, [owner, reply](OtherReply r) {
      if (*reply || owner->failure) return;
      *reply = std::move(r);
      owner->remaining = 0;
      owner->wake.cancel();
    });
    while (!*reply && !owner->failure) {
      owner->wake.expires_after(kResultIdleTimeout);
      auto [wait_ec] = co_await owner->wake.async_wait(kTuple);
      if (!wait_ec && !*reply) owner->failure = fmt::format("no answer for {} s", kResultIdleTimeout.count());
    }
    if (owner->failure) co_return error_line(*owner->failure, 10);
    if (!**reply) co_return error_line((*reply)->error().first, (*reply)->error().second);
    nlohmann::json out = std::move(***reply);
    out["version"] = 1;
    co_return out.dump() + "\n";
  }

  asio::awaitable<std::string> answer(std::shared_ptr<Client> owner) {
    Client& client = *owner;
    const auto uid = peer_uid(client.socket.native_handle());
    if (!uid || *uid != ::geteuid()) {
      co_return error_line(fmt::format("refused: the viewer belongs to uid {}, the caller is uid {}", ::geteuid(),
                                       uid ? static_cast<long long>(*uid) : -1LL), 11);
    }
    auto request = co_await read_request(owner);
    if (stopped) co_return error_line(stop_reason, 10);
    if (!request) co_return error_line(request.error(), 13);
    if (!request->contains("calls") && other) co_return co_await answer_other(owner, *request);
    auto calls = parse_request(*request);
    if (!calls) co_return error_line(calls.error(), 13);
    client.answers.resize(calls->size());
    client.remaining = calls->size();
    for (std::size_t i = 0; i < calls->size(); ++i) {
      call((*calls)[i], [owner, i, name = (*calls)[i].name](std::expected<probes::ReceivedReport, Error> result) {
        deliver(*owner, i, name, result);
      });
    }
    while (client.remaining > 0 && !client.failure) {  // deliver() and stop() cancel the timer
      client.wake.expires_after(kResultIdleTimeout);
      auto [wait_ec] = co_await client.wake.async_wait(kTuple);
      if (!wait_ec && client.remaining > 0) {
        client.failure = fmt::format("no answer from the host for {} s", kResultIdleTimeout.count());
      }
    }
    if (client.failure) co_return error_line(*client.failure, 10);
    nlohmann::json results = nlohmann::json::array();
    for (auto& a : client.answers) {
      results.push_back(a->ok ? nlohmann::json{{"status", "ok"}, {"report", std::move(a->report)}}
                              : nlohmann::json{{"status", "error"}, {"error", a->error}});
    }
    co_return nlohmann::json{{"version", 1}, {"results", std::move(results)}}.dump() + "\n";
  }
};

ControlSocketServer::ControlSocketServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::expected<std::unique_ptr<ControlSocketServer>, Error> ControlSocketServer::open(asio::io_context& io,
                                                                                    std::filesystem::path path) {
  if (path.native().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "control socket path is too long: " + path.string()));
  }
  if (auto ok = clear_stale(path); !ok) return std::unexpected(ok.error());
  auto impl = std::make_shared<Impl>(io, path);
  asio::error_code ec;
  impl->acceptor.open(Local(), ec);
  if (!ec) {
    const mode_t old = ::umask(0177);  // the file is born 0600: no window in which others may connect
    impl->acceptor.bind(Local::endpoint(path.string()), ec);
    ::umask(old);
  }
  if (!ec && ::chmod(path.c_str(), 0600) != 0) ec = asio::error_code(errno, asio::system_category());
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return std::unexpected(make_error(ErrorCode::io, fmt::format("cannot listen on {}: {}", path.string(), ec.message())));
  }
  return std::unique_ptr<ControlSocketServer>(new ControlSocketServer(std::move(impl)));
}

ControlSocketServer::~ControlSocketServer() {
  asio::error_code ignored;
  impl_->acceptor.close(ignored);
  ::unlink(impl_->path.c_str());
}

const std::filesystem::path& ControlSocketServer::path() const { return impl_->path; }

void ControlSocketServer::start(CallProbe call, OtherRequest other) {
  impl_->call = std::move(call);
  impl_->other = std::move(other);
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
}

void ControlSocketServer::stop(const std::string& why) {
  impl_->stopped = true;
  impl_->stop_reason = why;
  asio::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const auto& client : impl_->clients) {
    if (client->reading) {
      client->socket.cancel(ignored);  // answered with stop_reason
    } else if (client->remaining > 0) {
      client->failure = why;
      client->wake.cancel();
    }  // else: its answer is complete and being written
  }
}

namespace {

struct Fd {
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int fd;
};

// The first line the viewer sends (without its '\n'), or why there is none.
std::expected<std::string, std::string> read_line(int fd, std::chrono::milliseconds idle_timeout) {
  std::string data;
  std::vector<char> buffer(64 * 1024);
  while (data.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(idle_timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return std::unexpected(fmt::format("no answer from the viewer for {} ms", idle_timeout.count()));
    const ssize_t got = ready < 0 ? -1 : ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::unexpected(std::string("the viewer closed the control connection without an answer"));
    data.append(buffer.data(), static_cast<std::size_t>(got));
    if (data.size() > kMaxReplyBytes) return std::unexpected(std::string("the viewer's answer is too large"));
  }
  data.resize(data.find('\n'));
  return data;
}

}  // namespace

std::expected<nlohmann::json, ControlFailure> exchange_over_control_socket(const std::filesystem::path& path,
                                                                          const nlohmann::json& request,
                                                                          std::chrono::milliseconds idle_timeout) {
  auto fail = [](std::string message, int code) { return std::unexpected(ControlFailure{std::move(message), code}); };
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.native().size() >= sizeof address.sun_path) return fail("control socket path is too long: " + path.string(), 10);
  std::memcpy(address.sun_path, path.c_str(), path.native().size());
  Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.fd < 0) return fail(sys_error("socket").detail, 10);
  sockaddr* raw = reinterpret_cast<sockaddr*>(&address);  // the C sockets API takes the generic type
  if (::connect(sock.fd, raw, sizeof address) != 0) {
    return fail(fmt::format("cannot reach a viewer at {}: {} (is `elfdesk view` running?)", path.string(),
                            std::strerror(errno)), 10);
  }
  const std::string line_out = request.dump() + "\n";
  for (std::size_t sent = 0; sent < line_out.size();) {
    const ssize_t n = ::send(sock.fd, line_out.data() + sent, line_out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a refusing viewer closes early; its answer says why
    sent += static_cast<std::size_t>(n);
  }
  const auto line = read_line(sock.fd, idle_timeout);
  if (!line) return fail(line.error(), 10);
  auto reply = nlohmann::json::parse(*line, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) return fail("the viewer's answer is not JSON", 13);
  if (reply.contains("error")) {
    return fail(reply.value("error", std::string("error")), reply.value("exit_code", 10));
  }
  return reply;
}

std::expected<std::vector<ControlAnswer>, ControlFailure> run_over_control_socket(
    const std::filesystem::path& path, const std::vector<probes::ProbeInvocation>& calls,
    std::chrono::milliseconds idle_timeout) {
  auto fail = [](std::string message, int code) { return std::unexpected(ControlFailure{std::move(message), code}); };
  auto exchanged = exchange_over_control_socket(path, control_request_json(calls), idle_timeout);
  if (!exchanged) return std::unexpected(exchanged.error());
  auto& reply = *exchanged;
  if (!reply.contains("results") || !reply["results"].is_array() || reply["results"].size() != calls.size()) {
    return fail("the viewer's answer does not match the request", 13);
  }
  std::vector<ControlAnswer> answers;
  for (const auto& r : reply["results"]) {
    const bool ok = r.is_object() && r.value("status", "") == "ok" && r.contains("report");
    answers.push_back(ControlAnswer{ok, ok ? r["report"] : nlohmann::json(nullptr),
                                    ok ? "" : (r.is_object() ? r.value("error", std::string("malformed answer")) : "malformed answer")});
  }
  return answers;
}

}  // namespace elfdesk::client
