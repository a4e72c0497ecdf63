// pcap files (pcap.hpp): Ethernet, IPv4 or IPv6, UDP, the message.
#include "sippet/capture/pcap.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "sippet/transport/endpoint.hpp"

namespace sippet::capture {

namespace {

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_le16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void put_be16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}
void set_be16(std::string& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<char>(v >> 8);
  out[at + 1] = static_cast<char>(v & 0xFF);
}
const std::uint8_t* octets(const std::string& s, std::size_t at) {
  return reinterpret_cast<const std::uint8_t*>(s.data() + at);
}

// The 16 octets of an IPv6 address; IPv4 as ::ffff:a.b.c.d.
std::array<std::uint8_t, 16> ipv6_octets(const transport::Endpoint& endpoint) {
  if (endpoint.is_v6()) return endpoint.address_bytes();
  std::array<std::uint8_t, 16> mapped{};
  mapped[10] = 0xFF;
  mapped[11] = 0xFF;
  std::copy_n(endpoint.address_bytes().begin(), 4, mapped.begin() + 12);
  return mapped;
}

constexpr std::size_t kEthernet = 14;
constexpr std::size_t kIpv4 = 20;
constexpr std::size_t kIpv6 = 40;
constexpr std::size_t kUdp = 8;
constexpr std::uint8_t kProtocolUdp = 17;

}  // namespace

std::uint32_t checksum_add(const std::uint8_t* data, std::size_t size, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < size; i += 2)
    sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (i < size) sum += std::uint32_t{data[i]} << 8;
  return sum;
}

std::uint16_t checksum_fold(std::uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

void PcapWriter::append_file_header(std::string& out) {
  put_le32(out, 0xa1b2c3d4);  // microsecond timestamps
  put_le16(out, 2);           // version 2.4
  put_le16(out, 4);
  put_le32(out, 0);  // GMT
  put_le32(out, 0);  // timestamp accuracy
  put_le32(out, kPcapSnapLength);
  put_le32(out, kLinkTypeEthernet);
}

void PcapWriter::append_record(const stack::MessageEvent& event, std::string& out) {
  const bool in = event.direction == stack::Direction::kReceived;
  const transport::Endpoint& source = in ? event.flow.remote : event.flow.local;
  const transport::Endpoint& destination = in ? event.flow.local : event.flow.remote;
  const bool v4 = source.is_v4() && destination.is_v4();
  const std::size_t ip_header = v4 ? kIpv4 : kIpv6;
  // An IP packet holds 65535 octets (IPv4: with its header; IPv6: after it).
  const std::size_t max_payload = v4 ? 65535 - kIpv4 - kUdp : 65535 - kUdp;
  const std::string_view payload = event.bytes.substr(0, max_payload);
  const std::size_t udp_length = kUdp + payload.size();
  const std::size_t frame = kEthernet + ip_header + udp_length;

  using namespace std::chrono;
  const auto micros = duration_cast<microseconds>(event.time.time_since_epoch()).count();
  put_le32(out, static_cast<std::uint32_t>(micros / 1000000));
  put_le32(out, static_cast<std::uint32_t>(micros % 1000000));
  put_le32(out, static_cast<std::uint32_t>(frame));
  put_le32(out, static_cast<std::uint32_t>(frame));

  // Ethernet: zero addresses, as Linux's loopback interface shows them.
  out.append(12, '\0');
  put_be16(out, v4 ? 0x0800 : 0x86DD);

  const std::size_t ip_at = out.size();
  std::uint32_t pseudo = 0;  // the UDP checksum's pseudo-header
  if (v4) {
    out.push_back(0x45);  // version 4, 5 words
    out.push_back(0);     // DSCP/ECN
    put_be16(out, static_cast<std::uint16_t>(kIpv4 + udp_length));
    put_be16(out, ip_id_++);
    put_be16(out, 0x4000);  // don't fragment
    out.push_back(64);      // TTL
    out.push_back(static_cast<char>(kProtocolUdp));
    put_be16(out, 0);  // checksum, below
    out.append(reinterpret_cast<const char*>(source.address_bytes().data()), 4);
    out.append(reinterpret_cast<const char*>(destination.address_bytes().data()), 4);
    set_be16(out, ip_at + 10, checksum_fold(checksum_add(octets(out, ip_at), kIpv4)));
    pseudo = checksum_add(octets(out, ip_at + 12), 8);
  } else {
    out.push_back(0x60);  // version 6, no traffic class or flow label
    out.append(3, '\0');
    put_be16(out, static_cast<std::uint16_t>(udp_length));
    out.push_back(static_cast<char>(kProtocolUdp));  // next header
    out.push_back(64);                               // hop limit
    const auto from = ipv6_octets(source);
    const auto to = ipv6_octets(destination);
    out.append(reinterpret_cast<const char*>(from.data()), 16);
    out.append(reinterpret_cast<const char*>(to.data()), 16);
    pseudo = checksum_add(octets(out, ip_at + 8), 32);
  }
  pseudo += kProtocolUdp + static_cast<std::uint32_t>(udp_length);

  const std::size_t udp_at = out.size();
  put_be16(out, source.port());
  put_be16(out, destination.port());
  put_be16(out, static_cast<std::uint16_t>(udp_length));
  put_be16(out, 0);  // checksum, below
  out.append(payload);
  std::uint16_t sum = checksum_fold(checksum_add(octets(out, udp_at), udp_length, pseudo));
  if (sum == 0) sum = 0xFFFF;  // RFC 768: 0 means "no checksum"
  set_be16(out, udp_at + 6, sum);
}

PcapSink::PcapSink(std::FILE* file) : file_(file) {
  PcapWriter::append_file_header(buffer_);
  std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
  std::fflush(file_);
}

PcapSink::~PcapSink() {
  std::fclose(file_);
}

void PcapSink::write(const stack::MessageEvent& event) {
  buffer_.clear();
  writer_.append_record(event, buffer_);
  std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
}

void PcapSink::flush() {
  std::fflush(file_);
}

}  // namespace sippet::capture
