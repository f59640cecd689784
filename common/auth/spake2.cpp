// SPAKE2 per RFC 9382, ciphersuite P256-SHA256-HKDF-HMAC-SHA256, on OpenSSL 3 EC primitives.
//
// Design notes (for docs/security.md):
// - Why a PAKE: the engineer and the host share only a 12-digit one-time code (~40 bits). SPAKE2
//   turns it into a 128-bit key Ke without revealing anything an eavesdropper or an active attacker
//   could test offline: each protocol run lets an active attacker test exactly one guess.
// - w = HKDF-SHA256(salt = "elfdesk-spake2-p256-w-v1", ikm = the 12 normalized ASCII digits,
//   info = "elfdesk session code -> SPAKE2 w", 40 bytes) mod the group order. 40 bytes = 256 + 64
//   bits, so the modular bias is below 2^-64. The RFC leaves the memory-hard function to the
//   application; a slow MHF buys nothing here: it protects stored verifiers and offline
//   dictionaries, but SPAKE2 exposes no offline test and nothing is stored (the code is one-time
//   and lives only in memory). Online guessing is what remains, and the host caps it at 5 attempts
//   per code (10^12 codes -> success chance 5e-12), then retires the code.
// - M and N are the RFC 9382 section 6 constants for P-256 (nobody knows their discrete logs).
// - Roles: A = engineer (TLS client), B = host (TLS server); identities "elfdesk-engineer" and
//   "elfdesk-host" go into the transcript, so a message cannot be reflected to its sender.
// - Channel binding: the TLS 1.3 exporter value (tls_context.hpp) is the AAD, which enters the
//   confirmation keys (KcA || KcB = HKDF(Ka, nil, "ConfirmationKeys" || AAD)). A man in the middle
//   who terminates TLS on both sides sees two different exporter values, so even with the right
//   code the confirmations fail; he cannot relay the PAKE through.
// - Validation: a peer share must be exactly 65 bytes, uncompressed, on the curve and not the
//   identity; a K equal to the identity (peer sent w*N or w*M) is refused as well. Each party is
//   single use: a second share, or any call after a failure, is refused, and every attempt uses a
//   fresh random scalar. MACs are compared with CRYPTO_memcmp; Ke is released only after the
//   peer's confirmation verified. Scalar multiplications are done one scalar at a time because
//   OpenSSL's multi-scalar path (EC_POINT_mul with two scalars) is not constant time.
#include "common/auth/spake2.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <array>
#include <string>

#include "common/auth/crypto_util.hpp"

namespace elfdesk::auth {
namespace {

// RFC 9382 section 6, P-256, compressed SEC1 encodings.
constexpr std::array<std::uint8_t, 33> kPointM = {
    0x02, 0x88, 0x6e, 0x2f, 0x97, 0xac, 0xe4, 0x6e, 0x55, 0xba, 0x9d, 0xd7, 0x24, 0x25, 0x79, 0xf2, 0x99,
    0x3b, 0x64, 0xe1, 0x6e, 0xf3, 0xdc, 0xab, 0x95, 0xaf, 0xd4, 0x97, 0x33, 0x3d, 0x8f, 0xa1, 0x2f};
constexpr std::array<std::uint8_t, 33> kPointN = {
    0x03, 0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37, 0xb0, 0x4d, 0x99, 0x7f, 0x38, 0xc3, 0x77, 0x07,
    0x19, 0xc6, 0x29, 0xd7, 0x01, 0x4d, 0x49, 0xa2, 0x4b, 0x4f, 0x98, 0xba, 0xa1, 0x29, 0x2b, 0x49};

constexpr std::string_view kWSalt = "elfdesk-spake2-p256-w-v1";
constexpr std::string_view kWInfo = "elfdesk session code -> SPAKE2 w";
constexpr std::size_t kWBytes = 40;
constexpr std::size_t kScalarBytes = 32;
constexpr std::string_view kConfirmationInfo = "ConfirmationKeys";

struct GroupDeleter {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
struct PointDeleter {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BnCtxDeleter {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using GroupPtr = std::unique_ptr<EC_GROUP, GroupDeleter>;
using PointPtr = std::unique_ptr<EC_POINT, PointDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxDeleter>;

std::unexpected<Error> fail(ErrorCode code, std::string detail) {
  return std::unexpected(make_error(code, std::move(detail)));
}

BnPtr secret_bn(std::span<const std::uint8_t> big_endian) {
  BnPtr bn(BN_secure_new());
  if (bn && BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), bn.get()) == nullptr) bn.reset();
  if (bn) BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
  return bn;
}

// TT field: 8-byte little-endian length, then the bytes (RFC 9382 section 3.3).
void append_field(std::vector<std::uint8_t>& tt, std::span<const std::uint8_t> bytes) {
  std::uint64_t n = bytes.size();
  for (int i = 0; i < 8; ++i) tt.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  tt.insert(tt.end(), bytes.begin(), bytes.end());
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

struct Spake2Party::Impl {
  enum class State { awaiting_peer, confirming, confirmed, failed };

  Spake2Role role = Spake2Role::engineer;
  State state = State::awaiting_peer;
  GroupPtr group;
  BnCtxPtr bn_ctx;
  BnPtr w;
  BnPtr scalar;
  PointPtr m;
  PointPtr n;
  std::vector<std::uint8_t> share;
  std::string id_a;
  std::string id_b;
  std::vector<std::uint8_t> aad;
  std::vector<std::uint8_t> tt;
  std::vector<std::uint8_t> ke;
  std::vector<std::uint8_t> kc;  // KcA || KcB
  std::vector<std::uint8_t> own_mac;
  std::vector<std::uint8_t> peer_mac;

  ~Impl() {
    for (auto* v : {&tt, &ke, &kc, &own_mac, &peer_mac}) {
      if (!v->empty()) OPENSSL_cleanse(v->data(), v->size());
    }
  }

  const EC_POINT* own_base() const { return role == Spake2Role::engineer ? m.get() : n.get(); }
  const EC_POINT* peer_base() const { return role == Spake2Role::engineer ? n.get() : m.get(); }

  std::expected<std::vector<std::uint8_t>, Error> encode(const EC_POINT* p) const {
    std::vector<std::uint8_t> out(kSpake2ShareSize);
    if (EC_POINT_point2oct(group.get(), p, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                           bn_ctx.get()) != kSpake2ShareSize) {
      return fail(ErrorCode::internal, openssl_error("encoding a P-256 point"));
    }
    return out;
  }

  // s*G + w*base, one scalar per multiplication (constant-time paths).
  std::expected<std::vector<std::uint8_t>, Error> compute_share() const {
    PointPtr sg(EC_POINT_new(group.get()));
    PointPtr wb(EC_POINT_new(group.get()));
    if (!sg || !wb || EC_POINT_mul(group.get(), sg.get(), scalar.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
        EC_POINT_mul(group.get(), wb.get(), nullptr, own_base(), w.get(), bn_ctx.get()) != 1 ||
        EC_POINT_add(group.get(), sg.get(), sg.get(), wb.get(), bn_ctx.get()) != 1) {
      return fail(ErrorCode::internal, openssl_error("computing the SPAKE2 share"));
    }
    return encode(sg.get());
  }

  std::expected<PointPtr, Error> decode_peer(std::span<const std::uint8_t> peer) const {
    if (peer.size() != kSpake2ShareSize || peer[0] != 0x04) {
      return fail(ErrorCode::malformed, "SPAKE2 share is not an uncompressed P-256 point");
    }
    PointPtr p(EC_POINT_new(group.get()));
    if (!p) return fail(ErrorCode::internal, openssl_error("allocating a point"));
    if (EC_POINT_oct2point(group.get(), p.get(), peer.data(), peer.size(), bn_ctx.get()) != 1 ||
        EC_POINT_is_on_curve(group.get(), p.get(), bn_ctx.get()) != 1) {
      ERR_clear_error();
      return fail(ErrorCode::malformed, "SPAKE2 share is not a point on P-256");
    }
    if (EC_POINT_is_at_infinity(group.get(), p.get()) == 1) {
      return fail(ErrorCode::malformed, "SPAKE2 share is the identity element");
    }
    return p;
  }

  // K = scalar * (peer - w*peer_base); the cofactor of P-256 is 1.
  std::expected<std::vector<std::uint8_t>, Error> compute_k(const EC_POINT* peer) const {
    PointPtr t(EC_POINT_new(group.get()));
    if (!t || EC_POINT_mul(group.get(), t.get(), nullptr, peer_base(), w.get(), bn_ctx.get()) != 1 ||
        EC_POINT_invert(group.get(), t.get(), bn_ctx.get()) != 1 ||
        EC_POINT_add(group.get(), t.get(), peer, t.get(), bn_ctx.get()) != 1) {
      return fail(ErrorCode::internal, openssl_error("unmasking the SPAKE2 share"));
    }
    if (EC_POINT_is_at_infinity(group.get(), t.get()) == 1) {
      return fail(ErrorCode::malformed, "SPAKE2 share cancels the password mask");
    }
    if (EC_POINT_mul(group.get(), t.get(), nullptr, t.get(), scalar.get(), bn_ctx.get()) != 1) {
      return fail(ErrorCode::internal, openssl_error("computing K"));
    }
    if (EC_POINT_is_at_infinity(group.get(), t.get()) == 1) {
      return fail(ErrorCode::malformed, "SPAKE2 shared point is the identity element");
    }
    return encode(t.get());
  }

  std::expected<void, Error> derive_keys(std::span<const std::uint8_t> peer, std::span<const std::uint8_t> k) {
    const bool is_a = role == Spake2Role::engineer;
    std::array<std::uint8_t, kScalarBytes> w_bytes{};
    if (BN_bn2binpad(w.get(), w_bytes.data(), static_cast<int>(w_bytes.size())) < 0) {
      return fail(ErrorCode::internal, "encoding w");
    }
    append_field(tt, as_bytes(id_a));
    append_field(tt, as_bytes(id_b));
    append_field(tt, is_a ? std::span<const std::uint8_t>(share) : peer);
    append_field(tt, is_a ? peer : std::span<const std::uint8_t>(share));
    append_field(tt, k);
    append_field(tt, w_bytes);
    OPENSSL_cleanse(w_bytes.data(), w_bytes.size());

    auto hash = sha256(tt);  // Ke || Ka
    if (!hash) return std::unexpected(hash.error());
    const std::span<const std::uint8_t> h(*hash);
    ke.assign(h.begin(), h.begin() + kSpake2KeySize);
    std::vector<std::uint8_t> info(kConfirmationInfo.begin(), kConfirmationInfo.end());
    info.insert(info.end(), aad.begin(), aad.end());
    auto keys = hkdf_sha256({}, h.subspan(kSpake2KeySize), info, 2 * kSpake2KeySize);
    OPENSSL_cleanse(hash->data(), hash->size());
    if (!keys) return std::unexpected(keys.error());
    kc = std::move(*keys);
    auto c_a = hmac_sha256(std::span(kc).first(kSpake2KeySize), tt);
    auto c_b = hmac_sha256(std::span(kc).subspan(kSpake2KeySize), tt);
    if (!c_a || !c_b) return std::unexpected(make_error(ErrorCode::internal, "HMAC-SHA256 failed"));
    own_mac = is_a ? std::move(*c_a) : std::move(*c_b);
    peer_mac = is_a ? std::move(*c_b) : std::move(*c_a);
    return {};
  }
};

std::expected<Spake2Party, Error> Spake2Party::create(Spake2Role role, std::span<const std::uint8_t> password,
                                                      std::string_view id_a, std::string_view id_b,
                                                      std::span<const std::uint8_t> aad) {
  if (password.empty()) return fail(ErrorCode::invalid_argument, "empty SPAKE2 password");
  auto w_wide = hkdf_sha256(as_bytes(kWSalt), password, as_bytes(kWInfo), kWBytes);
  if (!w_wide) return std::unexpected(w_wide.error());
  BnPtr w = secret_bn(*w_wide);
  OPENSSL_cleanse(w_wide->data(), w_wide->size());
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtxPtr ctx(BN_CTX_secure_new());
  BnPtr scalar(BN_secure_new());
  if (!w || !group || !ctx || !scalar) return fail(ErrorCode::internal, openssl_error("SPAKE2 setup"));
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  if (BN_nnmod(w.get(), w.get(), order, ctx.get()) != 1) return fail(ErrorCode::internal, "reducing w");
  do {  // uniform in [1, order): zero would make the share independent of our secret
    if (BN_priv_rand_range(scalar.get(), order) != 1) {
      return fail(ErrorCode::internal, openssl_error("random SPAKE2 scalar"));
    }
  } while (BN_is_zero(scalar.get()));
  BN_set_flags(scalar.get(), BN_FLG_CONSTTIME);
  std::array<std::uint8_t, kScalarBytes> w_bytes{}, s_bytes{};
  BN_bn2binpad(w.get(), w_bytes.data(), static_cast<int>(w_bytes.size()));
  BN_bn2binpad(scalar.get(), s_bytes.data(), static_cast<int>(s_bytes.size()));
  auto party = create_for_test(role, w_bytes, s_bytes, id_a, id_b, aad);
  OPENSSL_cleanse(w_bytes.data(), w_bytes.size());
  OPENSSL_cleanse(s_bytes.data(), s_bytes.size());
  return party;
}

std::expected<Spake2Party, Error> Spake2Party::create_for_test(Spake2Role role, std::span<const std::uint8_t> w,
                                                               std::span<const std::uint8_t> scalar,
                                                               std::string_view id_a, std::string_view id_b,
                                                               std::span<const std::uint8_t> aad) {
  if (w.size() > kScalarBytes || scalar.size() > kScalarBytes) {
    return fail(ErrorCode::invalid_argument, "SPAKE2 w and scalar are at most 32 bytes");
  }
  auto impl = std::make_unique<Impl>();
  impl->role = role;
  impl->group.reset(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  impl->bn_ctx.reset(BN_CTX_secure_new());
  impl->w = secret_bn(w);
  impl->scalar = secret_bn(scalar);
  if (!impl->group || !impl->bn_ctx || !impl->w || !impl->scalar) {
    return fail(ErrorCode::internal, openssl_error("SPAKE2 setup"));
  }
  const BIGNUM* order = EC_GROUP_get0_order(impl->group.get());
  if (BN_cmp(impl->w.get(), order) >= 0 || BN_is_zero(impl->scalar.get()) ||
      BN_cmp(impl->scalar.get(), order) >= 0) {
    return fail(ErrorCode::invalid_argument, "SPAKE2 w or scalar out of range");
  }
  impl->m.reset(EC_POINT_new(impl->group.get()));
  impl->n.reset(EC_POINT_new(impl->group.get()));
  if (!impl->m || !impl->n ||
      EC_POINT_oct2point(impl->group.get(), impl->m.get(), kPointM.data(), kPointM.size(), impl->bn_ctx.get()) != 1 ||
      EC_POINT_oct2point(impl->group.get(), impl->n.get(), kPointN.data(), kPointN.size(), impl->bn_ctx.get()) != 1) {
    return fail(ErrorCode::internal, openssl_error("decoding M and N"));
  }
  impl->id_a = id_a;
  impl->id_b = id_b;
  impl->aad.assign(aad.begin(), aad.end());
  auto share = impl->compute_share();
  if (!share) return std::unexpected(share.error());
  impl->share = std::move(*share);
  return Spake2Party(std::move(impl));
}

Spake2Party::Spake2Party(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spake2Party::Spake2Party(Spake2Party&&) noexcept = default;
Spake2Party& Spake2Party::operator=(Spake2Party&&) noexcept = default;
Spake2Party::~Spake2Party() = default;

Spake2Role Spake2Party::role() const { return impl_->role; }

std::vector<std::uint8_t> Spake2Party::share() const { return impl_->share; }

std::expected<void, Error> Spake2Party::process_peer_share(std::span<const std::uint8_t> peer) {
  if (impl_->state != Impl::State::awaiting_peer) {
    return fail(ErrorCode::auth_failed, "SPAKE2 party already used: a second share is refused");
  }
  impl_->state = Impl::State::failed;  // single use, whatever happens below
  auto point = impl_->decode_peer(peer);
  if (!point) return std::unexpected(point.error());
  auto k = impl_->compute_k(point->get());
  if (!k) return std::unexpected(k.error());
  auto derived = impl_->derive_keys(peer, *k);
  OPENSSL_cleanse(k->data(), k->size());
  if (!derived) return derived;
  impl_->state = Impl::State::confirming;
  return {};
}

std::vector<std::uint8_t> Spake2Party::confirmation() const {
  const bool ready = impl_->state == Impl::State::confirming || impl_->state == Impl::State::confirmed;
  return ready ? impl_->own_mac : std::vector<std::uint8_t>{};
}

std::expected<void, Error> Spake2Party::verify_peer_confirmation(std::span<const std::uint8_t> mac) {
  if (impl_->state != Impl::State::confirming) {
    return fail(ErrorCode::auth_failed, "SPAKE2 confirmation out of order");
  }
  if (mac.size() != impl_->peer_mac.size() ||
      CRYPTO_memcmp(mac.data(), impl_->peer_mac.data(), mac.size()) != 0) {
    impl_->state = Impl::State::failed;
    return fail(ErrorCode::auth_failed, "key confirmation failed: wrong code or the channel is not end to end");
  }
  impl_->state = Impl::State::confirmed;
  return {};
}

std::span<const std::uint8_t> Spake2Party::shared_key() const {
  if (impl_->state != Impl::State::confirmed) return {};
  return impl_->ke;
}

std::vector<std::uint8_t> Spake2Party::confirmation_keys_for_test() const { return impl_->kc; }
std::vector<std::uint8_t> Spake2Party::transcript_for_test() const { return impl_->tt; }

}  // namespace elfdesk::auth
