#include "kafka/dispatch.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "kafka/handlers/handlers.h"
#include "kafka/request_metrics.h"
#include "protocol/kafka/generated/any_message.h"
#include "protocol/kafka/generated/api_table.h"
#include "protocol/kafka/generated/api_versions.h"

namespace runnel::kafka {

namespace {

// Version floors: Produce below v3 and Fetch below v4 carry magic 0/1
// message sets, which this broker does not store, and ListOffsets v0 answers
// in a form older than either; Kafka 4.0 dropped the same versions.
// Kept sorted by key: find_handler searches it.
constexpr std::array kHandlers{
    ApiHandler{0, 3, 11, handle_produce},
    ApiHandler{1, 4, 17, handle_fetch},
    ApiHandler{2, 1, 10, handle_list_offsets},
    ApiHandler{3, 0, 12, handle_metadata},
    ApiHandler{8, 0, 9, handle_offset_commit},
    ApiHandler{9, 0, 9, handle_offset_fetch},
    ApiHandler{10, 0, 6, handle_find_coordinator},
    ApiHandler{11, 0, 9, handle_join_group},
    ApiHandler{12, 0, 4, handle_heartbeat},
    ApiHandler{13, 0, 5, handle_leave_group},
    ApiHandler{14, 0, 5, handle_sync_group},
    ApiHandler{15, 0, 5, handle_describe_groups},
    ApiHandler{16, 0, 5, handle_list_groups},
    ApiHandler{17, 0, 1, handle_sasl_handshake},
    ApiHandler{18, 0, 4, handle_api_versions},
    ApiHandler{19, 0, 7, handle_create_topics},
    ApiHandler{20, 0, 6, handle_delete_topics},
    ApiHandler{21, 0, 2, handle_delete_records},
    ApiHandler{22, 0, 5, handle_init_producer_id},
    ApiHandler{23, 0, 4, handle_offset_for_leader_epoch},
    ApiHandler{32, 0, 4, handle_describe_configs},
    ApiHandler{33, 0, 2, handle_alter_configs},
    ApiHandler{35, 0, 4, handle_describe_log_dirs},
    ApiHandler{37, 0, 3, handle_create_partitions},
    ApiHandler{42, 0, 2, handle_delete_groups},
    ApiHandler{44, 0, 1, handle_incremental_alter_configs},
    ApiHandler{47, 0, 0, handle_offset_delete},
    ApiHandler{60, 0, 1, handle_describe_cluster},
    ApiHandler{61, 0, 0, handle_describe_producers},
};

}  // namespace

constexpr bool sorted_by_key() {
  for (size_t i = 1; i < kHandlers.size(); ++i) {
    if (kHandlers[i - 1].key >= kHandlers[i].key) return false;
  }
  return true;
}
static_assert(sorted_by_key(), "kHandlers must be sorted by API key");

std::span<const ApiHandler> api_handlers() {
  return kHandlers;
}

const ApiHandler* find_handler(int16_t api_key) {
  auto it = std::lower_bound(kHandlers.begin(), kHandlers.end(), api_key,
                             [](const ApiHandler& h, int16_t key) { return h.key < key; });
  return it != kHandlers.end() && it->key == api_key ? &*it : nullptr;
}

namespace {

// ApiVersions answered at v0 with UNSUPPORTED_VERSION and the full API list:
// what Kafka does for a version it does not know, so the client can retry
// with one it does.
std::vector<uint8_t> unsupported_api_versions_body() {
  ApiVersionsResponse response;
  response.error_code = code(ErrorCode::kUnsupportedVersion);
  for (const ApiHandler& h : api_handlers()) {
    ApiVersionsResponse::ApiVersion v;
    v.api_key = h.key;
    v.min_version = h.min_version;
    v.max_version = h.max_version;
    response.api_keys.push_back(v);
  }
  return encode_response(response, 0).body;
}

std::string api_name(int16_t key) {
  const ApiInfo* api = find_api(key);
  if (api) return std::string(api->name);
  std::string name = "API ";
  return name.append(std::to_string(key));
}

}  // namespace

Task<Dispatched> dispatch_request(Broker& broker, unsigned shard, std::span<uint8_t> frame,
                                  const std::string& peer, std::function<void()> release) {
  Dispatched out;
  ByteReader reader(frame);
  RequestHeader header;
  if (Status s = parse_request_header(reader, &header); !s.ok()) {
    RequestMetrics::of(shard).failed(-1);
    out.why = "unreadable request header: ";
    out.why.append(s.to_string());
    co_return out;
  }
  const int16_t key = header.request_api_key;
  const int16_t version = header.request_api_version;
  out.correlation_id = header.correlation_id;
  const ApiHandler* handler = find_handler(key);
  RequestMetrics& metrics = RequestMetrics::of(shard);
  if (handler == nullptr) {
    metrics.failed(key);
    out.why = api_name(key) + " is not served";
    co_return out;
  }
  if (version < handler->min_version || version > handler->max_version) {
    if (key == ApiVersionsRequest::kApiKey) {
      out.action = Dispatched::Action::kRespond;
      out.response_header_version = 0;
      out.body = unsupported_api_versions_body();
      co_return out;
    }
    // Kafka cannot answer a version it cannot encode either: it closes.
    metrics.failed(key);
    out.why = api_name(key) + " v" + std::to_string(version) + " is not supported";
    co_return out;
  }
  const size_t header_size = frame.size() - reader.remaining();
  RequestContext ctx{broker, shard, std::move(header), peer, std::move(release)};
  const auto started = std::chrono::steady_clock::now();
  HandlerResult result = co_await handler->handle(ctx, frame.subspan(header_size));
  metrics.observe(key, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  switch (result.kind) {
    case HandlerResult::Kind::kMalformed:
      metrics.failed(key);
      out.why = "malformed ";
      out.why.append(api_name(key)).append(" v").append(std::to_string(version)).append(" request");
      co_return out;
    case HandlerResult::Kind::kNoResponse:
      out.action = Dispatched::Action::kNoResponse;
      co_return out;
    case HandlerResult::Kind::kRespond:
      break;
  }
  out.action = Dispatched::Action::kRespond;
  out.response_header_version = response_header_version(key, version);
  out.body = std::move(result.body);
  out.splices = std::move(result.splices);
  co_return out;
}

}  // namespace runnel::kafka
