// HEP3 packets (hep.hpp) and the UDP sink that sends them.
#include "sippet/capture/hep.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "sippet/message/text.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::capture {

namespace {

void put_be16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void chunk(std::string& out, HepChunk type, std::string_view value) {
  put_be16(out, 0);  // vendor: generic
  put_be16(out, static_cast<std::uint16_t>(type));
  put_be16(out, static_cast<std::uint16_t>(6 + value.size()));
  out.append(value);
}
void chunk8(std::string& out, HepChunk type, std::uint8_t v) {
  const char value = static_cast<char>(v);
  chunk(out, type, std::string_view(&value, 1));
}
void chunk16(std::string& out, HepChunk type, std::uint16_t v) {
  const char value[2] = {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
  chunk(out, type, std::string_view(value, 2));
}
void chunk32(std::string& out, HepChunk type, std::uint32_t v) {
  const char value[4] = {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF),
                         static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
  chunk(out, type, std::string_view(value, 4));
}
std::string_view address(const transport::Endpoint& endpoint) {
  return std::string_view(reinterpret_cast<const char*>(endpoint.address_bytes().data()),
                          endpoint.is_v4() ? 4 : 16);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

constexpr std::uint8_t kFamilyIpv4 = 2;  // AF_INET
constexpr std::uint8_t kFamilyIpv6 = 10;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kProtocolTcp = 6;
constexpr std::uint8_t kProtocolTypeSip = 1;

}  // namespace

std::string_view find_call_id(std::string_view bytes) {
  // Header lines: after the start line, up to the empty line.
  std::size_t at = bytes.find('\n');
  while (at != std::string_view::npos && at + 1 < bytes.size()) {
    const std::size_t start = at + 1;
    std::size_t end = bytes.find('\n', start);
    std::string_view line = bytes.substr(start, end == std::string_view::npos ? end : end - start);
    if (line.empty() || line == "\r") break;
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = trim(line.substr(0, colon));
      if (message::iequals(name, "call-id") || message::iequals(name, "i"))
        return trim(line.substr(colon + 1));
    }
    at = end;
  }
  return {};
}

void encode_hep3(const stack::MessageEvent& event, std::uint32_t capture_id, std::string& out) {
  const bool in = event.direction == stack::Direction::kReceived;
  const transport::Endpoint& source = in ? event.flow.remote : event.flow.local;
  const transport::Endpoint& destination = in ? event.flow.local : event.flow.remote;
  const std::size_t start = out.size();
  out.append("HEP3");
  put_be16(out, 0);  // total length, below

  const bool v4 = source.is_v4() && destination.is_v4();
  chunk8(out, HepChunk::kIpFamily, v4 ? kFamilyIpv4 : kFamilyIpv6);
  const bool stream = transport::facts(event.flow.protocol).stream ||
                      event.flow.protocol == transport::Protocol::kWs ||
                      event.flow.protocol == transport::Protocol::kWss;
  chunk8(out, HepChunk::kIpProtocol, stream ? kProtocolTcp : kProtocolUdp);
  if (v4) {
    chunk(out, HepChunk::kIpv4Source, address(source));
    chunk(out, HepChunk::kIpv4Destination, address(destination));
  } else {
    // Mixed families do not happen on one flow; IPv4 would be ::ffff:a.b.c.d.
    std::string from(16, '\0');
    std::string to(16, '\0');
    for (auto [endpoint, text] : {std::pair{&source, &from}, std::pair{&destination, &to}}) {
      if (endpoint->is_v6()) {
        text->assign(address(*endpoint));
      } else {
        (*text)[10] = (*text)[11] = static_cast<char>(0xFF);
        text->replace(12, 4, address(*endpoint));
      }
    }
    chunk(out, HepChunk::kIpv6Source, from);
    chunk(out, HepChunk::kIpv6Destination, to);
  }
  chunk16(out, HepChunk::kSourcePort, source.port());
  chunk16(out, HepChunk::kDestinationPort, destination.port());
  using namespace std::chrono;
  const auto micros = duration_cast<microseconds>(event.time.time_since_epoch()).count();
  chunk32(out, HepChunk::kSeconds, static_cast<std::uint32_t>(micros / 1000000));
  chunk32(out, HepChunk::kMicroseconds, static_cast<std::uint32_t>(micros % 1000000));
  chunk8(out, HepChunk::kProtocolType, kProtocolTypeSip);
  chunk32(out, HepChunk::kCaptureId, capture_id);
  const std::string_view call_id = find_call_id(event.bytes);
  if (!call_id.empty() && call_id.size() < 1024) chunk(out, HepChunk::kCorrelationId, call_id);
  // The payload last, cut so that the packet's length fits in 16 bits.
  const std::size_t room = 65535 - (out.size() - start) - 6;
  chunk(out, HepChunk::kPayload, event.bytes.substr(0, room));
  const auto total = static_cast<std::uint16_t>(out.size() - start);
  out[start + 4] = static_cast<char>(total >> 8);
  out[start + 5] = static_cast<char>(total & 0xFF);
}

message::Result<std::unique_ptr<HepSink>> HepSink::open(std::string_view target,
                                                        std::uint32_t capture_id) {
  auto invalid = [&](std::string why) {
    return message::Error{message::ErrorKind::kInvalidArgument, 0, 0,
                          std::string(target) + ": " + why};
  };
  if (target.substr(0, 4) != "udp:") return invalid("expected udp:HOST:PORT");
  std::string_view rest = target.substr(4);
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == rest.size())
    return invalid("expected udp:HOST:PORT");
  std::string host(rest.substr(0, colon));
  const std::string port(rest.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list); rc != 0)
    return invalid(::gai_strerror(rc));
  int fd = -1;
  int error = 0;
  for (addrinfo* a = list; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = errno;
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      error = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(list);
  if (fd < 0) return invalid(std::strerror(error));
  return std::unique_ptr<HepSink>(new HepSink(fd, capture_id));
}

HepSink::~HepSink() {
  ::close(fd_);
}

void HepSink::write(const stack::MessageEvent& event) {
  buffer_.clear();
  encode_hep3(event, capture_id_, buffer_);
  // Nothing listening gives ECONNREFUSED on a later send: counted, not fatal.
  if (::send(fd_, buffer_.data(), buffer_.size(), MSG_NOSIGNAL) < 0)
    send_errors_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace sippet::capture
