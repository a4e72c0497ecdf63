#pragma once
// Listen specifications as given on the command line:
//   "udp:127.0.0.1:5080", "udp:[::1]:5080", "tcp:0.0.0.0:5060",
//   "127.0.0.1:5080"   (protocol defaults to udp),
//   "udp:127.0.0.1"    (port defaults to 5060, RFC 3261 §19.1.2; 5061 for tls/wss),
//   "udp:[::]:0"       (port 0: the kernel picks one; see local_endpoint()).
// The host must be an IP literal (IPv6 in brackets); names are refused so
// that binding never blocks on DNS.
#include <cstdint>
#include <string>
#include <string_view>

#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::transport {

struct ListenSpec {
  Protocol protocol = Protocol::kUdp;
  std::string host;  // as written, without brackets: "127.0.0.1", "::1"
  std::uint16_t port = default_port(Protocol::kUdp);
  Endpoint endpoint;  // host and port as an address to bind

  // "udp:127.0.0.1:5080" / "udp:[::1]:5080": parse(to_string()) round-trips.
  std::string to_string() const;
};

// Errors (kind kInvalidArgument, reason says what is wrong): empty spec,
// unknown protocol ("sctp:..."), missing or non-IP host, IPv6 without
// brackets, port not a number or above 65535, trailing garbage.
message::Result<ListenSpec> parse_listen_spec(std::string_view text);

}  // namespace sippet::transport
