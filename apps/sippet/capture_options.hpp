#pragma once
// The capture options of `sippet serve` and `sippet send`: message traces,
// pcap files and HEP (sippet_capture), installed as the stack's observers.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sippet/capture/trace.hpp"
#include "sippet/capture/writer.hpp"
#include "sippet/stack/stack.hpp"

namespace sippet::app {

struct CaptureOptions {
  bool trace = false;
  std::string trace_file;  // empty: the command's default stream
  capture::TraceFormat trace_format = capture::TraceFormat::kText;
  std::string pcap_file;
  std::string hep_target;  // "udp:HOST:PORT"
  std::uint32_t hep_id = 1;
};

// The usage lines of the options below.
extern const char* const kCaptureUsage;

// Parses argv[i] when it is a capture option (and its value, advancing i):
// 1 when it was one, 0 when it is not, -1 after printing an error.
int parse_capture_option(int argc, char** argv, int& i, const char* command,
                         CaptureOptions& options);

// The writers the options ask for.
class Captures {
 public:
  // Opens the files and the HEP socket; prints an error and returns false
  // when one cannot be. A trace without a file goes to `trace_stream`;
  // `synchronous_trace` writes it on the stack's threads (see writer.hpp).
  bool open(const CaptureOptions& options, const char* command, std::FILE* trace_stream,
            bool synchronous_trace);
  void install(stack::StackConfig& config) const;
  // Writes what is queued and closes; prints what each wrote and dropped
  // on stderr ("sippet serve: pcap: 120 messages written, 0 dropped").
  void close_and_report(const char* command);

 private:
  struct Writer {
    std::string name;
    std::shared_ptr<capture::CaptureWriter> writer;
  };
  std::vector<Writer> writers_;
  std::function<std::uint64_t()> hep_send_errors_;
};

}  // namespace sippet::app
