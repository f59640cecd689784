// Where each relay id lives: the directory interface, and the in-memory one a single node uses.
// Called on the network thread; results come back as awaitables on it (the Redis directory runs its
// blocking client on its own thread, relay/redis_directory.hpp). Owned by main, outlives the server.
#pragma once
#include <asio.hpp>

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::relay {

class Directory {
 public:
  virtual ~Directory() = default;
  // Claims `id` for this node for `lease` if nobody holds it (atomic across nodes): false if taken.
  virtual asio::awaitable<std::expected<bool, Error>> claim(std::string id, std::chrono::seconds lease) = 0;
  // The node ("host:port", its --advertise) that holds `id`, or nullopt.
  virtual asio::awaitable<std::expected<std::optional<std::string>, Error>> lookup(std::string id) = 0;
  // Gives `id` up, if this node still holds it. Fire and forget.
  virtual void release(std::string id) = 0;
  // Renews the lease of every id this node holds (those still registered). Fire and forget.
  virtual void renew(std::vector<std::string> ids, std::chrono::seconds lease) = 0;
};

// One node: ids in a map, this node's address for all of them. Leases are not needed (the ids die
// with the process).
class MemoryDirectory final : public Directory {
 public:
  explicit MemoryDirectory(std::string self) : self_(std::move(self)) {}
  asio::awaitable<std::expected<bool, Error>> claim(std::string id, std::chrono::seconds) override {
    co_return ids_.emplace(std::move(id), true).second;
  }
  asio::awaitable<std::expected<std::optional<std::string>, Error>> lookup(std::string id) override {
    if (ids_.contains(id)) co_return std::optional<std::string>(self_);
    co_return std::optional<std::string>();
  }
  void release(std::string id) override { ids_.erase(id); }
  void renew(std::vector<std::string>, std::chrono::seconds) override {}

 private:
  std::string self_;
  std::unordered_map<std::string, bool> ids_;
};

}  // namespace elfdesk::relay
