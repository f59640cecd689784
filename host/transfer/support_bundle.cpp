#include "host/transfer/support_bundle.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "common/probes/process_table.hpp"
#include "common/transfer/sha256.hpp"

namespace elfdesk::host {
namespace {

struct File {
  std::string name, description, text;
};

std::string redact_text(const std::string& text) {
  // The command-line redaction works on NUL-separated words; a log line is words separated by spaces.
  if (text.find('=') == std::string::npos && text.find("://") == std::string::npos && text.find('-') == std::string::npos)
    return text;
  std::string words = text;
  std::replace(words.begin(), words.end(), ' ', '\0');
  return probes::redacted_command_line(words);
}

std::string redact_text_lines(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out += redact_text(text.substr(start, end == std::string::npos ? std::string::npos : end - start)) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string iso_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

// Journal error entries as text lines, the way an engineer reads logs.
std::string error_log_text(const nlohmann::json& services) {
  std::string out;
  const auto& recent = services.value("data", nlohmann::json::object()).value("journal", nlohmann::json::object());
  if (!recent.is_object() || !recent.contains("recent")) return "(no journal available on this computer)\n";
  for (const auto& e : recent["recent"])
    out += e.value("time", "") + " " + e.value("identifier", "") + "[" + e.value("unit", "") + "] p" +
           std::to_string(e.value("priority", 0)) + ": " + e.value("message", "") + "\n";
  return out.empty() ? "(no error-priority entries in the window)\n" : out;
}

std::vector<File> bundle_files(const nlohmann::json& triage) {
  std::vector<File> files;
  files.push_back({"triage.json", "all findings ranked by urgency, with each probe's data", triage.dump(2)});
  const auto probes_data = triage.value("data", nlohmann::json::object()).value("probes", nlohmann::json::object());
  for (const auto& [name, report] : probes_data.items()) {
    nlohmann::json doc = report;
    doc["probe"] = name;
    doc["findings"] = nlohmann::json::array();
    for (const auto& f : triage.value("findings", nlohmann::json::array()))
      if (f.value("probe", "") == name) doc["findings"].push_back(f);
    files.push_back({"probes/" + name + ".json", "the " + name + " probe's report", doc.dump(2)});
  }
  files.push_back({"logs/journal-errors.txt", "recent error-priority journal entries",
                   error_log_text(probes_data.value("services_logs", nlohmann::json::object()))});
  files.push_back({"system.json", "system facts (OS, kernel, hardware, uptime)",
                   probes_data.value("system", nlohmann::json::object()).dump(2)});
  return files;
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

la_ssize_t append(archive*, void* out, const void* data, size_t size) {
  auto* bytes = static_cast<std::vector<std::uint8_t>*>(out);
  const auto* begin = static_cast<const std::uint8_t*>(data);
  bytes->insert(bytes->end(), begin, begin + size);
  return static_cast<la_ssize_t>(size);
}

std::expected<std::vector<std::uint8_t>, Error> write_tar_zst(const std::vector<File>& files) {
  std::vector<std::uint8_t> out;
  std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  auto fail = [&](const char* what) {
    return std::unexpected(make_error(ErrorCode::internal, std::string(what) + ": " +
                                                              (archive_error_string(a.get()) ? archive_error_string(a.get()) : "?")));
  };
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK) return fail("tar format");
  if (archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK) return fail("zstd filter");
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &out, nullptr, append, nullptr) != ARCHIVE_OK) return fail("open");
  const std::time_t now = std::time(nullptr);
  for (const File& f : files) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), ("elfdesk-bundle/" + f.name).c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(f.text.size()));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_mtime(entry.get(), now, 0);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) return fail("header");
    if (archive_write_data(a.get(), f.text.data(), f.text.size()) != static_cast<la_ssize_t>(f.text.size()))
      return fail("data");
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return fail("close");
  return out;
}

}  // namespace

nlohmann::json redact_document(const nlohmann::json& document) {
  if (document.is_string()) return redact_text(document.get<std::string>());
  if (!document.is_structured()) return document;
  nlohmann::json out = document;
  for (auto& [key, value] : out.items()) value = redact_document(value);
  return out;
}

std::expected<SupportBundle, Error> build_support_bundle(const probes::ProbeRunner& runner, const std::string& host_name) {
  auto triage = runner.run(probes::ProbeInvocation{"triage", {}, std::chrono::seconds(20), 0});
  if (!triage) return std::unexpected(triage.error());
  std::vector<File> files = bundle_files(redact_document(nlohmann::json(*triage)));
  // Like `ps` in sos report: the hundred busiest and largest processes, not only triage's top five.
  probes::ProbeInvocation all_processes{"processes", {}, std::chrono::seconds(10), 0};
  all_processes.args.items.emplace_back("top", "100");
  if (auto processes = runner.run(all_processes)) {
    for (File& f : files)
      if (f.name == "probes/processes.json") {
        f.text = redact_document(nlohmann::json(*processes)).dump(2);
        f.description = "the processes probe's report, the top 100 by CPU and by memory";
      }
  }
  for (File& f : files)
    if (f.name.ends_with(".txt")) f.text = redact_text_lines(f.text);
  nlohmann::json manifest = {{"format", "elfdesk-bundle/1"}, {"created", iso_now()}, {"host", host_name},
                             {"worst", probes::to_string(triage->worst)},
                             {"redaction", "command lines, secret-named options (password, token, key, ...) and URL "
                                           "passwords are masked as ***"},
                             {"files", nlohmann::json::array()}};
  for (const File& f : files) {
    transfer::Sha256 sha;
    sha.update(std::span(reinterpret_cast<const std::uint8_t*>(f.text.data()), f.text.size()));
    manifest["files"].push_back({{"name", f.name}, {"bytes", f.text.size()}, {"sha256", transfer::to_hex(sha.finish())},
                                 {"description", f.description}});
  }
  files.insert(files.begin(), File{"manifest.json", "this list", manifest.dump(2)});
  auto bytes = write_tar_zst(files);
  if (!bytes) return std::unexpected(bytes.error());
  return SupportBundle{std::move(*bytes), std::move(manifest)};
}

}  // namespace elfdesk::host
