// Prometheus's text format (0.0.4) of a hand-built snapshot, exactly; and
// of a live stack and this process.
#include "sippet/metrics/prometheus.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "sippet/stack/stack.hpp"

namespace sippet::metrics {
namespace {

constexpr const char* kExpected =
    R"(# HELP sippet_requests_received_total SIP requests received that parsed, retransmissions included, by method.
# TYPE sippet_requests_received_total counter
sippet_requests_received_total{method="INVITE"} 20
sippet_requests_received_total{method="ACK"} 0
sippet_requests_received_total{method="BYE"} 0
sippet_requests_received_total{method="CANCEL"} 0
sippet_requests_received_total{method="OPTIONS"} 0
sippet_requests_received_total{method="REGISTER"} 0
sippet_requests_received_total{method="INFO"} 0
sippet_requests_received_total{method="MESSAGE"} 0
sippet_requests_received_total{method="PRACK"} 0
sippet_requests_received_total{method="UPDATE"} 0
sippet_requests_received_total{method="SUBSCRIBE"} 0
sippet_requests_received_total{method="NOTIFY"} 0
sippet_requests_received_total{method="REFER"} 0
sippet_requests_received_total{method="PUBLISH"} 0
sippet_requests_received_total{method="other"} 1
# HELP sippet_responses_received_total SIP responses received that parsed, retransmissions included, by status class.
# TYPE sippet_responses_received_total counter
sippet_responses_received_total{class="1xx"} 0
sippet_responses_received_total{class="2xx"} 3
sippet_responses_received_total{class="3xx"} 0
sippet_responses_received_total{class="4xx"} 0
sippet_responses_received_total{class="5xx"} 0
sippet_responses_received_total{class="6xx"} 0
# HELP sippet_requests_sent_total SIP requests handed to a transport, retransmissions included, by method.
# TYPE sippet_requests_sent_total counter
sippet_requests_sent_total{method="INVITE"} 0
sippet_requests_sent_total{method="ACK"} 0
sippet_requests_sent_total{method="BYE"} 0
sippet_requests_sent_total{method="CANCEL"} 0
sippet_requests_sent_total{method="OPTIONS"} 0
sippet_requests_sent_total{method="REGISTER"} 0
sippet_requests_sent_total{method="INFO"} 0
sippet_requests_sent_total{method="MESSAGE"} 0
sippet_requests_sent_total{method="PRACK"} 0
sippet_requests_sent_total{method="UPDATE"} 0
sippet_requests_sent_total{method="SUBSCRIBE"} 0
sippet_requests_sent_total{method="NOTIFY"} 0
sippet_requests_sent_total{method="REFER"} 0
sippet_requests_sent_total{method="PUBLISH"} 0
sippet_requests_sent_total{method="other"} 0
# HELP sippet_responses_sent_total SIP responses handed to a transport, retransmissions included, by status class.
# TYPE sippet_responses_sent_total counter
sippet_responses_sent_total{class="1xx"} 20
sippet_responses_sent_total{class="2xx"} 40
sippet_responses_sent_total{class="3xx"} 0
sippet_responses_sent_total{class="4xx"} 0
sippet_responses_sent_total{class="5xx"} 0
sippet_responses_sent_total{class="6xx"} 0
# HELP sippet_requests_retransmitted_total SIP requests retransmitted by client transactions (Timers A and E), by method.
# TYPE sippet_requests_retransmitted_total counter
sippet_requests_retransmitted_total{method="INVITE"} 0
sippet_requests_retransmitted_total{method="ACK"} 0
sippet_requests_retransmitted_total{method="BYE"} 0
sippet_requests_retransmitted_total{method="CANCEL"} 0
sippet_requests_retransmitted_total{method="OPTIONS"} 0
sippet_requests_retransmitted_total{method="REGISTER"} 0
sippet_requests_retransmitted_total{method="INFO"} 0
sippet_requests_retransmitted_total{method="MESSAGE"} 0
sippet_requests_retransmitted_total{method="PRACK"} 0
sippet_requests_retransmitted_total{method="UPDATE"} 0
sippet_requests_retransmitted_total{method="SUBSCRIBE"} 0
sippet_requests_retransmitted_total{method="NOTIFY"} 0
sippet_requests_retransmitted_total{method="REFER"} 0
sippet_requests_retransmitted_total{method="PUBLISH"} 0
sippet_requests_retransmitted_total{method="other"} 0
# HELP sippet_responses_retransmitted_total SIP responses retransmitted by server transactions, by status class.
# TYPE sippet_responses_retransmitted_total counter
sippet_responses_retransmitted_total{class="1xx"} 0
sippet_responses_retransmitted_total{class="2xx"} 2
sippet_responses_retransmitted_total{class="3xx"} 0
sippet_responses_retransmitted_total{class="4xx"} 0
sippet_responses_retransmitted_total{class="5xx"} 0
sippet_responses_retransmitted_total{class="6xx"} 0
# HELP sippet_parse_failures_total Received messages that did not parse, by reason.
# TYPE sippet_parse_failures_total counter
sippet_parse_failures_total{reason="malformed_start_line"} 4
sippet_parse_failures_total{reason="bad_version"} 0
sippet_parse_failures_total{reason="malformed_header"} 0
sippet_parse_failures_total{reason="malformed_uri"} 0
sippet_parse_failures_total{reason="bad_content_length"} 0
sippet_parse_failures_total{reason="incomplete"} 0
sippet_parse_failures_total{reason="too_large"} 0
sippet_parse_failures_total{reason="missing_header"} 0
sippet_parse_failures_total{reason="multiple_values"} 0
sippet_parse_failures_total{reason="method_mismatch"} 0
sippet_parse_failures_total{reason="unsupported_scheme"} 0
sippet_parse_failures_total{reason="too_many_hops"} 0
sippet_parse_failures_total{reason="header_too_large"} 0
# HELP sippet_validation_failures_total Received messages that parsed but failed validation, by reason.
# TYPE sippet_validation_failures_total counter
sippet_validation_failures_total{reason="malformed_start_line"} 0
sippet_validation_failures_total{reason="bad_version"} 0
sippet_validation_failures_total{reason="malformed_header"} 0
sippet_validation_failures_total{reason="malformed_uri"} 0
sippet_validation_failures_total{reason="bad_content_length"} 0
sippet_validation_failures_total{reason="incomplete"} 0
sippet_validation_failures_total{reason="too_large"} 0
sippet_validation_failures_total{reason="missing_header"} 5
sippet_validation_failures_total{reason="multiple_values"} 0
sippet_validation_failures_total{reason="method_mismatch"} 0
sippet_validation_failures_total{reason="unsupported_scheme"} 0
sippet_validation_failures_total{reason="too_many_hops"} 0
sippet_validation_failures_total{reason="header_too_large"} 0
# HELP sippet_responses_discarded_total Responses received whose top Via is not ours, discarded (RFC 3261 18.1.2).
# TYPE sippet_responses_discarded_total counter
sippet_responses_discarded_total 6
# HELP sippet_timers_fired_total Transaction timers that fired while they mattered, by RFC 3261 letter.
# TYPE sippet_timers_fired_total counter
sippet_timers_fired_total{timer="A"} 0
sippet_timers_fired_total{timer="B"} 0
sippet_timers_fired_total{timer="D"} 0
sippet_timers_fired_total{timer="E"} 0
sippet_timers_fired_total{timer="F"} 0
sippet_timers_fired_total{timer="G"} 0
sippet_timers_fired_total{timer="H"} 0
sippet_timers_fired_total{timer="I"} 0
sippet_timers_fired_total{timer="J"} 0
sippet_timers_fired_total{timer="K"} 0
sippet_timers_fired_total{timer="L"} 7
sippet_timers_fired_total{timer="M"} 0
sippet_timers_fired_total{timer="Trying"} 0
# HELP sippet_transactions_alive Live transactions, by kind.
# TYPE sippet_transactions_alive gauge
sippet_transactions_alive{kind="client_invite"} 0
sippet_transactions_alive{kind="client_non_invite"} 0
sippet_transactions_alive{kind="server_invite"} 8
sippet_transactions_alive{kind="server_non_invite"} 0
# HELP sippet_transactions_created_total Transactions created, by kind.
# TYPE sippet_transactions_created_total counter
sippet_transactions_created_total{kind="client_invite"} 0
sippet_transactions_created_total{kind="client_non_invite"} 10
sippet_transactions_created_total{kind="server_invite"} 17
sippet_transactions_created_total{kind="server_non_invite"} 0
# HELP sippet_transactions_ended_total Transactions ended, by kind and outcome.
# TYPE sippet_transactions_ended_total counter
sippet_transactions_ended_total{kind="client_invite",outcome="completed"} 0
sippet_transactions_ended_total{kind="client_invite",outcome="timeout"} 0
sippet_transactions_ended_total{kind="client_invite",outcome="transport_error"} 0
sippet_transactions_ended_total{kind="client_invite",outcome="terminated"} 0
sippet_transactions_ended_total{kind="client_non_invite",outcome="completed"} 0
sippet_transactions_ended_total{kind="client_non_invite",outcome="timeout"} 10
sippet_transactions_ended_total{kind="client_non_invite",outcome="transport_error"} 0
sippet_transactions_ended_total{kind="client_non_invite",outcome="terminated"} 0
sippet_transactions_ended_total{kind="server_invite",outcome="completed"} 9
sippet_transactions_ended_total{kind="server_invite",outcome="timeout"} 0
sippet_transactions_ended_total{kind="server_invite",outcome="transport_error"} 0
sippet_transactions_ended_total{kind="server_invite",outcome="terminated"} 0
sippet_transactions_ended_total{kind="server_non_invite",outcome="completed"} 0
sippet_transactions_ended_total{kind="server_non_invite",outcome="timeout"} 0
sippet_transactions_ended_total{kind="server_non_invite",outcome="transport_error"} 0
sippet_transactions_ended_total{kind="server_non_invite",outcome="terminated"} 0
# HELP sippet_transport_errors_total Transport errors: failed sends, and errors reported later (ICMP), by source.
# TYPE sippet_transport_errors_total counter
sippet_transport_errors_total{source="send"} 0
sippet_transport_errors_total{source="reported"} 11
# HELP sippet_messages_dispatched_total Received messages routed to the worker owning their Call-ID, by path: handled by the worker that read them (own), by the reading thread for another worker (inline), or queued to the owner (posted).
# TYPE sippet_messages_dispatched_total counter
sippet_messages_dispatched_total{path="own"} 0
sippet_messages_dispatched_total{path="inline"} 0
sippet_messages_dispatched_total{path="posted"} 12
# HELP sippet_connections_open Open connections (accepted and opened), by connection-oriented transport.
# TYPE sippet_connections_open gauge
sippet_connections_open{transport="tcp"} 7
sippet_connections_open{transport="tls"} 3
sippet_connections_open{transport="ws"} 0
sippet_connections_open{transport="wss"} 0
# HELP sippet_workers Worker threads of the stack.
# TYPE sippet_workers gauge
sippet_workers 2
# HELP sippet_scheduled_tasks Tasks scheduled on the stack's workers and waiting to run (a proxy's Timer C, a delayed answer).
# TYPE sippet_scheduled_tasks gauge
sippet_scheduled_tasks 4
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.25
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 37748736
# HELP process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE process_virtual_memory_bytes gauge
process_virtual_memory_bytes 1073741824
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1764950400.5
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 9
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 1024
# HELP process_threads Number of OS threads in the process.
# TYPE process_threads gauge
process_threads 5
)";

TEST(Prometheus, HandBuiltSnapshotGivesThisExactText) {
  stack::MetricsSnapshot s;
  s.received.requests[static_cast<std::size_t>(message::Method::kInvite)] = 20;
  s.received.requests[static_cast<std::size_t>(message::Method::kExtension)] = 1;
  s.received.responses[1] = 3;
  s.sent.responses[0] = 20;
  s.sent.responses[1] = 40;
  s.retransmitted.responses[1] = 2;
  s.parse_failures[static_cast<std::size_t>(message::ErrorKind::kMalformedStartLine)] = 4;
  s.validation_failures[static_cast<std::size_t>(message::ErrorKind::kMissingHeader)] = 5;
  s.responses_discarded = 6;
  s.timers_fired[static_cast<std::size_t>(transaction::TimerId::kL)] = 7;
  s.transactions_alive[static_cast<std::size_t>(transaction::Kind::kServerInvite)] = 8;
  s.transactions_ended[static_cast<std::size_t>(transaction::Kind::kServerInvite)][0] = 9;
  s.transactions_ended[static_cast<std::size_t>(transaction::Kind::kClientNonInvite)][1] = 10;
  s.transport_errors[1] = 11;
  s.dispatched[2] = 12;
  s.connections[static_cast<std::size_t>(transport::Protocol::kTcp)] = 7;
  s.connections[static_cast<std::size_t>(transport::Protocol::kTls)] = 3;
  s.workers = 2;
  s.scheduled_tasks = 4;
  ProcessMetrics p;
  p.cpu_seconds = 1.25;
  p.resident_bytes = 37748736;
  p.virtual_bytes = 1073741824;
  p.start_time_seconds = 1764950400.5;
  p.open_fds = 9;
  p.max_fds = 1024;
  p.threads = 5;
  EXPECT_EQ(format_prometheus(s, p), kExpected);
}

TEST(Prometheus, WithoutProcessFiguresThereAreNone) {
  const std::string text = format_prometheus(stack::MetricsSnapshot{});
  EXPECT_EQ(text.find("process_"), std::string::npos);
  EXPECT_NE(text.find("\nsippet_workers 0\n"), std::string::npos);
}

TEST(Prometheus, OtherFailureReasonsAppearOnceSeen) {
  stack::MetricsSnapshot snapshot;
  const std::string before = format_prometheus(snapshot);
  EXPECT_EQ(before.find("reason=\"no_route\""), std::string::npos);
  snapshot.validation_failures[static_cast<std::size_t>(message::ErrorKind::kNoRoute)] = 1;
  EXPECT_NE(format_prometheus(snapshot).find(
                "\nsippet_validation_failures_total{reason=\"no_route\"} 1\n"),
            std::string::npos);
}

TEST(Prometheus, ProcessFiguresAreRead) {
  auto process = read_process_metrics();
  ASSERT_TRUE(process.has_value());
  EXPECT_GT(process->resident_bytes, 0u);
  EXPECT_GE(process->virtual_bytes, process->resident_bytes);
  EXPECT_GT(process->start_time_seconds, 1.5e9);  // after 2017
  EXPECT_GT(process->open_fds, 2u);               // stdin, stdout, stderr at least
  EXPECT_GE(process->max_fds, process->open_fds);
  EXPECT_GE(process->threads, 1u);
  EXPECT_GE(process->cpu_seconds, 0.0);
}

// Every sample belongs to the family declared just before it, with HELP
// then TYPE; counters end in _total; no family is declared twice.
TEST(Prometheus, EveryLineIsWellFormed) {
  stack::MetricsSnapshot snapshot;
  const std::string text = format_prometheus(snapshot, read_process_metrics());
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  std::istringstream lines(text);
  std::string line, family, type;
  std::set<std::string> declared;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(declared.insert(family).second) << family;
      type.clear();
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      EXPECT_EQ(line.substr(7, family.size() + 1), family + " ");
      type = line.substr(7 + family.size() + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge") << line;
      if (type == "counter") {
        EXPECT_TRUE(family.ends_with("_total")) << family;
      }
      continue;
    }
    ASSERT_FALSE(type.empty()) << line;
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_EQ(name, family) << line;
    const std::string value = line.substr(line.rfind(' ') + 1);
    EXPECT_FALSE(value.empty());
    EXPECT_EQ(value.find_first_not_of("0123456789.e+-"), std::string::npos) << line;
  }
}

class SilentCore : public stack::Core {
  void receive_request(message::Message, std::optional<stack::Transaction>,
                       const transport::Flow&) override {}
  void receive_response(message::Message, std::optional<stack::Transaction>,
                        const transport::Flow&) override {}
  void receive_error(const stack::TransactionError&, stack::Transaction) override {}
};

TEST(Prometheus, ScrapeOfALiveStack) {
  stack::StackConfig config;
  config.listen.push_back(*transport::parse_listen_spec("udp:127.0.0.1:0"));
  config.threads = 3;
  SilentCore core;
  auto created = stack::Stack::create(std::move(config), core);
  ASSERT_TRUE(created.ok()) << created.error().reason;
  const std::string text = scrape(**created);
  EXPECT_NE(text.find("\nsippet_workers 3\n"), std::string::npos);
  EXPECT_NE(text.find("\nsippet_requests_received_total{method=\"INVITE\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace sippet::metrics
