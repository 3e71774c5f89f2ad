// rpk's record format language, compiled once and applied to each record:
// `topic consume --format` and `topic produce --output-format`.
//
//   %t topic  %k key  %v value  %T %K %V their lengths  %p partition
//   %o offset  %e leader epoch  %d timestamp  %h{...} each header, formatted
//   with %k/%v/%K/%V as the header's  %H header count  %x producer id
//   %y producer epoch  %[ log start  %| last stable  %] high watermark
//   %i records formatted so far  %% %{ %} literal characters
//   Escapes: \t \n \r \\ \xNN.
// Modifiers in braces: text %k{hex|base64|base64raw}; numbers
// %o{ascii|hex64|hex32|hex16|hex8|hex4|big64|big32|big16|big8|little64|
// little32|little16|little8|byte|bool}; timestamps also %d{strftime[%F %T]}
// and %d{go[2006-01-02T15:04:05Z07:00]} (UTC; the layout may be wrapped in
// any run of [ { or # instead of one [).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/outcome.h"

namespace runnel::cli {

struct FormatRecord {
  std::string_view topic;
  std::optional<std::string_view> key;    // nullopt: a null key
  std::optional<std::string_view> value;  // nullopt: a tombstone
  int32_t partition = 0;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;
  int32_t leader_epoch = -1;
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
  int64_t log_start = -1;
  int64_t last_stable = -1;
  int64_t high_watermark = -1;
  int64_t producer_id = -1;
  int32_t producer_epoch = -1;
  int64_t index = 0;  // %i: how many records were formatted before this one
};

class RecordFormat {
 public:
  struct Piece;

  static Outcome<RecordFormat> compile(std::string_view spec);

  void append(const FormatRecord& record, std::string& out) const;
  std::string format(const FormatRecord& record) const {
    std::string out;
    append(record, out);
    return out;
  }

  RecordFormat();
  ~RecordFormat();
  RecordFormat(RecordFormat&&) noexcept;
  RecordFormat& operator=(RecordFormat&&) noexcept;

 private:
  std::vector<Piece> pieces_;
};

// \t \n \r \\ \xNN in text replaced by the characters they name; other
// backslashes are kept. Used for literals the format language does not parse.
std::string unescape_backslashes(std::string_view text);

// Unix milliseconds formatted with a Go reference layout, in UTC.
std::string format_go_time(std::string_view layout, int64_t unix_ms);

}  // namespace runnel::cli
