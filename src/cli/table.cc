#include "cli/table.h"

#include <algorithm>

namespace runnel::cli {

namespace {

std::string render_rows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line.append(row[c]);
      if (c + 1 < row.size()) line.append(widths[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.append(line).push_back('\n');
  }
  return out;
}

}  // namespace

std::string Table::render() const {
  std::vector<std::vector<std::string>> all;
  all.reserve(rows_.size() + 1);
  all.push_back(headers_);
  all.insert(all.end(), rows_.begin(), rows_.end());
  return render_rows(all);
}

std::string section_title(const std::string& title) {
  std::string out = title;
  out.push_back('\n');
  out.append(title.size(), '=');
  out.push_back('\n');
  return out;
}

std::string key_values(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::vector<std::vector<std::string>> all;
  for (const auto& [k, v] : rows) all.push_back({k, v});
  return render_rows(all);
}

}  // namespace runnel::cli
