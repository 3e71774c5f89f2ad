#include "cli/record_format.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace runnel::cli {

namespace {

enum class Field {
  kTopic,
  kKey,
  kValue,  // text
  kTopicLen,
  kKeyLen,
  kValueLen,
  kHeaderCount,  // numbers
  kPartition,
  kOffset,
  kEpoch,
  kTimestamp,
  kProducerId,
  kProducerEpoch,
  kLogStart,
  kLastStable,
  kHighWatermark,
  kIndex,
};

enum class NumberMod {
  kAscii,
  kHex64,
  kHex32,
  kHex16,
  kHex8,
  kHex4,
  kBig64,
  kBig32,
  kBig16,
  kByte,
  kLittle64,
  kLittle32,
  kLittle16,
  kBool
};
enum class TextMod { kRaw, kHex, kBase64, kBase64Raw };
enum class TimeMod { kNumber, kStrftime, kGo };

bool is_text(Field f) {
  return f == Field::kTopic || f == Field::kKey || f == Field::kValue;
}

std::optional<NumberMod> number_mod(std::string_view m) {
  static constexpr std::pair<std::string_view, NumberMod> kMods[] = {
      {"ascii", NumberMod::kAscii},       {"hex64", NumberMod::kHex64},
      {"hex32", NumberMod::kHex32},       {"hex16", NumberMod::kHex16},
      {"hex8", NumberMod::kHex8},         {"hex4", NumberMod::kHex4},
      {"big64", NumberMod::kBig64},       {"big32", NumberMod::kBig32},
      {"big16", NumberMod::kBig16},       {"big8", NumberMod::kByte},
      {"little64", NumberMod::kLittle64}, {"little32", NumberMod::kLittle32},
      {"little16", NumberMod::kLittle16}, {"little8", NumberMod::kByte},
      {"byte", NumberMod::kByte},         {"bool", NumberMod::kBool},
  };
  for (const auto& [name, mod] : kMods) {
    if (name == m) return mod;
  }
  return std::nullopt;
}

}  // namespace

struct RecordFormat::Piece {
  enum class Kind { kLiteral, kText, kNumber, kTime, kHeaders };
  Kind kind = Kind::kLiteral;
  std::string literal;
  Field field = Field::kTopic;
  TextMod text_mod = TextMod::kRaw;
  NumberMod number_mod = NumberMod::kAscii;
  TimeMod time_mod = TimeMod::kNumber;
  std::string layout;
  std::vector<Piece> headers;  // kHeaders: the format applied to each header
};

RecordFormat::RecordFormat() = default;
RecordFormat::~RecordFormat() = default;
RecordFormat::RecordFormat(RecordFormat&&) noexcept = default;
RecordFormat& RecordFormat::operator=(RecordFormat&&) noexcept = default;

namespace {

using Piece = RecordFormat::Piece;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Compiler {
 public:
  explicit Compiler(std::string_view spec) : s_(spec) {}

  // Pieces up to the end, or (nested) up to the '}' closing a %h{.
  Outcome<std::vector<Piece>> pieces(bool nested) {
    std::vector<Piece> out;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (nested && c == '}') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        literal(out, escape());
        continue;
      }
      if (c != '%') {
        literal(out, std::string(1, c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return error("a '%' at the end (write %% for a percent sign)");
      auto piece = verb(nested);
      if (!piece.ok()) return piece.failure();
      if (piece->kind == Piece::Kind::kLiteral) {
        literal(out, piece->literal);
      } else {
        out.push_back(std::move(*piece));
      }
    }
    if (nested) return error("%h{ is not closed by '}'");
    return out;
  }

 private:
  Failure error(std::string_view why) const {
    std::string m = "invalid format '";
    m.append(s_).append("': ").append(why);
    return fail(std::move(m));
  }

  static void literal(std::vector<Piece>& out, const std::string& text) {
    if (!out.empty() && out.back().kind == Piece::Kind::kLiteral) {
      out.back().literal.append(text);
      return;
    }
    Piece p;
    p.literal = text;
    out.push_back(std::move(p));
  }

  std::string escape() {
    ++pos_;  // the backslash
    if (pos_ >= s_.size()) return "\\";
    const char e = s_[pos_++];
    switch (e) {
      case 't':
        return "\t";
      case 'n':
        return "\n";
      case 'r':
        return "\r";
      case '\\':
        return "\\";
      case 'x':
        if (pos_ + 2 <= s_.size() && hex_digit(s_[pos_]) >= 0 && hex_digit(s_[pos_ + 1]) >= 0) {
          const char ch = static_cast<char>(hex_digit(s_[pos_]) * 16 + hex_digit(s_[pos_ + 1]));
          pos_ += 2;
          return std::string(1, ch);
        }
        return "\\x";
      default:
        return std::string("\\").append(1, e);
    }
  }

  // The text inside {...} right after a verb, if there is one.
  Outcome<std::optional<std::string>> modifier() {
    if (pos_ >= s_.size() || s_[pos_] != '{') return std::optional<std::string>();
    ++pos_;
    std::string out;
    // A layout wrapped in brackets may itself hold braces: strftime[...],
    // go{{...}}, strftime###...###.
    while (pos_ < s_.size() && s_[pos_] != '}') {
      const char c = s_[pos_];
      if (c == '[' || c == '{' || c == '#') {
        size_t n = 0;
        while (pos_ < s_.size() && s_[pos_] == c) {
          ++n;
          ++pos_;
        }
        const char closer = c == '[' ? ']' : c == '{' ? '}' : '#';
        const std::string close(n, closer);
        const size_t end = s_.find(close, pos_);
        if (end == std::string_view::npos) return error("an unclosed layout in a modifier");
        out.push_back('[');
        out.append(s_.substr(pos_, end - pos_));
        out.push_back(']');
        pos_ = end + n;
        continue;
      }
      out.push_back(c);
      ++pos_;
    }
    if (pos_ >= s_.size()) return error("a modifier '{' is not closed by '}'");
    ++pos_;
    return std::optional<std::string>(std::move(out));
  }

  Outcome<Piece> verb(bool nested) {
    const char v = s_[pos_++];
    Piece p;
    switch (v) {
      case '%':
      case '{':
      case '}':
        p.literal = std::string(1, v);
        return p;
      case 'h':
        if (nested) return error("%h inside %h{...}");
        if (pos_ >= s_.size() || s_[pos_] != '{') return error("%h needs a header format, e.g. %h{%k=%v }");
        {
          ++pos_;
          auto sub = pieces(true);
          if (!sub.ok()) return sub.failure();
          p.kind = Piece::Kind::kHeaders;
          p.headers = std::move(*sub);
        }
        return p;
      case 't':
        p.field = Field::kTopic;
        break;
      case 'k':
        p.field = Field::kKey;
        break;
      case 'v':
        p.field = Field::kValue;
        break;
      case 'T':
        p.field = Field::kTopicLen;
        break;
      case 'K':
        p.field = Field::kKeyLen;
        break;
      case 'V':
        p.field = Field::kValueLen;
        break;
      case 'H':
        p.field = Field::kHeaderCount;
        break;
      case 'p':
        p.field = Field::kPartition;
        break;
      case 'o':
        p.field = Field::kOffset;
        break;
      case 'e':
        p.field = Field::kEpoch;
        break;
      case 'd':
        p.field = Field::kTimestamp;
        break;
      case 'x':
        p.field = Field::kProducerId;
        break;
      case 'y':
        p.field = Field::kProducerEpoch;
        break;
      case '[':
        p.field = Field::kLogStart;
        break;
      case '|':
        p.field = Field::kLastStable;
        break;
      case ']':
        p.field = Field::kHighWatermark;
        break;
      case 'i':
        p.field = Field::kIndex;
        break;
      default: {
        std::string why = "unknown verb %";
        why.push_back(v);
        if (v == 'a') why.append(" (record attributes are not supported)");
        return error(why);
      }
    }
    auto mod = modifier();
    if (!mod.ok()) return mod.failure();
    const std::string m = mod->value_or("");
    if (is_text(p.field)) {
      p.kind = Piece::Kind::kText;
      if (m.empty()) {
        p.text_mod = TextMod::kRaw;
      } else if (m == "hex") {
        p.text_mod = TextMod::kHex;
      } else if (m == "base64") {
        p.text_mod = TextMod::kBase64;
      } else if (m == "base64raw") {
        p.text_mod = TextMod::kBase64Raw;
      } else {
        return error("unknown text modifier {" + m + "} (hex, base64, base64raw)");
      }
      return p;
    }
    if (p.field == Field::kTimestamp && (m.starts_with("strftime[") || m.starts_with("go["))) {
      p.kind = Piece::Kind::kTime;
      const bool go = m.starts_with("go[");
      p.time_mod = go ? TimeMod::kGo : TimeMod::kStrftime;
      const size_t open = m.find('[');
      if (m.back() != ']') return error("a time layout must end the modifier: %d{strftime[%F]}");
      p.layout = m.substr(open + 1, m.size() - open - 2);
      return p;
    }
    p.kind = Piece::Kind::kNumber;
    if (m.empty()) return p;
    auto nm = number_mod(m);
    if (!nm) {
      std::string why = "unknown number modifier {";
      why.append(m).append("} (ascii, hex64..hex4, big64..big8, little64..little8, byte, bool");
      if (p.field == Field::kTimestamp) why.append(", strftime[...], go[...]");
      return error(why + ")");
    }
    p.number_mod = *nm;
    return p;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
}

void append_base64(std::string& out, std::string_view bytes, bool pad) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out.push_back(kAlphabet[(n >> 18) & 63]);
  out.push_back(kAlphabet[(n >> 12) & 63]);
  if (rest == 2) {
    out.push_back(kAlphabet[(n >> 6) & 63]);
  } else if (pad) {
    out.push_back('=');
  }
  if (pad) out.push_back('=');
}

void append_number(std::string& out, int64_t value, NumberMod mod) {
  const auto u = static_cast<uint64_t>(value);
  auto hex = [&](int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int k = digits - 1; k >= 0; --k) out.push_back(kDigits[(u >> (4 * k)) & 15]);
  };
  auto big = [&](int bytes) {
    for (int k = bytes - 1; k >= 0; --k) out.push_back(static_cast<char>((u >> (8 * k)) & 0xFF));
  };
  auto little = [&](int bytes) {
    for (int k = 0; k < bytes; ++k) out.push_back(static_cast<char>((u >> (8 * k)) & 0xFF));
  };
  switch (mod) {
    case NumberMod::kAscii:
      out.append(std::to_string(value));
      break;
    case NumberMod::kHex64:
      hex(16);
      break;
    case NumberMod::kHex32:
      hex(8);
      break;
    case NumberMod::kHex16:
      hex(4);
      break;
    case NumberMod::kHex8:
      hex(2);
      break;
    case NumberMod::kHex4:
      hex(1);
      break;
    case NumberMod::kBig64:
      big(8);
      break;
    case NumberMod::kBig32:
      big(4);
      break;
    case NumberMod::kBig16:
      big(2);
      break;
    case NumberMod::kByte:
      big(1);
      break;
    case NumberMod::kLittle64:
      little(8);
      break;
    case NumberMod::kLittle32:
      little(4);
      break;
    case NumberMod::kLittle16:
      little(2);
      break;
    case NumberMod::kBool:
      out.append(value != 0 ? "true" : "false");
      break;
  }
}

std::string_view text_of(const FormatRecord& r, Field f) {
  switch (f) {
    case Field::kTopic:
      return r.topic;
    case Field::kKey:
      return r.key.value_or(std::string_view());
    default:
      return r.value.value_or(std::string_view());
  }
}

int64_t number_of(const FormatRecord& r, Field f) {
  switch (f) {
    case Field::kTopicLen:
      return static_cast<int64_t>(r.topic.size());
    case Field::kKeyLen:
      return r.key ? static_cast<int64_t>(r.key->size()) : -1;
    case Field::kValueLen:
      return r.value ? static_cast<int64_t>(r.value->size()) : -1;
    case Field::kHeaderCount:
      return static_cast<int64_t>(r.headers.size());
    case Field::kPartition:
      return r.partition;
    case Field::kOffset:
      return r.offset;
    case Field::kEpoch:
      return r.leader_epoch;
    case Field::kTimestamp:
      return r.timestamp_ms;
    case Field::kProducerId:
      return r.producer_id;
    case Field::kProducerEpoch:
      return r.producer_epoch;
    case Field::kLogStart:
      return r.log_start;
    case Field::kLastStable:
      return r.last_stable;
    case Field::kHighWatermark:
      return r.high_watermark;
    case Field::kIndex:
      return r.index;
    default:
      return 0;
  }
}

void append_strftime(std::string& out, std::string_view layout, int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const std::string fmt(layout);
  std::array<char, 512> buf{};
  const size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
  out.append(buf.data(), n);
}

void append_pieces(const std::vector<Piece>& pieces, const FormatRecord& r, std::string& out) {
  for (const Piece& p : pieces) {
    switch (p.kind) {
      case Piece::Kind::kLiteral:
        out.append(p.literal);
        break;
      case Piece::Kind::kText: {
        const std::string_view text = text_of(r, p.field);
        switch (p.text_mod) {
          case TextMod::kRaw:
            out.append(text);
            break;
          case TextMod::kHex:
            append_hex(out, text);
            break;
          case TextMod::kBase64:
            append_base64(out, text, true);
            break;
          case TextMod::kBase64Raw:
            append_base64(out, text, false);
            break;
        }
        break;
      }
      case Piece::Kind::kNumber:
        append_number(out, number_of(r, p.field), p.number_mod);
        break;
      case Piece::Kind::kTime:
        if (p.time_mod == TimeMod::kGo) {
          out.append(format_go_time(p.layout, r.timestamp_ms));
        } else {
          append_strftime(out, p.layout, r.timestamp_ms);
        }
        break;
      case Piece::Kind::kHeaders:
        for (const auto& [key, value] : r.headers) {
          FormatRecord h = r;
          h.key = key;
          h.value = value;
          h.headers.clear();
          append_pieces(p.headers, h, out);
        }
        break;
    }
  }
}

}  // namespace

Outcome<RecordFormat> RecordFormat::compile(std::string_view spec) {
  Compiler c(spec);
  auto pieces = c.pieces(false);
  if (!pieces.ok()) return pieces.failure();
  RecordFormat f;
  f.pieces_ = std::move(*pieces);
  return f;
}

void RecordFormat::append(const FormatRecord& record, std::string& out) const {
  append_pieces(pieces_, record, out);
}

std::string unescape_backslashes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 >= text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const char e = text[i + 1];
    if (e == 'n') {
      out.push_back('\n');
    } else if (e == 't') {
      out.push_back('\t');
    } else if (e == 'r') {
      out.push_back('\r');
    } else if (e == '\\') {
      out.push_back('\\');
    } else if (e == 'x' && i + 3 < text.size() && hex_digit(text[i + 2]) >= 0 &&
               hex_digit(text[i + 3]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(text[i + 2]) * 16 + hex_digit(text[i + 3])));
      i += 2;
    } else {
      out.push_back('\\');
      out.push_back(e);
    }
    ++i;
  }
  return out;
}

std::string format_go_time(std::string_view layout, int64_t unix_ms) {
  const int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  const int64_t ms = unix_ms - secs * 1000;
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  static constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
  std::string out;
  auto num = [&](int v, int width, char fill = '0') {
    std::string s = std::to_string(v);
    while (static_cast<int>(s.size()) < width) s.insert(s.begin(), fill);
    out.append(s);
  };
  const int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  // Longest tokens first, so "2006" wins over "2" and "January" over "Jan".
  static constexpr std::string_view kTokens[] = {
      "January", "Monday", "Z07:00", "-07:00", "Z0700", "-0700", ".000000000", ".000000", ".000", "2006",
      "Jan",     "Mon",    "MST",    "01",     "02",    "_2",    "15",         "03",      "04",   "05",
      "06",      "PM",     "pm",     "1",      "2",     "3",     "4",          "5"};
  size_t i = 0;
  while (i < layout.size()) {
    std::string_view token;
    for (std::string_view tok : kTokens) {
      if (layout.substr(i, tok.size()) == tok) {
        token = tok;
        break;
      }
    }
    if (token.empty()) {
      out.push_back(layout[i++]);
      continue;
    }
    i += token.size();
    if (token == "January") {
      out.append(kMonths[tm.tm_mon]);
    } else if (token == "Jan") {
      out.append(std::string_view(kMonths[tm.tm_mon]).substr(0, 3));
    } else if (token == "Monday") {
      out.append(kDays[tm.tm_wday]);
    } else if (token == "Mon") {
      out.append(std::string_view(kDays[tm.tm_wday]).substr(0, 3));
    } else if (token == "Z07:00" || token == "Z0700") {
      out.push_back('Z');
    } else if (token == "-07:00") {
      out.append("+00:00");
    } else if (token == "-0700") {
      out.append("+0000");
    } else if (token == "MST") {
      out.append("UTC");
    } else if (token == ".000") {
      out.push_back('.');
      num(static_cast<int>(ms), 3);
    } else if (token == ".000000") {
      out.push_back('.');
      num(static_cast<int>(ms), 3);
      out.append("000");
    } else if (token == ".000000000") {
      out.push_back('.');
      num(static_cast<int>(ms), 3);
      out.append("000000");
    } else if (token == "2006") {
      num(tm.tm_year + 1900, 4);
    } else if (token == "06") {
      num((tm.tm_year + 1900) % 100, 2);
    } else if (token == "01") {
      num(tm.tm_mon + 1, 2);
    } else if (token == "1") {
      num(tm.tm_mon + 1, 1);
    } else if (token == "02") {
      num(tm.tm_mday, 2);
    } else if (token == "_2") {
      num(tm.tm_mday, 2, ' ');
    } else if (token == "2") {
      num(tm.tm_mday, 1);
    } else if (token == "15") {
      num(tm.tm_hour, 2);
    } else if (token == "03") {
      num(hour12, 2);
    } else if (token == "3") {
      num(hour12, 1);
    } else if (token == "04") {
      num(tm.tm_min, 2);
    } else if (token == "4") {
      num(tm.tm_min, 1);
    } else if (token == "05") {
      num(tm.tm_sec, 2);
    } else if (token == "5") {
      num(tm.tm_sec, 1);
    } else if (token == "PM") {
      out.append(tm.tm_hour >= 12 ? "PM" : "AM");
    } else if (token == "pm") {
      out.append(tm.tm_hour >= 12 ? "pm" : "am");
    }
  }
  return out;
}

}  // namespace runnel::cli
