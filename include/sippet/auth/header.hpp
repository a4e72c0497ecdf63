#pragma once
// Digest challenges (WWW-Authenticate, Proxy-Authenticate) and credentials
// (Authorization, Proxy-Authorization) as values: read from the message
// layer's typed auth headers (RFC 3261 §20.7, §20.27, §20.28, §20.44,
// §25.1; RFC 7616 §3.3, §3.4) and written back as header text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sippet/auth/digest.hpp"
#include "sippet/message/headers.hpp"

namespace sippet::auth {

// Which pair of headers: 401 with WWW-Authenticate answered by
// Authorization (a UAS, a registrar), or 407 with Proxy-Authenticate
// answered by Proxy-Authorization (a proxy) (§22.2, §22.3).
enum class Kind { kWww, kProxy };

// Longest accepted parameter value (after unquoting): a nonce, a realm or
// a URI beyond it is refused as malformed.
inline constexpr std::size_t kMaxParamSize = 1024;

// Why a header does not give a usable challenge or credentials.
enum class HeaderError {
  kNotDigest,    // another scheme (Basic, Bearer...): not for this layer
  kMalformed,    // missing, duplicated, badly written or oversized parameter
  kUnsupported,  // an algorithm this layer does not implement
};
const char* to_string(HeaderError error);

// One challenge (RFC 7616 §3.3). A qop list the server offers: `auth`,
// `auth-int`, both, or neither (RFC 2069 form).
struct Challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;                     // "" when absent
  std::string domain;                     // "" when absent
  Algorithm algorithm = Algorithm::kMd5;  // MD5 when absent (§3.3)
  bool algorithm_given = false;
  bool qop_auth = false;
  bool qop_auth_int = false;
  bool stale = false;
  bool userhash = false;
};

// One set of Digest credentials (RFC 7616 §3.4).
struct Credentials {
  std::string username;  // or, with userhash, H(username:realm) in hex
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string cnonce;  // "" without qop
  std::string opaque;  // "" when absent
  Algorithm algorithm = Algorithm::kMd5;
  bool algorithm_given = false;
  Qop qop = Qop::kNone;
  std::uint32_t nc = 0;  // 0 without qop
  std::string nc_text;   // nc as written (it is hashed as written); "" to write format_nc(nc)
  bool userhash = false;
};

// A parse that either gives T or says why not.
template <class T>
struct Parsed {
  std::optional<T> value;
  HeaderError error = HeaderError::kMalformed;
  std::string reason;  // for logs: which parameter and what is wrong
  explicit operator bool() const { return value.has_value(); }
};

// Reads a WWW-Authenticate / Proxy-Authenticate value. Unknown parameters
// are ignored (§3.3); realm and nonce are required; a parameter given twice,
// a qop, stale or userhash value that is not in the grammar, or a value
// longer than kMaxParamSize is malformed.
Parsed<Challenge> parse_challenge(const message::Auth& header);

// Reads an Authorization / Proxy-Authorization value: username, realm,
// nonce, uri and response are required, and with a qop, cnonce and an nc of
// 8 hex digits too; response must have the length of the algorithm's hash.
Parsed<Credentials> parse_credentials(const message::Auth& header);

// The header values, with the quoting of RFC 7616 §3.3 and §3.4: realm,
// nonce, opaque, domain, qop (challenge), username, uri, response, cnonce
// quoted; algorithm, stale, nc, qop (credentials), userhash as tokens.
// Quotes and backslashes inside a value are escaped (§25.1 quoted-pair).
std::string format_challenge(const Challenge& challenge);
std::string format_credentials(const Credentials& credentials);

// nc as written: 8 lower-case hex digits.
std::string format_nc(std::uint32_t nc);

}  // namespace sippet::auth
