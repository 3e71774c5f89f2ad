#include "benchtool/report.h"

#include <gtest/gtest.h>

#include <cmath>

#include "benchtool/json_writer.h"
#include "benchtool/suite.h"

namespace runnel::benchtool {
namespace {

BenchResult result(const std::string& id, std::int64_t records, std::int64_t bytes, double seconds) {
  BenchResult r;
  r.id = id;
  r.workload = "produce";
  r.target = "runnel";
  r.params = "1KiB x6p";
  r.records = records;
  r.bytes = bytes;
  r.seconds = seconds;
  return r;
}

TEST(Report, RatiosAndChecksEvaluate) {
  Report rep;
  rep.results.push_back(result("a", 100, 1000, 1));
  rep.results.push_back(result("b", 400, 4000, 2));
  BenchResult failed = result("c", 0, 0, 0);
  failed.error = "boom";
  rep.results.push_back(failed);
  BenchResult mem = result("m", 0, 0, 0);
  mem.extra.emplace_back("rss_mib", 42.0);
  rep.results.push_back(mem);
  rep.ratios = {{"a/b", "a", "b", "bytes_per_s", 0.4, {}},
                {"a/c", "a", "c", "bytes_per_s", 0, {}},
                {"a/missing", "a", "zzz", "records_per_s", 0, {}}};
  rep.checks = {{"rss", "m", "rss_mib", 50, {}}, {"none", "m", "p99_ms", 1, {}}};
  evaluate(rep);
  ASSERT_TRUE(rep.ratios[0].value);
  EXPECT_DOUBLE_EQ(*rep.ratios[0].value, 0.5);
  EXPECT_FALSE(rep.ratios[1].value);  // a failed run has no figures
  EXPECT_FALSE(rep.ratios[2].value);
  ASSERT_TRUE(rep.checks[0].value);
  EXPECT_DOUBLE_EQ(*rep.checks[0].value, 42.0);
  EXPECT_FALSE(rep.checks[1].value);

  const std::string table = format_table(rep);
  EXPECT_NE(table.find("FAILED: boom"), std::string::npos);
  EXPECT_NE(table.find("0.50x"), std::string::npos);
  EXPECT_NE(table.find("met"), std::string::npos);
  EXPECT_NE(table.find("n/a"), std::string::npos);
}

TEST(Report, JsonHasEveryResultAndNullsForMissingValues) {
  Report rep;
  rep.machine = "test \"box\"";
  BenchResult r = result("e", 10, 10240, 2);
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i) h.record(static_cast<std::uint64_t>(i) * 1000000);
  r.latency = LatencySummary::of(h);
  rep.results.push_back(r);
  rep.ratios = {{"x", "e", "missing", "bytes_per_s", 1, {}}};
  evaluate(rep);
  const std::string json = format_json(rep);
  EXPECT_NE(json.find("\"machine\":\"test \\\"box\\\"\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"id\":\"e\""), std::string::npos);
  EXPECT_NE(json.find("\"bytes_per_s\":5120"), std::string::npos) << json;
  EXPECT_NE(json.find("\"p50\":50"), std::string::npos) << json;
  EXPECT_NE(json.find("\"value\":null"), std::string::npos);
}

TEST(Report, HumanUnits) {
  EXPECT_EQ(human_bytes_rate(1.5e9), "1.50 GB/s");
  EXPECT_EQ(human_bytes_rate(2.5e6), "2.5 MB/s");
  EXPECT_EQ(human_count_rate(2.9e6), "2.90 M/s");
  EXPECT_EQ(human_count_rate(1500), "1.5 k/s");
  EXPECT_EQ(human_ms(0.25), "250 µs");
  EXPECT_EQ(human_ms(4.5), "4.50 ms");
}

TEST(Report, StandardGoalsNameDistinctFigures) {
  Report rep;
  add_standard_goals(rep);
  EXPECT_GE(rep.ratios.size(), 5u);
  EXPECT_GE(rep.checks.size(), 5u);
  for (const auto& r : rep.ratios) EXPECT_NE(r.numerator, r.denominator) << r.label;
}

TEST(Report, MedianOfRunsPicksTheMiddleByItsMainFigure) {
  std::vector<BenchResult> runs = {result("x", 10, 3000, 1), result("x", 10, 1000, 1),
                                   result("x", 10, 2000, 1)};
  BenchResult m = median_of(runs);
  EXPECT_EQ(m.bytes, 2000);
  EXPECT_EQ(m.extra_value("runs"), 3.0);
  EXPECT_EQ(m.extra_value("bytes_per_s_min"), 1000.0);
  EXPECT_EQ(m.extra_value("bytes_per_s_max"), 3000.0);

  // With latency, the median is by p99 (lower is better, but the middle is the middle).
  std::vector<BenchResult> lat;
  for (std::uint64_t p99 : {30u, 10u, 20u, 40u}) {
    BenchResult r = result("e", 100, 100, 1);
    LatencyHistogram h;
    for (int i = 0; i < 100; ++i) h.record(p99 * 1000000);
    r.latency = LatencySummary::of(h);
    lat.push_back(r);
  }
  EXPECT_NEAR(median_of(lat).latency->p99_ms, 20, 0.5);

  // One failed run is the answer: flakiness must show.
  runs[1].error = "broker went away";
  EXPECT_EQ(median_of(runs).error, "broker went away");
  EXPECT_EQ(median_of({result("one", 1, 1, 1)}).extra_value("runs"), std::nullopt);
}

TEST(JsonWriter, NestingCommasAndEscapes) {
  JsonWriter w;
  w.begin_object().key("a").value(1).key("b").begin_array().value("x\n").value(2.5).null().end_array();
  w.key("c").begin_object().end_object().key("d").value(true).end_object();
  EXPECT_EQ(w.str(), "{\"a\":1,\"b\":[\"x\\n\",2.5,null],\"c\":{},\"d\":true}");
  JsonWriter n;
  n.value(std::nan(""));
  EXPECT_EQ(n.str(), "null");
  EXPECT_EQ(JsonWriter::quote(std::string("\x01", 1)), "\"\\u0001\"");
}

}  // namespace
}  // namespace runnel::benchtool
