// A floor for bench/load_proxy.sh: the cheapest stateless proxy that the
// SIPp uac -> proxy -> SIPp uas-200.xml chain accepts, built on
// sippet::transport::UdpTransport and nothing else (no parser, no
// transactions, one thread, Max-Forwards left as it is). A request gets our
// Via on top (its branch derived from the incoming one, so a retransmission
// gets the same, RFC 3261 §16.11) and goes to the callee; a response loses
// its top Via value (a line of its own, or the first of a comma-separated
// line, as SIPp writes them) and goes to the sent-by of the next one (§16.7 step 9, §18.2.2
// without received/rport: SIPp writes the address it listens on). Its CPU per
// call is what the transport plus the kernel cost a proxy; the difference to
// `sippet serve --mode proxy --stateless` is the stack's share.
//   udp_relay_floor IP PORT CALLEE_IP CALLEE_PORT [sockets]
// ("sockets": on one blocking socket of its own, recv() and sendto(), in
// place of the transport: what the kernel alone costs a relay.)
#include <sys/socket.h>
#include <asio/io_context.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "../../src/transport/udp_transport.hpp"
#include "floor.hpp"

namespace {

using sippet::bench::header_is;
using sippet::transport::Endpoint;
using sippet::transport::Flow;

struct ViaLine {
  std::size_t start = 0;  // offset of the line in the message
  std::string_view line;
};

// The first Via header line at or after offset `from`.
std::optional<ViaLine> find_via(std::string_view message, std::size_t from = 0) {
  std::optional<ViaLine> found;
  sippet::bench::for_each_header_line(message, [&](std::string_view line, std::size_t start) {
    if (start < from || !header_is(line, "via", 'v')) return true;
    found = ViaLine{start, line};
    return false;
  });
  return found;
}

// The value of the Via's branch parameter ("" when absent).
std::string_view branch_of(std::string_view via) {
  std::size_t at = via.find(";branch=");
  if (at == std::string_view::npos) return {};
  std::string_view rest = via.substr(at + 8);
  return rest.substr(0, rest.find_first_of(";, \t"));
}

// The sent-by of "Via: SIP/2.0/UDP host:port;...", as an endpoint.
std::optional<Endpoint> sent_by_of(std::string_view via) {
  std::size_t udp = via.find("/UDP ");
  if (udp == std::string_view::npos) return std::nullopt;
  std::string_view sent_by = via.substr(udp + 5);
  sent_by = sent_by.substr(0, sent_by.find_first_of(";, \t"));
  auto endpoint = Endpoint::parse(sent_by);  // SIPp writes the port
  if (!endpoint) return std::nullopt;
  return *endpoint;
}

std::string forward_request(std::string_view request, std::string_view our_sent_by) {
  std::size_t line_end = request.find("\r\n");
  auto via = find_via(request);
  if (line_end == std::string_view::npos || !via) return {};
  std::string out;
  out.reserve(request.size() + 96);
  out.append(request.substr(0, line_end + 2));
  out.append("Via: SIP/2.0/UDP ").append(our_sent_by).append(";branch=z9hG4bKfloor");
  out.append(branch_of(via->line)).append("\r\n");
  out.append(request.substr(line_end + 2));
  return out;
}

// What the relay sends for `bytes`, and where; nothing for what it drops.
struct Relayed {
  std::string bytes;
  Endpoint to;
};
std::optional<Relayed> relay(std::string_view bytes, std::string_view our_sent_by,
                             const Endpoint& callee) {
  if (!bytes.starts_with("SIP/2.0 ")) {
    std::string forwarded = forward_request(bytes, our_sent_by);
    if (forwarded.empty()) return std::nullopt;
    return Relayed{std::move(forwarded), callee};
  }
  auto ours = find_via(bytes);
  if (!ours) return std::nullopt;
  std::string out;
  out.reserve(bytes.size());
  std::optional<Endpoint> to;
  std::size_t comma = ours->line.find(',');
  if (comma != std::string_view::npos) {
    // "Via: ours, next": the header stays, without our value.
    std::string_view rest = ours->line.substr(comma + 1);
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    to = sent_by_of(rest);
    out.append(bytes.substr(0, ours->start))
        .append(ours->line.substr(0, ours->line.find(':') + 1))
        .append(" ")
        .append(rest)
        .append(bytes.substr(ours->start + ours->line.size()));
  } else {
    std::size_t after = ours->start + ours->line.size() + 2;
    if (auto next = find_via(bytes, after)) to = sent_by_of(next->line);
    out.append(bytes.substr(0, ours->start)).append(bytes.substr(after));
  }
  if (!to) return std::nullopt;
  return Relayed{std::move(out), *to};
}

// The "sockets" mode: one blocking UDP socket, recv() then sendto(), on
// this thread; no transport, no receive thread, no batching.
int relay_on_a_socket(const Endpoint& local, const Endpoint& callee) {
  int fd = ::socket(local.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
  sockaddr_storage address{};
  std::size_t length = local.to_sockaddr(address);
  if (fd < 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(length)) != 0) {
    std::perror("udp_relay_floor");
    return 1;
  }
  const std::string sent_by = local.to_string();
  static char buffer[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) return 0;  // SIGINT, SIGTERM
    if (n <= 0) continue;
    auto out = relay(std::string_view(buffer, static_cast<std::size_t>(n)), sent_by, callee);
    if (!out) continue;
    length = out->to.to_sockaddr(address);
    (void)::sendto(fd, out->bytes.data(), out->bytes.size(), 0,
                   reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(length));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool sockets = argc == 6 && std::string_view(argv[5]) == "sockets";
  if (argc != 5 && !sockets) {
    std::fprintf(stderr, "usage: udp_relay_floor IP PORT CALLEE_IP CALLEE_PORT [sockets]\n");
    return 2;
  }
  auto local = Endpoint::from_ip(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])));
  auto callee = Endpoint::from_ip(argv[3], static_cast<std::uint16_t>(std::atoi(argv[4])));
  if (!local || !callee) {
    std::fprintf(stderr, "udp_relay_floor: bad address %s or %s\n", argv[1], argv[3]);
    return 2;
  }
  if (sockets) {
    // SIGINT and SIGTERM end the blocked recv() with EINTR.
    struct sigaction stop {};
    stop.sa_handler = [](int) {};
    ::sigaction(SIGINT, &stop, nullptr);
    ::sigaction(SIGTERM, &stop, nullptr);
    return relay_on_a_socket(*local, *callee);
  }
  asio::io_context io(1);
  std::error_code error;
  sippet::transport::UdpOptions options;
  options.single_threaded_io = true;  // as in the stack: io.run() on this thread only
  options.receive_thread = true;      // as in the stack (StackConfig::receive_threads)
  auto transport = sippet::transport::UdpTransport::open(io, *local, error, options);
  if (!transport) {
    std::fprintf(stderr, "udp_relay_floor: %s\n", error.message().c_str());
    return 1;
  }
  const std::string sent_by = transport->local_endpoint().to_string();
  auto* t = transport.get();
  transport->set_receive_handler([&](std::string_view bytes, const Flow&) {
    if (auto out = relay(bytes, sent_by, *callee)) (void)t->send(out->to, out->bytes);
  });
  sippet::bench::run_until_signalled(io, *transport);
  return 0;
}
