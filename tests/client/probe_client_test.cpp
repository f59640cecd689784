// ProbeClient: the only source of request ids on a session. Every caller's call gets its own id, each
// result reaches the caller that asked exactly once, and results for ids not pending are refused.
#include <doctest/doctest.h>

#include <set>

#include "client/core/probe_client.hpp"

using namespace elfdesk;
using namespace elfdesk::client;
namespace p = elfdesk::protocol;

namespace {

struct Recorder {
  std::vector<p::ProbeRequest> sent;
  ProbeClient::Send send() {
    return [this](p::Message m) { sent.push_back(std::get<p::ProbeRequest>(m)); };
  }
};

probes::ProbeInvocation call_of(const std::string& name) { return probes::ProbeInvocation{name, {}, std::nullopt, 0}; }

p::ProbeResult report_for(std::uint32_t id, const std::string& probe) {
  probes::ProbeReport report;
  report.probe = probe;
  return probes::make_probe_result(id, report);
}

}  // namespace

TEST_CASE("probe client: callers share one id space and each gets its own answers") {
  Recorder wire;
  ProbeClient client(wire.send());
  std::vector<std::string> panel, socket;  // two callers, as the viewer's panel and its control socket
  auto to = [](std::vector<std::string>& out) {
    return [&out](std::expected<probes::ReceivedReport, Error> a) { out.push_back(a ? a->report.probe : a.error().detail); };
  };
  const auto a = client.call(call_of("triage"), to(panel));
  const auto b = client.call(call_of("disk"), to(socket));
  const auto c = client.call(call_of("cpu"), to(socket));
  CHECK(std::set<std::uint32_t>{a, b, c}.size() == 3);
  CHECK(a != 0);
  REQUIRE(wire.sent.size() == 3);
  CHECK(wire.sent[1] == p::ProbeRequest{b, "disk", {}});
  CHECK(client.pending() == 3);
  // Answers in any order reach the caller that asked.
  CHECK(client.deliver(report_for(c, "cpu")));
  CHECK(client.deliver(report_for(a, "triage")));
  CHECK(client.deliver(p::ProbeResult{b, p::ProbeStatus::error, 3, 0, {}, "bad argument"}));
  CHECK(panel == std::vector<std::string>{"triage"});
  CHECK(socket == std::vector<std::string>{"cpu", "bad argument"});
  CHECK(client.pending() == 0);
  // A repeated or foreign id is refused and reaches nobody.
  CHECK_FALSE(client.deliver(report_for(a, "triage")));
  CHECK_FALSE(client.deliver(report_for(12345, "disk")));
  CHECK(panel.size() == 1);
}

TEST_CASE("probe client: ids never repeat one still pending, never 0, also across the wrap") {
  Recorder wire;
  ProbeClient client(wire.send(), 0xFFFFFFFEu);
  const auto first = client.call(call_of("a"), {});
  const auto second = client.call(call_of("b"), {});
  const auto third = client.call(call_of("c"), {});  // wraps past 0
  CHECK(first == 0xFFFFFFFEu);
  CHECK(second == 0xFFFFFFFFu);
  CHECK(third == 1u);
  CHECK(client.pending() == 3);
  // Going round again skips the ids still waiting.
  ProbeClient again(wire.send(), 0xFFFFFFFFu);
  const auto x = again.call(call_of("x"), {});  // 0xFFFFFFFF
  const auto y = again.call(call_of("y"), {});  // 1
  CHECK(x == 0xFFFFFFFFu);
  CHECK(y == 1u);
}

TEST_CASE("probe client: an answer may start the next call; cancel_all answers the rest as closed") {
  Recorder wire;
  ProbeClient client(wire.send());
  std::vector<std::string> got;
  client.call(call_of("first"), [&](std::expected<probes::ReceivedReport, Error> a) {
    got.push_back(a->report.probe);
    client.call(call_of("second"), [&](std::expected<probes::ReceivedReport, Error> b) {
      got.push_back(b ? "?" : std::string(to_string(b.error().code)) + ": " + b.error().detail);
    });
  });
  REQUIRE(client.deliver(report_for(wire.sent.at(0).request_id, "first")));
  REQUIRE(wire.sent.size() == 2);
  CHECK(wire.sent[1].request_id != wire.sent[0].request_id);
  client.cancel_all("the session ended");
  CHECK(got == std::vector<std::string>{"first", "closed: the session ended"});
  CHECK(client.pending() == 0);
}
