// DescribeCluster: this node as the only broker and the controller.
#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "protocol/kafka/generated/describe_cluster.h"

namespace runnel::kafka {

Task<HandlerResult> handle_describe_cluster(RequestContext& ctx, std::span<uint8_t> body) {
  DescribeClusterRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  DescribeClusterResponse response;
  // Endpoint type 1 is brokers; 2 (controllers) is only for KRaft controller listeners.
  if (ctx.version() >= 1 && request.endpoint_type != 1) {
    response.error_code = code(ErrorCode::kUnsupportedEndpointType);
    response.error_message = "only broker endpoints (type 1) are served here";
    co_return encode_response(response, ctx.version());
  }
  response.cluster_id = broker.metadata().cluster_id;
  response.controller_id = broker.config().node_id;
  DescribeClusterResponse::DescribeClusterBroker self;
  self.broker_id = broker.config().node_id;
  self.host = broker.config().advertised_host;
  self.port = broker.config().advertised_port;
  response.brokers.push_back(self);
  co_return encode_response(response, ctx.version());
}

}  // namespace runnel::kafka
