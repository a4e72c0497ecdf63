// sippet: the command-line tool (parse, serve, send, passwd, resolve, registrations).
#include <cstdio>
#include <cstring>

#include "commands.hpp"

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: sippet <command> [options]\n"
      "\n"
      "commands:\n"
      "  parse [FILE|-]   parse one SIP message and print it as JSON\n"
      "  serve [options]  run a SIP element (see sippet serve --help); without options\n"
      "                   a registrar and proxy on udp: and tcp:127.0.0.1:5060\n"
      "  send [options] URI\n"
      "                   send one request and print the responses\n"
      "  passwd USER REALM [--algorithm A]\n"
      "                   print a users file line (HA1) for the password on stdin\n"
      "  resolve [options] URI\n"
      "                   where a request to URI goes (RFC 3263: NAPTR, SRV, A/AAAA)\n"
      "  registrations [--db PATH|URL] [--json]\n"
      "                   the bindings a registrar keeps\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char* command = argv[1];
  if (std::strcmp(command, "parse") == 0) return sippet::app::run_parse(argc - 1, argv + 1);
  if (std::strcmp(command, "serve") == 0) return sippet::app::run_serve(argc - 1, argv + 1);
  if (std::strcmp(command, "send") == 0) return sippet::app::run_send(argc - 1, argv + 1);
  if (std::strcmp(command, "passwd") == 0) return sippet::app::run_passwd(argc - 1, argv + 1);
  if (std::strcmp(command, "resolve") == 0) return sippet::app::run_resolve(argc - 1, argv + 1);
  if (std::strcmp(command, "registrations") == 0)
    return sippet::app::run_registrations(argc - 1, argv + 1);
  if (std::strcmp(command, "--help") == 0 || std::strcmp(command, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "sippet: unknown command '%s'\n", command);
  usage(stderr);
  return 2;
}
