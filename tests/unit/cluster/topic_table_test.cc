#include "cluster/topic_table.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace runnel::cluster {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/runnel-cluster-test-XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TopicInfo topic(std::string name, int32_t partitions = 3) {
  TopicInfo t;
  t.name = std::move(name);
  t.id = random_uuid();
  t.partitions = partitions;
  t.replication_factor = 1;
  return t;
}

TopicTable open_ok(const std::string& dir) {
  MetaResult<TopicTable> table = TopicTable::open(dir);
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error());
  return std::move(table).value();
}

std::vector<std::string> names(const TopicTable& table) {
  std::vector<std::string> out;
  for (const auto& [name, t] : table.all()) out.push_back(t.name);
  return out;
}

TEST(TopicTable, FirstOpenCreatesAnEmptyTableWithAStableClusterId) {
  TempDir dir;
  std::string meta = dir.path() + "/meta";
  std::string id;
  {
    TopicTable table = open_ok(meta);
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.path(), meta + "/topics.json");
    EXPECT_TRUE(fs::exists(table.path()));
    id = table.cluster_id();
    ASSERT_EQ(id.size(), 22u);
    auto parsed = uuid_from_base64(id);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_FALSE(parsed->is_zero());
    EXPECT_EQ(parsed->bytes[6] >> 4, 4);  // version 4
  }
  EXPECT_EQ(open_ok(meta).cluster_id(), id);
  TempDir other;
  EXPECT_NE(open_ok(other.path()).cluster_id(), id);
}

TEST(TopicTable, CreateFindAndReopen) {
  TempDir dir;
  TopicInfo orders = topic("orders", 6);
  orders.configs = {{"retention.ms", "1000"}, {"cleanup.policy", "compact,delete"}};
  TopicInfo clicks = topic("clicks", 1);
  clicks.configs = {{"weird", "quote \" backslash \\ newline \n tab \t unicode \xc3\xa9 nul-free"}};
  {
    TopicTable table = open_ok(dir.path());
    ASSERT_TRUE(table.create(orders).ok());
    ASSERT_TRUE(table.create(clicks).ok());
    ASSERT_NE(table.find("orders"), nullptr);
    EXPECT_EQ(*table.find("orders"), orders);
    EXPECT_EQ(*table.find(orders.id), orders);
    EXPECT_EQ(*table.find(clicks.id), clicks);
    EXPECT_EQ(table.find("missing"), nullptr);
    EXPECT_EQ(table.find(random_uuid()), nullptr);
    EXPECT_EQ(table.find(Uuid{}), nullptr);
    EXPECT_EQ(names(table), (std::vector<std::string>{"clicks", "orders"}));
  }
  TopicTable again = open_ok(dir.path());
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(*again.find("orders"), orders);
  EXPECT_EQ(*again.find("clicks"), clicks);
  EXPECT_EQ(*again.find(orders.id), orders);
  EXPECT_EQ(again.find(orders.id)->name, "orders");
}

TEST(TopicTable, DuplicatesAreRejectedAndChangeNothing) {
  TempDir dir;
  TopicTable table = open_ok(dir.path());
  TopicInfo first = topic("a");
  ASSERT_TRUE(table.create(first).ok());
  std::string before = read_all(table.path());

  TopicInfo same_name = topic("a", 9);
  MetaStatus s = table.create(same_name);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), MetaErrc::kExists);
  EXPECT_EQ(s.error(), "Topic 'a' already exists.");
  EXPECT_EQ(table.find("a")->partitions, 3);

  TopicInfo same_id = topic("b");
  same_id.id = first.id;
  s = table.create(same_id);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), MetaErrc::kExists);
  EXPECT_EQ(table.find("b"), nullptr);
  EXPECT_EQ(read_all(table.path()), before);
}

TEST(TopicTable, InvalidTopicsAreRejected) {
  TempDir dir;
  TopicTable table = open_ok(dir.path());
  auto rejected = [&](TopicInfo t) {
    MetaStatus s = table.create(std::move(t));
    EXPECT_FALSE(s.ok());
    return s.ok() ? MetaErrc::kIo : s.code();
  };
  EXPECT_EQ(rejected(topic("bad name")), MetaErrc::kInvalid);
  EXPECT_EQ(rejected(topic("")), MetaErrc::kInvalid);
  EXPECT_EQ(rejected(topic("..")), MetaErrc::kInvalid);
  EXPECT_EQ(rejected(topic(std::string(250, 'x'))), MetaErrc::kInvalid);
  TopicInfo zero = topic("zero");
  zero.id = Uuid{};
  EXPECT_EQ(rejected(zero), MetaErrc::kInvalid);
  EXPECT_EQ(rejected(topic("none", 0)), MetaErrc::kInvalid);
  EXPECT_EQ(rejected(topic("negative", -1)), MetaErrc::kInvalid);
  TopicInfo rf = topic("rf");
  rf.replication_factor = 0;
  EXPECT_EQ(rejected(rf), MetaErrc::kInvalid);
  TopicInfo config = topic("config");
  config.configs[""] = "x";
  EXPECT_EQ(rejected(config), MetaErrc::kInvalid);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(open_ok(dir.path()).size(), 0u);
}

TEST(TopicTable, RemoveAddPartitionsAndSetConfigsPersist) {
  TempDir dir;
  TopicInfo a = topic("a", 2);
  TopicInfo b = topic("b", 2);
  {
    TopicTable table = open_ok(dir.path());
    ASSERT_TRUE(table.create(a).ok());
    ASSERT_TRUE(table.create(b).ok());
    ASSERT_TRUE(table.add_partitions("a", 5).ok());
    EXPECT_EQ(table.find("a")->partitions, 5);
    ASSERT_TRUE(table.set_configs("a", {{"segment.bytes", "1048576"}}).ok());
    ASSERT_TRUE(table.set_configs("a", {{"retention.ms", "1"}}).ok());  // replaces, not merges
    ASSERT_TRUE(table.remove("b").ok());
    EXPECT_EQ(table.find("b"), nullptr);
    EXPECT_EQ(table.find(b.id), nullptr);
  }
  TopicTable again = open_ok(dir.path());
  ASSERT_EQ(again.size(), 1u);
  const TopicInfo* got = again.find(a.id);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->partitions, 5);
  EXPECT_EQ(got->configs, (std::map<std::string, std::string>{{"retention.ms", "1"}}));
  EXPECT_EQ(again.find("b"), nullptr);

  // The name can be used again, with a new id.
  TopicInfo b2 = topic("b", 1);
  ASSERT_TRUE(again.create(b2).ok());
  EXPECT_EQ(again.find(b.id), nullptr);
  EXPECT_EQ(again.find(b2.id)->name, "b");
}

TEST(TopicTable, BadChangesAreRejected) {
  TempDir dir;
  TopicTable table = open_ok(dir.path());
  ASSERT_TRUE(table.create(topic("a", 3)).ok());
  MetaStatus s = table.add_partitions("a", 3);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), MetaErrc::kInvalid);
  EXPECT_FALSE(table.add_partitions("a", 2).ok());
  EXPECT_FALSE(table.add_partitions("a", -1).ok());
  EXPECT_EQ(table.find("a")->partitions, 3);
  EXPECT_EQ(table.add_partitions("nope", 9).code(), MetaErrc::kNotFound);
  EXPECT_EQ(table.remove("nope").code(), MetaErrc::kNotFound);
  EXPECT_EQ(table.remove("nope").error(), "Topic 'nope' does not exist.");
  EXPECT_EQ(table.set_configs("nope", {}).code(), MetaErrc::kNotFound);
  EXPECT_EQ(table.set_configs("a", {{"", "x"}}).code(), MetaErrc::kInvalid);
  // Bytes the JSON reader would refuse must never reach the file.
  for (std::string bad : {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    EXPECT_EQ(table.set_configs("a", {{"message.format.version", bad}}).code(), MetaErrc::kInvalid);
    EXPECT_EQ(table.set_configs("a", {{bad, "1"}}).code(), MetaErrc::kInvalid);
  }
  EXPECT_TRUE(table.set_configs("a", {{"message.format.version", "\xe2\x82\xac\xf0\x9f\x98\x80"}}).ok());
  EXPECT_EQ(open_ok(dir.path()).find("a")->configs.at("message.format.version"), "\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(TopicTable, LeftoverTemporaryFileIsIgnoredAndRemoved) {
  TempDir dir;
  TopicInfo kept = topic("kept");
  std::string path;
  {
    TopicTable table = open_ok(dir.path());
    ASSERT_TRUE(table.create(kept).ok());
    path = table.path();
  }
  // A crash after writing the temporary file but before the rename: even a
  // complete, valid new table there was never committed.
  {
    TempDir scratch;
    TopicTable other = open_ok(scratch.path());
    ASSERT_TRUE(other.create(topic("uncommitted")).ok());
    fs::copy_file(other.path(), path + ".tmp");
  }
  TopicTable reopened = open_ok(dir.path());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(names(reopened), std::vector<std::string>{"kept"});

  write_all(path + ".tmp", "{\"version\":1,\"topi");  // torn
  TopicTable torn = open_ok(dir.path());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(names(torn), std::vector<std::string>{"kept"});
}

TEST(TopicTable, AFailedWriteChangesNeitherMemoryNorDisk) {
  TempDir dir;
  TopicTable table = open_ok(dir.path());
  ASSERT_TRUE(table.create(topic("a")).ok());
  std::string before = read_all(table.path());
  // A directory where the temporary file goes makes the write fail, even as root.
  fs::create_directory(table.path() + ".tmp");
  MetaStatus s = table.create(topic("b"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), MetaErrc::kIo);
  EXPECT_NE(s.error().find("topics.json.tmp"), std::string::npos) << s.error();
  EXPECT_EQ(table.find("b"), nullptr);
  EXPECT_FALSE(table.remove("a").ok());
  EXPECT_NE(table.find("a"), nullptr);
  EXPECT_FALSE(table.add_partitions("a", 10).ok());
  EXPECT_EQ(table.find("a")->partitions, 3);
  EXPECT_EQ(read_all(table.path()), before);

  // Open refuses to guess what a directory in that place means.
  EXPECT_FALSE(TopicTable::open(dir.path()).ok());
  fs::remove(table.path() + ".tmp");
  ASSERT_TRUE(table.create(topic("b")).ok());
  EXPECT_EQ(names(open_ok(dir.path())), (std::vector<std::string>{"a", "b"}));
}

class CorruptFile : public ::testing::TestWithParam<std::string> {};

TEST_P(CorruptFile, IsAnErrorAtOpenAndIsLeftAlone) {
  TempDir dir;
  std::string path = dir.path() + "/topics.json";
  write_all(path, GetParam());
  MetaResult<TopicTable> table = TopicTable::open(dir.path());
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.code(), MetaErrc::kCorrupt) << table.error();
  EXPECT_NE(table.error().find(path), std::string::npos) << table.error();
  EXPECT_EQ(read_all(path), GetParam());
}

constexpr char kId1[] = "AAAAAAAAQACAAAAAAAAAAQ";  // a valid non-zero id
constexpr char kId2[] = "AAAAAAAAQACAAAAAAAAAAg";
constexpr char kCluster[] = "\"cluster_id\":\"AAAAAAAAQACAAAAAAAAAAw\"";

std::string table_with(const std::string& topics) {
  return std::string("{\"version\":1,") + kCluster + ",\"topics\":[" + topics + "]}";
}

std::string entry(const std::string& name, const std::string& id, const std::string& partitions = "1",
                  const std::string& rf = "1", const std::string& configs = "{}") {
  return "{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"partitions\":" + partitions +
         ",\"replication_factor\":" + rf + ",\"configs\":" + configs + "}";
}

INSTANTIATE_TEST_SUITE_P(
    TopicTable, CorruptFile,
    ::testing::Values(
        std::string(), std::string("garbage"), std::string("\0\0\0\0", 4), std::string("[]"), std::string("{}"),
        table_with(entry("a", kId1)).substr(0, 60),                                            // torn
        std::string("{\"version\":2,") + kCluster + ",\"topics\":[]}",                      // newer format
        std::string("{\"version\":\"1\",") + kCluster + ",\"topics\":[]}",
        std::string("{\"version\":1,\"topics\":[]}"),                                       // no cluster id
        std::string("{\"version\":1,\"cluster_id\":\"short\",\"topics\":[]}"),
        std::string("{\"version\":1,") + kCluster + "}",                                    // no topics
        std::string("{\"version\":1,") + kCluster + ",\"topics\":{}}",
        table_with("1"),
        table_with(entry("a", kId1) + "," + entry("a", kId2)),                              // same name
        table_with(entry("a", kId1) + "," + entry("b", kId1)),                              // same id
        table_with(entry("bad name", kId1)),
        table_with(entry("a", "AAAAAAAAAAAAAAAAAAAAAA")),                                  // zero id
        table_with(entry("a", "not-an-id")),
        table_with(entry("a", "AAAAAAAAQACAAAAAAAAAAR")),                                  // stray low bits
        table_with(entry("a", kId1, "0")), table_with(entry("a", kId1, "-3")),
        table_with(entry("a", kId1, "2147483648")), table_with(entry("a", kId1, "1.5")),
        table_with(entry("a", kId1, "\"3\"")), table_with(entry("a", kId1, "1", "0")),
        table_with(entry("a", kId1, "1", "40000")), table_with(entry("a", kId1, "1", "1", "[]")),
        table_with(entry("a", kId1, "1", "1", "{\"retention.ms\":1000}")),
        table_with(entry("a", kId1, "1", "1", "{\"\":\"x\"}")),
        table_with("{\"id\":\"" + std::string(kId1) + "\",\"partitions\":1,\"replication_factor\":1,\"configs\":{}}"),
        table_with(entry("a", kId1)) + "trailing"));

TEST(TopicTable, AHandWrittenValidFileLoads) {
  TempDir dir;
  write_all(dir.path() + "/topics.json",
            table_with(entry("a", kId1, "4", "1", "{\"retention.ms\":\"1000\"}") + "," + entry("b", kId2)));
  TopicTable table = open_ok(dir.path());
  EXPECT_EQ(table.cluster_id(), "AAAAAAAAQACAAAAAAAAAAw");
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.find(*uuid_from_base64(kId1))->name, "a");
  EXPECT_EQ(table.find("a")->partitions, 4);
  EXPECT_EQ(table.find("a")->configs.at("retention.ms"), "1000");
}

TEST(TopicTable, UuidBase64RoundTrip) {
  for (int i = 0; i < 100; ++i) {
    Uuid id = random_uuid();
    EXPECT_EQ(uuid_from_base64(to_base64(id)), id);
  }
  Uuid all_ones;
  all_ones.bytes.fill(0xff);
  EXPECT_EQ(uuid_from_base64(to_base64(all_ones)), all_ones);
  EXPECT_EQ(uuid_from_base64(""), std::nullopt);
  EXPECT_EQ(uuid_from_base64("AAAAAAAAQACAAAAAAAAAA"), std::nullopt);
  EXPECT_EQ(uuid_from_base64("AAAAAAAAQACAAAAAAAAAAQA"), std::nullopt);
  EXPECT_EQ(uuid_from_base64("AAAAAAAAQACAAAAAAAAAA="), std::nullopt);
  EXPECT_EQ(uuid_from_base64("AAAAAAAAQACAAAAAAAAAA+"), std::nullopt);
}

}  // namespace
}  // namespace runnel::cluster
