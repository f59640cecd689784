// The support bundle (`elfdesk bundle`): triage, every probe family's report, recent error logs and
// system facts in one tar.zst with a manifest, like `sos report` in seconds. Every string is passed
// through the process probe's redaction (secret-named options and URL passwords masked). Built on a
// probe pool thread (it runs triage: seconds); the result is plain bytes.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "common/probes/probe_runner.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

struct SupportBundle {
  std::vector<std::uint8_t> bytes;  // a zstd-compressed POSIX tar
  nlohmann::json manifest;          // also inside, as manifest.json
};

std::expected<SupportBundle, Error> build_support_bundle(const probes::ProbeRunner& runner, const std::string& host_name);

// Every string in `document` (keys kept) with secrets masked as in the process probe's command lines.
nlohmann::json redact_document(const nlohmann::json& document);

}  // namespace elfdesk::host
