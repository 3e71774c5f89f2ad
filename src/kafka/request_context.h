// What a Kafka API handler sees of the request it serves, and what it hands
// back to the connection. Handlers run on the connection's shard.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/shards.h"
#include "kafka/error_code.h"
#include "kafka/spliced_body.h"
#include "protocol/kafka/generated/headers.h"

namespace runnel::kafka {

class Broker;

struct RequestContext {
  Broker& broker;
  unsigned shard;  // the shard running the connection
  RequestHeader header;
  std::string peer;  // "host:port" of the client, for logs
  // Lets the connection dispatch its next request before this one has
  // answered. A handler calls it once the rest of its work can no longer
  // change what later requests see or in which order (produce: after the
  // appends, before waiting for the fsync). Empty outside a connection.
  std::function<void()> release;
  int16_t version() const { return header.request_api_version; }
  int16_t api_key() const { return header.request_api_key; }
};

struct HandlerResult {
  enum class Kind {
    kRespond,     // send `body` after a response header
    kNoResponse,  // produce with acks=0
    kMalformed,   // the body did not decode: the connection is closed
  };
  Kind kind = Kind::kRespond;
  std::vector<uint8_t> body;
  std::vector<Splice> splices;  // file bytes that go into the body (fetch)

  static HandlerResult malformed() { return HandlerResult{Kind::kMalformed, {}, {}}; }
  static HandlerResult no_response() { return HandlerResult{Kind::kNoResponse, {}, {}}; }
};

// A handler gets the request body (after the header) in a buffer the
// connection owns for the duration of the call; it may edit it in place
// (produce rewrites batch offsets there before appending).
using Handler = Task<HandlerResult> (*)(RequestContext& ctx, std::span<uint8_t> body);

// Decodes a request body; false when it is malformed. Trailing bytes are
// tolerated, as Kafka does, so a newer client's extra fields do no harm.
template <typename Request>
bool decode_request(std::span<const uint8_t> body, int16_t version, Request* out) {
  ByteReader r(body);
  out->decode(r, version);
  return r.ok();
}

// Encodes a response body at the request's version.
template <typename Response>
HandlerResult encode_response(const Response& response, int16_t version) {
  HandlerResult out;
  out.body.reserve(response.encoded_size(version));
  ByteWriter w(&out.body);
  response.encode(w, version);
  return out;
}

}  // namespace runnel::kafka
