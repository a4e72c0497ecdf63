#pragma once
// Shared by the bench_message sources: the anchor message and the heap
// allocation counter (defined in alloc_counter.cpp).
#include <cstddef>
#include <cstdint>
#include <string>

namespace sippet::bench {

// bench/data/invite.sip (SIPPET_ANCHOR), 884 octets, read once.
const std::string& anchor_invite();

// Number of calls to the global operator new (any form) so far.
std::uint64_t heap_allocations();

}  // namespace sippet::bench
