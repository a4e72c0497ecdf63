// Name resolution: a host name target from inside a Core callback (the
// worker never waits for the answer), and the default Resolver,
// system_resolver(): its cache (positive and negative, RFC 2308), the bound
// on names waiting, stop(), and its fixed set of threads.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "memory_peer.hpp"

namespace sippet::stack {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::FakeResolver;
using testing::kWait;
using testing::next_message;
using testing::outgoing;
using testing::request_text;
using transport::Flow;
using transport::MemoryPeer;
using transport::Protocol;

using Addresses = Resolver::Addresses;

class ResolverTest : public testing::MemoryStackTest {};

TEST_F(ResolverTest, HostNameTargetsFromACoreCallbackAreSentOnceResolved) {
  auto resolver = std::make_shared<FakeResolver>();
  resolver->set("example.test", {at("10.0.0.2:0")});
  resolver->hold();  // the answer comes when the test says, after the callback
  std::optional<message::Result<Transaction>> request_sent;
  std::optional<message::Result<void>> stateless_sent;
  core_.on_request = [&](const message::Message& request, std::optional<Transaction>, const Flow&) {
    if (request.call_id() != "i-1") return;
    request_sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@example.test", "i-2"));
    SendOptions options;
    options.add_via = true;
    stateless_sent =
        stack_->send_stateless(outgoing("MESSAGE", "sip:carol@example.test", "i-3"), options);
  };
  start({"udp:10.0.0.1:5060"}, 2, resolver);
  auto trigger = peer(Protocol::kUdp, "10.0.0.5:5060");
  auto server = peer(Protocol::kUdp, "10.0.0.2:5060");
  ASSERT_FALSE(trigger->send(at("10.0.0.1:5060"),
                             request_text("MESSAGE", "sip:bob@10.0.0.1",
                                          "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKi1", "i-1")));
  ASSERT_TRUE(core_.wait_requests(1));  // the callback returned, nothing resolved yet
  ASSERT_TRUE(request_sent && stateless_sent);
  ASSERT_TRUE(request_sent->ok()) << request_sent->error().reason;
  ASSERT_TRUE(stateless_sent->ok()) << stateless_sent->error().reason;
  ASSERT_TRUE(resolver->wait_held(2));
  EXPECT_FALSE(server->receive(0ms));

  EXPECT_EQ(resolver->release(), 2u);
  std::set<std::string> call_ids;
  std::optional<testing::PeerMessage> options;
  for (int i = 0; i < 2; ++i) {
    auto got = next_message(*server);
    ASSERT_TRUE(got);
    call_ids.insert(std::string(got->message.call_id()));
    if (got->message.call_id() == "i-2") options = std::move(got);
  }
  EXPECT_EQ(call_ids, (std::set<std::string>{"i-2", "i-3"}));
  ASSERT_TRUE(options);
  ASSERT_FALSE(
      server->send(options->flow, message::build_response(options->message, 200)->to_string()));
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_EQ(core_.response(0).transaction, request_sent->value());
}

TEST_F(ResolverTest, NameThatDoesNotResolveFailsTheTransactionAsTransportError) {
  auto resolver = std::make_shared<FakeResolver>();  // knows no name
  start({"udp:10.0.0.1:5060"}, 1, resolver);
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@nowhere.test", "i-4"));
  ASSERT_TRUE(sent.ok());
  ASSERT_TRUE(core_.wait_errors(1));
  EXPECT_EQ(core_.error(0).transaction, *sent);
  EXPECT_EQ(core_.error(0).error.transport_error, std::errc::host_unreachable);
}

TEST_F(ResolverTest, NameWithOnlyAnAddressOfTheSecondListenersFamilyIsReached) {
  // Listeners for both families; the name has only an IPv6 address. (Its
  // Via still names the IPv4 listener: it is added before the lookup.)
  auto resolver = std::make_shared<FakeResolver>();
  resolver->set("v6.test", {at("[2001:db8::2]:0")});
  start({"udp:10.0.0.1:5060", "udp:[2001:db8::1]:5060"}, 1, resolver);
  auto server = peer(Protocol::kUdp, "[2001:db8::2]:5060");
  auto sent = stack_->send_request(outgoing("OPTIONS", "sip:bob@v6.test", "i-6"));
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  auto got = next_message(*server);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->flow.remote, at("[2001:db8::1]:5060"));  // from the IPv6 listener
  settle();
  EXPECT_EQ(core_.error_count(), 0u);
}

// ---- system_resolver() -----------------------------------------------------------

// Runs resolve() and waits (bounded) for its callback.
std::optional<Addresses> resolve_now(Resolver& resolver, std::string_view host,
                                     std::chrono::milliseconds timeout = kWait) {
  auto answer = std::make_shared<std::promise<Addresses>>();
  auto future = answer->get_future();
  resolver.resolve(host, [answer](const Addresses& addresses) { answer->set_value(addresses); });
  if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return future.get();
}

std::size_t thread_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task"))
    ++count;
  return count;
}

TEST(SystemResolver, AnswersLocalhostThenFromItsCache) {
  auto resolver = system_resolver();
  EXPECT_FALSE(resolver->cached("localhost").has_value());
  auto answer = resolve_now(*resolver, "localhost");
  ASSERT_TRUE(answer.has_value());
  ASSERT_TRUE(answer->ok()) << answer->error().reason;
  EXPECT_NE(std::find(answer->value().begin(), answer->value().end(),
                      transport::Endpoint::loopback_v4(0)),
            answer->value().end());
  auto cached = resolver->cached("localhost");
  ASSERT_TRUE(cached.has_value());
  ASSERT_TRUE(cached->ok());
  EXPECT_EQ(cached->value(), answer->value());
  // From the cache, the callback runs inside resolve().
  bool answered = false;
  resolver->resolve("localhost", [&](const Addresses& addresses) {
    answered = true;
    EXPECT_TRUE(addresses.ok());
  });
  EXPECT_TRUE(answered);
  resolver->stop();
}

TEST(SystemResolver, NameThatDoesNotExistIsCachedNegatively) {
  // RFC 6761 §6.4: .invalid never resolves. Bounded: a resolver that
  // cannot reach its DNS server gives up after its own timeouts.
  auto resolver = system_resolver();
  EXPECT_FALSE(resolver->cached("nonexistent.invalid").has_value());
  auto answer = resolve_now(*resolver, "nonexistent.invalid", 60s);
  ASSERT_TRUE(answer.has_value()) << "getaddrinfo did not return within 60 s";
  ASSERT_FALSE(answer->ok());
  EXPECT_EQ(answer->error().kind, message::ErrorKind::kResolveFailed);
  auto cached = resolver->cached("nonexistent.invalid");
  ASSERT_TRUE(cached.has_value());
  ASSERT_FALSE(cached->ok());
  EXPECT_EQ(cached->error().kind, message::ErrorKind::kResolveFailed);
  resolver->stop();
}

TEST(SystemResolver, BoundsTheNamesWaitingAndStopFailsThemAndJoins) {
  SystemResolverOptions options;
  options.threads = 1;
  options.max_waiting = 2;
  // (The state the callbacks use outlives the resolver.)
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> blocker_done{false};
  std::mutex mutex;
  std::map<std::string, std::vector<Addresses>> got;
  auto resolver = system_resolver(options);
  // Its only thread is kept busy in a callback until released.
  resolver->resolve("127.0.0.1", [&, released](const Addresses&) {
    entered.set_value();
    released.wait_for(kWait);
    blocker_done = true;
  });
  ASSERT_EQ(entered.get_future().wait_for(kWait), std::future_status::ready);

  auto record = [&](std::string name) {
    return [&, name](const Addresses& addresses) {
      std::lock_guard lock(mutex);
      got[name].push_back(addresses);
    };
  };
  resolver->resolve("127.0.0.2", record("2"));
  resolver->resolve("127.0.0.3", record("3"));
  resolver->resolve("127.0.0.2", record("2"));  // joins the lookup waiting
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(got.empty());
  }
  resolver->resolve("127.0.0.4", record("4"));  // a third name: refused at once
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(got["4"].size(), 1u);
    ASSERT_FALSE(got["4"][0].ok());
    EXPECT_EQ(got["4"][0].error().kind, message::ErrorKind::kResolveFailed);
    EXPECT_NE(got["4"][0].error().reason.find("too many lookups waiting"), std::string::npos);
  }

  // stop() waits for the busy thread; once it has begun, resolve() fails
  // at once.
  auto stopping = std::async(std::launch::async, [&] { resolver->stop(); });
  bool stopped = false;
  for (auto deadline = std::chrono::steady_clock::now() + kWait;
       !stopped && std::chrono::steady_clock::now() < deadline; std::this_thread::yield()) {
    std::optional<Addresses> now;  // full queue, then stopped: answered inside the call
    resolver->resolve("127.0.0.5", [&](const Addresses& addresses) { now = addresses; });
    ASSERT_TRUE(now.has_value());
    ASSERT_FALSE(now->ok());
    EXPECT_EQ(now->error().kind, message::ErrorKind::kResolveFailed);
    stopped = now->error().reason.find("stopped") != std::string::npos;
  }
  ASSERT_TRUE(stopped);
  EXPECT_NE(stopping.wait_for(0ms), std::future_status::ready);  // joining the busy thread
  release.set_value();
  ASSERT_EQ(stopping.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(blocker_done);
  std::lock_guard lock(mutex);
  ASSERT_EQ(got["2"].size(), 2u);
  ASSERT_EQ(got["3"].size(), 1u);
  for (const auto* name : {"2", "3"}) {
    for (const auto& addresses : got[name]) {
      ASSERT_FALSE(addresses.ok());
      EXPECT_EQ(addresses.error().kind, message::ErrorKind::kResolveFailed);
      EXPECT_NE(addresses.error().reason.find("stopped"), std::string::npos);
    }
  }
}

TEST(SystemResolver, LookupsRunOnAtMostItsThreadsNotOnePerName) {
  const std::size_t before = thread_count();
  SystemResolverOptions options;
  options.threads = 2;
  constexpr int kNames = 50;
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::thread::id> threads;
  int answered = 0, failed = 0;
  std::size_t peak = 0;
  auto resolver = system_resolver(options);  // (after what its callbacks use)
  for (int i = 1; i <= kNames; ++i) {
    resolver->resolve("127.0.0." + std::to_string(i), [&](const Addresses& addresses) {
      std::lock_guard lock(mutex);
      threads.insert(std::this_thread::get_id());
      peak = std::max(peak, thread_count());
      if (!addresses.ok()) ++failed;
      ++answered;
      changed.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, kWait, [&] { return answered == kNames; }));
    EXPECT_EQ(failed, 0);
    EXPECT_LE(threads.size(), 2u);
    EXPECT_FALSE(threads.contains(std::this_thread::get_id()));
    EXPECT_LE(peak, before + 2);
  }
  EXPECT_LE(thread_count(), before + 2);
  resolver->stop();
  EXPECT_LE(thread_count(), before);  // joined
}

}  // namespace
}  // namespace sippet::stack
