// The table of Kafka APIs this broker serves: key, the version range it
// answers, and the handler. ApiVersions advertises exactly this table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kafka/request_context.h"
#include "kafka/spliced_body.h"

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

// What to do with one request frame (the bytes after the size prefix).
struct Dispatched {
  enum class Action { kRespond, kNoResponse, kClose };
  Action action = Action::kClose;
  int32_t correlation_id = 0;
  int16_t response_header_version = 0;
  std::vector<uint8_t> body;
  std::vector<Splice> splices;  // file bytes that go into the body (fetch)
  std::string why;              // for kClose: what was wrong, for the log
};

// Parses the header, checks the API and version, and runs the handler. The
// connection (and the request fuzzer) call this; it never throws on input.
// `release` becomes the handler's RequestContext::release.
Task<Dispatched> dispatch_request(Broker& broker, unsigned shard, std::span<uint8_t> frame,
                                  const std::string& peer, std::function<void()> release = {});

}  // namespace runnel::kafka
