#include "cli/offset_spec.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "cli/time_spec.h"

namespace runnel::cli {

namespace {

using Kind = OffsetBound::Kind;

bool parse_count(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// One offset bound without '@': start, end, N, +N, -N.
std::optional<OffsetBound> offset_bound(std::string_view s) {
  int64_t n = 0;
  if (s == "start" || s == "oldest" || s == "earliest") return OffsetBound{Kind::kStart, 0};
  if (s == "end" || s == "newest" || s == "latest") return OffsetBound{Kind::kEnd, 0};
  if (s.size() > 1 && s[0] == '+' && parse_count(s.substr(1), n)) return OffsetBound{Kind::kAfterStart, n};
  if (s.size() > 1 && s[0] == '-' && parse_count(s.substr(1), n)) return OffsetBound{Kind::kBeforeEnd, n};
  if (parse_count(s, n)) return OffsetBound{Kind::kExact, n};
  return std::nullopt;
}

Failure bad_spec(std::string_view text, std::string_view why) {
  std::string m = "invalid offset '";
  m.append(text).append("': ").append(why);
  return fail(std::move(m));
}

constexpr std::string_view kOffsetHelp =
    "expected start, end, N, +N, -N, N:M, :end, @TIME, @TIME:TIME (see --help)";

// "@..." with the '@' removed. RFC 3339 times contain ':', so every ':' is
// tried as the separator until both sides parse.
Outcome<OffsetSpec> timestamp_spec(std::string_view full, std::string_view body, int64_t now_ms) {
  auto whole = parse_timestamp_ms(body, now_ms);
  if (whole.ok()) return OffsetSpec{{Kind::kTimestamp, *whole}, std::nullopt};
  std::string last_error = whole.error();
  for (size_t colon = body.find(':'); colon != std::string_view::npos; colon = body.find(':', colon + 1)) {
    const std::string_view left = body.substr(0, colon);
    const std::string_view right = body.substr(colon + 1);
    OffsetSpec spec;
    if (left.empty()) {
      spec.from = {Kind::kStart, 0};
    } else {
      auto t1 = parse_timestamp_ms(left, now_ms);
      if (!t1.ok()) {
        last_error = t1.error();
        continue;
      }
      spec.from = {Kind::kTimestamp, *t1};
    }
    if (right.empty()) {
      if (left.empty()) return bad_spec(full, "'@:' needs a time on one side");
      return spec;  // "@T:" is "@T"
    }
    if (right == "end") {
      spec.until = OffsetBound{Kind::kEnd, 0};
      return spec;
    }
    auto t2 = parse_timestamp_ms(right, now_ms);
    if (t2.ok()) {
      spec.until = OffsetBound{Kind::kTimestamp, *t2};
      return spec;
    }
    // A bare duration after a start time: that long after it.
    auto d = parse_duration_ms(right);
    if (d.ok() && spec.from.kind == Kind::kTimestamp) {
      spec.until = OffsetBound{Kind::kTimestamp, spec.from.value + *d};
      return spec;
    }
    last_error = t2.error();
  }
  return bad_spec(full, last_error);
}

}  // namespace

Outcome<OffsetSpec> parse_offset_spec(std::string_view text, int64_t now_ms) {
  if (text.empty()) return bad_spec(text, kOffsetHelp);
  if (text[0] == '@') return timestamp_spec(text, text.substr(1), now_ms);
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    auto bound = offset_bound(text);
    if (!bound) return bad_spec(text, kOffsetHelp);
    return OffsetSpec{*bound, std::nullopt};
  }
  const std::string_view left = text.substr(0, colon);
  const std::string_view right = text.substr(colon + 1);
  OffsetSpec spec;
  if (left.empty()) {
    spec.from = {Kind::kStart, 0};
  } else {
    auto from = offset_bound(left);
    if (!from || from->kind != Kind::kExact) return bad_spec(text, "a range starts at an exact offset: N:M");
    spec.from = *from;
  }
  if (right.empty()) {
    if (left.empty()) return bad_spec(text, kOffsetHelp);
    return spec;  // "N:" is "N"
  }
  auto until = offset_bound(right);
  if (!until || (until->kind != Kind::kExact && until->kind != Kind::kEnd)) {
    return bad_spec(text, "a range ends at an exact offset or end: N:M, N:end");
  }
  if (until->kind == Kind::kExact && spec.from.kind == Kind::kExact && until->value < spec.from.value) {
    return bad_spec(text, "the range ends before it starts");
  }
  spec.until = *until;
  return spec;
}

int64_t resolve_bound(const OffsetBound& bound, int64_t log_start, int64_t end, int64_t offset_for_time) {
  int64_t offset = 0;
  switch (bound.kind) {
    case Kind::kStart:
      offset = log_start;
      break;
    case Kind::kEnd:
      offset = end;
      break;
    case Kind::kExact:
      offset = bound.value;
      break;
    case Kind::kAfterStart:
      offset = log_start + bound.value;
      break;
    case Kind::kBeforeEnd:
      offset = end - bound.value;
      break;
    case Kind::kTimestamp:
      offset = offset_for_time < 0 ? end : offset_for_time;
      break;
  }
  return std::clamp(offset, log_start, std::max(log_start, end));
}

}  // namespace runnel::cli
