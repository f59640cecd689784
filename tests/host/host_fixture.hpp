// Test-only: a real HostServer in this process (fake screen, consent pre-approved, real TLS on
// 127.0.0.1, a free port), its code file and audit log in a private temporary directory, and helpers
// to run an attacker's io_context until a condition holds. Test thread plus the server's own thread.
#pragma once
#include <asio.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/core/audit_log.hpp"
#include "host/core/host_server.hpp"

namespace elfdesk::test {

class HostFixture {
 public:
  // `adjust` may change the options before the server starts (listen address and files are set).
  explicit HostFixture(const std::function<void(host::HostOptions&)>& adjust = {}, host::ConsentUi* ui = nullptr);
  ~HostFixture();

  std::uint16_t port() const { return options_.listen_port; }
  // The current code as 12 digits, read from the code file.
  std::string code() const;
  // Waits (up to `timeout`) until the code file shows a code other than `old`; returns it ("" if none).
  std::string wait_for_new_code(const std::string& old, std::chrono::milliseconds timeout) const;
  std::vector<nlohmann::json> audit(const std::string& event = "") const;
  const std::string& audit_path() const { return audit_path_; }

 private:
  std::string dir_;
  std::string audit_path_;
  host::HostOptions options_;
  std::unique_ptr<host::AuditLog> audit_;
  std::unique_ptr<host::HostServer> server_;
};

// Runs `io` until `done()` or `timeout`; returns done().
bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds timeout);

// The same code with its last digit changed.
std::string wrong_code(const std::string& digits);

}  // namespace elfdesk::test
