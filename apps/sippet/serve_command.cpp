// Placeholder until the stack lands (issue 4): refuses clearly.
#include <cstdio>

#include "commands.hpp"

namespace sippet::app {

int run_serve(int, char**) {
  std::fputs("sippet serve: not available yet (the stack is in progress)\n", stderr);
  return 2;
}

}  // namespace sippet::app
