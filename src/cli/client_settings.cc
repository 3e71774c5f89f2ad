#include "cli/client_settings.h"

#include <charconv>
#include <cstdlib>

#include "cli/time_spec.h"

extern char** environ;

namespace runnel::cli {

std::string HostPort::to_string() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out.append(":").append(std::to_string(port));
}

Outcome<HostPort> parse_host_port(std::string_view text, uint16_t default_port) {
  const std::string shown(text);
  HostPort hp;
  std::string_view port_text;
  if (text.empty()) return fail("empty address (expected host:port)");
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("invalid address '" + shown + "': missing ']'");
    hp.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("invalid address '" + shown + "' (expected [host]:port)");
      port_text = rest.substr(1);
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      return fail("invalid address '" + shown + "': write IPv6 addresses as [addr]:port");
    }
    if (colon == std::string_view::npos) {
      hp.host = std::string(text);
    } else {
      hp.host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return fail("invalid address '" + shown + "': empty port");
    }
  }
  if (hp.host.empty()) return fail("invalid address '" + shown + "': empty host");
  hp.port = default_port;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return fail("invalid address '" + shown + "': port must be 1-65535");
    }
    hp.port = static_cast<uint16_t>(port);
  }
  return hp;
}

Outcome<std::vector<HostPort>> parse_host_list(std::string_view text, uint16_t default_port) {
  std::vector<HostPort> out;
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto hp = parse_host_port(item, default_port);
    if (!hp.ok()) return hp.failure();
    out.push_back(std::move(*hp));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::string ClientSettings::bootstrap() const {
  std::string out;
  for (const HostPort& b : brokers) {
    if (!out.empty()) out.push_back(',');
    out.append(b.to_string());
  }
  return out;
}

const std::map<std::string, std::string>& x_option_help() {
  static const std::map<std::string, std::string> kHelp = {
      {"brokers", "Kafka addresses, host:port[,host:port...] (same as --brokers)"},
      {"admin.hosts", "admin API address, host:port (same as --admin-url)"},
      {"globals.dial_timeout", "how long a connect may take, e.g. 3s (same as --connect-timeout)"},
  };
  return kHelp;
}

namespace {

// "http://host:port/" or "host:port" -> host:port.
std::string_view strip_url(std::string_view url) {
  if (url.starts_with("http://")) url.remove_prefix(7);
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  // Only the first of several admin hosts is used.
  if (size_t comma = url.find(','); comma != std::string_view::npos) url = url.substr(0, comma);
  return url;
}

}  // namespace

Outcome<ClientSettings> resolve_client_settings(const GlobalFlags& flags,
                                                const std::map<std::string, std::string>& env) {
  std::string brokers = "127.0.0.1:9092";
  std::string admin = "127.0.0.1:9644";
  std::string timeout;
  if (auto it = env.find("RUNNEL_BROKERS"); it != env.end() && !it->second.empty()) brokers = it->second;
  if (auto it = env.find("RUNNEL_ADMIN_URL"); it != env.end() && !it->second.empty()) admin = it->second;
  for (const std::string& x : flags.x_opts) {
    const size_t eq = x.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail("-X takes key=value, got '" + x + "' (keys: brokers, admin.hosts, globals.dial_timeout)");
    }
    const std::string key = x.substr(0, eq);
    const std::string value = x.substr(eq + 1);
    if (key == "brokers") {
      brokers = value;
    } else if (key == "admin.hosts") {
      admin = value;
    } else if (key == "globals.dial_timeout") {
      timeout = value;
    } else {
      std::string m = "unknown -X key '";
      m.append(key).append("'; known keys:");
      for (const auto& [k, help] : x_option_help()) m.append(" ").append(k);
      return fail(std::move(m));
    }
  }
  if (!flags.brokers.empty()) brokers = flags.brokers;
  if (!flags.admin_url.empty()) admin = flags.admin_url;
  if (!flags.connect_timeout.empty()) timeout = flags.connect_timeout;

  ClientSettings s;
  auto list = parse_host_list(brokers, kDefaultKafkaPort);
  if (!list.ok()) return fail("brokers: " + list.error());
  s.brokers = std::move(*list);
  auto admin_hp = parse_host_port(strip_url(admin), kDefaultAdminPort);
  if (!admin_hp.ok()) return fail("admin URL: " + admin_hp.error());
  s.admin = std::move(*admin_hp);
  if (!timeout.empty()) {
    auto ms = parse_duration_ms(timeout);
    if (!ms.ok()) return fail("connect timeout: " + ms.error());
    if (*ms < 1) return fail("connect timeout must be at least 1ms");
    s.connect_timeout_ms = *ms;
  }
  if (flags.format.empty() || flags.format == "text") {
    s.format = OutputFormat::kText;
  } else if (flags.format == "json") {
    s.format = OutputFormat::kJson;
  } else {
    return fail("--format must be text or json, got '" + flags.format + "'");
  }
  s.verbose = flags.verbose;
  return s;
}

std::map<std::string, std::string> runnel_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("RUNNEL_")) continue;
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

}  // namespace runnel::cli
