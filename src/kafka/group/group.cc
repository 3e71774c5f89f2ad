#include "kafka/group/group.h"

#include <algorithm>
#include <cstdio>

namespace runnel::kafka {

std::string_view group_state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

const GroupBytes* GroupMember::metadata_for(std::string_view protocol) const {
  for (const auto& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

Group::Group(std::string group_id, GroupConfig config)
    : id_(std::move(group_id)), config_(config), rng_(std::random_device{}()) {}

const GroupMember* Group::member(std::string_view member_id) const {
  auto it = members_.find(std::string(member_id));
  return it == members_.end() ? nullptr : &it->second;
}

const std::string* Group::static_member(std::string_view instance_id) const {
  auto it = static_members_.find(instance_id);
  return it == static_members_.end() ? nullptr : &it->second;
}

// Kafka's validateCurrentMember: a static instance must map to this member
// id, and the member id must be in the group.
ErrorCode Group::validate_member(std::string_view member_id,
                                 const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    const std::string* existing = static_member(*instance_id);
    if (existing == nullptr) return ErrorCode::kUnknownMemberId;
    if (*existing != member_id) return ErrorCode::kFencedInstanceId;
  }
  if (member(member_id) == nullptr) return ErrorCode::kUnknownMemberId;
  return ErrorCode::kNone;
}

bool Group::supports_protocols(std::string_view type, const std::vector<GroupProtocol>& protocols) const {
  if (members_.empty()) return !type.empty() && !protocols.empty();
  if (!protocol_type_ || *protocol_type_ != type) return false;
  for (const auto& p : protocols) {
    size_t supported = 0;
    for (const auto& [id, m] : members_) {
      if (m.metadata_for(p.name) != nullptr) ++supported;
    }
    if (supported == members_.size()) return true;
  }
  return false;
}

// Kafka's selectProtocol: among the protocols every member supports, each
// member votes for the first one in its own order; most votes wins (ties go
// to the name first in order).
std::string Group::select_protocol() const {
  if (members_.empty()) return {};
  std::map<std::string, size_t> support;
  for (const auto& [id, m] : members_) {
    std::set<std::string> seen;
    for (const auto& p : m.protocols) {
      if (seen.insert(p.name).second) ++support[p.name];
    }
  }
  std::set<std::string> candidates;
  for (const auto& [name, count] : support) {
    if (count == members_.size()) candidates.insert(name);
  }
  std::map<std::string, size_t> votes;
  for (const auto& [id, m] : members_) {
    for (const auto& p : m.protocols) {
      if (candidates.count(p.name) != 0) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best;
  size_t best_votes = 0;
  for (const auto& [name, count] : votes) {
    if (count > best_votes) {
      best = name;
      best_votes = count;
    }
  }
  return best;
}

std::string Group::new_member_id(const JoinArgs& args) {
  std::string prefix = args.group_instance_id ? *args.group_instance_id : args.client_id;
  for (;;) {
    uint64_t hi = rng_();
    uint64_t lo = rng_();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
    std::string id = std::string(prefix).append("-").append(buf);
    if (members_.count(id) == 0 && pending_.count(id) == 0) return id;
  }
}

int32_t Group::rebalance_timeout_ms() const {
  int32_t timeout = 0;
  for (const auto& [id, m] : members_) timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

JoinResult Group::current_join_result(const GroupMember& m, bool with_members) const {
  JoinResult r;
  r.generation_id = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  r.leader = leader_;
  r.member_id = m.member_id;
  if (with_members && protocol_name_) {
    for (const auto& [id, other] : members_) {
      JoinResultMember jm;
      jm.member_id = id;
      jm.group_instance_id = other.group_instance_id;
      if (const GroupBytes* md = other.metadata_for(*protocol_name_)) jm.metadata = *md;
      r.members.push_back(std::move(jm));
    }
  }
  return r;
}

JoinOutcome Group::join(const JoinArgs& args, int64_t now) {
  auto error = [&](ErrorCode e, std::string member_id) {
    JoinResult r;
    r.error = e;
    r.member_id = member_id;
    return JoinOutcome{std::move(member_id), std::move(r)};
  };
  if (args.session_timeout_ms < config_.min_session_timeout_ms ||
      args.session_timeout_ms > config_.max_session_timeout_ms) {
    return error(ErrorCode::kInvalidSessionTimeout, args.member_id);
  }
  if (state_ == GroupState::kDead) return error(ErrorCode::kCoordinatorNotAvailable, args.member_id);
  if (!supports_protocols(args.protocol_type, args.protocols)) {
    return error(ErrorCode::kInconsistentGroupProtocol, args.member_id);
  }

  if (args.member_id.empty()) {
    // A new member, or a static instance coming back under a new id.
    if (args.group_instance_id) {
      auto it = static_members_.find(*args.group_instance_id);
      if (it != static_members_.end()) return static_rejoin(args, it->second, now);
    }
    if (members_.size() + pending_.size() >= static_cast<size_t>(config_.max_size)) {
      return error(ErrorCode::kGroupMaxSizeReached, args.member_id);
    }
    std::string member_id = new_member_id(args);
    if (!args.group_instance_id && args.require_known_member_id) {
      int64_t timeout = std::max<int64_t>(args.session_timeout_ms, 0);
      pending_[member_id] = Pending{now + timeout};
      return error(ErrorCode::kMemberIdRequired, member_id);
    }
    return add_member_and_rebalance(args, std::move(member_id), now);
  }

  // A member id the group handed out.
  auto pending = pending_.find(args.member_id);
  if (pending != pending_.end()) {
    if (args.group_instance_id) return error(ErrorCode::kFencedInstanceId, args.member_id);
    pending_.erase(pending);
    return add_member_and_rebalance(args, args.member_id, now);
  }
  ErrorCode e = validate_member(args.member_id, args.group_instance_id);
  if (e != ErrorCode::kNone) return error(e, args.member_id);
  GroupMember& m = members_.at(args.member_id);
  switch (state_) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(m, args, now);
    case GroupState::kCompletingRebalance:
      if (m.protocols == args.protocols) {
        // The join response was lost: answer it again.
        return JoinOutcome{m.member_id, current_join_result(m, m.member_id == leader_)};
      }
      return update_member_and_rebalance(m, args, now);
    case GroupState::kStable:
      if (m.member_id == leader_ || m.protocols != args.protocols) {
        return update_member_and_rebalance(m, args, now);
      }
      refresh(m, now);
      return JoinOutcome{m.member_id, current_join_result(m, false)};
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
  return error(ErrorCode::kUnknownMemberId, args.member_id);
}

JoinOutcome Group::add_member_and_rebalance(const JoinArgs& args, std::string member_id, int64_t now) {
  if (members_.empty()) protocol_type_ = args.protocol_type;
  GroupMember m;
  m.member_id = member_id;
  m.group_instance_id = args.group_instance_id;
  m.client_id = args.client_id;
  m.client_host = args.client_host;
  m.session_timeout_ms = args.session_timeout_ms;
  m.rebalance_timeout_ms = args.rebalance_timeout_ms;
  m.protocol_type = args.protocol_type;
  m.protocols = args.protocols;
  m.seq = next_seq_++;
  m.awaiting_join = true;
  m.is_new = true;
  m.heartbeat_deadline_ms = now + config_.new_member_join_timeout_ms;
  if (leader_.empty()) leader_ = member_id;
  if (args.group_instance_id) static_members_[*args.group_instance_id] = member_id;
  members_.emplace(member_id, std::move(m));
  if (state_ == GroupState::kPreparingRebalance && generation_ == 0) new_member_added_ = true;
  maybe_prepare_rebalance(now);
  try_complete_join(now);
  return JoinOutcome{std::move(member_id), std::nullopt};
}

JoinOutcome Group::update_member_and_rebalance(GroupMember& m, const JoinArgs& args, int64_t now) {
  m.protocols = args.protocols;
  m.rebalance_timeout_ms = args.rebalance_timeout_ms;
  m.session_timeout_ms = args.session_timeout_ms;
  m.client_id = args.client_id;
  m.client_host = args.client_host;
  m.awaiting_join = true;
  std::string member_id = m.member_id;
  maybe_prepare_rebalance(now);
  try_complete_join(now);
  return JoinOutcome{std::move(member_id), std::nullopt};
}

// KIP-345: a known static instance joins with no member id (it restarted).
// It takes a new member id; the old one is fenced.
JoinOutcome Group::static_rejoin(const JoinArgs& args, const std::string& old_id_ref, int64_t now) {
  std::string old_id = old_id_ref;
  std::string new_id = new_member_id(args);
  std::string old_leader = leader_;
  auto node = members_.extract(old_id);
  GroupMember& old = node.mapped();
  if (old.awaiting_join) {
    JoinResult r;
    r.error = ErrorCode::kFencedInstanceId;
    r.member_id = old_id;
    completed_joins_.emplace_back(old_id, std::move(r));
  }
  if (old.awaiting_sync) {
    SyncResult r;
    r.error = ErrorCode::kFencedInstanceId;
    completed_syncs_.emplace_back(old_id, std::move(r));
  }
  node.key() = new_id;
  old.member_id = new_id;
  old.awaiting_sync = false;
  old.protocols = args.protocols;
  old.rebalance_timeout_ms = args.rebalance_timeout_ms;
  old.session_timeout_ms = args.session_timeout_ms;
  old.client_id = args.client_id;
  old.client_host = args.client_host;
  members_.insert(std::move(node));
  GroupMember& m = members_.at(new_id);
  static_members_[*args.group_instance_id] = new_id;
  if (leader_ == old_id) leader_ = new_id;
  if (pending_sync_.erase(old_id) != 0) pending_sync_.insert(new_id);
  refresh(m, now);

  switch (state_) {
    case GroupState::kStable:
      if (protocol_name_ && select_protocol() == *protocol_name_) {
        // Same protocol: keep the assignment, no rebalance. The old leader id
        // is returned so a restarted leader does not compute a new assignment
        // a Stable group would never hand out.
        JoinResult r = current_join_result(m, false);
        r.leader = old_leader;
        r.skip_assignment = (leader_ == new_id);
        m.awaiting_join = false;
        needs_persist_ = true;
        return JoinOutcome{new_id, std::move(r)};
      }
      m.awaiting_join = true;
      maybe_prepare_rebalance(now);
      break;
    case GroupState::kCompletingRebalance:
      // The leader may be assigning to the old id: rebalance again.
      m.awaiting_join = true;
      prepare_rebalance(now);
      break;
    case GroupState::kPreparingRebalance:
    case GroupState::kEmpty:
    case GroupState::kDead:
      m.awaiting_join = true;
      maybe_prepare_rebalance(now);
      break;
  }
  try_complete_join(now);
  return JoinOutcome{new_id, std::nullopt};
}

void Group::maybe_prepare_rebalance(int64_t now) {
  if (state_ == GroupState::kEmpty || state_ == GroupState::kStable ||
      state_ == GroupState::kCompletingRebalance) {
    prepare_rebalance(now);
  }
}

void Group::reset_pending_syncs(ErrorCode error) {
  for (auto& [id, m] : members_) {
    if (m.awaiting_sync) {
      m.awaiting_sync = false;
      SyncResult r;
      r.error = error;
      completed_syncs_.emplace_back(id, std::move(r));
    }
  }
}

void Group::prepare_rebalance(int64_t now) {
  if (state_ == GroupState::kCompletingRebalance) {
    reset_pending_syncs(ErrorCode::kRebalanceInProgress);
  }
  pending_sync_.clear();
  int64_t timeout = rebalance_timeout_ms();
  if (state_ == GroupState::kEmpty) {
    initial_delay_ = true;
    new_member_added_ = false;
    int64_t delay = config_.initial_rebalance_delay_ms;
    initial_delay_remaining_ms_ = std::max<int64_t>(timeout - delay, 0);
    join_deadline_ms_ = now + delay;
  } else {
    initial_delay_ = false;
    join_deadline_ms_ = now + timeout;
  }
  set_state(GroupState::kPreparingRebalance, now);
  // Kafka tries to complete the join phase at once: a group whose members
  // have all left (or all rejoined) moves on without waiting.
  try_complete_join(now);
}

bool Group::all_members_joined() const {
  for (const auto& [id, m] : members_) {
    if (!m.awaiting_join) return false;
  }
  return pending_.empty();
}

void Group::try_complete_join(int64_t now) {
  if (state_ != GroupState::kPreparingRebalance || initial_delay_) return;
  if (all_members_joined()) complete_join(now);
}

void Group::complete_join(int64_t now) {
  // Dynamic members that did not rejoin are out; static ones stay until
  // their session expires.
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_) {
    if (!m.awaiting_join && !m.group_instance_id) gone.push_back(id);
  }
  for (const auto& id : gone) remove_member(id, ErrorCode::kUnknownMemberId, ErrorCode::kUnknownMemberId);

  // The leader must be a member that joined this round.
  const GroupMember* leader = member(leader_);
  if (leader == nullptr || !leader->awaiting_join) {
    const GroupMember* pick = nullptr;
    for (const auto& [id, m] : members_) {
      if (m.awaiting_join && (pick == nullptr || m.seq < pick->seq)) pick = &m;
    }
    if (pick == nullptr && !members_.empty()) {
      // Nobody rejoined (only static members remain): wait another round for
      // their sessions to expire.
      initial_delay_ = false;
      join_deadline_ms_ = now + rebalance_timeout_ms();
      return;
    }
    leader_ = pick == nullptr ? std::string() : pick->member_id;
  }

  ++generation_;
  initial_delay_ = false;
  if (members_.empty()) {
    protocol_name_.reset();
    set_state(GroupState::kEmpty, now);
    needs_persist_ = true;
    return;
  }
  protocol_name_ = select_protocol();
  set_state(GroupState::kCompletingRebalance, now);
  sync_deadline_ms_ = now + rebalance_timeout_ms();
  pending_sync_.clear();
  for (auto& [id, m] : members_) {
    pending_sync_.insert(id);
    if (!m.awaiting_join) continue;
    m.awaiting_join = false;
    m.is_new = false;
    refresh(m, now);
    completed_joins_.emplace_back(id, current_join_result(m, id == leader_));
  }
}

void Group::remove_member(const std::string& member_id, ErrorCode join_error, ErrorCode sync_error) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  GroupMember& m = it->second;
  if (m.awaiting_join) {
    JoinResult r;
    r.error = join_error;
    r.member_id = member_id;
    completed_joins_.emplace_back(member_id, std::move(r));
  }
  if (m.awaiting_sync) {
    SyncResult r;
    r.error = sync_error;
    completed_syncs_.emplace_back(member_id, std::move(r));
  }
  if (m.group_instance_id) {
    auto s = static_members_.find(*m.group_instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  pending_sync_.erase(member_id);
  members_.erase(it);
  if (leader_ == member_id) {
    leader_.clear();
    const GroupMember* pick = nullptr;
    for (const auto& [id, other] : members_) {
      if (pick == nullptr || other.seq < pick->seq) pick = &other;
    }
    if (pick != nullptr) leader_ = pick->member_id;
  }
}

void Group::remove_member_and_update(const std::string& member_id, int64_t now) {
  remove_member(member_id, ErrorCode::kUnknownMemberId, ErrorCode::kUnknownMemberId);
  switch (state_) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance(now);
      break;
    case GroupState::kPreparingRebalance:
      try_complete_join(now);
      break;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

std::optional<SyncResult> Group::sync(const SyncArgs& args, int64_t now) {
  auto error = [](ErrorCode e) {
    SyncResult r;
    r.error = e;
    return std::optional<SyncResult>(std::move(r));
  };
  if (state_ == GroupState::kDead) return error(ErrorCode::kCoordinatorNotAvailable);
  ErrorCode e = validate_member(args.member_id, args.group_instance_id);
  if (e != ErrorCode::kNone) return error(e);
  if (args.generation_id != generation_) return error(ErrorCode::kIllegalGeneration);
  if ((args.protocol_type && protocol_type_ != args.protocol_type) ||
      (args.protocol_name && protocol_name_ != args.protocol_name)) {
    return error(ErrorCode::kInconsistentGroupProtocol);
  }
  switch (state_) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return error(ErrorCode::kUnknownMemberId);
    case GroupState::kPreparingRebalance:
      return error(ErrorCode::kRebalanceInProgress);
    case GroupState::kStable: {
      GroupMember& m = members_.at(args.member_id);
      pending_sync_.erase(args.member_id);
      refresh(m, now);
      return SyncResult{ErrorCode::kNone, protocol_type_, protocol_name_, m.assignment};
    }
    case GroupState::kCompletingRebalance:
      break;
  }
  GroupMember& m = members_.at(args.member_id);
  pending_sync_.erase(args.member_id);
  refresh(m, now);
  if (args.member_id != leader_) {
    m.awaiting_sync = true;
    return std::nullopt;
  }
  // The leader's assignment: every member gets its part (or nothing).
  for (auto& [id, other] : members_) other.assignment.clear();
  for (const auto& [id, assignment] : args.assignments) {
    auto it = members_.find(id);
    if (it != members_.end()) it->second.assignment = assignment;
  }
  set_state(GroupState::kStable, now);
  needs_persist_ = true;
  for (auto& [id, other] : members_) {
    if (!other.awaiting_sync) continue;
    other.awaiting_sync = false;
    refresh(other, now);
    completed_syncs_.emplace_back(id, SyncResult{ErrorCode::kNone, protocol_type_, protocol_name_, other.assignment});
  }
  return SyncResult{ErrorCode::kNone, protocol_type_, protocol_name_, m.assignment};
}

ErrorCode Group::heartbeat(std::string_view member_id, const std::optional<std::string>& group_instance_id,
                           int32_t generation_id, int64_t now) {
  if (state_ == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  if (state_ == GroupState::kEmpty) return ErrorCode::kUnknownMemberId;
  ErrorCode e = validate_member(member_id, group_instance_id);
  if (e != ErrorCode::kNone) return e;
  if (generation_id != generation_) return ErrorCode::kIllegalGeneration;
  GroupMember& m = members_.at(std::string(member_id));
  refresh(m, now);
  if (state_ == GroupState::kPreparingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

LeaveResult Group::leave(const std::vector<LeaveMember>& leaving, int64_t now) {
  LeaveResult result;
  if (state_ == GroupState::kDead) {
    result.error = ErrorCode::kCoordinatorNotAvailable;
    return result;
  }
  for (const auto& l : leaving) {
    if (!l.member_id.empty()) {
      auto p = pending_.find(l.member_id);
      if (p != pending_.end()) {
        pending_.erase(p);
        try_complete_join(now);
        result.members.push_back(ErrorCode::kNone);
        continue;
      }
    }
    std::string target;
    if (l.group_instance_id) {
      const std::string* existing = static_member(*l.group_instance_id);
      if (existing == nullptr) {
        result.members.push_back(ErrorCode::kUnknownMemberId);
        continue;
      }
      if (!l.member_id.empty() && *existing != l.member_id) {
        result.members.push_back(ErrorCode::kFencedInstanceId);
        continue;
      }
      target = *existing;
    } else {
      target = l.member_id;
    }
    if (members_.count(target) == 0) {
      result.members.push_back(ErrorCode::kUnknownMemberId);
      continue;
    }
    remove_member_and_update(target, now);
    result.members.push_back(ErrorCode::kNone);
  }
  return result;
}

ErrorCode Group::validate_commit(std::string_view member_id, const std::optional<std::string>& group_instance_id,
                                 int32_t generation_id, int64_t now, bool transactional) {
  if (state_ == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  if (generation_id < 0 && state_ == GroupState::kEmpty) return ErrorCode::kNone;  // a "simple" commit
  if (generation_id >= 0 || !member_id.empty() || group_instance_id) {
    ErrorCode e = validate_member(member_id, group_instance_id);
    if (e != ErrorCode::kNone) return e;
    if (generation_id != generation_) return ErrorCode::kIllegalGeneration;
  } else if (!transactional && state_ != GroupState::kEmpty) {
    // No member, no generation, but the group is managed by members.
    return ErrorCode::kIllegalGeneration;
  }
  if (!transactional && state_ == GroupState::kCompletingRebalance) return ErrorCode::kRebalanceInProgress;
  auto it = members_.find(std::string(member_id));
  if (it != members_.end()) refresh(it->second, now);
  return ErrorCode::kNone;
}

void Group::tick(int64_t now) {
  if (state_ == GroupState::kDead) return;
  // KIP-394 ids never used.
  bool dropped_pending = false;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now >= it->second.deadline_ms) {
      it = pending_.erase(it);
      dropped_pending = true;
    } else {
      ++it;
    }
  }
  if (dropped_pending) try_complete_join(now);

  // Sessions. A member waiting in a join or sync is alive, unless it is new
  // and has waited longer than the new-member timeout. Each removal may end
  // a join phase (which restarts sessions), so every member is checked anew.
  auto expired = [&](const GroupMember& m) {
    if (m.is_new && m.awaiting_join) return now >= m.heartbeat_deadline_ms;
    if (m.awaiting_join || m.awaiting_sync) return false;
    return now >= m.heartbeat_deadline_ms;
  };
  std::vector<std::string> candidates;
  for (const auto& [id, m] : members_) {
    if (expired(m)) candidates.push_back(id);
  }
  for (const auto& id : candidates) {
    auto it = members_.find(id);
    if (it != members_.end() && expired(it->second)) remove_member_and_update(id, now);
  }

  // Members that never synced after the join phase.
  if ((state_ == GroupState::kCompletingRebalance || state_ == GroupState::kStable) && !pending_sync_.empty() &&
      now >= sync_deadline_ms_) {
    std::vector<std::string> lagging(pending_sync_.begin(), pending_sync_.end());
    pending_sync_.clear();
    for (const auto& id : lagging) remove_member(id, ErrorCode::kUnknownMemberId, ErrorCode::kUnknownMemberId);
    prepare_rebalance(now);
    try_complete_join(now);
  }

  // The join phase's deadline.
  if (state_ == GroupState::kPreparingRebalance && now >= join_deadline_ms_) {
    if (initial_delay_ && new_member_added_ && initial_delay_remaining_ms_ > 0) {
      new_member_added_ = false;
      int64_t delay = std::min(config_.initial_rebalance_delay_ms, initial_delay_remaining_ms_);
      initial_delay_remaining_ms_ = std::max<int64_t>(initial_delay_remaining_ms_ - config_.initial_rebalance_delay_ms, 0);
      join_deadline_ms_ = now + delay;
    } else {
      complete_join(now);
    }
  }
}

std::optional<int64_t> Group::next_deadline() const {
  if (state_ == GroupState::kDead) return std::nullopt;
  std::optional<int64_t> next;
  auto consider = [&](int64_t t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, p] : pending_) consider(p.deadline_ms);
  for (const auto& [id, m] : members_) {
    if (m.is_new && m.awaiting_join) {
      consider(m.heartbeat_deadline_ms);
    } else if (!m.awaiting_join && !m.awaiting_sync) {
      consider(m.heartbeat_deadline_ms);
    }
  }
  if (state_ == GroupState::kPreparingRebalance) consider(join_deadline_ms_);
  if ((state_ == GroupState::kCompletingRebalance || state_ == GroupState::kStable) && !pending_sync_.empty()) {
    consider(sync_deadline_ms_);
  }
  return next;
}

void Group::mark_dead(ErrorCode error) {
  for (auto& [id, m] : members_) {
    if (m.awaiting_join) {
      m.awaiting_join = false;
      JoinResult r;
      r.error = error;
      r.member_id = id;
      completed_joins_.emplace_back(id, std::move(r));
    }
    if (m.awaiting_sync) {
      m.awaiting_sync = false;
      SyncResult r;
      r.error = error;
      completed_syncs_.emplace_back(id, std::move(r));
    }
  }
  pending_.clear();
  pending_sync_.clear();
  state_ = GroupState::kDead;
}

void Group::set_state(GroupState state, int64_t now) {
  state_ = state;
  state_timestamp_ms_ = now;
}

bool Group::take_needs_persist() {
  bool out = needs_persist_;
  needs_persist_ = false;
  return out;
}

GroupMetadataValue Group::to_metadata() const {
  GroupMetadataValue v;
  v.protocol_type = protocol_type_.value_or(std::string());
  v.generation = generation_;
  v.protocol = protocol_name_;
  v.leader = leader_.empty() ? std::nullopt : std::optional<std::string>(leader_);
  v.current_state_timestamp = state_timestamp_ms_;
  std::vector<const GroupMember*> ordered;
  for (const auto& [id, m] : members_) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(), [](const GroupMember* a, const GroupMember* b) { return a->seq < b->seq; });
  for (const GroupMember* m : ordered) {
    GroupMetadataValue::MemberMetadata mm;
    mm.member_id = m->member_id;
    mm.group_instance_id = m->group_instance_id;
    mm.client_id = m->client_id;
    mm.client_host = m->client_host;
    mm.rebalance_timeout = m->rebalance_timeout_ms;
    mm.session_timeout = m->session_timeout_ms;
    if (protocol_name_) {
      if (const GroupBytes* md = m->metadata_for(*protocol_name_)) mm.subscription = *md;
    }
    mm.assignment = m->assignment;
    v.members.push_back(std::move(mm));
  }
  return v;
}

Group Group::from_metadata(std::string group_id, const GroupMetadataValue& value, GroupConfig config,
                           int64_t now) {
  Group g(std::move(group_id), config);
  g.generation_ = value.generation;
  if (!value.protocol_type.empty()) g.protocol_type_ = value.protocol_type;
  if (value.protocol && !value.protocol->empty()) g.protocol_name_ = value.protocol;
  g.state_timestamp_ms_ = value.current_state_timestamp;
  for (const auto& mm : value.members) {
    GroupMember m;
    m.member_id = mm.member_id;
    m.group_instance_id = mm.group_instance_id;
    m.client_id = mm.client_id;
    m.client_host = mm.client_host;
    m.rebalance_timeout_ms = mm.rebalance_timeout < 0 ? mm.session_timeout : mm.rebalance_timeout;
    m.session_timeout_ms = mm.session_timeout;
    m.protocol_type = value.protocol_type;
    m.protocols.push_back(GroupProtocol{g.protocol_name_.value_or(std::string()), mm.subscription});
    m.assignment = mm.assignment;
    m.seq = g.next_seq_++;
    m.heartbeat_deadline_ms = now + m.session_timeout_ms;
    if (m.group_instance_id) g.static_members_[*m.group_instance_id] = m.member_id;
    g.members_.emplace(m.member_id, std::move(m));
  }
  if (g.members_.empty()) {
    g.state_ = GroupState::kEmpty;
  } else {
    g.state_ = GroupState::kStable;
    if (value.leader && g.members_.count(*value.leader) != 0) {
      g.leader_ = *value.leader;
    } else {
      g.leader_ = value.members.front().member_id;
    }
  }
  return g;
}

std::vector<std::pair<std::string, JoinResult>> Group::take_completed_joins() {
  std::vector<std::pair<std::string, JoinResult>> out;
  out.swap(completed_joins_);
  return out;
}

std::vector<std::pair<std::string, SyncResult>> Group::take_completed_syncs() {
  std::vector<std::pair<std::string, SyncResult>> out;
  out.swap(completed_syncs_);
  return out;
}

}  // namespace runnel::kafka
