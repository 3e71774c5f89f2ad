#include "cli/input_format.h"

#include <charconv>

#include "cli/record_format.h"

namespace runnel::cli {

namespace {

Failure bad_format(std::string_view spec, std::string_view why) {
  std::string m = "invalid input format '";
  m.append(spec).append("': ").append(why);
  return fail(std::move(m));
}

// Input text shown in an error: at most 40 bytes, escaped to stay on one line.
std::string shown(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text.substr(0, 40)) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\n') {
      out.append("\\n");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (b < 0x20 || b == 0x7f) {
      out.append("\\x").push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > 40) out.append("...");
  return out;
}

}  // namespace

Outcome<InputFormat> InputFormat::compile(std::string_view spec) {
  InputFormat f;
  std::string literal;
  auto flush_literal = [&] {
    if (literal.empty()) return;
    f.pieces_.push_back(Piece{0, unescape_backslashes(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c == '\\' && i + 1 < spec.size()) {
      literal.push_back(c);
      literal.push_back(spec[++i]);
      continue;
    }
    if (c != '%') {
      literal.push_back(c);
      continue;
    }
    if (i + 1 >= spec.size()) return bad_format(spec, "a '%' at the end (write %% for a percent sign)");
    const char v = spec[++i];
    if (v == '%' || v == '{' || v == '}') {
      literal.push_back(v);
      continue;
    }
    if (v != 't' && v != 'k' && v != 'v' && v != 'p') {
      std::string why = "%";
      why.push_back(v);
      why.append(" is not supported in input formats (only %t %k %v %p)");
      return bad_format(spec, why);
    }
    if (i + 1 < spec.size() && spec[i + 1] == '{') {
      return bad_format(spec, "input modifiers (sizes, json, regex) are not supported");
    }
    flush_literal();
    if (!f.pieces_.empty() && f.pieces_.back().field != 0) {
      return bad_format(spec, "two fields need text between them to tell where one ends");
    }
    for (const Piece& p : f.pieces_) {
      if (p.field == v) return bad_format(spec, std::string("%").append(1, v).append(" appears twice"));
    }
    f.pieces_.push_back(Piece{v, {}});
  }
  flush_literal();
  bool any_field = false;
  for (const Piece& p : f.pieces_) any_field = any_field || p.field != 0;
  if (!any_field) return bad_format(spec, "no field to read (%v, %k, %t or %p)");
  return f;
}

bool InputFormat::parses_topic() const {
  for (const Piece& p : pieces_) {
    if (p.field == 't') return true;
  }
  return false;
}

bool InputFormat::parses_partition() const {
  for (const Piece& p : pieces_) {
    if (p.field == 'p') return true;
  }
  return false;
}

Outcome<InputFormat::Step> InputFormat::next(std::string& buffer, bool eof, ParsedRecord& out) const {
  if (eof && buffer.empty()) return Step::kDone;
  out = ParsedRecord{};
  size_t pos = 0;
  for (size_t k = 0; k < pieces_.size(); ++k) {
    const Piece& p = pieces_[k];
    const bool last = k + 1 == pieces_.size();
    if (p.field == 0) {
      if (buffer.size() - pos < p.literal.size()) {
        if (!eof) return Step::kNeedMore;
        if (last && pos == buffer.size()) break;  // a last line without its newline
      }
      if (buffer.compare(pos, p.literal.size(), p.literal) != 0) {
        std::string m = "input does not match the format: expected '";
        m.append(shown(p.literal))
            .append("' before '")
            .append(shown(std::string_view(buffer).substr(pos)))
            .append("'");
        return fail(std::move(m));
      }
      pos += p.literal.size();
      continue;
    }
    size_t end = buffer.size();
    if (!last) {
      const std::string& delim = pieces_[k + 1].literal;
      const size_t found = buffer.find(delim, pos);
      if (found != std::string::npos) {
        end = found;
      } else if (!eof) {
        return Step::kNeedMore;
      } else if (k + 2 != pieces_.size()) {
        std::string m = "input does not match the format: it ended without '";
        m.append(shown(delim))
            .append("' after '")
            .append(shown(std::string_view(buffer).substr(pos)))
            .append("'");
        return fail(std::move(m));
      }
    } else if (!eof) {
      return Step::kNeedMore;  // the last field runs to the end of the input
    }
    std::string text = buffer.substr(pos, end - pos);
    pos = end;
    switch (p.field) {
      case 't':
        out.topic = std::move(text);
        break;
      case 'k':
        out.key = std::move(text);
        break;
      case 'v':
        out.value = std::move(text);
        break;
      case 'p': {
        int32_t partition = -1;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), partition);
        if (ec != std::errc() || ptr != text.data() + text.size() || partition < 0) {
          return fail(std::string("input partition '").append(text).append("' is not a non-negative number"));
        }
        out.partition = partition;
        break;
      }
    }
  }
  buffer.erase(0, pos);
  return Step::kRecord;
}

}  // namespace runnel::cli
