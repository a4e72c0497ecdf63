#pragma once
// pcap files of the messages a stack receives and sends (the classic
// libpcap format, microsecond timestamps, LINKTYPE_ETHERNET with zero MAC
// addresses like a capture on Linux's loopback interface). Every message is
// one IPv4 or IPv6 packet with a UDP header carrying its real addresses and
// ports, checksums computed. Messages of connection-oriented flows (TCP,
// TLS, WebSocket) are written the same way, as synthetic UDP datagrams each
// holding one whole SIP message (docs/observability.md).
#include <cstdint>
#include <cstdio>
#include <string>

#include "sippet/capture/writer.hpp"
#include "sippet/stack/observer.hpp"

namespace sippet::capture {

inline constexpr std::uint32_t kLinkTypeEthernet = 1;
inline constexpr std::uint32_t kPcapSnapLength = 262144;

class PcapWriter {
 public:
  // The 24-octet file header.
  static void append_file_header(std::string& out);
  // One record: its 16-octet header and the frame (Ethernet, IP, UDP,
  // message). A message longer than an IP packet can hold (only possible on
  // a stream) is cut to fit.
  void append_record(const stack::MessageEvent& event, std::string& out);

 private:
  std::uint16_t ip_id_ = 0;  // IPv4 identification, one per packet
};

// Writes a pcap file (owns the FILE).
class PcapSink final : public Sink {
 public:
  explicit PcapSink(std::FILE* file);
  ~PcapSink() override;
  void write(const stack::MessageEvent& event) override;
  void flush() override;

 private:
  std::FILE* file_;
  PcapWriter writer_;
  std::string buffer_;
};

// The Internet checksum (RFC 1071) of `data` added to `sum` (not folded).
std::uint32_t checksum_add(const std::uint8_t* data, std::size_t size, std::uint32_t sum = 0);
std::uint16_t checksum_fold(std::uint32_t sum);

}  // namespace sippet::capture
