// libFuzzer target: Digest headers (RFC 3261 §20.7, §20.27, §20.28, §20.44;
// RFC 7616 §3.3, §3.4). The input is a header value given to the message
// layer as Authorization, WWW-Authenticate and Proxy-Authenticate, then to
// the auth layer's readers and to a server's check. A value that reads must
// write to text that reads again into the same values.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "sippet/auth.hpp"
#include "sippet/message/builder.hpp"

namespace sm = sippet::message;
namespace sa = sippet::auth;

namespace {

void check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_auth invariant broken: %s\ninput: %.*s\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

const sm::Auth* put(sm::Message& m, sm::HeaderId id, std::string_view text) {
  if (!m.put(id, text)) return nullptr;
  const sm::Field* field = m.get(id);
  return field == nullptr ? nullptr : field->as<sm::Auth>();
}

sa::Server& server() {
  static auto users = [] {
    auto u = std::make_shared<sa::MemoryUsers>();
    u->add_password("alice", "example.com", "secret");
    return u;
  }();
  static sa::Server instance(
      [] {
        sa::ServerOptions o;
        o.realm = "example.com";
        o.secret = "fuzz";
        o.max_nonces = 64;
        o.max_sources = 64;
        o.now = [] { return std::int64_t{1'700'000'000}; };
        return o;
      }(),
      users);
  return instance;
}

void credentials(std::string_view text) {
  auto request = sm::build_request("REGISTER", "sip:example.com").value();
  const sm::Auth* header = put(request, sm::HeaderId::kAuthorization, text);
  if (header == nullptr) return;
  auto parsed = sa::parse_credentials(*header);
  const sa::Verdict verdict = server().verify(request, sa::Kind::kWww, "198.51.100.1");
  check(verdict.status() == 0 || verdict.status() == 401 || verdict.status() == 403 ||
            verdict.status() == 400,
        "verdict status out of range", text);
  if (!parsed) return;
  const sa::Credentials& c = *parsed.value;
  const std::string written = sa::format_credentials(c);
  auto again_message = sm::build_request("REGISTER", "sip:example.com").value();
  const sm::Auth* again_header = put(again_message, sm::HeaderId::kAuthorization, written);
  check(again_header != nullptr, "written credentials do not parse as a header", text);
  auto again = sa::parse_credentials(*again_header);
  check(again.value.has_value(), "written credentials do not read", text);
  const sa::Credentials& d = *again.value;
  check(d.username == c.username && d.realm == c.realm && d.nonce == c.nonce && d.uri == c.uri &&
            d.response == c.response && d.algorithm == c.algorithm && d.qop == c.qop &&
            d.nc == c.nc && d.cnonce == c.cnonce && d.opaque == c.opaque &&
            d.userhash == c.userhash,
        "credentials differ after writing and reading", text);
}

void challenge(sm::HeaderId id, std::string_view text) {
  auto response = sm::build_request("OPTIONS", "sip:example.com").value();
  const sm::Auth* header = put(response, id, text);
  if (header == nullptr) return;
  auto parsed = sa::parse_challenge(*header);
  if (!parsed) return;
  const sa::Challenge& c = *parsed.value;
  const std::string written = sa::format_challenge(c);
  auto again_message = sm::build_request("OPTIONS", "sip:example.com").value();
  const sm::Auth* again_header = put(again_message, id, written);
  check(again_header != nullptr, "written challenge does not parse as a header", text);
  auto again = sa::parse_challenge(*again_header);
  check(again.value.has_value(), "written challenge does not read", text);
  const sa::Challenge& d = *again.value;
  check(d.realm == c.realm && d.nonce == c.nonce && d.opaque == c.opaque && d.domain == c.domain &&
            d.algorithm == c.algorithm && d.qop_auth == c.qop_auth &&
            d.qop_auth_int == c.qop_auth_int && d.stale == c.stale && d.userhash == c.userhash,
        "challenge differs after writing and reading", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  credentials(text);
  challenge(sm::HeaderId::kWwwAuthenticate, text);
  challenge(sm::HeaderId::kProxyAuthenticate, text);
  return 0;
}
