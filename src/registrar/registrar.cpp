// REGISTER processing, RFC 3261 §10.3 steps 1 to 8 (steps 3 and 4,
// authentication and authorization, belong to the caller), with RFC 5626 §6
// (outbound) and RFC 3327 §5.3 (Path).
#include "sippet/registrar/registrar.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <limits>

#include "sippet/message/builder.hpp"
#include "sippet/message/text.hpp"

namespace sippet::registrar {

using message::Error;
using message::ErrorKind;
using message::HeaderId;
using message::Message;
using message::NameAddr;
using message::Result;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

// delta-seconds (§25.1), at most 2^32-1.
std::optional<std::uint32_t> parse_delta(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 12) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parse_q(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int whole = text[0] - '0';
  int fraction = 0;
  if (text.size() > 1) {
    if (text[1] != '.' || text.size() > 5) return std::nullopt;
    int scale = 100;
    for (char c : text.substr(2)) {
      if (c < '0' || c > '9') return std::nullopt;
      fraction += (c - '0') * scale;
      scale /= 10;
    }
  }
  if (whole == 1 && fraction != 0) return std::nullopt;
  return whole * 1000 + fraction;
}

bool has_option(const Message& request, HeaderId id, std::string_view tag) {
  for (const auto* field : request.get_all(id))
    if (const auto* token = field->as<message::Token>();
        token && message::iequals(token->token, tag))
      return true;
  return false;
}

// Splits a header value list at top-level commas (outside <...> and quotes).
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  bool quoted = false, angle = false;
  std::size_t start = 0;
  auto push = [&](std::size_t end) {
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      angle = true;
    } else if (c == '>') {
      angle = false;
    } else if (c == ',' && !angle) {
      push(i);
      start = i + 1;
    }
  }
  push(text.size());
  return out;
}

bool same_contact(const Binding& stored, const Binding& incoming) {
  if (!incoming.instance.empty() || !stored.instance.empty())
    return stored.instance == incoming.instance && stored.reg_id == incoming.reg_id;
  auto a = message::parse_uri(stored.contact);
  auto b = message::parse_uri(incoming.contact);
  if (a && b) return message::uri_equal(*a, *b);
  return stored.contact == incoming.contact;
}

Outcome respond(const Message& request, int code, std::string_view reason = {}) {
  Outcome outcome;
  auto response = message::build_response(request, code, reason);
  if (response) outcome.response.emplace(std::move(*response));
  return outcome;
}

bool domain_ok(const RegistrarOptions& options, std::string_view host) {
  if (options.domains.empty()) return true;
  for (const auto& domain : options.domains)
    if (message::iequals(domain, host)) return true;
  return false;
}

struct Parsed {
  Binding binding;
  std::uint32_t expires = 0;
};

}  // namespace

Result<std::string> canonical_aor(const message::Uri& uri) {
  if (!uri.is_sip() || uri.host.empty())
    return Error{ErrorKind::kUnsupportedScheme, 0, 404, "address of record is not a SIP URI"};
  std::string out = uri.scheme == message::UriScheme::kSips ? "sips:" : "sip:";
  if (uri.has_user) {
    out += message::unescape(uri.user);
    out += '@';
  }
  out += lower(uri.host);
  return out;
}

std::string http_date(UnixSeconds time) {
  // Every 200 carries one; the text changes once a second.
  thread_local UnixSeconds cached_time = -1;
  thread_local std::string cached;
  if (time == cached_time) return cached;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  cached_time = time;
  cached = buffer;
  return cached;
}

Registrar::Registrar(Storage& storage, RegistrarOptions options)
    : storage_(storage), options_(std::move(options)) {}

Result<std::vector<Binding>> Registrar::lookup(std::string_view aor, UnixSeconds now) {
  auto stored = storage_.lookup(aor);
  if (!stored) return stored;
  std::vector<Binding> out;
  for (auto& b : *stored)
    if (b.expires_at > now) out.push_back(std::move(b));
  std::stable_sort(out.begin(), out.end(),
                   [](const Binding& a, const Binding& b) { return a.q > b.q; });
  return out;
}

Outcome Registrar::handle(const Message& request, const transport::Flow& flow, UnixSeconds now) {
  if (!request.is_request() || request.method() != message::Method::kRegister) {
    Outcome outcome = respond(request, 405);
    if (outcome.response) (void)outcome.response->put(HeaderId::kAllow, "REGISTER");
    return outcome;
  }
  // Step 1: the domain of the Request-URI.
  const auto& ruri = request.request_line().uri;
  if (!ruri.is_sip()) return respond(request, 416);
  if (!domain_ok(options_, ruri.host)) {
    if (options_.proxy_other_domains) return Outcome{true, std::nullopt, {}};
    return respond(request, 403, "Domain Not Served");
  }
  // Step 2: Require. The extensions understood: path (RFC 3327) and
  // outbound (RFC 5626).
  std::vector<std::string_view> unsupported;
  for (const auto* field : request.get_all(HeaderId::kRequire)) {
    const auto* token = field->as<message::Token>();
    if (token && !message::iequals(token->token, "path") &&
        !message::iequals(token->token, "outbound"))
      unsupported.push_back(token->token);
  }
  if (!unsupported.empty()) {
    Outcome outcome = respond(request, 420);
    std::string list;
    for (auto tag : unsupported)
      list += (list.empty() ? "" : ", ") + std::string(tag);
    if (outcome.response) (void)outcome.response->put(HeaderId::kUnsupported, list);
    return outcome;
  }
  // Step 5: the address of record, from To.
  const NameAddr* to = request.to();
  if (!to) return respond(request, 400, "Missing To");
  auto aor = canonical_aor(to->uri);
  if (!aor) return respond(request, 404, "Not a SIP Address of Record");
  if (!domain_ok(options_, to->uri.host)) return respond(request, 404);

  const auto* cseq = request.cseq();
  std::string_view call_id = request.call_id();
  if (!cseq || call_id.empty()) return respond(request, 400, "Missing Call-ID or CSeq");

  // Step 6: the Contact values.
  std::optional<std::uint32_t> expires_header;
  if (const auto* field = request.get(HeaderId::kExpires)) {
    const auto* value = field->as<message::Integer>();
    if (!value) return respond(request, 400, "Malformed Expires");
    expires_header = value->value;
  }
  std::vector<std::string> path;
  for (const auto* field : request.get_all("Path"))
    for (auto& value : split_list(field->value))
      path.push_back(std::move(value));

  auto contacts = request.get_all(HeaderId::kContact);
  bool star = false;
  for (const auto* field : contacts)
    if (field->as<message::Star>()) star = true;
  if (star && (contacts.size() != 1 || expires_header != 0u))
    return respond(request, 400, "Invalid Contact *");

  std::vector<Parsed> incoming;
  const bool supports_outbound = has_option(request, HeaderId::kSupported, "outbound");
  bool outbound = false;
  if (!star) {
    incoming.reserve(contacts.size());
    for (const auto* field : contacts) {
      const auto* contact = field->as<NameAddr>();
      if (!contact) return respond(request, 400, "Malformed Contact");
      Parsed p;
      Binding& b = p.binding;
      b.aor = *aor;
      b.contact = std::string(contact->uri.text);
      std::optional<std::uint32_t> expires_param;
      std::optional<std::string_view> reg_id;
      for (const auto& param : contact->params) {
        if (message::iequals(param.name, "expires")) {
          expires_param = parse_delta(param.value);
          if (!expires_param) return respond(request, 400, "Malformed Contact expires");
          continue;
        }
        if (!b.params.empty()) b.params += ';';
        b.params += param.name;
        if (param.has_value) {
          b.params += '=';
          b.params += param.value;
        }
        if (message::iequals(param.name, "q")) {
          auto q = parse_q(param.value);
          if (!q) return respond(request, 400, "Malformed Contact q");
          b.q = *q;
        } else if (message::iequals(param.name, "+sip.instance")) {
          b.instance = param.text();
        } else if (message::iequals(param.name, "reg-id")) {
          reg_id = param.value;
        }
      }
      // RFC 5626 §6: reg-id counts only with +sip.instance, from a UA that
      // supports outbound (§4.2.1: Supported: outbound); 1..2^31-1.
      if (reg_id && !b.instance.empty() && supports_outbound) {
        auto id = parse_delta(*reg_id);
        if (!id || *id == 0 || *id > 0x7fffffffu) return respond(request, 400, "Malformed reg-id");
        b.reg_id = *id;
        outbound = true;
      }
      p.expires =
          expires_param ? *expires_param : expires_header.value_or(options_.default_expires);
      if (p.expires != 0 && p.expires < options_.min_expires) {
        Outcome outcome = respond(request, 423);
        if (outcome.response)
          (void)outcome.response->put(HeaderId::kMinExpires, std::to_string(options_.min_expires));
        return outcome;
      }
      p.expires = std::min(p.expires, options_.max_expires);
      b.call_id = std::string(call_id);
      b.cseq = cseq->seq;
      b.expires_at = now + p.expires;
      b.path = path;
      b.flow = flow;
      incoming.push_back(std::move(p));
    }
  }
  // RFC 5626 §6: outbound through an edge proxy that does not support it.
  if (outbound && !path.empty()) {
    auto first = path.front();
    auto open = first.find('<'), close = first.rfind('>');
    auto uri = message::parse_uri(open != std::string::npos && close != std::string::npos
                                      ? std::string_view(first).substr(open + 1, close - open - 1)
                                      : std::string_view(first));
    if (!uri || !uri->params.has("ob"))
      return respond(request, 439, "First Hop Lacks Outbound Support");
  }

  // Step 7: the current bindings, updated in a copy; stored only if every
  // contact passes.
  auto stored = storage_.lookup(*aor);
  if (!stored) {
    Outcome outcome = respond(request, 500);
    outcome.error = stored.error().reason;
    return outcome;
  }
  std::vector<Binding> bindings;
  for (auto& b : *stored)
    if (b.expires_at > now) bindings.push_back(std::move(b));
  auto stale = [&](const Binding& b) { return b.call_id == call_id && cseq->seq <= b.cseq; };
  if (star) {
    for (const auto& b : bindings)
      if (stale(b)) return respond(request, 500, "Out of Order CSeq");
    bindings.clear();
  }
  std::size_t removals_left = static_cast<std::size_t>(std::count_if(
      incoming.begin(), incoming.end(), [](const Parsed& p) { return p.expires == 0; }));
  for (Parsed& p : incoming) {
    if (p.expires == 0) --removals_left;
    auto it = std::find_if(bindings.begin(), bindings.end(),
                           [&](const Binding& b) { return same_contact(b, p.binding); });
    if (it != bindings.end()) {
      if (stale(*it)) return respond(request, 500, "Out of Order CSeq");
      if (p.expires == 0)
        bindings.erase(it);
      else
        *it = std::move(p.binding);
    } else if (p.expires != 0) {
      bindings.push_back(std::move(p.binding));
    }
    // Each removal left takes away at most one binding: past this, the
    // request cannot end under the cap (and 10,000 contacts cost little).
    if (bindings.size() > options_.max_contacts + removals_left) break;
  }
  if (bindings.size() > options_.max_contacts)
    return respond(request, options_.over_cap_status, "Too Many Contacts");
  if (auto r = storage_.replace(*aor, bindings); !r) {
    Outcome outcome = respond(request, 500);
    outcome.error = r.error().reason;
    return outcome;
  }

  // Step 8: 200 with every current binding and its remaining time.
  Outcome outcome = respond(request, 200);
  if (!outcome.response) return outcome;
  Message& response = *outcome.response;
  for (const auto& b : bindings) {
    std::string value = "<" + b.contact + ">";
    if (!b.params.empty()) value += ";" + b.params;
    value += ";expires=" + std::to_string(b.expires_at - now);
    (void)response.put_back(HeaderId::kContact, value);
  }
  (void)response.put(HeaderId::kDate, http_date(now));
  (void)response.put(HeaderId::kSupported, "outbound, path");
  if (outbound) (void)response.put(HeaderId::kRequire, "outbound");
  if (!path.empty() && has_option(request, HeaderId::kSupported, "path")) {
    std::string value;
    for (const auto& p : path)
      value += (value.empty() ? "" : ", ") + p;
    (void)response.put("Path", value);
  }
  return outcome;
}

}  // namespace sippet::registrar
