#include "cluster/topic_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runnel::cluster {
namespace {

using Overrides = std::map<std::string, std::string>;

const ResolvedConfig& entry(const ResolvedTopicConfig& r, std::string_view name) {
  const ResolvedConfig* e = r.find(name);
  EXPECT_NE(e, nullptr) << name;
  static const ResolvedConfig kMissing;
  return e ? *e : kMissing;
}

// "name=value@source" for each synonym, in order, to compare chains at a glance.
std::vector<std::string> chain(const ResolvedConfig& e) {
  std::vector<std::string> out;
  for (const ConfigSynonym& s : e.synonyms) {
    out.push_back(s.name + "=" + s.value.value_or("null") + "@" + std::to_string(static_cast<int>(s.source)));
  }
  return out;
}

TEST(TopicConfig, SourceCodesAreKafkas) {
  EXPECT_EQ(static_cast<int>(ConfigSource::kTopic), 1);
  EXPECT_EQ(static_cast<int>(ConfigSource::kStaticBroker), 4);
  EXPECT_EQ(static_cast<int>(ConfigSource::kDefault), 5);
}

TEST(TopicConfig, EveryTopicConfigIsResolvedInCatalogOrder) {
  ResolvedTopicConfig r = resolve_topic_config({}, {});
  ASSERT_EQ(r.entries.size(), topic_config_specs().size());
  for (size_t i = 0; i < r.entries.size(); ++i) {
    EXPECT_EQ(r.entries[i].spec, &topic_config_specs()[i]);
    EXPECT_EQ(r.entries[i].source, ConfigSource::kDefault) << r.entries[i].spec->name;
    EXPECT_EQ(r.entries[i].value, topic_config_specs()[i].default_value) << r.entries[i].spec->name;
  }
  EXPECT_EQ(r.find("nope"), nullptr);
  EXPECT_EQ(r.value("nope"), std::nullopt);
}

TEST(TopicConfig, DefaultIsNamedAfterTheBrokerSynonym) {
  ResolvedTopicConfig r = resolve_topic_config({}, {});
  EXPECT_EQ(chain(entry(r, "retention.ms")), std::vector<std::string>{"log.retention.ms=604800000@5"});
  EXPECT_EQ(chain(entry(r, "max.message.bytes")), std::vector<std::string>{"message.max.bytes=1048588@5"});
  // No broker synonym: Kafka lists no default synonym either.
  EXPECT_TRUE(entry(r, "redpanda.remote.read").synonyms.empty());
  EXPECT_EQ(entry(r, "redpanda.remote.read").value, "false");
}

TEST(TopicConfig, TopicOverrideWinsThenBrokerThenDefault) {
  BrokerSettings broker = {{"log.retention.ms", {"5000", ConfigSource::kStaticBroker}}};
  ResolvedTopicConfig with_override = resolve_topic_config({{"retention.ms", "1000"}}, broker);
  const ResolvedConfig& a = entry(with_override, "retention.ms");
  EXPECT_EQ(a.value, "1000");
  EXPECT_EQ(a.source, ConfigSource::kTopic);
  EXPECT_EQ(chain(a), (std::vector<std::string>{"retention.ms=1000@1", "log.retention.ms=5000@4",
                                                "log.retention.ms=604800000@5"}));

  ResolvedTopicConfig from_broker = resolve_topic_config({}, broker);
  const ResolvedConfig& b = entry(from_broker, "retention.ms");
  EXPECT_EQ(b.value, "5000");
  EXPECT_EQ(b.source, ConfigSource::kStaticBroker);
  EXPECT_EQ(chain(b), (std::vector<std::string>{"log.retention.ms=5000@4", "log.retention.ms=604800000@5"}));
}

TEST(TopicConfig, BrokerSynonymsInOtherUnits) {
  BrokerSettings hours = {{"log.retention.hours", {"24", ConfigSource::kStaticBroker}}};
  ResolvedTopicConfig r1 = resolve_topic_config({}, hours);
  const ResolvedConfig& a = entry(r1, "retention.ms");
  EXPECT_EQ(a.value, "86400000");
  EXPECT_EQ(a.source, ConfigSource::kStaticBroker);
  EXPECT_EQ(chain(a), (std::vector<std::string>{"log.retention.hours=24@4", "log.retention.ms=604800000@5"}));

  // ms beats minutes beats hours, and all that are set are listed in that order.
  BrokerSettings all = {{"log.retention.hours", {"24", ConfigSource::kStaticBroker}},
                        {"log.retention.minutes", {"30", ConfigSource::kStaticBroker}},
                        {"log.retention.ms", {"777", ConfigSource::kStaticBroker}}};
  ResolvedTopicConfig r2 = resolve_topic_config({}, all);
  const ResolvedConfig& b = entry(r2, "retention.ms");
  EXPECT_EQ(b.value, "777");
  EXPECT_EQ(chain(b), (std::vector<std::string>{"log.retention.ms=777@4", "log.retention.minutes=30@4",
                                                "log.retention.hours=24@4", "log.retention.ms=604800000@5"}));
  all.erase("log.retention.ms");
  EXPECT_EQ(resolve_topic_config({}, all).value("retention.ms"), "1800000");

  BrokerSettings forever = {{"log.retention.hours", {"-1", ConfigSource::kStaticBroker}}};
  EXPECT_EQ(resolve_topic_config({}, forever).value("retention.ms"), "-1");
  BrokerSettings roll = {{"log.roll.hours", {"1", ConfigSource::kStaticBroker}}};
  EXPECT_EQ(resolve_topic_config({}, roll).value("segment.ms"), "3600000");
}

TEST(TopicConfig, LoaderDefaultsCountAsDefaults) {
  BrokerSettings broker = {{"log.segment.bytes", {"1073741824", ConfigSource::kDefault}},
                           {"num.partitions", {"1", ConfigSource::kDefault}}};
  ResolvedTopicConfig r3 = resolve_topic_config({}, broker);
  const ResolvedConfig& e = entry(r3, "segment.bytes");
  EXPECT_EQ(e.source, ConfigSource::kDefault);
  EXPECT_EQ(chain(e), std::vector<std::string>{"log.segment.bytes=1073741824@5"});
  // A loader default that differs from the catalog's is still the default in force.
  BrokerSettings other = {{"log.segment.bytes", {"2048", ConfigSource::kDefault}}};
  ResolvedTopicConfig r4 = resolve_topic_config({}, other);
  const ResolvedConfig& f = entry(r4, "segment.bytes");
  EXPECT_EQ(f.value, "2048");
  EXPECT_EQ(f.source, ConfigSource::kDefault);
}

TEST(TopicConfig, ValuesAreCanonical) {
  ResolvedTopicConfig r = resolve_topic_config(
      {{"write.caching", "TRUE"}, {"cleanup.policy", " compact , delete "}, {"segment.bytes", " 2048 "}}, {});
  EXPECT_EQ(r.value("write.caching"), "true");
  EXPECT_EQ(r.value("cleanup.policy"), "compact,delete");
  EXPECT_EQ(r.value("segment.bytes"), "2048");
  EXPECT_EQ(entry(r, "segment.bytes").synonyms.front().value, "2048");
}

TEST(TopicConfig, InvalidStoredValuesFallThrough) {
  BrokerSettings broker = {{"log.retention.ms", {"5000", ConfigSource::kStaticBroker}},
                           {"log.segment.bytes", {"tiny", ConfigSource::kStaticBroker}}};
  ResolvedTopicConfig r = resolve_topic_config({{"retention.ms", "soon"}, {"not.a.config", "1"}}, broker);
  EXPECT_EQ(r.value("retention.ms"), "5000");
  EXPECT_EQ(entry(r, "retention.ms").source, ConfigSource::kStaticBroker);
  EXPECT_EQ(r.value("segment.bytes"), "1073741824");
  EXPECT_EQ(entry(r, "segment.bytes").source, ConfigSource::kDefault);
  EXPECT_EQ(r.entries.size(), topic_config_specs().size());
}

TEST(TopicConfig, OverrideWithoutBrokerSynonym) {
  ResolvedTopicConfig r5 = resolve_topic_config({{"redpanda.remote.read", "true"}}, {});
  const ResolvedConfig& e = entry(r5, "redpanda.remote.read");
  EXPECT_EQ(e.value, "true");
  EXPECT_EQ(e.source, ConfigSource::kTopic);
  EXPECT_EQ(chain(e), std::vector<std::string>{"redpanda.remote.read=true@1"});
}

TEST(TopicConfig, MakeBrokerSettings) {
  BrokerSettings s = make_broker_settings({{"num.partitions", "3"}, {"log.retention.ms", "604800000"}},
                                          {{"num.partitions", "static"}, {"log.retention.ms", "default"}});
  EXPECT_EQ(s.at("num.partitions").source, ConfigSource::kStaticBroker);
  EXPECT_EQ(s.at("log.retention.ms").source, ConfigSource::kDefault);
  BrokerSettings unsourced = make_broker_settings({{"num.partitions", "3"}}, {});
  EXPECT_EQ(unsourced.at("num.partitions").source, ConfigSource::kStaticBroker);
}

TEST(TopicConfig, BrokerSettingValue) {
  BrokerSettings broker = {{"num.partitions", {" 3", ConfigSource::kStaticBroker}},
                           {"auto.create.topics.enable", {"FALSE", ConfigSource::kStaticBroker}},
                           {"default.replication.factor", {"zero", ConfigSource::kStaticBroker}},
                           {"message.max.bytes", {"2000", ConfigSource::kDefault}}};
  EXPECT_EQ(broker_setting_value(broker, "num.partitions"), "3");
  EXPECT_EQ(broker_setting_value(broker, "auto.create.topics.enable"), "false");
  EXPECT_EQ(broker_setting_value(broker, "default.replication.factor"), "1");  // invalid: the default
  EXPECT_EQ(broker_setting_value(broker, "message.max.bytes"), "2000");
  EXPECT_EQ(broker_setting_value(broker, "delete.topic.enable"), "true");
  EXPECT_EQ(broker_setting_value(broker, "log.retention.minutes"), std::nullopt);
  EXPECT_EQ(broker_setting_value(broker, "retention.ms"), std::nullopt);
}

TEST(TopicConfig, ResolveBrokerConfig) {
  BrokerSettings broker = {{"num.partitions", {"3", ConfigSource::kStaticBroker}}};
  std::vector<ResolvedConfig> all = resolve_broker_config(broker);
  ASSERT_EQ(all.size(), broker_config_specs().size());
  for (const ResolvedConfig& e : all) {
    if (e.spec->name == "num.partitions") {
      EXPECT_EQ(e.value, "3");
      EXPECT_EQ(e.source, ConfigSource::kStaticBroker);
      EXPECT_EQ(chain(e), (std::vector<std::string>{"num.partitions=3@4", "num.partitions=1@5"}));
    } else if (e.spec->name == "log.retention.minutes") {
      EXPECT_EQ(e.value, std::nullopt);
      EXPECT_TRUE(e.synonyms.empty());
    } else {
      EXPECT_EQ(e.source, ConfigSource::kDefault) << e.spec->name;
      EXPECT_EQ(e.value, e.spec->default_value) << e.spec->name;
    }
  }
}

TEST(TopicConfig, DefaultLogConfigIsStoragesDefault) {
  storage::LogConfig want;
  storage::LogConfig got = to_log_config(resolve_topic_config({}, {}));
  EXPECT_EQ(got.segment_bytes, want.segment_bytes);
  EXPECT_EQ(got.segment_ms, want.segment_ms);
  EXPECT_EQ(got.retention_ms, want.retention_ms);
  EXPECT_EQ(got.retention_bytes, want.retention_bytes);
  EXPECT_EQ(got.log_append_time, want.log_append_time);
  EXPECT_EQ(got.write_caching, want.write_caching);
  EXPECT_EQ(got.flush_bytes, want.flush_bytes);
  EXPECT_EQ(got.flush_ms, want.flush_ms);
  EXPECT_EQ(got.segment.index_interval_bytes, want.segment.index_interval_bytes);
  EXPECT_EQ(got.segment.max_index_bytes, want.segment.max_index_bytes);
  EXPECT_EQ(got.segment.open_files, nullptr);
}

TEST(TopicConfig, LogConfigFromOverridesAndBroker) {
  BrokerSettings broker = {{"log.roll.hours", {"2", ConfigSource::kStaticBroker}},
                           {"log.flush.interval.bytes", {"4096", ConfigSource::kStaticBroker}}};
  Overrides overrides = {{"segment.bytes", "1048576"},       {"retention.ms", "3600000"},
                         {"retention.bytes", "10000000"},    {"message.timestamp.type", "LogAppendTime"},
                         {"write.caching", "true"},          {"flush.ms", "250"},
                         {"index.interval.bytes", "1024"},   {"segment.index.bytes", "65536"}};
  storage::LogConfig c = to_log_config(resolve_topic_config(overrides, broker));
  EXPECT_EQ(c.segment_bytes, 1048576u);
  EXPECT_EQ(c.segment_ms, 2 * 3600000);
  EXPECT_EQ(c.retention_ms, 3600000);
  EXPECT_EQ(c.retention_bytes, 10000000);
  EXPECT_TRUE(c.log_append_time);
  EXPECT_TRUE(c.write_caching);
  EXPECT_EQ(c.flush_bytes, 4096u);
  EXPECT_EQ(c.flush_ms, 250);
  EXPECT_EQ(c.segment.index_interval_bytes, 1024u);
  EXPECT_EQ(c.segment.max_index_bytes, 65536u);
}

TEST(TopicConfig, CompactOnlyTopicsNeverDeleteByAgeOrSize) {
  Overrides compact = {{"cleanup.policy", "compact"}, {"retention.ms", "1000"}, {"retention.bytes", "1000"}};
  storage::LogConfig c = to_log_config(resolve_topic_config(compact, {}));
  EXPECT_EQ(c.retention_ms, -1);
  EXPECT_EQ(c.retention_bytes, -1);
  TopicPolicy p = to_topic_policy(resolve_topic_config(compact, {}));
  EXPECT_TRUE(p.compact);
  EXPECT_FALSE(p.delete_segments);

  Overrides both = {{"cleanup.policy", "delete,compact"}, {"retention.ms", "1000"}, {"retention.bytes", "1000"}};
  storage::LogConfig d = to_log_config(resolve_topic_config(both, {}));
  EXPECT_EQ(d.retention_ms, 1000);
  EXPECT_EQ(d.retention_bytes, 1000);
  TopicPolicy q = to_topic_policy(resolve_topic_config(both, {}));
  EXPECT_TRUE(q.compact);
  EXPECT_TRUE(q.delete_segments);

  BrokerSettings broker = {{"log.cleanup.policy", {"compact", ConfigSource::kStaticBroker}}};
  EXPECT_EQ(to_log_config(resolve_topic_config({{"retention.ms", "1000"}}, broker)).retention_ms, -1);
}

TEST(TopicConfig, DefaultPolicy) {
  TopicPolicy p = to_topic_policy(resolve_topic_config({}, {}));
  storage::CompactionConfig want;
  EXPECT_TRUE(p.delete_segments);
  EXPECT_FALSE(p.compact);
  EXPECT_EQ(p.max_message_bytes, 1048588u);
  EXPECT_FALSE(p.log_append_time);
  EXPECT_EQ(p.compression, std::nullopt);
  EXPECT_EQ(p.min_insync_replicas, 1);
  EXPECT_EQ(p.compaction.delete_retention_ms, want.delete_retention_ms);
  EXPECT_EQ(p.compaction.min_cleanable_dirty_ratio, want.min_cleanable_dirty_ratio);
  EXPECT_EQ(p.compaction.key_map_bytes, want.key_map_bytes);
  EXPECT_EQ(p.compaction.max_batch_bytes, want.max_batch_bytes);
}

TEST(TopicConfig, PolicyFromOverridesAndBroker) {
  BrokerSettings broker = {{"message.max.bytes", {"2000000", ConfigSource::kStaticBroker}},
                           {"log.cleaner.dedupe.buffer.size", {"2097152", ConfigSource::kStaticBroker}}};
  Overrides overrides = {{"min.insync.replicas", "2"},
                         {"message.timestamp.type", "LogAppendTime"},
                         {"delete.retention.ms", "5000"},
                         {"min.cleanable.dirty.ratio", "0.1"}};
  TopicPolicy p = to_topic_policy(resolve_topic_config(overrides, broker));
  EXPECT_EQ(p.max_message_bytes, 2000000u);
  EXPECT_EQ(p.min_insync_replicas, 2);
  EXPECT_TRUE(p.log_append_time);
  EXPECT_EQ(p.compaction.delete_retention_ms, 5000);
  EXPECT_DOUBLE_EQ(p.compaction.min_cleanable_dirty_ratio, 0.1);
  EXPECT_EQ(p.compaction.key_map_bytes, 2097152u);
}

TEST(TopicConfig, CompressionTypes) {
  const std::pair<std::string, std::optional<CompressionType>> rows[] = {
      {"producer", std::nullopt},           {"uncompressed", CompressionType::kNone},
      {"gzip", CompressionType::kGzip},     {"snappy", CompressionType::kSnappy},
      {"lz4", CompressionType::kLz4},       {"zstd", CompressionType::kZstd},
  };
  for (const auto& [name, want] : rows) {
    EXPECT_EQ(to_topic_policy(resolve_topic_config({{"compression.type", name}}, {})).compression, want) << name;
  }
  BrokerSettings broker = {{"compression.type", {"zstd", ConfigSource::kStaticBroker}}};
  EXPECT_EQ(to_topic_policy(resolve_topic_config({}, broker)).compression, CompressionType::kZstd);
}

}  // namespace
}  // namespace runnel::cluster
