// Date (RFC 3261 §20.17, §25.1): rfc1123-date, GMT only.
//   rfc1123-date = wkday "," SP date1 SP time SP "GMT"
//   date1 = 2DIGIT SP month SP 4DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
#include "scanner.hpp"

namespace sippet::message::detail {
namespace {

constexpr std::string_view kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};

template <std::size_t N>
int find_name(const char* p, const std::string_view (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    if (iequals(view(p, p + 3), names[i])) return static_cast<int>(i);
  }
  return -1;
}

int digits(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (!is(p[i], kDigit)) return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

}  // namespace

bool parse_date(const char*& p, const char* e, Date& out, Failure& f) {
  // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 octets.
  constexpr std::ptrdiff_t kLength = 29;
  const char* s = p;
  if (e - s < kLength) return fail(f, s, "rfc1123-date expected");
  int weekday = find_name(s, kWeekdays);
  if (weekday < 0 || s[3] != ',' || s[4] != ' ') return fail(f, s, "weekday expected");
  int day = digits(s + 5, 2);
  if (day < 1 || day > 31 || s[7] != ' ') return fail(f, s + 5, "day expected");
  int month = find_name(s + 8, kMonths);
  if (month < 0 || s[11] != ' ') return fail(f, s + 8, "month expected");
  int year = digits(s + 12, 4);
  if (year < 0 || s[16] != ' ') return fail(f, s + 12, "year expected");
  int hour = digits(s + 17, 2), minute = digits(s + 20, 2), second = digits(s + 23, 2);
  if (hour < 0 || hour > 23 || s[19] != ':' || minute < 0 || minute > 59 || s[22] != ':' ||
      second < 0 || second > 60 || s[25] != ' ') {
    return fail(f, s + 17, "time expected");
  }
  if (s[26] != 'G' || s[27] != 'M' || s[28] != 'T') return fail(f, s + 26, "\"GMT\" expected");
  p = s + kLength;
  out.text = view(s, p);
  out.weekday = static_cast<std::uint8_t>(weekday);
  out.day = static_cast<std::uint8_t>(day);
  out.month = static_cast<std::uint8_t>(month + 1);
  out.year = static_cast<std::uint16_t>(year);
  out.hour = static_cast<std::uint8_t>(hour);
  out.minute = static_cast<std::uint8_t>(minute);
  out.second = static_cast<std::uint8_t>(second);
  return true;
}

}  // namespace sippet::message::detail
