#pragma once
// UDP transport on Asio (RFC 3261 §18, RFC 768), Linux fast paths:
// - receive: non-blocking socket, one async_wait(wait_read) armed at a time,
//   then recvmmsg() drains up to `batch_size` datagrams per system call
//   (bounded per wake-up so other io_context work is not starved);
// - send: a direct non-blocking sendto() when nothing is queued; when the
//   socket buffer is full the message is queued and flushed with sendmmsg()
//   once the socket is writable; messages sent from inside the receive
//   handler are gathered and flushed with one sendmmsg() per received batch;
// - errors: IP_RECVERR / IPV6_RECVERR, so ICMP errors for this unconnected
//   socket (port unreachable, host unreachable, ...) are read from the error
//   queue (MSG_ERRQUEUE) with the destination of the failed datagram and
//   handed to the ErrorHandler;
// - SO_RCVBUF / SO_SNDBUF enlarged (best effort, 4 MiB by default);
// - IPv6 sockets are IPV6_V6ONLY: bind one transport per family.
//
// Threading: see transport.hpp. The receive loop is serial (one outstanding
// wait), so the ReceiveHandler never runs concurrently with itself for one
// transport even when several threads run the io_context. To spread receive
// work over N io_contexts, open N transports on the same address with
// `reuse_port` (SO_REUSEPORT: the kernel balances peers across them). The
// kernel hands an ICMP error to whichever socket of such a group it picks
// for that peer, so every transport of the group reports it to its own
// ErrorHandler (each on its own io_context); the one that sent to that
// destination acts on it.
#include <cstddef>
#include <memory>
#include <system_error>

#include "sippet/transport/transport.hpp"

namespace asio {
class io_context;
}

namespace sippet::transport {

struct UdpOptions {
  int receive_buffer_bytes = 4 << 20;  // SO_RCVBUF, best effort (0: leave as is)
  int send_buffer_bytes = 4 << 20;     // SO_SNDBUF, best effort (0: leave as is)
  std::size_t batch_size = 32;         // datagrams per recvmmsg/sendmmsg (1..256)
  bool reuse_port = false;             // SO_REUSEPORT, for one socket per io_context
  // Sends made from inside the ReceiveHandler leave together with one
  // sendmmsg() after the received batch (false: each one sendto() at once).
  bool gather_handler_sends = true;
  // The io_context is run by one thread only (e.g. a stack worker's): its
  // handlers cannot overlap, so the transport needs no strand (each strand
  // hand-off costs a few mutex operations per wake-up). false: safe with
  // any number of threads running the io_context.
  bool single_threaded_io = false;
  // Receive on a thread of the transport's own, blocked in
  // recvmmsg(MSG_WAITFORONE): one system call per wake-up instead of
  // epoll_wait + epoll_ctl (Asio re-arms the wait) + recvmmsg. The
  // ReceiveHandler then runs on that thread; the ErrorHandler on it or on
  // the io_context (send backlog failures, ICMP errors that a sender or
  // another member of a reuse group came across), possibly concurrently
  // with the ReceiveHandler. close() joins the thread (unless called from
  // it). Sends, the send backlog and close() still use the io_context.
  bool receive_thread = false;
};

class UdpTransport final : public Transport {
 public:
  // Opens and binds a socket to `local` (port 0: the kernel picks one).
  // Returns nullptr and sets `error` on failure (address in use, address
  // not available, ...). Does not start receiving: call start().
  static std::unique_ptr<UdpTransport> open(asio::io_context& io, const Endpoint& local,
                                            std::error_code& error, UdpOptions options = {});

  ~UdpTransport() override;

  Protocol protocol() const override { return Protocol::kUdp; }
  Endpoint local_endpoint() const override;
  void set_receive_handler(ReceiveHandler handler) override;
  void set_error_handler(ErrorHandler handler) override;
  void start() override;
  void close() override;
  std::error_code send(const Flow& flow, std::string_view bytes) override;
  // The same, to `destination` from this socket.
  std::error_code send(const Endpoint& destination, std::string_view bytes);

  // The SO_RCVBUF / SO_SNDBUF sizes the kernel actually granted.
  int receive_buffer_bytes() const;
  int send_buffer_bytes() const;

  class Impl;

 private:
  explicit UdpTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace sippet::transport
