#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "metrics/catalog.h"

namespace runnel::metrics {
namespace {

const Snapshot& find(const std::vector<Snapshot>& families, std::string_view name) {
  for (const auto& f : families) {
    if (f.name == name) return f;
  }
  throw std::runtime_error("no family " + std::string(name));
}

TEST(Registry, CountersGaugesAndLabels) {
  Registry r;
  auto& requests = r.counter("test_requests_total", "Requests", {"api"});
  auto produce = requests.get({"produce"});
  auto fetch = requests.get({"fetch"});
  produce->inc();
  produce->inc(4);
  fetch->inc();
  EXPECT_EQ(requests.get({"produce"}).get(), produce.get());  // the same series
  auto& open = r.gauge("test_open", "Open things");
  auto g = open.get({});
  g->add(3);
  g->add(-1);
  std::vector<Snapshot> all = r.collect();
  ASSERT_EQ(all.size(), 2u);
  const Snapshot& c = find(all, "test_requests_total");
  EXPECT_EQ(c.kind, Kind::kCounter);
  ASSERT_EQ(c.samples.size(), 2u);
  EXPECT_EQ(c.samples[0].label_values, std::vector<std::string>{"fetch"});
  EXPECT_EQ(c.samples[0].value, 1);
  EXPECT_EQ(c.samples[1].value, 5);
  EXPECT_EQ(find(all, "test_open").samples[0].value, 2);
}

TEST(Registry, SeriesLeaveWhenTheirLastHolderDoes) {
  Registry r;
  auto& family = r.counter("test_total", "x", {"p"});
  auto kept = family.get({"0"});
  { auto gone = family.get({"1"}); }
  auto all = r.collect();
  ASSERT_EQ(find(all, "test_total").samples.size(), 1u);
  EXPECT_EQ(find(all, "test_total").samples[0].label_values[0], "0");
}

TEST(Registry, RegistrationIsIdempotentAndChecked) {
  Registry r;
  auto& a = r.counter("test_total", "x", {"a"});
  EXPECT_EQ(&a, &r.counter("test_total", "x", {"a"}));
  EXPECT_THROW(r.counter("test_total", "x", {"b"}), std::logic_error);
  EXPECT_THROW(r.gauge("test_total", "x", {"a"}), std::logic_error);
  EXPECT_THROW(r.counter("bad-name", "x"), std::logic_error);
  EXPECT_THROW(r.counter("ok_total", "x", {"le"}), std::logic_error);
  EXPECT_THROW(r.histogram("h", "x", {}, {2, 1}), std::logic_error);
  EXPECT_THROW(a.get({}), std::logic_error);  // wrong number of label values
}

TEST(Registry, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("test_seconds", "Latency", {}, {0.1, 1});
  auto cell = h.get({});
  cell->observe(0.05);
  cell->observe(0.1);  // upper bounds are inclusive
  cell->observe(0.5);
  cell->observe(7);
  std::vector<Snapshot> all = r.collect();
  const Snapshot& s = find(all, "test_seconds");
  ASSERT_EQ(s.samples.size(), 1u);
  EXPECT_EQ(s.samples[0].buckets, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(s.samples[0].count, 4u);
  EXPECT_DOUBLE_EQ(s.samples[0].sum, 7.65);
}

TEST(Exposition, TextFormat) {
  Registry r;
  // A series lives while its cell is held.
  auto c = r.counter("test_total", "Things\nwith \\ in help", {"name"}).get({"a\"b\\c\nd"});
  c->inc(3);
  auto h = r.histogram("test_seconds", "Latency", {"api"}, {0.25, 1}).get({"produce"});
  h->observe(0.5);
  std::string text = write_text(r.collect());
  EXPECT_EQ(text,
            "# HELP test_seconds Latency\n"
            "# TYPE test_seconds histogram\n"
            "test_seconds_bucket{api=\"produce\",le=\"0.25\"} 0\n"
            "test_seconds_bucket{api=\"produce\",le=\"1\"} 1\n"
            "test_seconds_bucket{api=\"produce\",le=\"+Inf\"} 1\n"
            "test_seconds_sum{api=\"produce\"} 0.5\n"
            "test_seconds_count{api=\"produce\"} 1\n"
            "# HELP test_total Things\\nwith \\\\ in help\n"
            "# TYPE test_total counter\n"
            "test_total{name=\"a\\\"b\\\\c\\nd\"} 3\n");
}

TEST(Views, RenameFilterAndSumAwayLabels) {
  Registry r;
  auto& lat = r.histogram("src_seconds", "x", {"request", "shard"}, {1});
  std::vector<std::shared_ptr<HistogramCell>> hs{lat.get({"produce", "0"}), lat.get({"produce", "1"}),
                                                 lat.get({"metadata", "0"})};
  hs[0]->observe(0.5);
  hs[1]->observe(2);
  hs[2]->observe(0.5);
  auto& bytes = r.counter("in_total", "x", {"topic", "partition"});
  auto& out = r.counter("out_total", "x", {"topic", "partition"});
  std::vector<std::shared_ptr<CounterCell>> cs{bytes.get({"t", "0"}), bytes.get({"t", "1"}),
                                               out.get({"t", "0"})};
  cs[0]->inc(10);
  cs[1]->inc(5);
  cs[2]->inc(7);
  std::vector<View> views{
      View{"src_seconds",
           "pub_seconds",
           "h",
           {{"request", "redpanda_request"}},
           {{"request", {"produce"}}},
           {}},
      View{"in_total",
           "bytes_total",
           "b",
           {{"topic", "redpanda_topic"}},
           {},
           {{"redpanda_request", "produce"}}},
      View{"out_total",
           "bytes_total",
           "b",
           {{"topic", "redpanda_topic"}},
           {},
           {{"redpanda_request", "consume"}}},
      View{"missing_total", "never_total", "n", {}, {}, {}},
  };
  std::vector<Snapshot> pub = apply_views(r.collect(), views);
  ASSERT_EQ(pub.size(), 2u);
  const Snapshot& h = find(pub, "pub_seconds");
  EXPECT_EQ(h.label_names, std::vector<std::string>{"redpanda_request"});
  ASSERT_EQ(h.samples.size(), 1u);
  EXPECT_EQ(h.samples[0].buckets, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(h.samples[0].count, 2u);
  const Snapshot& b = find(pub, "bytes_total");
  EXPECT_EQ(b.label_names, (std::vector<std::string>{"redpanda_topic", "redpanda_request"}));
  ASSERT_EQ(b.samples.size(), 2u);
  EXPECT_EQ(b.samples[0].label_values, (std::vector<std::string>{"t", "produce"}));
  EXPECT_EQ(b.samples[0].value, 15);
  EXPECT_EQ(b.samples[1].value, 7);
}

TEST(Registry, ConcurrentWritersLoseNothing) {
  Registry r;
  auto cell = r.counter("test_total", "x").get({});
  auto h = r.histogram("test_seconds", "x", {}, {1}).get({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        cell->inc();
        h->observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cell->value(), 400000u);
  std::vector<Snapshot> all = r.collect();
  EXPECT_EQ(find(all, "test_seconds").samples[0].count, 400000u);
}

TEST(Collectors, RunAtScrapeOnTheirPage) {
  Registry r;
  int calls = 0;
  int id = r.add_collector([&](std::vector<Snapshot>& out) {
    ++calls;
    Snapshot s;
    s.name = "computed";
    out.push_back(s);
  });
  r.add_collector(
      [](std::vector<Snapshot>& out) {
        out.push_back(Snapshot{"public_one", "", Kind::kGauge, {}, {}, {}});
      },
      true);
  EXPECT_EQ(r.collect().size(), 1u);
  EXPECT_EQ(r.collect_public().size(), 1u);
  EXPECT_EQ(r.collect_public()[0].name, "public_one");
  r.remove_collector(id);
  EXPECT_TRUE(r.collect().empty());
  EXPECT_EQ(calls, 1);
}

TEST(Catalog, NamesAreValidAndViewsResolve) {
  const Families& f = families();
  (void)f;
  std::vector<Snapshot> all = default_registry().collect();
  for (const auto& family : all) {
    EXPECT_TRUE(family.name.starts_with("vectorized_")) << family.name;
    EXPECT_EQ(family.kind == Kind::kCounter, family.name.ends_with("_total")) << family.name;
  }
  // Every view names an existing family and keeps labels it has.
  for (const View& v : public_views()) {
    EXPECT_TRUE(v.name.starts_with("redpanda_")) << v.name;
    EXPECT_NO_THROW(find(all, v.source)) << v.source;
  }
  EXPECT_NO_THROW(apply_views(all, public_views()));
  EXPECT_NO_THROW(apply_views(all, internal_aliases()));
}

TEST(Catalog, ProcessMetrics) {
  std::vector<Snapshot> internal;
  collect_process(internal, false);
  EXPECT_GT(find(internal, "vectorized_process_resident_memory_bytes").samples[0].value, 1e6);
  EXPECT_GE(find(internal, "vectorized_process_cpu_seconds_total").samples[0].value, 0);
  std::vector<Snapshot> pub;
  collect_process(pub, true);
  EXPECT_GE(find(pub, "redpanda_application_uptime_seconds_total").samples[0].value, 0);
}

}  // namespace
}  // namespace runnel::metrics
