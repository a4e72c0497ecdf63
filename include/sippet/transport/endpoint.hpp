#pragma once
// An IP address and port: where a datagram comes from or goes to.
//
// Value type, cheap to copy (28 bytes), hashable, totally ordered. IPv4 and
// IPv6 only; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is normalised to
// IPv4 when it comes from the kernel, so the same peer always compares equal.
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sippet/message/result.hpp"

struct sockaddr;
struct sockaddr_storage;

namespace sippet::transport {

enum class AddressFamily { kV4, kV6 };

class Endpoint {
 public:
  // 0.0.0.0:0.
  Endpoint() = default;

  // From an IP literal without brackets ("192.0.2.1", "::1", "fe80::1%eth0")
  // and a port. nullopt when `ip` is not an IP literal (no name resolution).
  static std::optional<Endpoint> from_ip(std::string_view ip, std::uint16_t port);

  // "1.2.3.4:5060", "[::1]:5060", "[fe80::1%eth0]:5060". The port is
  // mandatory. Error kind kInvalidArgument with a readable reason.
  static message::Result<Endpoint> parse(std::string_view text);

  // Conversions to and from the kernel's socket addresses. from_sockaddr
  // returns nullopt for a family other than AF_INET/AF_INET6.
  static std::optional<Endpoint> from_sockaddr(const sockaddr* address, std::size_t length);
  // Fills `out`, returns the length to pass to the kernel.
  std::size_t to_sockaddr(sockaddr_storage& out) const;

  static Endpoint loopback_v4(std::uint16_t port);  // 127.0.0.1:port
  static Endpoint loopback_v6(std::uint16_t port);  // [::1]:port
  static Endpoint any_v4(std::uint16_t port);       // 0.0.0.0:port
  static Endpoint any_v6(std::uint16_t port);       // [::]:port

  AddressFamily family() const { return family_; }
  bool is_v4() const { return family_ == AddressFamily::kV4; }
  bool is_v6() const { return family_ == AddressFamily::kV6; }
  std::uint16_t port() const { return port_; }
  void set_port(std::uint16_t port) { port_ = port; }
  // IPv6 zone (interface index); 0 for IPv4 and global IPv6 addresses.
  std::uint32_t scope_id() const { return scope_id_; }
  // Network byte order; IPv4 uses the first 4 bytes, the rest are zero.
  const std::array<std::uint8_t, 16>& address_bytes() const { return address_; }
  // 0.0.0.0 or ::
  bool is_unspecified() const;
  bool is_loopback() const;

  // "192.0.2.1" or "::1" (no brackets, zone appended as %index).
  std::string address_string() const;
  // "192.0.2.1" or "[::1]": the host part of a Via sent-by or a URI
  // (RFC 3261 §25.1 `host`, IPv6reference in brackets).
  std::string host_string() const;
  // "192.0.2.1:5060" or "[::1]:5060".
  std::string to_string() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;

 private:
  AddressFamily family_ = AddressFamily::kV4;
  std::array<std::uint8_t, 16> address_{};
  std::uint16_t port_ = 0;
  std::uint32_t scope_id_ = 0;
};

struct EndpointHash {
  std::size_t operator()(const Endpoint& endpoint) const noexcept;
};

}  // namespace sippet::transport

template <>
struct std::hash<sippet::transport::Endpoint> : sippet::transport::EndpointHash {};
