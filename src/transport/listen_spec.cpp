#include "sippet/transport/listen_spec.hpp"

#include <cctype>
#include <charconv>

namespace sippet::transport {
namespace {

message::Error invalid(std::string_view spec, std::string what) {
  message::Error error;
  error.kind = message::ErrorKind::kInvalidArgument;
  error.status = 0;
  error.reason = "listen spec \"" + std::string(spec) + "\": " + std::move(what);
  return error;
}

bool all_letters(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string ListenSpec::to_string() const {
  std::string text(facts(protocol).uri_name);
  text += ':';
  text += endpoint.to_string();
  return text;
}

message::Result<ListenSpec> parse_listen_spec(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  ListenSpec spec;
  std::string_view rest = text;
  if (rest.front() != '[') {
    std::size_t colon = rest.find(':');
    std::string_view prefix = rest.substr(0, colon);
    if (auto protocol = parse_protocol(prefix)) {
      spec.protocol = *protocol;
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    } else if (all_letters(prefix) && colon != std::string_view::npos) {
      return invalid(text, "unknown protocol \"" + std::string(prefix) +
                               "\" (expected udp, tcp, tls, ws or wss)");
    }
  }
  if (rest.empty()) return invalid(text, "missing host");

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return invalid(text, "missing ']'");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid(text, "unexpected text after ']'");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos && rest.find(':', colon + 1) != std::string_view::npos) {
      return invalid(text, "IPv6 address needs brackets, e.g. udp:[::1]:5060");
    }
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      has_port = true;
    }
  }
  if (host.empty()) return invalid(text, "missing host");

  spec.port = default_port(spec.protocol);
  if (has_port) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        port > 65535) {
      return invalid(text, "bad port \"" + std::string(port_text) + "\" (expected 0-65535)");
    }
    spec.port = static_cast<std::uint16_t>(port);
  }
  auto endpoint = Endpoint::from_ip(host, spec.port);
  if (!endpoint) {
    return invalid(text, "host \"" + std::string(host) + "\" is not an IP address");
  }
  if (endpoint->is_v4() && rest.front() == '[') {
    return invalid(text, "IPv4 address in brackets");
  }
  spec.host = std::string(host);
  spec.endpoint = *endpoint;
  return spec;
}

}  // namespace sippet::transport
