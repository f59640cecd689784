#include "host/transfer/host_transfers.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

#include "common/log.hpp"
#include "common/transfer/file_names.hpp"
#include "common/transfer/sha256.hpp"
#include "host/transfer/download_dir.hpp"
#include "host/transfer/support_bundle.hpp"
#include "host/ui/display_text.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {
using namespace protocol;
constexpr auto kProgressEvery = std::chrono::milliseconds(200);

const char* kind_word(TransferKind kind) {
  switch (kind) {
    case TransferKind::push: return "push";
    case TransferKind::pull: return "pull";
    case TransferKind::bundle: return "bundle";
  }
  return "?";
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}
}  // namespace

std::string human_size(std::uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} bytes", bytes);
  if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  if (bytes < 1000ull * 1000 * 1000) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  return fmt::format("{:.2f} GB", static_cast<double>(bytes) / 1e9);
}

// The one transfer under way. Shared with the sending coroutine and the bundle job, which check
// `cancelled` after every wait: the session may have ended or the engineer cancelled meanwhile.
struct HostTransfers::Active {
  TransferControl offer;
  std::string shown_name;  // what the customer reads: the file's name or path
  bool receiving = false;
  bool cancelled = false;
  int fd = -1;
  std::string path;  // push: the new file in the download folder
  std::uint64_t done = 0;
  transfer::Sha256 sha;
  std::vector<std::uint8_t> bundle;
  // The sender's done travels on the control lane and may overtake its last chunks on the bulk lane:
  // it waits here until every byte is in.
  std::optional<TransferControl> early_done;
  std::shared_ptr<asio::steady_timer> answer_timer;
  std::chrono::steady_clock::time_point last_progress{};
  ~Active() {
    if (fd >= 0) ::close(fd);
  }
};

HostTransfers::HostTransfers(TransferContext context) : ctx_(std::move(context)) {}
HostTransfers::~HostTransfers() = default;

void HostTransfers::handle(const TransferControl& m) {
  switch (m.op) {
    case TransferOp::offer: return offer(m);
    case TransferOp::done:
      if (active_ && active_->offer.transfer_id == m.transfer_id && active_->receiving) end_push(m);
      return;  // else the engineer's receipt of a pull or bundle: nothing more to do
    case TransferOp::cancel:
      if (!active_ || active_->offer.transfer_id != m.transfer_id) return;
      ctx_.audit->record("transfer_cancelled", {{"engineer", ctx_.engineer_name}, {"kind", kind_word(active_->offer.kind)},
                                                {"name", active_->shown_name}, {"reason", m.reason}});
      if (ctx_.ui) ctx_.ui->show_activity("Transfer cancelled by the engineer: " + active_->shown_name);
      if (active_->receiving && !active_->path.empty()) ::unlink(active_->path.c_str());
      return clear_active();
    case TransferOp::accept:
    case TransferOp::refuse: return;  // only the host sends these
  }
}

// refuse: the customer said no (or did not answer); cancel: it cannot be done (the engineer's exit 12 or 4).
void HostTransfers::refuse(std::uint32_t id, const std::string& reason, TransferOp op) {
  ctx_.connection->send(TransferControl{id, op, TransferKind::push, 0, "", {}, reason.substr(0, 250)});
}

void HostTransfers::offer(const TransferControl& m) {
  const bool files_ok = (ctx_.permissions & permission::kFiles) != 0;
  auto refused = [&](const std::string& why) {
    ctx_.audit->record("transfer_refused", {{"engineer", ctx_.engineer_name}, {"kind", kind_word(m.kind)},
                                            {"name", m.name}, {"size", m.size}, {"reason", why}});
    refuse(m.transfer_id, why, TransferOp::cancel);
  };
  if (active_) return refused("another transfer is under way");
  if (m.kind == TransferKind::bundle ? (ctx_.permissions & permission::kProbes) == 0 : !files_ok)
    return refused(m.kind == TransferKind::bundle ? "diagnostics were not granted in this session"
                                                  : "file transfers were not granted in this session");
  auto a = std::make_shared<Active>();
  a->offer = m;
  const std::string cap = human_size(ctx_.options->max_transfer_bytes);
  std::string request;
  if (m.kind == TransferKind::push) {
    if (m.size > ctx_.options->max_transfer_bytes)
      return refused(fmt::format("the file is too large: {}; this computer accepts at most {}", human_size(m.size), cap));
    a->shown_name = transfer::safe_file_name(m.name);
    request = fmt::format("send you the file \"{}\" ({})", a->shown_name, human_size(m.size));
  } else if (m.kind == TransferKind::pull) {
    // The host's own permissions decide what can be read; a symbolic link at the end is not followed,
    // and only a regular file is sent (no devices, FIFOs or directories).
    a->fd = ::open(m.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (a->fd < 0)
      return refused(errno == ELOOP ? m.name + " is a symbolic link (not followed)"
                                    : fmt::format("cannot open {}: {}", m.name, std::strerror(errno)));
    struct stat st {};
    if (::fstat(a->fd, &st) != 0 || !S_ISREG(st.st_mode)) return refused(m.name + " is not a regular file");
    a->offer.size = static_cast<std::uint64_t>(st.st_size);
    if (a->offer.size > ctx_.options->max_transfer_bytes)
      return refused(fmt::format("the file is too large: {}; this computer sends at most {}", human_size(a->offer.size), cap));
    a->shown_name = m.name;
    request = fmt::format("copy the file {} ({}) from this computer", m.name, human_size(a->offer.size));
  } else {
    a->shown_name = "support bundle";
    request = "download a support bundle: diagnostics, recent error logs, system facts (secrets masked)";
  }
  active_ = a;
  ask_then(request, [this, weak = weak_from_this(), a](bool allowed, std::string how) {
    if (!weak.lock() || active_ != a) return;
    ctx_.audit->record("transfer_consent", {{"engineer", ctx_.engineer_name}, {"kind", kind_word(a->offer.kind)},
                                            {"name", a->shown_name}, {"size", a->offer.size},
                                            {"decision", allowed ? "allowed" : "denied"}, {"how", how}});
    if (!allowed) {
      refuse(a->offer.transfer_id, how == "no answer in time" ? "the customer did not answer in time"
                                                              : "declined by the customer",
             TransferOp::refuse);
      return clear_active();
    }
    if (a->offer.kind == TransferKind::push) return start_push();
    if (a->offer.kind == TransferKind::pull) return start_pull();
    start_bundle();
  });
}

void HostTransfers::ask_then(std::string request, std::function<void(bool, std::string)> then) {
  if (ctx_.options->consent == ConsentMode::accept) return then(true, "pre-approved (--consent accept)");
  if (!ctx_.ui) return then(false, "no way to ask the customer");
  auto timer = std::make_shared<asio::steady_timer>(ctx_.connection->executor());
  auto answer = std::make_shared<std::optional<bool>>();
  timer->expires_after(ctx_.options->consent_timeout);
  active_->answer_timer = timer;
  const ConsentQuestion question{ctx_.engineer_name, ctx_.peer, 0, false, std::move(request)};
  std::printf("elfdesk-host: %s\n", question_text(question).c_str());
  std::fflush(stdout);
  ctx_.ui->ask(question, [timer, answer, ex = ctx_.connection->executor()](ConsentAnswer a) {
    asio::post(ex, [timer, answer, a] {
      if (*answer) return;
      *answer = a == ConsentAnswer::allow;
      timer->cancel();
    });
  });
  timer->async_wait([ui = ctx_.ui, answer, then = std::move(then)](const asio::error_code&) {
    if (!*answer) ui->cancel_question();
    then(answer->value_or(false), *answer ? "asked the customer" : "no answer in time");
  });
}

void HostTransfers::start_push() {
  Active& a = *active_;
  auto dir = download_directory(ctx_.options->download_dir);
  auto file = dir ? transfer::create_unique_file(*dir, a.shown_name)
                  : std::expected<transfer::CreatedFile, Error>(std::unexpected(dir.error()));
  if (!file) return fail(file.error().detail);
  a.fd = file->fd;
  a.path = file->path;
  a.receiving = true;
  ctx_.connection->send(TransferControl{a.offer.transfer_id, TransferOp::accept, TransferKind::push, a.offer.size,
                                        a.path.substr(a.path.rfind('/') + 1), {}, ""});
  progress(0);
}

void HostTransfers::handle(const BulkChunk& chunk) {
  if (!active_ || !active_->receiving || chunk.stream_id != active_->offer.transfer_id)
    return log::debug("bulk chunk for no transfer under way dropped");
  Active& a = *active_;
  if (chunk.offset != a.done) return fail("a piece of the file arrived out of order");
  if (chunk.data.size() > a.offer.size - a.done) return fail("more data arrived than the file's announced size");
  for (std::size_t written = 0; written < chunk.data.size();) {
    const ssize_t n = ::write(a.fd, chunk.data.data() + written, chunk.data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::unlink(a.path.c_str());
      return fail(fmt::format("cannot write {}: {}", a.path, std::strerror(errno)));
    }
    written += static_cast<std::size_t>(n);
  }
  a.sha.update(chunk.data);
  a.done += chunk.data.size();
  progress(a.done);
  if (a.done == a.offer.size && a.early_done) end_push(*a.early_done);
}

void HostTransfers::end_push(const TransferControl& m) {
  Active& a = *active_;
  if (a.done < a.offer.size) {
    a.early_done = m;
    return;
  }
  const auto digest = a.sha.finish();
  if (digest != m.sha256) {
    ::unlink(a.path.c_str());
    return fail("SHA-256 mismatch: the file was damaged on the way and was deleted");
  }
  ::fsync(a.fd);
  ::close(std::exchange(a.fd, -1));
  const std::string hex = transfer::to_hex(digest);
  ctx_.audit->record("file_received", {{"engineer", ctx_.engineer_name}, {"name", a.offer.name}, {"path", a.path},
                                       {"bytes", a.done}, {"sha256", hex}});
  ctx_.connection->send(TransferControl{a.offer.transfer_id, TransferOp::done, TransferKind::push, a.done, a.path,
                                        digest, ""});
  std::printf("elfdesk-host: received %s (%s) from the engineer\n", a.path.c_str(), human_size(a.done).c_str());
  std::fflush(stdout);
  if (ctx_.ui) ctx_.ui->show_activity("Received " + a.path + " (" + human_size(a.done) + ")");
  clear_active();
}

void HostTransfers::start_pull() {
  Active& a = *active_;
  ctx_.connection->send(TransferControl{a.offer.transfer_id, TransferOp::accept, TransferKind::pull, a.offer.size,
                                        a.offer.name, {}, ""});
  send_stream();
}

void HostTransfers::start_bundle() {
  if (ctx_.ui) ctx_.ui->show_activity("Collecting the support bundle...");
  auto a = active_;
  asio::post(*ctx_.pool, [weak = weak_from_this(), ex = ctx_.connection->executor(), runner = ctx_.runner, a] {
    auto bundle = build_support_bundle(*runner, host_name());
    asio::post(ex, [weak, a, bundle = std::move(bundle)]() mutable {
      auto self = weak.lock();
      if (!self || a->cancelled || self->active_ != a) return;
      if (!bundle) return self->fail("cannot build the bundle: " + bundle.error().detail);
      a->bundle = std::move(bundle->bytes);
      a->offer.size = a->bundle.size();
      self->ctx_.connection->send(TransferControl{a->offer.transfer_id, TransferOp::accept, TransferKind::bundle,
                                                  a->offer.size, "elfdesk-bundle.tar.zst", {}, ""});
      self->send_stream();
    });
  });
}

// Sends the active pull or bundle as BulkChunks; send_bulk waits for room in the bulk window, so
// input and video overtake it and memory stays bounded.
void HostTransfers::send_stream() {
  auto a = active_;
  asio::co_spawn(ctx_.connection->executor(), [self = shared_from_this(), a]() -> asio::awaitable<void> {
    const auto conn = self->ctx_.connection;
    while (a->done < a->offer.size && !a->cancelled) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(limits::kMaxBulkChunk, a->offer.size - a->done));
      BulkChunk chunk{a->offer.transfer_id, a->done, Bytes(n)};
      if (!a->bundle.empty()) {
        std::copy_n(a->bundle.begin() + static_cast<std::ptrdiff_t>(a->done), n, chunk.data.begin());
      } else if (::pread(a->fd, chunk.data.data(), n, static_cast<off_t>(a->done)) != static_cast<ssize_t>(n)) {
        co_return self->fail("the file changed while it was being sent");
      }
      a->sha.update(chunk.data);
      // Named, not inside a larger expression: g++ 12's coroutine temporaries (docs/architecture.md).
      const auto queued = co_await conn->send_bulk(std::move(chunk));
      if (!queued || a->cancelled) co_return;
      a->done += n;
      self->progress(a->done);
    }
    if (a->cancelled) co_return;
    const auto digest = a->sha.finish();
    conn->send(TransferControl{a->offer.transfer_id, TransferOp::done, a->offer.kind, a->done, a->offer.name, digest, ""});
    const bool bundle = a->offer.kind == TransferKind::bundle;
    self->ctx_.audit->record(bundle ? "bundle_sent" : "file_sent",
                             {{"engineer", self->ctx_.engineer_name}, {"name", a->shown_name}, {"bytes", a->done},
                              {"sha256", transfer::to_hex(digest)}});
    if (self->ctx_.ui) self->ctx_.ui->show_activity("Sent " + a->shown_name + " (" + human_size(a->done) + ")");
    std::printf("elfdesk-host: sent %s (%s) to the engineer\n", a->shown_name.c_str(), human_size(a->done).c_str());
    std::fflush(stdout);
    if (self->active_ == a) self->clear_active();
  }, asio::detached);
}

void HostTransfers::progress(std::uint64_t done) {
  Active& a = *active_;
  const auto now = std::chrono::steady_clock::now();
  if (!ctx_.ui || (now - a.last_progress < kProgressEvery && done != a.offer.size)) return;
  a.last_progress = now;
  const auto percent = a.offer.size == 0 ? 100 : done * 100 / a.offer.size;
  ctx_.ui->show_activity(fmt::format("{} {}: {}% of {}", a.receiving ? "Receiving" : "Sending", a.shown_name, percent,
                                     human_size(a.offer.size)));
}

void HostTransfers::fail(const std::string& reason) {
  if (!active_) return;
  Active& a = *active_;
  if (a.receiving && !a.path.empty()) ::unlink(a.path.c_str());  // never leave a broken file behind
  ctx_.audit->record("transfer_failed", {{"engineer", ctx_.engineer_name}, {"kind", kind_word(a.offer.kind)},
                                         {"name", a.shown_name}, {"bytes", a.done}, {"reason", reason}});
  ctx_.connection->send(TransferControl{a.offer.transfer_id, TransferOp::cancel, a.offer.kind, 0, "", {}, reason.substr(0, 250)});
  if (ctx_.ui) ctx_.ui->show_activity("Transfer failed: " + reason);
  clear_active();
}

void HostTransfers::clear_active() {
  if (!active_) return;
  active_->cancelled = true;
  if (active_->answer_timer) active_->answer_timer->cancel();
  active_.reset();
}

void HostTransfers::finish() {
  if (!active_) return;
  if (active_->receiving && active_->fd >= 0) ::unlink(active_->path.c_str());  // never leave half a file
  clear_active();
  if (ctx_.ui) ctx_.ui->show_activity("");
}

}  // namespace elfdesk::host
