#include "capture_options.hpp"

#include <cstring>
#include <string_view>

#include "serve_options.hpp"
#include "sippet/capture/hep.hpp"
#include "sippet/capture/pcap.hpp"

namespace sippet::app {

const char* const kCaptureUsage =
    "  --trace           print every message received and sent (time, direction, flow,\n"
    "                    size, the message)\n"
    "  --trace-file FILE write the trace to FILE instead (implies --trace)\n"
    "  --trace-format F  text (readable blocks, the default) or json (one object a line)\n"
    "  --pcap FILE       write every message to FILE as a pcap capture (UDP packets)\n"
    "  --hep udp:HOST:PORT\n"
    "                    send a HEP3 copy of every message to a capture server (Homer)\n"
    "  --hep-id N        HEP capture agent id (default 1)\n";

int parse_capture_option(int argc, char** argv, int& i, const char* command,
                         CaptureOptions& options) {
  const std::string_view arg = argv[i];
  if (arg == "--trace") {
    options.trace = true;
    return 1;
  }
  if (arg != "--trace-file" && arg != "--trace-format" && arg != "--pcap" && arg != "--hep" &&
      arg != "--hep-id")
    return 0;
  const char* value = option_value(argc, argv, i, command);
  if (value == nullptr) return -1;
  if (arg == "--trace-file") {
    options.trace = true;
    options.trace_file = value;
  } else if (arg == "--trace-format") {
    if (!capture::parse_trace_format(value, options.trace_format)) {
      std::fprintf(stderr, "sippet %s: --trace-format %s: 'text' or 'json'\n", command, value);
      return -1;
    }
    options.trace = true;
  } else if (arg == "--pcap") {
    options.pcap_file = value;
  } else if (arg == "--hep") {
    options.hep_target = value;
  } else {
    auto n = parse_number(value, 0, 0xFFFFFFFFL);
    if (!n) {
      std::fprintf(stderr, "sippet %s: --hep-id '%s' is not a 32-bit number\n", command, value);
      return -1;
    }
    options.hep_id = static_cast<std::uint32_t>(*n);
  }
  return 1;
}

bool Captures::open(const CaptureOptions& options, const char* command, std::FILE* trace_stream,
                    bool synchronous_trace) {
  if (options.trace) {
    std::FILE* file = trace_stream;
    if (!options.trace_file.empty()) {
      file = std::fopen(options.trace_file.c_str(), "w");
      if (file == nullptr) {
        std::fprintf(stderr, "sippet %s: --trace-file %s: %s\n", command,
                     options.trace_file.c_str(), std::strerror(errno));
        return false;
      }
    }
    capture::WriterOptions writer;
    writer.synchronous = synchronous_trace;
    writers_.push_back({"trace", std::make_shared<capture::CaptureWriter>(
                                     std::make_unique<capture::TraceSink>(
                                         file, file != trace_stream, options.trace_format),
                                     writer)});
  }
  if (!options.pcap_file.empty()) {
    std::FILE* file = std::fopen(options.pcap_file.c_str(), "wb");
    if (file == nullptr) {
      std::fprintf(stderr, "sippet %s: --pcap %s: %s\n", command, options.pcap_file.c_str(),
                   std::strerror(errno));
      return false;
    }
    writers_.push_back({"pcap", std::make_shared<capture::CaptureWriter>(
                                    std::make_unique<capture::PcapSink>(file))});
  }
  if (!options.hep_target.empty()) {
    auto sink = capture::HepSink::open(options.hep_target, options.hep_id);
    if (!sink) {
      std::fprintf(stderr, "sippet %s: --hep %s\n", command, sink.error().reason.c_str());
      return false;
    }
    capture::HepSink* hep = sink->get();
    hep_send_errors_ = [hep] { return hep->send_errors(); };
    writers_.push_back({"hep", std::make_shared<capture::CaptureWriter>(std::move(*sink))});
  }
  return true;
}

void Captures::install(stack::StackConfig& config) const {
  for (const Writer& writer : writers_)
    config.observers.push_back(writer.writer);
}

void Captures::close_and_report(const char* command) {
  for (Writer& writer : writers_) {
    writer.writer->close();
    std::string errors;
    if (writer.name == "hep" && hep_send_errors_)
      errors = ", " + std::to_string(hep_send_errors_()) + " sends failed";
    std::fprintf(stderr, "sippet %s: %s: %llu messages written, %llu dropped%s\n", command,
                 writer.name.c_str(), static_cast<unsigned long long>(writer.writer->written()),
                 static_cast<unsigned long long>(writer.writer->dropped()), errors.c_str());
  }
}

}  // namespace sippet::app
