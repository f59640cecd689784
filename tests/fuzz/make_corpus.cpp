// Writes the seed corpus of fuzz_protocol (tests/fuzz/corpus): one payload-mode seed per message type,
// stream-mode seeds with every sample frame, and a few broken streams; with a second directory also that
// of fuzz_probe_wire (tests/fuzz/corpus_probe_wire). Usage: fuzz_make_corpus DIR [PROBE_WIRE_DIR].
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/probes/probe_wire.hpp"
#include "common/remedies/remedy_wire.hpp"
#include "protocol/codec.hpp"
#include "tests/protocol/sample_messages.hpp"

namespace p = elfdesk::protocol;

namespace {

bool write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::string two_digits(std::size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

std::vector<std::uint8_t> seed(std::uint8_t mode, const p::Message& message) {
  std::vector<std::uint8_t> out{mode};
  auto payload = p::encode_payload(message);
  if (payload) out.insert(out.end(), payload->begin(), payload->end());
  return out;
}

std::vector<std::uint8_t> json_seed(std::uint8_t severity, const std::string& json) {
  std::vector<std::uint8_t> out{0x00, severity};
  out.insert(out.end(), json.begin(), json.end());
  return out;
}

// Seeds of fuzz_probe_wire, one per mode (byte 0 % 3): report JSON, ProbeResult payload, ProbeRequest payload.
bool write_probe_wire_seeds(const std::string& dir) {
  namespace pr = elfdesk::probes;
  pr::ProbeReport report;
  report.probe = "disk";
  report.data = {{"mounts", {{{"path", "/"}, {"used_pct", 97.5}}}}};
  report.findings.push_back(pr::Finding{"disk", "space:/", pr::Severity::critical, "/ is 97.5% full", 97.5});
  report.worst = pr::Severity::critical;
  report.elapsed_ms = 3.25;
  const std::string json = nlohmann::json(report).dump();
  p::ProbeResult bad_zstd = pr::make_probe_result(2, report);
  bad_zstd.json_zstd.assign(24, 0x28);
  bool ok = write(dir + "/json_report.bin", json_seed(2, json));
  ok &= write(dir + "/json_nested.bin", json_seed(0, std::string(80, '[') + std::string(80, ']')));
  ok &= write(dir + "/json_not_a_report.bin", json_seed(0, R"({"probe": 1, "findings": "none"})"));
  ok &= write(dir + "/result_report.bin", seed(0x01, pr::make_probe_result(5, report)));
  ok &= write(dir + "/result_rejected.bin", seed(0x01, pr::make_rejected_result(6, "unknown probe 'dsik'")));
  ok &= write(dir + "/result_bad_zstd.bin", seed(0x01, bad_zstd));
  pr::ProbeInvocation call{"network", {{{"resolve", "example.org"}, {"time_limit_ms", "900"}}}, std::nullopt, 0};
  ok &= write(dir + "/request.bin", seed(0x02, pr::make_probe_request(8, call)));
  return ok;
}

// Seeds of fuzz_remedy_wire, one per mode (byte 0 % 3): report JSON, RemedyResult payload, RemedyRequest payload.
bool write_remedy_wire_seeds(const std::string& dir) {
  namespace rm = elfdesk::remedies;
  rm::RemedyReport report;
  report.remedy = "empty_trash";
  report.summary = "deleted 1.2 GB in your Trash (412 of 412 files)";
  report.question = "delete 1.2 GB in your Trash (412 files)";
  report.touched = {1200000000, 412, nlohmann::json::array()};
  report.effects.push_back({"disk", "/home", "%", 97.0, 61.0, "/home: 97% -> 61%"});
  const std::string json = nlohmann::json(report).dump();
  bool ok = write(dir + "/json_report.bin", json_seed(0, json));
  ok &= write(dir + "/json_nested.bin", json_seed(0, std::string(80, '[') + std::string(80, ']')));
  ok &= write(dir + "/json_wrong_types.bin",
              json_seed(0, R"({"remedy":"x","outcome":"done","summary":"s","touched":{"bytes":"many"},"effects":[]})"));
  ok &= write(dir + "/result_report.bin", seed(0x01, rm::make_remedy_result(5, report)));
  ok &= write(dir + "/result_rejected.bin", seed(0x01, rm::make_rejected_remedy(6, "unknown remedy 'rm'")));
  rm::RemedyCall call{"terminate_process", {{{"pid", "4242"}, {"grace_ms", "500"}}}, true};
  ok &= write(dir + "/request.bin", seed(0x02, rm::make_remedy_request(8, call)));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR [PROBE_WIRE_OUTPUT_DIR [REMEDY_WIRE_OUTPUT_DIR]]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  std::vector<std::uint8_t> stream{0x00};  // stream mode, 1-byte chunks
  p::PictureBase written;                   // the stream's pictures relative to each other, as on a connection
  for (const auto& message : p::testing::sample_messages()) {
    const auto type = static_cast<std::uint16_t>(p::type_of(message));
    auto payload = p::encode_payload(message);
    auto frame = p::encode_frame(message, written);
    if (!payload || !frame) return 1;
    written.note(message);
    std::vector<std::uint8_t> seed{0x01, static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type)};
    seed.insert(seed.end(), payload->begin(), payload->end());
    ok &= write(dir + "/payload_" + two_digits(type) + "_" + p::name_of(p::type_of(message)) + ".bin", seed);
    stream.insert(stream.end(), frame->begin(), frame->end());
  }
  // A keystroke after the last picture, on the same screen: a PixelPatch with no geometry, a step of 1.
  const std::uint32_t keystroke_raw = 8 * 13 + 2 + 4 * 2;  // palette: an index a pixel, 2 colours
  const p::PixelPatch keystroke{written.frame_id + 1, written.capture_time_us + 100'000, written.width,
                                written.height, {310, 45, 12}, {}, {{8, 8, 8, 13}}, p::PixelFormat::palette,
                                true, keystroke_raw, std::vector<std::uint8_t>(12, 0x44)};
  auto relative = p::encode_frame(keystroke, written);
  if (!relative) return 1;
  stream.insert(stream.end(), relative->begin(), relative->end());
  ok &= write(dir + "/stream_all_1byte.bin", stream);
  stream[0] = 0xFE;  // the same stream in 128-byte chunks
  ok &= write(dir + "/stream_all_128byte.bin", stream);
  // Broken streams: non-zero flags, a Ping claiming 1 MiB, a valid Ping followed by trailing garbage.
  ok &= write(dir + "/stream_bad_flags.bin", {0x10, 0, 19, 1, 0, 0, 0, 0, 16});
  ok &= write(dir + "/stream_ping_oversized.bin", {0x10, 0, 19, 0, 0, 0, 0x10, 0, 0});
  auto ping = p::encode_frame(p::Ping{7, 8});
  if (!ping) return 1;
  std::vector<std::uint8_t> trailing{0x06};
  trailing.insert(trailing.end(), ping->begin(), ping->end());
  trailing.insert(trailing.end(), {0, 20, 0, 0, 0, 0, 0, 17});
  trailing.insert(trailing.end(), 17, 0xAB);
  ok &= write(dir + "/stream_pong_trailing_byte.bin", trailing);
  if (argc >= 3) ok &= write_probe_wire_seeds(argv[2]);
  if (argc == 4) ok &= write_remedy_wire_seeds(argv[3]);
  return ok ? 0 : 1;
}
