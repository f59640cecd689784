#include "common/probes/script.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "common/probes/probe_util.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::probes {
namespace {

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }
bool is_key_char(char c) { return is_name_char(c) || (c >= 'A' && c <= 'Z') || c == '.'; }

bool valid_word(std::string_view word, bool (*pred)(char)) {
  return !word.empty() && word.size() <= limits::kMaxShortString && std::all_of(word.begin(), word.end(), pred);
}

// Splits one line into words, honouring double quotes (\" and \\ escapes) and `#` comments.
std::expected<std::vector<std::string>, std::string> tokenize(std::string_view line) {
  std::vector<std::string> words;
  std::optional<std::string> word;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
        word->push_back(line[++i]);
      } else if (c == '"') {
        quoted = false;
      } else {
        word->push_back(c);
      }
    } else if (c == '#') {
      break;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (word) words.push_back(std::move(*word));
      word.reset();
    } else {
      if (!word) word.emplace();
      if (c == '"') {
        quoted = true;
      } else {
        word->push_back(c);
      }
    }
  }
  if (quoted) return std::unexpected(std::string("unterminated quote"));
  if (word) words.push_back(std::move(*word));
  return words;
}

std::expected<ProbeInvocation, std::string> parse_line(const std::vector<std::string>& words, int line) {
  ProbeInvocation call;
  call.line = line;
  call.name = words[0];
  if (!valid_word(call.name, is_name_char)) {
    return std::unexpected(fmt::format("'{}' is not a probe name (expected [a-z0-9_-]+)", call.name));
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    auto eq = words[i].find('=');
    if (eq == std::string::npos) return std::unexpected(fmt::format("expected key=value, got '{}'", words[i]));
    std::string key = words[i].substr(0, eq);
    std::string value = words[i].substr(eq + 1);
    if (!valid_word(key, is_key_char)) return std::unexpected(fmt::format("'{}' is not a valid argument key", key));
    if (call.args.get(key)) return std::unexpected(fmt::format("argument '{}' given twice", key));
    if (value.size() > limits::kMaxProbeArgValue) {
      return std::unexpected(fmt::format("value of '{}' is longer than {} bytes", key, limits::kMaxProbeArgValue));
    }
    call.args.items.emplace_back(std::move(key), std::move(value));
  }
  if (call.args.items.size() > limits::kMaxProbeArgs) {
    return std::unexpected(fmt::format("more than {} arguments", limits::kMaxProbeArgs));
  }
  return call;
}

}  // namespace

std::expected<std::vector<ProbeInvocation>, Error> parse_probe_script(std::string_view text, std::string_view source) {
  std::vector<ProbeInvocation> calls;
  int number = 0;
  for (auto line : util::split(text, '\n')) {
    ++number;
    auto words = tokenize(line);
    std::expected<ProbeInvocation, std::string> call;
    if (words && words->empty()) continue;
    if (words) call = parse_line(*words, number);
    if (!words || !call) {
      return std::unexpected(make_error(ErrorCode::invalid_argument,
                                        fmt::format("{}:{}: {}", source, number, words ? call.error() : words.error())));
    }
    calls.push_back(std::move(*call));
  }
  return calls;
}

std::expected<std::vector<ProbeInvocation>, Error> load_probe_script(const std::filesystem::path& path) {
  auto text = util::read_text(path);
  if (!text) return std::unexpected(text.error());
  return parse_probe_script(*text, path.string());
}

std::expected<ArgOverride, Error> parse_arg_override(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      fmt::format("--arg '{}': {} (expected NAME.KEY=VALUE)", text, why)));
  };
  auto dot = text.find('.');
  auto eq = text.find('=');
  if (dot == std::string_view::npos || eq == std::string_view::npos || dot > eq) return fail("missing '.' or '='");
  ArgOverride out{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1, eq - dot - 1)),
                  std::string(text.substr(eq + 1))};
  if (!valid_word(out.probe, is_name_char)) return fail("bad probe name");
  if (!valid_word(out.key, is_key_char)) return fail("bad key");
  if (out.value.size() > limits::kMaxProbeArgValue) return fail("value too long");
  return out;
}

void apply_arg_overrides(std::vector<ProbeInvocation>& calls, const std::vector<ArgOverride>& overrides) {
  for (const auto& o : overrides) {
    bool found = false;
    for (auto& call : calls) {
      if (call.name != o.probe) continue;
      call.args.set(o.key, o.value);
      found = true;
    }
    if (!found) calls.push_back(ProbeInvocation{o.probe, ProbeArgs{{{o.key, o.value}}}, std::nullopt, 0});
  }
}

}  // namespace elfdesk::probes
