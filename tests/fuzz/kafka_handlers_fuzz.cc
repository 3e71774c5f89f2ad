// Drives whole Kafka request frames (header and body, as read off a socket)
// through dispatch and every handler of a real broker on a temporary data
// directory. Anything a client can send must get an answer or a closed
// connection: no crash, no hang, no sanitizer report, no corrupted log.
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "kafka/local_broker.h"
#include "kafka/topic_controller.h"
#include "protocol/kafka/generated/any_message.h"
#include "protocol/kafka/generated/create_partitions.h"
#include "protocol/kafka/generated/create_topics.h"
#include "protocol/kafka/generated/fetch.h"
#include "protocol/kafka/generated/headers.h"
#include "protocol/kafka/generated/join_group.h"

namespace {

using namespace runnel;

// One broker for the whole process (a static, so not a leak); only its
// directory is removed at exit.
kafka::LocalBroker* local_broker() {
  static kafka::LocalBroker* broker = [] {
    char pattern[] = "/tmp/runnel-fuzz-XXXXXX";
    static std::string dir = mkdtemp(pattern);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    });
    kafka::BrokerConfig config;
    config.data_dir = dir;
    // Groups form at once and members from earlier inputs expire quickly
    // (see groups_without_waiting).
    config.settings["group.initial.rebalance.delay.ms"] = "0";
    config.settings["group.min.session.timeout.ms"] = "1";
    auto* made = new kafka::LocalBroker(config);
    kafka::TopicSpec spec;
    spec.name = "fuzz";
    spec.partitions = 3;
    made->run(made->broker().on_controller<kafka::TopicOutcome>(
        [spec](kafka::TopicController& c) { return c.create(spec, false); }));
    return made;
  }();
  return broker;
}

// Topic creation is fuzzed too, but a request for thousands of partitions
// would only measure the disk; such inputs are skipped.
bool creates_too_much(std::span<const uint8_t> frame) {
  ByteReader r(frame);
  kafka::RequestHeader header;
  if (!kafka::parse_request_header(r, &header).ok()) return false;
  const int16_t version = header.request_api_version;
  if (header.request_api_key == kafka::CreateTopicsRequest::kApiKey) {
    kafka::CreateTopicsRequest request;
    request.decode(r, version);
    if (request.topics.size() > 4) return true;
    for (const auto& t : request.topics) {
      if (t.num_partitions > 8 || t.assignments.size() > 8) return true;
    }
  }
  if (header.request_api_key == kafka::CreatePartitionsRequest::kApiKey) {
    kafka::CreatePartitionsRequest request;
    request.decode(r, version);
    for (const auto& t : request.topics) {
      if (t.count > 8) return true;
    }
  }
  return false;
}

// A fetch long-polls for up to max_wait_ms (as long as 24 days) when no data
// is ready, which the fuzzer would report as a hang: such a request is
// re-encoded with no wait. Everything else about it is fuzzed as sent.
void fetch_without_waiting(std::vector<uint8_t>& frame) {
  ByteReader r(frame);
  kafka::RequestHeader header;
  if (!kafka::parse_request_header(r, &header).ok()) return;
  if (header.request_api_key != kafka::FetchRequest::kApiKey) return;
  const size_t header_size = frame.size() - r.remaining();
  kafka::FetchRequest request;
  request.decode(r, header.request_api_version);
  if (!r.ok() || request.max_wait_ms <= 0) return;
  request.max_wait_ms = 0;
  std::vector<uint8_t> rewritten(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(header_size));
  ByteWriter w(&rewritten);
  request.encode(w, header.request_api_version);
  if (w.ok()) frame = std::move(rewritten);
}

// A JoinGroup waits for the other members for up to the longest rebalance
// timeout in the group, and a member stays for its session timeout: both
// are capped at 50 ms so no input waits long on members that earlier inputs
// left behind. Values below the cap (and invalid ones) are fuzzed as sent.
void groups_without_waiting(std::vector<uint8_t>& frame) {
  ByteReader r(frame);
  kafka::RequestHeader header;
  if (!kafka::parse_request_header(r, &header).ok()) return;
  if (header.request_api_key != kafka::JoinGroupRequest::kApiKey) return;
  const size_t header_size = frame.size() - r.remaining();
  kafka::JoinGroupRequest request;
  request.decode(r, header.request_api_version);
  constexpr int32_t kCapMs = 50;
  if (!r.ok() || (request.session_timeout_ms <= kCapMs && request.rebalance_timeout_ms <= kCapMs)) return;
  request.session_timeout_ms = std::min(request.session_timeout_ms, kCapMs);
  request.rebalance_timeout_ms = std::min(request.rebalance_timeout_ms, kCapMs);
  std::vector<uint8_t> rewritten(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(header_size));
  ByteWriter w(&rewritten);
  request.encode(w, header.request_api_version);
  if (w.ok()) frame = std::move(rewritten);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kafka::LocalBroker* broker = local_broker();
  std::vector<uint8_t> frame(data, data + size);
  if (creates_too_much(frame)) return 0;
  fetch_without_waiting(frame);
  groups_without_waiting(frame);
  kafka::Dispatched d = broker->request(frame);
  if (d.action == kafka::Dispatched::Action::kRespond && d.body.empty()) {
    std::fprintf(stderr, "a response with an empty body\n");
    std::abort();
  }
  return 0;
}
