#include "udp_batch.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "udp_socket.hpp"

namespace sippet::transport::detail {

OutgoingDatagram make_outgoing(const Endpoint& destination, std::string_view bytes) {
  OutgoingDatagram item;
  item.destination = destination;
  item.address_length = static_cast<socklen_t>(destination.to_sockaddr(item.address));
  item.bytes.assign(bytes.data(), bytes.size());
  return item;
}

void assign_outgoing(OutgoingDatagram& item, const Endpoint& destination, std::string_view bytes) {
  // A reused datagram often goes where it went last time: its sockaddr is
  // written already.
  if (item.address_length == 0 || !(item.destination == destination)) {
    item.destination = destination;
    item.address_length = static_cast<socklen_t>(destination.to_sockaddr(item.address));
  }
  item.bytes.assign(bytes.data(), bytes.size());
}

std::size_t send_datagrams(int fd, std::vector<OutgoingDatagram>& items, std::size_t first,
                           std::size_t batch_size,
                           const std::function<void(const Endpoint&, std::error_code)>& on_error,
                           std::size_t count) {
  const std::size_t end = std::min(count, items.size());
  constexpr std::size_t kMaxBatch = 256;
  batch_size = std::clamp<std::size_t>(batch_size, 1, kMaxBatch);
  mmsghdr messages[kMaxBatch];
  iovec vectors[kMaxBatch];
  std::size_t index = first;
  std::size_t retried_at = static_cast<std::size_t>(-1);
  while (index < end) {
    std::size_t n = std::min(end - index, batch_size);
    for (std::size_t i = 0; i < n; ++i) {
      OutgoingDatagram& item = items[index + i];
      vectors[i].iov_base = item.bytes.data();
      vectors[i].iov_len = item.bytes.size();
      messages[i] = {};
      messages[i].msg_hdr.msg_name = &item.address;
      messages[i].msg_hdr.msg_namelen = item.address_length;
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = ::sendmmsg(fd, messages, static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent > 0) {
      index += static_cast<std::size_t>(sent);
      continue;
    }
    int error_number = sent < 0 ? errno : EAGAIN;
    if (error_number == EINTR) continue;
    if (error_number == EAGAIN || error_number == EWOULDBLOCK) return index;
    if (is_async_icmp_error(error_number) && retried_at != index) {
      // Probably sk_err from an earlier ICMP error (its details are on the
      // error queue): the kernel cleared it, try this datagram again.
      retried_at = index;
      continue;
    }
    if (on_error) on_error(items[index].destination, {error_number, std::system_category()});
    ++index;
  }
  return index;
}

}  // namespace sippet::transport::detail
