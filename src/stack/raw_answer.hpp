#pragma once
// Answering a request that does not parse (RFC 3261 §8.2, §21.4.1, §21.5.7):
// when its Via, From, To, Call-ID and CSeq lines can still be found, they
// are copied as received into an error response (§8.2.6.1), with a To tag
// added when absent (§8.2.6.2). Nothing is built for a response, an ACK
// (§17.1.1.3: never answered), or when a needed line is missing.
#include <optional>
#include <string>
#include <string_view>

namespace sippet::stack {

std::optional<std::string> raw_error_response(std::string_view bytes, int status,
                                              std::string_view reason);

}  // namespace sippet::stack
