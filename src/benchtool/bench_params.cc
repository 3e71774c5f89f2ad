// Parsers for the bench flags; see bench_params.h.
#include "benchtool/bench_params.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace runnel::benchtool {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits "1.5KiB" into 1.5 and "kib"; nullopt when there is no number.
std::optional<std::pair<double, std::string>> number_and_unit(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char* begin = text.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(v) || v < 0) return std::nullopt;
  std::string unit = lower(std::string(end));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  return std::make_pair(v, unit);
}

}  // namespace

std::optional<std::int64_t> parse_size(const std::string& text) {
  auto nu = number_and_unit(text);
  if (!nu) return std::nullopt;
  const auto& [v, unit] = *nu;
  double mult = 0;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    mult = 1024.0;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    mult = 1024.0 * 1024;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    mult = 1024.0 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  double bytes = v * mult;
  if (bytes > 9e18 || bytes != std::floor(bytes)) return std::nullopt;
  return static_cast<std::int64_t>(bytes);
}

std::optional<double> parse_duration(const std::string& text) {
  auto nu = number_and_unit(text);
  if (!nu) return std::nullopt;
  const auto& [v, unit] = *nu;
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000.0;
  if (unit == "us") return v / 1e6;
  if (unit == "m" || unit == "min") return v * 60.0;
  return std::nullopt;
}

std::optional<std::string> parse_acks(const std::string& text) {
  std::string t = lower(text);
  if (t == "all" || t == "-1") return std::string("all");
  if (t == "0" || t == "1") return t;
  return std::nullopt;
}

bool valid_compression(const std::string& text) {
  return text == "none" || text == "gzip" || text == "snappy" || text == "lz4" || text == "zstd";
}

std::string validate(const WorkloadParams& p, const std::string& workload) {
  if (p.record_size < 1) return "--record-size must be at least 1 byte";
  if (workload == "e2e" && p.record_size < 16)
    return "--record-size must be at least 16 bytes for e2e (the send time travels in the value)";
  if (p.record_size > 64u * 1024 * 1024) return "--record-size is above 64MiB";
  if (p.partitions < 1 || p.partitions > 100000) return "--partitions must be 1..100000";
  if (p.producers < 1 || p.producers > 256) return "--producers must be 1..256";
  if (p.consumers < 1 || p.consumers > 256) return "--consumers must be 1..256";
  if (!parse_acks(p.acks)) return "--acks must be 0, 1 or all";
  if (!valid_compression(p.compression)) return "--compression must be none, gzip, snappy, lz4 or zstd";
  if (p.rate < 0) return "--rate must not be negative";
  if (p.count < 0) return "--count must not be negative";
  if (p.count == 0 && !(p.duration_s > 0)) return "--duration must be positive (or give --count)";
  if (p.linger_ms < 0 || p.linger_ms > 900000) return "--linger must be 0..900000 ms";
  if (p.batch_size < 1 || p.batch_size > 2147483647) return "--batch-size must be 1B..2GiB";
  if (p.fetch_wait_ms < 0 || p.fetch_wait_ms > 300000) return "--fetch-wait must be 0..300000 ms";
  if (workload == "e2e" && p.rate <= 0) return "e2e needs a fixed --rate (records/s)";
  if (workload == "connections" && (p.connections < 1 || p.connections > 1000000))
    return "--connections must be 1..1000000";
  return "";
}

std::string format_size(std::int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  std::int64_t v = bytes;
  while (u < 3 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  return std::to_string(v) + kUnits[u];
}

}  // namespace runnel::benchtool
