#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace runnel::metrics {

HistogramCell::HistogramCell(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds->size() + 1)) {
  for (size_t i = 0; i <= bounds->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void HistogramCell::observe(double v) {
  // Few buckets: a linear scan beats a binary search's branches here.
  size_t i = 0;
  const size_t n = bounds_->size();
  while (i < n && v > (*bounds_)[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

bool valid_name(std::string_view name, bool label) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return !(label && name.starts_with("__"));
}

template <typename Cell>
std::shared_ptr<Cell> Family<Cell>::get(std::vector<std::string> label_values) {
  if (label_values.size() != meta_.label_names.size()) {
    throw std::logic_error("metric " + meta_.name + ": wrong number of label values");
  }
  std::lock_guard<std::mutex> lock(registry_.mu_);
  std::weak_ptr<Cell>& slot = series_[label_values];
  if (auto cell = slot.lock()) return cell;
  std::shared_ptr<Cell> cell;
  if constexpr (std::is_same_v<Cell, HistogramCell>) {
    cell = std::make_shared<Cell>(&meta_.bounds);
  } else {
    cell = std::make_shared<Cell>();
  }
  slot = cell;
  return cell;
}

template <typename Cell>
void Family<Cell>::collect(Snapshot& out) {
  out = meta_;
  for (auto it = series_.begin(); it != series_.end();) {
    std::shared_ptr<Cell> cell = it->second.lock();
    if (!cell) {
      it = series_.erase(it);
      continue;
    }
    Sample sample;
    sample.label_values = it->first;
    if constexpr (std::is_same_v<Cell, HistogramCell>) {
      uint64_t running = 0;
      sample.buckets.reserve(meta_.bounds.size() + 1);
      for (size_t i = 0; i <= meta_.bounds.size(); ++i) {
        running += cell->bucket(i);
        sample.buckets.push_back(running);
      }
      sample.count = running;
      sample.sum = cell->sum();
    } else {
      sample.value = static_cast<double>(cell->value());
    }
    out.samples.push_back(std::move(sample));
    ++it;
  }
}

template class Family<CounterCell>;
template class Family<GaugeCell>;
template class Family<HistogramCell>;

void Registry::check_unique(const std::string& name, Kind kind) const {
  bool clash = (kind != Kind::kCounter && counters_.contains(name)) ||
               (kind != Kind::kGauge && gauges_.contains(name)) ||
               (kind != Kind::kHistogram && histograms_.contains(name));
  if (clash) throw std::logic_error("metric " + name + " registered twice with different kinds");
}

template <typename Cell>
Family<Cell>& Registry::add(std::map<std::string, std::unique_ptr<Family<Cell>>, std::less<>>& into,
                            Snapshot meta) {
  if (!valid_name(meta.name)) throw std::logic_error("invalid metric name " + meta.name);
  for (const auto& label : meta.label_names) {
    if (!valid_name(label, true) || label == "le") throw std::logic_error("invalid label name " + label);
  }
  std::lock_guard<std::mutex> lock(mu_);
  check_unique(meta.name, meta.kind);
  auto it = into.find(meta.name);
  if (it != into.end()) {
    const Snapshot& have = it->second->meta_;
    if (have.label_names != meta.label_names || have.bounds != meta.bounds) {
      throw std::logic_error("metric " + meta.name + " registered twice with different labels");
    }
    return *it->second;
  }
  std::string name = meta.name;
  auto family = std::unique_ptr<Family<Cell>>(new Family<Cell>(*this, std::move(meta)));
  return *into.emplace(std::move(name), std::move(family)).first->second;
}

Family<CounterCell>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  return add(counters_,
             Snapshot{std::move(name), std::move(help), Kind::kCounter, std::move(labels), {}, {}});
}

Family<GaugeCell>& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add(gauges_, Snapshot{std::move(name), std::move(help), Kind::kGauge, std::move(labels), {}, {}});
}

Family<HistogramCell>& Registry::histogram(std::string name, std::string help,
                                           std::vector<std::string> labels, std::vector<double> bounds) {
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    throw std::logic_error("histogram " + name + ": bounds must be ascending and distinct");
  }
  return add(
      histograms_,
      Snapshot{std::move(name), std::move(help), Kind::kHistogram, std::move(labels), std::move(bounds), {}});
}

int Registry::add_collector(Collector collector, bool public_page) {
  std::lock_guard<std::mutex> lock(mu_);
  int id = next_collector_++;
  collectors_.emplace(id, std::make_pair(std::move(collector), public_page));
  return id;
}

std::vector<Snapshot> Registry::collect_public() {
  std::vector<Collector> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, entry] : collectors_) {
      if (entry.second) collectors.push_back(entry.first);
    }
  }
  std::vector<Snapshot> out;
  for (auto& collector : collectors) collector(out);
  return out;
}

void Registry::remove_collector(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.erase(id);
}

std::vector<Snapshot> Registry::collect() {
  std::vector<Snapshot> out;
  std::vector<Collector> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.reserve(counters_.size() + gauges_.size() + histograms_.size());
    for (auto& [name, family] : counters_) family->collect(out.emplace_back());
    for (auto& [name, family] : gauges_) family->collect(out.emplace_back());
    for (auto& [name, family] : histograms_) family->collect(out.emplace_back());
    for (auto& [id, entry] : collectors_) {
      if (!entry.second) collectors.push_back(entry.first);
    }
  }
  std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) { return a.name < b.name; });
  // Outside the lock: a collector may register families.
  for (auto& collector : collectors) collector(out);
  return out;
}

Registry& default_registry() {
  static Registry* registry = new Registry();  // never destroyed: cells may outlive static destruction
  return *registry;
}

// ---- exposition ---------------------------------------------------------------

namespace {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  // Shortest round-trip form, in plain decimals for everyday magnitudes
  // (0.0001 rather than 1e-04, as Prometheus' own clients print bounds).
  char buf[64];
  const double magnitude = std::fabs(v);
  const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  auto [end, ec] = plain ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                         : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (quote && c == '"') {
      out.append("\\\"");
    } else {
      out.push_back(c);
    }
  }
}

// `name{a="x",b="y"[,le="..."]} `
void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& label_names, const std::vector<std::string>& values,
                   const std::string* le) {
  out.append(name).append(suffix);
  if (!label_names.empty() || le != nullptr) {
    out.push_back('{');
    bool first = true;
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (!first) out.push_back(',');
      first = false;
      out.append(label_names[i]).append("=\"");
      append_escaped(out, values[i], true);
      out.push_back('"');
    }
    if (le != nullptr) {
      if (!first) out.push_back(',');
      out.append("le=\"").append(*le).push_back('"');
    }
    out.push_back('}');
  }
  out.push_back(' ');
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "counter";
    case Kind::kGauge:
      return "gauge";
    case Kind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string write_text(const std::vector<Snapshot>& families) {
  std::string out;
  out.reserve(4096);
  for (const Snapshot& f : families) {
    out.append("# HELP ").append(f.name).push_back(' ');
    append_escaped(out, f.help, false);
    out.append("\n# TYPE ").append(f.name).push_back(' ');
    out.append(kind_name(f.kind)).push_back('\n');
    for (const Sample& s : f.samples) {
      if (f.kind != Kind::kHistogram) {
        append_series(out, f.name, "", f.label_names, s.label_values, nullptr);
        append_number(out, s.value);
        out.push_back('\n');
        continue;
      }
      for (size_t i = 0; i < s.buckets.size(); ++i) {
        std::string le;
        if (i < f.bounds.size()) {
          append_number(le, f.bounds[i]);
        } else {
          le = "+Inf";
        }
        append_series(out, f.name, "_bucket", f.label_names, s.label_values, &le);
        append_number(out, static_cast<double>(s.buckets[i]));
        out.push_back('\n');
      }
      append_series(out, f.name, "_sum", f.label_names, s.label_values, nullptr);
      append_number(out, s.sum);
      out.push_back('\n');
      append_series(out, f.name, "_count", f.label_names, s.label_values, nullptr);
      append_number(out, static_cast<double>(s.count));
      out.push_back('\n');
    }
  }
  return out;
}

std::vector<Snapshot> apply_views(const std::vector<Snapshot>& families, const std::vector<View>& views) {
  std::vector<Snapshot> out;
  for (const View& view : views) {
    auto source = std::find_if(families.begin(), families.end(),
                               [&](const Snapshot& f) { return f.name == view.source; });
    if (source == families.end()) continue;
    Snapshot result;
    result.name = view.name;
    result.help = view.help;
    result.kind = source->kind;
    result.bounds = source->bounds;
    std::vector<size_t> keep_index;
    bool missing = false;
    for (const auto& [from, to] : view.keep) {
      auto at = std::find(source->label_names.begin(), source->label_names.end(), from);
      if (at == source->label_names.end()) {
        missing = true;
        break;
      }
      keep_index.push_back(static_cast<size_t>(at - source->label_names.begin()));
      result.label_names.push_back(to);
    }
    if (missing) throw std::logic_error("view " + view.name + " keeps a label " + view.source + " lacks");
    std::vector<std::pair<size_t, const std::vector<std::string>*>> filters;
    for (const auto& [label, allowed] : view.only) {
      auto at = std::find(source->label_names.begin(), source->label_names.end(), label);
      if (at == source->label_names.end())
        throw std::logic_error("view " + view.name + " filters a missing label");
      filters.emplace_back(static_cast<size_t>(at - source->label_names.begin()), &allowed);
    }
    for (const auto& [name, value] : view.add) result.label_names.push_back(name);

    std::map<std::vector<std::string>, Sample> groups;
    for (const Sample& s : source->samples) {
      bool pass = std::all_of(filters.begin(), filters.end(), [&](const auto& f) {
        return std::find(f.second->begin(), f.second->end(), s.label_values[f.first]) != f.second->end();
      });
      if (!pass) continue;
      std::vector<std::string> key;
      key.reserve(result.label_names.size());
      for (size_t i : keep_index) key.push_back(s.label_values[i]);
      for (const auto& [name, value] : view.add) key.push_back(value);
      auto [it, fresh] = groups.try_emplace(key);
      Sample& into = it->second;
      if (fresh) {
        into.label_values = key;
        into.buckets.assign(s.buckets.size(), 0);
      }
      into.value += s.value;
      for (size_t i = 0; i < s.buckets.size() && i < into.buckets.size(); ++i)
        into.buckets[i] += s.buckets[i];
      into.sum += s.sum;
      into.count += s.count;
    }
    for (auto& [key, sample] : groups) result.samples.push_back(std::move(sample));
    // Views of the same name (produce and consume bytes) make one family.
    auto same =
        std::find_if(out.begin(), out.end(), [&](const Snapshot& f) { return f.name == result.name; });
    if (same == out.end()) {
      out.push_back(std::move(result));
    } else {
      for (auto& sample : result.samples) same->samples.push_back(std::move(sample));
    }
  }
  return out;
}

}  // namespace runnel::metrics
