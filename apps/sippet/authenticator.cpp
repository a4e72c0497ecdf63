// Digest authentication in `sippet serve` (authenticator.hpp).
#include "authenticator.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "serve_options.hpp"
#include "sippet/auth/users.hpp"
#include "sippet/message/builder.hpp"
#include "sippet/message/text.hpp"
#include "sippet/message/uri.hpp"

namespace sippet::app {

namespace {

auth::ServerOptions server_options(const AuthenticatorOptions& options) {
  auth::ServerOptions server;
  server.realm = options.realm;
  server.algorithms = options.algorithms;
  return server;
}

}  // namespace

const char* const kAuthUsage =
    "authentication (proxy, registrar): [--users FILE] [--realm R] [--auth-algorithm A ...]\n"
    "  --users FILE      Digest users, `user password` or `user realm algorithm HA1` lines\n"
    "                    (sippet passwd writes the latter): REGISTERs are challenged (401),\n"
    "                    and so are requests our domains' users send through us (407)\n"
    "  --realm R         the realm of the challenges (default: the first --domain)\n"
    "  --auth-algorithm A  MD5, SHA-256 or SHA-512-256 (with -sess: the session variant);\n"
    "                    repeatable, the preferred first (default: SHA-256 then MD5)\n";

int parse_auth_option(int argc, char** argv, int& i, const char* command,
                      AuthenticatorOptions& options) {
  const std::string_view arg = argv[i];
  if (arg != "--users" && arg != "--realm" && arg != "--auth-algorithm") return 0;
  const char* value = option_value(argc, argv, i, command);
  if (value == nullptr) return -1;
  if (arg == "--users") {
    options.users_file = value;
  } else if (arg == "--realm") {
    if (*value == '\0') {
      std::fprintf(stderr, "sippet %s: --realm needs a value\n", command);
      return -1;
    }
    options.realm = value;
  } else {
    auto algorithm = auth::parse_algorithm(value);
    if (!algorithm) {
      std::fprintf(stderr,
                   "sippet %s: --auth-algorithm %s: MD5, SHA-256 or SHA-512-256 (or -sess)\n",
                   command, value);
      return -1;
    }
    if (!options.algorithms_given) options.algorithms.clear();
    options.algorithms_given = true;
    options.algorithms.push_back(*algorithm);
  }
  return 1;
}

message::Result<std::unique_ptr<Authenticator>> Authenticator::load(AuthenticatorOptions options) {
  std::ifstream in(options.users_file, std::ios::binary);
  if (!in) {
    message::Error error;
    error.kind = message::ErrorKind::kInvalidArgument;
    error.reason = options.users_file + ": cannot be read";
    return error;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto users = std::make_shared<auth::MemoryUsers>();
  if (auto loaded = auth::load_users(text.str(), options.realm, *users); !loaded) {
    auto error = loaded.error();
    error.reason = options.users_file + ": " + error.reason;
    return error;
  }
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(options), std::move(users)));
}

Authenticator::Authenticator(AuthenticatorOptions options, std::shared_ptr<auth::MemoryUsers> users)
    : options_(std::move(options)), server_(server_options(options_), std::move(users)) {}

bool Authenticator::ours(const message::Uri& uri) const {
  if (options_.domains.empty()) return true;
  for (const auto& domain : options_.domains)
    if (message::iequals(domain, uri.host)) return true;
  return false;
}

AuthCheck Authenticator::refuse(const message::Message& request,
                                const auth::Verdict& verdict) const {
  AuthCheck check{false, {}};
  auto response = server_.respond(request, verdict);
  // respond() fails only for a request it cannot answer (no Via...), which
  // the stack's validation has refused already: a plain 500 then.
  if (!response) response = message::build_response(request, 500);
  if (response) check.response = std::move(*response);
  return check;
}

AuthCheck Authenticator::forbid(const message::Message& request, std::string_view reason) {
  AuthCheck check{false, {}};
  if (auto response = message::build_response(request, 403, reason))
    check.response = std::move(*response);
  return check;
}

AuthCheck Authenticator::check_register(const message::Message& request,
                                        const transport::Flow& flow) {
  auth::Verdict verdict = server_.verify(request, auth::Kind::kWww, flow.remote.address_string());
  if (!verdict.ok()) return refuse(request, verdict);
  // §22.4 leaves authorization to the registrar: a user binds only its own
  // address of record (the To's user, compared unescaped and exactly).
  const message::NameAddr* to = request.to();
  if (to == nullptr || !to->uri.is_sip() || message::unescape(to->uri.user) != verdict.user)
    return forbid(request, "Not Your Address of Record");
  return {};
}

AuthCheck Authenticator::check_proxied(message::Message& request, const transport::Flow& flow) {
  const auto method = request.method();
  if (method == message::Method::kAck || method == message::Method::kCancel) return {};
  const message::NameAddr* to = request.to();
  const message::NameAddr* from = request.from();
  if (to == nullptr || from == nullptr || !to->tag().empty()) return {};
  if (!from->uri.is_sip() || !ours(from->uri)) return {};
  auth::Verdict verdict = server_.verify(request, auth::Kind::kProxy, flow.remote.address_string());
  if (!verdict.ok()) return refuse(request, verdict);
  // A user sends only as itself (its From).
  if (message::unescape(from->uri.user) != verdict.user)
    return forbid(request, "From Is Not the User");
  // §22.3: the credentials of our realm end here; others' go on.
  auth::remove_credentials(request, auth::Kind::kProxy, options_.realm);
  return {};
}

}  // namespace sippet::app
