#pragma once
// The last write sequence number the store has synced to disk, kept in a
// small file beside the database (HERALD-SYNCED). At start, a database that
// recovers to a lower sequence number has lost writes that were reported
// durable: its write-ahead log was truncated, removed or damaged. RocksDB
// cannot tell that from a clean end of its log; this file can.
//
// The file is rewritten in place (pwrite, 24 bytes: the number twice, once
// inverted, so a torn write reads as "unknown") after every WAL sync and
// flushed to disk at most once a second. It therefore never runs ahead of
// the log: after a process crash it is at most one group commit behind,
// after a machine crash at most a second (a loss within that goes
// unnoticed).
#include <cstdint>
#include <optional>
#include <string>

#include "storage/result.hpp"

namespace herald::storage {

class synced_mark {
 public:
  // Opens (creating when missing) the mark of the database in `dir`.
  static result<synced_mark> open(const std::string& dir);
  synced_mark() = default;
  synced_mark(synced_mark&&) noexcept;
  synced_mark& operator=(synced_mark&&) noexcept;
  ~synced_mark();

  // What the file held when opened; empty when there was none or it was
  // unreadable.
  std::optional<uint64_t> recorded() const { return recorded_; }
  // Records `seq` (no disk flush); ignored unless it moves the mark up.
  void note(uint64_t seq);
  // Flushes what `note` wrote to disk, if anything.
  void sync();
  // Sets the mark to `seq`, also downwards, and flushes it (after the loss
  // of writes was accepted).
  status reset(uint64_t seq);

  static constexpr const char* file_name = "HERALD-SYNCED";

 private:
  bool write(uint64_t seq);
  int fd_ = -1;
  std::optional<uint64_t> recorded_;
  uint64_t noted_ = 0;
  bool dirty_ = false;
};

}  // namespace herald::storage
