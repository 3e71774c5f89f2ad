#include "base/status.h"

namespace runnel {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kOk: return "ok";
    case Errc::kTruncated: return "truncated";
    case Errc::kNegativeLength: return "negative length";
    case Errc::kVarintOverflow: return "varint overflow";
    case Errc::kUnsupportedVersion: return "unsupported version";
    case Errc::kTooLarge: return "too large";
    case Errc::kTrailingBytes: return "trailing bytes";
    case Errc::kInvalidValue: return "invalid value";
    case Errc::kCorrupt: return "corrupt";
    case Errc::kUnsupportedMagic: return "unsupported magic";
    case Errc::kCompression: return "compression";
    case Errc::kIo: return "i/o";
  }
  return "unknown";
}

std::string Status::to_string() const {
  std::string out(errc_name(code_));
  if (!detail_.empty()) {
    out += ": ";
    out += detail_;
  }
  return out;
}

}  // namespace runnel
