// fanout-floor: the least a fan-out server can do per delivery, to measure
// what this machine allows any server. One thread on epoll; a publish is
// encoded into one WebSocket frame once and written with one send() per
// subscriber, straight from the request handler: no routing, no actors, no
// queue unless a socket is full, no storage. It speaks nchan's dialect
// (WebSocket subscribe on /sub/<channel>, HTTP POST /pub/<channel>, answered
// 202 once the frame went to every subscriber), so herald-bench drives it
// with --server nchan unchanged.
//
// A benchmark reference, not a server: no ping, no auth, no limits beyond
// the open file limit. It stops by itself after --seconds, or on SIGTERM.
//
// --uring (built when liburing-dev is present): a publish's sends go as
// io_uring send operations, submitted a ring at a time, instead of one
// send() syscall each; the same bytes, the same fallback to EPOLLOUT for
// what a socket does not take. It measures whether io_uring pays for
// fan-out writes on this kernel (issue 21's write policy).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/ws_codec.hpp"

#ifdef HERALD_URING
#include <liburing.h>
#endif

namespace {

volatile sig_atomic_t stopping = 0;

struct conn {
  int fd = -1;
  std::string in;   // request bytes not yet handled
  std::string out;  // bytes the socket did not take yet
  bool subscriber = false;
  bool dead = false;
  std::string channel;
  size_t slot = 0;  // index in its channel's list
};

struct floor_server {
  int ep = -1;
  int listener = -1;
  std::vector<std::unique_ptr<conn>> by_fd;  // index: fd
  std::unordered_map<std::string, std::vector<conn*>> channels;
  std::vector<conn*> dying;
  uint64_t publishes = 0, deliveries = 0, queued = 0;
#ifdef HERALD_URING
  bool uring = false;
  io_uring ring{};
  static constexpr unsigned ring_entries = 4096;
#endif

  void watch(conn* c, bool want_out) {
    epoll_event ev{};
    ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
    ev.data.fd = c->fd;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  }

  // One send(); what the socket does not take waits for EPOLLOUT.
  void send_to(conn* c, const char* p, size_t n) {
    if (c->dead) return;
    if (!c->out.empty()) {
      c->out.append(p, n);
      return;
    }
    ssize_t w = ::send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return kill(c);
    size_t done = w < 0 ? 0 : static_cast<size_t>(w);
    if (done < n) {
      c->out.assign(p + done, n - done);
      ++queued;
      watch(c, true);
    }
  }

  void flush(conn* c) {
    ssize_t w = ::send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return kill(c);
    if (w > 0) c->out.erase(0, static_cast<size_t>(w));
    if (c->out.empty()) watch(c, false);
  }

  // Closed after the current event, so a fan-out loop never sees its list change.
  void kill(conn* c) {
    if (c->dead) return;
    c->dead = true;
    dying.push_back(c);
  }

  void reap() {
    for (conn* c : dying) {
      if (c->subscriber) {
        auto& list = channels[c->channel];
        list[c->slot] = list.back();
        list[c->slot]->slot = c->slot;
        list.pop_back();
      }
      epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
      ::close(c->fd);
      by_fd[c->fd].reset();
    }
    dying.clear();
  }

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (static_cast<size_t>(fd) >= by_fd.size()) by_fd.resize(fd + 1024);
      by_fd[fd] = std::make_unique<conn>();
      by_fd[fd]->fd = fd;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  void readable(conn* c) {
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return kill(c);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) kill(c);
        break;
      }
      // A subscriber's frames (pongs, close) are not needed: its end is the EOF.
      if (!c->subscriber) c->in.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) break;
    }
    while (!c->dead && !c->subscriber && handle_request(c)) {
    }
  }

  static std::string_view header(std::string_view head, std::string_view name) {
    size_t at = 0;
    while ((at = head.find("\r\n", at)) != std::string_view::npos) {
      at += 2;
      auto line = head.substr(at, head.find("\r\n", at) - at);
      auto colon = line.find(':');
      if (colon != name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0) continue;
      auto v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      return v;
    }
    return {};
  }

  // Handles one complete request from c->in; false when none is complete.
  bool handle_request(conn* c) {
    auto end = c->in.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c->in.size() > 65536) kill(c);
      return false;
    }
    std::string_view head(c->in.data(), end);
    auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return answer_and_close(c, "400 Bad Request");
    auto method = head.substr(0, sp1), target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    if (method == "GET" && target.substr(0, 5) == "/sub/") {
      auto key = header(head, "Sec-WebSocket-Key");
      if (!herald::ws::valid_client_key(key)) return answer_and_close(c, "400 Bad Request");
      std::string res = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: " + herald::ws::accept_key(key) + "\r\n\r\n";
      c->subscriber = true;
      c->channel = std::string(target.substr(5));
      auto& list = channels[c->channel];
      c->slot = list.size();
      list.push_back(c);
      c->in.clear();
      send_to(c, res.data(), res.size());
      return false;
    }
    if (method == "POST" && target.substr(0, 5) == "/pub/") {
      auto len_text = header(head, "Content-Length");
      size_t len = std::strtoul(std::string(len_text).c_str(), nullptr, 10);
      if (len > (1u << 20)) return answer_and_close(c, "413 Payload Too Large");
      if (c->in.size() < end + 4 + len) return false;
      std::string_view body(c->in.data() + end + 4, len);
      publish(std::string(target.substr(5)), body);
      static const char accepted[] = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
      send_to(c, accepted, sizeof accepted - 1);
      c->in.erase(0, end + 4 + len);
      return true;
    }
    return answer_and_close(c, "404 Not Found");
  }

  bool answer_and_close(conn* c, const char* status) {
    std::string res = std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send_to(c, res.data(), res.size());
    kill(c);
    return false;
  }

  void publish(const std::string& channel, std::string_view body) {
    std::string frame(herald::ws::max_header, '\0');
    frame.resize(herald::ws::frame_header(herald::ws::op_text, body.size(), reinterpret_cast<uint8_t*>(frame.data())));
    frame.append(body);
    ++publishes;
    auto it = channels.find(channel);
    if (it == channels.end()) return;
#ifdef HERALD_URING
    if (uring) return publish_uring(it->second, frame);
#endif
    for (conn* s : it->second) send_to(s, frame.data(), frame.size());
    deliveries += it->second.size();
  }

#ifdef HERALD_URING
  // One send operation per subscriber with nothing waiting, submitted a
  // ring at a time; each completion is what send() would have returned.
  void publish_uring(const std::vector<conn*>& subs, const std::string& frame) {
    unsigned pending = 0;
    auto reap = [&] {
      io_uring_submit_and_wait(&ring, pending);
      io_uring_cqe* cqe;
      unsigned head, seen = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        conn* c = by_fd[static_cast<size_t>(cqe->user_data)].get();
        int res = cqe->res;
        if (!c || c->dead) continue;
        if (res < 0 && res != -EAGAIN) {
          kill(c);
          continue;
        }
        size_t done = res < 0 ? 0 : static_cast<size_t>(res);
        if (done < frame.size()) {
          c->out.assign(frame.data() + done, frame.size() - done);
          ++queued;
          watch(c, true);
        }
      }
      io_uring_cq_advance(&ring, seen);
      pending = 0;
    };
    for (conn* s : subs) {
      if (s->dead) continue;
      if (!s->out.empty()) {
        s->out.append(frame);
        continue;
      }
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (!sqe) {
        reap();
        sqe = io_uring_get_sqe(&ring);
      }
      io_uring_prep_send(sqe, s->fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      sqe->user_data = static_cast<uint64_t>(s->fd);
      ++pending;
    }
    if (pending) reap();
    deliveries += subs.size();
  }
#endif
};

void on_signal(int) { stopping = 1; }

}  // namespace

int main(int argc, char** argv) {
  int port = 18950;
  double seconds = 600;
  bool uring_mode = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--uring") {
#ifdef HERALD_URING
      uring_mode = true;
#else
      std::fprintf(stderr, "fanout-floor: built without liburing-dev: no --uring\n");
      return 2;
#endif
    } else if (a == "--port" && has_value) {
      port = std::atoi(argv[++i]);
    } else if (a == "--seconds" && has_value) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: fanout-floor [--port N] [--seconds S] [--uring]\n");
      return 2;
    }
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);

  floor_server s;
#ifdef HERALD_URING
  if (uring_mode) {
    int r = io_uring_queue_init(floor_server::ring_entries, &s.ring, 0);
    if (r < 0) {
      std::fprintf(stderr, "fanout-floor: io_uring_queue_init: %s\n", std::strerror(-r));
      return 1;
    }
    s.uring = true;
  }
#endif
  (void)uring_mode;
  s.listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s.listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s.listener, 4096) != 0) {
    std::fprintf(stderr, "fanout-floor: cannot listen on 127.0.0.1:%d: %s\n", port, std::strerror(errno));
    return 1;
  }
  s.ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = s.listener;
  epoll_ctl(s.ep, EPOLL_CTL_ADD, s.listener, &lev);
  std::fprintf(stderr, "fanout-floor: listening on 127.0.0.1:%d\n", port);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<epoll_event> events(1024);
  while (!stopping && std::chrono::steady_clock::now() < deadline) {
    int n = epoll_wait(s.ep, events.data(), static_cast<int>(events.size()), 200);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == s.listener) {
        s.accept_all();
        continue;
      }
      conn* c = static_cast<size_t>(fd) < s.by_fd.size() ? s.by_fd[fd].get() : nullptr;
      if (!c || c->dead) continue;
      if (events[i].events & EPOLLOUT) s.flush(c);
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) s.readable(c);
    }
    s.reap();
  }
  std::fprintf(stderr, "fanout-floor: %llu publishes, %llu deliveries, %llu sends queued\n",
               static_cast<unsigned long long>(s.publishes), static_cast<unsigned long long>(s.deliveries),
               static_cast<unsigned long long>(s.queued));
  return 0;
}
