#include "common/transfer/chat_rules.hpp"

#include <algorithm>
#include <ctime>

#include "protocol/utf8.hpp"

namespace elfdesk::transfer {

std::expected<std::string, Error> clean_chat_text(std::string_view text) {
  if (!protocol::is_valid_utf8(text))
    return std::unexpected(make_error(ErrorCode::invalid_argument, "chat text is not valid UTF-8"));
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return std::unexpected(make_error(ErrorCode::invalid_argument, "empty chat message"));
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  if (out.size() > kMaxChatBytes)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "chat message of " + std::to_string(out.size()) +
                                                                       " bytes; at most " + std::to_string(kMaxChatBytes)));
  return out;
}

bool ChatRateLimit::allow(std::chrono::steady_clock::time_point now) {
  if (started_) {
    const double refill = std::chrono::duration<double>(now - last_) / kInterval;
    tokens_ = std::min<double>(kBurst, tokens_ + std::max(0.0, refill));
  }
  started_ = true;
  last_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_chat_line(const ChatLine& line) {
  const std::time_t seconds = static_cast<std::time_t>(line.unix_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &local);
  return std::string(stamp) + " " + line.sender + ": " + line.text;
}

}  // namespace elfdesk::transfer
