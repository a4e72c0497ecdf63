#pragma once
// Pieces of the RFC 2543 matching key (§17.2.3), used by key.cpp and layer.cpp.
#include <string>
#include <string_view>

#include "sippet/message/message.hpp"

namespace sippet::transaction::detail {

// Request-URI, the given To tag, From tag, Call-ID, CSeq number and the top
// Via as written, joined. The caller checked that Via and CSeq are present.
std::string rfc2543_text(const message::Message& request, std::string_view to_tag);

}  // namespace sippet::transaction::detail
