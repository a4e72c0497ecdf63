#pragma once
// Transaction timers, named by their RFC 3261 letters (§17, Table 4) and
// RFC 6026 (L, M), plus Sippet's automatic `100 Trying` timer.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sippet::transaction {

using std::chrono::milliseconds;

enum class TimerId : std::uint8_t {
  kA,       // client INVITE: request retransmission, T1 doubling, no cap (§17.1.1.2)
  kB,       // client INVITE: transaction timeout, 64*T1
  kD,       // client INVITE: wait for response retransmissions, >= 32 s unreliable, 0 reliable
  kE,       // client non-INVITE: retransmission, T1 doubling capped at T2 (§17.1.2.2)
  kF,       // client non-INVITE: transaction timeout, 64*T1
  kG,       // server INVITE: final response retransmission, T1 doubling capped at T2 (§17.2.1)
  kH,       // server INVITE: wait for ACK, 64*T1
  kI,       // server INVITE: wait for ACK retransmissions, T4 unreliable, 0 reliable
  kJ,       // server non-INVITE: wait for request retransmissions, 64*T1 unreliable, 0 reliable
  kK,       // client non-INVITE: wait for response retransmissions, T4 unreliable, 0 reliable
  kL,       // server INVITE Accepted state: 64*T1 (RFC 6026 §8.7)
  kM,       // client INVITE Accepted state: 64*T1 (RFC 6026 §8.4)
  kTrying,  // server INVITE: send `100 Trying` if the Core has not answered (Sippet, 200 ms;
            // with a delay of 0 the 100 is sent at once and no timer is armed)
};

inline constexpr std::size_t kTimerCount = static_cast<std::size_t>(TimerId::kTrying) + 1;

// "A", "B", ..., "M", "Trying".
std::string_view to_string(TimerId id);

// Timer configuration of one transaction layer (one stack). Not global:
// each TransactionLayer instance gets its own copy.
struct TimerConfig {
  milliseconds t1{500};  // RTT estimate (§17.1.1.1, Table 4)
  milliseconds t2{
      4000};  // maximum retransmit interval for non-INVITE requests and INVITE responses
  milliseconds t4{5000};  // maximum duration a message remains in the network
  milliseconds timer_d{
      32000};  // Timer D on unreliable transports; values below 32 s are raised to 32 s
  // The server INVITE transaction's automatic 100 Trying (§17.2.1: MUST be
  // sent unless the TU answers within 200 ms): sent after this long without
  // an answer from the Core; 0 sends it at once, as the transaction is
  // created and before the Core sees the INVITE.
  milliseconds trying_delay{200};
  bool auto_trying = true;  // false: never send 100 Trying by itself (the Core does)
};

// The initial duration of each timer for a transport, as the machines use it
// (retransmission timers then double from here: see next_interval()). A zero
// means "no wait": the machine moves on at once instead of starting the timer.
// Retransmission timers (A, E, G) are 0 on reliable transports (never started).
milliseconds initial_duration(const TimerConfig& config, TimerId id, bool reliable);

// The next retransmission interval after `current` for timer A (doubling, no
// cap) or E/G (doubling, capped at T2). §17.1.1.2, §17.1.2.2, §17.2.1.
milliseconds next_interval(const TimerConfig& config, TimerId id, milliseconds current);

}  // namespace sippet::transaction
