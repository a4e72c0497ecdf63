// Bounded memories of a Server: nonce counts and failures per source.
#include "server_state.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace sippet::auth::detail {

namespace {

constexpr std::size_t kBlock = 64;  // SHA-256's block size

const EVP_MD* sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  if (md == nullptr) std::abort();
  return md;
}

struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* keyed(const unsigned char (&key)[kBlock], unsigned char pad) {
  unsigned char block[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i)
    block[i] = key[i] ^ pad;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, block, kBlock) != 1)
    std::abort();
  return ctx;
}

}  // namespace

KeyedMac::KeyedMac(std::string_view key) {
  // RFC 2104 §2: a key longer than the block is hashed first; zero padded.
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned int size = 0;
    if (EVP_Digest(key.data(), key.size(), k, &size, sha256(), nullptr) != 1) std::abort();
  } else {
    std::copy(key.begin(), key.end(), k);
  }
  inner_ = keyed(k, 0x36);
  outer_ = keyed(k, 0x5c);
}

KeyedMac::~KeyedMac() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

std::string KeyedMac::hex(std::string_view data, std::size_t octets) const {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), inner_) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1 ||
      EVP_MD_CTX_copy_ex(ctx.get(), outer_) != 1 ||
      EVP_DigestUpdate(ctx.get(), digest, size) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1)
    std::abort();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * octets);
  for (std::size_t i = 0; i < octets && i < size; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xf]);
  }
  return out;
}

NonceCounts::Check NonceCounts::record(const std::string& nonce, std::int64_t issued,
                                       std::uint32_t nc, std::int64_t expired_before) {
  while (!order_.empty() && order_.front().second < expired_before) {
    counts_.erase(order_.front().first);
    order_.pop_front();
  }
  auto it = counts_.find(nonce);
  if (it != counts_.end()) {
    if (nc <= it->second.nc) return Check::kReplayed;
    it->second.nc = nc;
    return Check::kOk;
  }
  if (issued <= forgotten_up_to_) return Check::kForgotten;
  counts_.emplace(nonce, Entry{nc, issued});
  order_.emplace_back(nonce, issued);
  while (counts_.size() > capacity_) {
    forgotten_up_to_ = std::max(forgotten_up_to_, order_.front().second);
    counts_.erase(order_.front().first);
    order_.pop_front();
  }
  return Check::kOk;
}

bool FailureLimiter::limited(std::string_view source, std::int64_t now) {
  if (max_failures_ == 0 || source.empty()) return false;
  auto it = sources_.find(std::string(source));
  if (it == sources_.end()) return false;
  if (now - it->second.start >= window_) {
    sources_.erase(it);
    return false;
  }
  return it->second.failures >= max_failures_;
}

void FailureLimiter::failed(std::string_view source, std::int64_t now) {
  if (max_failures_ == 0 || source.empty()) return;
  auto it = sources_.find(std::string(source));
  if (it == sources_.end()) {
    if (sources_.size() >= max_sources_) {
      // Full: drop the sources whose window has ended; a source that still
      // finds no room is not limited (never a false 403).
      std::erase_if(sources_, [&](const auto& s) { return now - s.second.start >= window_; });
      if (sources_.size() >= max_sources_) return;
    }
    sources_.emplace(std::string(source), Window{now, 1});
    return;
  }
  if (now - it->second.start >= window_) {
    it->second = Window{now, 1};
  } else {
    ++it->second.failures;
  }
}

}  // namespace sippet::auth::detail
