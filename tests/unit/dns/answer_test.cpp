// Raw answers: TTLs read from the wire (answer_ttl) and answers turned into
// records, negative answers and failures (parse_answer).
#include <ares.h>
#include <gtest/gtest.h>

#include <string>

#include "answer_ttl.hpp"
#include "parse_answer.hpp"

namespace sippet::dns {
namespace {

using namespace std::chrono_literals;

// A DNS message builder for tests: header, one question, then records.
class Packet {
 public:
  Packet(std::string_view qname, std::uint16_t qtype, std::uint16_t rcode, int answers,
         int authorities) {
    bytes_ = {0x12,
              0x34,
              static_cast<char>(0x81),
              static_cast<char>(0x80 | rcode),
              0,
              1,
              0,
              static_cast<char>(answers),
              0,
              static_cast<char>(authorities),
              0,
              0};
    name(qname);
    u16(qtype);
    u16(1);
  }
  void name(std::string_view n) {
    std::size_t start = 0;
    while (start < n.size()) {
      std::size_t dot = n.find('.', start);
      if (dot == std::string_view::npos) dot = n.size();
      bytes_ += static_cast<char>(dot - start);
      bytes_ += n.substr(start, dot - start);
      start = dot + 1;
    }
    bytes_ += '\0';
  }
  void u16(std::uint16_t v) {
    bytes_ += static_cast<char>(v >> 8);
    bytes_ += static_cast<char>(v & 0xff);
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v & 0xffff));
  }
  void record_header(std::uint16_t type, std::uint32_t ttl, std::uint16_t length) {
    bytes_ += "\xc0\x0c";  // the question's name
    u16(type);
    u16(1);
    u32(ttl);
    u16(length);
  }
  void srv(std::uint32_t ttl, std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
           std::string_view target) {
    record_header(33, ttl, static_cast<std::uint16_t>(6 + target.size() + 2));
    u16(priority);
    u16(weight);
    u16(port);
    name(target);
  }
  void soa(std::uint32_t ttl, std::uint32_t minimum) {
    record_header(6, ttl, 1 + 1 + 20);
    name("");  // mname: root
    name("");  // rname: root
    for (int i = 0; i < 4; ++i)
      u32(1);
    u32(minimum);
  }
  const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(bytes_.data());
  }
  int size() const { return static_cast<int>(bytes_.size()); }
  std::string bytes_;
};

TEST(AnswerTtl, SmallestOfTheAnswerSection) {
  Packet p("_sip._udp.example.com", 33, 0, 2, 0);
  p.srv(300, 0, 10, 5060, "a.example.com");
  p.srv(30, 0, 10, 5060, "b.example.com");
  auto ttl = answer_ttl(p.data(), p.bytes_.size());
  EXPECT_EQ(ttl.answer, 30u);
  EXPECT_FALSE(ttl.negative);
  auto answer = parse_answer(RecordType::kSrv, ARES_SUCCESS, p.data(), p.size(), 86400s, 300s);
  ASSERT_TRUE(answer.has_records());
  ASSERT_EQ(answer.srv.size(), 2u);
  EXPECT_EQ(answer.srv[0].target, "a.example.com");
  EXPECT_EQ(answer.ttl, 30u);
  // Capped by max_ttl.
  EXPECT_EQ(parse_answer(RecordType::kSrv, ARES_SUCCESS, p.data(), p.size(), 10s, 300s).ttl, 10u);
}

// RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM), capped.
TEST(AnswerTtl, NegativeFromSoa) {
  Packet p("nowhere.example.com", 1, 3, 0, 1);
  p.soa(120, 60);
  EXPECT_EQ(answer_ttl(p.data(), p.bytes_.size()).negative, 60u);
  auto answer = parse_answer(RecordType::kA, ARES_ENOTFOUND, p.data(), p.size(), 86400s, 300s);
  EXPECT_EQ(answer.status, Answer::Status::kNoRecords);
  EXPECT_EQ(answer.ttl, 60u);
  EXPECT_EQ(parse_answer(RecordType::kA, ARES_ENOTFOUND, p.data(), p.size(), 86400s, 5s).ttl, 5u);
  // Without an SOA: the cap.
  EXPECT_EQ(parse_answer(RecordType::kA, ARES_ENODATA, nullptr, 0, 86400s, 7s).ttl, 7u);
}

TEST(ParseAnswer, FailuresAreNotNegative) {
  auto timeout = parse_answer(RecordType::kNaptr, ARES_ETIMEOUT, nullptr, 0, 86400s, 300s);
  EXPECT_EQ(timeout.status, Answer::Status::kFailed);
  EXPECT_FALSE(timeout.error.empty());
  const unsigned char junk[] = {1, 2, 3};
  auto bad = parse_answer(RecordType::kSrv, ARES_SUCCESS, junk, 3, 86400s, 300s);
  EXPECT_EQ(bad.status, Answer::Status::kFailed);
}

TEST(AnswerTtl, TruncatedAndHostileInputs) {
  Packet p("_sip._udp.example.com", 33, 0, 1, 0);
  p.srv(30, 0, 10, 5060, "a.example.com");
  for (std::size_t cut = 0; cut < p.bytes_.size(); ++cut)
    (void)answer_ttl(p.data(), cut);  // no read beyond `cut` (ASan)
  std::string loop = p.bytes_;
  loop[12] = static_cast<char>(0xc0);  // a pointer where the question was
  (void)answer_ttl(reinterpret_cast<const unsigned char*>(loop.data()), loop.size());
  EXPECT_FALSE(answer_ttl(nullptr, 0).answer);
}

}  // namespace
}  // namespace sippet::dns
