// A floor for bench/load_tcp.sh: the cheapest UAS that SIPp's `uac`
// scenario accepts over TCP or TLS, built on the stream transport
// (sippet::transport::detail::StreamTransport: framing by Content-Length,
// connections, OpenSSL for TLS) and nothing else (no parser, no
// transactions, one thread). INVITE -> 180 + 200, ACK -> nothing, anything
// else -> 200, each answer on the connection its request came on. Its CPU
// per call is what the transport plus the kernel (plus OpenSSL) cost; the
// difference to `sippet serve` on the same listener is the stack's share.
//   stream_uas_floor tcp IP PORT
//   stream_uas_floor tls IP PORT CERT.pem KEY.pem
#include <asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "../../src/transport/stream_transport.hpp"
#include "floor.hpp"

using sippet::bench::floor_response;
using sippet::transport::Endpoint;
using sippet::transport::Flow;
using sippet::transport::Protocol;
namespace detail = sippet::transport::detail;

int main(int argc, char** argv) {
  const bool tls = argc == 6 && std::string_view(argv[1]) == "tls";
  if (!tls && !(argc == 4 && std::string_view(argv[1]) == "tcp")) {
    std::fprintf(stderr, "usage: stream_uas_floor tcp IP PORT | tls IP PORT CERT KEY\n");
    return 2;
  }
  auto local = Endpoint::from_ip(argv[2], static_cast<std::uint16_t>(std::atoi(argv[3])));
  if (!local) {
    std::fprintf(stderr, "stream_uas_floor: bad address %s\n", argv[2]);
    return 2;
  }
  std::shared_ptr<detail::TlsContexts> contexts;
  if (tls) {
    sippet::transport::TlsConfig config;
    config.certificate_file = argv[4];
    config.private_key_file = argv[5];
    auto made = detail::make_tls_contexts(config);
    if (!made) {
      std::fprintf(stderr, "stream_uas_floor: %s\n", made.error().reason.c_str());
      return 1;
    }
    contexts = *made;
  }
  asio::io_context io(1);
  std::error_code error;
  auto transport = detail::StreamTransport::open(
      io, tls ? Protocol::kTls : Protocol::kTcp, *local, detail::make_stream_group(),
      sippet::transport::StreamLimits{}, contexts, false, error);
  if (!transport) {
    std::fprintf(stderr, "stream_uas_floor: %s\n", error.message().c_str());
    return 1;
  }
  const std::string contact =
      transport->local_endpoint().to_string() + (tls ? ";transport=tls" : ";transport=tcp");
  auto* t = transport.get();
  transport->set_receive_handler([&](std::string_view bytes, const Flow& flow) {
    if (bytes.starts_with("SIP/2.0") || bytes.starts_with("ACK ")) return;
    if (bytes.starts_with("INVITE "))
      (void)t->send(flow, floor_response(bytes, "180 Ringing", contact));
    (void)t->send(flow, floor_response(bytes, "200 OK", contact));
  });
  sippet::bench::run_until_signalled(io, *transport);
  return 0;
}
