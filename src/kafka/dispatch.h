// The table of Kafka APIs this broker serves: key, the version range it
// answers, and the handler. ApiVersions advertises exactly this table.
#pragma once

#include <cstdint>
#include <span>

#include "kafka/request_context.h"

namespace runnel::kafka {

struct ApiHandler {
  int16_t key;
  int16_t min_version;
  int16_t max_version;
  Handler handle;
};

// Sorted by key.
std::span<const ApiHandler> api_handlers();
// nullptr when the API is not served.
const ApiHandler* find_handler(int16_t api_key);

}  // namespace runnel::kafka
