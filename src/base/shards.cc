#include "base/shards.h"

#include <boost/asio/executor_work_guard.hpp>

namespace runnel {

namespace {
// Which shard the calling thread runs; set once per shard thread.
thread_local unsigned tls_shard = ~0u;
}  // namespace

Shards::Shards(unsigned count) {
  if (count == 0) count = 1;
  for (unsigned i = 0; i < count; ++i) contexts_.push_back(std::make_unique<asio::io_context>(1));
}

Shards::~Shards() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

unsigned Shards::current() const { return tls_shard < count() ? tls_shard : count(); }

void Shards::run() {
  auto run_one = [this](unsigned shard) {
    tls_shard = shard;
    auto guard = asio::make_work_guard(*contexts_[shard]);
    contexts_[shard]->run();
    tls_shard = ~0u;
  };
  for (unsigned s = 1; s < count(); ++s) threads_.emplace_back(run_one, s);
  run_one(0);
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Shards::enter(unsigned shard) { tls_shard = shard; }

void Shards::stop() {
  for (auto& c : contexts_) c->stop();
}

}  // namespace runnel
