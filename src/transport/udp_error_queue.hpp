#pragma once
// Reading ICMP errors of an unconnected UDP socket from the error queue.
#include <functional>
#include <system_error>

#include "sippet/transport/endpoint.hpp"

namespace sippet::transport::detail {

// Reads every entry of the socket's error queue (recvmsg with MSG_ERRQUEUE,
// needs IP_RECVERR / IPV6_RECVERR) and calls `on_error` with the original
// destination of the failed datagram and the error (e.g. ECONNREFUSED for
// ICMP port unreachable, RFC 792 / RFC 4443 §3.1). Returns how many errors
// it reported.
int drain_error_queue(int fd,
                      const std::function<void(const Endpoint&, std::error_code)>& on_error);

}  // namespace sippet::transport::detail
