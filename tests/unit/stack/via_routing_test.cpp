// received / rport stamping and §18.2.2 response routing, on messages alone.
#include "../../../src/stack/via_routing.hpp"

#include <gtest/gtest.h>

#include "sippet/message/parser.hpp"
#include "test_peer.hpp"

namespace sippet::stack {
namespace {

message::Message parse(const std::string& text) {
  auto parsed = message::parse_message(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error().reason;
  return std::move(parsed).value();
}

const transport::Endpoint kSource = *transport::Endpoint::from_ip("192.0.2.7", 40000);

TEST(ViaRouting, SameHostNoRportLeavesViaAndUsesSentByPort) {
  auto request = parse(testing::make_request("OPTIONS", 5060, "192.0.2.7:5070", "z9hG4bK1", "c"));
  auto destination = stamp_received(request, kSource);
  ASSERT_TRUE(destination.ok());
  EXPECT_FALSE(request.top_via()->params.has("received"));
  EXPECT_EQ(destination->to_string(), "192.0.2.7:5070");
}

TEST(ViaRouting, DifferentHostGetsReceivedAndDefaultPort) {
  auto request = parse(testing::make_request("OPTIONS", 5060, "pc33.example.com", "z9hG4bK1", "c"));
  auto destination = stamp_received(request, kSource);
  ASSERT_TRUE(destination.ok());
  EXPECT_EQ(request.top_via()->params.get("received"),
            std::optional<std::string_view>("192.0.2.7"));
  EXPECT_EQ(destination->to_string(), "192.0.2.7:5060");  // §18.2.2: 5060 when absent
  EXPECT_EQ(response_destination(request)->to_string(), "192.0.2.7:5060");
}

TEST(ViaRouting, RportFilledAndReceivedAddedEvenWhenHostMatches) {
  // RFC 3581 §4: received is added even if identical to sent-by.
  auto request =
      parse(testing::make_request("OPTIONS", 5060, "192.0.2.7:5070", "z9hG4bK1", "c", 1, ";rport"));
  auto destination = stamp_received(request, kSource);
  ASSERT_TRUE(destination.ok());
  EXPECT_EQ(request.top_via()->params.get("received"),
            std::optional<std::string_view>("192.0.2.7"));
  EXPECT_EQ(request.top_via()->params.get("rport"), std::optional<std::string_view>("40000"));
  EXPECT_EQ(destination->to_string(), "192.0.2.7:40000");
  EXPECT_EQ(response_destination(request)->to_string(), "192.0.2.7:40000");
}

TEST(ViaRouting, IPv6SourceComparesWithBracketedSentBy) {
  const auto source = *transport::Endpoint::from_ip("::1", 40000);
  auto request = parse(testing::make_request("OPTIONS", 5060, "[::1]:5070", "z9hG4bK1", "c"));
  auto destination = stamp_received(request, source);
  ASSERT_TRUE(destination.ok());
  EXPECT_FALSE(request.top_via()->params.has("received"));
  EXPECT_EQ(destination->to_string(), "[::1]:5070");
}

}  // namespace
}  // namespace sippet::stack

namespace sippet::stack {
namespace {

// The rport test looks at param names only (after ';' and LWS), before
// Params splits them: these must all decide as Params would.
TEST(ViaRouting, RportFoundOnlyAsAParamName) {
  struct Case {
    std::string_view params;
    bool rport;
  };
  for (const Case& c : {Case{";RPort", true}, Case{" ; rport", true}, Case{";x=1;rport", true},
                        Case{";rportx", false}, Case{";xrport", false}, Case{";x=rport", false},
                        Case{";x=\"a;rport\"", false}}) {
    auto request = parse(
        testing::make_request("OPTIONS", 5060, "192.0.2.7:5070", "z9hG4bK1", "c", 1, c.params));
    auto destination = stamp_received(request, kSource);
    ASSERT_TRUE(destination.ok()) << c.params;
    EXPECT_EQ(destination->to_string(), c.rport ? "192.0.2.7:40000" : "192.0.2.7:5070") << c.params;
    EXPECT_EQ(request.top_via()->params.has("received"), c.rport) << c.params;
  }
}

}  // namespace
}  // namespace sippet::stack
