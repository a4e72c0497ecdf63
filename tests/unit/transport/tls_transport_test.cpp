// The TLS transport on loopback with certificates made by the test: a good
// handshake (by name and by address, RFC 5922), a wrong name, an untrusted
// CA, an expired certificate, a required client certificate missing and
// present, plaintext to the TLS port, half a handshake then silence, and
// start-up errors for bad files.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <fstream>

#include "stream_test_support.hpp"
#include "test_certificates.hpp"

namespace sippet::transport {
namespace {

using testing::CertificateDirectory;
using testing::KeyAndCertificate;
using testing::make_certificate;

class TlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_certificate(ca_, "Test CA", "", nullptr);
    ca_.write(dir_.file("ca.pem"), dir_.file("ca.key"));
    make_certificate(other_ca_, "Other CA", "", nullptr);
    other_ca_.write(dir_.file("other-ca.pem"), dir_.file("other-ca.key"));
    make_certificate(server_cert_, "sip.example.com",
                     "DNS:sip.example.com,URI:sip:proxy.example.com,IP:127.0.0.1", &ca_);
    server_cert_.write(dir_.file("server.pem"), dir_.file("server.key"));
    make_certificate(expired_, "sip.example.com", "DNS:sip.example.com,IP:127.0.0.1", &ca_, -10,
                     -1);
    expired_.write(dir_.file("expired.pem"), dir_.file("expired.key"));
    make_certificate(client_cert_, "alice.example.com", "DNS:alice.example.com", &ca_);
    client_cert_.write(dir_.file("client.pem"), dir_.file("client.key"));
  }
  void TearDown() override {
    if (server_) server_->close();
    if (client_) client_->close();
    io_.stop();
  }

  TlsConfig server_config(const std::string& leaf = "server") const {
    TlsConfig config;
    config.certificate_file = dir_.file(leaf + ".pem");
    config.private_key_file = dir_.file(leaf + ".key");
    config.ca_file = dir_.file("ca.pem");
    return config;
  }
  void open_server(const TlsConfig& config) {
    server_factory_ = stream_factory(test_limits(), config);
    server_ = open_stream(*server_factory_, io_.io(), Protocol::kTls, Endpoint::loopback_v4(0));
    ASSERT_TRUE(server_);
    server_sink_.attach(*server_);
    server_->start();
  }
  void open_client(const TlsConfig& config) {
    client_factory_ = stream_factory(test_limits(), config);
    client_ = open_stream(*client_factory_, io_.io(), Protocol::kTls, Endpoint::loopback_v4(0));
    ASSERT_TRUE(client_);
    client_sink_.attach(*client_);
    client_->start();
  }
  TlsConfig trusting(const std::string& ca = "ca") const {
    TlsConfig config;
    config.ca_file = dir_.file(ca + ".pem");
    return config;
  }
  // The client sends a request to the server under `name` (empty: its
  // address) and the handshake fails: the client is told once, the server
  // gets nothing.
  void expect_refused(const std::string& name) {
    if (!name.empty()) client_->name_destination(server_->local_endpoint(), name);
    EXPECT_FALSE(client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0},
                               sip_message("refused")));
    ASSERT_TRUE(client_sink_.wait_errors(1));
    EXPECT_EQ(client_sink_.errors()[0].flow.remote, server_->local_endpoint());
    EXPECT_TRUE(server_sink_.received().empty());
    EXPECT_EQ(client_->open_connections(), 0u);
  }

  CertificateDirectory dir_;
  KeyAndCertificate ca_, other_ca_, server_cert_, expired_, client_cert_;
  IoThreads io_;
  std::shared_ptr<TransportFactory> server_factory_, client_factory_;
  std::unique_ptr<Transport> server_, client_;
  StreamSink server_sink_, client_sink_;
};

TEST_F(TlsTransportTest, GoodHandshakeByNameCarriesMessagesBothWays) {
  open_server(server_config());
  open_client(trusting());
  client_->name_destination(server_->local_endpoint(), "sip.example.com");
  const Flow to_server{Protocol::kTls, {}, server_->local_endpoint(), 0};
  EXPECT_FALSE(client_->send(to_server, sip_message("tls1")));
  EXPECT_FALSE(client_->send(to_server, sip_message("tls2", 3000)));
  ASSERT_TRUE(server_sink_.wait_received(2));
  auto got = server_sink_.received();
  EXPECT_EQ(got[0].bytes, sip_message("tls1"));
  EXPECT_EQ(got[1].bytes, sip_message("tls2", 3000));
  EXPECT_EQ(got[0].flow.protocol, Protocol::kTls);
  EXPECT_EQ(got[0].flow.connection, got[1].flow.connection);
  EXPECT_FALSE(server_->send(got[0].flow, "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(client_sink_.wait_received(1));
  EXPECT_EQ(client_sink_.received()[0].flow.remote, server_->local_endpoint());
  EXPECT_TRUE(client_sink_.errors().empty());
}

TEST_F(TlsTransportTest, ManyLargeMessagesArriveWholeAndInOrderBothWays) {
  open_server(server_config());
  open_client(trusting());
  const Flow to_server{Protocol::kTls, {}, server_->local_endpoint(), 0};
  constexpr int kCount = 15;  // 15 x ~3.3 KB (within the test queue cap of 64 KiB)
  for (int i = 0; i < kCount; ++i)
    EXPECT_FALSE(client_->send(to_server, sip_message("big" + std::to_string(i), 3000)));
  ASSERT_TRUE(server_sink_.wait_received(kCount));
  auto got = server_sink_.received();
  for (int i = 0; i < kCount; ++i)
    EXPECT_EQ(got[i].bytes, sip_message("big" + std::to_string(i), 3000));
  for (int i = 0; i < kCount; ++i)
    EXPECT_FALSE(server_->send(got[0].flow, sip_message("back" + std::to_string(i), 3000)));
  ASSERT_TRUE(client_sink_.wait_received(kCount));
  auto back = client_sink_.received();
  for (int i = 0; i < kCount; ++i)
    EXPECT_EQ(back[i].bytes, sip_message("back" + std::to_string(i), 3000));
}

// The client's last handshake flight and its first message in one write:
// the server, reading ahead, takes both in while it finishes the
// handshake, and the socket does not signal the message again; it must be
// delivered all the same.
TEST_F(TlsTransportTest, AMessageArrivingWithTheHandshakesEndIsDelivered) {
  open_server(server_config());
  RawClient raw(server_->local_endpoint());
  ASSERT_TRUE(raw.connected());
  // A TLS client on memory BIOs over the raw socket: the test decides
  // which bytes leave together.
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(context);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  std::string flight;
  auto take_output = [&] {
    char chunk[16384];
    int n = 0;
    while ((n = BIO_read(out, chunk, sizeof chunk)) > 0)
      flight.append(chunk, static_cast<std::size_t>(n));
  };
  int result = 0;
  for (int round = 0; round < 10 && (result = SSL_do_handshake(ssl)) != 1; ++round) {
    ASSERT_EQ(SSL_get_error(ssl, result), SSL_ERROR_WANT_READ);
    take_output();
    if (!flight.empty()) {
      ASSERT_TRUE(raw.write(flight));
      flight.clear();
    }
    char chunk[16384];
    ssize_t n = ::recv(raw.fd(), chunk, sizeof chunk, 0);
    ASSERT_GT(n, 0);
    BIO_write(in, chunk, static_cast<int>(n));
  }
  ASSERT_EQ(result, 1);
  take_output();  // the client's Finished, not sent yet
  const std::string message = sip_message("ahead");
  ASSERT_EQ(SSL_write(ssl, message.data(), static_cast<int>(message.size())),
            static_cast<int>(message.size()));
  take_output();
  ASSERT_TRUE(raw.write(flight));  // Finished and the message together
  ASSERT_TRUE(server_sink_.wait_received(1));
  EXPECT_EQ(server_sink_.received()[0].bytes, message);
  SSL_free(ssl);
  SSL_CTX_free(context);
}

TEST_F(TlsTransportTest, SipUriEntryAndIpAddressAlsoIdentifyTheServer) {
  open_server(server_config());
  open_client(trusting());
  // No name: the certificate's IP address entry (127.0.0.1).
  EXPECT_FALSE(
      client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0}, sip_message("ip")));
  ASSERT_TRUE(server_sink_.wait_received(1));
  // The domain of its subjectAltName URI (RFC 5922 §7.1): a new connection
  // (reuse is keyed by the name too).
  client_->name_destination(server_->local_endpoint(), "proxy.example.com");
  EXPECT_FALSE(
      client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0}, sip_message("uri")));
  ASSERT_TRUE(server_sink_.wait_received(2));
  auto got = server_sink_.received();
  EXPECT_NE(got[0].flow.connection, got[1].flow.connection);
  EXPECT_TRUE(client_sink_.errors().empty());
}

TEST_F(TlsTransportTest, WrongHostNameIsRefused) {
  open_server(server_config());
  open_client(trusting());
  expect_refused("other.example.com");
}

TEST_F(TlsTransportTest, UntrustedCaIsRefused) {
  open_server(server_config());
  open_client(trusting("other-ca"));
  expect_refused("sip.example.com");
}

TEST_F(TlsTransportTest, ExpiredCertificateIsRefused) {
  open_server(server_config("expired"));
  open_client(trusting());
  expect_refused("sip.example.com");
}

TEST_F(TlsTransportTest, InsecureClientAcceptsAnyCertificate) {
  open_server(server_config("expired"));
  TlsConfig insecure;
  insecure.verify_server = false;
  open_client(insecure);
  client_->name_destination(server_->local_endpoint(), "other.example.com");
  EXPECT_FALSE(
      client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0}, sip_message("any")));
  ASSERT_TRUE(server_sink_.wait_received(1));
}

TEST_F(TlsTransportTest, RequiredClientCertificateMissingIsRefused) {
  TlsConfig config = server_config();
  config.require_client_certificate = true;
  open_server(config);
  open_client(trusting());
  client_->name_destination(server_->local_endpoint(), "sip.example.com");
  EXPECT_FALSE(
      client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0}, sip_message("no")));
  ASSERT_TRUE(server_sink_.wait_errors(1));  // the server refused the handshake
  ASSERT_TRUE(client_sink_.wait_errors(1));
  EXPECT_TRUE(server_sink_.received().empty());
}

// A client with a certificate connects, then reconnects resuming its
// session (TLS 1.2 session ID, then TLS 1.3 ticket): the server resumes it
// and takes the message (without a named session context OpenSSL answers
// such a resumption with an internal_error alert).
TEST_F(TlsTransportTest, ASessionWithAClientCertificateIsResumed) {
  TlsConfig config = server_config();
  config.require_client_certificate = true;
  open_server(config);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(context, version);
    SSL_CTX_set_max_proto_version(context, version);
    ASSERT_EQ(
        SSL_CTX_use_certificate_file(context, dir_.file("client.pem").c_str(), SSL_FILETYPE_PEM),
        1);
    ASSERT_EQ(
        SSL_CTX_use_PrivateKey_file(context, dir_.file("client.key").c_str(), SSL_FILETYPE_PEM), 1);
    SSL_SESSION* session = nullptr;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const std::size_t before = server_sink_.received().size();
      RawClient raw(server_->local_endpoint());
      ASSERT_TRUE(raw.connected());
      SSL* ssl = SSL_new(context);
      SSL_set_fd(ssl, raw.fd());
      if (session != nullptr) SSL_set_session(ssl, session);
      ASSERT_EQ(SSL_connect(ssl), 1) << "attempt " << attempt << " version " << version;
      const std::string message =
          sip_message("resumed" + std::to_string(version) + std::to_string(attempt));
      ASSERT_EQ(SSL_write(ssl, message.data(), static_cast<int>(message.size())),
                static_cast<int>(message.size()));
      const std::string reply = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
      ASSERT_TRUE(server_sink_.wait_received(before + 1));
      EXPECT_EQ(server_sink_.received()[before].bytes, message);
      // Read the answer: TLS 1.3 tickets arrive before it.
      EXPECT_FALSE(server_->send(server_sink_.received()[before].flow, reply));
      char answer[256];
      ASSERT_EQ(SSL_read(ssl, answer, sizeof answer), static_cast<int>(reply.size()));
      EXPECT_EQ(SSL_session_reused(ssl), attempt == 1 ? 1 : 0) << "version " << version;
      if (session == nullptr) session = SSL_get1_session(ssl);
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    SSL_SESSION_free(session);
    SSL_CTX_free(context);
  }
}

TEST_F(TlsTransportTest, RequiredClientCertificatePresentIsAccepted) {
  TlsConfig config = server_config();
  config.require_client_certificate = true;
  open_server(config);
  TlsConfig client = server_config("client");
  open_client(client);
  client_->name_destination(server_->local_endpoint(), "sip.example.com");
  EXPECT_FALSE(
      client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0}, sip_message("yes")));
  ASSERT_TRUE(server_sink_.wait_received(1));
}

TEST_F(TlsTransportTest, PlaintextToTheTlsPortIsClosed) {
  open_server(server_config());
  RawClient client(server_->local_endpoint());
  ASSERT_TRUE(client.write(sip_message("plain")));
  EXPECT_TRUE(client.read_until_closed());
  ASSERT_TRUE(server_sink_.wait_errors(1));
  EXPECT_TRUE(server_sink_.received().empty());
}

TEST_F(TlsTransportTest, HalfAHandshakeThenSilenceIsCutOff) {
  open_server(server_config());
  RawClient client(server_->local_endpoint());
  // The start of a ClientHello record (type 22, TLS 1.0 record version,
  // 512 octets announced), then nothing.
  ASSERT_TRUE(client.write(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));
  EXPECT_TRUE(client.read_until_closed());
  ASSERT_TRUE(server_sink_.wait_errors(1));
  EXPECT_EQ(server_->open_connections(), 0u);
  // Others are served meanwhile and after.
  open_client(trusting());
  EXPECT_FALSE(
      client_->send(Flow{Protocol::kTls, {}, server_->local_endpoint(), 0}, sip_message("ok")));
  ASSERT_TRUE(server_sink_.wait_received(1));
}

TEST(TlsConfiguration, BadFilesAreStartUpErrorsNamingThem) {
  CertificateDirectory dir;
  KeyAndCertificate ca, leaf, other;
  make_certificate(ca, "CA", "", nullptr);
  make_certificate(leaf, "leaf", "DNS:leaf", &ca);
  make_certificate(other, "other", "DNS:other", &ca);
  leaf.write(dir.file("leaf.pem"), dir.file("leaf.key"));
  other.write(dir.file("other.pem"), dir.file("other.key"));
  std::ofstream(dir.file("junk.pem")) << "not PEM\n";

  auto error_of = [](TlsConfig config) {
    SocketTransportOptions options;
    options.tls = std::move(config);
    auto factory = make_socket_transport_factory(options);
    EXPECT_FALSE(factory);
    return factory ? std::string() : factory.error().reason;
  };
  TlsConfig missing;
  missing.certificate_file = dir.file("nope.pem");
  missing.private_key_file = dir.file("leaf.key");
  EXPECT_NE(error_of(missing).find("nope.pem"), std::string::npos);

  TlsConfig mismatch;
  mismatch.certificate_file = dir.file("leaf.pem");
  mismatch.private_key_file = dir.file("other.key");
  const std::string reason = error_of(mismatch);
  EXPECT_NE(reason.find("does not match"), std::string::npos) << reason;

  TlsConfig junk;
  junk.certificate_file = dir.file("junk.pem");
  junk.private_key_file = dir.file("leaf.key");
  EXPECT_NE(error_of(junk).find("junk.pem"), std::string::npos);

  TlsConfig no_key;
  no_key.certificate_file = dir.file("leaf.pem");
  EXPECT_NE(error_of(no_key).find("without a private key"), std::string::npos);

  TlsConfig bad_ca;
  bad_ca.ca_file = dir.file("missing-ca.pem");
  EXPECT_NE(error_of(bad_ca).find("missing-ca.pem"), std::string::npos);

  TlsConfig good;
  good.certificate_file = dir.file("leaf.pem");
  good.private_key_file = dir.file("leaf.key");
  SocketTransportOptions options;
  options.tls = good;
  EXPECT_TRUE(make_socket_transport_factory(options));
}

}  // namespace
}  // namespace sippet::transport
