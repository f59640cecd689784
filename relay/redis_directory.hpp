// The directory shared by several relay nodes, in Redis: key elfdesk:relay:id:<id> -> the holding
// node's --advertise address, set with SET NX EX (unique across nodes), renewed while registered,
// deleted (only if still ours) when the host leaves. hiredis is blocking, so every command runs on
// this object's own thread and the result is posted back to the network thread (docs/relay.md says
// why). Construct and call on the network thread; the worker thread is joined in the destructor.
#pragma once
#include <asio.hpp>

#include <condition_variable>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "relay/directory.hpp"

struct redisContext;

namespace elfdesk::relay {

class RedisDirectory final : public Directory {
 public:
  // Connects and PINGs once (blocking, at start-up): io when Redis cannot be reached.
  static std::expected<std::unique_ptr<RedisDirectory>, Error> open(asio::any_io_executor executor,
                                                                    std::string host, std::uint16_t port,
                                                                    std::string self);
  RedisDirectory(asio::any_io_executor executor, std::string host, std::uint16_t port, std::string self);
  ~RedisDirectory() override;

  asio::awaitable<std::expected<bool, Error>> claim(std::string id, std::chrono::seconds lease) override;
  asio::awaitable<std::expected<std::optional<std::string>, Error>> lookup(std::string id) override;
  void release(std::string id) override;
  void renew(std::vector<std::string> ids, std::chrono::seconds lease) override;

  static std::string key_for(const std::string& id) { return "elfdesk:relay:id:" + id; }

 private:
  using Job = std::function<void(redisContext*)>;
  void enqueue(Job job);
  void run();
  redisContext* connected();  // worker thread: (re)connects when needed; nullptr if Redis is down

  asio::any_io_executor executor_;
  std::string host_;
  std::uint16_t port_;
  std::string self_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  redisContext* context_ = nullptr;  // worker thread only
  std::thread worker_;
};

}  // namespace elfdesk::relay
