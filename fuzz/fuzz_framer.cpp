// libFuzzer target: stream framing (RFC 3261 §18.3, RFC 5626 §3.5.1
// keep-alives). The input is taken as the bytes buffered on a connection;
// framing must agree with itself however the bytes were split on arrival.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "sippet/message/parser.hpp"

namespace sm = sippet::message;
using Status = sm::Frame::Status;

namespace {

// Small enough that the fuzzer reaches the limit.
constexpr std::size_t kMaxSize = 2048;

void check(bool ok, const char* what, std::size_t at) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_framer invariant broken at split %zu: %s\n", at, what);
  std::abort();
}

// What one frame_stream() answer may say about `buffered`.
void check_frame(const sm::Frame& f, std::string_view buffered, std::size_t at) {
  check(f.size <= buffered.size(), "frame size exceeds the buffered bytes", at);
  switch (f.status) {
    case Status::kMessage:
      check(f.size > 0, "empty message frame", at);
      check(f.size <= kMaxSize, "message frame above max_size", at);
      break;
    case Status::kKeepalive:
      check(f.size > 0, "empty keep-alive frame", at);
      check(std::all_of(buffered.begin(), buffered.begin() + static_cast<std::ptrdiff_t>(f.size),
                        [](char c) { return c == '\r' || c == '\n'; }),
            "keep-alive frame holds other octets than CR/LF", at);
      break;
    case Status::kMalformed:
      check(f.error.status == 0 || (f.error.status >= 400 && f.error.status <= 599),
            "malformed frame status not 0/4xx/5xx", at);
      break;
    case Status::kIncomplete:
      break;
  }
}

// A prefix of the input (the bytes received so far) must not contradict the
// answer for the whole input.
void check_prefix(const sm::Frame& whole, std::string_view input, std::size_t i) {
  const std::string_view prefix = input.substr(0, i);
  const sm::Frame f = sm::frame_stream(prefix, kMaxSize);
  check_frame(f, prefix, i);
  if (whole.status == Status::kMessage) {
    if (i < whole.size) {
      // (Leading CRLFs may be reported as keep-alives on their own.)
      check(f.status == Status::kIncomplete || f.status == Status::kKeepalive,
            "prefix shorter than the message is neither incomplete nor a keep-alive", i);
    } else {
      check(f.status == Status::kMessage && f.size == whole.size,
            "prefix holding the whole message frames differently", i);
    }
  }
  if (f.status == Status::kMessage) {
    check(whole.status == Status::kMessage && whole.size == f.size,
          "a prefix frames a message the whole input does not", i);
  }
  // More bytes cannot repair what was already unframeable.
  if (f.status == Status::kMalformed) {
    check(whole.status == Status::kMalformed, "a prefix is malformed but the whole input is not",
          i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const sm::Frame whole = sm::frame_stream(input, kMaxSize);
  check_frame(whole, input, size);

  // Every split point for small inputs; for large ones a spread of them plus
  // the ones around the frame boundary.
  const std::size_t step = size <= 1024 ? 1 : size / 512;
  for (std::size_t i = 0; i < size; i += step)
    check_prefix(whole, input, i);
  for (std::size_t d = 0; d < 3; ++d) {
    if (whole.size + d >= 1 && whole.size + d - 1 <= size)
      check_prefix(whole, input, whole.size + d - 1);
  }

  // Whatever follows a frame is framed in turn, like a connection would.
  std::string_view rest = input;
  sm::Frame f = whole;
  for (int frames = 0;
       frames < 64 && (f.status == Status::kMessage || f.status == Status::kKeepalive); ++frames) {
    if (f.status == Status::kMessage) {
      sm::ParseOptions options;
      options.datagram = false;
      options.max_size = kMaxSize;
      auto m = sm::parse_message(rest.substr(0, f.size), options);
      if (m.ok())
        check(m->bytes().size() == f.size, "stream parse size differs from frame", f.size);
    }
    rest.remove_prefix(f.size);
    f = sm::frame_stream(rest, kMaxSize);
    check_frame(f, rest, size - rest.size());
  }
  return 0;
}
