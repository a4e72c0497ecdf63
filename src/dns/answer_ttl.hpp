#pragma once
// The TTLs of a raw DNS answer (RFC 1035 §4.1), which c-ares 1.18 parses
// for A and AAAA records only: the smallest TTL of the answer section, and
// for a negative answer the SOA's (RFC 2308 §5: min(SOA TTL, MINIMUM)).
// Bounds-checked everywhere: fed hostile bytes by fuzz/fuzz_dns.cpp.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace sippet::dns {

struct AnswerTtl {
  std::optional<std::uint32_t> answer;    // min TTL of the answer records
  std::optional<std::uint32_t> negative;  // from an SOA of the authority section
};

AnswerTtl answer_ttl(const unsigned char* data, std::size_t size);

}  // namespace sippet::dns
