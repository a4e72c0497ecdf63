#include "udp_transport.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "udp_batch.hpp"
#include "udp_error_queue.hpp"
#include "udp_socket.hpp"

namespace sippet::transport {
namespace {

using detail::OutgoingDatagram;

// The transport whose receive handler runs on this thread: its sends are
// gathered and leave with one sendmmsg() after the batch.
thread_local const void* t_gathering = nullptr;
// The transport whose receive thread (UdpOptions::receive_thread) this is.
thread_local const void* t_receiving = nullptr;

constexpr std::size_t kSlotBytes = 65536;    // any UDP payload fits (RFC 768)
constexpr std::size_t kMaxQueued = 1 << 16;  // datagrams waiting for buffer space
constexpr int kRoundsPerWake = 8;            // recvmmsg calls before yielding
constexpr std::size_t kMaxBatch = 256;

// Transports sharing an address through SO_REUSEPORT. The kernel hands an
// ICMP error to the socket of the group it would pick for a datagram from
// that peer, not necessarily the one that sent the failed datagram, so an
// error read by one member is reported by every member.
template <class Member>
struct ReuseGroups {
  std::mutex mutex;
  std::unordered_map<Endpoint, std::vector<std::weak_ptr<Member>>> groups;

  void join(const Endpoint& local, const std::shared_ptr<Member>& member) {
    std::lock_guard lock(mutex);
    groups[local].push_back(member);
  }
  void leave(const Endpoint& local, const Member* member) {
    std::lock_guard lock(mutex);
    auto it = groups.find(local);
    if (it == groups.end()) return;
    std::erase_if(it->second, [member](const std::weak_ptr<Member>& weak) {
      auto shared = weak.lock();
      return !shared || shared.get() == member;
    });
    if (it->second.empty()) groups.erase(it);
  }
  std::vector<std::shared_ptr<Member>> members(const Endpoint& local) {
    std::vector<std::shared_ptr<Member>> result;
    std::lock_guard lock(mutex);
    auto it = groups.find(local);
    if (it == groups.end()) return result;
    for (const auto& weak : it->second) {
      if (auto shared = weak.lock()) result.push_back(std::move(shared));
    }
    return result;
  }
};

struct alignas(cmsghdr) ControlBuffer {
  char bytes[64];  // CMSG_SPACE(sizeof(in6_pktinfo)) == 40
};

}  // namespace

class UdpTransport::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, int fd, Endpoint local, UdpOptions options)
      : executor_(io.get_executor()),
        strand_(asio::make_strand(io)),
        socket_(io),
        retry_(io),
        fd_(fd),
        local_(local),
        wildcard_(local.is_unspecified()),
        options_(options) {
    options_.batch_size = std::clamp<std::size_t>(options_.batch_size, 1, kMaxBatch);
    std::size_t n = options_.batch_size;
    rx_data_.resize(n * kSlotBytes);
    rx_messages_.resize(n);
    rx_vectors_.resize(n);
    rx_names_.resize(n);
    rx_controls_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      rx_vectors_[i].iov_base = rx_data_.data() + i * kSlotBytes;
      rx_vectors_[i].iov_len = kSlotBytes;
      msghdr& header = rx_messages_[i].msg_hdr;
      header = {};
      header.msg_name = &rx_names_[i];
      header.msg_iov = &rx_vectors_[i];
      header.msg_iovlen = 1;
      if (wildcard_) header.msg_control = rx_controls_[i].bytes;
      reset_slot(i);
    }
    report_ = [this](const Endpoint& destination, std::error_code error) {
      if (!closed_.load(std::memory_order_acquire) && on_error_)
        on_error_(Flow{Protocol::kUdp, local_, destination, 0}, error);
    };
    report_icmp_ = [this](const Endpoint& destination, std::error_code error) {
      if (!options_.reuse_port) {
        report_(destination, error);
        return;
      }
      for (auto& member : reuse_groups().members(local_)) {
        if (member.get() == this) {
          report_(destination, error);
        } else {
          member->post([member, destination, error] { member->report_(destination, error); });
        }
      }
    };
  }

  ~Impl() {
    // The receive thread holds a reference: it is done here, or this is it.
    if (receiver_.joinable()) {
      if (receiver_.get_id() == std::this_thread::get_id()) {
        receiver_.detach();
      } else {
        receiver_.join();
      }
    }
    if (options_.receive_thread) ::close(fd_);  // never given to Asio (assign())
  }

  static ReuseGroups<Impl>& reuse_groups() {
    static ReuseGroups<Impl> groups;
    return groups;
  }

  // Strand-free; called once after construction.
  void join_reuse_group() {
    if (options_.reuse_port) reuse_groups().join(local_, shared_from_this());
  }

  // Hands the socket to Asio's reactor. Not with a receive thread: the
  // reactor would register it for EPOLLIN and wake the io_context's thread
  // on every datagram for nothing.
  std::error_code assign() {
    if (options_.receive_thread) return {};
    asio::error_code error;
    socket_.assign(local_.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), fd_, error);
    return error;
  }

  const Endpoint& local() const { return local_; }
  int fd() const { return fd_; }
  void set_receive_handler(ReceiveHandler handler) { on_receive_ = std::move(handler); }
  void set_error_handler(ErrorHandler handler) { on_error_ = std::move(handler); }

  void start() {
    if (started_.exchange(true)) return;
    if (options_.receive_thread) {
      // A blocking socket for the receive thread; every other call on it
      // passes MSG_DONTWAIT.
      int flags = ::fcntl(fd_, F_GETFL);
      if (flags >= 0) (void)::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
      receiver_ = std::thread([self = shared_from_this()]() mutable {
        self->receive_loop();
        // The last reference may be this one (a handler closed the
        // transport): release it on the io_context, where the Asio objects
        // may be destroyed, not on this thread.
        auto executor = self->executor_;
        asio::post(executor, [self = std::move(self)] {});
      });
      return;
    }
    post([self = shared_from_this()] { self->drain(); });
  }

  void close() {
    if (closed_.exchange(true, std::memory_order_acq_rel)) return;
    if (options_.reuse_port) reuse_groups().leave(local_, this);
    if (options_.receive_thread && started_.load(std::memory_order_acquire)) {
      // Wakes the receive thread: on a UDP socket shutdown() fails with
      // ENOTCONN but marks the socket shut down for reading, so a blocked
      // recvmmsg() (and every later one) returns at once. From a handler on
      // that thread, it ends when the handler returns.
      (void)::shutdown(fd_, SHUT_RD);
      if (t_receiving != this && receiver_.joinable()) receiver_.join();
    }
    post([self = shared_from_this()] {
      asio::error_code ignored;
      self->socket_.cancel(ignored);
      self->retry_.cancel();
      std::lock_guard lock(self->queue_mutex_);
      self->queue_.clear();
    });
  }

  std::error_code send(const Endpoint& destination, std::string_view bytes) {
    if (closed_.load(std::memory_order_acquire)) {
      return std::make_error_code(std::errc::bad_file_descriptor);
    }
    if (bytes.size() > kMaxDatagramSize) return std::make_error_code(std::errc::message_size);
    if (destination.family() != local_.family()) {
      return std::make_error_code(std::errc::address_family_not_supported);
    }
    if (t_gathering == this && options_.gather_handler_sends) {
      if (gathered_count_ == gathered_.size()) gathered_.emplace_back();
      detail::assign_outgoing(gathered_[gathered_count_++], destination, bytes);
      return {};
    }
    if (!backlog_.load(std::memory_order_acquire)) {
      sockaddr_storage address;
      auto length = static_cast<socklen_t>(destination.to_sockaddr(address));
      for (int attempt = 0;; ++attempt) {
        ssize_t sent = ::sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT,
                                reinterpret_cast<const sockaddr*>(&address), length);
        if (sent >= 0) return {};
        int error_number = errno;
        if (error_number == EINTR) continue;
        if (error_number == EAGAIN || error_number == EWOULDBLOCK) break;
        // An error left by an earlier ICMP message (sk_err) is returned by
        // whichever call comes next; the kernel has cleared it: try again.
        if (detail::is_async_icmp_error(error_number) && attempt < 2) {
          note_icmp_error();
          continue;
        }
        return {error_number, std::system_category()};
      }
    }
    return enqueue(detail::make_outgoing(destination, bytes));
  }

 private:
  // A sender consumed the socket's pending ICMP error (sk_err): its details
  // wait on the error queue. The receive loop reads them on its next round;
  // a receive thread may be asleep, so the io_context reads them then.
  void note_icmp_error() {
    if (error_hint_.exchange(true, std::memory_order_acq_rel)) return;
    if (!options_.receive_thread) return;
    post([self = shared_from_this()] {
      self->error_hint_.store(false, std::memory_order_release);
      if (!self->closed_.load(std::memory_order_acquire))
        detail::drain_error_queue(self->fd_, self->report_icmp_);
    });
  }

  std::error_code enqueue(OutgoingDatagram item) {
    bool schedule = false;
    {
      std::lock_guard lock(queue_mutex_);
      if (queue_.size() >= kMaxQueued) return std::make_error_code(std::errc::no_buffer_space);
      queue_.push_back(std::move(item));
      if (!backlog_.load(std::memory_order_relaxed)) {
        backlog_.store(true, std::memory_order_release);
        schedule = true;
      }
    }
    if (schedule) post([self = shared_from_this()] { self->flush_backlog(); });
    return {};
  }

  // Strand only. Sends the queued datagrams until the socket buffer is
  // full, then waits for it to drain (wait_write re-arms the descriptor, so
  // space freed in between is not missed).
  void flush_backlog() {
    while (!closed_.load(std::memory_order_acquire)) {
      std::vector<OutgoingDatagram> items;
      {
        std::lock_guard lock(queue_mutex_);
        if (queue_.empty()) {
          backlog_.store(false, std::memory_order_release);
          return;
        }
        std::size_t count = std::min(queue_.size(), options_.batch_size * 4);
        items.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
          items.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      std::size_t done = detail::send_datagrams(fd_, items, 0, options_.batch_size, report_);
      if (done == items.size()) continue;
      {
        std::lock_guard lock(queue_mutex_);
        for (std::size_t i = items.size(); i-- > done;)
          queue_.push_front(std::move(items[i]));
      }
      if (!write_armed_) {
        write_armed_ = true;
        auto again = [self = shared_from_this()](const asio::error_code& error) {
          self->write_armed_ = false;
          if (!error) self->flush_backlog();
        };
        if (!options_.receive_thread) {
          wait(asio::socket_base::wait_write, std::move(again));
        } else {
          // No reactor registration (receive_thread): try again shortly.
          retry_.expires_after(std::chrono::milliseconds(1));
          if (options_.single_threaded_io) {
            retry_.async_wait(std::move(again));
          } else {
            retry_.async_wait(asio::bind_executor(strand_, std::move(again)));
          }
        }
      }
      return;
    }
  }

  // The fields of receive slot `i` that recvmmsg() writes back.
  void reset_slot(std::size_t i) {
    msghdr& header = rx_messages_[i].msg_hdr;
    header.msg_namelen = sizeof(sockaddr_storage);
    header.msg_controllen = wildcard_ ? sizeof(ControlBuffer) : 0;
    header.msg_flags = 0;
    rx_messages_[i].msg_len = 0;
  }

  // Runs `handler` serialized with the transport's other handlers: on the
  // strand, or straight on the io_context when one thread runs it.
  template <class Handler>
  void post(Handler&& handler) {
    if (options_.single_threaded_io) {
      asio::post(executor_, std::forward<Handler>(handler));
    } else {
      asio::post(strand_, std::forward<Handler>(handler));
    }
  }
  template <class Handler>
  void wait(asio::socket_base::wait_type type, Handler&& handler) {
    if (options_.single_threaded_io) {
      socket_.async_wait(type, std::forward<Handler>(handler));
    } else {
      socket_.async_wait(type, asio::bind_executor(strand_, std::forward<Handler>(handler)));
    }
  }

  void arm_read() {
    wait(asio::socket_base::wait_read, [self = shared_from_this()](const asio::error_code& error) {
      if (error == asio::error::operation_aborted || error == asio::error::bad_descriptor) {
        return;
      }
      self->drain();
    });
  }

  // Strand only. Reads datagrams with recvmmsg() until the socket is empty
  // (then waits for more) or the round budget is spent (then yields to the
  // other work of the io_context and continues).
  void drain() {
    if (closed_.load(std::memory_order_acquire)) return;
    bool empty = false;
    bool icmp_pending = error_hint_.exchange(false, std::memory_order_acq_rel);
    for (int round = 0; round < kRoundsPerWake && !empty; ++round) {
      std::size_t n = options_.batch_size;
      // The headers were set up once (Impl()); recvmmsg() changed only the
      // lengths and flags of the slots it filled last time.
      for (std::size_t i = 0; i < rx_used_; ++i)
        reset_slot(i);
      rx_used_ = 0;
      int received =
          ::recvmmsg(fd_, rx_messages_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
      if (received < 0) {
        int error_number = errno;
        if (error_number == EINTR) continue;
        if (detail::is_async_icmp_error(error_number)) {
          icmp_pending = true;  // sk_err from an ICMP error; details on the error queue
          continue;
        }
        empty = true;  // EAGAIN (or a socket error we cannot act on)
        break;
      }
      rx_used_ = static_cast<std::size_t>(received);
      deliver(static_cast<std::size_t>(received));
      // Fewer than asked: the receive queue was empty at that moment.
      if (static_cast<std::size_t>(received) < n) empty = true;
    }
    if (icmp_pending) detail::drain_error_queue(fd_, report_icmp_);
    if (closed_.load(std::memory_order_acquire)) return;
    if (empty) {
      arm_read();
    } else {
      post([self = shared_from_this()] { self->drain(); });
    }
  }

  // The receive thread (UdpOptions::receive_thread): one blocking
  // recvmmsg(MSG_WAITFORONE) per wake-up, which returns as soon as one
  // datagram is there with whatever else is queued: no epoll_wait and no
  // epoll_ctl re-arm per wake-up. close() wakes it with shutdown().
  void receive_loop() {
    t_receiving = this;
    const auto n = static_cast<unsigned>(options_.batch_size);
    while (!closed_.load(std::memory_order_acquire)) {
      for (std::size_t i = 0; i < rx_used_; ++i)
        reset_slot(i);
      rx_used_ = 0;
      int received = ::recvmmsg(fd_, rx_messages_.data(), n, MSG_WAITFORONE, nullptr);
      if (closed_.load(std::memory_order_acquire)) break;
      if (received < 0) {
        int error_number = errno;
        if (detail::is_async_icmp_error(error_number)) {
          // sk_err from an ICMP error; the details are on the error queue.
          detail::drain_error_queue(fd_, report_icmp_);
        } else if (error_number == EBADF || error_number == ENOTSOCK || error_number == EINVAL) {
          break;  // cannot happen while the socket is open
        }
        continue;  // EINTR, EAGAIN, ENOMEM, ...
      }
      rx_used_ = static_cast<std::size_t>(received);
      deliver(rx_used_);
    }
  }

  void deliver(std::size_t count) {
    t_gathering = this;
    for (std::size_t i = 0; i < count; ++i) {
      if (closed_.load(std::memory_order_acquire)) break;
      const msghdr& header = rx_messages_[i].msg_hdr;
      if (header.msg_flags & MSG_TRUNC) continue;  // cannot happen with 64 KiB slots
      auto source = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&rx_names_[i]),
                                            header.msg_namelen);
      if (!source) continue;
      Endpoint local = wildcard_ ? destination_of(header) : local_;
      if (on_receive_) {
        on_receive_(std::string_view(rx_data_.data() + i * kSlotBytes, rx_messages_[i].msg_len),
                    Flow{Protocol::kUdp, local, *source, 0});
      }
    }
    t_gathering = nullptr;
    if (gathered_count_ == 0) return;
    std::size_t done =
        detail::send_datagrams(fd_, gathered_, 0, options_.batch_size, report_, gathered_count_);
    for (std::size_t i = done; i < gathered_count_; ++i) {
      if (auto error = enqueue(std::move(gathered_[i]))) report_(gathered_[i].destination, error);
    }
    gathered_count_ = 0;
    // Keep a few buffers (their capacity) for the next batch, not a burst's worth.
    constexpr std::size_t kKeptBuffers = 64;
    if (gathered_.size() > kKeptBuffers) gathered_.resize(kKeptBuffers);
  }

  // The address a datagram was sent to, from IP_PKTINFO / IPV6_PKTINFO
  // (bound to a wildcard address).
  Endpoint destination_of(const msghdr& header) const {
    Endpoint local = local_;
    for (const cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&header), const_cast<cmsghdr*>(c))) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr = info.ipi_addr;
        address.sin_port = htons(local_.port());
        if (auto e = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&address),
                                             sizeof address)) {
          local = *e;
        }
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_addr = info.ipi6_addr;
        address.sin6_port = htons(local_.port());
        if (IN6_IS_ADDR_LINKLOCAL(&info.ipi6_addr)) address.sin6_scope_id = info.ipi6_ifindex;
        if (auto e = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&address),
                                             sizeof address)) {
          local = *e;
        }
      }
    }
    return local;
  }

  asio::io_context::executor_type executor_;
  asio::strand<asio::io_context::executor_type> strand_;  // unless single_threaded_io
  // Owns fd_ (closed when the last reference goes), except with a receive
  // thread, where it stays closed and ~Impl closes fd_.
  asio::ip::udp::socket socket_;
  asio::steady_timer retry_;  // send backlog without a reactor registration
  int fd_;
  Endpoint local_;
  bool wildcard_;
  UdpOptions options_;
  ReceiveHandler on_receive_;
  ErrorHandler on_error_;
  std::function<void(const Endpoint&, std::error_code)> report_;       // to this transport
  std::function<void(const Endpoint&, std::error_code)> report_icmp_;  // to its reuse group
  std::atomic<bool> started_{false};
  std::atomic<bool> closed_{false};
  std::atomic<bool> error_hint_{false};  // a send saw an ICMP error: read the error queue

  // Receive batch (strand only).
  std::vector<char> rx_data_;
  std::vector<mmsghdr> rx_messages_;
  std::vector<iovec> rx_vectors_;
  std::vector<sockaddr_storage> rx_names_;
  std::vector<ControlBuffer> rx_controls_;
  std::size_t rx_used_ = 0;  // slots the last recvmmsg() filled
  // Sends from inside the receive handler: gathered_[0..gathered_count_).
  // Entries past the count keep their buffers for the next batch.
  std::vector<OutgoingDatagram> gathered_;
  std::size_t gathered_count_ = 0;

  // Datagrams waiting for socket buffer space.
  std::mutex queue_mutex_;
  std::deque<OutgoingDatagram> queue_;
  std::atomic<bool> backlog_{false};
  bool write_armed_ = false;  // strand only

  std::thread receiver_;  // UdpOptions::receive_thread
};

std::unique_ptr<UdpTransport> UdpTransport::open(asio::io_context& io, const Endpoint& local,
                                                 std::error_code& error, UdpOptions options) {
  int fd = detail::open_udp_socket(local, options, error);
  if (fd < 0) return nullptr;
  Endpoint bound = detail::bound_endpoint(fd, error);
  if (error) {
    ::close(fd);
    return nullptr;
  }
  auto impl = std::make_shared<Impl>(io, fd, bound, options);
  if (auto assign_error = impl->assign()) {
    ::close(fd);
    error = assign_error;
    return nullptr;
  }
  impl->join_reuse_group();
  error.clear();
  return std::unique_ptr<UdpTransport>(new UdpTransport(std::move(impl)));
}

UdpTransport::UdpTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UdpTransport::~UdpTransport() {
  impl_->close();
}

Endpoint UdpTransport::local_endpoint() const {
  return impl_->local();
}

void UdpTransport::set_receive_handler(ReceiveHandler handler) {
  impl_->set_receive_handler(std::move(handler));
}

void UdpTransport::set_error_handler(ErrorHandler handler) {
  impl_->set_error_handler(std::move(handler));
}

void UdpTransport::start() {
  impl_->start();
}

void UdpTransport::close() {
  impl_->close();
}

std::error_code UdpTransport::send(const Endpoint& destination, std::string_view bytes) {
  return impl_->send(destination, bytes);
}

std::error_code UdpTransport::send(const Flow& flow, std::string_view bytes) {
  // A UDP flow is this socket and the remote address (no connection).
  return impl_->send(flow.remote, bytes);
}

int UdpTransport::receive_buffer_bytes() const {
  return detail::socket_buffer_bytes(impl_->fd(), true);
}

int UdpTransport::send_buffer_bytes() const {
  return detail::socket_buffer_bytes(impl_->fd(), false);
}

}  // namespace sippet::transport
