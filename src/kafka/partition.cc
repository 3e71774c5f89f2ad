#include "kafka/partition.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include "protocol/record_batch.h"

namespace runnel::kafka {

namespace {

ErrorCode batch_error(const Status& status) {
  switch (status.code()) {
    case Errc::kTooLarge:
      return ErrorCode::kMessageTooLarge;
    case Errc::kUnsupportedMagic:
      return ErrorCode::kUnsupportedForMessageFormat;
    default:
      // A CRC mismatch, a bad length or a malformed record: Kafka answers
      // all of them with CORRUPT_MESSAGE (CorruptRecordException).
      return ErrorCode::kCorruptMessage;
  }
}

AppendOutcome failed(ErrorCode error, std::string message, int64_t log_start) {
  AppendOutcome out;
  out.error = error;
  out.message = std::move(message);
  out.log_start_offset = log_start;
  return out;
}

}  // namespace

Partition::Partition(std::string topic, int32_t index, Uuid topic_id, storage::Log& log, storage::Flusher& flusher,
                     ProducePolicy policy)
    : topic_(std::move(topic)), index_(index), topic_id_(topic_id), log_(log), flusher_(flusher), policy_(policy) {}

Task<AppendOutcome> Partition::produce(std::span<uint8_t> records, int16_t acks) {
  const int64_t log_start = log_.log_start_offset();
  auto batches = split_record_batches(records, policy_.max_message_bytes);
  if (!batches.ok()) co_return failed(batch_error(batches.status()), batches.status().to_string(), log_start);
  // Kafka takes exactly one v2 batch per partition and request.
  if (batches->size() != 1) {
    co_return failed(ErrorCode::kInvalidRecord, "a produce request must carry exactly one record batch per partition",
                     log_start);
  }
  const RecordBatchView& batch = batches->front();
  BatchValidation rules;
  rules.max_batch_bytes = policy_.max_message_bytes;
  if (Status s = batch.validate(rules); !s.ok()) co_return failed(batch_error(s), s.to_string(), log_start);
  if (batch.is_control()) {
    co_return failed(ErrorCode::kInvalidRecord, "clients may not produce control batches", log_start);
  }
  if (acks == -1 && policy_.min_insync_replicas > 1) {
    co_return failed(ErrorCode::kNotEnoughReplicas,
                     "min.insync.replicas is above the one in-sync replica a single node has", log_start);
  }
  if (!log_.sync_failure().ok()) {
    co_return failed(ErrorCode::kKafkaStorageError, log_.sync_failure().to_string(), log_start);
  }

  // The batch lies inside the request frame the connection owns.
  std::span<uint8_t> owned(const_cast<uint8_t*>(batch.bytes().data()), batch.size_bytes());
  auto appended = log_.append(owned);
  if (!appended.ok()) {
    ErrorCode e = appended.status().code() == Errc::kIo ? ErrorCode::kKafkaStorageError : batch_error(appended.status());
    co_return failed(e, appended.status().to_string(), log_start);
  }
  AppendOutcome out;
  out.base_offset = appended->base_offset;
  out.log_append_time = appended->log_append_time;
  out.log_start_offset = log_.log_start_offset();
  wake_waiters();

  if (acks == -1 && log_.acks_all_waits_for_flush()) {
    Status durable = co_await flush_log(log_, flusher_);
    if (!durable.ok()) co_return failed(ErrorCode::kKafkaStorageError, durable.to_string(), out.log_start_offset);
  } else {
    log_.flush_if_due(flusher_);
  }
  co_return out;
}

void Partition::on_next_append(std::function<bool()> alive, std::function<void()> wake) {
  // Prune fetches that already finished, so an idle partition polled by
  // many consumers does not collect waiters without bound.
  std::erase_if(waiters_, [](const Waiter& w) { return !w.alive(); });
  waiters_.push_back(Waiter{std::move(alive), std::move(wake)});
}

void Partition::wake_waiters() {
  if (waiters_.empty()) return;
  std::vector<Waiter> woken;
  woken.swap(waiters_);
  for (auto& w : woken) {
    if (w.alive()) w.wake();
  }
}

Task<Status> flush_log(storage::Log& log, storage::Flusher& flusher) {
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Status)>(
      [&log, &flusher](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        // flush_async may call back at once, inside this initiation; the
        // resumption is posted so the coroutine never resumes re-entrantly.
        log.flush_async(flusher, [shared](Status s) {
          auto ex = asio::get_associated_executor(*shared);
          asio::post(ex, [shared, s]() { std::move(*shared)(s); });
        });
      },
      asio::use_awaitable);
}

}  // namespace runnel::kafka
