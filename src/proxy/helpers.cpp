// Sippet.Proxy's helpers (helpers.hpp): identity, Via branches with their
// loop-detection part, Record-Route and Route processing (RFC 3261 §16).
#include "sippet/proxy/helpers.hpp"

#include <charconv>
#include <cstring>

#include "sippet/message/builder.hpp"
#include "sippet/message/text.hpp"

namespace sippet::proxy {

namespace {

constexpr std::string_view kCookie = "z9hG4bK";

message::Error invalid(std::string reason) {
  return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, std::move(reason)};
}

bool host_is(const transport::Endpoint& address, std::string_view host) {
  return message::iequals(address.host_string(), host);
}

bool owns_host_port(const Identity& us, std::string_view host, std::uint16_t port) {
  for (const auto& domain : us.domains)
    if (message::iequals(domain, host)) return true;
  for (const auto& address : us.addresses) {
    if (address.port() != port) continue;
    if (address.is_unspecified() || host_is(address, host)) return true;
  }
  return false;
}

// A stable 64-bit hash (the same in every process, so that a request
// looping through another instance of this proxy is found too), eight
// octets at a time: each word is xored in, multiplied by 2^64 over the
// golden ratio, and its high bits folded into its low ones.
struct LoopHash {
  std::uint64_t value = 0xcbf29ce484222325ull;
  void mix(std::uint64_t word) {
    value ^= word;
    value *= 0x9e3779b97f4a7c15ull;
    value ^= value >> 29;
  }
  void add(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = text.size();
    for (; n >= 8; n -= 8, p += 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);  // little-endian on every target we build for
      mix(word);
    }
    std::uint64_t tail = 0;
    for (std::size_t i = 0; i < n; ++i)
      tail |= std::uint64_t{p[i]} << (8 * i);
    // The tail's length goes in with it: "ab","c" differs from "a","bc".
    mix(tail ^ (std::uint64_t{n + 1} << 56));
  }
};

// loop_hash's 16 hex digits, written at `out`.
void write_loop_hash(const message::Message& request, std::size_t via_index, char* out) {
  LoopHash hash;
  if (const auto* from = request.from()) hash.add(from->tag());
  hash.add(request.call_id());
  if (const auto* cseq = request.cseq()) {
    char digits[12];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, cseq->seq);
    (void)ec;
    hash.add(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  hash.add(request.request_line().uri.text);
  // The Via at via_index, then every Proxy-Require and Proxy-Authorization
  // value, each kind in order (a pass of their own only when there are some).
  std::size_t vias = 0;
  bool proxy_headers = false;
  for (const auto& field : request.fields()) {
    if (field.id == message::HeaderId::kVia && vias++ == via_index) hash.add(field.value);
    proxy_headers = proxy_headers || field.id == message::HeaderId::kProxyRequire ||
                    field.id == message::HeaderId::kProxyAuthorization;
  }
  if (proxy_headers) {
    for (const auto id :
         {message::HeaderId::kProxyRequire, message::HeaderId::kProxyAuthorization}) {
      for (const auto& field : request.fields())
        if (field.id == id) hash.add(field.value);
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 16; ++i)
    out[i] = kHex[(hash.value >> (60 - 4 * i)) & 0xF];
}

// §16.3 step 4: `field` (the request's Via number `index`, from the top)
// is ours and its loop part is what we would compute now over the request
// as we received it then (with the Via below it on top).
bool is_our_loop(const message::Field& field, const message::Message& request, const Identity& us,
                 std::size_t index) {
  const auto* via = field.as<message::Via>();
  if (via == nullptr || !us.owns(*via)) return false;
  std::string_view branch = via->branch;
  if (!branch.starts_with(kCookie)) return false;
  branch.remove_prefix(kCookie.size());
  auto dot = branch.find('.');
  return dot != std::string_view::npos && branch.substr(0, dot) == loop_hash(request, index + 1);
}

}  // namespace

bool Identity::owns(const message::Uri& uri) const {
  if (!uri.is_sip()) return false;
  return owns_host_port(*this, uri.host, uri.port_or_default());
}

bool Identity::owns(const message::Via& via) const {
  std::uint16_t port = via.port;
  if (!via.has_port) {
    auto protocol = transport::parse_protocol(via.transport);
    port = transport::default_port(protocol.value_or(transport::Protocol::kUdp));
  }
  return owns_host_port(*this, via.host, port);
}

std::string loop_hash(const message::Message& request, std::size_t via_index) {
  std::string text(16, '0');
  write_loop_hash(request, via_index, text.data());
  return text;
}

message::Result<std::string> make_branch(const message::Message& request, bool stateless) {
  std::string rest;
  if (stateless) {
    auto derived = message::stateless_branch(request);
    if (!derived) return derived.error();
    rest = std::move(derived).value();
  } else {
    rest = message::create_branch();
  }
  // "z9hG4bK" <16 digits of loop part> "." <the rest without its cookie>:
  // 17 octets more than the rest, written once (the '.' is the fill).
  std::string branch(rest.size() + 17, '.');
  std::memcpy(branch.data(), kCookie.data(), kCookie.size());
  write_loop_hash(request, 0, branch.data() + kCookie.size());
  std::memcpy(branch.data() + kCookie.size() + 17, rest.data() + kCookie.size(),
              rest.size() - kCookie.size());
  return branch;
}

message::Result<void> add_via(message::Message& request, const stack::Hop& hop,
                              std::string_view branch) {
  std::string value;
  value.reserve(32 + hop.sent_by.size() + branch.size());
  value += "SIP/2.0/";
  value += transport::to_string(hop.protocol);
  value += ' ';
  value += hop.sent_by;
  value += ";branch=";
  value += branch;
  value += ";rport";
  return request.put_front(message::HeaderId::kVia, value);
}

std::string record_route_uri(transport::Protocol protocol, std::string_view sent_by) {
  std::string uri = "sip:";
  uri += sent_by;
  if (protocol != transport::Protocol::kUdp) {
    std::string name(transport::to_string(protocol));
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uri += ";transport=" + name;
  }
  uri += ";lr";
  return uri;
}

message::Result<void> add_record_route(message::Message& request, const stack::Hop& out,
                                       const transport::Flow& incoming) {
  // Top: the side the request leaves on (the callee's route set starts
  // there); below it the side it came in on, when different.
  if (incoming.protocol != out.protocol || incoming.local != out.local) {
    const std::string in =
        "<" + record_route_uri(incoming.protocol, incoming.local.to_string()) + ">";
    if (auto put = request.put_front(message::HeaderId::kRecordRoute, in); !put) return put;
  }
  return request.put_front(message::HeaderId::kRecordRoute,
                           "<" + record_route_uri(out.protocol, out.sent_by) + ">");
}

message::Result<RouteProcessing> process_routes(message::Message& request, const Identity& us) {
  RouteProcessing done;
  if (!request.has(message::HeaderId::kRoute)) return done;  // the common case: nothing to do
  auto routes = request.get_all(message::HeaderId::kRoute);
  const message::Uri& target = request.request_line().uri;
  // §16.4: a strict router put our Record-Route URI (no user, `lr`) in the
  // Request-URI and the original one in the last Route.
  if (!target.has_user && target.params.has("lr") && us.owns(target)) {
    const auto* last = routes.back()->as<message::NameAddr>();
    if (last == nullptr) return invalid("a Route value does not parse");
    if (auto set = request.set_request_uri(last->uri.text); !set) return set.error();
    std::string kept;
    for (std::size_t i = 0; i + 1 < routes.size(); ++i) {
      if (!kept.empty()) kept += ", ";
      kept += routes[i]->value;
    }
    request.erase(message::HeaderId::kRoute);
    if (!kept.empty())
      if (auto put = request.put(message::HeaderId::kRoute, kept); !put) return put.error();
    done.strict_router = true;
  }
  // Our top Route is removed; so is the one below it when it is ours too:
  // the two Record-Route values we added where the request changed
  // transport or interface (§16.6 step 4, RFC 5658).
  while (const auto* top = request.get(message::HeaderId::kRoute)) {
    const auto* route = top->as<message::NameAddr>();
    if (route == nullptr || !us.owns(route->uri)) break;
    request.pop_front(message::HeaderId::kRoute);
    done.removed_ours = true;
  }
  return done;
}

std::optional<Rejection> check_request(const message::Message& request, const Identity& us,
                                       const ValidationOptions& options) {
  if (request.method() == message::Method::kAck) return std::nullopt;
  // §16.3 step 3.
  if (auto hops = request.max_forwards(); hops && *hops == 0) {
    const bool for_us =
        request.method() == message::Method::kOptions && us.owns(request.request_line().uri);
    if (!(for_us && options.answer_options)) return Rejection{483, "Too Many Hops", {}};
  }
  // §16.3 step 4: a Via of ours whose loop part is what we would compute
  // now over the request as we received it then (the Via below ours).
  std::size_t index = 0;                  // the Vias seen so far
  const message::Field* above = nullptr;  // the last of them
  for (const auto& field : request.fields()) {
    if (field.id != message::HeaderId::kVia) continue;
    if (above != nullptr && is_our_loop(*above, request, us, index - 1))
      return Rejection{482, "Loop Detected", {}};
    above = &field;
    ++index;
  }
  // §16.3 step 5.
  std::string unsupported;
  for (const auto* field : request.get_all(message::HeaderId::kProxyRequire)) {
    const auto* token = field->as<message::Token>();
    std::string_view tag = token != nullptr ? token->token : field->value;
    bool known = false;
    for (const auto& supported : options.supported)
      known = known || message::iequals(supported, tag);
    if (known) continue;
    if (!unsupported.empty()) unsupported += ", ";
    unsupported += tag;
  }
  if (!unsupported.empty()) return Rejection{420, "Bad Extension", unsupported};
  return std::nullopt;
}

message::Result<message::Message> build_rejection(const message::Message& request,
                                                  const Rejection& rejection) {
  auto response = message::build_response(request, rejection.status, rejection.reason);
  if (!response) return response;
  if (!rejection.unsupported.empty())
    if (auto put = response->put(message::HeaderId::kUnsupported, rejection.unsupported); !put)
      return put.error();
  return response;
}

}  // namespace sippet::proxy
