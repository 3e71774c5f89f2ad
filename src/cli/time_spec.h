// Durations ("1h30m", "250ms") and timestamps as operators type them on the
// command line: unix seconds, milliseconds or nanoseconds, a UTC day, RFC 3339,
// or "-dur" for that long before now. All results are unix milliseconds.
#pragma once

#include <cstdint>
#include <string_view>

#include "cli/outcome.h"

namespace runnel::cli {

// "3ms", "10s", "9m", "1h", "1m3ms", "1.5s"; also "ns", "us"; a bare "0".
// Negative durations are the caller's business (a leading '-').
Outcome<int64_t> parse_duration_ms(std::string_view text);

// A point in time in unix milliseconds:
//   13 digits     unix milliseconds       9 or 10 digits  unix seconds
//   19 digits     unix nanoseconds        YYYY-MM-DD      that day, 00:00 UTC
//   YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)            RFC 3339
//   -DURATION     that long before now_ms
Outcome<int64_t> parse_timestamp_ms(std::string_view text, int64_t now_ms);

// Unix milliseconds now.
int64_t unix_now_ms();

}  // namespace runnel::cli
