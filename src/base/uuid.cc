#include "base/uuid.h"

#include <random>

namespace runnel {

std::string to_base64(const Uuid& id) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(22);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : id.bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

Uuid random_uuid() {
  static thread_local std::random_device device;
  Uuid id;
  for (size_t i = 0; i < id.bytes.size(); i += 4) {
    uint32_t r = device();
    for (size_t j = 0; j < 4; ++j) id.bytes[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // version 4
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

}  // namespace runnel
