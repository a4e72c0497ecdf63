// RFC 3263 §4.1 and §4.2 as a function of what DNS answered so far
// (locate.hpp): the resolver runs it, makes the queries it names, runs it
// again.
#include "sippet/dns/locate.hpp"

#include <algorithm>

namespace sippet::dns {

namespace {

using transport::Protocol;

message::Error failed(std::string reason) {
  return message::Error{message::ErrorKind::kResolveFailed, 0, 0, std::move(reason)};
}

bool has(const std::vector<Protocol>& transports, Protocol protocol) {
  if (transports.empty()) return protocol == Protocol::kUdp;
  return std::find(transports.begin(), transports.end(), protocol) != transports.end();
}

class Run {
 public:
  Run(const Lookup& lookup, Random random, const LocateQuery& query)
      : lookup_(lookup), random_(random), records_(query.records), host_(query.host) {}

  void record(std::string line) {
    if (records_) location_.records.push_back(std::move(line));
  }

  // The answer for (name, type), or nullptr after noting the query needed.
  const Answer* get(const std::string& name, RecordType type) {
    const Answer* answer = lookup_(name, type);
    if (answer == nullptr) {
      Need need{name, type};
      if (std::find(needs_.begin(), needs_.end(), need) == needs_.end())
        needs_.push_back(std::move(need));
      return nullptr;
    }
    if (answer->status == Answer::Status::kFailed && first_error_.empty())
      first_error_ = std::string(to_string(type)) + ' ' + name + ": " + answer->error;
    return answer;
  }

  // §4.2: the A then AAAA addresses of `name`, each on `port`.
  bool addresses(const std::string& name, std::uint16_t port, Protocol protocol) {
    const Answer* a = get(name, RecordType::kA);
    const Answer* aaaa = get(name, RecordType::kAaaa);
    if (a == nullptr || aaaa == nullptr) return false;
    add_addresses(name, RecordType::kA, *a, port, protocol);
    add_addresses(name, RecordType::kAaaa, *aaaa, port, protocol);
    return true;
  }

  // The targets of an SRV name, ordered (§4.2, RFC 2782). False while
  // answers are missing; `found` says whether it had records.
  bool srv_targets(const std::string& name, Protocol protocol, bool* found = nullptr) {
    const Answer* answer = get(name, RecordType::kSrv);
    if (answer == nullptr) return false;
    if (found != nullptr) *found = answer->has_records();
    if (!answer->has_records()) return true;
    bool complete = true;
    for (const Srv* srv : order_srv(answer->srv, random_)) {
      if (records_) record(describe(name, *srv, answer->ttl));
      auto target = normalize_name(srv->target);
      if (!target) continue;
      complete = addresses(*target, srv->port, protocol) && complete;
    }
    return complete;
  }

  Step finish() {
    Step step;
    if (!needs_.empty()) {
      step.needs = std::move(needs_);
      return step;
    }
    if (location_.targets.empty()) {
      step.done =
          failed(first_error_.empty() ? host_ + ": no address found for the transports we have"
                                      : first_error_);
      return step;
    }
    step.done = std::move(location_);
    return step;
  }

  Step fail(std::string reason) {
    Step step;
    step.done = failed(std::move(reason));
    return step;
  }

  Location& location() { return location_; }
  bool waiting() const { return !needs_.empty(); }
  const std::string& first_error() const { return first_error_; }

 private:
  void add_addresses(const std::string& name, RecordType type, const Answer& answer,
                     std::uint16_t port, Protocol protocol) {
    if (!answer.has_records()) return;
    for (transport::Endpoint address : answer.addresses) {
      if (records_) record(describe(name, type, address, answer.ttl, answer.from_hosts_file));
      address.set_port(port);
      Target target{protocol, address, name};
      auto same = [&](const Target& t) {
        return t.protocol == target.protocol && t.address == target.address;
      };
      if (std::none_of(location_.targets.begin(), location_.targets.end(), same))
        location_.targets.push_back(std::move(target));
    }
  }

  const Lookup& lookup_;
  Random random_;
  const bool records_;
  const std::string& host_;
  std::vector<Need> needs_;
  Location location_;
  std::string first_error_;
};

}  // namespace

Step locate_step(const LocateQuery& query, const Lookup& lookup, Random random,
                 const LocateOptions& options) {
  const Protocol fallback = query.secure ? Protocol::kTls : Protocol::kUdp;
  Run run(lookup, random, query);
  // §4.1: a numeric address needs no DNS; the transport is the URI's, else
  // UDP (TLS for sips:); §4.2: the port is the URI's, else the default.
  if (auto numeric = transport::Endpoint::from_ip(query.host, 0)) {
    const Protocol protocol = query.protocol.value_or(fallback);
    numeric->set_port(query.port.value_or(transport::default_port(protocol)));
    run.location().targets.push_back(Target{protocol, *numeric, ""});
    return run.finish();
  }
  auto domain = normalize_name(query.host);
  if (!domain) return run.fail("not a host name: " + query.host);

  if (query.protocol || query.port) {
    // §4.1: an explicit transport decides it; an explicit port without one
    // means UDP (TLS for sips:). §4.2: an explicit port means A/AAAA on it;
    // else SRV for the transport, and A/AAAA on its default port without.
    const Protocol protocol = query.protocol.value_or(fallback);
    if (query.port) {
      run.addresses(*domain, *query.port, protocol);
      return run.finish();
    }
    bool found = false;
    if (auto name = srv_name(protocol, *domain)) {
      if (!run.srv_targets(*name, protocol, &found)) return run.finish();
    }
    if (!found) run.addresses(*domain, transport::default_port(protocol), protocol);
    return run.finish();
  }

  if (options.naptr) {
    // §4.1: NAPTR, filtered by the transports we have and by sips:.
    const Answer* naptr = run.get(*domain, RecordType::kNaptr);
    if (naptr == nullptr) return run.finish();
    if (naptr->status == Answer::Status::kFailed) return run.fail(run.first_error());
    if (naptr->has_records()) {
      std::vector<std::string> skipped;
      auto choices = usable_naptr(naptr->naptr, query.secure, query.transports,
                                  query.records ? &skipped : nullptr);
      if (!choices.empty()) {
        if (query.records) {
          for (const auto& choice : choices)
            run.record(describe(*domain, *choice.record, naptr->ttl));
          for (auto& line : skipped)
            run.record(std::move(line));
        }
        for (const auto& choice : choices) {
          // The replacement is an SRV name (flag "s"); its records lead to
          // the addresses. Every choice is kept, in order, to fail over to.
          run.srv_targets(*normalize_name(choice.record->replacement), choice.protocol);
        }
        return run.finish();
      }
    }
  }

  // §4.1: no (usable) NAPTR: SRV for each transport we have, "_sips" only
  // for sips:. The order among them is ours: UDP, TCP, then TLS.
  std::vector<Protocol> protocols;
  for (Protocol protocol : {Protocol::kUdp, Protocol::kTcp, Protocol::kTls})
    if ((!query.secure || transport::is_secure(protocol)) && has(query.transports, protocol))
      protocols.push_back(protocol);
  bool any = false;
  bool all_failed = !protocols.empty();
  for (Protocol protocol : protocols) {
    const Answer* answer = run.get(*srv_name(protocol, *domain), RecordType::kSrv);
    if (answer != nullptr && answer->status != Answer::Status::kFailed) all_failed = false;
  }
  if (run.waiting()) return run.finish();
  if (all_failed) return run.fail(run.first_error());
  for (Protocol protocol : protocols) {
    bool found = false;
    run.srv_targets(*srv_name(protocol, *domain), protocol, &found);
    any = any || found;
  }
  if (run.waiting()) return run.finish();
  // §4.1/§4.2: no SRV: A/AAAA on the default port of UDP (TLS for sips:);
  // a client without UDP takes TCP, then TLS (every server has TCP too,
  // RFC 3261 §18).
  if (!any) {
    std::optional<Protocol> protocol;
    for (Protocol p : {Protocol::kUdp, Protocol::kTcp, Protocol::kTls}) {
      if ((!query.secure || transport::is_secure(p)) && has(query.transports, p)) {
        protocol = p;
        break;
      }
    }
    if (protocol) run.addresses(*domain, transport::default_port(*protocol), *protocol);
  }
  return run.finish();
}

}  // namespace sippet::dns
