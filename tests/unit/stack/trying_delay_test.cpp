// TimerConfig::trying_delay over loopback: with a delay of 0 the server
// INVITE transaction sends its 100 Trying at once (RFC 3261 §17.2.1), with
// the clock standing still and the Core not answering.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using std::chrono::milliseconds;
using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;
using testing::RecordingCore;

TEST(TryingDelay, ZeroSendsTheTryingAtOnce) {
  RecordingCore core;
  RawPeer peer;
  auto clock = std::make_shared<ManualClock>();  // never advanced
  auto config = loopback_config();
  config.manual_clock = clock;
  config.timers.trying_delay = milliseconds(0);
  auto created = Stack::create(std::move(config), core);
  ASSERT_TRUE(created.ok()) << created.error().reason;
  auto stack = std::move(created).value();
  const std::uint16_t port = stack->local_endpoints().front().port();

  peer.send_to(port, make_request("INVITE", port, "127.0.0.1:" + std::to_string(peer.port()),
                                  "z9hG4bKtry0", "try-0"));
  auto trying = peer.receive_message();
  ASSERT_TRUE(trying.has_value());
  EXPECT_EQ(trying->status_code(), 100);
  EXPECT_EQ(trying->to()->tag(), "");
  ASSERT_TRUE(core.wait_requests(1));
  EXPECT_TRUE(core.requests()[0].transaction.has_value());
}

}  // namespace
}  // namespace sippet::stack
