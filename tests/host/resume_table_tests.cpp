// The host's resumable session on a manual clock: the 60 s window, single-use proofs, the end of a
// session (Goodbye, customer) and the failure cap. Real resume secrets; no sleeps.
#include "host/core/resume_table.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace elfdesk::host {
namespace {

using namespace std::chrono_literals;
std::vector<std::uint8_t> filled(std::size_t n, std::uint8_t v) { return std::vector<std::uint8_t>(n, v); }

auth::ResumeSecret secret() {
  auto s = auth::ResumeSecret::from_session_key(filled(16, 0x42), filled(32, 0x01));
  REQUIRE(s);
  return *s;
}

struct Fixture {
  ManualClock clock;
  ResumeTable table{clock, kDefaultResumeWindow};
  auth::ResumeSecret engineer = secret();
  Fixture() { table.open(secret()); }
  auto attempt(std::uint8_t connection) {
    const auto exporter = filled(32, connection);
    return table.resume(engineer.ticket(), engineer.proof(exporter), exporter);
  }
};

TEST_CASE("a dropped session resumes inside the window and reports the gap") {
  Fixture f;
  f.table.dropped();
  f.clock.advance(12s);
  f.table.dropped();  // a second notice does not restart the gap
  CHECK(f.table.deadline() == std::chrono::steady_clock::time_point{} + 60s);
  auto gap = f.attempt(0x02);
  REQUIRE(gap);
  CHECK(*gap == 12s);
  CHECK_FALSE(f.table.is_dropped());
  CHECK_FALSE(f.table.deadline());
}

TEST_CASE("the window closes at 60 s: 59.9 s still resumes, 60 s does not and ends the session") {
  {
    Fixture f;
    f.table.dropped();
    f.clock.advance(59900ms);
    CHECK_FALSE(f.table.expired());
    CHECK(f.attempt(0x02));
  }
  Fixture f;
  f.table.dropped();
  f.clock.advance(60s);
  CHECK(f.table.expired());
  CHECK(f.attempt(0x02).error() == ResumeTable::Refusal::expired);
  CHECK_FALSE(f.table.is_open());
  CHECK(f.attempt(0x02).error() == ResumeTable::Refusal::none_open);
}

TEST_CASE("a proof is single use: replayed on the same or on another connection it fails") {
  Fixture f;
  f.table.dropped();
  const auto exporter = filled(32, 0x02);
  const auto proof = f.engineer.proof(exporter);
  const auto ticket = f.engineer.ticket();
  REQUIRE(f.table.resume(ticket, proof, exporter));
  f.table.dropped();
  CHECK(f.table.resume(ticket, proof, exporter).error() == ResumeTable::Refusal::unknown_ticket);
  // The engineer steps on as well and resumes again with the next secret.
  f.engineer = f.engineer.next(exporter);
  CHECK(f.attempt(0x03));
}

TEST_CASE("a proof copied onto another connection fails and counts; five failures end resumability") {
  Fixture f;
  f.table.dropped();
  const auto stolen = f.engineer.proof(filled(32, 0x02));
  for (int i = 1; i < kMaxResumeFailures; ++i) {
    CHECK(f.table.resume(f.engineer.ticket(), stolen, filled(32, 0x66)).error() == ResumeTable::Refusal::bad_proof);
    CHECK(f.table.failures() == i);
  }
  CHECK(f.table.resume(f.engineer.ticket(), stolen, filled(32, 0x66)).error() ==
        ResumeTable::Refusal::too_many_failures);
  CHECK(f.attempt(0x02).error() == ResumeTable::Refusal::none_open);  // even the real engineer now
}

TEST_CASE("after Goodbye or the customer's end nothing resumes") {
  Fixture f;
  f.table.close();
  CHECK(f.attempt(0x02).error() == ResumeTable::Refusal::none_open);
  CHECK_FALSE(f.table.deadline());
  CHECK(ResumeTable::describe(ResumeTable::Refusal::none_open).find("ended") != std::string::npos);
}

TEST_CASE("a resume before the host noticed the loss is accepted with a gap of zero") {
  Fixture f;
  f.clock.advance(5s);
  auto gap = f.attempt(0x02);
  REQUIRE(gap);
  CHECK(*gap == 0ms);
}

}  // namespace
}  // namespace elfdesk::host
