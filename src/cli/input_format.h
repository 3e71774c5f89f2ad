// rpk's input format for `topic produce --format`: literal text with escapes
// and the fields %t (topic), %k (key), %v (value), %p (partition). Each field
// runs up to the literal text that follows it in the format (or to the end of
// the input), so "%k %v\n" reads "KEY VALUE" lines. The default is "%v\n":
// one record per line. Size-prefixed fields are not supported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/outcome.h"

namespace runnel::cli {

struct ParsedRecord {
  std::optional<std::string> topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::optional<int32_t> partition;
};

class InputFormat {
 public:
  enum class Step { kRecord, kNeedMore, kDone };

  static Outcome<InputFormat> compile(std::string_view spec);

  // Parses one record from the front of `buffer` and erases what it used.
  // kNeedMore: read more input and call again (never returned once eof).
  // kDone: the input is used up. The last record may lack the format's final
  // literal (a last line without its newline).
  Outcome<Step> next(std::string& buffer, bool eof, ParsedRecord& out) const;

  bool parses_topic() const;
  bool parses_partition() const;

 private:
  struct Piece {
    char field = 0;  // 0: literal; else 't', 'k', 'v', 'p'
    std::string literal;
  };
  std::vector<Piece> pieces_;
};

}  // namespace runnel::cli
