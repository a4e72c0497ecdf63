#pragma once
// A binding (RFC 3261 §10): one contact address of an address of record, with
// what the registrar needs to keep it, refresh it and reach it.
#include <cstdint>
#include <string>
#include <vector>

#include "sippet/message/result.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::registrar {

// Seconds since the Unix epoch. The registrar has no clock of its own: every
// call that needs the time is given it.
using UnixSeconds = std::int64_t;

struct Binding {
  std::string aor;           // canonical address of record (§10.3 step 5)
  std::string contact;       // the Contact URI as written
  std::string params;        // the Contact's params without `expires` ("q=0.5;+sip.instance=...")
  int q = -1;                // q-value in thousandths (0..1000); -1 when the Contact has none
  std::string instance;      // RFC 5626 +sip.instance, without quotes; "" when none
  std::uint32_t reg_id = 0;  // RFC 5626 reg-id; 0 when none (reg-id is 1..2^31-1)
  std::string call_id;       // of the REGISTER that last set it (§10.3 step 7)
  std::uint32_t cseq = 0;
  UnixSeconds expires_at = 0;
  std::vector<std::string> path;  // RFC 3327 Path values, in order
  transport::Flow flow;           // where its REGISTER came from (RFC 5626 §3)

  friend bool operator==(const Binding&, const Binding&) = default;
};

// The text form of a flow kept by storage: "UDP|127.0.0.1:5060|127.0.0.1:40000|0"
// (protocol, local, remote, connection), and back.
std::string flow_to_text(const transport::Flow& flow);
message::Result<transport::Flow> flow_from_text(std::string_view text);

// Path values joined with '\n' (never part of a URI), and back.
std::string join_path(const std::vector<std::string>& path);
std::vector<std::string> split_path(std::string_view text);

}  // namespace sippet::registrar
