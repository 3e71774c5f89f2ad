// DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and DescribeLogDirs
// through a LocalBroker: typed requests in, responses decoded as a client
// would decode them.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kafka/error_code.h"
#include "kafka/local_broker.h"
#include "kafka_test_util.h"
#include "protocol/kafka/generated/alter_configs.h"
#include "protocol/kafka/generated/create_topics.h"
#include "protocol/kafka/generated/describe_configs.h"
#include "protocol/kafka/generated/describe_log_dirs.h"
#include "protocol/kafka/generated/incremental_alter_configs.h"
#include "protocol/kafka/generated/produce.h"
#include "../storage/temp_dir.h"

namespace runnel::kafka {
namespace {

using testing::call;
using testing::make_batch;

constexpr int8_t kTopic = 2;
constexpr int8_t kBroker = 4;
constexpr int8_t kSet = 0;
constexpr int8_t kDelete = 1;
constexpr int8_t kAppend = 2;
constexpr int8_t kSubtract = 3;
constexpr int8_t kTopicSource = 1;
constexpr int8_t kStaticBrokerSource = 4;
constexpr int8_t kDefaultSource = 5;

using Entry = DescribeConfigsResponse::DescribeConfigsResourceResult;
using Result = DescribeConfigsResponse::DescribeConfigsResult;

using testing::config_in;

void create_topic(LocalBroker& broker, const std::string& name, int32_t partitions,
                  const std::map<std::string, std::string>& configs = {}) {
  ASSERT_EQ(testing::create_topic(broker, name, partitions, 1, configs).topics[0].error_code, 0);
}

int16_t produce(LocalBroker& broker, const std::string& topic, int32_t partition, std::vector<uint8_t>& batch) {
  return testing::produce(broker, topic, partition, batch).responses[0].partition_responses[0].error_code;
}

struct DescribeArgs {
  int8_t type = kTopic;
  std::optional<std::vector<std::string>> keys;  // nullopt: all
  bool synonyms = false;
  bool documentation = false;
  int16_t version = 4;
};

Result describe(LocalBroker& broker, const std::string& name, const DescribeArgs& args = {}) {
  DescribeConfigsRequest request;
  auto& r = request.resources.emplace_back();
  r.resource_type = args.type;
  r.resource_name = name;
  r.configuration_keys = args.keys;
  request.include_synonyms = args.synonyms;
  request.include_documentation = args.documentation;
  auto response = call<DescribeConfigsResponse>(broker, request, args.version);
  EXPECT_EQ(response.results.size(), 1u);
  return response.results.at(0);
}

const Entry* find_entry(const Result& result, const std::string& name) {
  for (const Entry& e : result.configs) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// The topic's entry for one config, described on its own.
Entry describe_one(LocalBroker& broker, const std::string& topic, const std::string& config) {
  DescribeArgs args;
  args.keys = std::vector<std::string>{config};
  Result result = describe(broker, topic, args);
  EXPECT_EQ(result.error_code, 0);
  EXPECT_EQ(result.configs.size(), 1u);
  return result.configs.empty() ? Entry{} : result.configs[0];
}

struct Op {
  std::string name;
  int8_t op = kSet;
  std::optional<std::string> value;
};

IncrementalAlterConfigsResponse::AlterConfigsResourceResponse incremental(LocalBroker& broker, const std::string& topic,
                                                                          const std::vector<Op>& ops,
                                                                          bool validate_only = false,
                                                                          int8_t type = kTopic) {
  IncrementalAlterConfigsRequest request;
  request.validate_only = validate_only;
  auto& r = request.resources.emplace_back();
  r.resource_type = type;
  r.resource_name = topic;
  for (const Op& op : ops) {
    auto& c = r.configs.emplace_back();
    c.name = op.name;
    c.config_operation = op.op;
    c.value = op.value;
  }
  auto response = call<IncrementalAlterConfigsResponse>(broker, request, 1);
  EXPECT_EQ(response.responses.size(), 1u);
  return response.responses.at(0);
}

AlterConfigsResponse::AlterConfigsResourceResponse alter(LocalBroker& broker, const std::string& topic,
                                                         const std::map<std::string, std::string>& configs,
                                                         bool validate_only = false, int8_t type = kTopic) {
  AlterConfigsRequest request;
  request.validate_only = validate_only;
  auto& r = request.resources.emplace_back();
  r.resource_type = type;
  r.resource_name = topic;
  for (const auto& [k, v] : configs) {
    auto& c = r.configs.emplace_back();
    c.name = k;
    c.value = v;
  }
  auto response = call<AlterConfigsResponse>(broker, request, 2);
  EXPECT_EQ(response.responses.size(), 1u);
  return response.responses.at(0);
}

TEST(ConfigsTest, DescribeTopicReportsDefaultsThenTheOverride) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);

  Result all = describe(broker, "orders");
  EXPECT_EQ(all.error_code, 0);
  EXPECT_FALSE(all.error_message.has_value());
  EXPECT_EQ(all.resource_type, kTopic);
  EXPECT_EQ(all.resource_name, "orders");
  EXPECT_GT(all.configs.size(), 10u);
  const Entry* retention = find_entry(all, "retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->value, "604800000");
  EXPECT_EQ(retention->config_source, kDefaultSource);
  EXPECT_FALSE(retention->read_only);
  EXPECT_FALSE(retention->is_sensitive);
  EXPECT_EQ(retention->config_type, 5);  // LONG
  EXPECT_TRUE(retention->synonyms.empty()) << "synonyms only when asked";
  EXPECT_FALSE(retention->documentation.has_value()) << "documentation only when asked";
  const Entry* policy = find_entry(all, "cleanup.policy");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->config_type, 7);  // LIST

  auto set = incremental(broker, "orders", {{"retention.ms", kSet, "1000"}});
  EXPECT_EQ(set.error_code, 0);
  EXPECT_FALSE(set.error_message.has_value());
  Entry after = describe_one(broker, "orders", "retention.ms");
  EXPECT_EQ(after.value, "1000");
  EXPECT_EQ(after.config_source, kTopicSource);
}

TEST(ConfigsTest, SynonymsDocumentationAndKeyFilter) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1, {{"retention.ms", "5000"}});

  DescribeArgs args;
  args.keys = std::vector<std::string>{"retention.ms", "segment.bytes", "no.such.config"};
  args.synonyms = true;
  args.documentation = true;
  Result result = describe(broker, "orders", args);
  ASSERT_EQ(result.error_code, 0);
  ASSERT_EQ(result.configs.size(), 2u) << "only the keys asked for; unknown keys are skipped";
  const Entry* retention = find_entry(result, "retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->value, "5000");
  ASSERT_GE(retention->synonyms.size(), 2u);
  EXPECT_EQ(retention->synonyms[0].name, "retention.ms");
  EXPECT_EQ(retention->synonyms[0].source, kTopicSource);
  bool broker_synonym = false;
  for (const auto& s : retention->synonyms) broker_synonym |= s.name == "log.retention.ms";
  EXPECT_TRUE(broker_synonym);
  ASSERT_TRUE(retention->documentation.has_value());
  EXPECT_FALSE(retention->documentation->empty());
  EXPECT_NE(find_entry(result, "segment.bytes"), nullptr);

  // An empty key list means every config, as a null one does.
  args.keys = std::vector<std::string>{};
  EXPECT_GT(describe(broker, "orders", args).configs.size(), 10u);
}

TEST(ConfigsTest, BrokerSettingsShowUpAsTopicSynonyms) {
  storage::TempDir dir;
  BrokerConfig config = config_in(dir);
  config.settings["log.retention.ms"] = "7000";
  LocalBroker broker(config);
  create_topic(broker, "orders", 1);
  DescribeArgs args;
  args.keys = std::vector<std::string>{"retention.ms"};
  args.synonyms = true;
  Result result = describe(broker, "orders", args);
  ASSERT_EQ(result.configs.size(), 1u);
  const Entry& e = result.configs[0];
  EXPECT_EQ(e.value, "7000");
  EXPECT_EQ(e.config_source, kStaticBrokerSource);
  ASSERT_FALSE(e.synonyms.empty());
  EXPECT_EQ(e.synonyms[0].name, "log.retention.ms");
  EXPECT_EQ(e.synonyms[0].value, "7000");
  EXPECT_EQ(e.synonyms[0].source, kStaticBrokerSource);
}

TEST(ConfigsTest, OlderVersionsCarryIsDefaultAndNoSynonyms) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1, {{"retention.ms", "5000"}});
  DescribeArgs args;
  args.version = 0;
  Result v0 = describe(broker, "orders", args);
  ASSERT_EQ(v0.error_code, 0);
  const Entry* retention = find_entry(v0, "retention.ms");
  const Entry* segment = find_entry(v0, "segment.bytes");
  ASSERT_NE(retention, nullptr);
  ASSERT_NE(segment, nullptr);
  EXPECT_FALSE(retention->is_default);
  EXPECT_TRUE(segment->is_default);

  args.version = 1;
  args.synonyms = true;
  Result v1 = describe(broker, "orders", args);
  retention = find_entry(v1, "retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->config_source, kTopicSource);
  EXPECT_FALSE(retention->synonyms.empty());
}

TEST(ConfigsTest, DescribeBrokerListsStaticConfigs) {
  storage::TempDir dir;
  BrokerConfig config = config_in(dir);
  config.settings["num.partitions"] = "3";
  LocalBroker broker(config);
  DescribeArgs args;
  args.type = kBroker;
  Result result = describe(broker, "0", args);
  ASSERT_EQ(result.error_code, 0);
  const Entry* partitions = find_entry(result, "num.partitions");
  ASSERT_NE(partitions, nullptr);
  EXPECT_EQ(partitions->value, "3");
  EXPECT_EQ(partitions->config_source, kStaticBrokerSource);
  EXPECT_TRUE(partitions->read_only);
  EXPECT_EQ(partitions->config_type, 3);  // INT
  const Entry* retention = find_entry(result, "log.retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->config_source, kDefaultSource);

  // The cluster-wide dynamic defaults: Runnel has none.
  Result defaults = describe(broker, "", args);
  EXPECT_EQ(defaults.error_code, 0);
  EXPECT_TRUE(defaults.configs.empty());

  EXPECT_EQ(describe(broker, "7", args).error_code, code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(describe(broker, "x", args).error_code, code(ErrorCode::kInvalidRequest));
  args.type = 99;
  EXPECT_EQ(describe(broker, "0", args).error_code, code(ErrorCode::kInvalidRequest));
}

TEST(ConfigsTest, UnknownAndInvalidTopicsFailPerResource) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);

  DescribeConfigsRequest request;
  for (const char* name : {"orders", "missing", "bad/name"}) {
    auto& r = request.resources.emplace_back();
    r.resource_type = kTopic;
    r.resource_name = name;
    r.configuration_keys = std::nullopt;
  }
  auto response = call<DescribeConfigsResponse>(broker, request, 4);
  ASSERT_EQ(response.results.size(), 3u);
  EXPECT_EQ(response.results[0].error_code, 0);
  EXPECT_EQ(response.results[1].error_code, code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_TRUE(response.results[1].configs.empty());
  EXPECT_EQ(response.results[2].error_code, code(ErrorCode::kInvalidTopicException));

  EXPECT_EQ(alter(broker, "missing", {{"retention.ms", "1"}}).error_code, code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(incremental(broker, "missing", {{"retention.ms", kSet, "1"}}).error_code,
            code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(incremental(broker, "bad/name", {{"retention.ms", kSet, "1"}}).error_code,
            code(ErrorCode::kInvalidTopicException));
  EXPECT_EQ(incremental(broker, "", {{"retention.ms", kSet, "1"}}).error_code, code(ErrorCode::kInvalidRequest));
}

TEST(ConfigsTest, AlterConfigsReplacesTheWholeOverrideSet) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1, {{"retention.ms", "5000"}, {"cleanup.policy", "compact"}});

  auto result = alter(broker, "orders", {{"segment.bytes", "1048576"}});
  EXPECT_EQ(result.error_code, 0);
  EXPECT_FALSE(result.error_message.has_value());
  EXPECT_EQ(result.resource_name, "orders");
  Entry retention = describe_one(broker, "orders", "retention.ms");
  EXPECT_EQ(retention.config_source, kDefaultSource) << "overrides not named are dropped";
  EXPECT_EQ(retention.value, "604800000");
  EXPECT_EQ(describe_one(broker, "orders", "cleanup.policy").value, "delete");
  Entry segment = describe_one(broker, "orders", "segment.bytes");
  EXPECT_EQ(segment.config_source, kTopicSource);
  EXPECT_EQ(segment.value, "1048576");
}

TEST(ConfigsTest, InvalidValuesAreInvalidConfigWithTheReason) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);

  auto legacy = alter(broker, "orders", {{"retention.ms", "abc"}});
  EXPECT_EQ(legacy.error_code, code(ErrorCode::kInvalidConfig));
  ASSERT_TRUE(legacy.error_message.has_value());
  EXPECT_NE(legacy.error_message->find("retention.ms"), std::string::npos);

  auto inc = incremental(broker, "orders", {{"retention.ms", kSet, "abc"}});
  EXPECT_EQ(inc.error_code, code(ErrorCode::kInvalidConfig));
  ASSERT_TRUE(inc.error_message.has_value());
  EXPECT_NE(inc.error_message->find("abc"), std::string::npos);

  EXPECT_EQ(incremental(broker, "orders", {{"no.such.config", kSet, "1"}}).error_code, code(ErrorCode::kInvalidConfig));
  EXPECT_EQ(alter(broker, "orders", {{"no.such.config", "1"}}).error_code, code(ErrorCode::kInvalidConfig));
  // Nothing changed.
  EXPECT_EQ(describe_one(broker, "orders", "retention.ms").config_source, kDefaultSource);
}

TEST(ConfigsTest, ValidateOnlyChangesNothing) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", kSet, "1000"}}, true).error_code, 0);
  EXPECT_EQ(alter(broker, "orders", {{"retention.ms", "1000"}}, true).error_code, 0);
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", kSet, "abc"}}, true).error_code,
            code(ErrorCode::kInvalidConfig));
  Entry retention = describe_one(broker, "orders", "retention.ms");
  EXPECT_EQ(retention.config_source, kDefaultSource);
  EXPECT_EQ(retention.value, "604800000");
}

TEST(ConfigsTest, IncrementalDeleteRevertsToTheDefault) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1, {{"retention.ms", "5000"}, {"segment.bytes", "1048576"}});
  EXPECT_EQ(describe_one(broker, "orders", "retention.ms").config_source, kTopicSource);
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", kDelete, std::nullopt}}).error_code, 0);
  Entry retention = describe_one(broker, "orders", "retention.ms");
  EXPECT_EQ(retention.config_source, kDefaultSource);
  EXPECT_EQ(retention.value, "604800000");
  EXPECT_EQ(describe_one(broker, "orders", "segment.bytes").config_source, kTopicSource) << "others are kept";
  // Deleting what is not set is fine.
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", kDelete, std::nullopt}}).error_code, 0);
}

TEST(ConfigsTest, AppendAndSubtractWorkOnListsOnly) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);
  EXPECT_EQ(incremental(broker, "orders", {{"cleanup.policy", kAppend, "compact"}}).error_code, 0);
  Entry policy = describe_one(broker, "orders", "cleanup.policy");
  EXPECT_EQ(policy.value, "delete,compact") << "appended to the effective value";
  EXPECT_EQ(policy.config_source, kTopicSource);
  // Appending what is there already changes nothing.
  EXPECT_EQ(incremental(broker, "orders", {{"cleanup.policy", kAppend, "compact"}}).error_code, 0);
  EXPECT_EQ(describe_one(broker, "orders", "cleanup.policy").value, "delete,compact");
  EXPECT_EQ(incremental(broker, "orders", {{"cleanup.policy", kSubtract, "delete"}}).error_code, 0);
  EXPECT_EQ(describe_one(broker, "orders", "cleanup.policy").value, "compact");

  auto not_list = incremental(broker, "orders", {{"retention.ms", kAppend, "5"}});
  EXPECT_EQ(not_list.error_code, code(ErrorCode::kInvalidConfig));
  EXPECT_EQ(incremental(broker, "orders", {{"cleanup.policy", kAppend, "sometimes"}}).error_code,
            code(ErrorCode::kInvalidConfig));
}

TEST(ConfigsTest, MalformedAltersAreInvalidRequests) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 1);
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", kSet, "1"}, {"retention.ms", kDelete, std::nullopt}})
                .error_code,
            code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", kSet, std::nullopt}}).error_code,
            code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(incremental(broker, "orders", {{"retention.ms", 9, "1"}}).error_code, code(ErrorCode::kInvalidRequest));

  // The same resource twice: both fail.
  IncrementalAlterConfigsRequest twice;
  for (int i = 0; i < 2; ++i) {
    auto& r = twice.resources.emplace_back();
    r.resource_type = kTopic;
    r.resource_name = "orders";
    auto& c = r.configs.emplace_back();
    c.name = "retention.ms";
    c.value = "1000";
  }
  auto response = call<IncrementalAlterConfigsResponse>(broker, twice, 1);
  ASSERT_EQ(response.responses.size(), 2u);
  EXPECT_EQ(response.responses[0].error_code, code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(response.responses[1].error_code, code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(describe_one(broker, "orders", "retention.ms").config_source, kDefaultSource);
}

TEST(ConfigsTest, BrokerConfigsCannotBeAltered) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  auto inc = incremental(broker, "0", {{"num.partitions", kSet, "3"}}, false, kBroker);
  EXPECT_EQ(inc.error_code, code(ErrorCode::kInvalidRequest));
  ASSERT_TRUE(inc.error_message.has_value());
  EXPECT_NE(inc.error_message->find("runtime"), std::string::npos);
  EXPECT_EQ(inc.resource_type, kBroker);
  EXPECT_EQ(alter(broker, "", {{"num.partitions", "3"}}, false, kBroker).error_code, code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(alter(broker, "5", {}, false, kBroker).error_code, code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(alter(broker, "orders", {{"num.partitions", "3"}}, false, 99).error_code,
            code(ErrorCode::kInvalidRequest));
}

TEST(ConfigsTest, AlteredConfigsTakeEffectOnThePartitionAndSurviveARestart) {
  storage::TempDir dir;
  {
    LocalBroker broker(config_in(dir));
    create_topic(broker, "orders", 1);
    auto batch = make_batch(50);
    EXPECT_EQ(produce(broker, "orders", 0, batch), 0);
    EXPECT_EQ(incremental(broker, "orders", {{"max.message.bytes", kSet, "200"}}).error_code, 0);
    auto again = make_batch(50);
    EXPECT_EQ(produce(broker, "orders", 0, again), code(ErrorCode::kMessageTooLarge));
  }
  LocalBroker broker(config_in(dir));
  EXPECT_EQ(describe_one(broker, "orders", "max.message.bytes").value, "200");
  auto batch = make_batch(50);
  EXPECT_EQ(produce(broker, "orders", 0, batch), code(ErrorCode::kMessageTooLarge));
  EXPECT_EQ(incremental(broker, "orders", {{"max.message.bytes", kDelete, std::nullopt}}).error_code, 0);
  EXPECT_EQ(produce(broker, "orders", 0, batch), 0);
}

DescribeLogDirsResponse describe_log_dirs(LocalBroker& broker,
                                          std::optional<std::vector<DescribeLogDirsRequest::DescribableLogDirTopic>> topics,
                                          int16_t version = 4) {
  DescribeLogDirsRequest request;
  request.topics = std::move(topics);
  return call<DescribeLogDirsResponse>(broker, request, version);
}

TEST(ConfigsTest, DescribeLogDirsReportsPartitionSizes) {
  storage::TempDir dir;
  LocalBroker broker(config_in(dir));
  create_topic(broker, "orders", 2);
  create_topic(broker, "other", 1);
  auto batch = make_batch(10);
  ASSERT_EQ(produce(broker, "orders", 1, batch), 0);

  auto all = describe_log_dirs(broker, std::nullopt);
  EXPECT_EQ(all.error_code, 0);
  ASSERT_EQ(all.results.size(), 1u);
  const auto& logdir = all.results[0];
  EXPECT_EQ(logdir.error_code, 0);
  EXPECT_EQ(logdir.log_dir, dir.path() + "/kafka");
  EXPECT_GT(logdir.total_bytes, 0);
  EXPECT_GE(logdir.usable_bytes, 0);
  EXPECT_LE(logdir.usable_bytes, logdir.total_bytes);
  ASSERT_EQ(logdir.topics.size(), 2u);
  EXPECT_EQ(logdir.topics[0].name, "orders");
  ASSERT_EQ(logdir.topics[0].partitions.size(), 2u);
  EXPECT_EQ(logdir.topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(logdir.topics[0].partitions[0].partition_size, 0);
  EXPECT_EQ(logdir.topics[0].partitions[1].partition_index, 1);
  EXPECT_EQ(logdir.topics[0].partitions[1].partition_size, static_cast<int64_t>(batch.size()));
  EXPECT_EQ(logdir.topics[0].partitions[1].offset_lag, 0);
  EXPECT_FALSE(logdir.topics[0].partitions[1].is_future_key);
  EXPECT_EQ(logdir.topics[1].name, "other");

  // Only what is asked for; partitions and topics this node lacks are left out.
  std::vector<DescribeLogDirsRequest::DescribableLogDirTopic> wanted(2);
  wanted[0].topic = "orders";
  wanted[0].partitions = {1, 7};
  wanted[1].topic = "missing";
  wanted[1].partitions = {0};
  auto some = describe_log_dirs(broker, wanted, 1);
  ASSERT_EQ(some.results.size(), 1u);
  ASSERT_EQ(some.results[0].topics.size(), 1u);
  ASSERT_EQ(some.results[0].topics[0].partitions.size(), 1u);
  EXPECT_EQ(some.results[0].topics[0].partitions[0].partition_index, 1);
  EXPECT_GT(some.results[0].topics[0].partitions[0].partition_size, 0);
  EXPECT_EQ(some.results[0].log_dir, dir.path() + "/kafka");
}

}  // namespace
}  // namespace runnel::kafka
