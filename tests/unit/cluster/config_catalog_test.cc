#include "cluster/config_catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace runnel::cluster {
namespace {

std::string problem_of(std::string_view name, std::string_view value) {
  return validate_topic_setting(name, value).value_or("<accepted>");
}

std::string canonical(std::string_view name, std::string_view value) {
  const ConfigSpec* spec = find_topic_config(name);
  EXPECT_NE(spec, nullptr) << name;
  if (spec == nullptr) return "<unknown>";
  ConfigCheck check = check_config_value(*spec, value);
  return check.ok() ? check.value : "<rejected: " + *check.problem + ">";
}

TEST(ConfigCatalog, TypeCodesAreKafkas) {
  EXPECT_EQ(static_cast<int>(ConfigType::kBoolean), 1);
  EXPECT_EQ(static_cast<int>(ConfigType::kString), 2);
  EXPECT_EQ(static_cast<int>(ConfigType::kInt), 3);
  EXPECT_EQ(static_cast<int>(ConfigType::kShort), 4);
  EXPECT_EQ(static_cast<int>(ConfigType::kLong), 5);
  EXPECT_EQ(static_cast<int>(ConfigType::kDouble), 6);
  EXPECT_EQ(static_cast<int>(ConfigType::kList), 7);
  EXPECT_EQ(static_cast<int>(ConfigType::kClass), 8);
  EXPECT_EQ(static_cast<int>(ConfigType::kPassword), 9);
  EXPECT_EQ(config_type_name(ConfigType::kLong), "LONG");
  EXPECT_EQ(config_type_name(ConfigType::kList), "LIST");
}

TEST(ConfigCatalog, NamesAreUniqueAndDocumented) {
  for (auto specs : {topic_config_specs(), broker_config_specs()}) {
    std::set<std::string_view> seen;
    for (const ConfigSpec& spec : specs) {
      EXPECT_TRUE(seen.insert(spec.name).second) << "duplicate " << spec.name;
      EXPECT_FALSE(spec.doc.empty()) << spec.name;
      EXPECT_LE(spec.doc.size(), 130u) << spec.name << ": documentation should be one line";
    }
  }
}

TEST(ConfigCatalog, DefaultsPassTheirOwnValidatorsInCanonicalForm) {
  for (auto specs : {topic_config_specs(), broker_config_specs()}) {
    for (const ConfigSpec& spec : specs) {
      if (!spec.default_value) continue;
      ConfigCheck check = check_config_value(spec, *spec.default_value);
      ASSERT_TRUE(check.ok()) << spec.name << ": " << *check.problem;
      EXPECT_EQ(check.value, *spec.default_value) << spec.name;
    }
  }
}

// A topic with no override inherits its first broker synonym's default, so
// the two catalogs must agree, and every synonym must be a broker config.
TEST(ConfigCatalog, TopicDefaultsMatchTheirBrokerSynonyms) {
  for (const ConfigSpec& spec : topic_config_specs()) {
    for (const BrokerSynonym& synonym : spec.synonyms) {
      const ConfigSpec* broker = find_broker_config(synonym.name);
      ASSERT_NE(broker, nullptr) << spec.name << " -> " << synonym.name;
      EXPECT_GE(synonym.unit, 1);
    }
    if (spec.synonyms.empty()) continue;
    const ConfigSpec* primary = find_broker_config(spec.synonyms.front().name);
    EXPECT_EQ(spec.synonyms.front().unit, 1) << spec.name;
    EXPECT_EQ(primary->default_value, spec.default_value) << spec.name;
    EXPECT_EQ(primary->choices.size(), spec.choices.size()) << spec.name;
  }
}

TEST(ConfigCatalog, HonouredTopicConfigsAreExactlyTheOnesRunnelActsOn) {
  std::set<std::string_view> honoured;
  for (const ConfigSpec& spec : topic_config_specs()) {
    if (spec.honoured) honoured.insert(spec.name);
  }
  std::set<std::string_view> expected = {
      "cleanup.policy",      "retention.ms",        "retention.bytes",        "segment.bytes",
      "segment.ms",          "max.message.bytes",   "message.timestamp.type", "compression.type",
      "min.insync.replicas", "flush.ms",            "flush.bytes",            "write.caching",
      "delete.retention.ms", "min.cleanable.dirty.ratio", "index.interval.bytes", "segment.index.bytes",
  };
  EXPECT_EQ(honoured, expected);
}

TEST(ConfigCatalog, ExpectedTopicConfigsAndSynonyms) {
  struct Row {
    std::string_view name;
    ConfigType type;
    std::string_view def;
    std::string_view synonym;
  };
  const Row rows[] = {
      {"retention.ms", ConfigType::kLong, "604800000", "log.retention.ms"},
      {"segment.bytes", ConfigType::kInt, "1073741824", "log.segment.bytes"},
      {"max.message.bytes", ConfigType::kInt, "1048588", "message.max.bytes"},
      {"cleanup.policy", ConfigType::kList, "delete", "log.cleanup.policy"},
      {"message.timestamp.type", ConfigType::kString, "CreateTime", "log.message.timestamp.type"},
      {"compression.type", ConfigType::kString, "producer", "compression.type"},
      {"min.insync.replicas", ConfigType::kInt, "1", "min.insync.replicas"},
      {"segment.ms", ConfigType::kLong, "604800000", "log.roll.ms"},
      {"retention.bytes", ConfigType::kLong, "-1", "log.retention.bytes"},
      {"flush.messages", ConfigType::kLong, "9223372036854775807", "log.flush.interval.messages"},
      {"flush.ms", ConfigType::kLong, "100", "log.flush.interval.ms"},
      {"flush.bytes", ConfigType::kLong, "262144", "log.flush.interval.bytes"},
      {"write.caching", ConfigType::kBoolean, "false", "write.caching.default"},
      {"delete.retention.ms", ConfigType::kLong, "86400000", "log.cleaner.delete.retention.ms"},
      {"min.cleanable.dirty.ratio", ConfigType::kDouble, "0.5", "log.cleaner.min.cleanable.ratio"},
      {"min.compaction.lag.ms", ConfigType::kLong, "0", "log.cleaner.min.compaction.lag.ms"},
      {"segment.index.bytes", ConfigType::kInt, "10485760", "log.index.size.max.bytes"},
      {"index.interval.bytes", ConfigType::kInt, "4096", "log.index.interval.bytes"},
      {"unclean.leader.election.enable", ConfigType::kBoolean, "false", "unclean.leader.election.enable"},
      {"preallocate", ConfigType::kBoolean, "false", "log.preallocate"},
  };
  for (const Row& row : rows) {
    const ConfigSpec* spec = find_topic_config(row.name);
    ASSERT_NE(spec, nullptr) << row.name;
    EXPECT_EQ(spec->type, row.type) << row.name;
    EXPECT_EQ(spec->default_value, std::optional<std::string_view>(row.def)) << row.name;
    ASSERT_FALSE(spec->synonyms.empty()) << row.name;
    EXPECT_EQ(spec->synonyms.front().name, row.synonym) << row.name;
  }
  const ConfigSpec* retention = find_topic_config("retention.ms");
  ASSERT_EQ(retention->synonyms.size(), 3u);
  EXPECT_EQ(retention->synonyms[1].name, "log.retention.minutes");
  EXPECT_EQ(retention->synonyms[1].unit, 60'000);
  EXPECT_EQ(retention->synonyms[2].name, "log.retention.hours");
  EXPECT_EQ(retention->synonyms[2].unit, 3'600'000);
  EXPECT_EQ(find_topic_config("log.retention.ms"), nullptr);
  EXPECT_EQ(find_topic_config(""), nullptr);
}

TEST(ConfigCatalog, ExpectedBrokerDefaults) {
  const std::pair<std::string_view, std::string_view> rows[] = {
      {"auto.create.topics.enable", "true"},
      {"num.partitions", "1"},
      {"default.replication.factor", "1"},
      {"message.max.bytes", "1048588"},
      {"socket.request.max.bytes", "104857600"},
      {"log.retention.ms", "604800000"},
      {"log.segment.bytes", "1073741824"},
      {"log.roll.ms", "604800000"},
      {"log.retention.bytes", "-1"},
      {"log.cleanup.policy", "delete"},
      {"log.message.timestamp.type", "CreateTime"},
      {"compression.type", "producer"},
      {"min.insync.replicas", "1"},
      {"delete.topic.enable", "true"},
      {"producer.id.expiration.ms", "86400000"},
      {"group.initial.rebalance.delay.ms", "3000"},
      {"offsets.topic.num.partitions", "16"},
      {"broker.id", "0"},
  };
  for (const auto& [name, def] : rows) {
    const ConfigSpec* spec = find_broker_config(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->default_value, std::optional<std::string_view>(def)) << name;
  }
  ASSERT_NE(find_broker_config("log.dirs"), nullptr);
  ASSERT_NE(find_broker_config("log.retention.minutes"), nullptr);
  EXPECT_FALSE(find_broker_config("log.retention.minutes")->default_value.has_value());
  EXPECT_EQ(find_broker_config("retention.ms"), nullptr);
}

TEST(ConfigCatalog, UnknownNamesAreRefusedInKafkasWords) {
  EXPECT_EQ(problem_of("x", "1"), "Unknown topic config name: x");
  EXPECT_EQ(problem_of("log.retention.ms", "1"), "Unknown topic config name: log.retention.ms");
  EXPECT_EQ(validate_broker_setting("retention.ms", "1"), "Unknown broker config name: retention.ms");
}

TEST(ConfigCatalog, NumbersParseCompletelyAndInRange) {
  EXPECT_EQ(problem_of("retention.ms", "abc"),
            "Invalid value abc for configuration retention.ms: Not a number of type LONG");
  EXPECT_EQ(problem_of("segment.bytes", "1e9"),
            "Invalid value 1e9 for configuration segment.bytes: Not a number of type INT");
  EXPECT_EQ(problem_of("segment.bytes", "2147483648"),
            "Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT");
  EXPECT_EQ(problem_of("retention.ms", "9223372036854775808"),
            "Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG");
  for (std::string_view bad : {"", " ", "-", "+", "1 000", "1_000", "0x10", "12ms", "5.0", "--5", "+-5", "++5"}) {
    EXPECT_NE(validate_topic_setting("retention.ms", bad), std::nullopt) << "'" << bad << "'";
  }
  EXPECT_EQ(canonical("retention.ms", " 1000 "), "1000");
  EXPECT_EQ(canonical("retention.ms", "+1000"), "1000");
  EXPECT_EQ(canonical("retention.ms", "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(canonical("retention.ms", "-1"), "-1");
  EXPECT_EQ(problem_of("retention.ms", "-2"), "Invalid value -2 for configuration retention.ms: Value must be at least -1");
  EXPECT_EQ(problem_of("compression.zstd.level", "23"),
            "Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22");
}

struct Case {
  std::string_view name;
  std::vector<std::string_view> good;
  std::vector<std::string_view> bad;
};

TEST(ConfigCatalog, EveryHonouredTopicConfigAcceptsGoodAndRefusesBadValues) {
  const Case cases[] = {
      {"cleanup.policy", {"delete", "compact", "compact,delete", "delete,compact", " compact , delete "},
       {"", "none", "Delete", "compact,,delete", "compact;delete", ","}},
      {"retention.ms", {"-1", "0", "1", "604800000", "9223372036854775807"}, {"-2", "x", "1.5", ""}},
      {"retention.bytes", {"-1", "0", "1073741824", "9223372036854775807"}, {"x", "1GB", "9223372036854775808"}},
      {"segment.bytes", {"14", "1048576", "1073741824", "2147483647"}, {"13", "0", "-1", "2147483648", "1g"}},
      {"segment.ms", {"1", "3600000", "9223372036854775807"}, {"0", "-1", "x"}},
      {"max.message.bytes", {"0", "1", "1048588", "2147483647"}, {"-1", "2147483648", "1MB"}},
      {"message.timestamp.type", {"CreateTime", "LogAppendTime", " LogAppendTime "},
       {"", "createtime", "LOG_APPEND_TIME", "NoTimestampType"}},
      {"compression.type", {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"},
       {"", "none", "GZIP", "brotli", "gzip,lz4"}},
      {"min.insync.replicas", {"1", "2", "2147483647"}, {"0", "-1", "one"}},
      {"flush.ms", {"0", "1", "100", "9223372036854775807"}, {"-1", "1s"}},
      {"flush.bytes", {"1", "262144", "9223372036854775807"}, {"0", "-1", "256k"}},
      {"write.caching", {"true", "false", "TRUE", "False"}, {"", "yes", "1", "disabled"}},
      {"delete.retention.ms", {"0", "86400000"}, {"-1", "1d"}},
      {"min.cleanable.dirty.ratio", {"0", "1", "0.5", "0.01", "1e-1", "1.0", " 0.25 ", "+0.5"},
       {"-0.1", "1.01", "nan", "NaN", "inf", "-inf", "0.5x", "", "0,5", "half"}},
      {"index.interval.bytes", {"0", "4096"}, {"-1", "4k"}},
      {"segment.index.bytes", {"4", "10485760"}, {"3", "0"}},
  };
  for (const Case& c : cases) {
    const ConfigSpec* spec = find_topic_config(c.name);
    ASSERT_NE(spec, nullptr) << c.name;
    EXPECT_TRUE(spec->honoured) << c.name;
    for (std::string_view v : c.good) {
      EXPECT_EQ(validate_topic_setting(c.name, v), std::nullopt) << c.name << "='" << v << "'";
    }
    for (std::string_view v : c.bad) {
      auto problem = validate_topic_setting(c.name, v);
      ASSERT_NE(problem, std::nullopt) << c.name << "='" << v << "'";
      EXPECT_NE(problem->find(std::string("for configuration ") + std::string(c.name) + ": "), std::string::npos)
          << *problem;
    }
  }
}

TEST(ConfigCatalog, ChoiceMessagesListTheChoices) {
  EXPECT_EQ(problem_of("compression.type", "brotli"),
            "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, "
            "lz4, snappy, gzip, producer");
  EXPECT_EQ(problem_of("message.timestamp.type", "x"),
            "Invalid value x for configuration message.timestamp.type: String must be one of: CreateTime, "
            "LogAppendTime");
  EXPECT_EQ(problem_of("cleanup.policy", "compact,none"),
            "Invalid value none for configuration cleanup.policy: String must be one of: compact, delete");
  EXPECT_EQ(problem_of("write.caching", "yes"),
            "Invalid value yes for configuration write.caching: Expected value to be either true or false");
  EXPECT_EQ(problem_of("min.cleanable.dirty.ratio", "2"),
            "Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no more than 1");
  EXPECT_EQ(problem_of("min.cleanable.dirty.ratio", "x"),
            "Invalid value x for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE");
}

TEST(ConfigCatalog, CanonicalFormsAreWhatKafkaReports) {
  EXPECT_EQ(canonical("cleanup.policy", " compact , delete "), "compact,delete");
  EXPECT_EQ(canonical("cleanup.policy", "delete,compact"), "delete,compact");
  EXPECT_EQ(canonical("write.caching", "TRUE"), "true");
  EXPECT_EQ(canonical("compression.type", " zstd"), "zstd");
  EXPECT_EQ(canonical("segment.bytes", "0001048576"), "1048576");
  EXPECT_EQ(canonical("follower.replication.throttled.replicas", "0:1, 1:1"), "0:1,1:1");
  EXPECT_EQ(canonical("leader.replication.throttled.replicas", ""), "");
}

TEST(ConfigCatalog, StoredOnlyConfigsAreValidatedToo) {
  EXPECT_EQ(validate_topic_setting("flush.messages", "1"), std::nullopt);
  EXPECT_NE(validate_topic_setting("flush.messages", "0"), std::nullopt);
  EXPECT_EQ(validate_topic_setting("preallocate", "true"), std::nullopt);
  EXPECT_NE(validate_topic_setting("preallocate", "maybe"), std::nullopt);
  EXPECT_NE(validate_topic_setting("max.compaction.lag.ms", "0"), std::nullopt);
  EXPECT_EQ(validate_topic_setting("local.retention.ms", "-2"), std::nullopt);
  EXPECT_NE(validate_topic_setting("local.retention.ms", "-3"), std::nullopt);
  EXPECT_EQ(validate_topic_setting("redpanda.remote.write", "false"), std::nullopt);
  EXPECT_FALSE(find_topic_config("redpanda.remote.write")->honoured);
}

TEST(ConfigCatalog, BrokerSettingsAreValidated) {
  EXPECT_EQ(validate_broker_setting("num.partitions", "3"), std::nullopt);
  EXPECT_EQ(validate_broker_setting("num.partitions", "0"),
            "Invalid value 0 for configuration num.partitions: Value must be at least 1");
  EXPECT_EQ(validate_broker_setting("auto.create.topics.enable", "false"), std::nullopt);
  EXPECT_NE(validate_broker_setting("auto.create.topics.enable", "off"), std::nullopt);
  EXPECT_EQ(validate_broker_setting("log.retention.hours", "24"), std::nullopt);
  EXPECT_EQ(validate_broker_setting("offsets.topic.replication.factor", "32767"), std::nullopt);
  EXPECT_EQ(validate_broker_setting("offsets.topic.replication.factor", "32768"),
            "Invalid value 32768 for configuration offsets.topic.replication.factor: Not a number of type SHORT");
  EXPECT_NE(validate_broker_setting("log.cleanup.policy", "none"), std::nullopt);
  EXPECT_NE(validate_broker_setting("socket.request.max.bytes", "0"), std::nullopt);
}

TEST(ConfigCatalog, HugeValuesAreRefusedWithoutEchoingThem) {
  std::string huge(2 << 20, 'a');
  auto problem = validate_topic_setting("follower.replication.throttled.replicas", huge);
  ASSERT_NE(problem, std::nullopt);
  EXPECT_LT(problem->size(), 200u);
}

TEST(ConfigCatalog, Parsers) {
  EXPECT_EQ(parse_config_long(" 42 "), 42);
  EXPECT_EQ(parse_config_long("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_config_long("4 2"), std::nullopt);
  EXPECT_EQ(parse_config_long(""), std::nullopt);
  EXPECT_EQ(parse_config_double("0.25"), 0.25);
  EXPECT_EQ(parse_config_double("inf"), std::nullopt);
  EXPECT_EQ(parse_config_bool(" True "), true);
  EXPECT_EQ(parse_config_bool("FALSE"), false);
  EXPECT_EQ(parse_config_bool("0"), std::nullopt);
  EXPECT_EQ(split_config_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_config_list(" a , b,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_config_list("a,,b"), (std::vector<std::string>{"a", "", "b"}));
}

}  // namespace
}  // namespace runnel::cluster
