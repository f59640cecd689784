#include "common/cli_args.hpp"

#include <charconv>

namespace elfdesk {

std::string ParsedArgs::get(const std::string& name, std::string fallback) const {
  auto range = values.equal_range(name);
  if (range.first == range.second) return fallback;
  return std::prev(range.second)->second;  // the last one wins
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = values.equal_range(name); it != end; ++it) out.push_back(it->second);
  return out;
}

std::expected<ParsedArgs, Error> parse_args(const std::vector<std::string>& args,
                                            const std::set<std::string>& with_value,
                                            const std::set<std::string>& flags) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.rfind("--", 0) != 0) {
      if (arg.size() > 1 && arg[0] == '-' && arg != "-h")
        return std::unexpected(make_error(ErrorCode::invalid_argument, "unknown option " + arg));
      if (arg == "-h") {
        parsed.flags.insert("help");
        continue;
      }
      parsed.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    const auto eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (flags.contains(name) && !inline_value) {
      parsed.flags.insert(name);
    } else if (with_value.contains(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size())
          return std::unexpected(make_error(ErrorCode::invalid_argument, "option --" + name + " needs a value"));
        value = args[++i];
      }
      parsed.values.emplace(name, value);
    } else {
      return std::unexpected(make_error(ErrorCode::invalid_argument, "unknown option --" + name));
    }
  }
  return parsed;
}

std::expected<long, Error> parse_number(const std::string& text, long min, long max, const std::string& what) {
  long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < min || value > max)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      what + " must be a number from " + std::to_string(min) + " to " +
                                          std::to_string(max) + ", got '" + text + "'"));
  return value;
}

std::expected<std::pair<std::string, std::uint16_t>, Error> parse_host_port(const std::string& text,
                                                                             bool allow_zero) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "expected HOST:PORT, got '" + text + "'"));
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = parse_number(text.substr(colon + 1), allow_zero ? 0 : 1, 65535, "port");
  if (!port) return std::unexpected(port.error());
  return std::pair{host, static_cast<std::uint16_t>(*port)};
}

}  // namespace elfdesk
