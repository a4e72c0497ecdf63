#include "listeners.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <charconv>

#include "sippet/message/text.hpp"

namespace sippet::stack {

namespace {

// The address the kernel picks to send to `destination` (a connected UDP
// socket sends nothing).
std::optional<transport::Endpoint> source_toward(const transport::Endpoint& destination) {
  const int fd = ::socket(destination.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_storage address{};
  auto length = static_cast<socklen_t>(destination.to_sockaddr(address));
  std::optional<transport::Endpoint> found;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0) {
    sockaddr_storage local{};
    socklen_t local_length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) == 0)
      found = transport::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&local),
                                                 local_length);
  }
  ::close(fd);
  return found;
}

std::string with_port(std::string host, std::uint16_t port) {
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, port);
  (void)ec;
  host += ':';
  host.append(digits, end);
  return host;
}

}  // namespace

void Listeners::add(Listener listener) {
  all_.push_back(listener);
  bound_sent_by_.push_back(listener.bound.is_unspecified()
                               ? std::string()
                               : with_port(listener.bound.host_string(), listener.bound.port()));
}

std::optional<std::uint32_t> Listeners::find(transport::Protocol protocol,
                                             transport::AddressFamily family) const {
  for (std::uint32_t i = 0; i < all_.size(); ++i)
    if (all_[i].protocol == protocol && all_[i].bound.family() == family) return i;
  return std::nullopt;
}

std::optional<std::uint32_t> Listeners::find(transport::Protocol protocol) const {
  if (auto v4 = find(protocol, transport::AddressFamily::kV4)) return v4;
  return find(protocol, transport::AddressFamily::kV6);
}

std::optional<std::uint32_t> Listeners::find(const transport::Flow& flow) const {
  std::optional<std::uint32_t> wildcard;
  for (std::uint32_t i = 0; i < all_.size(); ++i) {
    const Listener& listener = all_[i];
    if (listener.protocol != flow.protocol) continue;
    if (listener.bound == flow.local) return i;
    if (!wildcard && listener.bound.is_unspecified() &&
        listener.bound.family() == flow.local.family() &&
        listener.bound.port() == flow.local.port())
      wildcard = i;
  }
  return wildcard;
}

std::string Listeners::sent_by(std::uint32_t listener,
                               const std::optional<transport::Endpoint>& destination) const {
  const transport::Endpoint& bound = all_[listener].bound;
  if (!bound.is_unspecified()) return bound_sent_by_[listener];
  if (destination && destination->family() == bound.family()) {
    if (auto local = source_toward(*destination))
      return with_port(local->host_string(), bound.port());
  }
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return with_port("localhost", bound.port());
  return with_port(name, bound.port());
}

bool Listeners::is_ours(const message::Via& via) const {
  const auto protocol = transport::parse_protocol(via.transport);
  if (!protocol) return false;
  const std::uint16_t port = via.has_port ? via.port : transport::default_port(*protocol);
  for (const Listener& listener : all_) {
    if (listener.bound.port() != port) continue;
    // A wildcard listener answers on every address of the host.
    if (listener.bound.is_unspecified()) return true;
    if (message::iequals(via.host, listener.bound.host_string())) return true;
  }
  return false;
}

}  // namespace sippet::stack
