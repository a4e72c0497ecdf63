// The anchor message every parser benchmark parses (bench/data/invite.sip,
// docs/benchmarks.md).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "bench_common.hpp"

const std::string& sippet::bench::anchor_invite() {
  static const std::string bytes = [] {
    std::ifstream in(SIPPET_ANCHOR, std::ios::binary);
    std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (s.empty()) {
      std::fprintf(stderr, "cannot read the anchor %s\n", SIPPET_ANCHOR);
      std::exit(1);
    }
    return s;
  }();
  return bytes;
}
