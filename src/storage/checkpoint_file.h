// A one-number checkpoint file (recovery point, log start offset), replaced
// atomically: written to a temporary file, synced, renamed over the old one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace runnel::storage {

// The value, nullopt if the file is missing; kInvalidValue if unreadable.
Result<std::optional<int64_t>> read_checkpoint(const std::string& path);
Status write_checkpoint(const std::string& path, int64_t value);

}  // namespace runnel::storage
