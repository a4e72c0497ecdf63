#pragma once
// A registrar (RFC 3261 §10.3) with RFC 5626 outbound and RFC 3327 Path:
// processing of REGISTER requests, pure of I/O and clocks. The caller gives
// each request with the flow it came on and the time, and sends the answer;
// it drives sweep() from its timers so that bindings expire on time.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sippet/message/message.hpp"
#include "sippet/message/result.hpp"
#include "sippet/registrar/binding.hpp"
#include "sippet/registrar/storage.hpp"
#include "sippet/transport/flow.hpp"

namespace sippet::registrar {

struct RegistrarOptions {
  // Domains the registrar is responsible for (host of the Request-URI and of
  // the address of record; compared case-insensitively). Empty: any domain.
  std::vector<std::string> domains;
  // A REGISTER for another domain: false answers 403; true leaves it to the
  // caller to proxy (Outcome::proxy, §10.3 step 1).
  bool proxy_other_domains = false;
  std::uint32_t min_expires = 60;        // below (and not 0): 423 with Min-Expires
  std::uint32_t max_expires = 86400;     // above: clamped
  std::uint32_t default_expires = 3600;  // no expires param and no Expires header
  std::size_t max_contacts = 10;         // bindings per address of record
  int over_cap_status = 403;             // 403 or 503 when a REGISTER would exceed it
};

struct Outcome {
  // The caller proxies the request (another domain, proxy_other_domains).
  bool proxy = false;
  std::optional<message::Message> response;  // set unless proxy
  std::string error;  // why a 500 was answered (the storage's reason), for the log
};

// The address of record of a To URI (§10.3 step 5): scheme, unescaped user
// and lower-cased host; port, password and parameters dropped. Error (404)
// for a URI that is not SIP or SIPS.
message::Result<std::string> canonical_aor(const message::Uri& uri);

class Registrar {
 public:
  Registrar(Storage& storage, RegistrarOptions options);

  // Processes a REGISTER received on `flow` at time `now`.
  Outcome handle(const message::Message& request, const transport::Flow& flow, UnixSeconds now);

  // The bindings of `aor` that have not expired at `now`, highest q first.
  message::Result<std::vector<Binding>> lookup(std::string_view aor, UnixSeconds now);

  // Removes expired bindings; returns how many.
  message::Result<std::size_t> sweep(UnixSeconds now) { return storage_.remove_expired(now); }

  const RegistrarOptions& options() const { return options_; }

 private:
  Storage& storage_;
  RegistrarOptions options_;
};

// "Fri, 04 Dec 2026 20:02:19 GMT" (RFC 3261 §20.17).
std::string http_date(UnixSeconds time);

}  // namespace sippet::registrar
