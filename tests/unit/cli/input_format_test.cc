#include "cli/input_format.h"

#include <gtest/gtest.h>

#include <vector>

namespace runnel::cli {
namespace {

// Feeds all of `input` at once and collects every record.
std::vector<ParsedRecord> parse_all(const char* spec, std::string input) {
  auto f = InputFormat::compile(spec);
  EXPECT_TRUE(f.ok()) << spec;
  std::vector<ParsedRecord> out;
  if (!f.ok()) return out;
  while (true) {
    ParsedRecord r;
    auto step = f->next(input, true, r);
    EXPECT_TRUE(step.ok()) << (step.ok() ? "" : step.error());
    if (!step.ok() || *step == InputFormat::Step::kDone) break;
    EXPECT_EQ(*step, InputFormat::Step::kRecord);
    out.push_back(r);
  }
  return out;
}

TEST(InputFormat, LinesByDefault) {
  auto recs = parse_all("%v\\n", "a\nbb\n\nlast");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(*recs[0].value, "a");
  EXPECT_EQ(*recs[1].value, "bb");
  EXPECT_EQ(*recs[2].value, "");      // a blank line is an empty record
  EXPECT_EQ(*recs[3].value, "last");  // no final newline
  EXPECT_FALSE(recs[0].key);
}

TEST(InputFormat, KeyValueTopicPartition) {
  auto recs = parse_all("%t %p %k %v\\n", "t1 0 k1 v 1\nt2 3 k2 v2\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(*recs[0].topic, "t1");
  EXPECT_EQ(*recs[0].partition, 0);
  EXPECT_EQ(*recs[0].key, "k1");
  EXPECT_EQ(*recs[0].value, "v 1");  // the value runs to the newline
  EXPECT_EQ(*recs[1].partition, 3);
}

TEST(InputFormat, NeedsMoreUntilTheDelimiterArrives) {
  auto f = InputFormat::compile("%k=%v\\n");
  ASSERT_TRUE(f.ok());
  std::string buf = "key=val";
  ParsedRecord r;
  EXPECT_EQ(*f->next(buf, false, r), InputFormat::Step::kNeedMore);
  buf.append("ue\nnext");
  EXPECT_EQ(*f->next(buf, false, r), InputFormat::Step::kRecord);
  EXPECT_EQ(*r.key, "key");
  EXPECT_EQ(*r.value, "value");
  EXPECT_EQ(buf, "next");
  EXPECT_EQ(*f->next(buf, false, r), InputFormat::Step::kNeedMore);
}

TEST(InputFormat, WholeInputAsOneValue) {
  auto recs = parse_all("%v", "line1\nline2\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(*recs[0].value, "line1\nline2\n");
}

TEST(InputFormat, MismatchIsAnError) {
  auto f = InputFormat::compile("%k %v\\n");
  ASSERT_TRUE(f.ok());
  std::string buf = "novalue\n";
  ParsedRecord r;
  auto step = f->next(buf, true, r);
  EXPECT_FALSE(step.ok());
  f = InputFormat::compile("%p %v\\n");
  buf = "x hello\n";
  EXPECT_FALSE(f->next(buf, true, r).ok());
}

TEST(InputFormat, RejectsBadFormats) {
  for (const char* bad : {"", "plain text", "%k%v", "%x", "%v{json}", "%v %v", "%"}) {
    EXPECT_FALSE(InputFormat::compile(bad).ok()) << bad;
  }
  EXPECT_TRUE(InputFormat::compile("%t:%v\\n")->parses_topic());
  EXPECT_FALSE(InputFormat::compile("%v\\n")->parses_topic());
}

}  // namespace
}  // namespace runnel::cli
