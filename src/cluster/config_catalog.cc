#include "cluster/config_catalog.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace runnel::cluster {

namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt16Min = std::numeric_limits<int16_t>::min();
constexpr int64_t kInt16Max = std::numeric_limits<int16_t>::max();
// A value this long is a mistake or an attack, never a setting; the bound
// keeps one request from bloating the persisted topic table.
constexpr size_t kMaxValueBytes = 1 << 20;

// Choices, in the order Kafka's messages list them.
constexpr std::string_view kCleanupPolicies[] = {"compact", "delete"};
constexpr std::string_view kCompressionTypes[] = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"};
constexpr std::string_view kTimestampTypes[] = {"CreateTime", "LogAppendTime"};

// Broker synonyms of topic configs, most specific first.
constexpr BrokerSynonym kCleanupPolicySyn[] = {{"log.cleanup.policy"}};
constexpr BrokerSynonym kGzipLevelSyn[] = {{"compression.gzip.level"}};
constexpr BrokerSynonym kLz4LevelSyn[] = {{"compression.lz4.level"}};
constexpr BrokerSynonym kCompressionSyn[] = {{"compression.type"}};
constexpr BrokerSynonym kZstdLevelSyn[] = {{"compression.zstd.level"}};
constexpr BrokerSynonym kDeleteRetentionSyn[] = {{"log.cleaner.delete.retention.ms"}};
constexpr BrokerSynonym kFileDeleteDelaySyn[] = {{"log.segment.delete.delay.ms"}};
constexpr BrokerSynonym kFlushBytesSyn[] = {{"log.flush.interval.bytes"}};
constexpr BrokerSynonym kFlushMessagesSyn[] = {{"log.flush.interval.messages"}};
constexpr BrokerSynonym kFlushMsSyn[] = {{"log.flush.interval.ms"}};
constexpr BrokerSynonym kIndexIntervalSyn[] = {{"log.index.interval.bytes"}};
constexpr BrokerSynonym kLocalRetentionBytesSyn[] = {{"log.local.retention.bytes"}};
constexpr BrokerSynonym kLocalRetentionMsSyn[] = {{"log.local.retention.ms"}};
constexpr BrokerSynonym kMaxCompactionLagSyn[] = {{"log.cleaner.max.compaction.lag.ms"}};
constexpr BrokerSynonym kMaxMessageSyn[] = {{"message.max.bytes"}};
constexpr BrokerSynonym kDownconversionSyn[] = {{"log.message.downconversion.enable"}};
constexpr BrokerSynonym kFormatVersionSyn[] = {{"log.message.format.version"}};
constexpr BrokerSynonym kTsAfterSyn[] = {{"log.message.timestamp.after.max.ms"}};
constexpr BrokerSynonym kTsBeforeSyn[] = {{"log.message.timestamp.before.max.ms"}};
constexpr BrokerSynonym kTsDifferenceSyn[] = {{"log.message.timestamp.difference.max.ms"}};
constexpr BrokerSynonym kTsTypeSyn[] = {{"log.message.timestamp.type"}};
constexpr BrokerSynonym kDirtyRatioSyn[] = {{"log.cleaner.min.cleanable.ratio"}};
constexpr BrokerSynonym kMinCompactionLagSyn[] = {{"log.cleaner.min.compaction.lag.ms"}};
constexpr BrokerSynonym kMinIsrSyn[] = {{"min.insync.replicas"}};
constexpr BrokerSynonym kPreallocateSyn[] = {{"log.preallocate"}};
constexpr BrokerSynonym kRetentionBytesSyn[] = {{"log.retention.bytes"}};
constexpr BrokerSynonym kRetentionMsSyn[] = {
    {"log.retention.ms"}, {"log.retention.minutes", 60'000}, {"log.retention.hours", 3'600'000}};
constexpr BrokerSynonym kSegmentBytesSyn[] = {{"log.segment.bytes"}};
constexpr BrokerSynonym kSegmentIndexSyn[] = {{"log.index.size.max.bytes"}};
constexpr BrokerSynonym kSegmentJitterSyn[] = {{"log.roll.jitter.ms"}, {"log.roll.jitter.hours", 3'600'000}};
constexpr BrokerSynonym kSegmentMsSyn[] = {{"log.roll.ms"}, {"log.roll.hours", 3'600'000}};
constexpr BrokerSynonym kUncleanSyn[] = {{"unclean.leader.election.enable"}};
constexpr BrokerSynonym kWriteCachingSyn[] = {{"write.caching.default"}};

constexpr ConfigSpec kTopicConfigs[] = {
    {.name = "cleanup.policy", .type = ConfigType::kList, .default_value = "delete",
     .doc = "What happens to old segments: delete them by time and size, compact them to the latest record per key, or both.",
     .honoured = true, .synonyms = kCleanupPolicySyn, .choices = kCleanupPolicies},
    {.name = "compression.gzip.level", .type = ConfigType::kInt, .default_value = "-1",
     .doc = "Gzip level used when the broker compresses with gzip (-1 is zlib's default).",
     .synonyms = kGzipLevelSyn, .min = -1, .max = 9},
    {.name = "compression.lz4.level", .type = ConfigType::kInt, .default_value = "9",
     .doc = "LZ4 level used when the broker compresses with lz4.", .synonyms = kLz4LevelSyn, .min = 1, .max = 17},
    {.name = "compression.type", .type = ConfigType::kString, .default_value = "producer",
     .doc = "Codec batches are stored with; 'producer' keeps whatever the client sent.", .honoured = true,
     .synonyms = kCompressionSyn, .choices = kCompressionTypes},
    {.name = "compression.zstd.level", .type = ConfigType::kInt, .default_value = "3",
     .doc = "Zstandard level used when the broker compresses with zstd.", .synonyms = kZstdLevelSyn,
     .min = -131072, .max = 22},
    {.name = "delete.retention.ms", .type = ConfigType::kLong, .default_value = "86400000",
     .doc = "How long a tombstone survives compaction, so slow consumers still see the delete.", .honoured = true,
     .synonyms = kDeleteRetentionSyn, .min = 0},
    {.name = "file.delete.delay.ms", .type = ConfigType::kLong, .default_value = "60000",
     .doc = "Grace period before a deleted segment's files are removed from disk.", .synonyms = kFileDeleteDelaySyn,
     .min = 0},
    {.name = "flush.bytes", .type = ConfigType::kLong, .default_value = "262144",
     .doc = "With write caching: unflushed bytes that trigger a background fsync (Redpanda's setting).",
     .honoured = true, .synonyms = kFlushBytesSyn, .min = 1},
    {.name = "flush.messages", .type = ConfigType::kLong, .default_value = "9223372036854775807",
     .doc = "Messages between forced fsyncs; Runnel syncs by acks and flush.bytes/flush.ms instead.",
     .synonyms = kFlushMessagesSyn, .min = 1},
    {.name = "flush.ms", .type = ConfigType::kLong, .default_value = "100",
     .doc = "With write caching: the oldest unflushed write is fsynced after this long (Redpanda's meaning).",
     .honoured = true, .synonyms = kFlushMsSyn, .min = 0},
    {.name = "follower.replication.throttled.replicas", .type = ConfigType::kList, .default_value = "",
     .doc = "Replicas whose follower fetches are throttled; kept for tools, single-node Runnel has no followers."},
    {.name = "index.interval.bytes", .type = ConfigType::kInt, .default_value = "4096",
     .doc = "Log bytes between two entries of the sparse offset index.", .honoured = true,
     .synonyms = kIndexIntervalSyn, .min = 0},
    {.name = "leader.replication.throttled.replicas", .type = ConfigType::kList, .default_value = "",
     .doc = "Replicas whose leader-side replication is throttled; kept for tools."},
    {.name = "local.retention.bytes", .type = ConfigType::kLong, .default_value = "-2",
     .doc = "Tiered storage: bytes kept on local disk (-2 follows retention.bytes).",
     .synonyms = kLocalRetentionBytesSyn, .min = -2},
    {.name = "local.retention.ms", .type = ConfigType::kLong, .default_value = "-2",
     .doc = "Tiered storage: time data stays on local disk (-2 follows retention.ms).",
     .synonyms = kLocalRetentionMsSyn, .min = -2},
    {.name = "max.compaction.lag.ms", .type = ConfigType::kLong, .default_value = "9223372036854775807",
     .doc = "Longest a record may stay uncompacted.", .synonyms = kMaxCompactionLagSyn, .min = 1},
    {.name = "max.message.bytes", .type = ConfigType::kInt, .default_value = "1048588",
     .doc = "Largest record batch a producer may append to this topic.", .honoured = true,
     .synonyms = kMaxMessageSyn, .min = 0},
    {.name = "message.downconversion.enable", .type = ConfigType::kBoolean, .default_value = "true",
     .doc = "Whether old fetch versions get converted batches; Runnel serves only v2 batches.",
     .synonyms = kDownconversionSyn},
    {.name = "message.format.version", .type = ConfigType::kString, .default_value = "3.0-IV1",
     .doc = "Legacy on-disk format version; Runnel always writes v2 batches.", .synonyms = kFormatVersionSyn},
    {.name = "message.timestamp.after.max.ms", .type = ConfigType::kLong, .default_value = "9223372036854775807",
     .doc = "How far in the future a CreateTime timestamp may be.", .synonyms = kTsAfterSyn, .min = 0},
    {.name = "message.timestamp.before.max.ms", .type = ConfigType::kLong, .default_value = "9223372036854775807",
     .doc = "How far in the past a CreateTime timestamp may be.", .synonyms = kTsBeforeSyn, .min = 0},
    {.name = "message.timestamp.difference.max.ms", .type = ConfigType::kLong,
     .default_value = "9223372036854775807",
     .doc = "Older form of the two timestamp bounds above.", .synonyms = kTsDifferenceSyn, .min = 0},
    {.name = "message.timestamp.type", .type = ConfigType::kString, .default_value = "CreateTime",
     .doc = "Whether records keep the producer's timestamp or get the broker's time of append.", .honoured = true,
     .synonyms = kTsTypeSyn, .choices = kTimestampTypes},
    {.name = "min.cleanable.dirty.ratio", .type = ConfigType::kDouble, .default_value = "0.5",
     .doc = "Share of not-yet-compacted log that makes a compacted topic eligible for cleaning.", .honoured = true,
     .synonyms = kDirtyRatioSyn, .min_double = 0.0, .max_double = 1.0},
    {.name = "min.compaction.lag.ms", .type = ConfigType::kLong, .default_value = "0",
     .doc = "Shortest time a record stays uncompacted.", .synonyms = kMinCompactionLagSyn, .min = 0},
    {.name = "min.insync.replicas", .type = ConfigType::kInt, .default_value = "1",
     .doc = "Replicas that must have a write before acks=all succeeds.", .honoured = true, .synonyms = kMinIsrSyn,
     .min = 1},
    {.name = "preallocate", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Whether new segment files are preallocated on disk.", .synonyms = kPreallocateSyn},
    {.name = "redpanda.remote.delete", .type = ConfigType::kBoolean, .default_value = "true",
     .doc = "Redpanda tiered storage: delete remote data with the topic; kept for rpk."},
    {.name = "redpanda.remote.read", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Redpanda tiered storage: read from object storage; kept for rpk."},
    {.name = "redpanda.remote.write", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Redpanda tiered storage: upload to object storage; kept for rpk."},
    {.name = "remote.storage.enable", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Kafka tiered storage switch; kept for tools."},
    {.name = "retention.bytes", .type = ConfigType::kLong, .default_value = "-1",
     .doc = "Size a partition may grow to before its oldest segments are deleted (-1: no limit).", .honoured = true,
     .synonyms = kRetentionBytesSyn},
    {.name = "retention.ms", .type = ConfigType::kLong, .default_value = "604800000",
     .doc = "Age after which a segment is deleted (-1: keep forever).", .honoured = true,
     .synonyms = kRetentionMsSyn, .min = -1},
    {.name = "segment.bytes", .type = ConfigType::kInt, .default_value = "1073741824",
     .doc = "Size at which the active segment is closed and a new one started.", .honoured = true,
     .synonyms = kSegmentBytesSyn, .min = 14},
    {.name = "segment.index.bytes", .type = ConfigType::kInt, .default_value = "10485760",
     .doc = "Space reserved for each segment's index; a full index closes the segment.", .honoured = true,
     .synonyms = kSegmentIndexSyn, .min = 4},
    {.name = "segment.jitter.ms", .type = ConfigType::kLong, .default_value = "0",
     .doc = "Random amount taken off segment.ms so partitions do not all roll together.",
     .synonyms = kSegmentJitterSyn, .min = 0},
    {.name = "segment.ms", .type = ConfigType::kLong, .default_value = "604800000",
     .doc = "Age at which the active segment is closed, so time retention can remove it.", .honoured = true,
     .synonyms = kSegmentMsSyn, .min = 1},
    {.name = "unclean.leader.election.enable", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Whether an out-of-sync replica may become leader; no meaning on one node.", .synonyms = kUncleanSyn},
    {.name = "write.caching", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Answer acks=all once the write is in memory and fsync in the background (Redpanda's setting).",
     .honoured = true, .synonyms = kWriteCachingSyn},
};

constexpr ConfigSpec kBrokerConfigs[] = {
    {.name = "auto.create.topics.enable", .type = ConfigType::kBoolean, .default_value = "true",
     .doc = "Create a topic when a client asks for metadata of one that does not exist.", .honoured = true},
    {.name = "broker.id", .type = ConfigType::kInt, .default_value = "0", .doc = "This node's id.", .min = 0},
    {.name = "compression.gzip.level", .type = ConfigType::kInt, .default_value = "-1",
     .doc = "Default for compression.gzip.level.", .min = -1, .max = 9},
    {.name = "compression.lz4.level", .type = ConfigType::kInt, .default_value = "9",
     .doc = "Default for compression.lz4.level.", .min = 1, .max = 17},
    {.name = "compression.type", .type = ConfigType::kString, .default_value = "producer",
     .doc = "Default for compression.type.", .honoured = true, .choices = kCompressionTypes},
    {.name = "compression.zstd.level", .type = ConfigType::kInt, .default_value = "3",
     .doc = "Default for compression.zstd.level.", .min = -131072, .max = 22},
    {.name = "default.replication.factor", .type = ConfigType::kInt, .default_value = "1",
     .doc = "Replication factor of topics created without one.", .honoured = true, .min = 1},
    {.name = "delete.topic.enable", .type = ConfigType::kBoolean, .default_value = "true",
     .doc = "Whether DeleteTopics is allowed.", .honoured = true},
    {.name = "group.initial.rebalance.delay.ms", .type = ConfigType::kInt, .default_value = "3000",
     .doc = "How long a new group waits for more members before its first rebalance.", .min = 0},
    {.name = "group.max.session.timeout.ms", .type = ConfigType::kInt, .default_value = "1800000",
     .doc = "Longest session timeout a consumer may ask for.", .min = 1},
    {.name = "group.max.size", .type = ConfigType::kInt, .default_value = "2147483647",
     .doc = "Most members one consumer group may have.", .min = 1},
    {.name = "group.min.session.timeout.ms", .type = ConfigType::kInt, .default_value = "6000",
     .doc = "Shortest session timeout a consumer may ask for.", .min = 1},
    {.name = "log.cleaner.dedupe.buffer.size", .type = ConfigType::kLong, .default_value = "67108864",
     .doc = "Memory for the compactor's key map; a log whose keys do not fit is compacted in several passes.",
     .honoured = true, .min = 1 << 20},
    {.name = "log.cleaner.delete.retention.ms", .type = ConfigType::kLong, .default_value = "86400000",
     .doc = "Default for delete.retention.ms.", .honoured = true, .min = 0},
    {.name = "log.cleaner.enable", .type = ConfigType::kBoolean, .default_value = "true",
     .doc = "Whether compacted topics are cleaned at all."},
    {.name = "log.cleaner.max.compaction.lag.ms", .type = ConfigType::kLong, .default_value = "9223372036854775807",
     .doc = "Default for max.compaction.lag.ms.", .min = 1},
    {.name = "log.cleaner.min.cleanable.ratio", .type = ConfigType::kDouble, .default_value = "0.5",
     .doc = "Default for min.cleanable.dirty.ratio.", .honoured = true, .min_double = 0.0, .max_double = 1.0},
    {.name = "log.cleaner.min.compaction.lag.ms", .type = ConfigType::kLong, .default_value = "0",
     .doc = "Default for min.compaction.lag.ms.", .min = 0},
    {.name = "log.cleanup.policy", .type = ConfigType::kList, .default_value = "delete",
     .doc = "Default for cleanup.policy.", .honoured = true, .choices = kCleanupPolicies},
    {.name = "log.dirs", .type = ConfigType::kString, .default_value = "./runnel-data",
     .doc = "Where partition data lives; Runnel takes its data directory from its own configuration."},
    {.name = "log.flush.interval.bytes", .type = ConfigType::kLong, .default_value = "262144",
     .doc = "Default for flush.bytes (Runnel's name for Redpanda's setting).", .honoured = true, .min = 1},
    {.name = "log.flush.interval.messages", .type = ConfigType::kLong, .default_value = "9223372036854775807",
     .doc = "Default for flush.messages.", .min = 1},
    {.name = "log.flush.interval.ms", .type = ConfigType::kLong, .default_value = "100",
     .doc = "Default for flush.ms.", .honoured = true, .min = 0},
    {.name = "log.index.interval.bytes", .type = ConfigType::kInt, .default_value = "4096",
     .doc = "Default for index.interval.bytes.", .honoured = true, .min = 0},
    {.name = "log.index.size.max.bytes", .type = ConfigType::kInt, .default_value = "10485760",
     .doc = "Default for segment.index.bytes.", .honoured = true, .min = 4},
    {.name = "log.local.retention.bytes", .type = ConfigType::kLong, .default_value = "-2",
     .doc = "Default for local.retention.bytes.", .min = -2},
    {.name = "log.local.retention.ms", .type = ConfigType::kLong, .default_value = "-2",
     .doc = "Default for local.retention.ms.", .min = -2},
    {.name = "log.message.downconversion.enable", .type = ConfigType::kBoolean, .default_value = "true",
     .doc = "Default for message.downconversion.enable."},
    {.name = "log.message.format.version", .type = ConfigType::kString, .default_value = "3.0-IV1",
     .doc = "Default for message.format.version."},
    {.name = "log.message.timestamp.after.max.ms", .type = ConfigType::kLong,
     .default_value = "9223372036854775807", .doc = "Default for message.timestamp.after.max.ms.", .min = 0},
    {.name = "log.message.timestamp.before.max.ms", .type = ConfigType::kLong,
     .default_value = "9223372036854775807", .doc = "Default for message.timestamp.before.max.ms.", .min = 0},
    {.name = "log.message.timestamp.difference.max.ms", .type = ConfigType::kLong,
     .default_value = "9223372036854775807", .doc = "Default for message.timestamp.difference.max.ms.", .min = 0},
    {.name = "log.message.timestamp.type", .type = ConfigType::kString, .default_value = "CreateTime",
     .doc = "Default for message.timestamp.type.", .honoured = true, .choices = kTimestampTypes},
    {.name = "log.preallocate", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Default for preallocate."},
    {.name = "log.retention.bytes", .type = ConfigType::kLong, .default_value = "-1",
     .doc = "Default for retention.bytes.", .honoured = true},
    {.name = "log.retention.check.interval.ms", .type = ConfigType::kLong, .default_value = "300000",
     .doc = "How often retention is checked; Runnel checks every few seconds regardless.", .min = 1},
    {.name = "log.retention.hours", .type = ConfigType::kInt, .default_value = "168",
     .doc = "Default for retention.ms in hours, used when log.retention.ms and .minutes are not set.",
     .honoured = true},
    {.name = "log.retention.minutes", .type = ConfigType::kInt, .default_value = std::nullopt,
     .doc = "Default for retention.ms in minutes, used when log.retention.ms is not set.", .honoured = true},
    {.name = "log.retention.ms", .type = ConfigType::kLong, .default_value = "604800000",
     .doc = "Default for retention.ms.", .honoured = true, .min = -1},
    {.name = "log.roll.hours", .type = ConfigType::kInt, .default_value = "168",
     .doc = "Default for segment.ms in hours, used when log.roll.ms is not set.", .honoured = true, .min = 1},
    {.name = "log.roll.jitter.hours", .type = ConfigType::kInt, .default_value = "0",
     .doc = "Default for segment.jitter.ms in hours.", .min = 0},
    {.name = "log.roll.jitter.ms", .type = ConfigType::kLong, .default_value = "0",
     .doc = "Default for segment.jitter.ms.", .min = 0},
    {.name = "log.roll.ms", .type = ConfigType::kLong, .default_value = "604800000",
     .doc = "Default for segment.ms.", .honoured = true, .min = 1},
    {.name = "log.segment.bytes", .type = ConfigType::kInt, .default_value = "1073741824",
     .doc = "Default for segment.bytes.", .honoured = true, .min = 14},
    {.name = "log.segment.delete.delay.ms", .type = ConfigType::kLong, .default_value = "60000",
     .doc = "Default for file.delete.delay.ms.", .min = 0},
    {.name = "message.max.bytes", .type = ConfigType::kInt, .default_value = "1048588",
     .doc = "Default for max.message.bytes.", .honoured = true, .min = 0},
    {.name = "min.insync.replicas", .type = ConfigType::kInt, .default_value = "1",
     .doc = "Default for min.insync.replicas.", .honoured = true, .min = 1},
    {.name = "node.id", .type = ConfigType::kInt, .default_value = "0", .doc = "This node's id (KRaft's name).",
     .min = 0},
    {.name = "num.io.threads", .type = ConfigType::kInt, .default_value = "8",
     .doc = "Kafka's request thread count; Runnel runs one shard per core instead.", .min = 1},
    {.name = "num.network.threads", .type = ConfigType::kInt, .default_value = "3",
     .doc = "Kafka's network thread count; Runnel runs one shard per core instead.", .min = 1},
    {.name = "num.partitions", .type = ConfigType::kInt, .default_value = "1",
     .doc = "Partition count of topics created without one.", .honoured = true, .min = 1},
    {.name = "num.recovery.threads.per.data.dir", .type = ConfigType::kInt, .default_value = "1",
     .doc = "Threads Kafka uses to recover logs at start-up.", .min = 1},
    {.name = "offsets.retention.minutes", .type = ConfigType::kInt, .default_value = "10080",
     .doc = "How long committed offsets of an empty group are kept.", .min = 1},
    // 16, as Redpanda, rather than Kafka's 50: on one node every partition is
    // an open segment and index for nothing, and 16 still spreads groups over
    // 16 shards. It only takes effect when __consumer_offsets is first created.
    {.name = "offsets.topic.num.partitions", .type = ConfigType::kInt, .default_value = "16",
     .doc = "Partitions of __consumer_offsets when it is first created.", .min = 1},
    {.name = "offsets.topic.replication.factor", .type = ConfigType::kShort, .default_value = "1",
     .doc = "Replication factor of __consumer_offsets.", .min = 1},
    {.name = "offsets.topic.segment.bytes", .type = ConfigType::kInt, .default_value = "104857600",
     .doc = "Segment size of __consumer_offsets.", .min = 14},
    {.name = "producer.id.expiration.ms", .type = ConfigType::kInt, .default_value = "86400000",
     .doc = "Idle time after which a producer id's sequence state is forgotten.", .honoured = true, .min = 1},
    {.name = "socket.receive.buffer.bytes", .type = ConfigType::kInt, .default_value = "102400",
     .doc = "SO_RCVBUF of client sockets (-1: the system's default).", .min = -1},
    {.name = "socket.request.max.bytes", .type = ConfigType::kInt, .default_value = "104857600",
     .doc = "Largest request the broker reads; a bigger frame closes the connection.", .honoured = true, .min = 1},
    {.name = "socket.send.buffer.bytes", .type = ConfigType::kInt, .default_value = "102400",
     .doc = "SO_SNDBUF of client sockets (-1: the system's default).", .min = -1},
    {.name = "transaction.max.timeout.ms", .type = ConfigType::kInt, .default_value = "900000",
     .doc = "Longest transaction timeout a producer may ask for.", .min = 1},
    {.name = "transaction.state.log.min.isr", .type = ConfigType::kInt, .default_value = "1",
     .doc = "min.insync.replicas of __transaction_state.", .min = 1},
    {.name = "transaction.state.log.num.partitions", .type = ConfigType::kInt, .default_value = "16",
     .doc = "Partitions of __transaction_state when it is first created.", .min = 1},
    {.name = "transaction.state.log.replication.factor", .type = ConfigType::kShort, .default_value = "1",
     .doc = "Replication factor of __transaction_state.", .min = 1},
    {.name = "transaction.state.log.segment.bytes", .type = ConfigType::kInt, .default_value = "104857600",
     .doc = "Segment size of __transaction_state.", .min = 14},
    {.name = "transactional.id.expiration.ms", .type = ConfigType::kInt, .default_value = "604800000",
     .doc = "Idle time after which a transactional id is forgotten.", .min = 1},
    {.name = "unclean.leader.election.enable", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Default for unclean.leader.election.enable."},
    {.name = "write.caching.default", .type = ConfigType::kBoolean, .default_value = "false",
     .doc = "Default for write.caching (Redpanda's write_caching_default).", .honoured = true},
};

const ConfigSpec* find_in(std::span<const ConfigSpec> specs, std::string_view name) {
  for (const ConfigSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

std::string invalid(const ConfigSpec& spec, std::string_view value, std::string_view why) {
  std::string out = "Invalid value ";
  out.append(value).append(" for configuration ").append(spec.name).append(": ").append(why);
  return out;
}

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out.append(", ");
    out.append(item);
  }
  return out;
}

bool is_choice(const ConfigSpec& spec, std::string_view value) {
  for (std::string_view choice : spec.choices) {
    if (choice == value) return true;
  }
  return false;
}

// Doubles as Kafka prints range bounds: "0", "1", "0.5".
std::string format_double(double d) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%g", d);
  return std::string(buf, static_cast<size_t>(n));
}

ConfigCheck check_integer(const ConfigSpec& spec, std::string_view raw, std::string_view trimmed) {
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  if (spec.type == ConfigType::kInt) {
    lo = kInt32Min;
    hi = kInt32Max;
  } else if (spec.type == ConfigType::kShort) {
    lo = kInt16Min;
    hi = kInt16Max;
  }
  std::optional<int64_t> n = parse_config_long(trimmed);
  if (!n || *n < lo || *n > hi) {
    std::string why = "Not a number of type ";
    return {std::string(), invalid(spec, raw, why.append(config_type_name(spec.type)))};
  }
  std::string canonical = std::to_string(*n);
  if (*n < spec.min) {
    std::string why = "Value must be at least ";
    return {std::string(), invalid(spec, canonical, why.append(std::to_string(spec.min)))};
  }
  if (*n > spec.max) {
    std::string why = "Value must be no more than ";
    return {std::string(), invalid(spec, canonical, why.append(std::to_string(spec.max)))};
  }
  return {canonical, std::nullopt};
}

ConfigCheck check_double(const ConfigSpec& spec, std::string_view raw, std::string_view trimmed) {
  std::optional<double> d = parse_config_double(trimmed);
  if (!d) return {std::string(), invalid(spec, raw, "Not a number of type DOUBLE")};
  if (*d < spec.min_double) {
    return {std::string(), invalid(spec, trimmed, "Value must be at least " + format_double(spec.min_double))};
  }
  if (*d > spec.max_double) {
    return {std::string(), invalid(spec, trimmed, "Value must be no more than " + format_double(spec.max_double))};
  }
  return {std::string(trimmed), std::nullopt};
}

ConfigCheck check_list(const ConfigSpec& spec, std::string_view trimmed) {
  std::vector<std::string> items = split_config_list(trimmed);
  std::string canonical;
  for (const std::string& item : items) {
    if (!spec.choices.empty() && !is_choice(spec, item)) {
      return {std::string(), invalid(spec, item, "String must be one of: " + join(spec.choices))};
    }
    if (!canonical.empty()) canonical.push_back(',');
    canonical.append(item);
  }
  // An empty cleanup.policy would mean neither deleting nor compacting;
  // a list with fixed choices must name at least one of them.
  if (items.empty() && !spec.choices.empty()) {
    return {std::string(), invalid(spec, trimmed, "List must contain at least one of: " + join(spec.choices))};
  }
  return {canonical, std::nullopt};
}

}  // namespace

std::string_view config_type_name(ConfigType type) {
  switch (type) {
    case ConfigType::kBoolean: return "BOOLEAN";
    case ConfigType::kString: return "STRING";
    case ConfigType::kInt: return "INT";
    case ConfigType::kShort: return "SHORT";
    case ConfigType::kLong: return "LONG";
    case ConfigType::kDouble: return "DOUBLE";
    case ConfigType::kList: return "LIST";
    case ConfigType::kClass: return "CLASS";
    case ConfigType::kPassword: return "PASSWORD";
  }
  return "UNKNOWN";
}

std::span<const ConfigSpec> topic_config_specs() { return kTopicConfigs; }
std::span<const ConfigSpec> broker_config_specs() { return kBrokerConfigs; }

const ConfigSpec* find_topic_config(std::string_view name) { return find_in(kTopicConfigs, name); }
const ConfigSpec* find_broker_config(std::string_view name) { return find_in(kBrokerConfigs, name); }

ConfigCheck check_config_value(const ConfigSpec& spec, std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    std::string why = "Value must be no longer than ";
    return {std::string(), invalid(spec, value.substr(0, 32), why.append(std::to_string(kMaxValueBytes)).append(" bytes"))};
  }
  std::string_view trimmed = trim(value);
  switch (spec.type) {
    case ConfigType::kBoolean: {
      std::optional<bool> b = parse_config_bool(trimmed);
      if (!b) return {std::string(), invalid(spec, value, "Expected value to be either true or false")};
      return {*b ? "true" : "false", std::nullopt};
    }
    case ConfigType::kInt:
    case ConfigType::kShort:
    case ConfigType::kLong:
      return check_integer(spec, value, trimmed);
    case ConfigType::kDouble:
      return check_double(spec, value, trimmed);
    case ConfigType::kList:
      return check_list(spec, trimmed);
    case ConfigType::kString:
    case ConfigType::kClass:
    case ConfigType::kPassword:
      if (!spec.choices.empty() && !is_choice(spec, trimmed)) {
        return {std::string(), invalid(spec, trimmed, "String must be one of: " + join(spec.choices))};
      }
      return {std::string(trimmed), std::nullopt};
  }
  return {std::string(), invalid(spec, value, "Unknown config type")};
}

std::optional<std::string> validate_topic_setting(std::string_view name, std::string_view value) {
  const ConfigSpec* spec = find_topic_config(name);
  if (spec == nullptr) {
    std::string why = "Unknown topic config name: ";
    return why.append(name);
  }
  return check_config_value(*spec, value).problem;
}

std::optional<std::string> validate_broker_setting(std::string_view name, std::string_view value) {
  const ConfigSpec* spec = find_broker_config(name);
  if (spec == nullptr) {
    std::string why = "Unknown broker config name: ";
    return why.append(name);
  }
  return check_config_value(*spec, value).problem;
}

std::optional<int64_t> parse_config_long(std::string_view value) {
  value = trim(value);
  // from_chars takes a '-' but not the '+' Java's parsers also accept.
  if (value.size() > 1 && value.front() == '+' && value[1] != '-' && value[1] != '+') value.remove_prefix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty()) return std::nullopt;
  return n;
}

std::optional<double> parse_config_double(std::string_view value) {
  value = trim(value);
  if (value.size() > 1 && value.front() == '+' && value[1] != '-' && value[1] != '+') value.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), d, std::chars_format::general);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty()) return std::nullopt;
  // from_chars reads "nan" and "inf"; no setting means either.
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<bool> parse_config_bool(std::string_view value) {
  value = trim(value);
  if (equals_ignoring_case(value, "true")) return true;
  if (equals_ignoring_case(value, "false")) return false;
  return std::nullopt;
}

std::vector<std::string> split_config_list(std::string_view value) {
  std::vector<std::string> items;
  value = trim(value);
  if (value.empty()) return items;
  for (;;) {
    size_t comma = value.find(',');
    items.emplace_back(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace runnel::cluster
