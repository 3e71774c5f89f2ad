// runnel topic produce: records from stdin, parsed with rpk's input format,
// produced through a librdkafka producer; one output line per delivered record.
#include <poll.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "cli/command.h"
#include "cli/input_format.h"
#include "cli/kafka_client.h"
#include "cli/record_format.h"

namespace runnel::cli {

namespace {

struct ProduceFlags {
  std::string topic;
  std::string key;
  bool has_key = false;
  std::vector<std::string> headers;
  int partition = -1;
  std::string format = "%v\\n";
  std::string output_format = "Produced to partition %p at offset %o with timestamp %d.\\n";
  bool tombstone = false;
  std::string compression = "snappy";
  int acks = -1;
};

struct ProduceState {
  const RecordFormat* output = nullptr;  // nullptr: print nothing
  bool json = false;
  int64_t delivered = 0;
  int64_t failed = 0;
};

void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* /*opaque*/) {
  auto* state = static_cast<ProduceState*>(m->_private);
  if (!state) return;
  const char* topic = rd_kafka_topic_name(m->rkt);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++state->failed;
    std::fprintf(stderr, "record to %s not produced: %s\n", topic, kafka_error(m->err).c_str());
    return;
  }
  rd_kafka_timestamp_type_t type;
  const int64_t ts = rd_kafka_message_timestamp(m, &type);
  if (state->json) {
    Json row;
    row.set("topic", topic);
    row.set("partition", m->partition);
    row.set("offset", m->offset);
    row.set("timestamp", ts);
    print_json(row);
  } else if (state->output) {
    FormatRecord r;
    r.topic = topic;
    if (m->key) r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
    r.partition = m->partition;
    r.offset = m->offset;
    r.timestamp_ms = ts;
    r.index = state->delivered;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        r.headers.emplace_back(name, value ? std::optional<std::string_view>(
                                                 std::string_view(static_cast<const char*>(value), size))
                                           : std::nullopt);
      }
    }
    print_out(state->output->format(r));
  }
  std::fflush(stdout);
  ++state->delivered;
}

volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) {
  g_interrupted = 1;
}

struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
};

Outcome<int> topic_produce(const ProduceFlags& f, const ClientSettings& s) {
  auto input = InputFormat::compile(f.format);
  if (!input.ok()) return input.failure();
  std::optional<RecordFormat> output;
  const bool json_out = s.json() || f.output_format == "json";
  if (!json_out && !f.output_format.empty()) {
    auto compiled = RecordFormat::compile(f.output_format);
    if (!compiled.ok()) return fail("--output-format: " + compiled.error());
    output = std::move(*compiled);
  }
  if (f.topic.empty() && !input->parses_topic())
    return fail("give a topic, or read it from the input with %t");
  std::vector<std::pair<std::string, std::string>> headers;
  for (const std::string& h : f.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) return fail("--header takes key:value, got '" + h + "'");
    headers.emplace_back(h.substr(0, colon), h.substr(colon + 1));
  }
  if (f.acks != -1 && f.acks != 0 && f.acks != 1) return fail("--acks must be -1 (all), 0 or 1");
  auto client = KafkaClient::connect(s, KafkaClient::Kind::kProducer,
                                     {{"acks", std::to_string(f.acks)},
                                      {"compression.codec", f.compression},
                                      {"partitioner", "murmur2_random"},  // Java's and rpk's key hashing
                                      {"linger.ms", "5"},
                                      {"message.timeout.ms", "30000"}},
                                     [](rd_kafka_conf_t* conf) -> Outcome<Unit> {
                                       rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
                                       return done();
                                     });
  if (!client.ok()) return client.failure();
  rd_kafka_t* rk = (*client)->handle();
  int32_t partition_count = -1;
  if (!f.topic.empty()) {
    auto md = (*client)->topics_metadata({f.topic});
    if (!md.ok()) return md.failure();
    partition_count = static_cast<int32_t>(md->topics.front().partitions.size());
    if (f.partition >= partition_count) {
      return fail("topic " + f.topic + " has no partition " + std::to_string(f.partition));
    }
  }

  ProduceState state;
  state.output = output ? &*output : nullptr;
  state.json = json_out;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::set<std::string> known_topics;
  if (!f.topic.empty()) known_topics.insert(f.topic);
  std::string buffer;
  bool eof = false;
  int64_t produced = 0;
  std::optional<Failure> input_error;
  while (!g_interrupted) {
    ParsedRecord rec;
    auto step = input->next(buffer, eof, rec);
    if (!step.ok()) {
      input_error = step.failure();
      break;
    }
    if (*step == InputFormat::Step::kDone) break;
    if (*step == InputFormat::Step::kNeedMore) {
      // Wait for input while serving delivery reports, so a line typed at a
      // terminal is reported as soon as it is acknowledged.
      pollfd p{STDIN_FILENO, POLLIN, 0};
      const int ready = ::poll(&p, 1, 100);
      rd_kafka_poll(rk, 0);
      if (ready <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n > 0) {
        buffer.append(chunk, static_cast<size_t>(n));
      } else if (n == 0) {
        eof = true;
      } else if (errno != EINTR && errno != EAGAIN) {
        input_error = fail(std::string("reading stdin: ").append(std::strerror(errno)));
        break;
      }
      continue;
    }
    const std::string topic = rec.topic.value_or(f.topic);
    if (!known_topics.contains(topic)) {
      // A topic read from the input is checked once, so a typo fails now
      // rather than after the delivery timeout.
      auto md = (*client)->topics_metadata({topic});
      if (!md.ok()) {
        input_error = md.failure();
        break;
      }
      known_topics.insert(topic);
    }
    const int32_t partition = rec.partition.value_or(f.partition < 0 ? RD_KAFKA_PARTITION_UA : f.partition);
    std::optional<std::string> key = rec.key;
    if (!key && f.has_key) key = f.key;
    const std::string value = rec.value.value_or("");
    const bool null_value = f.tombstone && value.empty();
    std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> hdrs;
    if (!headers.empty()) {
      hdrs.reset(rd_kafka_headers_new(headers.size()));
      for (const auto& [k, v] : headers) {
        rd_kafka_header_add(hdrs.get(), k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
      }
    }
    const void* key_ptr = key ? key->data() : nullptr;
    const size_t key_len = key ? key->size() : 0;
    void* value_ptr = null_value ? nullptr : const_cast<char*>(value.data());
    const size_t value_len = null_value ? 0 : value.size();
    while (true) {
      rd_kafka_headers_t* h = hdrs ? hdrs.get() : nullptr;
      const rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_ptr, key_len),
                            RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_HEADERS(h),
                            RD_KAFKA_V_OPAQUE(&state), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void)hdrs.release();  // librdkafka owns them now
        ++produced;
        break;
      }
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 100);
        continue;
      }
      std::string m = "cannot produce to ";
      m.append(topic).append(": ").append(kafka_error(err));
      input_error = fail(std::move(m));
      break;
    }
    if (input_error) break;
    rd_kafka_poll(rk, 0);
  }
  // Whatever was queued is still delivered (or reported as failed).
  const rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, 35000);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return fail(std::to_string(rd_kafka_outq_len(rk)) +
                " record(s) not acknowledged in time: " + kafka_error(flushed));
  }
  if (input_error) return *input_error;
  if (state.failed > 0) {
    return fail(std::to_string(state.failed) + " of " + std::to_string(produced) + " record(s) not produced");
  }
  return kExitOk;
}

}  // namespace

void add_produce_command(CLI::App& topic, CommandRegistry& registry) {
  auto f = std::make_shared<ProduceFlags>();
  CLI::App* cmd =
      topic.add_subcommand("produce", "Produce records read from stdin (one per line by default)");
  cmd->add_option("topic", f->topic, "Topic to produce to (or parse it from the input with %t)")
      ->type_name("TOPIC");
  cmd->add_option("-k,--key", f->key, "A fixed key for every record (a key parsed with %k wins)")
      ->type_name("KEY")
      ->each([f](const std::string&) { f->has_key = true; });
  cmd->add_option("-H,--header", f->headers, "A header for every record (repeatable)")
      ->type_name("KEY:VALUE");
  cmd->add_option("-p,--partition", f->partition, "Produce to this partition [by key hash, or spread]")
      ->type_name("N");
  cmd->add_option("-f,--format", f->format, "Input format: %v value, %k key, %t topic, %p partition [%v\\n]")
      ->type_name("FORMAT");
  cmd->add_option("-o,--output-format", f->output_format,
                  "Printed per acknowledged record, in consume's format language, or json; '' prints nothing "
                  "[Produced to partition %p at offset %o with timestamp %d.\\n]")
      ->type_name("FORMAT");
  cmd->add_flag("-Z,--tombstone", f->tombstone, "Produce empty values as null (tombstones)");
  cmd->add_option("-z,--compression", f->compression, "none, gzip, snappy, lz4 or zstd [snappy]")
      ->type_name("CODEC");
  cmd->add_option("--acks", f->acks, "-1 (all in-sync replicas), 1 (leader) or 0 (none) [-1]")
      ->type_name("N");
  cmd->footer(
      examples({"echo '{\"temp\":21.5}' | runnel topic produce heatpump-realtime --key device-001",
                "printf 'k1 v1\\nk2 v2\\n' | runnel topic produce orders -f '%k %v\\n'",
                "runnel topic produce orders -H source:cli -p 0 < records.txt",
                "echo hi | runnel topic produce orders -o '%p/%o\\n'",
                "echo hi | runnel topic --format json produce orders"}) +
      "\nThe input format reads fields up to the text that follows them; escapes \\n \\t \\r \\\\ \\xNN.\n");
  registry.add(cmd, [f](const ClientSettings& s) { return topic_produce(*f, s); });
}

}  // namespace runnel::cli
