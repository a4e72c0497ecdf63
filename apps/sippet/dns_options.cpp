#include "dns_options.hpp"

#include <future>
#include <memory>
#include <string_view>

#include "serve_options.hpp"

namespace sippet::app {

const char* const kDnsUsage =
    "dns options: [--dns-server HOST:PORT ...] [--dns-timeout MS] [--dns-tries N] [--no-naptr]\n";

int parse_dns_option(int argc, char** argv, int& i, const char* command,
                     dns::ResolverOptions& options) {
  const std::string_view arg = argv[i];
  if (arg == "--no-naptr") {
    options.naptr = false;
    return 1;
  }
  if (arg != "--dns-server" && arg != "--dns-timeout" && arg != "--dns-tries") return 0;
  const char* value = option_value(argc, argv, i, command);
  if (value == nullptr) return -1;
  if (arg == "--dns-server") {
    auto server = dns::parse_server(value);
    if (!server) {
      std::fprintf(stderr, "sippet %s: --dns-server %s\n", command, server.error().reason.c_str());
      return -1;
    }
    options.servers.push_back(*server);
  } else if (arg == "--dns-timeout") {
    auto ms = parse_number(value, 1, 60000);
    if (!ms) {
      std::fprintf(stderr, "sippet %s: --dns-timeout '%s' is not a number of ms\n", command, value);
      return -1;
    }
    options.timeout = std::chrono::milliseconds(*ms);
  } else {
    auto tries = parse_number(value, 1, 10);
    if (!tries) {
      std::fprintf(stderr, "sippet %s: --dns-tries '%s' is not a number from 1 to 10\n", command,
                   value);
      return -1;
    }
    options.tries = static_cast<int>(*tries);
  }
  return 1;
}

dns::LocateQuery locate_query(const message::Uri& uri,
                              const std::vector<transport::Protocol>& transports) {
  dns::LocateQuery query;
  std::string_view host = uri.host;
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  query.host = std::string(host);
  if (uri.has_port) query.port = uri.port;
  if (uri.params.has("transport")) query.protocol = transport::parse_protocol(uri.transport());
  query.secure = uri.scheme == message::UriScheme::kSips;
  query.transports = transports;
  return query;
}

dns::Located locate_and_wait(stack::Resolver& resolver, const dns::LocateQuery& query) {
  auto promise = std::make_shared<std::promise<dns::Located>>();
  auto future = promise->get_future();
  resolver.locate(query, [promise](const dns::Located& located) { promise->set_value(located); });
  return future.get();
}

}  // namespace sippet::app
