// Remedy vocabulary: the context a remedy acts in (the customer's directories, /proc, what the system
// offers), the plan a remedy makes before it is asked for (the question in plain words, what it will
// touch, how its effect is measured), and the catalogue of typed actions with argument schemas.
// Values; the catalogue is built once and then only read (any thread). No shell, no free-form commands.
#pragma once
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/probes/probe.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::remedies {

using Outcome = protocol::RemedyOutcome;
std::string_view to_string(Outcome outcome);  // "done", "dry_run", "declined", ...
std::optional<Outcome> outcome_from_string(std::string_view text);

// Where a remedy acts. Defaults come from the environment of the process that runs it (the customer's
// elfdesk-host): tests point the directories at temporary trees and the system paths at fixtures.
struct RemedyContext {
  std::filesystem::path home;        // $HOME
  std::filesystem::path data_home;   // $XDG_DATA_HOME, else home/.local/share (the Trash lives here)
  std::filesystem::path cache_home;  // $XDG_CACHE_HOME, else home/.cache
  std::filesystem::path runtime_dir; // $XDG_RUNTIME_DIR (the systemd user manager's socket), may be empty
  std::filesystem::path proc = "/proc";
  std::filesystem::path systemd_marker = "/run/systemd/system";          // exists iff systemd is PID 1
  std::filesystem::path pkexec = "/usr/bin/pkexec";                      // polkit's way to ask an admin
  std::filesystem::path system_bus = "/run/dbus/system_bus_socket";      // polkit answers on the system bus
  std::filesystem::path bin_dir = "/usr/bin";                            // journalctl, systemctl, apt-get ...
  uid_t uid = 0;   // whose processes may be stopped: the real uid of the running process
  pid_t self = 0;  // never stopped
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::shared_ptr<const std::atomic<bool>> cancel;

  static RemedyContext from_environment();
  bool expired() const;
  std::chrono::milliseconds remaining() const;
  bool polkit_available() const;  // pkexec installed and a system bus to reach polkitd
};

// What a remedy did to the machine, for the report and the audit log.
struct Touched {
  std::uint64_t bytes = 0;   // freed (or, read-only, looked at)
  std::uint64_t files = 0;
  nlohmann::json processes = nlohmann::json::array();  // [{pid, name, signal, exited}]
  friend bool operator==(const Touched&, const Touched&) = default;
};
void to_json(nlohmann::json& out, const Touched& touched);

// How a remedy's effect is measured: a probe run before and after, and the number read from its report.
struct Effect {
  std::string probe;        // e.g. "disk"
  probes::ProbeArgs args;
  std::string label;        // "/home", "CPU busy"
  std::string unit = "%";
  std::function<std::optional<double>(const probes::ProbeReport&)> read;
};

// The outcome of applying a plan.
struct Applied {
  Outcome outcome = Outcome::done;
  std::string summary;      // "deleted 1.2 GB in your Trash (412 files)"
  Touched touched;
};

// A remedy looked at the machine (read-only) and says what it would do. Only a plan with outcome `done`
// and an `apply` is asked of the customer; any other outcome (not_available, needs_administrator, failed:
// e.g. another user's process) is the answer as is.
struct RemedyPlan {
  Outcome outcome = Outcome::done;
  std::string question;     // what the customer reads after "<engineer> wants to": exact targets
  std::string summary;      // when there is nothing to apply: why, or what was found (read-only remedies)
  nlohmann::json details = nlohmann::json::object();
  Touched touched;          // what it will touch (dry run) or touched (read-only)
  std::vector<Effect> effects;
  std::function<Applied(const RemedyContext&)> apply;  // empty: nothing to change
};

using RemedyFn = std::function<std::expected<RemedyPlan, Error>(const RemedyContext&, const probes::ProbeArgs&)>;

struct RemedyInfo {
  std::string name;
  std::string description;  // one line: what it does
  std::vector<probes::ArgSpec> args;
  bool administrator = false;  // goes through polkit
  bool read_only = false;      // changes nothing: not asked of the customer (probes permission suffices)
  std::chrono::milliseconds time_limit{30000};
  RemedyFn plan;
  std::vector<std::string> required = {};  // argument keys that must be given
};

class RemedyCatalogue {
 public:
  std::expected<void, Error> add(RemedyInfo info);
  const RemedyInfo* find(std::string_view name) const;
  const std::vector<RemedyInfo>& remedies() const { return remedies_; }
  // invalid_argument: unknown remedy (naming the known ones), or an argument not in its schema / out of range.
  std::expected<void, Error> validate(std::string_view name, const probes::ProbeArgs& args) const;
  nlohmann::json describe() const;  // names, descriptions, argument schemas, for `elfdesk remedies --json`

 private:
  std::vector<RemedyInfo> remedies_;
};

// Every remedy elfdesk knows (docs/probes.md, "Remedies").
const RemedyCatalogue& builtin_catalogue();

// "1.2 GB", "412 KB" (decimal units, as file managers show them).
std::string human_bytes(std::uint64_t bytes);

}  // namespace elfdesk::remedies
