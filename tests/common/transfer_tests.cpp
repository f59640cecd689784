// SHA-256, names of received files (never overwrite, never follow), and the chat rules.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/transfer/chat_rules.hpp"
#include "common/transfer/file_names.hpp"
#include "common/transfer/sha256.hpp"
#include "protocol/codec.hpp"

namespace t = elfdesk::transfer;
namespace fs = std::filesystem;

namespace {
std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct TempDir {
  TempDir() {
    char name[] = "/tmp/elfdesk-transfer-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};
}  // namespace

TEST_CASE("SHA-256 matches the standard vectors, fed whole or in pieces") {
  t::Sha256 whole;
  whole.update(bytes_of("abc"));
  CHECK(t::to_hex(whole.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  t::Sha256 pieces;
  pieces.update(bytes_of("ab"));
  pieces.update(bytes_of(""));
  pieces.update(bytes_of("c"));
  CHECK(t::to_hex(pieces.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(t::to_hex(pieces.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // starts over
}

TEST_CASE("a received file's name is its last component, without control characters") {
  CHECK(t::safe_file_name("../../etc/passwd") == "passwd");
  CHECK(t::safe_file_name("/home/a/report.pdf") == "report.pdf");
  CHECK(t::safe_file_name("a\nb\x1b[2J.txt") == "a_b_[2J.txt");
  CHECK(t::safe_file_name("") == "download");
  CHECK(t::safe_file_name("..") == "download");
  CHECK(t::safe_file_name("dir/") == "download");
  const std::string longer = t::safe_file_name(std::string(300, 'x') + ".pdf");
  CHECK(longer.size() == 200);
  CHECK(longer.ends_with("x.pdf"));
  CHECK(t::numbered_name("report.pdf", 0) == "report.pdf");
  CHECK(t::numbered_name("report.pdf", 2) == "report (2).pdf");
  CHECK(t::numbered_name(".bashrc", 1) == ".bashrc (1)");
  CHECK(t::numbered_name("bundle.tar.zst", 1) == "bundle.tar (1).zst");
}

TEST_CASE("a new file never replaces or follows what is there") {
  TempDir dir;
  std::ofstream(dir.path + "/notes.txt") << "mine";
  const std::string target = dir.path + "/elsewhere";
  fs::create_symlink(target, dir.path + "/notes (1).txt");
  auto created = t::create_unique_file(dir.path, "notes.txt");
  REQUIRE(created);
  CHECK(created->path == dir.path + "/notes (2).txt");
  ::close(created->fd);
  CHECK_FALSE(fs::exists(target));
  std::ifstream in(dir.path + "/notes.txt");
  std::string kept;
  in >> kept;
  CHECK(kept == "mine");
  CHECK_FALSE(t::create_unique_file(dir.path + "/missing", "a"));
}

TEST_CASE("chat text is one line of valid UTF-8 within the cap") {
  CHECK(t::clean_chat_text("  hi\nthere \t") == "hi there");
  CHECK(t::clean_chat_text("Grüße 👍") == "Grüße 👍");
  CHECK_FALSE(t::clean_chat_text(" \n "));
  CHECK_FALSE(t::clean_chat_text("\xff\xfe"));
  CHECK(t::clean_chat_text(std::string(t::kMaxChatBytes, 'a')));
  CHECK_FALSE(t::clean_chat_text(std::string(t::kMaxChatBytes + 1, 'a')));
  CHECK(t::format_chat_line({0, "engineer", "x"}).ends_with(" engineer: x"));
}

TEST_CASE("chat is rate-limited: a burst, then one a second") {
  t::ChatRateLimit limit;
  const std::chrono::steady_clock::time_point t0{std::chrono::seconds(100)};
  for (int i = 0; i < t::ChatRateLimit::kBurst; ++i) CHECK(limit.allow(t0));
  CHECK_FALSE(limit.allow(t0));
  CHECK_FALSE(limit.allow(t0 + std::chrono::milliseconds(500)));
  CHECK(limit.allow(t0 + std::chrono::milliseconds(1100)));
  CHECK_FALSE(limit.allow(t0 + std::chrono::milliseconds(1200)));
  const auto later = t0 + std::chrono::seconds(60);  // the bucket refills only up to the burst
  for (int i = 0; i < t::ChatRateLimit::kBurst; ++i) CHECK(limit.allow(later));
  CHECK_FALSE(limit.allow(later));
}

TEST_CASE("TransferControl carries a SHA-256 exactly on done, never id 0") {
  namespace p = elfdesk::protocol;
  const p::Bytes sha(32, 7);
  CHECK(p::encode_payload(p::TransferControl{1, p::TransferOp::done, p::TransferKind::push, 5, "a", sha, ""}));
  CHECK_FALSE(p::encode_payload(p::TransferControl{1, p::TransferOp::done, p::TransferKind::push, 5, "a", {}, ""}));
  CHECK_FALSE(p::encode_payload(p::TransferControl{1, p::TransferOp::offer, p::TransferKind::push, 5, "a", sha, ""}));
  CHECK_FALSE(p::encode_payload(p::TransferControl{0, p::TransferOp::offer, p::TransferKind::pull, 0, "/x", {}, ""}));
  CHECK(p::encode_payload(p::TransferControl{9, p::TransferOp::offer, p::TransferKind::bundle, 0, "", {}, ""}));
  CHECK(p::message_index_of(50) == static_cast<int>(p::Message(p::TransferControl{}).index()));
  CHECK(p::message_index_of(38) == -1);
}
