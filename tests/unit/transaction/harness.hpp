#pragma once
// Test driver for the transaction layer: a manual clock that keeps the timers
// the layer arms and fires them when the test advances time (no sleeping),
// plus SIP message fixtures and action queries.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sippet/message/parser.hpp"
#include "sippet/transaction/layer.hpp"

namespace sippet::transaction::testing {

inline message::Message parse(const std::string& text) {
  auto parsed = message::parse_message(text);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().reason) << "\n" << text;
  if (!parsed.ok()) return message::Message{};
  return std::move(parsed).value();
}

struct Fixture {
  std::string method = "INVITE";
  std::string branch = "z9hG4bK776asdhds";
  std::string via_host = "pc33.atlanta.com";
  std::string cseq_method;  // defaults to `method`
  std::uint32_t cseq = 314159;
  std::string to_tag;
  std::string routes;  // full header lines, CRLF-terminated
};

inline std::string request_text(const Fixture& f) {
  std::string via_params = f.branch.empty() ? "" : ";branch=" + f.branch;
  std::string to = "Bob <sip:bob@biloxi.com>" + (f.to_tag.empty() ? "" : ";tag=" + f.to_tag);
  return f.method + " sip:bob@biloxi.com SIP/2.0\r\n" + "Via: SIP/2.0/UDP " + f.via_host +
         via_params + "\r\n" + f.routes + "Max-Forwards: 70\r\n" + "To: " + to + "\r\n" +
         "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n" +
         "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" + "CSeq: " + std::to_string(f.cseq) + " " +
         (f.cseq_method.empty() ? f.method : f.cseq_method) + "\r\n" + "Content-Length: 0\r\n\r\n";
}

inline std::string response_text(const Fixture& f, int code, std::string_view reason = "Reason",
                                 std::string_view to_tag = "a6c85cf") {
  std::string via_params = f.branch.empty() ? "" : ";branch=" + f.branch;
  std::string to = "Bob <sip:bob@biloxi.com>";
  if (!to_tag.empty()) to += ";tag=" + std::string(to_tag);
  return "SIP/2.0 " + std::to_string(code) + " " + std::string(reason) + "\r\n" +
         "Via: SIP/2.0/UDP " + f.via_host + via_params + ";received=192.0.2.1\r\n" + "To: " + to +
         "\r\n" + "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n" +
         "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" + "CSeq: " + std::to_string(f.cseq) + " " +
         (f.cseq_method.empty() ? f.method : f.cseq_method) + "\r\n" + "Content-Length: 0\r\n\r\n";
}

inline message::Message request(const Fixture& f) {
  return parse(request_text(f));
}
inline message::Message response(const Fixture& f, int code, std::string_view to_tag = "a6c85cf") {
  return parse(response_text(f, code, "Reason", to_tag));
}

inline TransportInfo udp() {
  TransportInfo info;
  info.reliable = false;
  info.protocol = 17;
  info.port = 5060;
  info.address = {192, 0, 2, 1};
  info.connection = 0;
  return info;
}

inline TransportInfo tcp() {
  TransportInfo info = udp();
  info.reliable = true;
  info.protocol = 6;
  info.connection = 42;
  return info;
}

// ---- Action queries ----------------------------------------------------------

template <class T>
std::vector<const T*> all_of(const Actions& actions) {
  std::vector<const T*> found;
  for (const Action& a : actions) {
    if (const T* p = std::get_if<T>(&a)) found.push_back(p);
  }
  return found;
}

template <class T>
std::size_t count_of(const Actions& actions) {
  return all_of<T>(actions).size();
}

template <class T>
const T* first_of(const Actions& actions) {
  auto found = all_of<T>(actions);
  return found.empty() ? nullptr : found.front();
}

inline const StartTimer* started(const Actions& actions, TimerId timer) {
  for (const StartTimer* s : all_of<StartTimer>(actions)) {
    if (s->handle.timer == timer) return s;
  }
  return nullptr;
}

inline bool stopped(const Actions& actions, TimerId timer) {
  for (const StopTimer* s : all_of<StopTimer>(actions)) {
    if (s->handle.timer == timer) return true;
  }
  return false;
}

// The start line of the bytes sent, e.g. "SIP/2.0 100 Trying".
inline std::string start_line(const SendMessage& send) {
  return send.bytes->substr(0, send.bytes->find("\r\n"));
}

inline std::vector<std::string> sent_lines(const Actions& actions) {
  std::vector<std::string> lines;
  for (const SendMessage* s : all_of<SendMessage>(actions))
    lines.push_back(start_line(*s));
  return lines;
}

// ---- The driver ------------------------------------------------------------------

class Driver {
 public:
  explicit Driver(TimerConfig config = {}) : layer(config) {}

  TransactionLayer layer;
  Actions out;           // actions of the last call (or of every firing in advance())
  std::int64_t now = 0;  // manual clock, ms

  message::Result<void> receive_request(message::Message&& m, TransportInfo t = udp()) {
    out.clear();
    auto r = layer.on_request(std::move(m), t, out);
    absorb(0);
    return r;
  }
  message::Result<void> receive_response(message::Message&& m, TransportInfo t = udp()) {
    out.clear();
    auto r = layer.on_response(std::move(m), t, out);
    absorb(0);
    return r;
  }
  message::Result<TransactionId> send_request(message::Message&& m, TransportInfo t = udp()) {
    out.clear();
    auto r = layer.send_request(std::move(m), t, out);
    absorb(0);
    return r;
  }
  message::Result<TransactionId> send_response(message::Message&& m,
                                               std::optional<TransactionId> id) {
    out.clear();
    auto r = layer.send_response(std::move(m), id, out);
    absorb(0);
    return r;
  }
  bool transport_error(TransactionId id) {
    out.clear();
    bool r = layer.on_transport_error(id, out);
    absorb(0);
    return r;
  }
  bool terminate(TransactionId id) {
    out.clear();
    bool r = layer.terminate(id, out);
    absorb(0);
    return r;
  }

  // Moves the clock forward by `ms`, firing due timers in order. `out` holds
  // the actions of every firing.
  void advance(std::int64_t ms) {
    out.clear();
    const std::int64_t target = now + ms;
    for (;;) {
      auto next = std::min_element(pending_.begin(), pending_.end(),
                                   [](const auto& a, const auto& b) { return a.due < b.due; });
      if (next == pending_.end() || next->due > target) break;
      now = next->due;
      const TimerHandle handle = next->handle;
      pending_.erase(next);
      const std::size_t before = out.size();
      fired_.push_back(handle);
      layer.on_timer(handle, out);
      absorb(before);
    }
    now = target;
  }

  // Milliseconds until `timer` fires, if armed.
  std::optional<std::int64_t> due_in(TimerId timer) const {
    for (const auto& p : pending_) {
      if (p.handle.timer == timer) return p.due - now;
    }
    return std::nullopt;
  }
  std::size_t armed() const { return pending_.size(); }
  const std::vector<TimerHandle>& fired() const { return fired_; }

 private:
  struct Pending {
    TimerHandle handle;
    std::int64_t due;
  };
  void absorb(std::size_t from) {
    for (std::size_t i = from; i < out.size(); ++i) {
      if (const auto* s = std::get_if<StartTimer>(&out[i])) {
        pending_.push_back({s->handle, now + s->after.count()});
      } else if (const auto* s = std::get_if<StopTimer>(&out[i])) {
        std::erase_if(pending_, [&](const Pending& p) { return p.handle == s->handle; });
      } else if (const auto* t = std::get_if<Terminated>(&out[i])) {
        std::erase_if(pending_, [&](const Pending& p) { return p.handle.id == t->id; });
      }
    }
  }
  std::vector<Pending> pending_;
  std::vector<TimerHandle> fired_;
};

}  // namespace sippet::transaction::testing
