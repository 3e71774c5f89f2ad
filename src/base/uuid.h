// Uuid: Kafka's 16-byte identifier (topic ids, directory ids), compared bytewise.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace runnel {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool is_zero() const {
    for (uint8_t b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }
  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

// Kafka prints topic ids as URL-safe base64 without padding (22 characters).
std::string to_base64(const Uuid& id);

// A random version-4 UUID from the system's entropy source; never zero.
Uuid random_uuid();

}  // namespace runnel
