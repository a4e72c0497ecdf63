// RFC 3261 §16.11: the branch of a request forwarded statelessly.
#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <memory>

#include "sippet/message/builder.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::message {

namespace {

// SHA-256, fetched from the default provider once: EVP_sha256() in
// EVP_DigestInit_ex looks the implementation up again on every call, which
// cost several times the hash itself. One context per thread, reused.
const EVP_MD* sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

EVP_MD_CTX* thread_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  return context.get();
}

class Digest {
 public:
  Digest() : context_(thread_context()) { EVP_DigestInit_ex2(context_, sha256(), nullptr); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  // Each part is followed by a separator no SIP token contains, so that
  // ("ab", "c") and ("a", "bc") differ.
  void add(std::string_view part) {
    EVP_DigestUpdate(context_, part.data(), part.size());
    EVP_DigestUpdate(context_, "\n", 1);
  }
  void add(std::uint32_t number) {
    char digits[12];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
    (void)ec;
    add(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_, out.data(), &length);
    return out;
  }

 private:
  EVP_MD_CTX* context_;
};

}  // namespace

Result<std::string> stateless_branch(const Message& request) {
  const Via* via = request.top_via();
  if (via == nullptr) return Error{ErrorKind::kMissingHeader, 0, 400, "missing header: Via"};
  Digest digest;
  if (via->branch.size() > 7 && via->branch.substr(0, 7) == "z9hG4bK") {
    // The received branch is unique per transaction (§8.1.1.7), and a
    // CANCEL and the ACK of a non-2xx carry the INVITE's.
    digest.add(via->branch);
  } else {
    // §16.11's fields for an RFC 2543 request: one of them always varies
    // between two transactions. The CSeq method is left out (a CANCEL
    // shares the INVITE's branch).
    digest.add(via->transport);
    digest.add(via->host);
    digest.add(via->port);
    digest.add(via->branch);
    digest.add(request.to() != nullptr ? request.to()->tag() : std::string_view());
    digest.add(request.from() != nullptr ? request.from()->tag() : std::string_view());
    digest.add(request.call_id());
    digest.add(request.cseq() != nullptr ? request.cseq()->seq : 0u);
    digest.add(request.is_request() ? request.request_line().uri.text : std::string_view());
  }
  const auto hash = digest.finish();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string branch = "z9hG4bK------------------------";  // the cookie and 24 hex digits
  for (std::size_t i = 0; i < 12; ++i) {
    branch[7 + 2 * i] = kHex[hash[i] >> 4];
    branch[8 + 2 * i] = kHex[hash[i] & 0xF];
  }
  return branch;
}

}  // namespace sippet::message
