#include "storage/synced_mark.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace herald::storage {

namespace {
constexpr uint64_t magic = 0x4852'4c44'5359'4e43ULL;  // "HRLDSYNC"

void put64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t get64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}
}  // namespace

result<synced_mark> synced_mark::open(const std::string& dir) {
  auto path = dir + "/" + file_name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    auto kind = errno == ENOSPC || errno == EIO || errno == EDQUOT ? fault::io : fault::unusable;
    return failure{kind, "cannot open " + path + ": " + std::strerror(errno)};
  }
  synced_mark m;
  m.fd_ = fd;
  unsigned char buf[24];
  if (::pread(fd, buf, sizeof buf, 0) == static_cast<ssize_t>(sizeof buf)) {
    auto seq = get64(buf + 8);
    if (get64(buf) == magic && get64(buf + 16) == ~seq) m.recorded_ = seq;
  }
  m.noted_ = m.recorded_.value_or(0);
  return m;
}

synced_mark::synced_mark(synced_mark&& o) noexcept
  : fd_(std::exchange(o.fd_, -1)), recorded_(o.recorded_), noted_(o.noted_), dirty_(o.dirty_) {}
synced_mark& synced_mark::operator=(synced_mark&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    recorded_ = o.recorded_;
    noted_ = o.noted_;
    dirty_ = o.dirty_;
  }
  return *this;
}
synced_mark::~synced_mark() {
  if (fd_ < 0) return;
  sync();
  ::close(fd_);
}

bool synced_mark::write(uint64_t seq) {
  unsigned char buf[24];
  put64(buf, magic);
  put64(buf + 8, seq);
  put64(buf + 16, ~seq);
  return fd_ >= 0 && ::pwrite(fd_, buf, sizeof buf, 0) == static_cast<ssize_t>(sizeof buf);
}

void synced_mark::note(uint64_t seq) {
  if (seq <= noted_) return;
  // A failed write leaves the older, lower mark: weaker, never wrong.
  if (write(seq)) {
    noted_ = seq;
    dirty_ = true;
  }
}

void synced_mark::sync() {
  if (!dirty_ || fd_ < 0) return;
  if (::fdatasync(fd_) == 0) dirty_ = false;
}

status synced_mark::reset(uint64_t seq) {
  if (!write(seq) || ::fdatasync(fd_) != 0)
    return failure{fault::io, std::string("cannot write ") + file_name + ": " + std::strerror(errno)};
  noted_ = seq;
  recorded_ = seq;
  dirty_ = false;
  return ok();
}

}  // namespace herald::storage
