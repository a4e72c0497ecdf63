// `sippet resolve URI`: where a request to URI would go (RFC 3263 §4): the
// ordered (transport, address, port) the stack tries, failing over from one
// to the next (§4.3), and the DNS records that led there.
#include <cstdio>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "dns_options.hpp"
#include "serve_options.hpp"
#include "sippet/message/uri.hpp"
#include "sippet/transport/transport_factory.hpp"

namespace sippet::app {

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet resolve [--transports udp,tcp,tls] [dns options] URI\n"
      "  prints the (transport, address, port) a request to URI goes to, in\n"
      "  order, then the DNS records that led there (RFC 3263). --transports:\n"
      "  those the client has (default: those this build of sippet has).\n",
      out);
  std::fputs(kDnsUsage, out);
}

}  // namespace

int run_resolve(int argc, char** argv) {
  dns::ResolverOptions options;
  std::string uri_text;
  std::vector<transport::Protocol> transports;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (int parsed = parse_dns_option(argc, argv, i, "resolve", options); parsed != 0) {
      if (parsed < 0) return 2;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--transports") {
      const char* value = option_value(argc, argv, i, "resolve");
      if (value == nullptr) return 2;
      std::string_view list = value;
      while (!list.empty()) {
        const auto comma = list.find(',');
        const auto name = list.substr(0, comma);
        auto protocol = transport::parse_protocol(name);
        if (!protocol) {
          std::fprintf(stderr, "sippet resolve: unknown transport '%.*s'\n",
                       static_cast<int>(name.size()), name.data());
          return 2;
        }
        transports.push_back(*protocol);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "sippet resolve: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else if (uri_text.empty()) {
      uri_text = arg;
    } else {
      std::fputs("sippet resolve: one URI only\n", stderr);
      return 2;
    }
  }
  if (uri_text.empty()) {
    usage(stderr);
    return 2;
  }
  auto uri = message::parse_uri(uri_text);
  if (!uri || !uri->is_sip()) {
    std::fprintf(stderr, "sippet resolve: '%s' is not a sip: or sips: URI\n", uri_text.c_str());
    return 2;
  }
  if (transports.empty()) {
    auto factory = transport::socket_transport_factory();
    for (transport::Protocol protocol : transport::kAllProtocols)
      if (factory->supports(protocol)) transports.push_back(protocol);
  }
  auto resolver = stack::dns_resolver(options);
  if (!resolver) {
    std::fprintf(stderr, "sippet resolve: %s\n", resolver.error().reason.c_str());
    return 2;
  }
  auto query = locate_query(*uri, transports);
  query.records = true;
  const auto located = locate_and_wait(**resolver, query);
  (*resolver)->stop();
  if (!located) {
    std::fprintf(stderr, "sippet resolve: %s\n", located.error().reason.c_str());
    return 1;
  }
  for (const auto& target : located->targets) {
    std::string line =
        std::string(transport::to_string(target.protocol)) + ' ' + target.address.to_string();
    if (!target.host.empty()) line += "  " + target.host;
    std::printf("%s\n", line.c_str());
  }
  if (!located->records.empty()) {
    std::printf("\nrecords:\n");
    for (const auto& record : located->records)
      std::printf("  %s\n", record.c_str());
  }
  return 0;
}

}  // namespace sippet::app
