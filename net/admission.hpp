#pragma once
// Admission limits of one node (limits.ns_connections, ns_push_rate,
// admin_failures): what one tenant or one source address may take of it.
// Thread-safe (Asio threads ask), pure (the caller passes the time), so
// Catch2 drives it. A limit of 0 is no limit.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace herald {

class admission {
 public:
  using clock = std::chrono::steady_clock;

  admission(size_t ns_connections, size_t ns_push_rate, size_t admin_failures)
    : ns_connections_(ns_connections), push_rate_(ns_push_rate), admin_failures_(admin_failures) {}

  // A WebSocket session of `ns` opens: the counter to release when it
  // closes, or nullptr when the namespace is at its limit on this node (or
  // there is no limit: nothing to release then). `full` says which.
  std::atomic<uint32_t>* open_session(const std::string& ns, bool& full) {
    full = false;
    if (ns_connections_ == 0) return nullptr;
    std::lock_guard lock(mtx_);
    auto& c = sessions_[ns];
    if (!c) c = std::make_unique<std::atomic<uint32_t>>(0);
    if (c->load() >= ns_connections_) {
      full = true;
      return nullptr;
    }
    c->fetch_add(1);
    return c.get();
  }
  static void close_session(std::atomic<uint32_t>* c) {
    if (c) c->fetch_sub(1);
  }

  // `n` pushes of `ns` may go now (a token bucket of ns_push_rate per
  // second, as deep as one second); else `retry_after` says in how many
  // seconds. A batch larger than the bucket's depth never fits: it waits
  // for a full bucket and takes all of it.
  bool push(const std::string& ns, clock::time_point now, int64_t& retry_after, size_t n = 1) {
    if (push_rate_ == 0) return true;
    std::lock_guard lock(mtx_);
    auto rate = static_cast<double>(push_rate_);
    auto [it, fresh] = buckets_.try_emplace(ns, bucket{rate, now});
    auto& b = it->second;
    if (!fresh) {
      b.tokens = std::min(rate, b.tokens + rate * std::chrono::duration<double>(now - b.at).count());
      b.at = now;
    }
    auto want = std::min(static_cast<double>(n), rate);
    if (b.tokens >= want) {
      b.tokens -= want;
      return true;
    }
    retry_after = std::max<int64_t>(1, static_cast<int64_t>((want - b.tokens) / rate + 0.999));
    return false;
  }

  // Whether `addr` has failed admin auth admin_failures times in the
  // current minute (every admin call from it is refused until the minute
  // ends); `failed` counts one more.
  bool admin_blocked(const std::string& addr, clock::time_point now) {
    if (admin_failures_ == 0) return false;
    std::lock_guard lock(mtx_);
    auto i = failures_.find(addr);
    if (i == failures_.end()) return false;
    if (now - i->second.since >= std::chrono::minutes(1)) {
      failures_.erase(i);
      return false;
    }
    return i->second.count >= admin_failures_;
  }
  void admin_failed(const std::string& addr, clock::time_point now) {
    if (admin_failures_ == 0) return;
    std::lock_guard lock(mtx_);
    if (failures_.size() > 4096) {  // many sources: forget those past their minute
      for (auto i = failures_.begin(); i != failures_.end();)
        i = now - i->second.since >= std::chrono::minutes(1) ? failures_.erase(i) : std::next(i);
    }
    auto& f = failures_[addr];
    if (f.count == 0 || now - f.since >= std::chrono::minutes(1)) f = window{now, 0};
    ++f.count;
  }

 private:
  struct bucket {
    double tokens;
    clock::time_point at;
  };
  struct window {
    clock::time_point since;
    size_t count = 0;
  };
  size_t ns_connections_, push_rate_, admin_failures_;
  std::mutex mtx_;
  std::unordered_map<std::string, std::unique_ptr<std::atomic<uint32_t>>> sessions_;
  std::unordered_map<std::string, bucket> buckets_;
  std::unordered_map<std::string, window> failures_;
};

}  // namespace herald
