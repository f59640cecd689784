// The engineer's side of chat in one session: sends the engineer's lines (cleaned, rate-limited), keeps
// the transcript (time, sender, text) of both sides, appends each line to a transcript file when one is
// set, and tells the window about new lines. Network thread only (like the Connection it sends through).
#pragma once
#include <cstdio>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/transfer/chat_rules.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

class ChatClient {
 public:
  using Send = std::function<void(protocol::Message)>;
  using OnLine = std::function<void(const transfer::ChatLine&)>;
  static constexpr std::size_t kMaxLinesKept = 2000;

  explicit ChatClient(Send send);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  // invalid_argument for empty, oversized or non-UTF-8 text; unavailable when over the rate limit.
  std::expected<void, Error> send(std::string_view text);
  void receive(const protocol::Chat& chat);
  // A line for the transcript only, never sent (sender "elfdesk"): e.g. the findings of a triage run, so
  // the saved conversation carries the session's findings with it.
  void note(std::string text);
  void set_on_line(OnLine on_line) { on_line_ = std::move(on_line); }
  // Appends every line from now on (and those so far) to `path`, one "HH:MM:SS sender: text" a line.
  std::expected<void, Error> set_transcript_file(const std::string& path);
  std::expected<void, Error> save(const std::string& path) const;
  const std::vector<transfer::ChatLine>& lines() const { return lines_; }

 private:
  void add(transfer::ChatLine line);

  Send send_;
  OnLine on_line_;
  std::vector<transfer::ChatLine> lines_;
  transfer::ChatRateLimit send_limit_, receive_limit_;
  std::FILE* transcript_ = nullptr;
};

}  // namespace elfdesk::client
