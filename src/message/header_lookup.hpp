#pragma once
// Internal: the parser's one-step lookup of a header name (header_id.cpp
// builds the table and proves its hash perfect).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sippet/message/header_id.hpp"

namespace sippet::message::detail {

// A header name of 2 to 15 octets, lower-case, with 0x20 in `fold` where the
// name has a letter (c | 0x20 is a lower-case letter exactly when c is one).
struct ShortSlot {
  alignas(16) unsigned char lower[16] = {};
  unsigned char fold[16] = {};
  std::uint8_t length = 0;  // 0: empty slot
  std::uint8_t id = 0;
};
inline constexpr std::size_t kShortSlots = 128;

// A perfect hash of the case-folded first two octets, last octet and length.
constexpr std::size_t short_slot_of(unsigned first2, unsigned last, std::size_t n) {
  const std::uint64_t key =
      (first2 | 0x2020u) | std::uint64_t{last | 0x20u} << 16 | std::uint64_t{n} << 24;
  return static_cast<std::size_t>((key * 0xc5e4c2e48c0c8b87ull) >> 57);
}

extern const std::array<ShortSlot, kShortSlots> kShortNameSlots;

// canonical_name(id) of every HeaderId, for the copy paths that read it
// per field (an index instead of a call).
extern const std::array<std::string_view, kHeaderIdCount> kCanonicalNames;

// The compact form `c` (§7.3.3), or kUnknown.
HeaderId compact_id(char c);

// The common case of a header line, in one 16-octet step: a known name of
// up to 15 octets (or a known compact form) directly followed by ':' before
// `e`. Sets `id` and returns the position of the ':'; nullptr when the
// general path must decide (LWS before the ':', long or unknown names). Reads
// 16 octets at `p`: the parser's copy of the message has that slack.
inline const char* find_known_name(const char* p, const char* e, HeaderId& id) {
#if defined(__SSE2__)
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned colons =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(':'))));
  if (colons == 0) return nullptr;
  const unsigned n = static_cast<unsigned>(__builtin_ctz(colons));
  if (p + n >= e) return nullptr;
  if (n < 2) {
    if (n == 0) return nullptr;
    id = compact_id(p[0]);
    return id == HeaderId::kUnknown ? nullptr : p + 1;
  }
  std::uint16_t first2;
  std::memcpy(&first2, p, 2);
  const ShortSlot& s =
      kShortNameSlots[short_slot_of(first2, static_cast<unsigned char>(p[n - 1]), n)];
  if (s.length != n) return nullptr;
  // The name's octets, case-folded where the canonical name has letters,
  // against the lower-case name; octets from the ':' on are ignored.
  const __m128i lower = _mm_load_si128(reinterpret_cast<const __m128i*>(s.lower));
  const __m128i fold = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.fold));
  const unsigned equal =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x, fold), lower)));
  if (((equal | (~0u << n)) & 0xffffu) != 0xffffu) return nullptr;
  id = static_cast<HeaderId>(s.id);
  return p + n;
#else
  (void)p;
  (void)e;
  (void)id;
  return nullptr;
#endif
}

}  // namespace sippet::message::detail
