#include "tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "sippet/message/text.hpp"

namespace sippet::transport::detail {
namespace {

message::Error invalid(std::string reason) {
  return message::Error{message::ErrorKind::kInvalidArgument, 0, 0, std::move(reason)};
}

// TLS 1.2 or later (RFC 8996 deprecates 1.0 and 1.1), no compression.
void restrict_versions(asio::ssl::context& context) {
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  // An idle connection gives its record buffers back; SSL_write may write
  // part of a queue and be retried from where it stopped.
  SSL_CTX_set_mode(context.native_handle(), SSL_MODE_RELEASE_BUFFERS |
                                                SSL_MODE_ENABLE_PARTIAL_WRITE |
                                                SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read what the socket holds in one recv() rather than a record header
  // then its body (two system calls per record, and a third to learn the
  // socket is empty): the connection reads until OpenSSL asks for more,
  // so records left in OpenSSL's buffer are never waited on.
  SSL_CTX_set_read_ahead(context.native_handle(), 1);
}

bool readable(const std::string& path) {
  std::ifstream file(path);
  return file.good();
}

std::string what(const std::string& label, const std::string& path, const std::error_code& e) {
  return "TLS " + label + " \"" + path + "\": " + e.message();
}

bool equal_host(std::string_view a, std::string_view b) {
  // A trailing dot names the same domain.
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  return !a.empty() && message::iequals(a, b);
}

// The host part of a sip: or sips: URI (RFC 5922 §7.1: only the host is
// compared; user part, port and parameters must be absent to match).
std::optional<std::string_view> uri_host(std::string_view uri) {
  std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view scheme = uri.substr(0, colon);
  if (!message::iequals(scheme, "sip") && !message::iequals(scheme, "sips")) return std::nullopt;
  std::string_view host = uri.substr(colon + 1);
  if (host.find_first_of("@:;?") != std::string_view::npos) return std::nullopt;
  return host;
}

BioSocket& socket_of(BIO* bio) {
  return *static_cast<BioSocket*>(BIO_get_data(bio));
}

bool would_block() {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::send(socket_of(bio).fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && would_block()) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  BioSocket& socket = socket_of(bio);
  ssize_t n = ::recv(socket.fd, data, static_cast<std::size_t>(size), 0);
  if (n < 0 && would_block()) BIO_set_retry_read(bio);
  socket.drained = n < size;
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

}  // namespace

BIO* new_socket_bio(BioSocket* socket) {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sippet socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  BIO* bio = BIO_new(method);
  if (bio != nullptr) BIO_set_data(bio, socket);
  return bio;
}

TlsContexts::TlsContexts()
    : server(asio::ssl::context::tls_server), client(asio::ssl::context::tls_client) {}

message::Result<std::shared_ptr<TlsContexts>> make_tls_contexts(const TlsConfig& config) {
  auto contexts = std::make_shared<TlsContexts>();
  contexts->config = config;
  restrict_versions(contexts->server);
  restrict_versions(contexts->client);
  std::error_code error;
  if (!config.private_key_file.empty() && config.certificate_file.empty())
    return invalid("TLS private key \"" + config.private_key_file + "\" without a certificate");
  if (!config.certificate_file.empty()) {
    if (config.private_key_file.empty())
      return invalid("TLS certificate \"" + config.certificate_file + "\" without a private key");
    for (auto* context : {&contexts->server, &contexts->client}) {
      if (!readable(config.certificate_file))
        return invalid("TLS certificate \"" + config.certificate_file +
                       "\": cannot be read (missing or not permitted)");
      if (!readable(config.private_key_file))
        return invalid("TLS private key \"" + config.private_key_file +
                       "\": cannot be read (missing or not permitted)");
      context->use_certificate_chain_file(config.certificate_file, error);
      if (error) return invalid(what("certificate", config.certificate_file, error));
      context->use_private_key_file(config.private_key_file, asio::ssl::context::pem, error);
      // OpenSSL refuses a key that does not match while loading it.
      if (error && error.message().find("mismatch") == std::string::npos)
        return invalid(what("private key", config.private_key_file, error));
      if (error || SSL_CTX_check_private_key(context->native_handle()) != 1)
        return invalid("TLS private key \"" + config.private_key_file +
                       "\" does not match the certificate \"" + config.certificate_file + "\"");
    }
    contexts->has_certificate = true;
  }
  for (auto* context : {&contexts->server, &contexts->client}) {
    if (!config.ca_file.empty()) {
      if (!readable(config.ca_file))
        return invalid("TLS CA file \"" + config.ca_file +
                       "\": cannot be read (missing or not permitted)");
      context->load_verify_file(config.ca_file, error);
      if (error) return invalid(what("CA file", config.ca_file, error));
    } else {
      context->set_default_verify_paths(error);
    }
  }
  contexts->client.set_verify_mode(
      config.verify_server ? asio::ssl::verify_peer : asio::ssl::verify_none, error);
  contexts->server.set_verify_mode(
      config.require_client_certificate
          ? asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert
          : asio::ssl::verify_none,
      error);
  // Sessions are resumed (TLS 1.2 session IDs, TLS 1.3 tickets: OpenSSL's
  // defaults), which saves a reconnecting client the certificate
  // signature, most of a handshake's cost. With client certificates
  // verified, OpenSSL refuses to resume a session whose context is not
  // named (an internal_error alert): name it.
  static constexpr unsigned char kSessionContext[] = "sippet";
  SSL_CTX_set_session_id_context(contexts->server.native_handle(), kSessionContext,
                                 sizeof kSessionContext - 1);
  if (config.require_client_certificate && !config.ca_file.empty())
    SSL_CTX_set_client_CA_list(contexts->server.native_handle(),
                               SSL_load_client_CA_file(config.ca_file.c_str()));
  return contexts;
}

bool certificate_names(X509* certificate, std::string_view name,
                       const std::optional<Endpoint>& address) {
  if (certificate == nullptr) return false;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    bool found = false;
    const int count = sk_GENERAL_NAME_num(names);
    for (int i = 0; i < count && !found; ++i) {
      const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names, i);
      if (entry->type == GEN_IPADD && address && name.empty()) {
        const ASN1_OCTET_STRING* ip = entry->d.iPAddress;
        const std::size_t size = address->is_v4() ? 4 : 16;
        found = static_cast<std::size_t>(ip->length) == size &&
                std::memcmp(ip->data, address->address_bytes().data(), size) == 0;
        continue;
      }
      if (name.empty()) continue;
      if (entry->type != GEN_DNS && entry->type != GEN_URI) continue;
      const ASN1_IA5STRING* text =
          entry->type == GEN_DNS ? entry->d.dNSName : entry->d.uniformResourceIdentifier;
      std::string_view value(reinterpret_cast<const char*>(text->data),
                             static_cast<std::size_t>(text->length));
      if (entry->type == GEN_URI) {
        auto host = uri_host(value);
        found = host && equal_host(*host, name);
      } else {
        found = equal_host(value, name);  // §7.2: no wildcard matching
      }
    }
    GENERAL_NAMES_free(names);
    return found;
  }
  if (name.empty()) return false;
  // §7.1: the CN only when there is no subjectAltName.
  X509_NAME* subject = X509_get_subject_name(certificate);
  char cn[256] = {};
  int length = X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof cn);
  return length > 0 && equal_host(std::string_view(cn, static_cast<std::size_t>(length)), name);
}

const std::error_category& tls_category() {
  struct Category final : std::error_category {
    const char* name() const noexcept override { return "sippet.tls"; }
    std::string message(int value) const override {
      switch (static_cast<TlsError>(value)) {
        case TlsError::kIdentityMismatch:
          return "the server's certificate does not name the target (RFC 5922)";
        case TlsError::kHandshakeTimeout:
          return "TLS handshake timed out";
      }
      return "TLS error";
    }
  };
  static const Category category;
  return category;
}

}  // namespace sippet::transport::detail
