#pragma once
// Creating and configuring the UDP socket behind UdpTransport (Linux).
#include <system_error>

#include "sippet/transport/endpoint.hpp"
#include "udp_transport.hpp"

namespace sippet::transport::detail {

// A non-blocking, close-on-exec UDP socket bound to `local`, with
// IP_RECVERR / IPV6_RECVERR on (ICMP errors reach the error queue),
// IPV6_V6ONLY for IPv6, packet info when bound to a wildcard address, and
// the buffer sizes of `options` (best effort). Returns the fd, or -1 and
// sets `error`.
int open_udp_socket(const Endpoint& local, const UdpOptions& options, std::error_code& error);

// The address the socket is bound to (with the real port).
Endpoint bound_endpoint(int fd, std::error_code& error);

// SO_RCVBUF / SO_SNDBUF as granted by the kernel.
int socket_buffer_bytes(int fd, bool receive);

// errno values that come from an earlier ICMP error (sk_err) rather than
// from the call that returned them (RFC 1122 §4.1.3.3: report ICMP errors to
// the application).
bool is_async_icmp_error(int error_number);

}  // namespace sippet::transport::detail
