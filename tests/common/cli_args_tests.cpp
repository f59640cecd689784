#include <doctest/doctest.h>

#include "common/cli_args.hpp"

using namespace elfdesk;

TEST_CASE("options, flags and positionals; repeated options keep every value") {
  auto args = parse_args({"127.0.0.1:7417", "--code", "123-456", "--probe=a,b", "--probe", "c", "--json"},
                         {"code", "probe"}, {"json"});
  REQUIRE(args);
  CHECK(args->positional == std::vector<std::string>{"127.0.0.1:7417"});
  CHECK(args->get("code") == "123-456");
  CHECK(args->all("probe") == std::vector<std::string>{"a,b", "c"});
  CHECK(args->has("json"));
  CHECK_FALSE(args->has("help"));
}

TEST_CASE("unknown options and missing values are errors") {
  CHECK_FALSE(parse_args({"--nope"}, {}, {}));
  CHECK_FALSE(parse_args({"-x"}, {}, {}));
  auto missing = parse_args({"--code"}, {"code"}, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().detail == "option --code needs a value");
}

TEST_CASE("host:port parsing") {
  auto hp = parse_host_port("10.0.0.1:7417");
  REQUIRE(hp);
  CHECK(hp->first == "10.0.0.1");
  CHECK(hp->second == 7417);
  auto v6 = parse_host_port("[::1]:80");
  REQUIRE(v6);
  CHECK(v6->first == "::1");
  CHECK_FALSE(parse_host_port("host:0"));
  CHECK(parse_host_port("host:0", true));
  CHECK_FALSE(parse_host_port("host:65536"));
  CHECK_FALSE(parse_host_port("host"));
  CHECK_FALSE(parse_host_port("host:12ab"));
}
