#pragma once
// The sippet tool's subcommands; each lives in its own file.

namespace sippet::app {

// argv[0] is the subcommand name; returns the process exit status.
int run_parse(int argc, char** argv);          // parse_command.cpp
int run_serve(int argc, char** argv);          // serve_command.cpp
int run_send(int argc, char** argv);           // send_command.cpp
int run_passwd(int argc, char** argv);         // passwd_command.cpp
int run_resolve(int argc, char** argv);        // resolve_command.cpp
int run_registrations(int argc, char** argv);  // registrations_command.cpp

}  // namespace sippet::app
