#pragma once
// The Digest computations of RFC 7616 §3.4 (RFC 3261 §22.4, RFC 2617 §3.2.2,
// RFC 8760 for SHA-512-256 in SIP): algorithms, H(), A1, A2 and the
// request-digest, on OpenSSL's EVP digests. Every hash is lower-case hex.
#include <optional>
#include <string>
#include <string_view>

namespace sippet::auth {

// RFC 7616 §6.1's registry (the hash functions RFC 8760 allows in SIP).
// A "-sess" variant hashes the same way with a session key as HA1 (§3.4.2).
enum class Algorithm {
  kMd5,
  kMd5Sess,
  kSha256,
  kSha256Sess,
  kSha512_256,
  kSha512_256Sess,
};

inline constexpr Algorithm kAllAlgorithms[] = {
    Algorithm::kMd5,        Algorithm::kMd5Sess,    Algorithm::kSha256,
    Algorithm::kSha256Sess, Algorithm::kSha512_256, Algorithm::kSha512_256Sess,
};

// The token written in `algorithm=`: "MD5", "SHA-256-sess", "SHA-512-256"...
std::string_view to_string(Algorithm algorithm);
// The algorithm a token names, compared without case; nullopt when unknown.
std::optional<Algorithm> parse_algorithm(std::string_view token);
// Whether the algorithm is a "-sess" variant.
bool is_session(Algorithm algorithm);
// The algorithm without its "-sess": the one whose H() and HA1 it uses.
Algorithm base_of(Algorithm algorithm);
// Rank of the hash function for a client's choice: MD5 1, SHA-256 2,
// SHA-512-256 3 (a "-sess" variant ranks as its base).
int strength(Algorithm algorithm);
// Length of H() in hex digits: 32 (MD5) or 64.
std::size_t hex_size(Algorithm algorithm);

// qop (RFC 7616 §3.3): none is RFC 2069's form (no cnonce, no nc).
enum class Qop { kNone, kAuth, kAuthInt };
std::string_view to_string(Qop qop);  // "", "auth", "auth-int"

// H(data) of the algorithm's hash function, lower-case hex.
std::string hash_hex(Algorithm algorithm, std::string_view data);

// HA1 = H(username ":" realm ":" password) (§3.4.2): what a server stores
// instead of the password, one per hash function and realm.
std::string compute_ha1(Algorithm algorithm, std::string_view username, std::string_view realm,
                        std::string_view password);

// userhash (§3.4.4): H(username ":" realm).
std::string compute_userhash(Algorithm algorithm, std::string_view username,
                             std::string_view realm);

// Everything the request-digest (§3.4.1) depends on. `ha1` is the stored
// H(username:realm:password); for a "-sess" algorithm the session key
// H(ha1 ":" nonce ":" cnonce) is derived here from this request's nonce and
// cnonce (as sofia-sip and Kamailio do; a server with stateless nonces
// cannot remember the first cnonce). `nc` is the 8 hex digits as written;
// `body` is hashed for auth-int only.
struct DigestInput {
  Algorithm algorithm = Algorithm::kMd5;
  Qop qop = Qop::kAuth;
  std::string_view ha1;
  std::string_view nonce;
  std::string_view nc;
  std::string_view cnonce;
  std::string_view method;
  std::string_view uri;
  std::string_view body;
};

// The request-digest: KD(HA1, nonce:nc:cnonce:qop:HA2) with a qop,
// H(HA1:nonce:HA2) without (RFC 2069), where HA2 = H(method:uri) or, for
// auth-int, H(method:uri:H(body)).
std::string compute_response(const DigestInput& input);

// Equality of two strings in time that depends on their lengths only
// (CRYPTO_memcmp), for digests and MACs.
bool constant_time_equal(std::string_view a, std::string_view b);

// `octets` random octets from OpenSSL's CSPRNG (RAND_bytes), in hex.
std::string random_hex(std::size_t octets);

}  // namespace sippet::auth
