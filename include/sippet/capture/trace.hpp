#pragma once
// Message traces: every message in and out as a readable block or as one
// JSON object per line (docs/observability.md has both formats).
#include <cstdio>
#include <string>
#include <string_view>

#include "sippet/capture/writer.hpp"
#include "sippet/stack/observer.hpp"

namespace sippet::capture {

enum class TraceFormat { kText, kJson };

// "text" or "json"; false for anything else.
bool parse_trace_format(std::string_view text, TraceFormat& out);

// Appends the trace of one message to `out`:
// - text: a line "--- <time> received|sent <size> bytes over <transport>
//   <local> <- | -> <remote>[ #<connection>]", a line "refused: <reason>"
//   for a refused message, the start line and headers as on the wire, and
//   the body when it is text (else a line saying how long it is), then an
//   empty line;
// - json: one object and "\n": time, direction ("in", "out"), transport,
//   local, remote, connection, size, error (refused messages only), and
//   message (or message_base64 when the bytes are not UTF-8).
void format_trace(const stack::MessageEvent& event, TraceFormat format, std::string& out);

// "2026-12-01T10:00:00.123456Z".
void append_time(std::chrono::system_clock::time_point time, std::string& out);

// Writes traces to a FILE (stdout, or a file it owns when `owned`).
class TraceSink final : public Sink {
 public:
  TraceSink(std::FILE* file, bool owned, TraceFormat format)
      : file_(file), owned_(owned), format_(format) {}
  ~TraceSink() override;
  void write(const stack::MessageEvent& event) override;
  void flush() override;

 private:
  std::FILE* file_;
  bool owned_;
  TraceFormat format_;
  std::string buffer_;
};

}  // namespace sippet::capture
