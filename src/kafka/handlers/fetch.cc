// Fetch: reads each partition on the shard that owns it and long-polls: when
// fewer than min_bytes are ready it waits, up to max_wait_ms, for an append to
// any of the partitions asked for. Sessions (KIP-227) are not kept: every
// answer carries session id 0, which tells a client to send full requests.
// The log bytes are not copied: each partition's answer names a range of a
// segment file (a dup'ed descriptor) that the connection sends with
// sendfile, or the pieces of the log's memory that hold its newest bytes.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>

#include "base/logging.h"
#include "kafka/broker.h"
#include "kafka/handlers/handlers.h"
#include "kafka/partition_fanout.h"
#include "kafka/request_metrics.h"
#include "protocol/kafka/generated/fetch.h"

namespace runnel::kafka {

namespace {

using Clock = std::chrono::steady_clock;

struct PartitionRead {
  std::string topic;
  int32_t partition;
  int64_t offset;
  size_t max_bytes;
  FetchResponse::PartitionData* answer;
  FileSlice data;                                  // the batches read: a segment file range or memory
  int64_t seen_end = -1;                           // end offset when read, to detect appends racing the wait
  int64_t next_offset = -1;                        // one past the last offset of `data`
  std::shared_ptr<metrics::PartitionCells> cells;  // counted on the fetch's shard once sent
};

// Wakes a waiting fetch from whichever shard appends first.
struct WakeSignal {
  explicit WakeSignal(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::atomic<bool> done{false};
  // Set on the fetch's shard with the cancel. A wake-up can arrive before
  // the fetch starts waiting (an append right after a watch was registered,
  // while the other watches are still being set up): a cancel then finds no
  // wait to end and is lost, so the fetch checks this first.
  bool woken = false;
};

void read_partition(ShardState& shard, PartitionRead& r) {
  auto& answer = *r.answer;
  Partition* partition = shard.find(r.topic, r.partition);
  if (partition == nullptr) {
    answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
    return;
  }
  storage::Log& log = partition->log();
  r.cells = partition->metric_cells();
  answer.high_watermark = partition->high_watermark();
  answer.last_stable_offset = partition->high_watermark();
  answer.log_start_offset = partition->log_start_offset();
  r.seen_end = log.end_offset();
  r.data = FileSlice{};
  if (r.offset == log.end_offset()) return;
  auto range = log.read(r.offset, r.max_bytes);
  if (!range.ok()) {
    answer.error_code = code(range.status().code() == Errc::kInvalidValue ? ErrorCode::kOffsetOutOfRange
                                                                          : ErrorCode::kKafkaStorageError);
    return;
  }
  if (range->length == 0) return;
  if (!range->memory.empty()) {
    r.data = FileSlice{UniqueFd(), 0, range->length, std::move(range->memory)};
    r.next_offset = range->next_offset;
    return;
  }
  // The segment's own descriptor may be closed (LRU, retention) before the
  // response is sent; the dup keeps the file readable until then.
  UniqueFd fd(::fcntl(range->fd, F_DUPFD_CLOEXEC, 0));
  if (!fd) {
    answer.error_code = code(ErrorCode::kKafkaStorageError);
    return;
  }
  r.data = FileSlice{std::move(fd), range->position, range->length, {}};
  r.next_offset = range->next_offset;
}

// Registers a one-shot wake-up with every partition this shard owns; wakes
// at once when one already moved past what was read.
void watch_partition(ShardState& shard, PartitionRead& r, const std::shared_ptr<WakeSignal>& signal) {
  auto wake = [signal]() {
    asio::post(signal->timer.get_executor(), [signal]() {
      signal->woken = true;
      signal->timer.cancel();
    });
  };
  Partition* partition = shard.find(r.topic, r.partition);
  if (partition == nullptr) return;
  if (partition->log().end_offset() != r.seen_end) {
    wake();
    return;
  }
  partition->on_next_append([signal]() { return !signal->done.load(std::memory_order_relaxed); }, wake);
}

}  // namespace

Task<HandlerResult> handle_fetch(RequestContext& ctx, std::span<uint8_t> body) {
  FetchRequest request;
  if (!decode_request(body, ctx.version(), &request)) co_return HandlerResult::malformed();
  Broker& broker = ctx.broker;
  const int16_t version = ctx.version();
  FetchResponse response;
  response.session_id = 0;

  // Sessionless (id 0, epoch -1) and "start a session" (id 0, epoch 0) are
  // both answered in full with no session; anything naming a session we
  // never created gets the error KIP-227 prescribes.
  if (request.session_id != 0) {
    response.error_code = code(ErrorCode::kFetchSessionIdNotFound);
    co_return encode_response(response, version);
  }
  if (request.session_epoch != -1 && request.session_epoch != 0) {
    response.error_code = code(ErrorCode::kInvalidFetchSessionEpoch);
    co_return encode_response(response, version);
  }

  std::shared_ptr<const MetadataImage> image = broker.local().metadata;
  std::vector<PartitionRead> reads;
  size_t count = 0;
  for (const auto& t : request.topics) count += t.partitions.size();
  reads.reserve(count);
  response.responses.reserve(request.topics.size());
  const size_t response_max = request.max_bytes > 0 ? static_cast<size_t>(request.max_bytes) : 0;
  for (const auto& t : request.topics) {
    auto& topic_answer = response.responses.emplace_back();
    topic_answer.topic = t.topic;
    topic_answer.topic_id = t.topic_id;
    // v13+ names topics by id only.
    const TopicImage* topic = version >= 13 ? image->find(t.topic_id) : image->find(t.topic);
    topic_answer.partitions.reserve(t.partitions.size());
    for (const auto& p : t.partitions) {
      auto& answer = topic_answer.partitions.emplace_back();
      answer.partition_index = p.partition;
      answer.high_watermark = -1;
      answer.aborted_transactions = std::nullopt;
      answer.records = RecordsView{};
      if (topic == nullptr) {
        answer.error_code =
            code(version >= 13 ? ErrorCode::kUnknownTopicId : ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      if (p.partition < 0 || p.partition >= topic->partitions) {
        answer.error_code = code(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      if (p.fetch_offset < 0) {
        answer.error_code = code(ErrorCode::kOffsetOutOfRange);
        continue;
      }
      size_t limit = p.partition_max_bytes > 0 ? static_cast<size_t>(p.partition_max_bytes) : 0;
      limit = std::min(limit, response_max);
      reads.push_back(PartitionRead{topic->name, p.partition, p.fetch_offset, limit, &answer, FileSlice{}, -1,
                                    -1, nullptr});
    }
  }

  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(0, request.max_wait_ms));
  const size_t min_bytes = request.min_bytes > 0 ? static_cast<size_t>(request.min_bytes) : 0;
  auto executor = co_await asio::this_coro::executor;
  for (;;) {
    // A fetch that may wait arms its wake-up in the same visit to each
    // owning shard as the read, not in a second round: every cross-shard hop
    // saved is latency saved for a consumer at the tail of the log.
    const bool may_wait = min_bytes > 0 && Clock::now() < deadline;
    auto signal = may_wait ? std::make_shared<WakeSignal>(executor) : nullptr;
    auto read_and_watch = [&signal](ShardState& shard, PartitionRead& r) {
      read_partition(shard, r);
      if (signal) watch_partition(shard, r, signal);
    };
    co_await on_partition_owners<PartitionRead>(broker, reads, read_and_watch);
    size_t ready = 0;
    bool errors = false;
    for (const auto& r : reads) {
      ready += r.data.length;
      errors |= r.answer->error_code != 0;
    }
    if (!signal || reads.empty() || errors || ready >= min_bytes || broker.local().stopping) {
      if (signal) signal->done.store(true, std::memory_order_relaxed);
      break;
    }
    signal->timer.expires_at(deadline);
    if (!signal->woken) co_await signal->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    signal->done.store(true, std::memory_order_relaxed);
  }

  // max_bytes bounds the whole response, but the first partition with data
  // always gets its first batch so a consumer can make progress (KIP-74).
  size_t total = 0;
  std::vector<FileSlice*> sent;
  for (auto& r : reads) {
    if (r.data.length == 0) continue;
    if (total > 0 && total + r.data.length > response_max) continue;
    total += r.data.length;
    if (r.cells) {
      r.cells->bytes_fetched->inc(r.data.length);
      if (r.next_offset > r.offset)
        r.cells->records_fetched->inc(static_cast<uint64_t>(r.next_offset - r.offset));
    }
    r.answer->records = RecordsView{{}, r.data.length};
    sent.push_back(&r.data);
  }

  for (const auto& t : response.responses) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) RequestMetrics::of(ctx.shard).partition_error("consume", p.error_code);
    }
  }

  // The encoder leaves a gap where each partition's records go, in response
  // order, which is the order of `reads`.
  HandlerResult out;
  std::vector<ByteWriter::Gap> gaps;
  out.body.reserve(response.encoded_size(version));
  ByteWriter w(&out.body);
  w.collect_gaps(&gaps);
  response.encode(w, version);
  if (!w.ok() || gaps.size() != sent.size()) {
    log::kafka().error("kafka: encoding a fetch response failed: {}",
                       w.ok() ? "records out of order" : w.status().to_string());
    co_return HandlerResult::malformed();
  }
  out.splices.reserve(gaps.size());
  for (size_t i = 0; i < gaps.size(); ++i) out.splices.push_back(Splice{gaps[i].at, std::move(*sent[i])});
  co_return out;
}

}  // namespace runnel::kafka
