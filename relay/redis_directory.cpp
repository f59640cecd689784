#include "relay/redis_directory.hpp"

#include <hiredis/hiredis.h>

#include "common/log.hpp"

namespace elfdesk::relay {
namespace {

constexpr std::size_t kMaxQueuedJobs = 100000;  // past this Redis is far behind: new work is refused
constexpr timeval kTimeout{2, 0};               // per command; a stuck Redis fails calls, not the node
// Delete / extend only while the key still names this node: after a lease ran out another node may
// hold the same id.
constexpr const char* kDeleteIfOurs =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
constexpr const char* kExpireIfOurs =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) else return 0 end";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

Error redis_error(redisContext* c) {
  return make_error(ErrorCode::io, std::string("directory (redis): ") + (c && c->err ? c->errstr : "unavailable"));
}

// Completes an awaitable on the network thread with the worker's result.
template <class T>
asio::awaitable<T> on_worker(asio::any_io_executor executor,
                             std::function<void(std::function<void(redisContext*)>)> enqueue,
                             std::function<T(redisContext*)> work) {
  auto initiation = [executor, enqueue, work](auto handler) mutable {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto guard = std::make_shared<asio::executor_work_guard<asio::any_io_executor>>(executor);
        enqueue([executor, shared, guard, work = std::move(work)](redisContext* c) mutable {
          T result = work(c);
          asio::post(executor, [shared, guard, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
        });
      };
  T result = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(initiation, asio::use_awaitable);
  co_return result;
}

}  // namespace

std::expected<std::unique_ptr<RedisDirectory>, Error> RedisDirectory::open(asio::any_io_executor executor,
                                                                           std::string host, std::uint16_t port,
                                                                           std::string self) {
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, kTimeout);
  if (c == nullptr || c->err) {
    Error e = make_error(ErrorCode::io, "cannot reach redis at " + host + ":" + std::to_string(port) + ": " +
                                            (c ? c->errstr : "out of memory"));
    redisFree(c);
    return std::unexpected(e);
  }
  redisSetTimeout(c, kTimeout);
  ReplyPtr reply(static_cast<redisReply*>(redisCommand(c, "PING")));
  const bool ok = reply && reply->type == REDIS_REPLY_STATUS;
  redisFree(c);
  if (!ok) return std::unexpected(make_error(ErrorCode::io, "redis at " + host + ":" + std::to_string(port) +
                                                                " does not answer PING"));
  return std::make_unique<RedisDirectory>(std::move(executor), std::move(host), port, std::move(self));
}

RedisDirectory::RedisDirectory(asio::any_io_executor executor, std::string host, std::uint16_t port, std::string self)
    : executor_(std::move(executor)), host_(std::move(host)), port_(port), self_(std::move(self)),
      worker_([this] { run(); }) {}

RedisDirectory::~RedisDirectory() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  worker_.join();
  redisFree(context_);
}

void RedisDirectory::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() >= kMaxQueuedJobs) {
      jobs_.push_back([job = std::move(job)](redisContext*) { job(nullptr); });  // answered "unavailable"
    } else {
      jobs_.push_back(std::move(job));
    }
  }
  wake_.notify_one();
}

// Jobs still queued at shutdown run too (the releases of a stopping node's ids), but without new
// connection attempts: with Redis down, each would wait out the timeout.
void RedisDirectory::run() {
  for (;;) {
    Job job;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      stopping = stopping_;
    }
    if (stopping)
      job(context_ != nullptr && context_->err == 0 ? context_ : nullptr);
    else
      job(connected());
  }
}

redisContext* RedisDirectory::connected() {
  if (context_ != nullptr && context_->err == 0) return context_;
  redisFree(context_);
  context_ = redisConnectWithTimeout(host_.c_str(), port_, kTimeout);
  if (context_ == nullptr || context_->err) {
    log::warn("elfdesk-relay: directory (redis {}:{}) unavailable: {}", host_, port_,
              context_ ? context_->errstr : "out of memory");
    return nullptr;
  }
  redisSetTimeout(context_, kTimeout);
  return context_;
}

// The work and enqueue callables are named locals, not temporaries inside the co_await expression:
// g++ 12 copied such a temporary lambda bitwise into the coroutine frame (a std::string capture then
// pointed into the frame and was freed twice; found with valgrind).
asio::awaitable<std::expected<bool, Error>> RedisDirectory::claim(std::string id, std::chrono::seconds lease) {
  using Result = std::expected<bool, Error>;
  std::function<void(Job)> enqueue_job = [this](Job j) { enqueue(std::move(j)); };
  std::function<Result(redisContext*)> work = [key = key_for(id), self = self_, lease](redisContext* c) -> Result {
    if (c == nullptr) return std::unexpected(redis_error(c));
    ReplyPtr r(static_cast<redisReply*>(redisCommand(c, "SET %s %s NX EX %lld", key.c_str(), self.c_str(),
                                                     static_cast<long long>(lease.count()))));
    if (!r || r->type == REDIS_REPLY_ERROR) return std::unexpected(redis_error(c));
    return r->type == REDIS_REPLY_STATUS;  // OK; nil when the key exists
  };
  Result result = co_await on_worker<Result>(executor_, std::move(enqueue_job), std::move(work));
  co_return result;
}

asio::awaitable<std::expected<std::optional<std::string>, Error>> RedisDirectory::lookup(std::string id) {
  using Result = std::expected<std::optional<std::string>, Error>;
  std::function<void(Job)> enqueue_job = [this](Job j) { enqueue(std::move(j)); };
  std::function<Result(redisContext*)> work = [key = key_for(id)](redisContext* c) -> Result {
    if (c == nullptr) return std::unexpected(redis_error(c));
    ReplyPtr r(static_cast<redisReply*>(redisCommand(c, "GET %s", key.c_str())));
    if (!r || r->type == REDIS_REPLY_ERROR) return std::unexpected(redis_error(c));
    if (r->type != REDIS_REPLY_STRING) return std::optional<std::string>();
    return std::optional<std::string>(std::string(r->str, r->len));
  };
  Result result = co_await on_worker<Result>(executor_, std::move(enqueue_job), std::move(work));
  co_return result;
}

void RedisDirectory::release(std::string id) {
  enqueue([key = key_for(id), self = self_](redisContext* c) {
    if (c == nullptr) return;
    ReplyPtr r(static_cast<redisReply*>(redisCommand(c, "EVAL %s 1 %s %s", kDeleteIfOurs, key.c_str(), self.c_str())));
  });
}

// Pipelined: one round trip for every id, so 10,000 registrations cost Redis one burst per renewal.
void RedisDirectory::renew(std::vector<std::string> ids, std::chrono::seconds lease) {
  if (ids.empty()) return;
  enqueue([ids = std::move(ids), self = self_, lease](redisContext* c) {
    if (c == nullptr) return;
    const std::string seconds = std::to_string(lease.count());
    for (const auto& id : ids)
      redisAppendCommand(c, "EVAL %s 1 %s %s %s", kExpireIfOurs, key_for(id).c_str(), self.c_str(), seconds.c_str());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      void* reply = nullptr;
      if (redisGetReply(c, &reply) != REDIS_OK) return;
      freeReplyObject(reply);
    }
  });
}

}  // namespace elfdesk::relay
