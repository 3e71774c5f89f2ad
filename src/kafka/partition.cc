#include "kafka/partition.h"

#include <unistd.h>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include <chrono>

#include "kafka/batch_conformance.h"
#include "kafka/log_replay.h"
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

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Partition::Partition(std::string topic, int32_t index, Uuid topic_id, storage::Log& log,
                     storage::Flusher& flusher, ProducePolicy policy)
    : topic_(std::move(topic)),
      index_(index),
      topic_id_(topic_id),
      log_(log),
      flusher_(flusher),
      policy_(policy),
      cells_(std::make_shared<metrics::PartitionCells>(topic_, index_)) {
  cells_->high_watermark->set(log_.end_offset());
}

AppendOutcome Partition::append(std::span<uint8_t> records, int16_t acks, bool* needs_flush) {
  *needs_flush = false;
  const int64_t log_start = log_.log_start_offset();
  auto batches = split_record_batches(records, policy_.max_message_bytes);
  if (!batches.ok()) return failed(batch_error(batches.status()), batches.status().to_string(), log_start);
  // Kafka takes exactly one v2 batch per partition and request.
  if (batches->size() != 1) {
    return failed(ErrorCode::kInvalidRecord,
                  "a produce request must carry exactly one record batch per partition", log_start);
  }
  const RecordBatchView& batch = batches->front();
  BatchValidation rules;
  rules.max_batch_bytes = policy_.max_message_bytes;
  if (Status s = batch.validate(rules); !s.ok()) return failed(batch_error(s), s.to_string(), log_start);
  if (batch.is_control()) {
    return failed(ErrorCode::kInvalidRecord, "clients may not produce control batches", log_start);
  }
  if (acks == -1 && policy_.min_insync_replicas > 1) {
    return failed(ErrorCode::kNotEnoughReplicas,
                  "min.insync.replicas is above the one in-sync replica a single node has", log_start);
  }
  if (!log_.sync_failure().ok()) {
    return failed(ErrorCode::kKafkaStorageError, log_.sync_failure().to_string(), log_start);
  }
  BatchRules batch_rules;
  batch_rules.require_keys = policy_.compacted;
  batch_rules.compression = policy_.compression;
  batch_rules.max_batch_bytes = policy_.max_message_bytes;
  Conformance conformance = conform_batch(batch, batch_rules);
  if (conformance.error != ErrorCode::kNone) return failed(conformance.error, conformance.message, log_start);

  if (batch.is_idempotent()) {
    SequenceCheck check = producers_.check(batch.producer_id(), batch.producer_epoch(), batch.base_sequence(),
                                           batch.record_count());
    switch (check.verdict) {
      case SequenceVerdict::kAppend:
        break;
      case SequenceVerdict::kDuplicate: {
        // A retry of a batch already in the log: answer with its offsets
        // and append nothing (acks=-1 still waits for that data's flush).
        AppendOutcome dup;
        dup.base_offset = check.first_offset;
        dup.log_append_time = policy_.log_append_time ? check.timestamp : -1;
        dup.log_start_offset = log_start;
        *needs_flush = acks == -1 && log_.acks_all_waits_for_flush();
        return dup;
      }
      case SequenceVerdict::kOutOfOrderSequence:
        return failed(ErrorCode::kOutOfOrderSequenceNumber, "", log_start);
      case SequenceVerdict::kInvalidProducerEpoch:
        return failed(ErrorCode::kInvalidProducerEpoch, "", log_start);
      case SequenceVerdict::kUnknownProducerId:
        return failed(ErrorCode::kUnknownProducerId, "", log_start);
    }
  }

  // The batch lies inside the request frame the connection owns. One node
  // is always in leader epoch 0; stamping it lets consumers check for
  // truncation with OffsetForLeaderEpoch.
  std::span<uint8_t> owned(const_cast<uint8_t*>(batch.bytes().data()), batch.size_bytes());
  if (conformance.rewritten) owned = *conformance.rewritten;
  set_partition_leader_epoch(owned, 0);
  auto appended = log_.append(owned);
  if (!appended.ok()) {
    ErrorCode e = appended.status().code() == Errc::kIo ? ErrorCode::kKafkaStorageError
                                                        : batch_error(appended.status());
    return failed(e, appended.status().to_string(), log_start);
  }
  if (batch.is_idempotent()) {
    ProducerBatchInfo info{
        batch.producer_id(),
        batch.producer_epoch(),
        batch.base_sequence(),
        batch.record_count(),
        appended->base_offset,
        appended->last_offset,
        appended->log_append_time >= 0 ? appended->log_append_time : batch.max_timestamp()};
    producers_.record(info, wall_clock_ms());
    producers_dirty_ = true;
  }
  cells_->records_produced->inc(static_cast<uint64_t>(appended->last_offset - appended->base_offset + 1));
  cells_->bytes_produced->inc(owned.size());
  cells_->high_watermark->set(appended->end_offset);
  AppendOutcome out;
  out.base_offset = appended->base_offset;
  out.log_append_time = appended->log_append_time;
  out.log_start_offset = log_.log_start_offset();
  wake_waiters();

  if (acks == -1 && log_.acks_all_waits_for_flush()) {
    *needs_flush = true;
  } else {
    log_.flush_if_due(flusher_);
    // Appended bytes wait in memory for the flusher: a producer faster than
    // the disk is held back here, as the kernel's dirty-page limit would.
    *needs_flush = log_.unflushed_bytes() > storage::Log::kMaxUnflushedBytes;
  }
  return out;
}

std::string Partition::snapshot_path() const {
  return log_.dir() + "/producer-state";
}

Status Partition::restore_producer_state() {
  int64_t from = log_.log_start_offset();
  if (auto loaded = ProducerStateTable::load_snapshot(snapshot_path()); loaded.ok()) {
    producers_ = std::move(loaded->first);
    from = std::max(from, loaded->second);
  }
  // Replay what the snapshot does not cover: every idempotent batch past it.
  const int64_t now = wall_clock_ms();
  Status replayed = for_each_batch(log_, from, [&](const RecordBatchView& batch) {
    if (!batch.is_idempotent() || batch.is_control()) return;
    producers_.record(ProducerBatchInfo{batch.producer_id(), batch.producer_epoch(), batch.base_sequence(),
                                        batch.record_count(), batch.base_offset(), batch.last_offset(),
                                        batch.max_timestamp()},
                      now);
  });
  producers_dirty_ = true;
  return replayed;
}

Status Partition::snapshot_producer_state() {
  if (!producers_dirty_) return Status();
  Status s = producers_.save_snapshot(snapshot_path(), log_.end_offset());
  if (s.ok()) producers_dirty_ = false;
  return s;
}

void Partition::expire_producers(int64_t now_ms, int64_t expiration_ms) {
  size_t before = producers_.size();
  producers_.expire(now_ms, expiration_ms);
  if (producers_.size() != before) producers_dirty_ = true;
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

Task<std::vector<Status>> flush_logs(std::vector<storage::Log*> logs, storage::Flusher& flusher) {
  if (logs.empty()) co_return std::vector<Status>{};
  auto start = [&logs, &flusher](auto handler) {
    struct Gather {
      decltype(handler) done;
      std::vector<Status> results;
      size_t pending;
    };
    auto gather =
        std::make_shared<Gather>(Gather{std::move(handler), std::vector<Status>(logs.size()), logs.size()});
    for (size_t i = 0; i < logs.size(); ++i) {
      // flush_async may call back at once, inside this initiation; the
      // resumption is posted so the coroutine never resumes re-entrantly.
      logs[i]->flush_async(flusher, [gather, i](Status s) {
        gather->results[i] = s;
        if (--gather->pending == 0) {
          auto ex = asio::get_associated_executor(gather->done);
          asio::post(ex, [gather]() { std::move(gather->done)(std::move(gather->results)); });
        }
      });
    }
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::vector<Status>)>(
      std::move(start), asio::use_awaitable);
}

}  // namespace runnel::kafka
