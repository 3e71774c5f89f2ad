// See report.h.
#include "benchtool/report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "benchtool/json_writer.h"

namespace runnel::benchtool {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const BenchResult* find(const Report& r, const std::string& id) {
  for (const auto& x : r.results)
    if (x.id == id) return &x;
  return nullptr;
}

// Left-aligned columns padded to the widest cell, two spaces apart.
// Widths count UTF-8 code points so "µs" lines up.
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - display_width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

void evaluate(Report& report) {
  for (auto& ratio : report.ratios) {
    ratio.value.reset();
    const BenchResult* n = find(report, ratio.numerator);
    const BenchResult* d = find(report, ratio.denominator);
    if (!n || !d) continue;
    auto nv = metric_of(*n, ratio.metric);
    auto dv = metric_of(*d, ratio.metric);
    if (nv && dv && *dv > 0) ratio.value = *nv / *dv;
  }
  for (auto& check : report.checks) {
    check.value.reset();
    if (const BenchResult* r = find(report, check.result)) check.value = metric_of(*r, check.metric);
  }
}

std::string human_bytes_rate(double v) {
  if (v >= 1e9) return fmt("%.2f GB/s", v / 1e9);
  if (v >= 1e6) return fmt("%.1f MB/s", v / 1e6);
  if (v >= 1e3) return fmt("%.1f kB/s", v / 1e3);
  return fmt("%.0f B/s", v);
}

std::string human_count_rate(double v) {
  if (v >= 1e6) return fmt("%.2f M/s", v / 1e6);
  if (v >= 1e3) return fmt("%.1f k/s", v / 1e3);
  return fmt("%.0f /s", v);
}

std::string human_ms(double ms) {
  if (ms < 1) return fmt("%.0f µs", ms * 1000);
  if (ms < 100) return fmt("%.2f ms", ms);
  return fmt("%.0f ms", ms);
}

std::string format_table(const Report& report) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"id", "target", "params", "records", "seconds", "throughput", "records/s", "p50", "p99",
                  "p99.9", "max", "other"});
  for (const auto& r : report.results) {
    if (!r.ok()) {
      rows.push_back({r.id, r.target, r.params, "-", "-", "FAILED: " + r.error});
      continue;
    }
    std::vector<std::string> row = {r.id,
                                    r.target,
                                    r.params,
                                    std::to_string(r.records),
                                    fmt("%.2f", r.seconds),
                                    r.bytes > 0 ? human_bytes_rate(r.bytes_per_s()) : "-",
                                    r.records > 0 ? human_count_rate(r.records_per_s()) : "-"};
    if (r.latency && r.latency->count > 0) {
      row.push_back(human_ms(r.latency->p50_ms));
      row.push_back(human_ms(r.latency->p99_ms));
      row.push_back(human_ms(r.latency->p999_ms));
      row.push_back(human_ms(r.latency->max_ms));
    } else {
      row.insert(row.end(), {"-", "-", "-", "-"});
    }
    std::string other;
    if (r.sent > 0) other += "sent=" + std::to_string(r.sent);
    if (r.errors > 0) other += std::string(other.empty() ? "" : " ") + "errors=" + std::to_string(r.errors);
    for (const auto& [k, v] : r.extra) other += (other.empty() ? "" : " ") + k + "=" + fmt("%.4g", v);
    row.push_back(other);
    rows.push_back(std::move(row));
  }
  std::string out = render(rows);
  if (!report.ratios.empty()) {
    std::vector<std::vector<std::string>> rr = {{"ratio", "runnel / baseline", "value", "goal", ""}};
    for (const auto& r : report.ratios) {
      std::string value = r.value ? fmt("%.2fx", *r.value) : "n/a";
      std::string goal = r.goal > 0 ? fmt(">= %.2fx", r.goal) : "-";
      std::string verdict = (!r.value || r.goal <= 0) ? "" : (*r.value >= r.goal ? "met" : "MISSED");
      rr.push_back(
          {r.label, r.numerator + " / " + r.denominator + " (" + r.metric + ")", value, goal, verdict});
    }
    out += "\n" + render(rr);
  }
  if (!report.checks.empty()) {
    std::vector<std::vector<std::string>> cc = {{"check", "figure", "value", "limit", ""}};
    for (const auto& c : report.checks) {
      std::string value = c.value ? fmt("%.4g", *c.value) : "n/a";
      std::string verdict = c.value ? (*c.value <= c.limit ? "met" : "MISSED") : "";
      cc.push_back({c.label, c.result + " " + c.metric, value, fmt("<= %.4g", c.limit), verdict});
    }
    out += "\n" + render(cc);
  }
  return out;
}

std::string format_json(const Report& report) {
  JsonWriter w;
  w.begin_object();
  w.key("machine").value(report.machine);
  w.key("command").value(report.command);
  w.key("started").value(report.started);
  w.key("results").begin_array();
  for (const auto& r : report.results) {
    w.begin_object();
    w.key("id").value(r.id);
    w.key("workload").value(r.workload);
    w.key("target").value(r.target);
    w.key("params").value(r.params);
    w.key("ok").value(r.ok());
    if (!r.ok()) w.key("error").value(r.error);
    w.key("records").value(r.records);
    w.key("bytes").value(r.bytes);
    w.key("sent").value(r.sent);
    w.key("errors").value(r.errors);
    w.key("seconds").value(r.seconds);
    w.key("records_per_s").value(r.records_per_s());
    w.key("bytes_per_s").value(r.bytes_per_s());
    if (r.latency) {
      w.key("latency_ms").begin_object();
      w.key("count").value(r.latency->count);
      w.key("p50").value(r.latency->p50_ms);
      w.key("p99").value(r.latency->p99_ms);
      w.key("p999").value(r.latency->p999_ms);
      w.key("max").value(r.latency->max_ms);
      w.key("mean").value(r.latency->mean_ms);
      w.end_object();
    }
    w.key("extra").begin_object();
    for (const auto& [k, v] : r.extra) w.key(k).value(v);
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.key("ratios").begin_array();
  for (const auto& r : report.ratios) {
    w.begin_object();
    w.key("label").value(r.label);
    w.key("numerator").value(r.numerator);
    w.key("denominator").value(r.denominator);
    w.key("metric").value(r.metric);
    w.key("goal").value(r.goal);
    w.key("value");
    if (r.value)
      w.value(*r.value);
    else
      w.null();
    w.end_object();
  }
  w.end_array();
  w.key("checks").begin_array();
  for (const auto& c : report.checks) {
    w.begin_object();
    w.key("label").value(c.label);
    w.key("result").value(c.result);
    w.key("metric").value(c.metric);
    w.key("limit").value(c.limit);
    w.key("value");
    if (c.value)
      w.value(*c.value);
    else
      w.null();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

std::string machine_facts() {
  std::string model = "unknown CPU";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
      break;
    }
  }
  std::string kernel = "unknown";
  struct utsname u {};
  if (uname(&u) == 0) kernel = u.release;
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  double gib = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) / (1 << 30) : 0;
  return model + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cores, " +
         fmt("%.0f GiB RAM", gib) + ", Linux " + kernel;
}

}  // namespace runnel::benchtool
