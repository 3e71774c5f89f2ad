// GroupCoordinator: the live consumer groups of one shard — those whose
// __consumer_offsets partition the shard owns — and the I/O around each
// Group's pure state machine: it parks JoinGroup and SyncGroup requests until
// the group answers them, writes the group's metadata to __consumer_offsets
// (durably, before the answers that depend on it go out), runs the groups'
// timers from the shard's tick, and expires the offsets of empty groups.
//
// Everything here runs on the owning shard's thread. A group not yet live is
// brought in from what its partition's CommittedOffsets hold (a Stable group
// with its stored members after a restart, or Empty), so a broker restart
// keeps assignments for members that come back within their session.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/shards.h"
#include "kafka/error_code.h"
#include "kafka/group/group.h"

namespace runnel::kafka {

class Broker;

// What DescribeGroups and ListGroups show of one group.
struct GroupSummary {
  std::string group_id;
  std::string state;  // Kafka's name; "Dead" when the group does not exist
  std::string protocol_type;
  std::string protocol_name;  // Stable groups only, as Kafka shows it
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    GroupBytes metadata;    // Stable groups only
    GroupBytes assignment;  // Stable groups only
  };
  std::vector<Member> members;
};

class GroupCoordinator {
 public:
  GroupCoordinator(Broker& broker, GroupConfig config, int64_t offsets_retention_ms);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // `partition` is the group's __consumer_offsets partition (home_of). Each
  // completes once the group has an answer for the request: a join waits for
  // the join phase to end, a follower's sync for the leader's assignment.
  Task<JoinResult> join(std::string group, int32_t partition, JoinArgs args);
  Task<SyncResult> sync(std::string group, int32_t partition, SyncArgs args);
  Task<ErrorCode> heartbeat(std::string group, int32_t partition, std::string member_id,
                            std::optional<std::string> group_instance_id, int32_t generation_id);
  Task<LeaveResult> leave(std::string group, int32_t partition, std::vector<LeaveMember> members);

  // OffsetCommit's membership check. A group nobody knows accepts only
  // commits outside group management (generation < 0), as Kafka does.
  ErrorCode validate_commit(const std::string& group, int32_t partition, std::string_view member_id,
                            const std::optional<std::string>& group_instance_id, int32_t generation_id);

  // The group as DescribeGroups shows it ("Dead" when unknown).
  GroupSummary describe(const std::string& group, int32_t partition);
  // Every group this shard knows, live or only stored.
  std::vector<GroupSummary> list();
  // DeleteGroups' check: kNone when the group may go (Empty or Dead),
  // NON_EMPTY_GROUP when it has members, GROUP_ID_NOT_FOUND when unknown.
  ErrorCode check_deletable(const std::string& group, int32_t partition);
  // After its tombstones are durable: the group is forgotten.
  void forget(const std::string& group);
  // OffsetDelete's check for one topic: GROUP_SUBSCRIBED_TO_TOPIC when a
  // member of a live consumer group subscribes to it.
  bool subscribed_to(const std::string& group, int32_t partition, std::string_view topic);
  // Whether a live group has members (OffsetDelete's NON_EMPTY_GROUP for
  // groups that do not use the consumer protocol).
  bool has_members(const std::string& group);

  // From the shard's timer loop: runs each group's deadlines and, every
  // offsets.retention.check.interval, the expiry of empty groups' offsets.
  void tick(int64_t now);
  // Shutdown or the partition moved away: every waiting request is answered
  // with NOT_COORDINATOR and the groups of `partition` (all when -1) are
  // dropped; after unload(-1) every request is answered NOT_COORDINATOR.
  void unload(int32_t partition = -1);

 private:
  struct Entry;
  template <typename T>
  struct Waiter;

  std::shared_ptr<Entry> entry(const std::string& group, int32_t partition, bool create);
  // Hands out what the group completed, persisting its metadata first when
  // the group asks for it. Returns the persist's error (kNone when none).
  Task<ErrorCode> settle(std::shared_ptr<Entry> entry);
  void settle_in_background(const std::shared_ptr<Entry>& entry);
  void expire_offsets(int64_t now);
  void drop_forgotten_empty_groups();

  Broker& broker_;
  GroupConfig config_;
  int64_t offsets_retention_ms_;
  int64_t next_expiry_check_ms_ = 0;
  bool stopped_ = false;  // unload() of every partition: shutting down
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> groups_;
};

}  // namespace runnel::kafka
