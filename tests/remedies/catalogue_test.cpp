// The catalogue: every remedy described with its schema; validation of names and arguments before anything runs.
#include <doctest/doctest.h>

#include "common/remedies/remedy.hpp"

using namespace elfdesk::remedies;
using elfdesk::probes::ProbeArgs;

namespace {
std::string why(std::string_view name, ProbeArgs args) {
  auto ok = builtin_catalogue().validate(name, args);
  REQUIRE_FALSE(ok.has_value());
  CHECK(ok.error().code == elfdesk::ErrorCode::invalid_argument);
  return ok.error().detail;
}
}  // namespace

TEST_CASE("the catalogue holds the documented remedies, each described") {
  std::vector<std::string> names;
  for (const auto& r : builtin_catalogue().remedies()) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"largest_dirs", "empty_trash", "clear_cache", "terminate_process",
                                          "restart_user_unit", "vacuum_journal", "clean_package_cache",
                                          "restart_system_unit", "enable_time_sync"});
  const auto described = builtin_catalogue().describe();
  REQUIRE(described.size() == names.size());
  for (const auto& r : described) {
    CHECK_FALSE(r["description"].get<std::string>().empty());
    for (const auto& a : r["args"]) CHECK_FALSE(a["help"].get<std::string>().empty());
  }
  CHECK(builtin_catalogue().find("vacuum_journal")->administrator);
  CHECK(builtin_catalogue().find("largest_dirs")->read_only);
  CHECK_FALSE(builtin_catalogue().find("empty_trash")->read_only);
}

TEST_CASE("unknown remedies and bad arguments are rejected with a sentence that says why") {
  CHECK(why("rm_rf", {}).starts_with("unknown remedy 'rm_rf'; known remedies: largest_dirs, empty_trash"));
  CHECK(why("terminate_process", {}) == "remedy 'terminate_process' needs the argument 'pid'");
  CHECK(why("terminate_process", {{{"pid", "0"}}}).find("0 is out of range [1, 4194304]") != std::string::npos);
  CHECK(why("terminate_process", {{{"pid", "12x"}}}).find("pid") != std::string::npos);
  CHECK(why("terminate_process", {{{"pid", "5"}, {"signal", "9"}}}) ==
        "remedy 'terminate_process' has no argument 'signal'; allowed: pid, grace_ms");
  CHECK(why("terminate_process", {{{"pid", "5"}, {"pid", "6"}}}).find("given twice") != std::string::npos);
  CHECK(why("clear_cache", {{{"min_mib", "0"}}}).find("out of range") != std::string::npos);
  CHECK(why("largest_dirs", {{{"path", "home"}}}).find("must be an absolute path") != std::string::npos);
  CHECK(why("empty_trash", {{{"force", "1"}}}).find("allowed: (none)") != std::string::npos);
  // Unit names: no options, no paths, no shell words.
  CHECK(why("restart_system_unit", {{{"unit", "--force"}}}).find("is not a unit name") != std::string::npos);
  CHECK(why("restart_system_unit", {{{"unit", "a;reboot.service"}}}).find("letters, digits") != std::string::npos);
  CHECK(why("restart_user_unit", {{{"unit", "backup"}}}).find("must end in .service") != std::string::npos);
  CHECK(why("restart_user_unit", {}).find("needs the argument 'unit'") != std::string::npos);
  CHECK(builtin_catalogue().validate("restart_user_unit", {{{"unit", "backup@home.service"}}}).has_value());
  CHECK(builtin_catalogue().validate("terminate_process", {{{"pid", "4242"}, {"grace_ms", "100"}}}).has_value());
  CHECK(builtin_catalogue().validate("empty_trash", {}).has_value());
}

TEST_CASE("sizes are shown in decimal units, as file managers do") {
  CHECK(human_bytes(999) == "999 bytes");
  CHECK(human_bytes(1'200'000'000) == "1.2 GB");
  CHECK(human_bytes(412'000) == "412.0 KB");
}
