#pragma once
// Live heap bytes of this process, counted through the global operator new
// and delete (heap_counter.cpp) while counting is on.
#include <cstdint>

namespace sippet::bench {

void set_heap_counting(bool on);
std::int64_t live_heap_bytes();

}  // namespace sippet::bench
