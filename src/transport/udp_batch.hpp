#pragma once
// Datagrams waiting to be sent, and sending them with sendmmsg().
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "sippet/transport/endpoint.hpp"

namespace sippet::transport::detail {

struct OutgoingDatagram {
  Endpoint destination;
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string bytes;
};

OutgoingDatagram make_outgoing(const Endpoint& destination, std::string_view bytes);
// The same into an existing datagram, reusing its buffer.
void assign_outgoing(OutgoingDatagram& item, const Endpoint& destination, std::string_view bytes);

// Sends `items[first..count)` (count: items.size() when npos) with
// sendmmsg(), `batch_size` per system call.
// Returns the index of the first datagram not sent because the socket
// buffer is full (`count` when all went out). A datagram the kernel
// refuses for another reason is dropped and reported through `on_error`
// (an error left over from an earlier ICMP message is retried once).
std::size_t send_datagrams(int fd, std::vector<OutgoingDatagram>& items, std::size_t first,
                           std::size_t batch_size,
                           const std::function<void(const Endpoint&, std::error_code)>& on_error,
                           std::size_t count = static_cast<std::size_t>(-1));

}  // namespace sippet::transport::detail
