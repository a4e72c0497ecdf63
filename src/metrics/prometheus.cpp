// The text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): a
// family is `# HELP name text`, `# TYPE name counter|gauge`, then its
// samples `name{label="value",...} number`, one per line.
#include "sippet/metrics/prometheus.hpp"

#include <charconv>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "sippet/stack/stack.hpp"

namespace sippet::metrics {

namespace {

using Label = std::pair<std::string_view, std::string_view>;

class Exposition {
 public:
  explicit Exposition(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;  // ours: no backslash or newline to escape
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  template <class Number>
  void sample(std::initializer_list<Label> labels, Number value) {
    out_ += name_;
    if (labels.size() != 0) {
      char separator = '{';
      for (const auto& [label, text] : labels) {
        out_ += separator;
        out_ += label;
        out_ += "=\"";
        append_escaped(text);
        out_ += '"';
        separator = ',';
      }
      out_ += '}';
    }
    out_ += ' ';
    char number[32];
    auto end = std::to_chars(number, number + sizeof number, value).ptr;
    out_.append(number, end);
    out_ += '\n';
  }

 private:
  void append_escaped(std::string_view text) {
    for (char c : text) {
      if (c == '\\' || c == '"') {
        out_ += '\\';
        out_ += c;
      } else if (c == '\n') {
        out_ += "\\n";
      } else {
        out_ += c;
      }
    }
  }

  std::string& out_;
  std::string_view name_;
};

constexpr std::string_view kClasses[stack::kStatusClassCount] = {"1xx", "2xx", "3xx",
                                                                 "4xx", "5xx", "6xx"};

void requests(Exposition& out, std::string_view name, std::string_view help,
              const stack::MessageCounts& counts) {
  out.family(name, "counter", help);
  for (std::size_t i = 0; i < stack::kMethodCount; ++i)
    out.sample({{"method", stack::metric_label(static_cast<message::Method>(i))}},
               counts.requests[i]);
}

void responses(Exposition& out, std::string_view name, std::string_view help,
               const stack::MessageCounts& counts) {
  out.family(name, "counter", help);
  for (std::size_t i = 0; i < stack::kStatusClassCount; ++i)
    out.sample({{"class", kClasses[i]}}, counts.responses[i]);
}

void failures(Exposition& out, std::string_view name, std::string_view help,
              const std::array<std::uint64_t, stack::kErrorKindCount>& counts) {
  // The reasons parsing and validation give, always; any other when seen.
  out.family(name, "counter", help);
  for (std::size_t i = 0; i < stack::kErrorKindCount; ++i) {
    if (i > static_cast<std::size_t>(stack::kLastMessageErrorKind) && counts[i] == 0) continue;
    out.sample({{"reason", stack::metric_label(static_cast<message::ErrorKind>(i))}}, counts[i]);
  }
}

void stack_families(Exposition& out, const stack::MetricsSnapshot& s) {
  using stack::metric_label;
  requests(out, "sippet_requests_received_total",
           "SIP requests received that parsed, retransmissions included, by method.", s.received);
  responses(out, "sippet_responses_received_total",
            "SIP responses received that parsed, retransmissions included, by status class.",
            s.received);
  requests(out, "sippet_requests_sent_total",
           "SIP requests handed to a transport, retransmissions included, by method.", s.sent);
  responses(out, "sippet_responses_sent_total",
            "SIP responses handed to a transport, retransmissions included, by status class.",
            s.sent);
  requests(out, "sippet_requests_retransmitted_total",
           "SIP requests retransmitted by client transactions (Timers A and E), by method.",
           s.retransmitted);
  responses(out, "sippet_responses_retransmitted_total",
            "SIP responses retransmitted by server transactions, by status class.",
            s.retransmitted);
  failures(out, "sippet_parse_failures_total", "Received messages that did not parse, by reason.",
           s.parse_failures);
  failures(out, "sippet_validation_failures_total",
           "Received messages that parsed but failed validation, by reason.",
           s.validation_failures);

  out.family("sippet_responses_discarded_total", "counter",
             "Responses received whose top Via is not ours, discarded (RFC 3261 18.1.2).");
  out.sample({}, s.responses_discarded);

  out.family("sippet_timers_fired_total", "counter",
             "Transaction timers that fired while they mattered, by RFC 3261 letter.");
  for (std::size_t i = 0; i < transaction::kTimerCount; ++i)
    out.sample({{"timer", transaction::to_string(static_cast<transaction::TimerId>(i))}},
               s.timers_fired[i]);

  out.family("sippet_transactions_alive", "gauge", "Live transactions, by kind.");
  for (std::size_t i = 0; i < stack::kTransactionKindCount; ++i)
    out.sample({{"kind", metric_label(static_cast<transaction::Kind>(i))}},
               s.transactions_alive[i]);

  out.family("sippet_transactions_created_total", "counter", "Transactions created, by kind.");
  for (std::size_t i = 0; i < stack::kTransactionKindCount; ++i)
    out.sample({{"kind", metric_label(static_cast<transaction::Kind>(i))}},
               s.created(static_cast<transaction::Kind>(i)));

  out.family("sippet_transactions_ended_total", "counter",
             "Transactions ended, by kind and outcome.");
  for (std::size_t i = 0; i < stack::kTransactionKindCount; ++i) {
    for (std::size_t o = 0; o < stack::kTransactionOutcomeCount; ++o)
      out.sample({{"kind", metric_label(static_cast<transaction::Kind>(i))},
                  {"outcome", metric_label(static_cast<stack::TransactionOutcome>(o))}},
                 s.transactions_ended[i][o]);
  }

  out.family("sippet_transport_errors_total", "counter",
             "Transport errors: failed sends, and errors reported later (ICMP), by source.");
  for (std::size_t i = 0; i < stack::kTransportErrorSourceCount; ++i)
    out.sample({{"source", metric_label(static_cast<stack::TransportErrorSource>(i))}},
               s.transport_errors[i]);

  out.family("sippet_messages_dispatched_total", "counter",
             "Received messages routed to the worker owning their Call-ID, by path: handled by "
             "the worker that read them (own), by the reading thread for another worker "
             "(inline), or queued to the owner (posted).");
  for (std::size_t i = 0; i < stack::kDispatchCount; ++i)
    out.sample({{"path", metric_label(static_cast<stack::Dispatch>(i))}}, s.dispatched[i]);

  out.family("sippet_connections_open", "gauge",
             "Open connections (accepted and opened), by connection-oriented transport.");
  for (transport::Protocol protocol : transport::kAllProtocols) {
    if (!transport::is_reliable(protocol)) continue;
    out.sample({{"transport", transport::facts(protocol).uri_name}}, s.connections_open(protocol));
  }

  out.family("sippet_workers", "gauge", "Worker threads of the stack.");
  out.sample({}, s.workers);

  out.family("sippet_scheduled_tasks", "gauge",
             "Tasks scheduled on the stack's workers and waiting to run (a proxy's Timer C, a "
             "delayed answer).");
  out.sample({}, s.scheduled_tasks);
}

void process_families(Exposition& out, const ProcessMetrics& p) {
  out.family("process_cpu_seconds_total", "counter",
             "Total user and system CPU time spent in seconds.");
  out.sample({}, p.cpu_seconds);
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.sample({}, p.resident_bytes);
  out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  out.sample({}, p.virtual_bytes);
  out.family("process_start_time_seconds", "gauge",
             "Start time of the process since unix epoch in seconds.");
  out.sample({}, p.start_time_seconds);
  out.family("process_open_fds", "gauge", "Number of open file descriptors.");
  out.sample({}, p.open_fds);
  out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  out.sample({}, p.max_fds);
  out.family("process_threads", "gauge", "Number of OS threads in the process.");
  out.sample({}, p.threads);
}

}  // namespace

std::string format_prometheus(const stack::MetricsSnapshot& snapshot,
                              const std::optional<ProcessMetrics>& process) {
  std::string text;
  text.reserve(16384);
  Exposition out(text);
  stack_families(out, snapshot);
  if (process) process_families(out, *process);
  return text;
}

std::string scrape(const stack::Stack& stack) {
  return format_prometheus(stack.metrics(), read_process_metrics());
}

}  // namespace sippet::metrics
