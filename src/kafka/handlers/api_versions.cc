// ApiVersions: the APIs and version ranges this broker serves, exactly the
// dispatch table.
#include "kafka/dispatch.h"
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/api_versions.h"

namespace runnel::kafka {

Task<HandlerResult> handle_api_versions(RequestContext& ctx, std::span<uint8_t> body) {
  ApiVersionsRequest request;
  ApiVersionsResponse response;
  if (!decode_request(body, ctx.version(), &request)) {
    // Kafka answers an undecodable ApiVersions with INVALID_REQUEST rather
    // than closing, so clients can still learn what the broker speaks.
    response.error_code = code(ErrorCode::kInvalidRequest);
  }
  for (const ApiHandler& h : api_handlers()) {
    ApiVersionsResponse::ApiVersion v;
    v.api_key = h.key;
    v.min_version = h.min_version;
    v.max_version = h.max_version;
    response.api_keys.push_back(v);
  }
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
