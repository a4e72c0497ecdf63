// libFuzzer target: the whole-message parser (RFC 3261 §7, §25) and what a
// parsed message must then support: validation, serialization and a reparse
// of it, the header API, and build_response (§8.2.6).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../tests/support/message_dump.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/message.hpp"
#include "sippet/message/parser.hpp"
#include "sippet/message/validate.hpp"

namespace sm = sippet::message;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_message invariant broken: %s\n%.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

// Every error carries an offset inside the input and a status that is 0 (no
// answer) or a 4xx/5xx final response.
void check_error(const sm::Error& e, std::size_t input_size) {
  check(e.offset <= input_size, "error offset past the input");
  check(e.status == 0 || (e.status >= 400 && e.status <= 599), "error status not 0/4xx/5xx");
}

// The serialization rewrites Content-Length to match the body, so compare the
// other fields only.
std::size_t fields_without_content_length(const sm::Message& m) {
  std::size_t n = 0;
  for (const auto& f : m.fields())
    n += f.id != sm::HeaderId::kContentLength;
  return n;
}

// Serializing and parsing again gives the same message, structurally.
void check_roundtrip(const sm::Message& m, const char* what) {
  const std::string text = m.to_string();
  auto again = sm::parse_message(text);
  if (!again.ok()) fail(what, text + "\n-> " + again.error().reason);
  const sm::Message& r = *again;
  check(r.is_request() == m.is_request(), "reparse: request/response differs", text);
  check(r.status_code() == m.status_code(), "reparse: status code differs", text);
  check(r.method_text() == m.method_text(), "reparse: method differs", text);
  check(r.body() == m.body(), "reparse: body differs", text);
  check(fields_without_content_length(r) == fields_without_content_length(m),
        "reparse: number of fields differs", text);
  check(r.content_length() == m.body().size(), "reparse: Content-Length differs", text);
  // A second round is a fixed point.
  check(r.to_string() == text, "serialization is not stable", text);
}

void exercise_api(const sm::Message& m) {
  for (std::size_t i = 0; i < sm::kHeaderIdCount; ++i) {
    const auto id = static_cast<sm::HeaderId>(i);
    const sm::Field* first = m.get(id);
    auto all = m.get_all(id);
    check(all.size() == m.count(id), "get_all and count disagree");
    check((first == nullptr) == all.empty(), "get and get_all disagree");
    if (first != nullptr) {
      check(all.front() == first, "get is not the first of get_all");
      check(m.get(first->name) != nullptr, "get by the written name fails");
    }
    auto fetched = m.fetch(id);
    check(fetched.ok() == (first != nullptr), "fetch and get disagree");
  }
  for (const auto& f : m.fields()) {
    if (const auto* via = f.as<sm::Via>()) {
      for (const auto& p : via->params)
        (void)p.text();
    } else if (const auto* na = f.as<sm::NameAddr>()) {
      for (const auto& p : na->params)
        (void)p.text();
      for (const auto& p : na->uri.params)
        (void)p.name.size();
      (void)na->tag();
      (void)sm::to_string(na->uri);
    } else if (const auto* auth = f.as<sm::Auth>()) {
      for (const auto& p : auth->params)
        (void)p.text();
    }
  }
  if (const auto* via = m.top_via())
    check(via == m.get(sm::HeaderId::kVia)->as<sm::Via>(), "top_via");
  if (const auto* cseq = m.cseq()) (void)cseq->seq;
  (void)m.call_id();
  (void)m.max_forwards();
  (void)m.content_length();
  (void)m.method();
}

void exercise_edits(const sm::Message& m) {
  sm::Message copy = m.clone();
  check(copy.to_string() == m.to_string(), "clone serializes differently");
  if (copy.has(sm::HeaderId::kVia)) {
    if (!copy.set_param(sm::HeaderId::kVia, "received", "192.0.2.1").ok()) return;
    if (!copy.set_param(sm::HeaderId::kVia, "rport", std::nullopt).ok()) return;
  }
  if (!copy.put_front(sm::HeaderId::kVia, "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKfuzz").ok()) {
    fail("put_front of a valid Via failed");
  }
  check(copy.top_via() != nullptr && copy.top_via()->branch == "z9hG4bKfuzz", "put_front Via");
  check_roundtrip(copy, "edited message does not reparse");
  check(copy.pop_front(sm::HeaderId::kVia), "pop_front after put_front");
  (void)copy.put(sm::HeaderId::kMaxForwards, "69");
  check(copy.max_forwards() == 69u, "put Max-Forwards");
  copy.set_body("v=0\r\n");
  check_roundtrip(copy, "message with a new body does not reparse");
}

void exercise(const sm::Message& m) {
  (void)sm::validate(m);
  sm::ValidateOptions strict;
  strict.proxy = true;
  strict.check_require = true;
  strict.accepted_content_types = {"application/sdp"};
  strict.producible_content_types = {"application/sdp"};
  auto v = sm::validate(m, strict);
  if (!v.ok()) {
    const int s = v.error().status;
    check(s == 0 || (s >= 400 && s <= 599), "validate status not 0/4xx/5xx");
    check(m.is_request() || s == 0, "an invalid response must not be answered");
  }
  exercise_api(m);
  check_roundtrip(m, "serialization does not reparse");
  exercise_edits(m);
  if (m.is_request() && m.method() != sm::Method::kAck) {
    auto response = sm::build_response(m, 200, {}, "fuzztag");
    if (response.ok()) {
      check(response->status_code() == 200, "build_response code");
      check(response->count(sm::HeaderId::kVia) == m.count(sm::HeaderId::kVia),
            "build_response must copy every Via");
      check_roundtrip(*response, "built response does not reparse");
    }
  }
}

// The parser's fast paths must give exactly what its general grammar gives:
// the same error, or the same fields with the same typed values and views.
void check_fast_paths(std::string_view bytes, sm::ParseOptions options,
                      const sm::Result<sm::Message>& fast) {
  options.fast_paths = false;
  auto general = sm::parse_message(bytes, options);
  check(general.ok() == fast.ok(), "fast path and general grammar disagree on validity", bytes);
  if (!general.ok()) {
    check(general.error().offset == fast.error().offset &&
              general.error().status == fast.error().status &&
              general.error().reason == fast.error().reason,
          "fast path and general grammar give different errors", bytes);
    return;
  }
  check(sippet::test::MessageDump(*general).str() == sippet::test::MessageDump(*fast).str(),
        "fast path and general grammar give different messages", bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (bool datagram : {true, false}) {
    sm::ParseOptions options;
    options.datagram = datagram;
    auto r = sm::parse_message(bytes, options);
    check_fast_paths(bytes, options, r);
    if (!r.ok()) {
      check_error(r.error(), size);
      continue;
    }
    check(r->bytes().size() <= size, "message bytes larger than the input");
    if (!datagram) check(r->bytes().size() == size, "stream parse must use the whole input");
    exercise(*r);
  }
  return 0;
}
