// See resp_reader.h.
#include "benchtool/resp_reader.h"

#include <charconv>

namespace runnel::benchtool {

void resp_encode(std::string& out, const std::vector<std::string_view>& args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (auto a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a.data(), a.size());
    out += "\r\n";
  }
}

int RespReader::parse(std::size_t& p, RespValue& v, int depth) {
  if (depth > 32) return -1;
  if (p >= buf_.size()) return 0;
  const std::size_t eol = buf_.find("\r\n", p + 1);
  if (eol == std::string::npos) return 0;
  const char kind = buf_[p];
  const std::string_view line(buf_.data() + p + 1, eol - p - 1);
  std::int64_t n = 0;
  auto as_int = [&]() {
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
    return ec == std::errc() && end == line.data() + line.size();
  };
  switch (kind) {
    case '+':
      v.type = RespValue::Type::kSimple;
      v.str.assign(line);
      p = eol + 2;
      return 1;
    case '-':
      v.type = RespValue::Type::kError;
      v.str.assign(line);
      p = eol + 2;
      return 1;
    case ':':
      if (!as_int()) return -1;
      v.type = RespValue::Type::kInteger;
      v.integer = n;
      p = eol + 2;
      return 1;
    case '$': {
      if (!as_int() || n < -1 || n > (512 << 20)) return -1;
      if (n == -1) {
        v.type = RespValue::Type::kNull;
        p = eol + 2;
        return 1;
      }
      const std::size_t start = eol + 2;
      const auto len = static_cast<std::size_t>(n);
      if (buf_.size() < start + len + 2) return 0;
      if (buf_[start + len] != '\r' || buf_[start + len + 1] != '\n') return -1;
      v.type = RespValue::Type::kBulk;
      v.str.assign(buf_, start, len);
      p = start + len + 2;
      return 1;
    }
    case '*': {
      if (!as_int() || n < -1 || n > (1 << 24)) return -1;
      if (n == -1) {
        v.type = RespValue::Type::kNull;
        p = eol + 2;
        return 1;
      }
      v.type = RespValue::Type::kArray;
      v.elems.clear();
      v.elems.resize(static_cast<std::size_t>(n));
      std::size_t q = eol + 2;
      for (auto& e : v.elems) {
        int r = parse(q, e, depth + 1);
        if (r != 1) return r;
      }
      p = q;
      return 1;
    }
    default:
      return -1;
  }
}

std::optional<RespValue> RespReader::next() {
  if (!error_.empty()) return std::nullopt;
  RespValue v;
  std::size_t p = pos_;
  int r = parse(p, v, 0);
  if (r < 0) {
    error_ = "malformed RESP reply";
    return std::nullopt;
  }
  if (r == 0) return std::nullopt;
  pos_ = p;
  // Drop consumed bytes now and then, not on every reply.
  if (pos_ > (1u << 20) && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return v;
}

}  // namespace runnel::benchtool
