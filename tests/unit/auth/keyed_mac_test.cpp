// The nonces' HMAC-SHA-256 (precomputed key blocks) against OpenSSL's own
// HMAC() and RFC 4231's test case 2, for keys shorter and longer than a block.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "../../../src/auth/server_state.hpp"

namespace sippet::auth::detail {
namespace {

std::string openssl_hmac(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out.push_back(kDigits[mac[i] >> 4]);
    out.push_back(kDigits[mac[i] & 0xf]);
  }
  return out;
}

TEST(KeyedMac, Rfc4231TestCase2) {
  KeyedMac mac("Jefe");
  EXPECT_EQ(mac.hex("what do ya want for nothing?", 32),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(KeyedMac, SameAsOpenSslHmac) {
  for (std::string key : {std::string(""), std::string("k"), std::string(64, 'x'),
                          std::string(65, 'y'), std::string(200, 'z')}) {
    KeyedMac mac(key);
    for (std::string data :
         {std::string(""), std::string("0000000065504300abcdef:realm"), std::string(1000, 'd')}) {
      EXPECT_EQ(mac.hex(data, 32), openssl_hmac(key, data)) << key.size() << " " << data.size();
      EXPECT_EQ(mac.hex(data, 16), openssl_hmac(key, data).substr(0, 32));
    }
  }
}

}  // namespace
}  // namespace sippet::auth::detail
