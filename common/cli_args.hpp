// A small command-line reader shared by elfdesk and elfdesk-host: `--name value`, `--name=value`,
// boolean `--flag`, and positional words. Start-up only (main thread). Unknown options are errors.
#pragma once
#include <cstdint>
#include <expected>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk {

struct ParsedArgs {
  std::multimap<std::string, std::string> values;  // options with a value, in order
  std::set<std::string> flags;                     // options without a value
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return flags.contains(name) || values.contains(name); }
  std::string get(const std::string& name, std::string fallback = {}) const;
  std::vector<std::string> all(const std::string& name) const;
};

// `with_value` lists the options that take a value; `flags` those that do not.
std::expected<ParsedArgs, Error> parse_args(const std::vector<std::string>& args,
                                            const std::set<std::string>& with_value,
                                            const std::set<std::string>& flags);

// "HOST:PORT", "[V6]:PORT" or ":PORT". Port 0 is allowed only when allow_zero (listen on any free port).
std::expected<std::pair<std::string, std::uint16_t>, Error> parse_host_port(const std::string& text,
                                                                             bool allow_zero = false);
std::expected<long, Error> parse_number(const std::string& text, long min, long max, const std::string& what);

}  // namespace elfdesk
