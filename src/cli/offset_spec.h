// Where `topic consume --offset` starts and stops, and where `group seek --to`
// and `topic trim-prefix --offset` point: rpk's offset language, parsed into
// bounds that are resolved per partition once its log start and end are known.
//
//   start | end          the partition's log start / current end
//   N  N:                exactly offset N            +N   N after the log start
//   -N                   N before the current end    :end  from the start, until the current end
//   N:M  :M  N:end       from N (or the start) until M (exclusive) or the current end
//   @T  @T:              from the first record at or after time T
//   @:T  @T1:T2          until time T / from T1 until T2; T2 may be "end",
//                        a time, -DURATION (before now) or DURATION (after T1)
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "cli/outcome.h"

namespace runnel::cli {

struct OffsetBound {
  enum class Kind {
    kStart,       // log start offset
    kEnd,         // high watermark at resolve time
    kExact,       // value is an offset
    kAfterStart,  // value records after the log start
    kBeforeEnd,   // value records before the end
    kTimestamp,   // value is unix ms: the first record at or after it
  };
  Kind kind = Kind::kStart;
  int64_t value = 0;

  friend bool operator==(const OffsetBound&, const OffsetBound&) = default;
};

struct OffsetSpec {
  OffsetBound from;
  std::optional<OffsetBound> until;  // exclusive; none: keep consuming
};

Outcome<OffsetSpec> parse_offset_spec(std::string_view text, int64_t now_ms);

// A bound's offset in a partition whose log spans [log_start, end). A
// timestamp bound needs the offset the broker found for it (-1: no record at
// or after it, which means the end). The result is clamped to the log.
int64_t resolve_bound(const OffsetBound& bound, int64_t log_start, int64_t end, int64_t offset_for_time = -1);

}  // namespace runnel::cli
