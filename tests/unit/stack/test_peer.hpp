#pragma once
// Test helpers: a raw UDP peer on 127.0.0.1 and a Core that records what the
// stack hands it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sippet/message/parser.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/stack.hpp"

namespace sippet::stack::testing {

// A plain socket: what a remote SIP element looks like to the stack.
class RawPeer {
 public:
  RawPeer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~RawPeer() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::uint16_t port() const { return port_; }
  int fd() const { return fd_; }

  void send_to(std::uint16_t port, const std::string& text) const {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    ::sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&address),
             sizeof address);
  }

  // The next datagram, or nullopt after `timeout` (a network wait).
  std::optional<std::string> receive(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  std::optional<message::Message> receive_message(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const {
    auto bytes = receive(timeout);
    if (!bytes) return std::nullopt;
    auto parsed = message::parse_message(*bytes);
    if (!parsed) return std::nullopt;
    return std::move(parsed).value();
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// "OPTIONS sip:uas@127.0.0.1:PORT" with the given Via sent-by and params.
inline std::string make_request(std::string_view method, std::uint16_t to_port,
                                std::string_view via_sent_by, std::string_view branch,
                                std::string_view call_id, unsigned cseq = 1,
                                std::string_view via_params = "") {
  std::string m(method);
  std::string text = m + " sip:uas@127.0.0.1:" + std::to_string(to_port) + " SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP " + std::string(via_sent_by) + ";branch=" + std::string(branch) +
          std::string(via_params) + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: <sip:alice@example.com>;tag=1928301774\r\n";
  text += "To: <sip:uas@example.com>\r\n";
  text += "Call-ID: " + std::string(call_id) + "\r\n";
  text += "CSeq: " + std::to_string(cseq) + " " + m + "\r\n";
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

struct Received {
  message::Message message;
  std::optional<Transaction> transaction;
  std::thread::id thread;
  transport::Flow flow;
};

struct ReceivedError {
  TransactionError error;
  Transaction transaction;
};

// Records every callback; optionally answers requests itself.
class RecordingCore : public Core {
 public:
  std::function<void(const message::Message&, std::optional<Transaction>)> on_request;

  void receive_request(message::Message request, std::optional<Transaction> t,
                       const transport::Flow& flow) override {
    if (on_request) on_request(request, t);
    push(requests_, Received{std::move(request), t, std::this_thread::get_id(), flow});
  }
  void receive_response(message::Message response, std::optional<Transaction> t,
                        const transport::Flow& flow) override {
    push(responses_, Received{std::move(response), t, std::this_thread::get_id(), flow});
  }
  void receive_error(const TransactionError& error, Transaction t) override {
    push(errors_, ReceivedError{error, t});
  }

  // Waits (a network wait, bounded) until `n` requests were recorded.
  bool wait_requests(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return wait([&] { return requests_.size() >= n; }, timeout);
  }
  bool wait_responses(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return wait([&] { return responses_.size() >= n; }, timeout);
  }
  bool wait_errors(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return wait([&] { return errors_.size() >= n; }, timeout);
  }

  std::vector<Received>& requests() { return requests_; }
  std::vector<Received>& responses() { return responses_; }
  std::vector<ReceivedError>& errors() { return errors_; }
  std::size_t request_count() {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  std::size_t error_count() {
    std::lock_guard lock(mutex_);
    return errors_.size();
  }
  std::size_t response_count() {
    std::lock_guard lock(mutex_);
    return responses_.size();
  }

 private:
  template <class T>
  void push(std::vector<T>& list, T item) {
    std::lock_guard lock(mutex_);
    list.push_back(std::move(item));
    changed_.notify_all();
  }
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, pred);
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> requests_;
  std::vector<Received> responses_;
  std::vector<ReceivedError> errors_;
};

inline StackConfig loopback_config(unsigned threads = 1) {
  StackConfig config;
  config.listen.push_back(*transport::parse_listen_spec("udp:127.0.0.1:0"));
  config.threads = threads;
  config.logger = std::make_shared<StderrLogger>(LogLevel::kOff);
  return config;
}

}  // namespace sippet::stack::testing
