// Sippet.Proxy's helpers (helpers.hpp) on messages: Via branches and loop
// detection, Record-Route, Route processing (§16.4), validation (§16.3).
#include "sippet/proxy/helpers.hpp"

#include <gtest/gtest.h>

#include "sippet/message/parser.hpp"

namespace sippet::proxy {
namespace {

using message::HeaderId;

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKcaller1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=1928301774\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";

message::Message parse(std::string_view text) {
  auto parsed = message::parse_message(text);
  EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.error().reason);
  return std::move(parsed).value();
}

// The INVITE with `from` replaced by `to` (first occurrence).
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  auto at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

Identity us() {
  Identity identity;
  identity.addresses.push_back(transport::Endpoint::parse("10.0.0.1:5060").value());
  identity.domains.push_back("proxy.example.com");
  return identity;
}

TEST(IdentityTest, OwnsOurAddressesAtTheirPortAndOurDomains) {
  const Identity me = us();
  EXPECT_TRUE(me.owns(message::parse_uri("sip:10.0.0.1:5060;lr").value()));
  EXPECT_TRUE(me.owns(message::parse_uri("sip:10.0.0.1").value()));  // default port
  EXPECT_FALSE(me.owns(message::parse_uri("sip:10.0.0.1:5070").value()));
  EXPECT_FALSE(me.owns(message::parse_uri("sip:10.0.0.2:5060").value()));
  EXPECT_TRUE(me.owns(message::parse_uri("sip:bob@PROXY.example.com").value()));
  EXPECT_FALSE(me.owns(message::parse_uri("tel:+1234").value()));
  auto via = parse(replaced(kInvite, "10.0.0.2:5060", "10.0.0.1"));
  EXPECT_TRUE(me.owns(*via.top_via()));
}

TEST(BranchTest, StatefulBranchesAreRandomWithTheLoopPart) {
  auto request = parse(kInvite);
  auto a = make_branch(request, false);
  auto b = make_branch(request, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(a->starts_with("z9hG4bK" + loop_hash(request) + "."));
  EXPECT_EQ(loop_hash(request).size(), 16u);
}

TEST(BranchTest, StatelessBranchIsTheSameForRetransmissionCancelAndAck) {
  auto invite = parse(kInvite);
  auto again = parse(kInvite);
  auto cancel = parse(
      replaced(replaced(kInvite, "INVITE sip", "CANCEL sip"), "314159 INVITE", "314159 CANCEL"));
  auto ack = parse(
      replaced(replaced(replaced(kInvite, "INVITE sip", "ACK sip"), "314159 INVITE", "314159 ACK"),
               "<sip:bob@example.com>\r\n", "<sip:bob@example.com>;tag=xyz\r\n"));
  auto branch = make_branch(invite, true);
  ASSERT_TRUE(branch.ok());
  EXPECT_EQ(*branch, *make_branch(again, true));
  EXPECT_EQ(*branch, *make_branch(cancel, true));
  EXPECT_EQ(*branch, *make_branch(ack, true));
  auto other = parse(replaced(kInvite, "z9hG4bKcaller1", "z9hG4bKcaller2"));
  EXPECT_NE(*branch, *make_branch(other, true));
}

TEST(ViaTest, AddViaPutsOursOnTop) {
  auto request = parse(kInvite);
  stack::Hop hop{transport::Protocol::kUdp,
                 "10.0.0.1:5060",
                 transport::Endpoint::parse("10.0.0.1:5060").value(),
                 std::nullopt,
                 {}};
  ASSERT_TRUE(add_via(request, hop, "z9hG4bKours").ok());
  auto vias = request.get_all(HeaderId::kVia);
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(request.top_via()->host, "10.0.0.1");
  EXPECT_EQ(request.top_via()->branch, "z9hG4bKours");
  EXPECT_TRUE(request.top_via()->params.has("rport"));
}

TEST(RecordRouteTest, OneWhenTheInterfaceIsTheSameTwoWhenItChanges) {
  const auto local = transport::Endpoint::parse("10.0.0.1:5060").value();
  stack::Hop hop{transport::Protocol::kUdp, "10.0.0.1:5060", local, std::nullopt, {}};
  transport::Flow same{transport::Protocol::kUdp, local,
                       transport::Endpoint::parse("10.0.0.2:5060").value(), 0};
  auto one = parse(kInvite);
  ASSERT_TRUE(add_record_route(one, hop, same).ok());
  auto rr = one.get_all(HeaderId::kRecordRoute);
  ASSERT_EQ(rr.size(), 1u);
  EXPECT_EQ(rr[0]->value, "<sip:10.0.0.1:5060;lr>");

  transport::Flow tcp = same;
  tcp.protocol = transport::Protocol::kTcp;
  tcp.local = transport::Endpoint::parse("192.0.2.1:5060").value();
  auto two = parse(kInvite);
  ASSERT_TRUE(add_record_route(two, hop, tcp).ok());
  rr = two.get_all(HeaderId::kRecordRoute);
  ASSERT_EQ(rr.size(), 2u);
  EXPECT_EQ(rr[0]->value, "<sip:10.0.0.1:5060;lr>");  // toward the callee
  EXPECT_EQ(rr[1]->value, "<sip:192.0.2.1:5060;transport=tcp;lr>");
}

TEST(RouteTest, LooseRoutingRemovesOurTopRouteOnly) {
  auto request = parse(replaced(
      kInvite, "Max-Forwards", "Route: <sip:10.0.0.1:5060;lr>, <sip:10.0.0.7;lr>\r\nMax-Forwards"));
  auto done = process_routes(request, us());
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->removed_ours);
  EXPECT_FALSE(done->strict_router);
  auto routes = request.get_all(HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]->value, "<sip:10.0.0.7;lr>");
  // A top Route that is not ours stays.
  auto again = process_routes(request, us());
  EXPECT_FALSE(again->removed_ours);
  EXPECT_EQ(request.count(HeaderId::kRoute), 1u);
}

TEST(RouteTest, BothRoutesOfADoubleRecordRouteAreRemoved) {
  // We record-routed twice (UDP in, TCP out): both values come back in the
  // route set, one after the other (RFC 5658).
  Identity me = us();
  me.addresses.push_back(transport::Endpoint::parse("10.0.0.1:5061").value());
  auto request = parse(replaced(kInvite, "Max-Forwards",
                                "Route: <sip:10.0.0.1:5061;transport=tcp;lr>, "
                                "<sip:10.0.0.1:5060;lr>, <sip:10.0.0.7;lr>\r\nMax-Forwards"));
  auto done = process_routes(request, me);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->removed_ours);
  auto routes = request.get_all(HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]->value, "<sip:10.0.0.7;lr>");
}

TEST(RouteTest, RouteToOurselvesOnlyLeavesTheRequestUri) {
  auto request =
      parse(replaced(kInvite, "Max-Forwards", "Route: <sip:10.0.0.1:5060;lr>\r\nMax-Forwards"));
  auto done = process_routes(request, us());
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->removed_ours);
  EXPECT_FALSE(request.has(HeaderId::kRoute));
  EXPECT_EQ(request.request_line().uri.text, "sip:bob@example.com");
}

TEST(RouteTest, StrictRouterBeforeUsGaveUsTheRequestUri) {
  // §16.4: our Record-Route URI as the Request-URI, the original one last.
  auto request = parse(
      replaced(replaced(kInvite, "INVITE sip:bob@example.com", "INVITE sip:10.0.0.1:5060;lr"),
               "Max-Forwards", "Route: <sip:10.0.0.7;lr>, <sip:bob@example.com>\r\nMax-Forwards"));
  auto done = process_routes(request, us());
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->strict_router);
  EXPECT_EQ(request.request_line().uri.text, "sip:bob@example.com");
  auto routes = request.get_all(HeaderId::kRoute);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]->value, "<sip:10.0.0.7;lr>");
}

TEST(ValidationTest, MaxForwardsZeroIs483ButAnOptionsForUsMayBeAnswered) {
  auto zero = parse(replaced(kInvite, "Max-Forwards: 70", "Max-Forwards: 0"));
  auto refused = check_request(zero, us());
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 483);

  auto options = parse(replaced(
      replaced(replaced(kInvite, "INVITE sip:bob@example.com", "OPTIONS sip:10.0.0.1:5060"),
               "314159 INVITE", "314159 OPTIONS"),
      "Max-Forwards: 70", "Max-Forwards: 0"));
  EXPECT_FALSE(check_request(options, us()).has_value());
  ValidationOptions strict;
  strict.answer_options = false;
  EXPECT_EQ(check_request(options, us(), strict)->status, 483);
  auto one = parse(replaced(kInvite, "Max-Forwards: 70", "Max-Forwards: 1"));
  EXPECT_FALSE(check_request(one, us()).has_value());
}

TEST(ValidationTest, OurViaWithTheSameLoopPartIs482ASpiralIsNot) {
  auto received = parse(kInvite);
  const std::string ours =
      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + loop_hash(received) + ".f00\r\n";
  // It went out with our Via, through another proxy, and came back.
  const std::string back = replaced(
      kInvite, "Via: ", "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKother\r\n" + ours + "Via: ");
  auto looped = parse(back);
  auto refused = check_request(looped, us());
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 482);
  // The same with another Request-URI: a spiral, forwarded.
  auto spiral = parse(replaced(back, "INVITE sip:bob@example.com", "INVITE sip:bob@10.0.0.8"));
  EXPECT_FALSE(check_request(spiral, us()).has_value());
  // Somebody else's Via with that branch is no loop of ours.
  auto theirs = parse(replaced(back, "10.0.0.1:5060;branch", "10.0.0.5:5060;branch"));
  EXPECT_FALSE(check_request(theirs, us()).has_value());
}

TEST(ValidationTest, UnknownProxyRequireIs420WithUnsupported) {
  auto request =
      parse(replaced(kInvite, "Max-Forwards", "Proxy-Require: foo, bar\r\nMax-Forwards"));
  ValidationOptions options;
  options.supported = {"bar"};
  auto refused = check_request(request, us(), options);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 420);
  EXPECT_EQ(refused->unsupported, "foo");
  auto response = build_rejection(request, *refused);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status_code(), 420);
  ASSERT_NE(response->get(HeaderId::kUnsupported), nullptr);
  EXPECT_EQ(response->get(HeaderId::kUnsupported)->value, "foo");
  options.supported = {"foo", "BAR"};
  EXPECT_FALSE(check_request(request, us(), options).has_value());
}

TEST(ValidationTest, AcksAreNeverRefused) {
  auto ack = parse(
      replaced(replaced(replaced(kInvite, "INVITE sip", "ACK sip"), "314159 INVITE", "314159 ACK"),
               "Max-Forwards: 70", "Max-Forwards: 0"));
  EXPECT_FALSE(check_request(ack, us()).has_value());
}

}  // namespace
}  // namespace sippet::proxy
