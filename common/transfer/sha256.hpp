// Incremental SHA-256 (OpenSSL EVP) for end-to-end checks of transfers, and its hex form. Any thread;
// one object per stream, not shared.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace elfdesk::transfer {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::span<const std::uint8_t> data);
  // The 32-byte digest; the object starts over afterwards.
  std::vector<std::uint8_t> finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace elfdesk::transfer
