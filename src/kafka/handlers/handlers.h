// Every Kafka API handler, one file per API family under kafka/handlers/.
// Each decodes its request, does the work (fanning out to the shards that
// own the partitions it touches) and encodes the response.
#pragma once

#include "kafka/request_context.h"

namespace runnel::kafka {

Task<HandlerResult> handle_api_versions(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_metadata(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_produce(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_fetch(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_list_offsets(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_offset_commit(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_offset_fetch(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_find_coordinator(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_join_group(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_sync_group(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_heartbeat(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_leave_group(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_list_groups(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_describe_groups(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_delete_groups(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_offset_delete(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_create_topics(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_delete_topics(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_create_partitions(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_delete_records(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_offset_for_leader_epoch(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_sasl_handshake(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_describe_cluster(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_init_producer_id(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_describe_producers(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_describe_configs(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_alter_configs(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_incremental_alter_configs(RequestContext& ctx, std::span<uint8_t> body);
Task<HandlerResult> handle_describe_log_dirs(RequestContext& ctx, std::span<uint8_t> body);

}  // namespace runnel::kafka
