// Timer values per RFC 3261 §17 and Table 4 (Appendix A), RFC 6026 §8.4, §8.7.
#include "sippet/transaction/timers.hpp"

#include <algorithm>

namespace sippet::transaction {

std::string_view to_string(TimerId id) {
  switch (id) {
    case TimerId::kA:
      return "A";
    case TimerId::kB:
      return "B";
    case TimerId::kD:
      return "D";
    case TimerId::kE:
      return "E";
    case TimerId::kF:
      return "F";
    case TimerId::kG:
      return "G";
    case TimerId::kH:
      return "H";
    case TimerId::kI:
      return "I";
    case TimerId::kJ:
      return "J";
    case TimerId::kK:
      return "K";
    case TimerId::kL:
      return "L";
    case TimerId::kM:
      return "M";
    case TimerId::kTrying:
      return "Trying";
  }
  return "?";
}

milliseconds initial_duration(const TimerConfig& config, TimerId id, bool reliable) {
  const milliseconds zero{0};
  const milliseconds sixty_four_t1 = 64 * config.t1;
  switch (id) {
    case TimerId::kA:  // §17.1.1.2: only on unreliable transports
    case TimerId::kE:  // §17.1.2.2
    case TimerId::kG:  // §17.2.1
      return reliable ? zero : config.t1;
    case TimerId::kB:  // §17.1.1.2
    case TimerId::kF:  // §17.1.2.2
    case TimerId::kH:  // §17.2.1
    case TimerId::kL:  // RFC 6026 §8.7
    case TimerId::kM:  // RFC 6026 §8.4
      return sixty_four_t1;
    case TimerId::kD:  // §17.1.1.2: > 32 s for unreliable, 0 for reliable
      return reliable ? zero : std::max(config.timer_d, milliseconds{32000});
    case TimerId::kI:  // §17.2.1: T4 for unreliable, 0 for reliable
    case TimerId::kK:  // §17.1.2.2
      return reliable ? zero : config.t4;
    case TimerId::kJ:  // §17.2.2: 64*T1 for unreliable, 0 for reliable
      return reliable ? zero : sixty_four_t1;
    case TimerId::kTrying:  // §17.2.1: 100 Trying unless the TU answers within 200 ms
      return config.trying_delay;
  }
  return zero;
}

milliseconds next_interval(const TimerConfig& config, TimerId id, milliseconds current) {
  switch (id) {
    case TimerId::kA:  // §17.1.1.2: 2*T1, 4*T1, ... no cap
      return 2 * current;
    case TimerId::kE:  // §17.1.2.2: MIN(2*T1, T2), ...
    case TimerId::kG:  // §17.2.1: MIN(2*T1, T2), ...
      return std::min(2 * current, config.t2);
    default:
      return current;
  }
}

}  // namespace sippet::transaction
