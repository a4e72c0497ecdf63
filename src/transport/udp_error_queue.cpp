#include "udp_error_queue.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sippet::transport::detail {

int drain_error_queue(int fd,
                      const std::function<void(const Endpoint&, std::error_code)>& on_error) {
  constexpr int kMaxEntries = 1024;  // bounded: never loop forever
  int reported = 0;
  for (int entry = 0; entry < kMaxEntries; ++entry) {
    char payload[64];  // the head of the failed datagram; only its address matters
    iovec vector{payload, sizeof payload};
    sockaddr_storage name{};
    alignas(cmsghdr) char control[512];
    msghdr message{};
    message.msg_name = &name;
    message.msg_namelen = sizeof name;
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t result = ::recvmsg(fd, &message, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (result < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: the queue is empty
    }
    int error_number = 0;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
      bool v4 = header->cmsg_level == SOL_IP && header->cmsg_type == IP_RECVERR;
      bool v6 = header->cmsg_level == SOL_IPV6 && header->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err extended;
      std::memcpy(&extended, CMSG_DATA(header), sizeof extended);
      if (extended.ee_origin == SO_EE_ORIGIN_ICMP || extended.ee_origin == SO_EE_ORIGIN_ICMP6 ||
          extended.ee_origin == SO_EE_ORIGIN_LOCAL) {
        error_number = static_cast<int>(extended.ee_errno);
      }
    }
    if (error_number == 0) continue;
    // ip(7): "The original destination address of the datagram that caused
    // the error is supplied via msg_name."
    auto destination =
        Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&name), message.msg_namelen);
    if (!destination) continue;
    ++reported;
    if (on_error) on_error(*destination, {error_number, std::system_category()});
  }
  return reported;
}

}  // namespace sippet::transport::detail
