#pragma once
// Internal: fast paths of the message parser for the header values nearly
// every message carries (Via, From, To, Contact, Route, Record-Route, token
// lists, CSeq, Call-ID, the integers, Content-Type, text) and the SIP
// Request-URI. docs/parser.md tells how they fit in.
//
// Each fast path takes a strict subset of the §25.1 grammar, the shape real
// peers send: no LWS except a single run of SP/HT where the grammar needs or
// commonly has one, no escapes, no passwords, no IPv6 references, no
// folding, quoted strings only within their line. It reads 16 octets at a
// time and up to 16 octets past the end of the message, so it runs only on
// the parser's padded copy of a message.
//
// A fast path either produces exactly what the general parser would (same
// fields, same typed values, same views), or says "not mine" and leaves the
// input to the general parser, which then decides, errors included. The
// parser tests and the fuzz target parse every input both ways and compare.
#include <cstddef>
#include <string_view>
#include <vector>

#include "sippet/message/header_id.hpp"
#include "sippet/message/message.hpp"

namespace sippet::message::detail {

// Appends the fields of header `id` whose value starts at `begin`, reading
// on towards `end` (the end of the message): returns where the value ends,
// which the caller accepts only if a CRLF not followed by folding is there.
// nullptr (with `out` possibly holding partial fields, which the caller
// removes) when the general parser must take the line.
using FastHandler = const char* (*)(HeaderId id, std::string_view name, const char* begin,
                                    const char* end, std::vector<Field>& out);

// Indexed by HeaderId; nullptr where the general parser is used directly.
extern const FastHandler kFastHandlers[kHeaderIdCount];

// A SIP or SIPS URI that is exactly [begin, end), into the default-constructed
// `uri`; false when the general URI parser must decide. The octet at `end`
// must be a delimiter that no URI part takes ('>', SP, ';', ',', LWS) or the
// zeroed slack after the message.
bool fast_sip_uri(const char* begin, const char* end, Uri& uri);

}  // namespace sippet::message::detail
