#include "host/core/session_info.hpp"

#include <cstdlib>
#include <fstream>
#include <span>

#include <pwd.h>
#include <unistd.h>

#include "common/auth/crypto_util.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace elfdesk::host {
namespace {

constexpr std::string_view kLabel = "elfdesk host key v1";
constexpr std::size_t kKeyBytes = 16;

// The first line of a machine-id file, or "" (missing, unreadable, empty).
std::string read_machine_id(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line.size() <= 256 ? line : std::string();
}

std::string machine_id() {
  if (const char* file = std::getenv("ELFDESK_MACHINE_ID_FILE"); file && *file) return read_machine_id(file);
  for (const char* path : {"/etc/machine-id", "/var/lib/dbus/machine-id"})
    if (auto id = read_machine_id(path); !id.empty()) return id;
  return {};
}

// `text` cut to at most `cap` bytes without splitting a UTF-8 sequence; "" if it is not UTF-8 at all.
std::string bounded(std::string text, std::size_t cap) {
  if (!protocol::is_valid_utf8(text)) return {};
  if (text.size() <= cap) return text;
  std::size_t end = cap;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::string hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::string user_name() {
  const passwd* pw = ::getpwuid(::getuid());
  return pw && pw->pw_name ? pw->pw_name : "";
}

}  // namespace

std::string host_key_from(std::string_view machine_id) {
  const std::span key(reinterpret_cast<const std::uint8_t*>(kLabel.data()), kLabel.size());
  const std::span data(reinterpret_cast<const std::uint8_t*>(machine_id.data()), machine_id.size());
  auto mac = auth::hmac_sha256(key, data);
  if (!mac) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < kKeyBytes && i < mac->size(); ++i) {
    hex += kHex[(*mac)[i] >> 4];
    hex += kHex[(*mac)[i] & 0x0F];
  }
  return hex;
}

protocol::SessionInfo make_session_info() {
  const std::string machine = hostname();
  std::string id = machine_id();
  if (id.empty()) id = "hostname:" + machine;  // no machine-id (containers): the hostname is what is stable
  return protocol::SessionInfo{bounded(machine, limits::kMaxSessionName), bounded(user_name(), limits::kMaxSessionName),
                               host_key_from(id)};
}

}  // namespace elfdesk::host
