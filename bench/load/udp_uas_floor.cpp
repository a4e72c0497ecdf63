// A floor for bench/load.sh: the cheapest UAS that SIPp's `uac` scenario
// accepts, built on sippet::transport::UdpTransport and nothing else (no
// parser, no transactions, one thread). INVITE -> 180 + 200, ACK -> nothing,
// anything else -> 200. Its CPU per call is what the transport plus the
// kernel cost; the difference to `sippet serve` is the stack's share.
//   udp_uas_floor 127.0.0.1 5080 [direct] [reactor]
// ("direct": each answer is its own sendto() instead of one sendmmsg();
// "reactor": read through Asio's epoll reactor instead of a receive thread
// blocked in recvmmsg(), the stack's receive path before the receive threads).
#include <asio/io_context.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../src/transport/udp_transport.hpp"
#include "floor.hpp"

using sippet::bench::floor_response;
using sippet::transport::Endpoint;
using sippet::transport::Flow;

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: udp_uas_floor IP PORT [direct] [reactor]\n");
    return 2;
  }
  auto local = Endpoint::from_ip(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (!local) {
    std::fprintf(stderr, "udp_uas_floor: bad address %s\n", argv[1]);
    return 2;
  }
  asio::io_context io(1);
  std::error_code error;
  sippet::transport::UdpOptions options;
  bool direct = false;
  bool reactor = false;
  for (int i = 3; i < argc; ++i) {
    direct = direct || std::string_view(argv[i]) == "direct";
    reactor = reactor || std::string_view(argv[i]) == "reactor";
  }
  options.gather_handler_sends = !direct;
  options.single_threaded_io = true;  // as in the stack: io.run() on this thread only
  options.receive_thread = !reactor;  // as in the stack (StackConfig::receive_threads)
  auto transport = sippet::transport::UdpTransport::open(io, *local, error, options);
  if (!transport) {
    std::fprintf(stderr, "udp_uas_floor: %s\n", error.message().c_str());
    return 1;
  }
  const std::string contact = transport->local_endpoint().to_string();
  auto* t = transport.get();
  transport->set_receive_handler([&](std::string_view bytes, const Flow& flow) {
    if (bytes.starts_with("SIP/2.0") || bytes.starts_with("ACK ")) return;
    if (bytes.starts_with("INVITE "))
      (void)t->send(flow.remote, floor_response(bytes, "180 Ringing", contact));
    (void)t->send(flow.remote, floor_response(bytes, "200 OK", contact));
  });
  sippet::bench::run_until_signalled(io, *transport);
  return 0;
}
