// One TCP or TLS connection: connect, handshake, read and frame (RFC 3261
// §18.3), write, time out, close (stream_transport.hpp).
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/ssl/error.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <cstring>

#include "sippet/message/parser.hpp"
#include "stream_internal.hpp"

namespace sippet::transport::detail {
namespace {

// The connection whose received messages this thread is handing up: its
// sends are gathered and written once the read is handled (one system
// call for, e.g., a 180 and a 200).
thread_local StreamConnection* t_gathering = nullptr;

constexpr int kReadsPerWake = 8;
// A TCP connection's own read buffer (StreamConnection::head_): most SIP
// messages fit in one read of it.
constexpr std::size_t kHeadSize = 1024;

// Asio's system errors as std::system_category's, which compare equal to
// std::errc values.
std::error_code normalized(std::error_code error) {
  if (error.category() == asio::error::get_system_category())
    return {error.value(), std::system_category()};
  return error;
}

// End of stream from the peer is a reset connection for the transactions.
std::error_code closed_by_peer(std::error_code error) {
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated)
    return std::make_error_code(std::errc::connection_reset);
  return error;
}

// Before an SSL_* call: SSL_get_error() reads this thread's error queue,
// which must hold nothing from before. ssl_wait() empties it after every
// failure, so it is usually empty already, and peeking is much cheaper than
// clearing (ERR_clear_error() resets every slot of the queue).
void clear_ssl_errors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
  errno = 0;
}

// Where the header section of `bytes` ends (after CRLFCRLF), or npos.
std::size_t header_end(std::string_view bytes) {
  std::size_t at = bytes.find("\r\n\r\n");
  return at == std::string_view::npos ? at : at + 4;
}

}  // namespace

StreamConnection::StreamConnection(std::shared_ptr<StreamEndpoint> owner, ConnectionId id,
                                   Flow flow, std::string key, std::string server_name)
    : owner_(std::move(owner)),
      id_(id),
      flow_(flow),
      key_(std::move(key)),
      server_name_(std::move(server_name)),
      created_(stream_now_ms()),
      last_activity_(created_) {
  flow_.connection = id_;
}

StreamConnection* StreamConnection::delivering() {
  return t_gathering;
}

StreamConnection::~StreamConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

asio::ip::tcp::socket& StreamConnection::socket() {
  return *plain_;
}

void StreamConnection::start_inbound(asio::ip::tcp::socket socket) {
  std::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);
  if (auto local = socket.local_endpoint(ignored); !ignored) flow_.local = from_asio(local);
  plain_.emplace(std::move(socket));
  if (owner_->secure()) {
    {
      std::lock_guard lock(mutex_);
      state_ = State::kHandshaking;
    }
    if (!new_tls_session(owner_->tls->server.native_handle())) return;
    SSL_set_accept_state(ssl_);
    handshake();
    return;
  }
  opened();
}

// The TLS session of this connection over its socket; false (and the
// connection closed) when OpenSSL cannot allocate it.
bool StreamConnection::new_tls_session(SSL_CTX* context) {
  ssl_ = SSL_new(context);
  bio_socket_.fd = plain_->native_handle();
  BIO* bio = ssl_ != nullptr ? new_socket_bio(&bio_socket_) : nullptr;
  if (bio == nullptr) {
    close(std::make_error_code(std::errc::not_enough_memory), true);
    return false;
  }
  SSL_set_bio(ssl_, bio, bio);
  return true;
}

void StreamConnection::start_outbound() {
  plain_.emplace(owner_->io);
  asio::post(owner_->io, [self = shared_from_this()] {
    auto& socket = self->socket();
    std::error_code error;
    const Endpoint& local = self->owner_->local;
    socket.open(local.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), error);
    if (!error && !local.is_unspecified()) {
      // From the listener's address (any port), so the peer sees the
      // address our Via names.
      Endpoint from = local;
      from.set_port(0);
      socket.bind(to_asio(from), error);
    }
    if (error) {
      self->close(error, true);
      return;
    }
    socket.async_connect(to_asio(self->flow_.remote), [self](std::error_code error) {
      if (error) {
        if (error != asio::error::operation_aborted) self->close(error, true);
        return;
      }
      self->connected();
    });
  });
}

void StreamConnection::connected() {
  auto& socket = this->socket();
  std::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket.non_blocking(true, ignored);
  // Our side of the flow: the address it left from, at the listener's port
  // (the address our Via names and the stack knows as the listener's).
  if (auto local = socket.local_endpoint(ignored); !ignored) {
    Endpoint address = from_asio(local);
    address.set_port(owner_->local.port());
    flow_.local = address;
  }
  touch();
  if (owner_->secure()) {
    {
      std::lock_guard lock(mutex_);
      if (state_ == State::kClosed) return;
      state_ = State::kHandshaking;
    }
    if (!new_tls_session(owner_->tls->client.native_handle())) return;
    SSL_set_connect_state(ssl_);
    if (!server_name_.empty()) SSL_set_tlsext_host_name(ssl_, server_name_.c_str());
    handshake();
    return;
  }
  opened();
}

StreamConnection::SslWait StreamConnection::ssl_wait(int result, std::error_code& error) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return SslWait::kRead;
    case SSL_ERROR_WANT_WRITE:
      return SslWait::kWrite;
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      error = std::make_error_code(std::errc::connection_reset);
      return SslWait::kFailed;
    case SSL_ERROR_SYSCALL:
      error = errno != 0 ? std::error_code(errno, std::system_category())
                         : std::make_error_code(std::errc::connection_reset);
      ERR_clear_error();
      return SslWait::kFailed;
    default: {
      const unsigned long code = ERR_get_error();
      error = std::error_code(static_cast<int>(code), asio::error::get_ssl_category());
      if (!error) error = std::make_error_code(std::errc::protocol_error);
      ERR_clear_error();
      return SslWait::kFailed;
    }
  }
}

void StreamConnection::retry_ssl(int result, void (StreamConnection::*next)()) {
  std::error_code error;
  const SslWait wait = ssl_wait(result, error);
  if (wait == SslWait::kFailed) {
    close(error, true);
    return;
  }
  wait_then(wait, next);
}

void StreamConnection::wait_then(SslWait wait, void (StreamConnection::*next)()) {
  plain_->async_wait(
      wait == SslWait::kRead ? asio::socket_base::wait_read : asio::socket_base::wait_write,
      [self = shared_from_this(), next](std::error_code error) {
        if (error) {
          if (error != asio::error::operation_aborted) self->close(error, true);
          return;
        }
        ((*self).*next)();
      });
}

void StreamConnection::handshake() {
  // OpenSSL on the non-blocking socket, waiting through Asio's reactor for
  // what it asks (no buffers of our own: an idle connection holds only
  // OpenSSL's state).
  clear_ssl_errors();
  const int result = SSL_do_handshake(ssl_);
  if (result != 1) {
    retry_ssl(result, &StreamConnection::handshake);
    return;
  }
  if (!key_.empty() && owner_->tls->config.verify_server) {
    // RFC 5922 §7: the chain was verified in the handshake; the identity is
    // the name the request was for, else the address.
    X509* peer = SSL_get1_peer_certificate(ssl_);
    std::optional<Endpoint> address;
    if (server_name_.empty()) address = flow_.remote;
    const bool named = certificate_names(peer, server_name_, address);
    X509_free(peer);
    if (!named) {
      close(make_error_code(TlsError::kIdentityMismatch), true);
      return;
    }
  }
  touch();
  opened();
}

void StreamConnection::opened() {
  bool write = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::kClosed) return;
    state_ = State::kOpen;
    if (!out_.empty() && !writing_) write = writing_ = true;
  }
  if (write) flush();
  if (ssl_ != nullptr) {
    // What came with the end of the handshake may already be in
    // OpenSSL's buffer (read ahead), which the socket will not signal.
    read_ssl();
  } else {
    read_tcp();
  }
}

void StreamConnection::read_tcp() {
  // Through the reactor into the connection's own small buffer: after a
  // read that drained the socket, Asio queues the next one on the
  // descriptor's edge-triggered registration as it stands, where waiting
  // for readability (async_wait) costs an epoll_ctl() per wake. A read that
  // fills the buffer goes on in the transport's scratch buffer.
  if (!head_) head_ = std::make_unique<char[]>(kHeadSize);
  plain_->async_receive(
      asio::buffer(head_.get(), kHeadSize),
      [self = shared_from_this()](std::error_code error, std::size_t n) {
        if (error) {
          if (error != asio::error::operation_aborted) self->close(closed_by_peer(error), true);
          return;
        }
        self->touch();
        if (!self->consume_gathering(self->head_.get(), n)) return;
        std::vector<char>& buffer = self->owner_->scratch;
        for (int round = 0; n == kHeadSize && round < kReadsPerWake; ++round) {
          n = self->plain_->read_some(asio::buffer(buffer), error);
          if (error == asio::error::would_block || error == asio::error::try_again) break;
          if (error) {
            self->close(closed_by_peer(error), true);
            return;
          }
          self->touch();
          if (!self->consume_gathering(buffer.data(), n)) return;
          if (n < buffer.size()) break;
        }
        self->read_tcp();
      });
}

void StreamConnection::read_tls() {
  wait_then(SslWait::kRead, &StreamConnection::read_ssl);
}

void StreamConnection::read_ssl() {
  // Into the transport's buffer, as TCP: SSL_read completes here.
  std::vector<char>& buffer = owner_->scratch;
  for (int round = 0; round < kReadsPerWake; ++round) {
    clear_ssl_errors();
    const int n = SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
    if (n > 0) {
      touch();
      if (!consume_gathering(buffer.data(), static_cast<std::size_t>(n))) return;
      // Nothing left in OpenSSL and the socket found empty: wait rather
      // than learn it from one more recv().
      if (bio_socket_.drained && SSL_has_pending(ssl_) == 0) {
        read_tls();
        return;
      }
      continue;
    }
    std::error_code error;
    SslWait wait = ssl_wait(n, error);
    if (wait == SslWait::kFailed) {
      close(error, true);
      return;
    }
    if (wait == SslWait::kWrite) {
      wait_then(wait, &StreamConnection::read_ssl);
      return;
    }
    read_tls();
    return;
  }
  // Still more: OpenSSL may hold decrypted bytes the socket no longer
  // signals, so read again after the io_context's other work.
  asio::post(owner_->io, [self = shared_from_this()] { self->read_ssl(); });
}

bool StreamConnection::consume_gathering(const char* data, std::size_t size) {
  t_gathering = this;
  const bool reading = consume(data, size);
  t_gathering = nullptr;
  write_gathered();
  return reading;
}

bool StreamConnection::consume(const char* data, std::size_t size) {
  if (lingering_) return true;  // answered and closing: what follows is dropped
  std::string_view view(data, size);
  if (!partial_.empty()) {
    partial_.append(data, size);
    view = partial_;
  }
  const std::size_t max_size = owner_->limits.max_message_size;
  std::size_t used = 0;
  while (used < view.size()) {
    std::string_view rest = view.substr(used);
    message::Frame frame = message::frame_stream(rest, max_size);
    if (frame.status == message::Frame::Status::kIncomplete) break;
    if (frame.status == message::Frame::Status::kKeepalive) {
      // RFC 5626 §4.4.1: a CRLFCRLF ping is answered with a CRLF pong.
      crlf_pairs_ += static_cast<int>(frame.size / 2);
      used += frame.size;
      if (crlf_pairs_ >= 2) {
        crlf_pairs_ = 0;
        (void)send("\r\n");
      }
      continue;
    }
    if (frame.status == message::Frame::Status::kMalformed) {
      // §18.3: no Content-Length, or too large. Answered when its header
      // section can be read (then closed once the answer is out), else
      // closed at once.
      std::size_t head = header_end(rest.substr(0, std::min(rest.size(), max_size)));
      if (head == std::string_view::npos) {
        close(std::make_error_code(std::errc::bad_message), true);
        return false;
      }
      owner_->reject(rest.substr(0, head), flow_, frame.error);
      linger();
      return true;
    }
    crlf_pairs_ = 0;
    owner_->deliver(rest.substr(0, frame.size), flow_);
    used += frame.size;
    std::lock_guard lock(mutex_);
    if (state_ == State::kClosed) return false;
  }
  if (lingering_) {
    std::string().swap(partial_);
    return true;
  }
  if (used == view.size()) {
    partial_.clear();
    partial_since_ = 0;
  } else {
    if (partial_.empty()) {
      partial_.assign(view.substr(used));
    } else {
      partial_.erase(0, used);
    }
    if (partial_since_ == 0 || used > 0) partial_since_ = stream_now_ms();
  }
  if (partial_.empty() && partial_.capacity() > 4096) std::string().swap(partial_);
  return true;
}

std::error_code StreamConnection::send(std::string_view bytes) {
  std::unique_lock lock(mutex_);
  if (state_ == State::kClosed || closing_) return std::make_error_code(std::errc::not_connected);
  if (queued_ + bytes.size() > owner_->limits.max_queued_bytes) {
    lock.unlock();
    close_later(std::make_error_code(std::errc::no_buffer_space));
    return std::make_error_code(std::errc::no_buffer_space);
  }
  if (t_gathering == this && state_ == State::kOpen) {
    out_.append(bytes);  // written by write_gathered()
    queued_ += bytes.size();
    return {};
  }
  if (!owner_->secure() && state_ == State::kOpen && !writing_) {
    // Nothing queued: write at once from this thread (the socket is
    // non-blocking and closed only under this lock).
    ssize_t n =
        ::send(plain_->native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(bytes.size())) {
      lock.unlock();
      touch();
      return {};
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        std::error_code error(errno, std::system_category());
        lock.unlock();
        close_later(error);  // reported to the ErrorHandler once
        return {};
      }
      n = 0;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  out_.append(bytes);
  queued_ += bytes.size();
  if (state_ != State::kOpen || writing_) return {};
  writing_ = true;
  lock.unlock();
  asio::post(owner_->io, [self = shared_from_this()] { self->flush(); });
  return {};
}

void StreamConnection::write_gathered() {
  std::unique_lock lock(mutex_);
  if (state_ != State::kOpen || writing_ || out_.empty()) return;
  if (!owner_->secure()) {
    ssize_t n =
        ::send(plain_->native_handle(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      std::error_code error(errno, std::system_category());
      lock.unlock();
      close(error, true);
      return;
    }
    if (n > 0) {
      out_.erase(0, static_cast<std::size_t>(n));
      queued_ -= static_cast<std::size_t>(n);
    }
    if (out_.empty()) {
      if (closing_) shutdown_send();
      return;
    }
  }
  writing_ = true;
  lock.unlock();
  flush();
}

void StreamConnection::flush() {
  if (ssl_ != nullptr) {
    flush_ssl();
    return;
  }
  std::unique_lock lock(mutex_);
  if (state_ == State::kClosed) return;
  if (out_.empty()) {
    writing_ = false;
    if (closing_) shutdown_send();
    return;
  }
  sending_.swap(out_);
  lock.unlock();
  auto done = [self = shared_from_this()](std::error_code error, std::size_t n) {
    {
      std::lock_guard lock(self->mutex_);
      self->queued_ -= std::min(self->queued_, n);
      self->sending_.clear();
    }
    if (error) {
      if (error != asio::error::operation_aborted) self->close(closed_by_peer(error), true);
      return;
    }
    self->touch();
    self->flush();
  };
  asio::async_write(*plain_, asio::buffer(sending_), std::move(done));
}

void StreamConnection::flush_ssl() {
  // The connection's thread, writing_ set: SSL_write of the queue, waiting
  // through the reactor when OpenSSL asks (with the same bytes, as it
  // requires).
  for (;;) {
    if (sending_.empty()) {
      std::lock_guard lock(mutex_);
      if (state_ == State::kClosed) return;
      if (out_.empty()) {
        writing_ = false;
        if (closing_) shutdown_send();
        return;
      }
      sending_.swap(out_);
    }
    clear_ssl_errors();
    const int n = SSL_write(ssl_, sending_.data(), static_cast<int>(sending_.size()));
    if (n > 0) {
      sending_.erase(0, static_cast<std::size_t>(n));
      std::lock_guard lock(mutex_);
      queued_ -= std::min(queued_, static_cast<std::size_t>(n));
      touch();
      continue;
    }
    retry_ssl(n, &StreamConnection::flush_ssl);
    return;
  }
}

void StreamConnection::close(std::error_code error, bool report) {
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    std::error_code ignored;
    if (plain_) plain_->close(ignored);
    std::string().swap(out_);
    queued_ = sending_.size();
  }
  std::string().swap(partial_);
  owner_->forget(*this);
  if (report) owner_->report(flow_, normalized(error));
}

void StreamConnection::linger() {
  // The answer leaves, then our side of the stream ends; what the peer
  // still sends is read and dropped until it closes or the partial-message
  // timeout passes (closing with unread input would reset the connection
  // and could lose the answer).
  lingering_ = true;
  partial_since_ = stream_now_ms();
  std::lock_guard lock(mutex_);
  if (state_ == State::kClosed) return;
  closing_ = true;
  if (!writing_ && out_.empty()) shutdown_send();
}

void StreamConnection::shutdown_send() {
  std::error_code ignored;
  if (ssl_ != nullptr) (void)SSL_shutdown(ssl_);  // close_notify, best effort
  if (plain_) plain_->shutdown(asio::socket_base::shutdown_send, ignored);
}

void StreamConnection::close_later(std::error_code error) {
  asio::post(owner_->io, [self = shared_from_this(), error] { self->close(error, true); });
}

void StreamConnection::check_timeouts(std::int64_t now) {
  State state;
  {
    std::lock_guard lock(mutex_);
    state = state_;
  }
  const StreamLimits& limits = owner_->limits;
  if (state == State::kClosed) return;
  if (state != State::kOpen) {
    if (now - created_ >= limits.handshake_timeout.count())
      close(state == State::kHandshaking ? make_error_code(TlsError::kHandshakeTimeout)
                                         : std::make_error_code(std::errc::timed_out),
            true);
    return;
  }
  if (partial_since_ != 0 && now - partial_since_ >= limits.partial_message_timeout.count()) {
    close(std::make_error_code(std::errc::timed_out), true);
    return;
  }
  // Idle: no traffic for idle_timeout, no transaction held, not kept open.
  if (holds_.load(std::memory_order_relaxed) > 0 ||
      now < kept_until_.load(std::memory_order_relaxed))
    return;
  if (now - last_activity_.load(std::memory_order_relaxed) >= limits.idle_timeout.count())
    close(std::make_error_code(std::errc::timed_out), true);
}

void StreamConnection::release() {
  // The idle timeout counts from the end of the last transaction.
  touch();
  holds_.fetch_sub(1, std::memory_order_relaxed);
}

void StreamConnection::keep_until(std::int64_t until) {
  std::int64_t kept = kept_until_.load(std::memory_order_relaxed);
  while (until > kept &&
         !kept_until_.compare_exchange_weak(kept, until, std::memory_order_relaxed)) {
  }
}

}  // namespace sippet::transport::detail
