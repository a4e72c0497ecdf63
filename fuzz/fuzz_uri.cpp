// libFuzzer target: the URI parser (RFC 3261 §19.1, §25.1; RFC 3966 tel).
// A URI that parses must print to text that parses again into an equivalent
// URI (§19.1.4 comparison).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sippet/message/uri.hpp"

namespace sm = sippet::message;

namespace {

void check(bool ok, const char* what, std::string_view input, std::string_view printed = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_uri invariant broken: %s\ninput:   %.*s\nprinted: %.*s\n", what,
               static_cast<int>(input.size()), input.data(), static_cast<int>(printed.size()),
               printed.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sm::parse_uri(text);
  if (!parsed.ok()) {
    check(parsed.error().offset <= size, "error offset past the input", text);
    return 0;
  }
  const sm::Uri& uri = *parsed;
  check(uri.text.size() <= size, "URI text longer than the input", text);
  check(sm::uri_equal(uri, uri), "uri_equal is not reflexive", text);
  (void)uri.port_or_default();
  (void)uri.transport();
  (void)sm::unescape(uri.user);
  (void)sm::unescape(uri.headers);
  for (const auto& p : uri.params)
    (void)p.text();

  const std::string printed = sm::to_string(uri);
  auto again = sm::parse_uri(printed);
  check(again.ok(), "printed URI does not parse", text, printed);
  check(again->scheme == uri.scheme, "reparse: scheme differs", text, printed);
  check(sm::uri_equal(uri, *again), "reparse: not uri_equal to the original", text, printed);
  check(sm::uri_equal(*again, uri), "uri_equal is not symmetric", text, printed);
  check(sm::to_string(*again) == printed, "printing is not stable", text, printed);
  return 0;
}
