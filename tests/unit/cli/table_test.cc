#include "cli/table.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

TEST(Table, AlignsColumnsWithoutTrailingSpaces) {
  Table t({"NAME", "PARTITIONS", "REPLICAS"});
  t.add({"orders", "3", "1"});
  t.add({"a", "12", ""});
  EXPECT_EQ(t.render(),
            "NAME    PARTITIONS  REPLICAS\n"
            "orders  3           1\n"
            "a       12\n");
}

TEST(Table, SectionsAndKeyValues) {
  EXPECT_EQ(section_title("CONFIGS"), "CONFIGS\n=======\n");
  EXPECT_EQ(key_values({{"NAME", "foo"}, {"PARTITIONS", "3"}}), "NAME        foo\nPARTITIONS  3\n");
}

}  // namespace
}  // namespace runnel::cli
