#include "client/core/chat_client.hpp"

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace elfdesk::client {

ChatClient::ChatClient(Send send) : send_(std::move(send)) {}

ChatClient::~ChatClient() {
  if (transcript_) std::fclose(transcript_);
}

std::expected<void, Error> ChatClient::send(std::string_view raw) {
  auto text = transfer::clean_chat_text(raw);
  if (!text) return std::unexpected(text.error());
  if (!send_limit_.allow(std::chrono::steady_clock::now()))
    return std::unexpected(make_error(ErrorCode::unavailable, "too many chat messages: a few a second at most"));
  send_(protocol::Chat{*text});
  add({transfer::unix_ms_now(), "engineer", std::move(*text)});
  return {};
}

void ChatClient::receive(const protocol::Chat& chat) {
  auto text = transfer::clean_chat_text(chat.text);
  if (!text) return log::warn("chat from the customer dropped: {}", text.error().detail);
  if (!receive_limit_.allow(std::chrono::steady_clock::now())) return log::warn("chat from the customer over the rate limit dropped");
  add({transfer::unix_ms_now(), "customer", std::move(*text)});
}

void ChatClient::note(std::string text) { add({transfer::unix_ms_now(), "elfdesk", std::move(text)}); }

void ChatClient::add(transfer::ChatLine line) {
  if (transcript_) {
    std::fprintf(transcript_, "%s\n", transfer::format_chat_line(line).c_str());
    std::fflush(transcript_);
  }
  if (lines_.size() == kMaxLinesKept) lines_.erase(lines_.begin());
  lines_.push_back(std::move(line));
  if (on_line_) on_line_(lines_.back());
}

std::expected<void, Error> ChatClient::set_transcript_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "ae");
  if (!file) return std::unexpected(make_error(ErrorCode::io, "cannot write the transcript " + path + ": " + std::strerror(errno)));
  if (transcript_) std::fclose(transcript_);
  transcript_ = file;
  for (const auto& line : lines_) std::fprintf(transcript_, "%s\n", transfer::format_chat_line(line).c_str());
  std::fflush(transcript_);
  return {};
}

std::expected<void, Error> ChatClient::save(const std::string& path) const {
  std::FILE* file = std::fopen(path.c_str(), "we");
  if (!file) return std::unexpected(make_error(ErrorCode::io, "cannot write " + path + ": " + std::strerror(errno)));
  for (const auto& line : lines_) std::fprintf(file, "%s\n", transfer::format_chat_line(line).c_str());
  const bool ok = std::fclose(file) == 0;
  if (!ok) return std::unexpected(make_error(ErrorCode::io, "cannot write " + path));
  return {};
}

}  // namespace elfdesk::client
