// What both sides hold a chat message to: valid UTF-8, one line, at most kMaxChatBytes, a few
// messages a second (token bucket on an injected time), and how a line is shown and saved
// ("11:52:07 engineer: text"). Pure values; any thread, one object per user.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/error.hpp"

namespace elfdesk::transfer {

inline constexpr std::size_t kMaxChatBytes = 1000;  // below the wire cap (limits::kMaxChatText)

// The text as it will be sent and shown: control characters (newlines too) become spaces, surrounding
// spaces go. invalid_argument when it is empty, not UTF-8 or longer than kMaxChatBytes.
std::expected<std::string, Error> clean_chat_text(std::string_view text);

// A burst of kBurst messages, then one every kInterval.
class ChatRateLimit {
 public:
  static constexpr int kBurst = 5;
  static constexpr std::chrono::milliseconds kInterval{1000};
  bool allow(std::chrono::steady_clock::time_point now);

 private:
  double tokens_ = kBurst;
  std::chrono::steady_clock::time_point last_{};
  bool started_ = false;
};

struct ChatLine {
  std::int64_t unix_ms = 0;
  std::string sender;  // "engineer", "customer" (or a name)
  std::string text;
};

std::int64_t unix_ms_now();
// "HH:MM:SS sender: text" in local time.
std::string format_chat_line(const ChatLine& line);

}  // namespace elfdesk::transfer
