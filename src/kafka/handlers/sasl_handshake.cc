// SaslHandshake: no mechanism is enabled until security lands, so every
// mechanism a client asks for is UNSUPPORTED_SASL_MECHANISM with an empty list.
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/sasl_handshake.h"

namespace runnel::kafka {

Task<HandlerResult> handle_sasl_handshake(RequestContext& ctx, std::span<uint8_t> body) {
  SaslHandshakeRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  SaslHandshakeResponse response;
  response.error_code = code(ErrorCode::kUnsupportedSaslMechanism);
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
