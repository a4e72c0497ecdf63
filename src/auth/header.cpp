// Digest challenge and credentials parameters (RFC 7616 §3.3, §3.4; RFC 3261
// §25.1 digest-cln / dig-resp) read from the message layer's typed Auth
// values, and written back.
#include "sippet/auth/header.hpp"

#include <cstdio>

#include "sippet/message/text.hpp"

namespace sippet::auth {
namespace {

using message::iequals;

// Reads the parameters of `header` into named slots: each known name may
// appear once; a value longer than kMaxParamSize or a parameter without a
// value is malformed. Unknown parameters are skipped.
struct Slot {
  std::string_view name;
  std::optional<std::string> value;
};

template <std::size_t N>
bool read_params(const message::Auth& header, Slot (&slots)[N], std::string& reason) {
  for (const auto& param : header.params) {
    for (Slot& slot : slots) {
      if (!iequals(param.name, slot.name)) continue;
      if (slot.value) {
        reason = "duplicate parameter " + std::string(slot.name);
        return false;
      }
      if (!param.has_value) {
        reason = "parameter " + std::string(slot.name) + " without a value";
        return false;
      }
      if (param.value.size() > kMaxParamSize + 2) {
        reason = "parameter " + std::string(slot.name) + " too long";
        return false;
      }
      slot.value = param.text();
      break;
    }
  }
  return true;
}

template <class T>
Parsed<T> failure(HeaderError error, std::string reason) {
  Parsed<T> out;
  out.error = error;
  out.reason = std::move(reason);
  return out;
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// "true" / "false" without case (§3.3 stale, userhash).
std::optional<bool> parse_bool(std::string_view text) {
  if (iequals(text, "true")) return true;
  if (iequals(text, "false")) return false;
  return std::nullopt;
}

void append_quoted(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += "=\"";
  // quoted-pair (§25.1) for DQUOTE, backslash and the control octets
  // qdtext does not allow (CR and LF stay: they only occur in folding).
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || ((u < 0x20 || u == 0x7f) && c != '\r' && c != '\n' && c != '\t'))
      out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_token(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out.push_back('=');
  out += value;
}

}  // namespace

const char* to_string(HeaderError error) {
  switch (error) {
    case HeaderError::kNotDigest:
      return "not a Digest header";
    case HeaderError::kMalformed:
      return "malformed Digest header";
    case HeaderError::kUnsupported:
      return "unsupported algorithm";
  }
  return "?";
}

Parsed<Challenge> parse_challenge(const message::Auth& header) {
  if (!iequals(header.scheme, "Digest"))
    return failure<Challenge>(HeaderError::kNotDigest, "scheme is not Digest");
  enum { kRealm, kNonce, kOpaque, kDomain, kAlgorithm, kQop, kStale, kUserhash };
  Slot slots[] = {{"realm", {}},     {"nonce", {}}, {"opaque", {}}, {"domain", {}},
                  {"algorithm", {}}, {"qop", {}},   {"stale", {}},  {"userhash", {}}};
  std::string reason;
  if (!read_params(header, slots, reason))
    return failure<Challenge>(HeaderError::kMalformed, reason);
  if (!slots[kRealm].value) return failure<Challenge>(HeaderError::kMalformed, "no realm");
  if (!slots[kNonce].value || slots[kNonce].value->empty())
    return failure<Challenge>(HeaderError::kMalformed, "no nonce");
  Challenge c;
  c.realm = std::move(*slots[kRealm].value);
  c.nonce = std::move(*slots[kNonce].value);
  if (slots[kOpaque].value) c.opaque = std::move(*slots[kOpaque].value);
  if (slots[kDomain].value) c.domain = std::move(*slots[kDomain].value);
  if (const auto& a = slots[kAlgorithm].value) {
    auto algorithm = parse_algorithm(*a);
    if (!algorithm) return failure<Challenge>(HeaderError::kUnsupported, "algorithm " + *a);
    c.algorithm = *algorithm;
    c.algorithm_given = true;
  }
  if (const auto& q = slots[kQop].value) {
    // qop-options: LDQUOT qop-value *("," qop-value) RDQUOT; unknown values
    // are skipped (§3.3), an empty element is malformed.
    std::string_view rest = *q;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = message::trim(rest.substr(0, comma));
      if (item.empty()) return failure<Challenge>(HeaderError::kMalformed, "empty qop option");
      if (iequals(item, "auth")) c.qop_auth = true;
      if (iequals(item, "auth-int")) c.qop_auth_int = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const auto& s = slots[kStale].value) {
    auto stale = parse_bool(*s);
    if (!stale) return failure<Challenge>(HeaderError::kMalformed, "stale is not true or false");
    c.stale = *stale;
  }
  if (const auto& u = slots[kUserhash].value) {
    auto userhash = parse_bool(*u);
    if (!userhash)
      return failure<Challenge>(HeaderError::kMalformed, "userhash is not true or false");
    c.userhash = *userhash;
  }
  Parsed<Challenge> out;
  out.value = std::move(c);
  return out;
}

Parsed<Credentials> parse_credentials(const message::Auth& header) {
  if (!iequals(header.scheme, "Digest"))
    return failure<Credentials>(HeaderError::kNotDigest, "scheme is not Digest");
  enum {
    kUsername,
    kRealm,
    kNonce,
    kUri,
    kResponse,
    kAlgorithm,
    kCnonce,
    kOpaque,
    kQop,
    kNc,
    kUserhash,
    kUsernameStar
  };
  Slot slots[] = {{"username", {}}, {"realm", {}},     {"nonce", {}},    {"uri", {}},
                  {"response", {}}, {"algorithm", {}}, {"cnonce", {}},   {"opaque", {}},
                  {"qop", {}},      {"nc", {}},        {"userhash", {}}, {"username*", {}}};
  std::string reason;
  if (!read_params(header, slots, reason))
    return failure<Credentials>(HeaderError::kMalformed, reason);
  if (slots[kUsernameStar].value)  // RFC 7616 §3.4.4's extended notation
    return failure<Credentials>(HeaderError::kMalformed, "username* is not supported");
  for (int required : {kUsername, kRealm, kNonce, kUri, kResponse}) {
    if (!slots[required].value)
      return failure<Credentials>(HeaderError::kMalformed,
                                  "no " + std::string(slots[required].name));
  }
  Credentials c;
  c.username = std::move(*slots[kUsername].value);
  c.realm = std::move(*slots[kRealm].value);
  c.nonce = std::move(*slots[kNonce].value);
  c.uri = std::move(*slots[kUri].value);
  c.response = std::move(*slots[kResponse].value);
  if (c.username.empty() || c.nonce.empty() || c.uri.empty())
    return failure<Credentials>(HeaderError::kMalformed, "empty username, nonce or uri");
  if (const auto& a = slots[kAlgorithm].value) {
    auto algorithm = parse_algorithm(*a);
    if (!algorithm) return failure<Credentials>(HeaderError::kUnsupported, "algorithm " + *a);
    c.algorithm = *algorithm;
    c.algorithm_given = true;
  }
  if (c.response.size() != hex_size(c.algorithm) || !is_hex(c.response))
    return failure<Credentials>(HeaderError::kMalformed, "response is not a hash of the algorithm");
  for (char& ch : c.response)
    ch = message::ascii_lower(ch);
  if (slots[kOpaque].value) c.opaque = std::move(*slots[kOpaque].value);
  if (const auto& q = slots[kQop].value) {
    if (iequals(*q, "auth")) {
      c.qop = Qop::kAuth;
    } else if (iequals(*q, "auth-int")) {
      c.qop = Qop::kAuthInt;
    } else {
      return failure<Credentials>(HeaderError::kMalformed, "qop is not auth or auth-int");
    }
    // §3.4: with a qop, cnonce and nc are required; nc is 8LHEX.
    if (!slots[kCnonce].value || slots[kCnonce].value->empty())
      return failure<Credentials>(HeaderError::kMalformed, "qop without cnonce");
    const auto& nc = slots[kNc].value;
    if (!nc || nc->size() != 8 || !is_hex(*nc))
      return failure<Credentials>(HeaderError::kMalformed, "qop without an nc of 8 hex digits");
    c.cnonce = std::move(*slots[kCnonce].value);
    c.nc_text = *nc;
    c.nc = static_cast<std::uint32_t>(std::stoul(*nc, nullptr, 16));
    if (c.nc == 0) return failure<Credentials>(HeaderError::kMalformed, "nc is 0");
  } else if (slots[kCnonce].value || slots[kNc].value) {
    return failure<Credentials>(HeaderError::kMalformed, "cnonce or nc without qop");
  }
  if (const auto& u = slots[kUserhash].value) {
    auto userhash = parse_bool(*u);
    if (!userhash)
      return failure<Credentials>(HeaderError::kMalformed, "userhash is not true or false");
    c.userhash = *userhash;
  }
  Parsed<Credentials> out;
  out.value = std::move(c);
  return out;
}

std::string format_nc(std::uint32_t nc) {
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", nc);
  return std::string(buffer, 8);
}

std::string format_challenge(const Challenge& c) {
  std::string out = "Digest ";
  append_quoted(out, "realm", c.realm);
  out += ", ";
  append_quoted(out, "nonce", c.nonce);
  if (!c.domain.empty()) {
    out += ", ";
    append_quoted(out, "domain", c.domain);
  }
  if (!c.opaque.empty()) {
    out += ", ";
    append_quoted(out, "opaque", c.opaque);
  }
  if (c.algorithm_given || c.algorithm != Algorithm::kMd5) {
    out += ", ";
    append_token(out, "algorithm", to_string(c.algorithm));
  }
  if (c.qop_auth || c.qop_auth_int) {
    out += ", ";
    append_quoted(
        out, "qop",
        c.qop_auth && c.qop_auth_int ? "auth,auth-int" : (c.qop_auth ? "auth" : "auth-int"));
  }
  if (c.stale) out += ", stale=true";
  if (c.userhash) out += ", userhash=true";
  return out;
}

std::string format_credentials(const Credentials& c) {
  std::string out = "Digest ";
  append_quoted(out, "username", c.username);
  out += ", ";
  append_quoted(out, "realm", c.realm);
  out += ", ";
  append_quoted(out, "nonce", c.nonce);
  out += ", ";
  append_quoted(out, "uri", c.uri);
  out += ", ";
  append_quoted(out, "response", c.response);
  if (c.algorithm_given || c.algorithm != Algorithm::kMd5) {
    out += ", ";
    append_token(out, "algorithm", to_string(c.algorithm));
  }
  if (!c.opaque.empty()) {
    out += ", ";
    append_quoted(out, "opaque", c.opaque);
  }
  if (c.qop != Qop::kNone) {
    out += ", ";
    append_token(out, "qop", to_string(c.qop));
    out += ", ";
    append_token(out, "nc", c.nc_text.empty() ? format_nc(c.nc) : c.nc_text);
    out += ", ";
    append_quoted(out, "cnonce", c.cnonce);
  }
  if (c.userhash) out += ", userhash=true";
  return out;
}

}  // namespace sippet::auth
