#include "tests/host/host_fixture.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/auth/session_code.hpp"

namespace elfdesk::test {
namespace {

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace

HostFixture::HostFixture(const std::function<void(host::HostOptions&)>& adjust, host::ConsentUi* ui) {
  char tmpl[] = "/tmp/elfdesk-hostfix-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  audit_path_ = dir_ + "/audit.jsonl";
  options_.fake_screen = true;
  options_.consent = host::ConsentMode::accept;
  options_.ui = host::UiMode::none;
  options_.listen_port = free_port();
  options_.code_file = dir_ + "/code.txt";
  options_.audit_log = audit_path_;
  if (adjust) adjust(options_);
  audit_ = std::make_unique<host::AuditLog>(*host::AuditLog::open(audit_path_));
  auto desktop = host::make_desktop_environment(options_);
  if (!desktop) throw std::runtime_error("no desktop: " + desktop.error().detail);
  server_ = std::make_unique<host::HostServer>(options_, *audit_, ui, *desktop);
  if (!server_->start()) throw std::runtime_error("host did not start");
}

HostFixture::~HostFixture() {
  server_.reset();  // stops and joins the network thread
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string HostFixture::code() const {
  std::ifstream in(options_.code_file);
  std::string line;
  std::getline(in, line);
  auto digits = auth::normalize_session_code(line);
  return digits ? *digits : "";
}

std::string HostFixture::wait_for_new_code(const std::string& old, std::chrono::milliseconds timeout) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto now = code(); !now.empty() && now != old) return now;
    if (std::chrono::steady_clock::now() >= end) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<nlohmann::json> HostFixture::audit(const std::string& event) const {
  std::vector<nlohmann::json> records;
  std::ifstream in(audit_path_);
  for (std::string line; std::getline(in, line);) {
    auto record = nlohmann::json::parse(line, nullptr, false);
    if (!record.is_discarded() && (event.empty() || record.value("event", "") == event))
      records.push_back(std::move(record));
  }
  return records;
}

bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(std::chrono::milliseconds(10));
    if (io.stopped()) io.restart();
  }
  return done();
}

std::string wrong_code(const std::string& digits) {
  std::string wrong = digits;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  return wrong;
}

}  // namespace elfdesk::test
