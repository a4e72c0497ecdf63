#pragma once
// Internal: typed parsing of one header's value text (§25.1), shared by the
// message parser and the header-editing API.
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"

namespace sippet::message::detail {

// Parses `value` (the text after "Name:", trimmed of surrounding LWS; may
// contain folding) of header `id` written as `name`, appending one Field per
// value (list headers split at top-level commas). The views in the fields
// point into `value`, so `value` must live as long as the message (its bytes
// or its arena). Error offsets are relative to value.data(); the caller adds
// its own base. Never allocates per value beyond `out` growing.
Result<void> parse_header_value(HeaderId id, std::string_view name, std::string_view value,
                                std::vector<Field>& out);

}  // namespace sippet::message::detail
