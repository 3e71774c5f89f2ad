#include "cli/time_spec.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <string>

namespace runnel::cli {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (!all_digits(s)) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool fixed_number(std::string_view s, size_t pos, size_t len, int64_t& out) {
  return pos + len <= s.size() && parse_int(s.substr(pos, len), out);
}

// YYYY-MM-DD at the front of s; the day's first millisecond.
bool parse_day(std::string_view s, int64_t& day_ms) {
  int64_t y = 0, m = 0, d = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!fixed_number(s, 0, 4, y) || !fixed_number(s, 5, 2, m) || !fixed_number(s, 8, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, static_cast<unsigned>(m))) return false;
  day_ms = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86'400'000;
  return true;
}

bool parse_rfc3339(std::string_view s, int64_t& out) {
  int64_t day_ms = 0;
  if (!parse_day(s, day_ms)) return false;
  if (s.size() == 10) {
    out = day_ms;
    return true;
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
  int64_t hh = 0, mm = 0, ss = 0;
  if (s.size() < 19 || s[13] != ':' || s[16] != ':') return false;
  if (!fixed_number(s, 11, 2, hh) || !fixed_number(s, 14, 2, mm) || !fixed_number(s, 17, 2, ss)) return false;
  if (hh > 23 || mm > 59 || ss > 60) return false;
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_ms = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '+' ? 1 : -1;
    int64_t oh = 0, om = 0;
    if (pos + 6 > s.size() || s[pos + 3] != ':' || !fixed_number(s, pos + 1, 2, oh) ||
        !fixed_number(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return false;
    }
    offset_ms = sign * (oh * 3600 + om * 60) * 1000;
    pos += 6;
  } else {
    return false;  // RFC 3339 requires a zone
  }
  if (pos != s.size()) return false;
  out = day_ms + ((hh * 60 + mm) * 60 + ss) * 1000 + millis - offset_ms;
  return true;
}

}  // namespace

Outcome<int64_t> parse_duration_ms(std::string_view text) {
  const std::string shown(text);
  if (text == "0") return int64_t{0};
  if (text.empty()) return fail("empty duration (expected e.g. 10s, 5m, 1h30m)");
  double total_ms = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.'))
      ++pos;
    if (start == pos) return fail("invalid duration '" + shown + "' (expected e.g. 10s, 5m, 1h30m)");
    double number = 0;
    auto [end, ec] = std::from_chars(text.data() + start, text.data() + pos, number);
    if (ec != std::errc() || end != text.data() + pos) {
      return fail("invalid duration '" + shown + "' (expected e.g. 10s, 5m, 1h30m)");
    }
    size_t unit_start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    double scale = 0;
    if (unit == "ns") {
      scale = 1e-6;
    } else if (unit == "us" || unit == "µs") {
      scale = 1e-3;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h" || unit == "hr") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return fail("invalid duration '" + shown + "': unit must be one of ns, us, ms, s, m, h, d");
    }
    total_ms += number * scale;
  }
  if (total_ms > 9.2e18) return fail("duration '" + shown + "' is too long");
  return static_cast<int64_t>(total_ms);
}

Outcome<int64_t> parse_timestamp_ms(std::string_view text, int64_t now_ms) {
  const std::string shown(text);
  if (!text.empty() && text[0] == '-') {
    auto d = parse_duration_ms(text.substr(1));
    if (!d.ok()) return fail("invalid relative time '" + shown + "': " + d.error());
    return now_ms - *d;
  }
  int64_t number = 0;
  if (parse_int(text, number)) {
    switch (text.size()) {
      case 9:
      case 10:
        return number * 1000;
      case 13:
        return number;
      case 19:
        return number / 1'000'000;
      default:
        return fail("invalid timestamp '" + shown +
                    "': a number must be unix seconds (9-10 digits), milliseconds (13) or nanoseconds (19)");
    }
  }
  int64_t ms = 0;
  if (parse_rfc3339(text, ms)) return ms;
  return fail("invalid timestamp '" + shown +
              "' (expected unix seconds or milliseconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or -DURATION)");
}

int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace runnel::cli
