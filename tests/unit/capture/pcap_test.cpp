// pcap output (pcap.hpp) read back field by field.
#include "sippet/capture/pcap.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "event_support.hpp"

namespace sippet::capture {
namespace {

using test::fixed_time;
using test::kInvite;
using test::udp_flow;

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
std::uint16_t le16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                    (static_cast<unsigned char>(s[at + 1]) << 8));
}
std::uint16_t be16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8) |
                                    static_cast<unsigned char>(s[at + 1]));
}
std::string octets(const std::string& s, std::size_t at, std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) text += '.';
    text += std::to_string(static_cast<unsigned char>(s[at + i]));
  }
  return text;
}
// A checksum over data that includes its own checksum field sums to 0.
std::uint16_t verify(const std::string& s, std::size_t at, std::size_t n, std::uint32_t sum = 0) {
  return checksum_fold(checksum_add(reinterpret_cast<const std::uint8_t*>(s.data() + at), n, sum));
}

TEST(Pcap, FileHeader) {
  std::string out;
  PcapWriter::append_file_header(out);
  ASSERT_EQ(out.size(), 24u);
  EXPECT_EQ(le32(out, 0), 0xa1b2c3d4u);
  EXPECT_EQ(le16(out, 4), 2);
  EXPECT_EQ(le16(out, 6), 4);
  EXPECT_EQ(le32(out, 16), kPcapSnapLength);
  EXPECT_EQ(le32(out, 20), 1u);  // LINKTYPE_ETHERNET
}

TEST(Pcap, ReceivedUdpIpv4Datagram) {
  const auto flow = udp_flow();
  const stack::MessageEvent event{stack::Direction::kReceived, flow, kInvite, fixed_time()};
  PcapWriter writer;
  std::string out;
  writer.append_record(event, out);
  const std::size_t frame = 14 + 20 + 8 + kInvite.size();
  ASSERT_EQ(out.size(), 16 + frame);
  EXPECT_EQ(le32(out, 0), 1796120430u);
  EXPECT_EQ(le32(out, 4), 12345u);
  EXPECT_EQ(le32(out, 8), frame);
  EXPECT_EQ(le32(out, 12), frame);
  const std::size_t eth = 16;
  EXPECT_EQ(out.substr(eth, 12), std::string(12, '\0'));
  EXPECT_EQ(be16(out, eth + 12), 0x0800);
  const std::size_t ip = eth + 14;
  EXPECT_EQ(static_cast<unsigned char>(out[ip]), 0x45);
  EXPECT_EQ(be16(out, ip + 2), 20 + 8 + kInvite.size());
  EXPECT_EQ(static_cast<unsigned char>(out[ip + 9]), 17);
  EXPECT_EQ(octets(out, ip + 12, 4), "192.0.2.7");  // from the peer
  EXPECT_EQ(octets(out, ip + 16, 4), "127.0.0.1");  // to us
  EXPECT_EQ(verify(out, ip, 20), 0);
  const std::size_t udp = ip + 20;
  EXPECT_EQ(be16(out, udp), 40000);
  EXPECT_EQ(be16(out, udp + 2), 5060);
  EXPECT_EQ(be16(out, udp + 4), 8 + kInvite.size());
  EXPECT_NE(be16(out, udp + 6), 0);
  const std::uint32_t pseudo =
      checksum_add(reinterpret_cast<const std::uint8_t*>(out.data() + ip + 12), 8) + 17 +
      static_cast<std::uint32_t>(8 + kInvite.size());
  EXPECT_EQ(verify(out, udp, 8 + kInvite.size(), pseudo), 0);
  EXPECT_EQ(out.substr(udp + 8), kInvite);
}

TEST(Pcap, SentUdpIpv6DatagramAndIpIdentification) {
  auto flow = udp_flow();
  flow.local = *transport::Endpoint::from_ip("2001:db8::1", 5060);
  flow.remote = *transport::Endpoint::from_ip("2001:db8::2", 5070);
  const std::string bytes = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";  // odd length
  const stack::MessageEvent event{stack::Direction::kSent, flow, bytes, fixed_time()};
  PcapWriter writer;
  std::string out;
  writer.append_record(event, out);
  ASSERT_EQ(out.size(), 16 + 14 + 40 + 8 + bytes.size());
  const std::size_t ip = 16 + 14;
  EXPECT_EQ(be16(out, 16 + 12), 0x86DD);
  EXPECT_EQ(static_cast<unsigned char>(out[ip]) >> 4, 6);
  EXPECT_EQ(be16(out, ip + 4), 8 + bytes.size());
  EXPECT_EQ(static_cast<unsigned char>(out[ip + 6]), 17);
  EXPECT_EQ(out.substr(ip + 8, 16),
            std::string(reinterpret_cast<const char*>(flow.local.address_bytes().data()),
                        16));  // from us
  EXPECT_EQ(out.substr(ip + 24, 16),
            std::string(reinterpret_cast<const char*>(flow.remote.address_bytes().data()), 16));
  const std::size_t udp = ip + 40;
  EXPECT_EQ(be16(out, udp), 5060);
  EXPECT_EQ(be16(out, udp + 2), 5070);
  const std::uint32_t pseudo =
      checksum_add(reinterpret_cast<const std::uint8_t*>(out.data() + ip + 8), 32) + 17 +
      static_cast<std::uint32_t>(8 + bytes.size());
  EXPECT_EQ(verify(out, udp, 8 + bytes.size(), pseudo), 0);
  EXPECT_EQ(out.substr(udp + 8), bytes);

  // IPv4 packets get successive identifications.
  const auto v4 = udp_flow();
  std::string a, b;
  writer.append_record({stack::Direction::kSent, v4, bytes, fixed_time()}, a);
  writer.append_record({stack::Direction::kSent, v4, bytes, fixed_time()}, b);
  EXPECT_EQ(be16(b, 16 + 14 + 4), be16(a, 16 + 14 + 4) + 1);
}

TEST(Pcap, StreamMessagesAreSyntheticUdpCutToFit) {
  auto flow = udp_flow();
  flow.protocol = transport::Protocol::kTcp;
  flow.connection = 3;
  const std::string big(70000, 'x');
  const stack::MessageEvent event{stack::Direction::kSent, flow, big, fixed_time()};
  PcapWriter writer;
  std::string out;
  writer.append_record(event, out);
  const std::size_t ip = 16 + 14;
  EXPECT_EQ(static_cast<unsigned char>(out[ip + 9]), 17);
  EXPECT_EQ(be16(out, ip + 2), 65535);
  EXPECT_EQ(out.size(), 16 + 14 + 65535u);
}

TEST(Pcap, SinkWritesAFile) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int fd = dup(fileno(file));
  {
    PcapSink sink(file);  // owns and closes it
    const auto flow = udp_flow();
    sink.write({stack::Direction::kReceived, flow, kInvite, fixed_time()});
    sink.flush();
  }
  std::FILE* again = fdopen(fd, "rb");
  ASSERT_NE(again, nullptr);
  std::rewind(again);
  std::string content;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, again))
    content.append(buffer, n);
  std::fclose(again);
  EXPECT_EQ(content.size(), 24 + 16 + 14 + 20 + 8 + kInvite.size());
}

}  // namespace
}  // namespace sippet::capture
