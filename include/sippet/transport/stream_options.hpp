#pragma once
// Settings of the stream transports (TCP and TLS, RFC 3261 §18): the limits
// that protect a server from its peers, and the TLS configuration.
#include <chrono>
#include <cstddef>
#include <string>

namespace sippet::transport {

// Each limit applies to one listen address (all the stack's workers
// together). Every one has a default a public server can run with.
struct StreamLimits {
  // The largest message accepted (headers and body). A larger one is
  // answered 513 when its header section could be read (then the connection
  // closes once the answer is out), else the connection is closed (§18.3).
  std::size_t max_message_size = 65535;
  // The most open connections, in and out; a connection accepted beyond it
  // is closed at once (existing ones are not affected), and a send that
  // needs a new connection fails with too_many_files_open.
  std::size_t max_connections = 10000;
  // The most connections accepted from one remote IP address (any port), so
  // that one source cannot take all of max_connections: one more from that
  // address is closed at once; other addresses' are not affected.
  // Connections we open are not counted. A NAT with more clients behind one
  // address than this needs it raised.
  std::size_t max_connections_per_address = 100;
  // A connection that carries nothing (no byte in or out) for this long is
  // closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  // A message begun and not finished within this time: the connection is
  // closed (a peer sending half a message and stalling).
  std::chrono::milliseconds partial_message_timeout{std::chrono::seconds(10)};
  // Connecting (outbound) and the TLS handshake must finish within this.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  // Bytes waiting to be written on one connection (a peer that does not
  // read): a send beyond it fails with no_buffer_space and the connection
  // is closed.
  std::size_t max_queued_bytes = 1 << 20;
};

// TLS (RFC 3261 §26.2, RFC 5922), TLS 1.2 or later only. Files are PEM.
struct TlsConfig {
  // Our certificate chain (leaf first) and its private key: required to
  // accept TLS connections; presented as a client certificate when given.
  std::string certificate_file;
  std::string private_key_file;
  // The CAs trusted to sign a peer's certificate; empty: the system's.
  std::string ca_file;
  // As a client: verify the server's certificate chain and its identity
  // (RFC 5922 §7.1: a subjectAltName URI or DNS entry, else the CN when
  // there is no subjectAltName, equal to the target domain; an IP address
  // target matches an IP address entry). false: accept any certificate (a
  // self-signed test server; never in production).
  bool verify_server = true;
  // As a server: ask for a client certificate and refuse a client without
  // one that the CAs sign. false: none is asked for.
  bool require_client_certificate = false;
};

}  // namespace sippet::transport
