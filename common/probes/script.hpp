// Probe scripts (`elfdesk diag --script FILE`) and `--arg NAME.KEY=VALUE` overrides.
// Syntax: one probe per line, `name key=value key="value with spaces"`; `#` starts a comment
// (outside quotes); blank lines are ignored. Pure functions, any thread; errors carry line numbers.
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/probes/probe_runner.hpp"
#include "protocol/error.hpp"

namespace elfdesk::probes {

// Checks syntax only (names, key=value shape, quotes, limits); probe names and argument schemas
// are checked by ProbeRunner::validate, whose errors also name the line.
std::expected<std::vector<ProbeInvocation>, Error> parse_probe_script(std::string_view text,
                                                                      std::string_view source = "script");
std::expected<std::vector<ProbeInvocation>, Error> load_probe_script(const std::filesystem::path& path);

struct ArgOverride {
  std::string probe;
  std::string key;
  std::string value;
  friend bool operator==(const ArgOverride&, const ArgOverride&) = default;
};

// Parses "NAME.KEY=VALUE" (the text after `--arg`).
std::expected<ArgOverride, Error> parse_arg_override(std::string_view text);
// Sets the key on every call of that probe; appends a call when the probe is not in `calls`.
void apply_arg_overrides(std::vector<ProbeInvocation>& calls, const std::vector<ArgOverride>& overrides);

}  // namespace elfdesk::probes
