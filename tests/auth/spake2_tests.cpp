// SPAKE2 (RFC 9382) against the RFC's appendix B P-256 vectors, plus the failure modes that matter.
#include "common/auth/spake2.hpp"

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <array>
#include <string>

#include "common/auth/session_code.hpp"
#include "tests/auth/test_hex.hpp"

namespace elfdesk::auth {
namespace {

using test::bytes;
using test::hex;
using test::unhex;

// RFC 9382 appendix B, SPAKE2-P256-SHA256-HKDF-SHA256-HMAC-SHA256, all four vectors (AAD empty).
struct Vector {
  const char* id_a;
  const char* id_b;
  const char* w;
  const char* x;
  const char* y;
  const char* p_a;
  const char* p_b;
  const char* ke;
  const char* kc_a;
  const char* kc_b;
  const char* c_a;
  const char* c_b;
};

constexpr std::array<Vector, 4> kVectors = {{
    {"server", "client", "2ee57912099d31560b3a44b1184b9b4866e904c49d12ac5042c97dca461b1a5f",
     "43dd0fd7215bdcb482879fca3220c6a968e66d70b1356cac18bb26c84a78d729",
     "dcb60106f276b02606d8ef0a328c02e4b629f84f89786af5befb0bc75b6e66be",
     "04a56fa807caaa53a4d28dbb9853b9815c61a411118a6fe516a8798434751470f9010153ac33d0d5f2047ffdb1a3e42c9b4e6be662766e1eeb4116988ede5f912c",
     "0406557e482bd03097ad0cbaa5df82115460d951e3451962f1eaf4367a420676d09857ccbc522686c83d1852abfa8ed6e4a1155cf8f1543ceca528afb591a1e0b7",
     "0e0672dc86f8e45565d338b0540abe69", "00c12546835755c86d8c0db7851ae86f", "a9fa3406c3b781b93d804485430ca27a",
     "58ad4aa88e0b60d5061eb6b5dd93e80d9c4f00d127c65b3b35b1b5281fee38f0",
     "d3e2e547f1ae04f2dbdbf0fc4b79f8ecff2dff314b5d32fe9fcef2fb26dc459b"},
    {"", "client", "0548d8729f730589e579b0475a582c1608138ddf7054b73b5381c7e883e2efae",
     "403abbe3b1b4b9ba17e3032849759d723939a27a27b9d921c500edde18ed654b",
     "903023b6598908936ea7c929bd761af6039577a9c3f9581064187c3049d87065",
     "04a897b769e681c62ac1c2357319a3d363f610839c4477720d24cbe32f5fd85f44fb92ba966578c1b712be6962498834078262caa5b441ecfa9d4a9485720e918a",
     "04e0f816fd1c35e22065d5556215c097e799390d16661c386e0ecc84593974a61b881a8c82327687d0501862970c64565560cb5671f696048050ca66ca5f8cc7fc",
     "642f05c473c2cd79909f9a841e2f30a7", "c6be376fc7cd1301fd0a13adf3e7bffd", "b7243f4ae60440a49b3f8cab3c1fba07",
     "47d29e6666af1b7dd450d571233085d7a9866e4d49d2645e2df975489521232b",
     "3313c5cefc361d27fb16847a91c2a73b766ffa90a4839122a9b70a2f6bd1d6df"},
    {"server", "", "626e0cdc7b14c9db3e52a0b1b3a768c98e37852d5db30febe0497b14eae8c254",
     "07adb3db6bc623d3399726bfdbfd3d15a58ea776ab8a308b00392621291f9633",
     "b6a4fc8dbb629d4ba51d6f91ed1532cf87adec98f25dd153a75accafafedec16",
     "04f88fb71c99bfffaea370966b7eb99cd4be0ff1a7d335caac4211c4afd855e2e15a873b298503ad8ba1d9cbb9a392d2ba309b48bfd7879aefd0f2cea6009763b0",
     "040c269d6be017dccb15182ac6bfcd9e2a14de019dd587eaf4bdfd353f031101e7cca177f8eb362a6e83e7d5e729c0732e1b528879c086f39ba0f31a9661bd34db",
     "005184ff460da2ce59062c87733c299c", "f3da53604f0aeecea5a33be7bddf6edf", "9e3f86848736f159bd92b6e107ec6799",
     "bc9f9bbe99f26d0b2260e6456e05a86196a3307ec6663a18bf6ac825736533b2",
     "c2370e1bf813b086dff0d834e74425a06e6390f48f5411900276dcccc5a297ec"},
    {"", "", "7bf46c454b4c1b25799527d896508afd5fc62ef4ec59db1efb49113063d70cca",
     "8cef65df64bb2d0f83540c53632de911b5b24b3eab6cc74a97609fd659e95473",
     "d7a66f64074a84652d8d623a92e20c9675c61cb5b4f6a0063e4648a2fdc02d53",
     "04a65b367a3f613cf9f0654b1b28a1e3a8a40387956c8ba6063e8658563890f46ca1ef6a676598889fc28de2950ab8120b79a5ef1ea4c9f44bc98f585634b46d66",
     "04589f13218822710d98d8b2123a079041052d9941b9cf88c6617ddb2fcc0494662eea8ba6b64692dc318250030c6af045cb738bc81ba35b043c3dcb46adf6f58d",
     "fc6374762ba5cf11f4b2caa08b2cd1b9", "5dbd2f477166b7fb6d61febbd77a5563", "7689b4654407a5faeffdc8f18359d8a3",
     "dfb4db8d48ae5a675963ea5e6c19d98d4ea028d8e898dad96ea19a80ade95dca",
     "d0f0609d1613138d354f7e95f19fb556bf52d751947241e8c7118df5ef0ae175"},
}};

// The full transcript of vector 1, as printed in the RFC.
constexpr const char* kVector1Transcript =
    "06000000000000007365727665720600000000000000636c69656e74410000000000000004a56fa807caaa53a4d28dbb9853b98"
    "15c61a411118a6fe516a8798434751470f9010153ac33d0d5f2047ffdb1a3e42c9b4e6be662766e1eeb4116988ede5f912c4100"
    "0000000000000406557e482bd03097ad0cbaa5df82115460d951e3451962f1eaf4367a420676d09857ccbc522686c83d1852abfa"
    "8ed6e4a1155cf8f1543ceca528afb591a1e0b741000000000000000412af7e89717850671913e6b469ace67bd90a4df8ce45c2af"
    "19010175e37eed69f75897996d539356e2fa6a406d528501f907e04d97515fbe83db277b715d332520000000000000002ee57912"
    "099d31560b3a44b1184b9b4866e904c49d12ac5042c97dca461b1a5f";

struct Pair {
  Spake2Party engineer;
  Spake2Party host;
};

Pair make_pair(std::string_view code_engineer, std::string_view code_host, std::string_view aad_engineer,
               std::string_view aad_host) {
  auto a = Spake2Party::create(Spake2Role::engineer, bytes(code_engineer), kSpake2IdEngineer, kSpake2IdHost,
                               bytes(aad_engineer));
  auto b = Spake2Party::create(Spake2Role::host, bytes(code_host), kSpake2IdEngineer, kSpake2IdHost,
                               bytes(aad_host));
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  return Pair{std::move(*a), std::move(*b)};
}

// Exchanges shares (both must be accepted) and returns whether each side accepts the other's MAC.
std::pair<bool, bool> run_exchange(Pair& p) {
  REQUIRE(p.engineer.process_peer_share(p.host.share()).has_value());
  REQUIRE(p.host.process_peer_share(p.engineer.share()).has_value());
  const bool engineer_ok = p.engineer.verify_peer_confirmation(p.host.confirmation()).has_value();
  const bool host_ok = p.host.verify_peer_confirmation(p.engineer.confirmation()).has_value();
  return {engineer_ok, host_ok};
}

Spake2Party vector_party(Spake2Role role, const Vector& v) {
  auto party = Spake2Party::create_for_test(role, unhex(v.w), unhex(role == Spake2Role::engineer ? v.x : v.y),
                                            v.id_a, v.id_b, {});
  REQUIRE(party.has_value());
  return std::move(*party);
}

}  // namespace

TEST_CASE("SPAKE2 matches every RFC 9382 P-256 test vector") {
  for (const Vector& v : kVectors) {
    CAPTURE(v.id_a);
    CAPTURE(v.id_b);
    Spake2Party a = vector_party(Spake2Role::engineer, v);
    Spake2Party b = vector_party(Spake2Role::host, v);
    CHECK(hex(a.share()) == v.p_a);
    CHECK(hex(b.share()) == v.p_b);
    REQUIRE(a.process_peer_share(b.share()).has_value());
    REQUIRE(b.process_peer_share(a.share()).has_value());
    const std::string kc = std::string(v.kc_a) + v.kc_b;
    CHECK(hex(a.confirmation_keys_for_test()) == kc);
    CHECK(hex(b.confirmation_keys_for_test()) == kc);
    CHECK(hex(a.confirmation()) == v.c_a);
    CHECK(hex(b.confirmation()) == v.c_b);
    CHECK(a.shared_key().empty());  // not released before the peer is confirmed
    REQUIRE(a.verify_peer_confirmation(b.confirmation()).has_value());
    REQUIRE(b.verify_peer_confirmation(a.confirmation()).has_value());
    CHECK(hex(a.shared_key()) == v.ke);
    CHECK(hex(b.shared_key()) == v.ke);
    CHECK(a.transcript_for_test() == b.transcript_for_test());
  }
  Spake2Party a = vector_party(Spake2Role::engineer, kVectors[0]);
  REQUIRE(a.process_peer_share(unhex(kVectors[0].p_b)).has_value());
  CHECK(hex(a.transcript_for_test()) == kVector1Transcript);
}

TEST_CASE("SPAKE2 with the same code agrees on Ke and both confirmations verify") {
  const std::string code = generate_session_code();
  Pair p = make_pair(code, code, "binding", "binding");
  CHECK(p.engineer.share().size() == kSpake2ShareSize);
  CHECK(p.engineer.confirmation().empty());
  auto [engineer_ok, host_ok] = run_exchange(p);
  CHECK(engineer_ok);
  CHECK(host_ok);
  REQUIRE(p.engineer.shared_key().size() == kSpake2KeySize);
  CHECK(hex(p.engineer.shared_key()) == hex(p.host.shared_key()));
  CHECK(p.engineer.confirmation().size() == kSpake2ConfirmSize);

  // Fresh scalars every time: a second run with the same code gives new shares and a new key.
  Pair q = make_pair(code, code, "binding", "binding");
  CHECK(q.engineer.share() != p.engineer.share());
  auto [ok1, ok2] = run_exchange(q);
  CHECK((ok1 && ok2));
  CHECK(hex(q.engineer.shared_key()) != hex(p.engineer.shared_key()));
}

TEST_CASE("SPAKE2 with a wrong code fails confirmation on both sides") {
  Pair p = make_pair("123456789012", "123456789013", "binding", "binding");
  auto [engineer_ok, host_ok] = run_exchange(p);
  CHECK_FALSE(engineer_ok);
  CHECK_FALSE(host_ok);
  CHECK(p.engineer.shared_key().empty());
  CHECK(p.host.shared_key().empty());
  // A failed verification is final: even the right MAC is refused afterwards.
  auto again = p.engineer.verify_peer_confirmation(p.host.confirmation());
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::auth_failed);
}

TEST_CASE("SPAKE2 with the right code but different AAD (TLS terminated in the middle) fails") {
  Pair p = make_pair("123456789012", "123456789012", "binding of connection 1", "binding of connection 2");
  auto [engineer_ok, host_ok] = run_exchange(p);
  CHECK_FALSE(engineer_ok);
  CHECK_FALSE(host_ok);
}

TEST_CASE("SPAKE2 refuses a reflected confirmation") {
  Pair p = make_pair("123456789012", "123456789012", "b", "b");
  REQUIRE(p.engineer.process_peer_share(p.host.share()).has_value());
  CHECK_FALSE(p.engineer.verify_peer_confirmation(p.engineer.confirmation()).has_value());
}

namespace {

// w*N for a known w: a valid curve point that makes pB - w*N the identity.
std::vector<std::uint8_t> w_times_n(std::span<const std::uint8_t> w) {
  const auto n_bytes = unhex("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49");
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT* n = EC_POINT_new(group);
  EC_POINT* r = EC_POINT_new(group);
  BIGNUM* scalar = BN_bin2bn(w.data(), static_cast<int>(w.size()), nullptr);
  std::vector<std::uint8_t> out(kSpake2ShareSize);
  REQUIRE(EC_POINT_oct2point(group, n, n_bytes.data(), n_bytes.size(), nullptr) == 1);
  REQUIRE(EC_POINT_mul(group, r, nullptr, n, scalar, nullptr) == 1);
  REQUIRE(EC_POINT_point2oct(group, r, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), nullptr) ==
          out.size());
  BN_free(scalar);
  EC_POINT_free(r);
  EC_POINT_free(n);
  EC_GROUP_free(group);
  return out;
}

}  // namespace

TEST_CASE("SPAKE2 rejects invalid peer points") {
  const Vector& v = kVectors[0];
  auto valid = unhex(v.p_b);
  auto off_curve = valid;
  off_curve.back() ^= 0x01;  // same x, y changed: not on the curve
  auto x_too_big = unhex("04" + std::string(128, 'f'));
  std::vector<std::uint8_t> compressed_m = unhex("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f");
  auto garbage = bytes("\x04 is the right first byte, but the rest is text, not coordinates.");
  garbage.resize(kSpake2ShareSize, '!');
  auto hybrid = valid;
  hybrid[0] = 0x06;

  struct Case {
    const char* name;
    std::vector<std::uint8_t> share;
  };
  const std::array<Case, 9> cases = {{
      {"empty", {}},
      {"identity (SEC1 0x00)", {0x00}},
      {"65 zero bytes", std::vector<std::uint8_t>(65, 0)},
      {"garbage", garbage},
      {"off curve", off_curve},
      {"x >= p", x_too_big},
      {"compressed form", compressed_m},
      {"hybrid form", hybrid},
      {"w*N (cancels the mask, K = identity)", w_times_n(unhex(v.w))},
  }};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Spake2Party a = vector_party(Spake2Role::engineer, v);
    auto r = a.process_peer_share(c.share);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::malformed);
    CHECK(a.confirmation().empty());
    // The party is spent: even the valid share is refused now.
    CHECK_FALSE(a.process_peer_share(valid).has_value());
  }
}

TEST_CASE("SPAKE2 refuses a second share and out-of-order calls") {
  Pair p = make_pair("123456789012", "123456789012", "", "");
  auto early = p.engineer.verify_peer_confirmation(std::vector<std::uint8_t>(32, 0));
  REQUIRE_FALSE(early.has_value());
  CHECK(early.error().code == ErrorCode::auth_failed);
  REQUIRE(p.engineer.process_peer_share(p.host.share()).has_value());
  auto second = p.engineer.process_peer_share(p.host.share());
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == ErrorCode::auth_failed);
}

TEST_CASE("SPAKE2 create validates its inputs") {
  CHECK_FALSE(Spake2Party::create(Spake2Role::engineer, {}, kSpake2IdEngineer, kSpake2IdHost, {}).has_value());
  const auto w = unhex(kVectors[0].w);
  const std::vector<std::uint8_t> zero(32, 0);
  const auto order = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  CHECK_FALSE(Spake2Party::create_for_test(Spake2Role::host, w, zero, "a", "b", {}).has_value());
  CHECK_FALSE(Spake2Party::create_for_test(Spake2Role::host, w, order, "a", "b", {}).has_value());
  CHECK_FALSE(Spake2Party::create_for_test(Spake2Role::host, order, w, "a", "b", {}).has_value());
  CHECK_FALSE(Spake2Party::create_for_test(Spake2Role::host, std::vector<std::uint8_t>(33, 1), w, "a", "b", {})
                  .has_value());
}

}  // namespace elfdesk::auth
