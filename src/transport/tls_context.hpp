#pragma once
// The OpenSSL contexts of the TLS transport (RFC 3261 §26.2, RFC 5922):
// TLS 1.2 or later, our certificate and key, the trusted CAs, and the
// server identity check of RFC 5922 §7.
#include <asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string_view>

#include "sippet/message/result.hpp"
#include "sippet/transport/endpoint.hpp"
#include "sippet/transport/stream_options.hpp"

typedef struct x509_st X509;
typedef struct bio_st BIO;

namespace sippet::transport::detail {

struct TlsContexts {
  TlsContexts();
  asio::ssl::context server;
  asio::ssl::context client;
  TlsConfig config;
  bool has_certificate = false;
};

// Loads the files of `config`. Errors (kInvalidArgument) name the file and
// what is wrong with it.
message::Result<std::shared_ptr<TlsContexts>> make_tls_contexts(const TlsConfig& config);

// RFC 5922 §7.1-7.3: whether `certificate` names `name` (a domain: a
// subjectAltName URI sip:/sips: with that host or a DNS entry equal to it,
// case-insensitively, no wildcards; the subject's CN only when there is no
// subjectAltName) or, with `address` and no name, the IP address (an
// iPAddress entry).
bool certificate_names(X509* certificate, std::string_view name,
                       const std::optional<Endpoint>& address);

// The socket under a BIO of new_socket_bio(), and whether its last read
// found it empty (a recv() returned less than asked, or would block): no
// more to read until it is signalled readable.
struct BioSocket {
  int fd = -1;
  bool drained = false;
};

// A BIO on a connected non-blocking socket, as OpenSSL's socket BIO but
// writing with MSG_NOSIGNAL (a peer that closed must not raise SIGPIPE in
// the application). The caller owns the descriptor and `socket`, which
// must outlive the BIO.
BIO* new_socket_bio(BioSocket* socket);

// Errors of the TLS transport beyond OpenSSL's own.
enum class TlsError { kIdentityMismatch = 1, kHandshakeTimeout };
const std::error_category& tls_category();
inline std::error_code make_error_code(TlsError e) {
  return {static_cast<int>(e), tls_category()};
}

}  // namespace sippet::transport::detail
