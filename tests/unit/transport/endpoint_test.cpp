#include "sippet/transport/endpoint.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <unordered_set>

namespace sippet::transport {
namespace {

TEST(Endpoint, ParsesIpv4WithPort) {
  auto e = Endpoint::parse("192.0.2.1:5060");
  ASSERT_TRUE(e.ok()) << e.error().reason;
  EXPECT_TRUE(e->is_v4());
  EXPECT_EQ(e->port(), 5060);
  EXPECT_EQ(e->address_bytes()[0], 192);
  EXPECT_EQ(e->address_bytes()[3], 1);
  EXPECT_EQ(e->to_string(), "192.0.2.1:5060");
  EXPECT_EQ(e->host_string(), "192.0.2.1");
}

TEST(Endpoint, ParsesIpv6InBrackets) {
  auto e = Endpoint::parse("[::1]:5080");
  ASSERT_TRUE(e.ok()) << e.error().reason;
  EXPECT_TRUE(e->is_v6());
  EXPECT_TRUE(e->is_loopback());
  EXPECT_EQ(e->port(), 5080);
  EXPECT_EQ(e->to_string(), "[::1]:5080");
  EXPECT_EQ(e->address_string(), "::1");
  EXPECT_EQ(e->host_string(), "[::1]");
  EXPECT_EQ(*e, Endpoint::loopback_v6(5080));
}

TEST(Endpoint, RefusesBadText) {
  for (const char* text :
       {"", "192.0.2.1", "192.0.2.1:", "192.0.2.1:70000", "192.0.2.1:50x", "::1:5060", "[::1]",
        "[::1:5060", "[192.0.2.1]:5060", "host:5060", "300.1.1.1:5060"}) {
    auto e = Endpoint::parse(text);
    EXPECT_FALSE(e.ok()) << text;
    if (!e.ok()) {
      EXPECT_EQ(e.error().kind, message::ErrorKind::kInvalidArgument) << text;
      EXPECT_FALSE(e.error().reason.empty()) << text;
    }
  }
}

TEST(Endpoint, FromIpRejectsNames) {
  EXPECT_FALSE(Endpoint::from_ip("localhost", 5060).has_value());
  EXPECT_FALSE(Endpoint::from_ip("", 5060).has_value());
  auto v6 = Endpoint::from_ip("2001:db8::7", 1);
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->to_string(), "[2001:db8::7]:1");
}

TEST(Endpoint, NumericZoneIsKept) {
  auto e = Endpoint::from_ip("fe80::1%3", 5060);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->scope_id(), 3u);
  EXPECT_EQ(e->address_string(), "fe80::1%3");
}

TEST(Endpoint, SockaddrRoundTripV4) {
  Endpoint e = Endpoint::loopback_v4(5062);
  sockaddr_storage storage;
  std::size_t length = e.to_sockaddr(storage);
  ASSERT_EQ(length, sizeof(sockaddr_in));
  sockaddr_in in;
  std::memcpy(&in, &storage, sizeof in);
  EXPECT_EQ(in.sin_family, AF_INET);
  EXPECT_EQ(ntohs(in.sin_port), 5062);
  EXPECT_EQ(ntohl(in.sin_addr.s_addr), 0x7f000001u);
  auto back = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
}

TEST(Endpoint, SockaddrRoundTripV6) {
  auto e = Endpoint::parse("[2001:db8::1]:5060");
  ASSERT_TRUE(e.ok());
  sockaddr_storage storage;
  std::size_t length = e->to_sockaddr(storage);
  ASSERT_EQ(length, sizeof(sockaddr_in6));
  auto back = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, *e);
}

TEST(Endpoint, V4MappedIsNormalisedToV4) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(7000);
  unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
  std::memcpy(&in6.sin6_addr, mapped, 16);
  auto e = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is_v4());
  EXPECT_EQ(e->to_string(), "10.1.2.3:7000");
}

TEST(Endpoint, FromSockaddrRefusesOtherFamiliesAndShortLengths) {
  sockaddr_storage storage{};
  storage.ss_family = AF_UNIX;
  EXPECT_FALSE(
      Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), sizeof storage));
  storage.ss_family = AF_INET;
  EXPECT_FALSE(Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), 4));
  EXPECT_FALSE(Endpoint::from_sockaddr(nullptr, 0));
}

TEST(Endpoint, EqualityHashAndOrder) {
  Endpoint a = Endpoint::loopback_v4(5060);
  Endpoint b = Endpoint::loopback_v4(5061);
  Endpoint c = Endpoint::loopback_v6(5060);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_LT(a, b);
  std::unordered_set<Endpoint> set{a, b, c, Endpoint::loopback_v4(5060)};
  EXPECT_EQ(set.size(), 3u);
}

TEST(Endpoint, WildcardsAreUnspecified) {
  EXPECT_TRUE(Endpoint::any_v4(0).is_unspecified());
  EXPECT_TRUE(Endpoint::any_v6(0).is_unspecified());
  EXPECT_FALSE(Endpoint::loopback_v4(0).is_unspecified());
  EXPECT_EQ(Endpoint::any_v6(5060).to_string(), "[::]:5060");
  EXPECT_EQ(Endpoint().to_string(), "0.0.0.0:0");
}

TEST(Endpoint, Ipv4DottedDecimalEveryWidth) {
  for (const char* text : {"0.9.10.99", "100.199.200.255", "192.168.1.10", "255.255.255.255"}) {
    auto e = Endpoint::from_ip(text, 7);
    ASSERT_TRUE(e.has_value()) << text;
    EXPECT_EQ(e->address_string(), text);
    EXPECT_EQ(e->to_string(), std::string(text) + ":7");
  }
}

}  // namespace
}  // namespace sippet::transport
