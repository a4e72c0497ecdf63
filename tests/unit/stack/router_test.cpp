// The incoming path (Sippet's Router) over loopback: new requests create
// server transactions, retransmissions are absorbed, received/rport are
// stamped (RFC 3261 §18.2.1, RFC 3581 §4), responses follow §18.2.2, invalid
// requests are answered and invalid responses dropped.
#include <gtest/gtest.h>

#include "sippet/message/builder.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

using message::HeaderId;
using testing::loopback_config;
using testing::make_request;
using testing::RawPeer;
using testing::RecordingCore;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Stack::create(loopback_config(), core_);
    ASSERT_TRUE(created.ok()) << created.error().reason;
    stack_ = std::move(created).value();
    port_ = stack_->local_endpoints().front().port();
  }
  std::string sent_by() const { return "127.0.0.1:" + std::to_string(peer_.port()); }

  RecordingCore core_;
  std::unique_ptr<Stack> stack_;
  std::uint16_t port_ = 0;
  RawPeer peer_;
};

TEST_F(RouterTest, NewRequestReachesCoreWithServerTransactionAndIsAnswered) {
  peer_.send_to(port_, make_request("OPTIONS", port_, sent_by(), "z9hG4bKopt1", "call-1"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto& got = core_.requests()[0];
  ASSERT_TRUE(got.transaction.has_value());
  EXPECT_TRUE(got.transaction->is_server());
  EXPECT_EQ(got.message.method(), message::Method::kOptions);
  // Same sent-by as the source, no rport: no received param (§18.2.1).
  EXPECT_FALSE(got.message.top_via()->params.has("received"));

  auto response = message::build_response(got.message, 200);
  ASSERT_TRUE(response.ok());
  auto sent = stack_->send_response(std::move(*response), got.transaction);
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  EXPECT_EQ(*sent, *got.transaction);
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 200);
  EXPECT_EQ(answer->top_via()->branch, "z9hG4bKopt1");
}

TEST_F(RouterTest, RetransmittedRequestIsAbsorbedAndGetsTheLastResponse) {
  const auto text = make_request("OPTIONS", port_, sent_by(), "z9hG4bKretr", "call-2");
  peer_.send_to(port_, text);
  ASSERT_TRUE(core_.wait_requests(1));
  auto response = message::build_response(core_.requests()[0].message, 200);
  ASSERT_TRUE(stack_->send_response(std::move(*response)).ok());  // found from the response
  ASSERT_TRUE(peer_.receive_message().has_value());
  peer_.send_to(port_, text);  // §17.2.2: a retransmission gets the response again
  auto again = peer_.receive_message();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status_code(), 200);
  EXPECT_EQ(core_.request_count(), 1u);
}

TEST_F(RouterTest, AResponseSentByReferenceStaysTheCallersForTheNextOne) {
  peer_.send_to(port_, make_request("INVITE", port_, sent_by(), "z9hG4bKkeep", "call-keep"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto& got = core_.requests()[0];
  auto ringing = message::build_response(got.message, 180, {}, "keep-tag");
  ASSERT_TRUE(ringing.ok());
  const std::string before = ringing->to_string();
  // Found from the response (top Via + CSeq), sent, and left as it was.
  auto sent = stack_->send_response(*ringing);
  ASSERT_TRUE(sent.ok()) << sent.error().reason;
  EXPECT_EQ(*sent, *got.transaction);
  EXPECT_EQ(ringing->to_string(), before);
  auto first = peer_.receive_message();
  // (A slow run may see the automatic 100 Trying first, §17.2.1.)
  if (first.has_value() && first->status_code() == 100) first = peer_.receive_message();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status_code(), 180);
  // The same message becomes the final response, through the transaction.
  ringing->set_status(486, "Busy Here");
  ASSERT_TRUE(stack_->send_response(*ringing, got.transaction).ok());
  auto final_response = peer_.receive_message();
  ASSERT_TRUE(final_response.has_value());
  EXPECT_EQ(final_response->status_code(), 486);
  EXPECT_EQ(final_response->to()->tag(), "keep-tag");
  EXPECT_EQ(final_response->top_via()->branch, "z9hG4bKkeep");
  // A second final response is refused (§17.2.1), the message still the caller's.
  auto again = stack_->send_response(*ringing, got.transaction);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(ringing->status_code(), 486);
}

TEST_F(RouterTest, RportAskedGetsReceivedAndSourcePortAndResponseGoesThere) {
  // sent-by names a host and port the peer is not at; rport asked (RFC 3581).
  peer_.send_to(port_, make_request("OPTIONS", port_, "client.example.com:5999", "z9hG4bKrp",
                                    "call-3", 1, ";rport"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto& got = core_.requests()[0];
  const auto* via = got.message.top_via();
  EXPECT_EQ(via->params.get("received"), std::optional<std::string_view>("127.0.0.1"));
  EXPECT_EQ(via->params.get("rport"),
            std::optional<std::string_view>(std::to_string(peer_.port())));
  auto response = message::build_response(got.message, 200);
  ASSERT_TRUE(stack_->send_response(std::move(*response), got.transaction).ok());
  auto answer = peer_.receive_message();  // at the source port, not 5999
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->top_via()->params.get("rport"),
            std::optional<std::string_view>(std::to_string(peer_.port())));
}

TEST_F(RouterTest, ReceivedWithoutRportWhenSentByDiffersResponseToSentByPort) {
  RawPeer other;  // the sent-by port: where §18.2.2 sends without rport
  peer_.send_to(port_,
                make_request("OPTIONS", port_, "client.example.com:" + std::to_string(other.port()),
                             "z9hG4bKrecv", "call-4"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto& got = core_.requests()[0];
  EXPECT_EQ(got.message.top_via()->params.get("received"),
            std::optional<std::string_view>("127.0.0.1"));
  EXPECT_FALSE(got.message.top_via()->params.has("rport"));
  auto response = message::build_response(got.message, 200);
  ASSERT_TRUE(stack_->send_response(std::move(*response), got.transaction).ok());
  EXPECT_TRUE(other.receive_message().has_value());
  EXPECT_FALSE(peer_.receive(std::chrono::milliseconds(100)).has_value());
}

TEST_F(RouterTest, AckWithoutTransactionGoesToCoreWithNone) {
  peer_.send_to(port_, make_request("ACK", port_, sent_by(), "z9hG4bKack2xx", "call-5"));
  ASSERT_TRUE(core_.wait_requests(1));
  EXPECT_FALSE(core_.requests()[0].transaction.has_value());
  EXPECT_EQ(core_.requests()[0].message.method(), message::Method::kAck);
}

TEST_F(RouterTest, InvalidRequestIsAnsweredWithValidationStatusAndNextOneWorks) {
  std::string text = make_request("OPTIONS", port_, sent_by(), "z9hG4bKbad", "call-6");
  text.replace(text.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 INVITE");  // §8.2: must match
  peer_.send_to(port_, text);
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 400);
  EXPECT_NE(answer->status_line().reason.find("CSeq method"), std::string_view::npos);
  EXPECT_EQ(core_.request_count(), 0u);

  peer_.send_to(port_, make_request("OPTIONS", port_, sent_by(), "z9hG4bKgood", "call-7"));
  ASSERT_TRUE(core_.wait_requests(1));
  EXPECT_EQ(core_.requests()[0].message.call_id(), "call-7");
}

TEST_F(RouterTest, InvalidRequestIsAnsweredWithReceivedAndRportInItsVia) {
  // RFC 3581 §4 / §18.2.1: the error response carries the same stamped Via
  // as any other response, and goes to the source port rport asked for.
  std::string text = make_request("OPTIONS", port_, "c.example.com:5999", "z9hG4bKbadscheme",
                                  "call-416", 1, ";rport");
  text.replace(text.find("sip:uas@"), 8, "foo:uas@");  // §8.2.2.1: 416
  peer_.send_to(port_, text);
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 416);
  const message::Via* via = answer->top_via();
  ASSERT_NE(via, nullptr);
  EXPECT_EQ(via->params.get("received"), std::optional<std::string_view>("127.0.0.1"));
  EXPECT_EQ(via->params.get("rport"),
            std::optional<std::string_view>(std::to_string(peer_.port())));
  EXPECT_EQ(core_.request_count(), 0u);
}

TEST_F(RouterTest, UnparsableRequestWithRportIsAnsweredWithParserStatusAtItsSource) {
  // RFC 4475 §3.3.15 (badvers): SIP/7.0 is answered 505 (§8.2.6, §21.5.7),
  // at the source port because the Via asks for rport (RFC 3581 §4).
  std::string text =
      make_request("OPTIONS", port_, "c.example.com", "z9hG4bKv7", "call-v7", 1, ";rport");
  text.replace(text.find("SIP/2.0\r\n"), 7, "SIP/7.0");
  peer_.send_to(port_, text);
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 505);
  EXPECT_EQ(answer->call_id(), "call-v7");
  EXPECT_EQ(core_.request_count(), 0u);
}

TEST_F(RouterTest, UnparsableRequestWithoutRportIsAnsweredAtItsSentByPort) {
  // §18.2.2: without rport the response goes to the sent-by port, not to
  // the datagram's source port.
  RawPeer listener;
  std::string text = make_request("OPTIONS", port_, "127.0.0.1:" + std::to_string(listener.port()),
                                  "z9hG4bKv8", "call-v8");
  text.replace(text.find("SIP/2.0\r\n"), 7, "SIP/7.0");
  peer_.send_to(port_, text);
  auto answer = listener.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 505);
  EXPECT_EQ(answer->call_id(), "call-v8");
  EXPECT_FALSE(peer_.receive(std::chrono::milliseconds(100)).has_value());
}

TEST_F(RouterTest, GarbageAndInvalidResponseAreDroppedAndNextMessageWorks) {
  peer_.send_to(port_, "this is not SIP\r\n\r\n");
  peer_.send_to(port_,
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n"
                "Content-Length: 0\r\n\r\n");  // no From/To/Call-ID/CSeq
  peer_.send_to(port_, make_request("OPTIONS", port_, sent_by(), "z9hG4bKafter", "call-8"));
  ASSERT_TRUE(core_.wait_requests(1));
  EXPECT_EQ(core_.requests()[0].message.call_id(), "call-8");
  EXPECT_EQ(core_.response_count(), 0u);
  EXPECT_FALSE(peer_.receive(std::chrono::milliseconds(100)).has_value());  // nothing answered
}

TEST_F(RouterTest, StrayResponseGoesToCoreWithoutTransaction) {
  peer_.send_to(port_,
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(port_) +
                    ";branch=z9hG4bKstray\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
                    "Call-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(core_.wait_responses(1));
  EXPECT_FALSE(core_.responses()[0].transaction.has_value());
}

TEST_F(RouterTest, ResponseWithoutTransactionIsRefusedAndCanGoStatelessly) {
  peer_.send_to(port_, make_request("ACK", port_, sent_by(), "z9hG4bKnone", "call-9"));
  ASSERT_TRUE(core_.wait_requests(1));
  auto response = message::build_response(core_.requests()[0].message, 200);
  ASSERT_TRUE(response.ok());
  auto sent = stack_->send_response(std::move(*response));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().kind, message::ErrorKind::kNoTransaction);
  // The message was left as it was: a proxy forwards it statelessly (§18.2.2).
  ASSERT_TRUE(response->is_response());
  ASSERT_TRUE(stack_->send_stateless(*response).ok());
  auto answer = peer_.receive_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status_code(), 200);
}

}  // namespace
}  // namespace sippet::stack
