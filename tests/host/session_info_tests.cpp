// The host's SessionInfo: the host key is HMAC-SHA256 of the machine-id under a fixed label (stable, 32
// lowercase hex, not the id), a different machine-id gives a different key, a missing machine-id falls back
// to the hostname, and what make_session_info builds always passes the codec's rules.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "host/core/session_info.hpp"
#include "protocol/codec.hpp"

using namespace elfdesk;
namespace fs = std::filesystem;

namespace {
// Points ELFDESK_MACHINE_ID_FILE at a file with `id` (or at no file) for one scope.
struct MachineIdFile {
  fs::path path = fs::temp_directory_path() / ("elfdesk-machine-id-" + std::to_string(::getpid()));
  explicit MachineIdFile(const char* id) {
    if (id) std::ofstream(path) << id << "\n";
    ::setenv("ELFDESK_MACHINE_ID_FILE", path.c_str(), 1);
  }
  ~MachineIdFile() {
    ::unsetenv("ELFDESK_MACHINE_ID_FILE");
    fs::remove(path);
  }
};
}  // namespace

TEST_CASE("session info: the host key is a keyed hash of the machine-id, never the id itself") {
  const std::string id = "4c4c4544003910488052b4c04f4d3732";
  const std::string key = host::host_key_from(id);
  CHECK(key.size() == 32);
  CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(key == host::host_key_from(id));  // stable
  CHECK(key != id.substr(0, 32));
  CHECK(key != host::host_key_from("4c4c4544003910488052b4c04f4d3733"));
  // HMAC-SHA256(key = "elfdesk host key v1", "abc"), first 16 bytes (openssl dgst -sha256 -hmac).
  CHECK(host::host_key_from("abc") == "aa95cc39889c29639dbf2d6dd9447706");
}

TEST_CASE("session info: built from the machine-id file, or from the hostname without one") {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  protocol::SessionInfo first, second, none;
  {
    MachineIdFile file("machine-one");
    first = host::make_session_info();
  }
  {
    MachineIdFile file("machine-two");
    second = host::make_session_info();
  }
  {
    MachineIdFile file(nullptr);
    none = host::make_session_info();
  }
  CHECK(first.host_key == host::host_key_from("machine-one"));
  CHECK(second.host_key == host::host_key_from("machine-two"));
  CHECK(none.host_key == host::host_key_from(std::string("hostname:") + name));
  CHECK(first.machine == name);
  CHECK_FALSE(first.user.empty());
  for (const auto& info : {first, second, none}) CHECK(protocol::encode_payload(info).has_value());
}
