// Requests without Max-Forwards over loopback: a UAS does not reject them
// (RFC 3261 §8.2 has no such check; §8.1.1.6 is the UAC's duty), so an
// INVITE and the ACK for its 2xx reach the Core; a malformed value is still
// refused.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using message::HeaderId;
using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;
using testing::Received;
using testing::RecordingCore;

// `text` with its Max-Forwards line taken out.
std::string without_max_forwards(std::string text) {
  const auto at = text.find("Max-Forwards: 70\r\n");
  if (at != std::string::npos) text.erase(at, std::string_view("Max-Forwards: 70\r\n").size());
  return text;
}

class MaxForwardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Stack::create(loopback_config(), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
    port_ = stack_->local_endpoints().front().port();
  }
  std::string sent_by() const { return "127.0.0.1:" + std::to_string(peer_.port()); }
  // Sends `invite`, answers it 200 (To tag "uas-tag") when it reaches the
  // Core, and waits for the 200 at the peer.
  void invite_answered(const std::string& invite) {
    peer_.send_to(port_, invite);
    ASSERT_TRUE(core_.wait_requests(1)) << "the INVITE did not reach the Core";
    Received& got = core_.requests()[0];
    EXPECT_EQ(got.message.method(), message::Method::kInvite);
    ASSERT_TRUE(got.transaction.has_value());
    auto ok = message::build_response(got.message, 200, {}, "uas-tag");
    ASSERT_TRUE(ok.ok());
    (void)ok->put(HeaderId::kContact, "<sip:uas@127.0.0.1>");
    ASSERT_TRUE(stack_->send_response(std::move(*ok), got.transaction).ok());
    std::optional<message::Message> answer;
    do {  // a 100 Trying may come first
      answer = peer_.receive_message();
      ASSERT_TRUE(answer.has_value()) << "no 200 to the INVITE";
    } while (answer->status_code() < 200);
    EXPECT_EQ(answer->status_code(), 200);
  }

  // §13.2.2.4: the ACK for the 2xx, a transaction of its own (its own
  // branch), with the 200's To tag and without Max-Forwards.
  std::string ack_without_max_forwards(std::string_view call_id) {
    std::string ack =
        without_max_forwards(make_request("ACK", port_, sent_by(), "z9hG4bKnomfack", call_id));
    const std::string_view to = "To: <sip:uas@example.com>";
    ack.insert(ack.find(to) + to.size(), ";tag=uas-tag");
    return ack;
  }

  RecordingCore core_;
  std::unique_ptr<Stack> stack_;
  std::uint16_t port_ = 0;
  RawPeer peer_;
};

TEST_F(MaxForwardsTest, InviteWithoutMaxForwardsReachesTheCore) {
  const std::string invite =
      without_max_forwards(make_request("INVITE", port_, sent_by(), "z9hG4bKnomf1", "nomf-1"));
  ASSERT_EQ(invite.find("Max-Forwards"), std::string::npos);
  invite_answered(invite);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_FALSE(core_.requests()[0].message.max_forwards().has_value());
}

TEST_F(MaxForwardsTest, AckForA2xxWithoutMaxForwardsReachesTheCore) {
  invite_answered(make_request("INVITE", port_, sent_by(), "z9hG4bKnomf2", "nomf-2"));
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  peer_.send_to(port_, ack_without_max_forwards("nomf-2"));
  ASSERT_TRUE(core_.wait_requests(2)) << "the ACK did not reach the Core";
  Received& ack = core_.requests()[1];
  EXPECT_EQ(ack.message.method(), message::Method::kAck);
  EXPECT_FALSE(ack.message.max_forwards().has_value());
  EXPECT_FALSE(ack.transaction.has_value());  // the ACK for a 2xx has none
}

TEST_F(MaxForwardsTest, OptionsWithoutMaxForwardsIsAnsweredByTheCoreNotRefused) {
  peer_.send_to(port_, without_max_forwards(
                           make_request("OPTIONS", port_, sent_by(), "z9hG4bKnomf3", "nomf-3")));
  ASSERT_TRUE(core_.wait_requests(1));
  Received& got = core_.requests()[0];
  auto ok = message::build_response(got.message, 200);
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(stack_->send_response(std::move(*ok), got.transaction).ok());
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 200);
}

TEST_F(MaxForwardsTest, MalformedMaxForwardsIsStillAnswered400) {
  std::string text = make_request("OPTIONS", port_, sent_by(), "z9hG4bKnomf4", "nomf-4");
  text.replace(text.find("Max-Forwards: 70"), std::string_view("Max-Forwards: 70").size(),
               "Max-Forwards: seventy");
  peer_.send_to(port_, text);
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 400);
  EXPECT_EQ(core_.request_count(), 0u);
}

}  // namespace
}  // namespace sippet::stack
