// RFC 7616 §3.4 computations on OpenSSL's EVP digests (MD5, SHA-256,
// SHA-512/256 as RFC 8760 names them for SIP).
#include "sippet/auth/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "sippet/message/text.hpp"

namespace sippet::auth {
namespace {

// The digests, fetched from OpenSSL's default provider once (an implicit
// fetch by EVP_md5() and the like costs a lookup under a lock per use).
const EVP_MD* md_of(Algorithm algorithm) {
  static const EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* const sha512_256 = EVP_MD_fetch(nullptr, "SHA2-512/256", nullptr);
  switch (base_of(algorithm)) {
    case Algorithm::kSha256:
      return sha256;
    case Algorithm::kSha512_256:
      return sha512_256;
    default:
      return md5;
  }
}

// One digest context per thread, reset by each EVP_DigestInit_ex.
struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
EVP_MD_CTX* thread_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  if (!ctx) std::abort();
  return ctx.get();
}

void append_hex(std::string& out, const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
}

// H() of the parts written one after another, joined by ':'.
template <std::size_t N>
std::string hash_joined(Algorithm algorithm, const std::array<std::string_view, N>& parts) {
  EVP_MD_CTX* ctx = thread_context();
  const EVP_MD* md = md_of(algorithm);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  bool ok = md != nullptr && EVP_DigestInit_ex(ctx, md, nullptr) == 1;
  for (std::size_t i = 0; ok && i < N; ++i) {
    if (i > 0) ok = EVP_DigestUpdate(ctx, ":", 1) == 1;
    if (ok && !parts[i].empty()) ok = EVP_DigestUpdate(ctx, parts[i].data(), parts[i].size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, digest, &size) == 1;
  // A digest OpenSSL cannot compute (no provider) is a broken installation,
  // not a data-path condition.
  if (!ok) std::abort();
  std::string out;
  out.reserve(size * 2);
  append_hex(out, digest, size);
  return out;
}

}  // namespace

std::string_view to_string(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kMd5:
      return "MD5";
    case Algorithm::kMd5Sess:
      return "MD5-sess";
    case Algorithm::kSha256:
      return "SHA-256";
    case Algorithm::kSha256Sess:
      return "SHA-256-sess";
    case Algorithm::kSha512_256:
      return "SHA-512-256";
    case Algorithm::kSha512_256Sess:
      return "SHA-512-256-sess";
  }
  return "MD5";
}

std::optional<Algorithm> parse_algorithm(std::string_view token) {
  for (Algorithm a : kAllAlgorithms) {
    if (message::iequals(token, to_string(a))) return a;
  }
  return std::nullopt;
}

bool is_session(Algorithm algorithm) {
  return algorithm == Algorithm::kMd5Sess || algorithm == Algorithm::kSha256Sess ||
         algorithm == Algorithm::kSha512_256Sess;
}

Algorithm base_of(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kMd5Sess:
      return Algorithm::kMd5;
    case Algorithm::kSha256Sess:
      return Algorithm::kSha256;
    case Algorithm::kSha512_256Sess:
      return Algorithm::kSha512_256;
    default:
      return algorithm;
  }
}

int strength(Algorithm algorithm) {
  switch (base_of(algorithm)) {
    case Algorithm::kSha512_256:
      return 3;
    case Algorithm::kSha256:
      return 2;
    default:
      return 1;
  }
}

std::size_t hex_size(Algorithm algorithm) {
  return base_of(algorithm) == Algorithm::kMd5 ? 32 : 64;
}

std::string_view to_string(Qop qop) {
  switch (qop) {
    case Qop::kAuth:
      return "auth";
    case Qop::kAuthInt:
      return "auth-int";
    case Qop::kNone:
      break;
  }
  return "";
}

std::string hash_hex(Algorithm algorithm, std::string_view data) {
  return hash_joined<1>(algorithm, {data});
}

std::string compute_ha1(Algorithm algorithm, std::string_view username, std::string_view realm,
                        std::string_view password) {
  return hash_joined<3>(algorithm, {username, realm, password});
}

std::string compute_userhash(Algorithm algorithm, std::string_view username,
                             std::string_view realm) {
  return hash_joined<2>(algorithm, {username, realm});
}

std::string compute_response(const DigestInput& in) {
  const Algorithm a = in.algorithm;
  std::string session;
  std::string_view ha1 = in.ha1;
  if (is_session(a)) {
    session = hash_joined<3>(a, {in.ha1, in.nonce, in.cnonce});  // §3.4.2
    ha1 = session;
  }
  std::string ha2;  // §3.4.3
  if (in.qop == Qop::kAuthInt) {
    ha2 = hash_joined<3>(a, {in.method, in.uri, hash_hex(a, in.body)});
  } else {
    ha2 = hash_joined<2>(a, {in.method, in.uri});
  }
  if (in.qop == Qop::kNone) return hash_joined<3>(a, {ha1, in.nonce, ha2});  // RFC 2069
  return hash_joined<6>(a, {ha1, in.nonce, in.nc, in.cnonce, to_string(in.qop), ha2});
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex(std::size_t octets) {
  std::string out;
  unsigned char buffer[64];
  while (octets > 0) {
    const std::size_t n = octets < sizeof buffer ? octets : sizeof buffer;
    if (RAND_bytes(buffer, static_cast<int>(n)) != 1) std::abort();  // no entropy: cannot go on
    append_hex(out, buffer, n);
    octets -= n;
  }
  return out;
}

}  // namespace sippet::auth
