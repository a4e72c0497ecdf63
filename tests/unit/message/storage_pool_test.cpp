// The per-thread pools behind Message (src/message/storage_pool.hpp): a warm
// thread parses without touching the heap, messages may die on other threads
// or after their thread's pool, and large messages bypass the pools.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sippet/message/builder.hpp"
#include "sippet/message/parser.hpp"

// Counts every global allocation of this test binary.
namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace sippet::message {
namespace {

const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(StoragePool, WarmThreadParsesWithoutHeapAllocations) {
  {
    auto warm = parse_message(kInvite);
    ASSERT_TRUE(warm.ok());
  }
  const std::size_t before = allocations.load();
  for (int i = 0; i < 100; ++i) {
    auto r = parse_message(kInvite);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->count(HeaderId::kAllow), 5u);
  }
  EXPECT_EQ(allocations.load() - before, 0u);
}

TEST(StoragePool, WarmThreadBuildsAndSerializesResponsesWithoutHeapAllocations) {
  auto invite = parse_message(kInvite);
  ASSERT_TRUE(invite.ok());
  std::string wire;
  wire.reserve(4096);
  {
    auto warm = build_response(*invite, 180);
    ASSERT_TRUE(warm.ok());
  }
  const std::size_t before = allocations.load();
  for (int code : {180, 200, 486}) {
    auto r = build_response(*invite, code, {}, "4711");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->to()->tag(), "4711");
    wire.clear();
    r->append_to(wire);
    ASSERT_NE(wire.find("Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"), std::string::npos);
  }
  EXPECT_EQ(allocations.load() - before, 0u);
}

TEST(StoragePool, WarmThreadCopiesRecordRouteWithoutHeapAllocations) {
  std::string text = kInvite;
  text.insert(text.find("Content-Length"),
              "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
              "Record-Route: <sip:p3.example.com;lr;ftag=1928301774>\r\n");
  auto invite = parse_message(text);
  ASSERT_TRUE(invite.ok());
  std::string wire;
  wire.reserve(4096);
  {
    auto warm = build_response(*invite, 200);
    ASSERT_TRUE(warm.ok());
  }
  const std::size_t before = allocations.load();
  for (int code : {180, 200}) {
    auto r = build_response(*invite, code, {}, "4711");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->count(HeaderId::kRecordRoute), 3u);
    wire.clear();
    r->append_to(wire);
    ASSERT_NE(wire.find("Record-Route: <sip:p3.example.com;lr;ftag=1928301774>\r\n"),
              std::string::npos);
  }
  EXPECT_EQ(allocations.load() - before, 0u);
}

TEST(StoragePool, ManyLiveMessagesThenReleasedKeepTheirContent) {
  std::vector<Message> live;
  for (int i = 0; i < 100; ++i) {  // more than a pool holds
    auto r = parse_message(kInvite);
    ASSERT_TRUE(r.ok());
    live.push_back(std::move(r).value());
  }
  for (const Message& m : live) {
    EXPECT_EQ(m.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
    EXPECT_EQ(m.bytes(), kInvite);
  }
  live.clear();
  auto again = parse_message(kInvite);  // from recycled storage
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes(), kInvite);
  EXPECT_EQ(again->count(HeaderId::kAllow), 5u);
  EXPECT_EQ(again->from()->tag(), "1928301774");
}

TEST(StoragePool, RecycleEmptiesTheMessageAndReusesItsStorage) {
  {
    auto warm = parse_message(kInvite);
    ASSERT_TRUE(warm.ok());
  }
  const std::size_t before = allocations.load();
  for (int i = 0; i < 50; ++i) {
    auto r = parse_message(kInvite);
    ASSERT_TRUE(r.ok());
    Message m = std::move(r).value();
    recycle(std::move(m));
    EXPECT_TRUE(m.fields().empty());
    EXPECT_TRUE(m.bytes().empty());
    EXPECT_TRUE(m.body().empty());
    EXPECT_EQ(m.get(HeaderId::kCallId), nullptr);
  }
  EXPECT_EQ(allocations.load() - before, 0u);
}

TEST(StoragePool, RecycledRequestLeavesItsResponseIntact) {
  auto invite = parse_message(kInvite);
  ASSERT_TRUE(invite.ok());
  auto response = build_response(*invite, 200, {}, "4711");
  ASSERT_TRUE(response.ok());
  recycle(std::move(invite).value());   // the response still owns the shared bytes
  auto other = parse_message(kInvite);  // may take the request's recycled storage
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(response->call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(response->from()->tag(), "1928301774");
  EXPECT_EQ(response->to()->tag(), "4711");
  EXPECT_EQ(response->top_via()->branch, "z9hG4bK776asdhds");
}

TEST(StoragePool, RecycleOfALongFieldListFreesIt) {
  // More values than a pooled list holds: the list is freed, not pooled.
  std::string text = kInvite;
  std::string many;
  for (int i = 0; i < 200; ++i)
    many += "Subject: s" + std::to_string(i) + "\r\n";
  text.insert(text.find("Content-Length"), many);
  auto r = parse_message(text);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->count(HeaderId::kSubject), 200u);
  Message m = std::move(r).value();
  recycle(std::move(m));
  EXPECT_TRUE(m.fields().empty());
  recycle(std::move(m));  // an empty message: nothing to give back
  EXPECT_TRUE(m.fields().empty());
}

TEST(StoragePool, LargeMessagesBypassThePool) {
  std::string big = kInvite;
  big.insert(big.find("Content-Length"), "Subject: " + std::string(4000, 'x') + "\r\n");
  for (int i = 0; i < 3; ++i) {
    auto r = parse_message(big);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->bytes().size(), big.size());
    EXPECT_EQ(r->get(HeaderId::kSubject)->value.size(), 4000u);
  }
}

TEST(StoragePool, MessageDestroyedOnAnotherThread) {
  std::optional<Message> handed;
  std::thread producer([&] {
    auto r = parse_message(kInvite);
    ASSERT_TRUE(r.ok());
    handed.emplace(std::move(r).value());
  });
  producer.join();  // the producer's pool is gone now
  ASSERT_TRUE(handed.has_value());
  EXPECT_EQ(handed->cseq()->seq, 314159u);
  handed.reset();  // goes to this thread's pool
  auto r = parse_message(kInvite);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes(), kInvite);
}

TEST(StoragePool, ResponseSharingTheRequestsBytesEndsOnAnotherThread) {
  // A response built from a request may share its received bytes: whichever
  // of the two ends last, on whichever thread, gives the buffer back.
  for (bool request_first : {true, false}) {
    SCOPED_TRACE(request_first);
    std::optional<Message> request;
    std::optional<Message> response;
    {
      auto r = parse_message(kInvite);
      ASSERT_TRUE(r.ok());
      request.emplace(std::move(r).value());
      auto built = build_response(*request, 200, {}, "4711");
      ASSERT_TRUE(built.ok());
      response.emplace(std::move(built).value());
    }
    if (request_first) request.reset();
    std::thread other([&] {
      EXPECT_EQ(response->call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
      response.reset();
      for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(parse_message(kInvite).ok());
    });
    other.join();
    if (!request_first) {
      EXPECT_EQ(request->bytes(), kInvite);
      EXPECT_EQ(request->from()->tag(), "1928301774");
      request.reset();
    }
    auto again = parse_message(kInvite);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->bytes(), kInvite);
  }
}

TEST(StoragePool, MessageOutlivingItsThreadsPool) {
  std::atomic<bool> checked{false};
  std::thread t([&] {
    // Constructed before the pool: destroyed after it at thread exit, when
    // its storage can no longer be pooled and must simply be freed.
    thread_local std::optional<Message> late;
    late.emplace();
    auto r = parse_message(kInvite);
    ASSERT_TRUE(r.ok());
    late = std::move(r).value();
    checked = late->count(HeaderId::kVia) == 1;
  });
  t.join();
  EXPECT_TRUE(checked.load());
}

}  // namespace
}  // namespace sippet::message
