#include "client/core/transfer_client.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "common/transfer/sha256.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {
using namespace protocol;

TransferOutcome failed(std::string why) { return TransferOutcome{kTransferFailedExit, std::move(why), 0, {}, {}}; }
}  // namespace

struct TransferClient::Transfer {
  std::uint32_t id = 0;
  TransferKind kind = TransferKind::push;
  int fd = -1;
  std::string out_path, part_path;  // pull, bundle
  std::uint64_t size = 0, done = 0;
  transfer::Sha256 sha;
  std::vector<std::uint8_t> digest;  // push: what we sent
  std::optional<protocol::TransferControl> early_done;  // overtook the last chunks (control before bulk)
  Progress progress;
  Finished finished;
  bool ended = false;
  ~Transfer() {
    if (fd >= 0) ::close(fd);
  }
};

TransferClient::TransferClient(std::shared_ptr<Connection> connection) : connection_(std::move(connection)) {}
TransferClient::~TransferClient() { cancel_all("the session ended"); }

std::uint32_t TransferClient::start(std::shared_ptr<Transfer> t, TransferKind kind, std::uint64_t size, std::string name) {
  while (next_id_ == 0 || pending_.contains(next_id_)) ++next_id_;
  t->id = next_id_++;
  t->kind = kind;
  pending_.emplace(t->id, t);
  connection_->send(TransferControl{t->id, TransferOp::offer, kind, size, std::move(name), {}, ""});
  return t->id;
}

void TransferClient::end(const std::shared_ptr<Transfer>& t, TransferOutcome outcome) {
  if (t->ended) return;
  t->ended = true;
  pending_.erase(t->id);
  if (t->fd >= 0) ::close(std::exchange(t->fd, -1));
  if (outcome.exit_code != 0 && !t->part_path.empty()) ::unlink(t->part_path.c_str());
  if (t->finished) t->finished(std::move(outcome));
}

void TransferClient::push(const std::string& local_path, Progress progress, Finished finished) {
  auto t = std::make_shared<Transfer>();
  t->progress = std::move(progress);
  t->finished = std::move(finished);
  t->fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (t->fd < 0 || ::fstat(t->fd, &st) != 0 || !S_ISREG(st.st_mode))
    return t->finished(failed("cannot read " + local_path + ": " + (t->fd < 0 ? std::strerror(errno) : "not a regular file")));
  t->size = static_cast<std::uint64_t>(st.st_size);
  start(t, TransferKind::push, t->size, local_path.substr(local_path.rfind('/') + 1));
}

void TransferClient::pull(const std::string& remote_path, const std::string& out_path, Progress progress, Finished finished) {
  auto t = std::make_shared<Transfer>();
  t->progress = std::move(progress);
  t->finished = std::move(finished);
  t->out_path = out_path;
  start(t, TransferKind::pull, 0, remote_path);
}

void TransferClient::bundle(const std::string& out_path, Progress progress, Finished finished) {
  auto t = std::make_shared<Transfer>();
  t->progress = std::move(progress);
  t->finished = std::move(finished);
  t->out_path = out_path;
  start(t, TransferKind::bundle, 0, "");
}

bool TransferClient::deliver(const TransferControl& m) {
  auto it = pending_.find(m.transfer_id);
  if (it == pending_.end()) return false;
  auto t = it->second;
  switch (m.op) {
    case TransferOp::refuse: end(t, TransferOutcome{kTransferDeclinedExit, m.reason, 0, {}, {}}); break;
    case TransferOp::cancel: end(t, failed(m.reason.empty() ? "the customer's side stopped the transfer" : m.reason)); break;
    case TransferOp::accept:
      if (t->kind == TransferKind::push) {
        stream_push(t);
      } else {
        t->size = m.size;
        t->part_path = t->out_path + ".part";
        t->fd = ::open(t->part_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (t->fd < 0) {
          connection_->send(TransferControl{t->id, TransferOp::cancel, t->kind, 0, "", {}, "the engineer cannot save it"});
          end(t, failed("cannot write " + t->part_path + ": " + std::strerror(errno)));
        }
      }
      break;
    case TransferOp::done:
      if (t->kind == TransferKind::push) {
        if (m.sha256 != t->digest) end(t, failed("the customer's side reports another SHA-256"));
        else end(t, TransferOutcome{0, "sent", t->size, transfer::to_hex(t->digest), m.name});
      } else {
        received_done(t, m);
      }
      break;
    case TransferOp::offer: break;
  }
  return true;
}

bool TransferClient::deliver(const BulkChunk& chunk) {
  auto it = pending_.find(chunk.stream_id);
  if (it == pending_.end() || it->second->fd < 0 || it->second->kind == TransferKind::push) return false;
  auto t = it->second;
  auto stop = [&](const std::string& why) {
    connection_->send(TransferControl{t->id, TransferOp::cancel, t->kind, 0, "", {}, why});
    end(t, failed(why));
    return true;
  };
  if (chunk.offset != t->done || chunk.data.size() > t->size - t->done) return stop("unexpected data from the host");
  for (std::size_t written = 0; written < chunk.data.size();) {
    const ssize_t n = ::write(t->fd, chunk.data.data() + written, chunk.data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return stop(std::string("cannot write the file: ") + std::strerror(errno));
    written += static_cast<std::size_t>(n);
  }
  t->sha.update(chunk.data);
  t->done += chunk.data.size();
  if (t->progress) t->progress(t->done, t->size);
  if (t->done == t->size && t->early_done) received_done(t, *t->early_done);
  return true;
}

void TransferClient::received_done(const std::shared_ptr<Transfer>& t, const TransferControl& m) {
  if (t->done < t->size) {
    t->early_done = m;
    return;
  }
  const auto digest = t->sha.finish();
  if (digest != m.sha256) {
    const std::string why = "SHA-256 mismatch: the data was damaged on the way";
    connection_->send(TransferControl{t->id, TransferOp::cancel, t->kind, 0, "", {}, why});
    return end(t, failed(why));
  }
  if (::fsync(t->fd) != 0 || ::close(std::exchange(t->fd, -1)) != 0 || ::rename(t->part_path.c_str(), t->out_path.c_str()) != 0)
    return end(t, failed("cannot save " + t->out_path + ": " + std::strerror(errno)));
  t->part_path.clear();
  connection_->send(TransferControl{t->id, TransferOp::done, t->kind, t->done, t->out_path, digest, ""});
  end(t, TransferOutcome{0, "received", t->done, transfer::to_hex(digest), t->out_path});
}

// Reads and queues the file chunk by chunk; send_bulk waits while the bulk window is full.
void TransferClient::stream_push(std::shared_ptr<Transfer> t) {
  asio::co_spawn(connection_->executor(), [conn = connection_, t]() -> asio::awaitable<void> {
    while (t->done < t->size && !t->ended) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(limits::kMaxBulkChunk, t->size - t->done));
      BulkChunk chunk{t->id, t->done, Bytes(n)};
      if (::pread(t->fd, chunk.data.data(), n, static_cast<off_t>(t->done)) != static_cast<ssize_t>(n)) {
        const std::string why = "the file changed while it was sent";
        conn->send(TransferControl{t->id, TransferOp::cancel, TransferKind::push, 0, "", {}, why});
        t->ended = true;  // the client's map keeps the entry until cancel_all; nothing more arrives for it
        if (t->finished) t->finished(failed(why));
        co_return;
      }
      t->sha.update(chunk.data);
      // Named, not inside a larger expression: g++ 12's coroutine temporaries (docs/architecture.md).
      const auto queued = co_await conn->send_bulk(std::move(chunk));
      if (!queued) co_return;
      t->done += n;
      if (t->progress && !t->ended) t->progress(t->done, t->size);
    }
    if (t->ended) co_return;
    t->digest = t->sha.finish();
    conn->send(TransferControl{t->id, TransferOp::done, TransferKind::push, t->size, "", t->digest, ""});
  }, asio::detached);
}

void TransferClient::cancel_all(const std::string& why) {
  auto pending = pending_;
  for (auto& [id, t] : pending) end(t, failed(why));
}

}  // namespace elfdesk::client
