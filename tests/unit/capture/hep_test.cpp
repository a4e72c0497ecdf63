// HEP3 packets (hep.hpp) decoded by a small decoder written from the spec.
#include "sippet/capture/hep.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "event_support.hpp"

namespace sippet::capture {
namespace {

using test::fixed_time;
using test::kInvite;
using test::udp_flow;

std::uint32_t be(const std::string& s, std::size_t at, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Chunk type -> value; every chunk must be vendor 0 and the lengths must
// add up to the packet's.
std::map<std::uint16_t, std::string> decode(const std::string& packet) {
  std::map<std::uint16_t, std::string> chunks;
  EXPECT_EQ(packet.substr(0, 4), "HEP3");
  EXPECT_EQ(be(packet, 4, 2), packet.size());
  std::size_t at = 6;
  while (at < packet.size()) {
    EXPECT_LE(at + 6, packet.size());
    EXPECT_EQ(be(packet, at, 2), 0u) << "vendor";
    const auto type = static_cast<std::uint16_t>(be(packet, at + 2, 2));
    const std::size_t length = be(packet, at + 4, 2);
    EXPECT_GE(length, 6u);
    EXPECT_LE(at + length, packet.size());
    EXPECT_EQ(chunks.count(type), 0u) << "chunk " << type << " twice";
    chunks[type] = packet.substr(at + 6, length - 6);
    at += length;
  }
  EXPECT_EQ(at, packet.size());
  return chunks;
}

TEST(Hep, ReceivedIpv4Message) {
  const auto flow = udp_flow();
  std::string packet;
  encode_hep3({stack::Direction::kReceived, flow, kInvite, fixed_time()}, 2001, packet);
  auto chunks = decode(packet);
  EXPECT_EQ(chunks[1], std::string(1, '\x02'));              // IPv4
  EXPECT_EQ(chunks[2], std::string(1, '\x11'));              // UDP
  EXPECT_EQ(chunks[3], std::string("\xc0\x00\x02\x07", 4));  // source: the peer
  EXPECT_EQ(chunks[4], std::string("\x7f\x00\x00\x01", 4));  // destination: us
  EXPECT_EQ(be(chunks[7], 0, 2), 40000u);
  EXPECT_EQ(be(chunks[8], 0, 2), 5060u);
  EXPECT_EQ(be(chunks[9], 0, 4), 1796120430u);
  EXPECT_EQ(be(chunks[10], 0, 4), 12345u);
  EXPECT_EQ(chunks[11], std::string(1, '\x01'));  // SIP
  EXPECT_EQ(be(chunks[12], 0, 4), 2001u);
  EXPECT_EQ(chunks[15], kInvite);
  EXPECT_EQ(chunks[17], "call-1@127.0.0.1");
  EXPECT_EQ(chunks.size(), 12u);
}

TEST(Hep, SentIpv6MessageOnTcp) {
  auto flow = udp_flow();
  flow.protocol = transport::Protocol::kTcp;
  flow.local = *transport::Endpoint::from_ip("::1", 5060);
  flow.remote = *transport::Endpoint::from_ip("2001:db8::9", 5070);
  const std::string bytes = "SIP/2.0 200 OK\r\ni:  compact@x \r\n\r\n";
  std::string packet;
  encode_hep3({stack::Direction::kSent, flow, bytes, fixed_time()}, 7, packet);
  auto chunks = decode(packet);
  EXPECT_EQ(chunks[1], std::string(1, '\x0a'));  // IPv6
  EXPECT_EQ(chunks[2], std::string(1, '\x06'));  // TCP
  EXPECT_EQ(chunks.count(3), 0u);
  EXPECT_EQ(chunks[5], std::string(reinterpret_cast<const char*>(flow.local.address_bytes().data()),
                                   16));  // source: us
  EXPECT_EQ(chunks[6],
            std::string(reinterpret_cast<const char*>(flow.remote.address_bytes().data()), 16));
  EXPECT_EQ(be(chunks[7], 0, 2), 5060u);
  EXPECT_EQ(be(chunks[8], 0, 2), 5070u);
  EXPECT_EQ(chunks[15], bytes);
  EXPECT_EQ(chunks[17], "compact@x");
}

TEST(Hep, NoCallIdNoCorrelationChunkAndBigPayloadsCut) {
  const auto flow = udp_flow();
  const std::string garbage(70000, 'g');
  std::string packet;
  encode_hep3({stack::Direction::kReceived, flow, garbage, fixed_time()}, 1, packet);
  EXPECT_EQ(packet.size(), 65535u);
  auto chunks = decode(packet);
  EXPECT_EQ(chunks.count(17), 0u);
  EXPECT_EQ(chunks[15], garbage.substr(0, chunks[15].size()));
}

TEST(Hep, FindsTheCallIdInHeaderLinesOnly) {
  EXPECT_EQ(find_call_id(kInvite), "call-1@127.0.0.1");
  EXPECT_EQ(find_call_id("OPTIONS sip:a SIP/2.0\r\nCALL-ID:x\r\n\r\n"), "x");
  EXPECT_EQ(find_call_id("OPTIONS sip:a SIP/2.0\r\nTo: <sip:b>\r\n\r\nCall-ID: body\r\n"), "");
  EXPECT_EQ(find_call_id("Call-ID: start-line\r\n"), "");
}

TEST(Hep, SinkRefusesABadTarget) {
  EXPECT_FALSE(HepSink::open("tcp:127.0.0.1:9060", 1));
  EXPECT_FALSE(HepSink::open("udp:127.0.0.1", 1));
  EXPECT_TRUE(HepSink::open("udp:127.0.0.1:9060", 1));
  EXPECT_TRUE(HepSink::open("udp:[::1]:9060", 1));
}

}  // namespace
}  // namespace sippet::capture
