#pragma once
// The user agent server of `sippet serve --mode uas`, built only on the
// public stack API (a stack::Core):
// - INVITE: 180 Ringing, then 200 OK with a Contact and the same To tag
//   (after `ring` when set); with `answer` != 200 the final response is that
//   code instead (e.g. 486, to test Timer G/H retransmissions);
// - a 2xx to INVITE is retransmitted until its ACK comes (RFC 3261
//   §13.3.1.4: T1, doubling up to T2, for at most 64*T1): the server
//   transaction absorbs the INVITE's retransmissions once it sent a 2xx
//   (RFC 6026 §7.1), so a lost 2xx is sent again only by this core;
// - ACK: taken (for a 2xx: its retransmissions stop); CANCEL: 200, then
//   487 for the INVITE if still unanswered (RFC 3261 §9.2);
// - BYE, OPTIONS, REGISTER, INFO, MESSAGE and other methods: 200 OK.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sippet/stack/clock.hpp"
#include "sippet/stack/core.hpp"
#include "sippet/stack/stack.hpp"

namespace sippet::app {

struct UasOptions {
  int answer = 200;                   // final status for every INVITE
  std::chrono::milliseconds ring{0};  // delay between 180 and the final response
  // RFC 3261 T1 and T2 (the stack's StackConfig::timers): the 2xx
  // retransmission intervals (§13.3.1.4).
  std::chrono::milliseconds t1{500};
  std::chrono::milliseconds t2{4000};
};

class UasCore final : public stack::Core {
 public:
  // `protocols`: each listener's, in the stack's order (the Contact of a
  // 2xx names the listener of the request's transport).
  UasCore(UasOptions options, std::vector<transport::Protocol> protocols)
      : options_(options), protocols_(std::move(protocols)) {}

  // Stack::create hands the stack over here, before any request arrives.
  void attached(stack::Stack& stack) override;

  void receive_request(message::Message request, std::optional<stack::Transaction> transaction,
                       const transport::Flow& flow) override;
  void receive_response(message::Message response, std::optional<stack::Transaction> transaction,
                        const transport::Flow& flow) override;
  void receive_error(const stack::TransactionError& error, stack::Transaction transaction) override;

 private:
  struct Pending {
    message::Message invite;
    stack::Transaction transaction;
    std::string tag;
  };
  // A 2xx to INVITE waiting for its ACK (§13.3.1.4), by Call-ID: its
  // INVITE and To tag, from which a retransmission is built again (a
  // retransmission is rare; a copy of every 2xx would cost each call).
  // A To tag kept without an allocation when it is as short as ours (the
  // 16 characters build_response draws); a longer one on the heap.
  class Tag {
   public:
    Tag() = default;
    explicit Tag(std::string_view tag) {
      if (tag.size() <= text_.size()) {
        std::copy(tag.begin(), tag.end(), text_.begin());
        size_ = static_cast<std::uint8_t>(tag.size());
      } else {
        long_ = std::string(tag);
      }
    }
    std::string_view view() const {
      return long_.empty() ? std::string_view(text_.data(), size_) : std::string_view(long_);
    }

   private:
    std::array<char, 32> text_;
    std::uint8_t size_ = 0;
    std::string long_;
  };

  // Its entry's key views the Call-ID inside `invite` (a message's text
  // stays where it is when the message moves): no copy of the Call-ID.
  struct Unacked {
    // Built in its map entry (the INVITE moved once).
    Unacked(message::Message&& invite_, std::string_view tag_, int code_,
            stack::Transaction transaction_, std::uint32_t cseq_,
            std::chrono::milliseconds interval_, stack::TimePoint due_)
        : invite(std::move(invite_)),
          tag(tag_),
          code(code_),
          transaction(transaction_),
          cseq(cseq_),
          interval(interval_),
          due(due_) {}

    message::Message invite;
    Tag tag;
    int code = 200;
    stack::Transaction transaction;
    std::uint32_t cseq = 0;
    std::chrono::milliseconds interval{0};  // until the next retransmission
    std::chrono::milliseconds elapsed{0};   // since the first send
    stack::TimePoint due;                   // of the next retransmission
  };

  void answer_invite(message::Message&& invite, stack::Transaction transaction);
  void answer_cancel(message::Message cancel, stack::Transaction transaction);
  // The response to `request`; a 101-299 one to INVITE carries the
  // dialog's Contact.
  std::optional<message::Message> respond(const message::Message& request, int code,
                                          std::string_view tag);
  // Adds the dialog's Contact to a 101-299 `response` to the INVITE
  // `request`.
  void add_contact(message::Message& response, const message::Message& request, int code);
  void reply(const message::Message& request, int code, stack::Transaction transaction,
             std::string_view tag = {});
  // The final response to an INVITE; a 2xx is then resent until its ACK.
  void answer(message::Message&& invite, int code, stack::Transaction transaction,
              std::string_view tag);
  // False (logged) when the stack refuses the response.
  bool send(message::Message&& response, stack::Transaction transaction);
  // The same, `response` left as it is (to become the next response).
  bool send_keeping(const message::Message& response, stack::Transaction transaction);
  // Logs a response the stack refused; false.
  bool refused(int code, const message::Error& error);
  // Keeps the INVITE of a 2xx just sent and schedules its first
  // retransmission.
  void await_ack(message::Message&& invite, std::string_view tag, int code,
                 stack::Transaction transaction);
  // Resends the 2xx due at `at` (stack time), then schedules the next sweep.
  void sweep(stack::TimePoint at);
  // Under unacked_mutex_: a sweep at `due` unless one comes earlier.
  void sweep_by_locked(stack::TimePoint due, std::string_view call_id);
  void receive_ack(const message::Message& ack);

  // The unacked map's nodes, kept once their 2xx is acknowledged for the
  // next calls' entries (one node per call, taken and given back under
  // unacked_mutex_, on the same threads): no malloc and free per call.
  // Bounded; anything else the map allocates (its buckets) is not kept.
  class NodeCache {
   public:
    NodeCache() = default;
    NodeCache(const NodeCache&) = delete;
    NodeCache& operator=(const NodeCache&) = delete;
    ~NodeCache() {
      for (void* node : free_)
        ::operator delete(node);
    }
    void* take(std::size_t size) {
      if (free_.empty()) return ::operator new(size);
      void* node = free_.back();
      free_.pop_back();
      return node;
    }
    void give(void* node) {
      if (free_.size() >= kLimit) return ::operator delete(node);
      if (free_.capacity() == 0) free_.reserve(kLimit);
      free_.push_back(node);
    }

   private:
    static constexpr std::size_t kLimit = 1024;
    std::vector<void*> free_;  // nodes, all of one size
  };
  template <class T>
  struct NodeAllocator {
    using value_type = T;
    explicit NodeAllocator(NodeCache* c) noexcept : cache(c) {}
    template <class U>
    NodeAllocator(const NodeAllocator<U>& other) noexcept : cache(other.cache) {}
    // A node holds an entry (a bucket array of one is a pointer).
    static constexpr bool kNode = sizeof(T) > sizeof(Unacked);
    T* allocate(std::size_t n) {
      if (kNode && n == 1) return static_cast<T*>(cache->take(sizeof(T)));
      return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
      if (kNode && n == 1) return cache->give(p);
      std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const NodeAllocator<U>& other) const noexcept {
      return cache == other.cache;
    }
    NodeCache* cache;
  };

  // Call-IDs looked up by string_view, without a std::string each time.
  struct CallIdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view call_id) const {
      return std::hash<std::string_view>{}(call_id);
    }
  };

  UasOptions options_;
  std::vector<transport::Protocol> protocols_;  // by listener
  std::atomic<stack::Stack*> stack_{nullptr};   // not owned
  // By protocol: holds the Contact field, parsed.
  std::array<message::Message, std::size(transport::kAllProtocols)> contact_templates_;
  std::mutex mutex_;                                  // guards pending_ (only with --ring)
  std::unordered_map<std::string, Pending> pending_;  // by Call-ID
  // The 2xx waiting for their ACK, resent by one sweep at the earliest due
  // time (not a timer each: most are acknowledged within milliseconds).
  std::mutex unacked_mutex_;  // guards unacked_, node_cache_, sweep_at_
  NodeCache node_cache_;      // before unacked_: outlives its nodes
  std::unordered_map<std::string_view, Unacked, CallIdHash, std::equal_to<std::string_view>,
                     NodeAllocator<std::pair<const std::string_view, Unacked>>>
      unacked_{
          16, CallIdHash{}, std::equal_to<std::string_view>{},
          NodeAllocator<std::pair<const std::string_view, Unacked>>(&node_cache_)};  // by Call-ID
  std::optional<stack::TimePoint> sweep_at_;  // the earliest sweep scheduled
};

}  // namespace sippet::app
