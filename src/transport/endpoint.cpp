#include "sippet/transport/endpoint.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace sippet::transport {
namespace {

message::Error invalid(std::string reason) {
  message::Error error;
  error.kind = message::ErrorKind::kInvalidArgument;
  error.status = 0;
  error.reason = std::move(reason);
  return error;
}

bool is_v4_mapped(const std::uint8_t* a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a, kPrefix, sizeof kPrefix) == 0;
}

}  // namespace

std::optional<Endpoint> Endpoint::from_ip(std::string_view ip, std::uint16_t port) {
  if (ip.empty() || ip.size() > 63) return std::nullopt;
  char text[64];
  std::memcpy(text, ip.data(), ip.size());
  text[ip.size()] = '\0';
  Endpoint endpoint;
  endpoint.port_ = port;
  if (inet_pton(AF_INET, text, endpoint.address_.data()) == 1) return endpoint;
  // IPv6 with an optional zone: "fe80::1%eth0" or "fe80::1%2".
  std::uint32_t scope = 0;
  if (char* percent = std::strchr(text, '%')) {
    *percent = '\0';
    const char* zone = percent + 1;
    if (*zone == '\0') return std::nullopt;
    auto [end, ec] = std::from_chars(zone, zone + std::strlen(zone), scope);
    if (ec != std::errc() || *end != '\0') {
      scope = if_nametoindex(zone);
      if (scope == 0) return std::nullopt;
    }
  }
  if (inet_pton(AF_INET6, text, endpoint.address_.data()) != 1) return std::nullopt;
  endpoint.family_ = AddressFamily::kV6;
  endpoint.scope_id_ = scope;
  return endpoint;
}

message::Result<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos)
      return invalid("missing ']' in \"" + std::string(text) + "\"");
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return invalid("missing port in \"" + std::string(text) + "\"");
    }
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return invalid("IPv6 address needs brackets: \"" + std::string(text) + "\"");
    }
    rest = text.substr(colon);
  }
  if (rest.size() < 2 || rest.front() != ':') {
    return invalid("missing port in \"" + std::string(text) + "\"");
  }
  std::string_view digits = rest.substr(1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    return invalid("bad port \"" + std::string(digits) + "\"");
  }
  auto endpoint = from_ip(host, static_cast<std::uint16_t>(port));
  if (!endpoint) return invalid("not an IP address: \"" + std::string(host) + "\"");
  bool bracketed = text.front() == '[';
  if (endpoint->is_v4() && bracketed) {
    return invalid("IPv4 address in brackets: \"" + std::string(text) + "\"");
  }
  return *endpoint;
}

std::optional<Endpoint> Endpoint::from_sockaddr(const sockaddr* address, std::size_t length) {
  if (address == nullptr) return std::nullopt;
  Endpoint endpoint;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, address, sizeof in);
    std::memcpy(endpoint.address_.data(), &in.sin_addr, 4);
    endpoint.port_ = ntohs(in.sin_port);
    return endpoint;
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    endpoint.port_ = ntohs(in6.sin6_port);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(&in6.sin6_addr);
    if (is_v4_mapped(bytes)) {
      std::memcpy(endpoint.address_.data(), bytes + 12, 4);
      return endpoint;
    }
    std::memcpy(endpoint.address_.data(), bytes, 16);
    endpoint.family_ = AddressFamily::kV6;
    endpoint.scope_id_ = in6.sin6_scope_id;
    return endpoint;
  }
  return std::nullopt;
}

std::size_t Endpoint::to_sockaddr(sockaddr_storage& out) const {
  std::memset(&out, 0, sizeof out);
  if (is_v4()) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    std::memcpy(&in.sin_addr, address_.data(), 4);
    std::memcpy(&out, &in, sizeof in);
    return sizeof in;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port_);
  in6.sin6_scope_id = scope_id_;
  std::memcpy(&in6.sin6_addr, address_.data(), 16);
  std::memcpy(&out, &in6, sizeof in6);
  return sizeof in6;
}

Endpoint Endpoint::loopback_v4(std::uint16_t port) {
  Endpoint e;
  e.address_[0] = 127;
  e.address_[3] = 1;
  e.port_ = port;
  return e;
}

Endpoint Endpoint::loopback_v6(std::uint16_t port) {
  Endpoint e;
  e.family_ = AddressFamily::kV6;
  e.address_[15] = 1;
  e.port_ = port;
  return e;
}

Endpoint Endpoint::any_v4(std::uint16_t port) {
  Endpoint e;
  e.port_ = port;
  return e;
}

Endpoint Endpoint::any_v6(std::uint16_t port) {
  Endpoint e;
  e.family_ = AddressFamily::kV6;
  e.port_ = port;
  return e;
}

bool Endpoint::is_unspecified() const {
  for (std::uint8_t b : address_) {
    if (b != 0) return false;
  }
  return true;
}

bool Endpoint::is_loopback() const {
  if (is_v4()) return address_[0] == 127;
  return address_ == loopback_v6(0).address_;
}

// Strings are built with append() only: GCC 12's -Wrestrict misfires on
// `"[" + std::string + "]"` at -O3.
std::string Endpoint::address_string() const {
  if (is_v4()) {
    // Dotted decimal (RFC 791 §3.2's usual notation), written by hand:
    // inet_ntop formats IPv4 through sprintf, a few thousand instructions
    // for every Via and Record-Route the stack writes.
    char text[16];
    char* out = text;
    for (std::size_t i = 0; i < 4; ++i) {
      const unsigned octet = address_[i];
      if (i != 0) *out++ = '.';
      if (octet >= 100) *out++ = static_cast<char>('0' + octet / 100);
      if (octet >= 10) *out++ = static_cast<char>('0' + octet / 10 % 10);
      *out++ = static_cast<char>('0' + octet % 10);
    }
    return std::string(text, out);
  }
  char text[INET6_ADDRSTRLEN + 16] = {};
  inet_ntop(AF_INET6, address_.data(), text, sizeof text);
  std::string result(text);
  if (is_v6() && scope_id_ != 0) {
    result.push_back('%');
    result.append(std::to_string(scope_id_));
  }
  return result;
}

std::string Endpoint::host_string() const {
  if (is_v4()) return address_string();
  std::string result;
  result.reserve(INET6_ADDRSTRLEN + 18);
  result.push_back('[');
  result.append(address_string());
  result.push_back(']');
  return result;
}

std::string Endpoint::to_string() const {
  std::string result = host_string();
  char digits[6];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, port_);
  (void)ec;
  result.push_back(':');
  result.append(digits, end);
  return result;
}

std::size_t EndpointHash::operator()(const Endpoint& endpoint) const noexcept {
  // FNV-1a over the address bytes, the port and the family.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint8_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  for (std::uint8_t b : endpoint.address_bytes())
    mix(b);
  mix(static_cast<std::uint8_t>(endpoint.port() >> 8));
  mix(static_cast<std::uint8_t>(endpoint.port()));
  mix(endpoint.is_v6() ? 1 : 0);
  return static_cast<std::size_t>(h ^ endpoint.scope_id());
}

}  // namespace sippet::transport
