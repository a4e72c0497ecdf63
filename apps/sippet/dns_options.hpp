#pragma once
// The DNS options of `sippet serve`, `send` and `resolve` (RFC 3263 on
// c-ares, sippet/dns/resolver.hpp), and what the commands share to locate
// a URI's servers.
#include <cstdio>
#include <optional>
#include <vector>

#include "sippet/dns/resolver.hpp"
#include "sippet/message/uri.hpp"
#include "sippet/stack/resolver.hpp"
#include "sippet/transport/protocol.hpp"

namespace sippet::app {

// The usage lines of the options below.
extern const char* const kDnsUsage;

// Parses argv[i] when it is a DNS option (and its value, advancing i):
// 1 when it was one, 0 when it is not, -1 after printing an error.
//   --dns-server HOST:PORT   (repeatable; default: /etc/resolv.conf)
//   --dns-timeout MS, --dns-tries N, --no-naptr
int parse_dns_option(int argc, char** argv, int& i, const char* command,
                     dns::ResolverOptions& options);

// RFC 3263 §4: what the resolver is asked for `uri` (its host, port,
// transport param and scheme), with the transports a client has.
dns::LocateQuery locate_query(const message::Uri& uri,
                              const std::vector<transport::Protocol>& transports);

// Locates `query` and waits for the answer (the tool's main thread only).
dns::Located locate_and_wait(stack::Resolver& resolver, const dns::LocateQuery& query);

}  // namespace sippet::app
