#include "kafka/group/group_coordinator.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <set>

#include "base/byte_reader.h"
#include "base/logging.h"
#include "kafka/broker.h"
#include "kafka/group/committed_offsets.h"
#include "kafka/group/group_store.h"
#include "protocol/kafka/generated/data/consumer_protocol_subscription.h"

namespace runnel::kafka {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Kafka's offsets.retention.check.interval.ms.
constexpr int64_t kExpiryCheckIntervalMs = 600000;

// What a member waiting on a group learns when the group's metadata could
// not be stored, as Kafka maps append errors for the coordinator.
ErrorCode coordinator_error(ErrorCode written) {
  switch (written) {
    case ErrorCode::kNone:
      return ErrorCode::kNone;
    case ErrorCode::kNotCoordinator:
    case ErrorCode::kKafkaStorageError:
      return ErrorCode::kNotCoordinator;
    // The group's record is over the topic's max.message.bytes: retrying
    // cannot help.
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
    case ErrorCode::kInvalidFetchSize:
      return ErrorCode::kUnknownServerError;
    default:
      return ErrorCode::kCoordinatorNotAvailable;
  }
}

// The topics a consumer-protocol member subscribes to, from its JoinGroup
// metadata (int16 version, then ConsumerProtocolSubscription).
std::set<std::string, std::less<>> subscribed_topics(const GroupBytes& metadata) {
  std::set<std::string, std::less<>> topics;
  ByteReader r(metadata.data(), metadata.size());
  const int16_t version = r.read_i16();
  if (!r.ok() || version < 0) return topics;
  ConsumerProtocolSubscription subscription;
  // Newer versions only add fields at the end: read them as the newest known.
  subscription.decode(r, std::min<int16_t>(version, ConsumerProtocolSubscription::kHighestSupportedVersion));
  if (!r.ok()) return topics;
  for (const auto& t : subscription.topics) topics.emplace(t);
  return topics;
}

}  // namespace

// A request parked until its group answers it. The timer never expires by
// itself: complete() cancels it to wake the waiting coroutine.
template <typename T>
struct GroupCoordinator::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {
    timer.expires_at(asio::steady_timer::time_point::max());
  }
  void complete(T value) {
    if (result) return;
    result = std::move(value);
    timer.cancel();
  }
  Task<T> wait() {
    while (!result) co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return std::move(*result);
  }
  asio::steady_timer timer;
  std::optional<T> result;
};

struct GroupCoordinator::Entry {
  Entry(Group g, int32_t p) : group(std::move(g)), partition(p) {}
  Group group;
  int32_t partition;
  // By member id; a member may have an older request still waiting.
  std::multimap<std::string, std::shared_ptr<Waiter<JoinResult>>> joins;
  std::multimap<std::string, std::shared_ptr<Waiter<SyncResult>>> syncs;
};

namespace {

template <typename Waiters, typename Result>
void hand_out(Waiters& waiters, const std::string& member_id, const Result& result) {
  auto [first, last] = waiters.equal_range(member_id);
  for (auto it = first; it != last; ++it) it->second->complete(result);
  waiters.erase(first, last);
}

}  // namespace

GroupCoordinator::GroupCoordinator(Broker& broker, GroupConfig config, int64_t offsets_retention_ms)
    : broker_(broker), config_(config), offsets_retention_ms_(offsets_retention_ms) {}

GroupCoordinator::~GroupCoordinator() = default;

std::shared_ptr<GroupCoordinator::Entry> GroupCoordinator::entry(const std::string& group, int32_t partition,
                                                                 bool create) {
  if (stopped_) return nullptr;
  auto it = groups_.find(group);
  if (it != groups_.end()) return it->second;
  const CommittedOffsets* stored = local_group_state(broker_, partition);
  if (stored == nullptr) return nullptr;  // the partition is not here
  std::shared_ptr<Entry> e;
  if (const GroupMetadataValue* meta = stored->group_metadata(group)) {
    e = std::make_shared<Entry>(Group::from_metadata(group, *meta, config_, now_ms()), partition);
  } else if (create) {
    e = std::make_shared<Entry>(Group(group, config_), partition);
  } else {
    return nullptr;
  }
  groups_.emplace(group, e);
  return e;
}

Task<ErrorCode> GroupCoordinator::settle(std::shared_ptr<Entry> e) {
  auto joins = e->group.take_completed_joins();
  auto syncs = e->group.take_completed_syncs();
  ErrorCode persisted = ErrorCode::kNone;
  if (e->group.take_needs_persist()) {
    std::vector<OffsetsRecord> records(1);
    records[0].kind = OffsetsRecord::Kind::kGroupMetadata;
    records[0].group_key = GroupMetadataKey{e->group.id()};
    records[0].group_value = e->group.to_metadata();
    const ErrorCode written = co_await write_group_records(broker_, e->partition, records);
    persisted = coordinator_error(written);
    if (persisted != ErrorCode::kNone) {
      log::kafka().warn("runnel: storing group {} failed: {}", e->group.id(), error_name(written));
      for (auto& [member, result] : syncs) {
        if (result.error != ErrorCode::kNone) continue;
        result.error = persisted;
        result.assignment.clear();
      }
    }
  }
  for (const auto& [member, result] : joins) hand_out(e->joins, member, result);
  for (const auto& [member, result] : syncs) hand_out(e->syncs, member, result);
  co_return persisted;
}

void GroupCoordinator::settle_in_background(const std::shared_ptr<Entry>& e) {
  auto run = [this, e]() { return settle(e); };
  asio::co_spawn(broker_.shards().context(broker_.shards().current()), run, asio::detached);
}

Task<JoinResult> GroupCoordinator::join(std::string group, int32_t partition, JoinArgs args) {
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/true);
  if (e == nullptr) {
    JoinResult r;
    r.error = ErrorCode::kNotCoordinator;
    r.member_id = args.member_id;
    co_return r;
  }
  JoinOutcome outcome = e->group.join(args, now_ms());
  std::shared_ptr<Waiter<JoinResult>> waiter;
  if (!outcome.result) {
    waiter = std::make_shared<Waiter<JoinResult>>(co_await asio::this_coro::executor);
    e->joins.emplace(outcome.member_id, waiter);
  }
  co_await settle(e);
  if (outcome.result) co_return std::move(*outcome.result);
  co_return co_await waiter->wait();
}

Task<SyncResult> GroupCoordinator::sync(std::string group, int32_t partition, SyncArgs args) {
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/false);
  if (e == nullptr) {
    SyncResult r;
    r.error = stopped_ ? ErrorCode::kNotCoordinator : ErrorCode::kUnknownMemberId;
    co_return r;
  }
  std::optional<SyncResult> result = e->group.sync(args, now_ms());
  std::shared_ptr<Waiter<SyncResult>> waiter;
  if (!result) {
    waiter = std::make_shared<Waiter<SyncResult>>(co_await asio::this_coro::executor);
    e->syncs.emplace(args.member_id, waiter);
  }
  ErrorCode persisted = co_await settle(e);
  if (result) {
    if (persisted != ErrorCode::kNone && result->error == ErrorCode::kNone) {
      result->error = persisted;
      result->assignment.clear();
    }
    co_return std::move(*result);
  }
  co_return co_await waiter->wait();
}

Task<ErrorCode> GroupCoordinator::heartbeat(std::string group, int32_t partition, std::string member_id,
                                            std::optional<std::string> group_instance_id,
                                            int32_t generation_id) {
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/false);
  if (e == nullptr) co_return stopped_ ? ErrorCode::kNotCoordinator : ErrorCode::kUnknownMemberId;
  ErrorCode answer = e->group.heartbeat(member_id, group_instance_id, generation_id, now_ms());
  co_await settle(e);
  co_return answer;
}

Task<LeaveResult> GroupCoordinator::leave(std::string group, int32_t partition,
                                          std::vector<LeaveMember> members) {
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/false);
  if (e == nullptr) {
    LeaveResult r;
    if (stopped_) r.error = ErrorCode::kNotCoordinator;
    r.members.assign(members.size(), ErrorCode::kUnknownMemberId);
    co_return r;
  }
  LeaveResult result = e->group.leave(members, now_ms());
  co_await settle(e);
  co_return result;
}

ErrorCode GroupCoordinator::validate_commit(const std::string& group, int32_t partition,
                                            std::string_view member_id,
                                            const std::optional<std::string>& group_instance_id,
                                            int32_t generation_id) {
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/false);
  if (stopped_) return ErrorCode::kNotCoordinator;
  if (e == nullptr) return generation_id < 0 ? ErrorCode::kNone : ErrorCode::kIllegalGeneration;
  return e->group.validate_commit(member_id, group_instance_id, generation_id, now_ms());
}

GroupSummary GroupCoordinator::describe(const std::string& group, int32_t partition) {
  GroupSummary summary;
  summary.group_id = group;
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/false);
  if (e == nullptr) {
    const CommittedOffsets* stored = local_group_state(broker_, partition);
    const bool has_offsets = stored != nullptr && !stored->of_group(group).empty();
    summary.state = std::string(group_state_name(has_offsets ? GroupState::kEmpty : GroupState::kDead));
    return summary;
  }
  const Group& g = e->group;
  summary.state = std::string(group_state_name(g.state()));
  summary.protocol_type = g.protocol_type().value_or("");
  const bool stable = g.state() == GroupState::kStable;
  if (stable) summary.protocol_name = g.protocol_name().value_or("");
  if (g.state() == GroupState::kDead) return summary;
  for (const auto& [id, m] : g.members()) {
    GroupSummary::Member& out = summary.members.emplace_back();
    out.member_id = id;
    out.group_instance_id = m.group_instance_id;
    out.client_id = m.client_id;
    out.client_host = m.client_host;
    if (stable) {
      if (const GroupBytes* meta = m.metadata_for(summary.protocol_name)) out.metadata = *meta;
      out.assignment = m.assignment;
    }
  }
  return summary;
}

std::vector<GroupSummary> GroupCoordinator::list() {
  std::set<std::pair<std::string, int32_t>> known;
  for (const auto& [id, e] : groups_) known.emplace(id, e->partition);
  for (const auto& [partition, stored] : broker_.local().group_offsets) {
    for (const std::string& id : stored.groups()) known.emplace(id, partition);
  }
  std::vector<GroupSummary> out;
  for (const auto& [id, partition] : known) {
    GroupSummary s = describe(id, partition);
    if (s.state != group_state_name(GroupState::kDead)) out.push_back(std::move(s));
  }
  return out;
}

ErrorCode GroupCoordinator::check_deletable(const std::string& group, int32_t partition) {
  GroupSummary s = describe(group, partition);
  if (s.state == group_state_name(GroupState::kDead)) return ErrorCode::kGroupIdNotFound;
  if (s.state != group_state_name(GroupState::kEmpty)) return ErrorCode::kNonEmptyGroup;
  return ErrorCode::kNone;
}

void GroupCoordinator::forget(const std::string& group) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return;
  std::shared_ptr<Entry> e = it->second;
  groups_.erase(it);
  e->group.mark_dead(ErrorCode::kCoordinatorNotAvailable);
  (void)e->group.take_needs_persist();  // its tombstone is written already
  settle_in_background(e);
}

bool GroupCoordinator::subscribed_to(const std::string& group, int32_t partition, std::string_view topic) {
  std::shared_ptr<Entry> e = entry(group, partition, /*create=*/false);
  if (e == nullptr) return false;
  const Group& g = e->group;
  if (g.protocol_type() != "consumer" || !g.protocol_name()) return false;
  if (g.state() == GroupState::kEmpty || g.state() == GroupState::kDead) return false;
  for (const auto& [id, m] : g.members()) {
    const GroupBytes* meta = m.metadata_for(*g.protocol_name());
    if (meta != nullptr && subscribed_topics(*meta).count(topic) > 0) return true;
  }
  return false;
}

bool GroupCoordinator::has_members(const std::string& group) {
  auto it = groups_.find(group);
  return it != groups_.end() && it->second->group.size() > 0;
}

void GroupCoordinator::tick(int64_t now) {
  std::vector<std::shared_ptr<Entry>> due;
  for (const auto& [id, e] : groups_) {
    std::optional<int64_t> deadline = e->group.next_deadline();
    if (deadline && *deadline <= now) due.push_back(e);
  }
  for (const auto& e : due) {
    e->group.tick(now);
    settle_in_background(e);
  }
  if (now >= next_expiry_check_ms_) {
    next_expiry_check_ms_ = now + kExpiryCheckIntervalMs;
    expire_offsets(now);
    drop_forgotten_empty_groups();
  }
}

void GroupCoordinator::expire_offsets(int64_t now) {
  // Kafka's rule (KIP-211): the offsets of a group with members never
  // expire; an empty consumer group's expire offsets.retention after it
  // became empty; a group that never used group management expires each
  // offset that long after its commit. An explicit expiry (OffsetCommit
  // v1's) wins.
  for (auto& [partition, stored] : broker_.local().group_offsets) {
    for (const std::string& group : stored.groups()) {
      std::optional<int64_t> emptied_at;
      auto live = groups_.find(group);
      if (live != groups_.end()) {
        const Group& g = live->second->group;
        if (g.state() != GroupState::kEmpty) continue;
        if (g.protocol_type()) emptied_at = g.state_timestamp_ms();
      } else if (const GroupMetadataValue* meta = stored.group_metadata(group)) {
        if (!meta->members.empty()) continue;
        if (!meta->protocol_type.empty()) emptied_at = meta->current_state_timestamp;
      }
      std::vector<OffsetsRecord> tombstones;
      auto offsets = stored.of_group(group);
      for (const auto& [key, value] : offsets) {
        int64_t expires = value.expire_timestamp >= 0      ? value.expire_timestamp
                          : emptied_at && *emptied_at >= 0 ? *emptied_at + offsets_retention_ms_
                                                           : value.commit_timestamp + offsets_retention_ms_;
        if (expires > now) continue;
        OffsetsRecord& r = tombstones.emplace_back();
        r.kind = OffsetsRecord::Kind::kOffsetCommit;
        r.offset_key = OffsetCommitKey{key.group, key.topic, key.partition};
      }
      if (offsets.empty() && stored.group_metadata(group) != nullptr) {
        // An empty group with no offsets left is deleted, as Kafka does.
        OffsetsRecord& r = tombstones.emplace_back();
        r.kind = OffsetsRecord::Kind::kGroupMetadata;
        r.group_key = GroupMetadataKey{group};
        forget(group);
        auto drop = [this, p = partition, records = std::move(tombstones)]() -> Task<void> {
          co_await write_group_records(broker_, p, records);
        };
        asio::co_spawn(broker_.shards().context(broker_.shards().current()), drop, asio::detached);
        continue;
      }
      if (tombstones.empty()) continue;
      const size_t expired = tombstones.size();
      const bool all_gone = expired == offsets.size();
      if (all_gone && stored.group_metadata(group) != nullptr) {
        OffsetsRecord& r = tombstones.emplace_back();
        r.kind = OffsetsRecord::Kind::kGroupMetadata;
        r.group_key = GroupMetadataKey{group};
      }
      log::kafka().info("runnel: group {}: {} committed offsets expired", group, expired);
      if (all_gone) forget(group);
      auto write = [this, p = partition, records = std::move(tombstones)]() -> Task<void> {
        ErrorCode e = co_await write_group_records(broker_, p, records);
        if (e != ErrorCode::kNone) log::kafka().warn("runnel: expiring offsets failed: {}", error_name(e));
      };
      asio::co_spawn(broker_.shards().context(broker_.shards().current()), write, asio::detached);
    }
  }
}

void GroupCoordinator::drop_forgotten_empty_groups() {
  // Groups that never stored anything (a member that was handed an id and
  // never came back) and are empty again take no memory.
  for (auto it = groups_.begin(); it != groups_.end();) {
    const Group& g = it->second->group;
    const CommittedOffsets* stored = local_group_state(broker_, it->second->partition);
    const bool kept =
        stored != nullptr && (stored->group_metadata(g.id()) != nullptr || !stored->of_group(g.id()).empty());
    if (g.state() == GroupState::kEmpty && g.pending_member_count() == 0 && !kept &&
        it->second->joins.empty() && it->second->syncs.empty()) {
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
}

void GroupCoordinator::unload(int32_t partition) {
  // At shutdown nothing may start waiting again: a join arriving now would
  // hold the shutdown for its rebalance timeout.
  if (partition < 0) stopped_ = true;
  for (auto it = groups_.begin(); it != groups_.end();) {
    std::shared_ptr<Entry> e = it->second;
    if (partition >= 0 && e->partition != partition) {
      ++it;
      continue;
    }
    it = groups_.erase(it);
    e->group.mark_dead(ErrorCode::kNotCoordinator);
    (void)e->group.take_needs_persist();
    for (const auto& [member, result] : e->group.take_completed_joins()) hand_out(e->joins, member, result);
    for (const auto& [member, result] : e->group.take_completed_syncs()) hand_out(e->syncs, member, result);
    // Anything still parked (a request the group forgot) is answered too.
    JoinResult gone_join;
    gone_join.error = ErrorCode::kNotCoordinator;
    for (auto& [member, w] : e->joins) w->complete(gone_join);
    SyncResult gone_sync;
    gone_sync.error = ErrorCode::kNotCoordinator;
    for (auto& [member, w] : e->syncs) w->complete(gone_sync);
    e->joins.clear();
    e->syncs.clear();
  }
}

}  // namespace runnel::kafka
