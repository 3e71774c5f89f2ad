// Text output in rpk's shape: aligned columns under upper-case headers, and
// titled sections ("SUMMARY" over a line of '=').
#pragma once

#include <string>
#include <vector>

namespace runnel::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns separated by at least two spaces; the last column is not padded.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "TITLE\n=====\n"
std::string section_title(const std::string& title);

// Key/value lines aligned like rpk's summaries: "NAME        foo".
std::string key_values(const std::vector<std::pair<std::string, std::string>>& rows);

}  // namespace runnel::cli
