#include "udp_socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sippet::transport::detail {
namespace {

std::error_code last_error() {
  return {errno, std::system_category()};
}

void set_int(int fd, int level, int name, int value) {
  (void)::setsockopt(fd, level, name, &value, sizeof value);
}

void set_buffer(int fd, int name, int force_name, int bytes) {
  if (bytes <= 0) return;
  // SO_*BUFFORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN;
  // fall back to the capped option (best effort).
  if (::setsockopt(fd, SOL_SOCKET, force_name, &bytes, sizeof bytes) != 0) {
    set_int(fd, SOL_SOCKET, name, bytes);
  }
}

}  // namespace

int open_udp_socket(const Endpoint& local, const UdpOptions& options, std::error_code& error) {
  int family = local.is_v4() ? AF_INET : AF_INET6;
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = last_error();
    return -1;
  }
  if (local.is_v6()) set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  if (options.reuse_port) set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, options.receive_buffer_bytes);
  set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, options.send_buffer_bytes);
  // ICMP errors of an unconnected socket are only reported with RECVERR
  // (ip(7), ipv6(7)); they arrive on the error queue with the destination.
  if (local.is_v4()) {
    set_int(fd, IPPROTO_IP, IP_RECVERR, 1);
  } else {
    set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
  }
  // The real destination address of each datagram when bound to a wildcard.
  if (local.is_unspecified()) {
    if (local.is_v4()) {
      set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
    } else {
      set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    }
  }
  sockaddr_storage address;
  std::size_t length = local.to_sockaddr(address);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), static_cast<socklen_t>(length)) !=
      0) {
    error = last_error();
    ::close(fd);
    return -1;
  }
  error.clear();
  return fd;
}

Endpoint bound_endpoint(int fd, std::error_code& error) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    error = last_error();
    return {};
  }
  auto endpoint = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&address), length);
  if (!endpoint) {
    error = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  error.clear();
  return *endpoint;
}

int socket_buffer_bytes(int fd, bool receive) {
  int value = 0;
  socklen_t length = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, receive ? SO_RCVBUF : SO_SNDBUF, &value, &length) != 0) {
    return 0;
  }
  return value;
}

bool is_async_icmp_error(int error_number) {
  switch (error_number) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EPROTO:
    case ENOPROTOOPT:
    case EMSGSIZE:
    case ETIMEDOUT:
    case EACCES:
      return true;
    default:
      return false;
  }
}

}  // namespace sippet::transport::detail
