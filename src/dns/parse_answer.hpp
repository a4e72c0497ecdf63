#pragma once
// A raw DNS answer as c-ares delivered it, turned into an Answer: records
// parsed by c-ares, TTLs read by answer_ttl (c-ares 1.18 gives them for A
// and AAAA only), negative answers (RFC 2308) and failures told apart.
#include <chrono>

#include "sippet/dns/records.hpp"

namespace sippet::dns {

// `status`: the ares_status of the query; `data`/`length` the answer (may
// be null). TTLs are capped at `max_ttl`; a negative answer is kept for its
// SOA's negative TTL, at most `max_negative_ttl` (that long without an SOA).
Answer parse_answer(RecordType type, int status, const unsigned char* data, int length,
                    std::chrono::seconds max_ttl, std::chrono::seconds max_negative_ttl);

}  // namespace sippet::dns
