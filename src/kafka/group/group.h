// Group: the pure logic of Kafka's classic consumer-group protocol for one
// group — membership, the Empty → PreparingRebalance → CompletingRebalance →
// Stable (→ Dead) state machine, session and rebalance timeouts,
// group.initial.rebalance.delay.ms, KIP-394's member-id-required round trip
// and KIP-345's static membership. No networking, no coroutines, no storage:
// the broker feeds it requests and the current time, and answers the
// requests whose results it hands back.
//
// How the broker drives it (all on the shard that owns the group):
// - join(): returns the member id the request is for and either an immediate
//   result or "pending". A pending join is answered later: after any call
//   (join, sync, heartbeat, leave, tick) collect take_completed_joins() and
//   answer each (member id, result) to the request waiting for that id.
// - sync(): likewise — an immediate result or pending; pending syncs come
//   out of take_completed_syncs().
// - tick(now): call at least by next_deadline(); expires sessions, ends
//   rebalances whose timeout passed, runs the initial rebalance delay.
// At most one join and one sync wait per member id; when a member sends a
// second join while its first is still waiting, the newer replaces the older
// (as in Kafka, which forgets the older callback): the broker should answer
// the older request itself, or answer both with the result for that id.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/error_code.h"
#include "protocol/kafka/generated/internal/group_metadata.h"

namespace runnel::kafka {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's name: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view group_state_name(GroupState state);

struct GroupConfig {
  int64_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int32_t max_size = std::numeric_limits<int32_t>::max();  // group.max.size
  int32_t min_session_timeout_ms = 6000;     // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;  // group.max.session.timeout.ms
  // How long a brand-new member may wait in a rebalance before it is dropped
  // (Kafka's GroupCoordinator.NewMemberJoinTimeoutMs).
  int64_t new_member_join_timeout_ms = 300000;
};

using GroupBytes = std::vector<uint8_t>;

struct GroupProtocol {
  std::string name;
  GroupBytes metadata;
  bool operator==(const GroupProtocol&) const = default;
};

struct JoinArgs {
  std::string member_id;  // empty: a new member
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;  // JoinGroup v0 has none: pass the session timeout
  std::string protocol_type;
  std::vector<GroupProtocol> protocols;  // in the member's order of preference
  bool require_known_member_id = false;  // JoinGroup v4+
};

struct JoinResultMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  GroupBytes metadata;  // for the chosen protocol
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  // The member is the leader but must not compute an assignment (a static
  // leader rejoined a Stable group; JoinGroup v9+).
  bool skip_assignment = false;
  std::vector<JoinResultMember> members;  // the leader's only
};

struct JoinOutcome {
  std::string member_id;  // the id the eventual result is for (may be newly generated)
  std::optional<JoinResult> result;  // nullopt: pending, see take_completed_joins()
};

struct SyncArgs {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // SyncGroup v5+
  std::optional<std::string> protocol_name;  // SyncGroup v5+
  std::vector<std::pair<std::string, GroupBytes>> assignments;  // the leader's
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  GroupBytes assignment;
};

struct LeaveMember {
  std::string member_id;  // may be empty when group_instance_id is set
  std::optional<std::string> group_instance_id;
};

struct LeaveResult {
  ErrorCode error = ErrorCode::kNone;  // the group's
  std::vector<ErrorCode> members;      // one per LeaveMember, in order
};

struct GroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<GroupProtocol> protocols;
  GroupBytes assignment;

  // Bookkeeping.
  uint64_t seq = 0;  // order of arrival (leader choice)
  bool awaiting_join = false;
  bool awaiting_sync = false;
  bool is_new = false;  // joined but never completed a rebalance
  int64_t heartbeat_deadline_ms = 0;

  // The metadata for `protocol`, or nullptr.
  const GroupBytes* metadata_for(std::string_view protocol) const;
};

class Group {
 public:
  explicit Group(std::string group_id, GroupConfig config = {});

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  int32_t generation_id() const { return generation_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::string& leader() const { return leader_; }  // empty: none
  const std::map<std::string, GroupMember>& members() const { return members_; }
  const GroupMember* member(std::string_view member_id) const;
  // The member id a static instance holds, or nullptr.
  const std::string* static_member(std::string_view instance_id) const;
  size_t size() const { return members_.size(); }
  size_t pending_member_count() const { return pending_.size(); }
  const GroupConfig& config() const { return config_; }

  JoinOutcome join(const JoinArgs& args, int64_t now);
  std::optional<SyncResult> sync(const SyncArgs& args, int64_t now);
  ErrorCode heartbeat(std::string_view member_id, const std::optional<std::string>& group_instance_id,
                      int32_t generation_id, int64_t now);
  LeaveResult leave(const std::vector<LeaveMember>& leaving, int64_t now);
  // OffsetCommit's membership checks (transactional commits skip the
  // CompletingRebalance check). kNone: the commit may proceed.
  ErrorCode validate_commit(std::string_view member_id, const std::optional<std::string>& group_instance_id,
                            int32_t generation_id, int64_t now, bool transactional = false);
  void tick(int64_t now);
  // The earliest time tick() has something to do, or nullopt.
  std::optional<int64_t> next_deadline() const;

  // The group is deleted or unloaded: every waiting join and sync is answered
  // with `error` and the group turns Dead.
  void mark_dead(ErrorCode error = ErrorCode::kNotCoordinator);

  std::vector<std::pair<std::string, JoinResult>> take_completed_joins();
  std::vector<std::pair<std::string, SyncResult>> take_completed_syncs();

  // Persistence, where Kafka stores the group: true once after a join phase
  // ends with no members, after the leader's sync (before the broker answers
  // the syncs, as Kafka answers them once the record is durable), and after
  // a static member is replaced in a Stable group.
  bool take_needs_persist();
  // The group as a __consumer_offsets GroupMetadataValue (members in join
  // order, subscription = metadata of the chosen protocol).
  GroupMetadataValue to_metadata() const;
  // A group loaded from __consumer_offsets: Stable with its members (each
  // session restarts at `now`), or Empty when it has none.
  static Group from_metadata(std::string group_id, const GroupMetadataValue& value, GroupConfig config,
                             int64_t now);
  int64_t state_timestamp_ms() const { return state_timestamp_ms_; }

 private:
  struct Pending {  // KIP-394: handed a member id, not yet joined with it
    int64_t deadline_ms = 0;
  };

  ErrorCode validate_member(std::string_view member_id, const std::optional<std::string>& instance_id) const;
  bool supports_protocols(std::string_view type, const std::vector<GroupProtocol>& protocols) const;
  std::string select_protocol() const;
  std::string new_member_id(const JoinArgs& args);
  int32_t rebalance_timeout_ms() const;

  JoinOutcome add_member_and_rebalance(const JoinArgs& args, std::string member_id, int64_t now);
  JoinOutcome update_member_and_rebalance(GroupMember& m, const JoinArgs& args, int64_t now);
  JoinOutcome static_rejoin(const JoinArgs& args, const std::string& old_id, int64_t now);
  JoinResult current_join_result(const GroupMember& m, bool with_members) const;

  void maybe_prepare_rebalance(int64_t now);
  void prepare_rebalance(int64_t now);
  void try_complete_join(int64_t now);
  void complete_join(int64_t now);
  void remove_member(const std::string& member_id, ErrorCode join_error, ErrorCode sync_error);
  void remove_member_and_update(const std::string& member_id, int64_t now);
  bool all_members_joined() const;
  void refresh(GroupMember& m, int64_t now) { m.heartbeat_deadline_ms = now + m.session_timeout_ms; }
  void reset_pending_syncs(ErrorCode error);
  void set_state(GroupState state, int64_t now);

  std::string id_;
  GroupConfig config_;
  GroupState state_ = GroupState::kEmpty;
  int32_t generation_ = 0;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::string leader_;
  std::map<std::string, GroupMember> members_;
  std::map<std::string, std::string, std::less<>> static_members_;  // instance id -> member id
  std::map<std::string, Pending, std::less<>> pending_;
  uint64_t next_seq_ = 0;

  // PreparingRebalance: when the join phase ends at the latest.
  int64_t join_deadline_ms_ = 0;
  bool initial_delay_ = false;  // the join phase is group.initial.rebalance.delay.ms
  int64_t initial_delay_remaining_ms_ = 0;
  bool new_member_added_ = false;
  // Stable / CompletingRebalance: members that have not synced since the
  // join phase ended, and when they are removed for it.
  std::set<std::string, std::less<>> pending_sync_;
  int64_t sync_deadline_ms_ = 0;

  int64_t state_timestamp_ms_ = -1;
  bool needs_persist_ = false;

  std::mt19937_64 rng_;
  std::vector<std::pair<std::string, JoinResult>> completed_joins_;
  std::vector<std::pair<std::string, SyncResult>> completed_syncs_;
};

}  // namespace runnel::kafka
