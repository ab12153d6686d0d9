// herald-bench: opens N WebSocket connections to herald, a Socket.IO 4
// server or nginx+nchan, subscribes them to rooms (or one channel each),
// publishes over HTTP at a target rate (or as fast as accepted) and reports
// connect rate, deliveries per second, lost and duplicate messages and
// delivery latency from the stamp each payload carries. Every phase is
// bounded in time; the process stops by itself.
//
// Threads: one io_context per thread; a connection lives on one of them and
// its state is touched only there. Publishers run on the first.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/program_options.hpp>

#include "apps/bench/dialect.hpp"
#include "apps/bench/histogram.hpp"
#include "apps/bench/ws_client.hpp"
#include "net/tls.hpp"
#include "net/token.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace herald::bench;
using steady = std::chrono::steady_clock;

namespace {

uint64_t now_us() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

struct options {
  server kind = server::herald;
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint16_t pub_port = 0;  // 0: same as port
  std::string ports;      // several nodes: connections spread over these
  std::string ns = "bench", secret = "bench-secret";
  size_t conns = 1000;
  size_t rooms = 1;
  std::string mode = "room";  // room | users | idle
  double rate = 0;            // publishes/s; 0 = as fast as accepted
  double duration = 10;
  double drain = 5;
  double hold = 2;  // idle: seconds to hold before measuring
  size_t publishers = 4;
  int64_t ttl = 0;
  size_t pad = 0;
  std::string src = "127.0.0.2-127.0.0.254";
  size_t window = 256;  // connects in flight
  double connect_timeout = 120;
  std::vector<int> pids;
  std::string run;
  size_t offset = 0;
  unsigned threads = 1;
  std::string json;
  std::string tls_ca;  // herald over TLS: wss and https, trusting this CA
};

// -- shared counters ----------------------------------------------------------

struct totals {
  std::atomic<uint64_t> ready{0}, failed{0}, closed{0};
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> sent{0}, accepted{0}, rejected{0};
  std::atomic<uint64_t> last_delivery_us{0};
};

// -- one WebSocket connection -------------------------------------------------

struct connection : std::enable_shared_from_this<connection> {
  connection(asio::io_context& io, size_t index) : sock(io), index(index) {}
  tcp::socket sock;
  ws::reader reader;  // frames in (apps/bench/ws_client.hpp)
  std::string head;   // the upgrade response until its blank line
  size_t index;
  std::vector<uint32_t> seqs;  // received publish seqs (loss and duplicates at the end)
  histogram* latency = nullptr; // this thread's
  // Frames out, encoded (joins, Socket.IO pongs, WebSocket pongs). A deque:
  // adding one must not move the one being written.
  std::deque<std::string> writes;
  bool writing = false;
  bool is_ready = false;
  bool failed = false;  // before it was ready
  nats_reader nats;     // NATS: the protocol stream across frames
  herald::ssl_ptr ssl;  // --tls-ca: the connection's TLS
};

struct bench {
  options opt;
  naming names;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<std::unique_ptr<histogram>> lat;  // per thread
  histogram api_lat;                            // publish round trips (thread 0)
  std::vector<std::shared_ptr<connection>> conns;
  std::vector<asio::ip::address_v4> sources;
  std::vector<tcp::endpoint> ws_eps;  // connection i goes to ws_eps[i % size]
  tcp::endpoint pub_ep;
  totals t;
  std::vector<uint64_t> room_accepted;  // per room
  std::vector<uint32_t> user_accepted;  // per connection (users mode)
  std::mt19937_64 rng{12345};
  std::string auth;  // the publishers' Authorization header (herald: Basic ns:secret)
  std::shared_ptr<herald::tls_context> tls;  // --tls-ca

  // connect phase
  size_t next_conn = 0, in_flight = 0;
  std::function<void()> on_all_connected;
  steady::time_point connect_start, connect_end;

  // publish phase
  bool publishing = false;
  double credits = 0;
  uint32_t next_seq = 0;
  steady::time_point pub_start, pub_end;
  uint64_t pub_start_us = 0;
  std::vector<std::function<void()>> idle_pubs;
};

bench* B = nullptr;

void connect_more();

void fail_conn(const std::shared_ptr<connection>& c, const char* where, const beast::error_code& ec) {
  if (c->failed) return;
  if (!c->is_ready) {
    static std::atomic<int> shown{0};
    if (shown++ < 5) std::fprintf(stderr, "connection %zu: %s: %s\n", c->index, where, ec.message().c_str());
    B->t.failed++;
    c->failed = true;  // counted once
    asio::post(*B->ios[0], [] {
      B->in_flight--;
      connect_more();
    });
  } else {
    B->t.closed++;
    c->failed = true;
  }
  beast::error_code ignore;
  c->sock.close(ignore);
}

void became_ready(const std::shared_ptr<connection>& c) {
  c->is_ready = true;
  B->t.ready++;
  // Posting keeps the connect loop on thread 0.
  asio::post(*B->ios[0], [] {
    B->in_flight--;
    connect_more();
  });
}

// TLS: runs `op` (an SSL call) until it wants nothing more, waiting for
// the socket in between; then `done(ec, n)`.
template <class Op, class Done>
void tls_io(const std::shared_ptr<connection>& c, Op op, Done done) {
  auto r = op();
  if (r.w == herald::tls::want::nothing) return done(r.ec, r.n);
  c->sock.async_wait(r.w == herald::tls::want::read ? tcp::socket::wait_read : tcp::socket::wait_write,
                     [c, op, done](beast::error_code ec) {
                       if (ec) return done(ec, size_t{0});
                       tls_io(c, op, done);
                     });
}

// Writes all of `data` (through TLS when the connection has it).
template <class Done>
void write_all(const std::shared_ptr<connection>& c, std::shared_ptr<const std::string> data, Done done) {
  if (!c->ssl)
    return asio::async_write(c->sock, asio::buffer(*data), [data, done](beast::error_code ec, size_t) { done(ec); });
  herald::tls::async_write_all(c->sock, c->ssl.get(), std::move(data), 0, [c, done](beast::error_code ec) { done(ec); });
}

void flush_writes(const std::shared_ptr<connection>& c) {
  if (c->writing || c->writes.empty()) return;
  c->writing = true;
  auto data = std::make_shared<const std::string>(std::move(c->writes.front()));
  write_all(c, data, [c](beast::error_code ec) {
    c->writing = false;
    c->writes.pop_front();
    if (!ec) flush_writes(c);
  });
}

// A delivered payload: its latency and sequence number.
void delivered(const std::shared_ptr<connection>& c, std::string_view f) {
  auto s = find_stamp(f);
  if (!s) return;
  auto now = now_us();
  c->latency->record(now > s->t_us ? now - s->t_us : 0);
  c->seqs.push_back(s->seq);
  B->t.delivered.fetch_add(1, std::memory_order_relaxed);
  B->t.last_delivery_us.store(now, std::memory_order_relaxed);
}

// NATS: a frame carries any part of the protocol stream. Subscribed once
// the PONG to the subscription's PING comes back.
void on_nats(const std::shared_ptr<connection>& c, std::string_view f) {
  bool ok = c->nats.feed(f, [&](nats_reader::op o, std::string_view payload) {
    using op = nats_reader::op;
    if (o == op::msg) return delivered(c, payload);
    if (o == op::info && !c->is_ready) {
      auto subject = B->opt.mode == "room" ? room_name(B->names, c->index % B->opt.rooms) : user_name(B->names, c->index);
      c->writes.push_back(ws::client_frame(ws::text, nats_subscribe(subject)));
    } else if (o == op::ping) {
      c->writes.push_back(ws::client_frame(ws::text, "PONG\r\n"));
    } else if (o == op::pong && !c->is_ready) {
      became_ready(c);
    } else if (o == op::err) {
      std::fprintf(stderr, "connection %zu: -ERR%.*s\n", c->index, static_cast<int>(payload.size()), payload.data());
    }
  });
  if (!ok) return fail_conn(c, "read", asio::error::invalid_argument);
  if (!c->writes.empty()) flush_writes(c);
}

void on_frame(const std::shared_ptr<connection>& c, std::string_view f) {
  auto kind = B->opt.kind;
  if (kind == server::nats) return on_nats(c, f);
  if (kind == server::socketio) {
    // Engine.IO: 0 open, 2 ping, 4 message; Socket.IO 40 connect, 42 event.
    if (f == "2") {
      c->writes.push_back(ws::client_frame(ws::text, "3"));
      return flush_writes(c);
    }
    if (f.size() >= 1 && f[0] == '0') {
      c->writes.push_back(ws::client_frame(ws::text, "40"));
      return flush_writes(c);
    }
    if (f.rfind("40", 0) == 0) {
      if (!c->is_ready) became_ready(c);
      return;
    }
  } else if (kind == server::herald_sio) {
    // Engine.IO over herald: 2 ping; 0 open -> CONNECT; 40 answer -> join
    // (room mode); 43 its ack -> ready; 42 events are deliveries.
    if (f == "2") {
      c->writes.push_back(ws::client_frame(ws::text, "3"));
      return flush_writes(c);
    }
    if (!c->is_ready) {
      if (f.size() >= 1 && f[0] == '0') {
        auto tok = herald::token::mint(B->opt.secret, user_name(B->names, c->index), 0);
        c->writes.push_back(ws::client_frame(ws::text, herald_sio_connect(B->opt.ns, tok, B->opt.ttl > 0 ? "d" : "")));
        return flush_writes(c);
      }
      if (f.rfind("40", 0) == 0) {
        if (B->opt.mode == "room") {
          c->writes.push_back(ws::client_frame(ws::text, herald_sio_join(B->opt.ns, room_name(B->names, c->index % B->opt.rooms))));
          return flush_writes(c);
        }
        return became_ready(c);
      }
      if (f.rfind("43", 0) == 0) return became_ready(c);
      if (f.rfind("44", 0) == 0)
        std::fprintf(stderr, "connection %zu: %.*s\n", c->index, static_cast<int>(f.size()), f.data());
      return;
    }
  } else if (kind == server::herald && !c->is_ready) {
    if (f.find("\"type\":\"welcome\"") != std::string_view::npos) {
      if (B->opt.mode == "room") {
        c->writes.push_back(ws::client_frame(ws::text, herald_join(room_name(B->names, c->index % B->opt.rooms))));
        return flush_writes(c);
      }
      return became_ready(c);
    }
    if (f.find("\"type\":\"reply\"") != std::string_view::npos) return became_ready(c);
    if (f.find("\"type\":\"error\"") != std::string_view::npos)
      std::fprintf(stderr, "connection %zu: %.*s\n", c->index, static_cast<int>(f.size()), f.data());
    return;
  }
  delivered(c, f);
}

// Feeds bytes read to the connection's frame reader.
bool on_bytes(const std::shared_ptr<connection>& c, const char* p, size_t n) {
  bool closed = false;
  bool ok = c->reader.feed(p, n, [&](ws::opcode op, std::string_view payload) {
    if (closed) return;
    if (op == ws::text || op == ws::binary) return on_frame(c, payload);
    if (op == ws::ping) {
      c->writes.push_back(ws::client_frame(ws::pong, payload));
      return flush_writes(c);
    }
    if (op == ws::close) closed = true;
  });
  if (!ok) fail_conn(c, "read", asio::error::invalid_argument);
  else if (closed) fail_conn(c, "read", asio::error::eof);
  return ok && !closed;
}

// Reads when the socket is readable, into one buffer per thread, until it
// has nothing more (the wait is edge-triggered).
void read_loop_tls(const std::shared_ptr<connection>& c) {
  static thread_local std::vector<char> scratch(1 << 16);
  for (int i = 0; i < 16; ++i) {
    auto r = herald::tls::read(c->ssl.get(), scratch.data(), scratch.size());
    if (r.w != herald::tls::want::nothing) {
      return c->sock.async_wait(r.w == herald::tls::want::read ? tcp::socket::wait_read : tcp::socket::wait_write,
                                [c](beast::error_code ec) {
                                  if (ec) return fail_conn(c, "read", ec);
                                  read_loop_tls(c);
                                });
    }
    if (r.ec) return fail_conn(c, "read", r.ec);
    if (!on_bytes(c, scratch.data(), r.n)) return;
  }
  asio::post(c->sock.get_executor(), [c] { read_loop_tls(c); });
}

void read_loop(const std::shared_ptr<connection>& c) {
  // TLS may hold decrypted bytes already: read before waiting.
  if (c->ssl) return read_loop_tls(c);
  c->sock.async_wait(tcp::socket::wait_read, [c](beast::error_code ec) {
    if (ec) return fail_conn(c, "read", ec);
    static thread_local std::vector<char> scratch(1 << 16);
    for (int i = 0; i < 16; ++i) {
      auto n = c->sock.read_some(asio::buffer(scratch), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) return read_loop(c);
      if (ec) return fail_conn(c, "read", ec);
      if (!on_bytes(c, scratch.data(), n)) return;
    }
    // A busy socket: let the others have the thread.
    asio::post(c->sock.get_executor(), [c] { read_loop(c); });
  });
}

// The upgrade response head, then frames (what followed it is the first of them).
void read_head(const std::shared_ptr<connection>& c) {
  // Its own buffer: an asynchronous read may fill it before its handler
  // runs, so a buffer shared by the thread's connections could be
  // overwritten in between (read_loop reads synchronously, after the wait).
  auto buf = std::make_shared<std::array<char, 2048>>();
  auto got = [c, buf](beast::error_code ec, size_t n) {
    if (ec) return fail_conn(c, "handshake", ec);
    c->head.append(buf->data(), n);
    auto len = ws::head_length(c->head);
    if (len == 0) {
      if (c->head.size() > 16384) return fail_conn(c, "handshake", asio::error::message_size);
      return read_head(c);
    }
    if (!ws::switched(c->head)) return fail_conn(c, "handshake", asio::error::connection_refused);
    std::string rest = c->head.substr(len);
    std::string().swap(c->head);
    c->sock.non_blocking(true, ec);  // read_loop's reads must not block the thread
    if (ec) return fail_conn(c, "handshake", ec);
    if (B->opt.kind == server::nchan) became_ready(c);
    if (!rest.empty() && !on_bytes(c, rest.data(), rest.size())) return;
    read_loop(c);
  };
  if (c->ssl) return tls_io(c, [c, buf] { return herald::tls::read(c->ssl.get(), buf->data(), buf->size()); }, got);
  c->sock.async_read_some(asio::buffer(*buf), got);
}

void start_conn(size_t i) {
  auto& io = *B->ios[i % B->ios.size()];
  auto c = std::make_shared<connection>(io, i);
  c->latency = B->lat[i % B->ios.size()].get();
  B->conns[i] = c;
  asio::post(io, [c] {
    auto& sock = c->sock;
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (!ec && !B->sources.empty()) {
      sock.set_option(asio::socket_base::reuse_address(true), ec);
      sock.bind(tcp::endpoint(B->sources[c->index % B->sources.size()], 0), ec);
    }
    if (ec) return fail_conn(c, "bind", ec);
    auto& ep = B->ws_eps[c->index % B->ws_eps.size()];
    sock.async_connect(ep, [c, &ep](beast::error_code ec) {
      if (ec) return fail_conn(c, "connect", ec);
      ws_target_args a{B->opt.kind, B->opt.ns, "", user_name(B->names, c->index), "", ""};
      if (B->opt.mode == "room" && !is_herald(B->opt.kind)) a.room = room_name(B->names, c->index % B->opt.rooms);
      if (is_herald(B->opt.kind)) {
        a.token = herald::token::mint(B->opt.secret, a.user, 0);
        if (B->opt.ttl > 0) a.client = "d";
      }
      auto target = ws_target(a);
      auto req = std::make_shared<const std::string>(ws::upgrade_request(B->opt.host + ":" + std::to_string(ep.port()), target));
      auto upgrade = [c, req] {
        write_all(c, req, [c](beast::error_code ec) {
          if (ec) return fail_conn(c, "handshake", ec);
          read_head(c);
        });
      };
      if (!B->tls) return upgrade();
      c->sock.non_blocking(true, ec);
      c->ssl = B->tls->open_on(static_cast<int>(c->sock.native_handle()));
      tls_io(c, [c] { return herald::tls::handshake(c->ssl.get()); }, [c, upgrade](beast::error_code ec, size_t) {
        if (ec) return fail_conn(c, "tls", ec);
        upgrade();
      });
    });
  });
}

void connect_more() {
  while (B->in_flight < B->opt.window && B->next_conn < B->opt.conns) {
    ++B->in_flight;
    start_conn(B->next_conn++);
  }
  if (B->next_conn == B->opt.conns && B->in_flight == 0 && B->on_all_connected) {
    auto f = std::move(B->on_all_connected);
    B->on_all_connected = nullptr;
    B->connect_end = steady::now();
    f();
  }
}

// -- publishers (thread 0) ----------------------------------------------------

struct publisher : std::enable_shared_from_this<publisher> {
  explicit publisher(asio::io_context& io) : sock(io) {}
  tcp::socket sock;
  std::unique_ptr<herald::tls_stream> tls;  // --tls-ca: over this, not sock
  beast::flat_buffer buf;
  std::string out;  // the request being written
  http::response<http::string_body> res;
  uint32_t seq = 0;
  size_t target_room = 0, target_user = 0;
  uint64_t t0 = 0;
  // NATS: its client protocol, not HTTP. The +OKs still owed (the CONNECT's
  // and the PUB's), and the lines read.
  bool nats_connected = false;
  int nats_owed = 0;
  std::string nats_in;
  nats_reader nats;

  void next() {
    if (!B->publishing) return;
    if (B->opt.rate > 0) {
      if (B->credits < 1) {
        B->idle_pubs.push_back([self = shared_from_this()] { self->next(); });
        return;
      }
      B->credits -= 1;
    }
    send();
  }

  void send() {
    seq = B->next_seq++;
    publish_args a{B->opt.kind, "", "", "", B->opt.ttl};
    if (B->opt.mode == "room") {
      target_room = seq % B->opt.rooms;
      a.room = room_name(B->names, target_room);
    } else {
      target_user = std::uniform_int_distribution<size_t>(0, B->opt.conns - 1)(B->rng);
      a.user = user_name(B->names, target_user);
    }
    t0 = now_us();
    a.payload = stamp(t0, seq, B->opt.pad);
    if (B->opt.kind == server::nats) return send_nats(publish_request(a));
    out = publish_wire(publish_request(a), B->opt.host, B->opt.kind == server::nchan ? "text/plain" : "application/json",
                       B->auth);
    B->t.sent++;
    if (tls) return exchange(*tls);
    exchange(sock);
  }

  // One request written and its answer read, on `stream` (held by this).
  template <class Stream>
  void exchange(Stream& stream) {
    auto self = shared_from_this();
    asio::async_write(stream, asio::buffer(out), [self, &stream](beast::error_code ec, size_t) {
      if (ec) return self->broken("write", ec);
      self->res = {};
      http::async_read(stream, self->buf, self->res, [self](beast::error_code ec, size_t) {
        if (ec) return self->broken("read", ec);
        self->answered();
      });
    });
  }

  // Connected: shake hands first with --tls-ca, then publish.
  void connected() {
    beast::error_code ignore;
    sock.set_option(tcp::no_delay(true), ignore);
    if (!B->tls) return next();
    tls = std::make_unique<herald::tls_stream>(std::move(sock), *B->tls);
    tls->async_handshake([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->broken("tls", ec);
      self->next();
    });
  }

  void accepted() {
    B->t.accepted++;
    B->api_lat.record(now_us() - t0);
    if (B->opt.mode == "room") ++B->room_accepted[target_room];
    else ++B->user_accepted[target_user];
  }

  void answered() {
    auto st = res.result_int();
    if (st >= 200 && st < 300) accepted();
    else if (B->t.rejected++ < 3) std::fprintf(stderr, "publish answered %u: %s\n", st, res.body().c_str());
    if (res.need_eof()) return broken("close", {});
    next();
  }

  // One PUB (after the CONNECT on a new connection), then read until its
  // +OK: verbose mode makes each publish a round trip, as over HTTP.
  void send_nats(const http_publish& p) {
    out.clear();
    if (!nats_connected) {
      out = nats_publisher();
      nats_connected = true;
      nats_owed = 1;
    }
    out += nats_pub(p.target, p.body);
    ++nats_owed;
    B->t.sent++;
    auto self = shared_from_this();
    asio::async_write(sock, asio::buffer(out), [self](beast::error_code ec, size_t) {
      if (ec) return self->broken("write", ec);
      self->read_nats();
    });
  }

  void read_nats() {
    auto self = shared_from_this();
    nats_in.resize(4096);
    sock.async_read_some(asio::buffer(nats_in), [self](beast::error_code ec, size_t n) {
      if (ec) return self->broken("read", ec);
      bool rejected = false;
      bool ok = self->nats.feed(std::string_view(self->nats_in.data(), n), [&](nats_reader::op o, std::string_view p) {
        if (o == nats_reader::op::ok) --self->nats_owed;
        if (o == nats_reader::op::err) {
          --self->nats_owed;
          rejected = true;
          if (B->t.rejected++ < 3) std::fprintf(stderr, "publish answered -ERR%.*s\n", static_cast<int>(p.size()), p.data());
        }
      });
      if (!ok) return self->broken("read", asio::error::invalid_argument);
      if (self->nats_owed > 0) return self->read_nats();
      if (!rejected) self->accepted();
      self->next();
    });
  }

  void broken(const char* where, beast::error_code ec) {
    if (B->t.rejected++ < 3) std::fprintf(stderr, "publisher %s: %s\n", where, ec.message().c_str());
    beast::error_code ignore;
    if (tls) {
      tls->close();
      tls.reset();
    }
    sock.close(ignore);
    // Reconnect and go on: a publisher never stops the run.
    auto self = shared_from_this();
    sock = tcp::socket(sock.get_executor());
    buf.clear();
    nats_connected = false;
    nats_owed = 0;
    nats = nats_reader{};
    sock.async_connect(B->pub_ep, [self](beast::error_code ec) {
      if (ec) return;  // the run goes on with the others
      self->connected();
    });
  }
};

void rate_tick(std::shared_ptr<asio::steady_timer> timer, steady::time_point last) {
  timer->expires_after(std::chrono::milliseconds(1));
  timer->async_wait([timer, last](beast::error_code ec) {
    if (ec || !B->publishing) return;
    auto now = steady::now();
    B->credits += B->opt.rate * std::chrono::duration<double>(now - last).count();
    // Bounded burst: at most 20 ms worth of credit piles up.
    B->credits = std::min(B->credits, std::max(1.0, B->opt.rate * 0.02) + B->opt.publishers);
    while (B->credits >= 1 && !B->idle_pubs.empty()) {
      auto f = std::move(B->idle_pubs.back());
      B->idle_pubs.pop_back();
      f();
    }
    rate_tick(timer, now);
  });
}

// -- measurement helpers ------------------------------------------------------

// Messages accepted for connection i so far.
uint64_t expected_of(const bench& b, size_t i) {
  return b.opt.mode == "room" ? b.room_accepted[i % b.opt.rooms] : b.user_accepted[i];
}

uint64_t rss_bytes(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}
uint64_t servers_rss() {
  uint64_t sum = 0;
  for (int p : B->opt.pids) sum += rss_bytes(p);
  return sum;
}

// CPU time (user + system) the servers have used so far, in seconds.
double servers_cpu_s() {
  double sum = 0;
  for (int p : B->opt.pids) {
    std::ifstream f("/proc/" + std::to_string(p) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto rp = all.rfind(')');  // the command name may hold spaces
    if (rp == std::string::npos) continue;
    std::istringstream rest(all.substr(rp + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15 of proc(5)
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    sum += static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return sum;
}

void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
  getrlimit(RLIMIT_NOFILE, &r);
  if (B->opt.conns + 64 > r.rlim_cur)
    std::fprintf(stderr, "warning: open file limit %llu < %zu connections + 64: run several bench processes\n",
                 static_cast<unsigned long long>(r.rlim_cur), B->opt.conns);
}

std::vector<asio::ip::address_v4> parse_sources(const std::string& spec) {
  std::vector<asio::ip::address_v4> out;
  if (spec.empty() || spec == "none") return out;
  auto dash = spec.find('-');
  auto from = asio::ip::make_address_v4(spec.substr(0, dash));
  auto to = dash == std::string::npos ? from : asio::ip::make_address_v4(spec.substr(dash + 1));
  for (auto a = from.to_uint(); a <= to.to_uint(); ++a) {
    auto addr = asio::ip::address_v4(a);
    // Loopback only: the bench never aims anywhere else.
    if ((a >> 24) != 127) throw std::runtime_error("source addresses must be in 127.0.0.0/8");
    out.push_back(addr);
  }
  return out;
}

std::string fmt(double v, int prec = 0) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  bench b;
  B = &b;
  auto& o = b.opt;
  std::string kind = "herald", pids;
  po::options_description desc("herald-bench options");
  desc.add_options()
    ("help", "this text")
    ("server", po::value(&kind)->default_value("herald"), "herald | herald-sio | socketio | nchan | nats (--pub-port: its client port)")
    ("host", po::value(&o.host)->default_value("127.0.0.1"), "server address (loopback only)")
    ("port", po::value(&o.port)->default_value(8080), "WebSocket port")
    ("pub-port", po::value(&o.pub_port)->default_value(0), "HTTP publish port (default: --port)")
    ("ports", po::value(&o.ports)->default_value(""), "comma-separated WebSocket ports of several nodes: connection i goes to the (i % n)th")
    ("ns", po::value(&o.ns)->default_value("bench"), "herald namespace")
    ("secret", po::value(&o.secret)->default_value("bench-secret"), "herald namespace secret")
    ("conns", po::value(&o.conns)->default_value(1000), "WebSocket connections")
    ("rooms", po::value(&o.rooms)->default_value(1), "rooms (connection i joins room i % rooms)")
    ("mode", po::value(&o.mode)->default_value("room"), "room: publish to rooms; users: to random connections' users; idle: connect, hold, measure memory")
    ("rate", po::value(&o.rate)->default_value(0), "publishes per second (0: as fast as accepted)")
    ("duration", po::value(&o.duration)->default_value(10), "seconds of publishing")
    ("drain", po::value(&o.drain)->default_value(5), "seconds to wait for the last deliveries")
    ("hold", po::value(&o.hold)->default_value(2), "idle mode: seconds to hold the connections; server RSS is read after min(hold, 5)")
    ("publishers", po::value(&o.publishers)->default_value(4), "HTTP keep-alive connections publishing")
    ("ttl", po::value(&o.ttl)->default_value(0), "herald push ttl (seconds; > 0 = durable)")
    ("pad", po::value(&o.pad)->default_value(0), "extra payload bytes")
    ("src", po::value(&o.src)->default_value("127.0.0.2-127.0.0.254"), "source address range (none: kernel's choice)")
    ("window", po::value(&o.window)->default_value(256), "connects in flight")
    ("connect-timeout", po::value(&o.connect_timeout)->default_value(120), "seconds allowed for connecting")
    ("pids", po::value(&pids)->default_value(""), "server pids (comma separated) whose RSS to report")
    ("run", po::value(&o.run)->default_value(""), "name tag making rooms/users unique (default: pid)")
    ("offset", po::value(&o.offset)->default_value(0), "first connection number (several bench processes)")
    ("threads", po::value(&o.threads)->default_value(1), "io threads")
    ("json", po::value(&o.json)->default_value(""), "append the result as one JSON line to this file")
    ("tls-ca", po::value(&o.tls_ca)->default_value(""), "herald over TLS (wss, https), trusting the CA in this PEM file");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "herald-bench: " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  auto k = parse_server(kind);
  if (!k || o.conns == 0 || o.rooms == 0 || o.threads == 0 || (o.mode != "room" && o.mode != "users" && o.mode != "idle")) {
    std::cerr << "herald-bench: bad --server, --mode, --conns, --rooms or --threads\n";
    return 2;
  }
  o.kind = *k;
  if (o.pub_port == 0) o.pub_port = o.port;
  if (o.run.empty()) o.run = std::to_string(::getpid());
  for (std::stringstream ss(pids); ss.good();) {
    std::string p;
    std::getline(ss, p, ',');
    if (!p.empty()) o.pids.push_back(std::stoi(p));
  }
  b.names = naming{o.run, o.offset};
  if (is_herald(o.kind)) {
    std::string cred = o.ns + ":" + o.secret;
    std::string enc(beast::detail::base64::encoded_size(cred.size()), '\0');
    enc.resize(beast::detail::base64::encode(enc.data(), cred.data(), cred.size()));
    b.auth = "Basic " + enc;
  }
  try {
    b.sources = parse_sources(o.src);
    auto host = asio::ip::make_address_v4(o.host);
    if ((host.to_uint() >> 24) != 127) throw std::runtime_error("--host must be in 127.0.0.0/8");
    if (o.ports.empty()) o.ports = std::to_string(o.port);
    for (std::stringstream ss(o.ports); ss.good();) {
      std::string p;
      std::getline(ss, p, ',');
      if (!p.empty()) b.ws_eps.emplace_back(host, static_cast<uint16_t>(std::stoi(p)));
    }
    b.pub_ep = tcp::endpoint(host, o.pub_port);
  } catch (const std::exception& e) {
    std::cerr << "herald-bench: " << e.what() << "\n";
    return 2;
  }
  if (!o.tls_ca.empty()) {
    auto t = herald::tls_context::client(o.tls_ca);
    if (!t) {
      std::cerr << "herald-bench: " << t.err().message << "\n";
      return 2;
    }
    b.tls = std::move(t.value());
  }
  raise_nofile();
  for (unsigned i = 0; i < o.threads; ++i) {
    b.ios.push_back(std::make_unique<asio::io_context>(1));
    b.lat.push_back(std::make_unique<histogram>());
  }
  b.conns.resize(o.conns);
  b.room_accepted.assign(o.rooms, 0);
  b.user_accepted.assign(o.conns, 0);
  auto& io0 = *b.ios[0];
  auto rss0 = servers_rss();
  uint64_t rss_connected = 0;
  // Idle mode: the servers' CPU while the connections are held after the
  // RSS reading (percent of one core; -1 when the hold was too short).
  double idle_cpu0 = 0, idle_cpu_pct = -1;
  steady::time_point idle_t0;
  std::vector<std::shared_ptr<publisher>> pubs;
  auto run_start = steady::now();
  auto deadline = run_start + std::chrono::duration_cast<steady::duration>(
                                  std::chrono::duration<double>(o.connect_timeout + o.duration + o.drain + o.hold + 5));
  bool finished = false;
  auto finish = [&] {
    if (finished) return;
    finished = true;
    b.publishing = false;
    for (auto& io : b.ios) io->stop();
  };

  auto start_drain = [&] {
    b.publishing = false;
    b.pub_end = steady::now();
    // Wait until every publish in flight is answered and every accepted
    // message arrived everywhere, or --drain. (Stopping at the deliveries
    // alone left the last publishes unanswered: sent to the server, counted
    // by it, delivered, but neither published nor expected here.)
    auto timer = std::make_shared<asio::steady_timer>(io0);
    auto until = steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.drain));
    auto check = std::make_shared<std::function<void()>>();
    *check = [&, timer, until, check] {
      uint64_t expected = 0;
      for (size_t i = 0; i < o.conns; ++i) expected += expected_of(b, i);
      bool answered = b.t.sent.load() == b.t.accepted.load() + b.t.rejected.load();
      if ((answered && b.t.delivered.load() >= expected) || steady::now() >= until) return finish();
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([check](beast::error_code) { (*check)(); });
    };
    (*check)();
  };

  auto start_publishing = [&] {
    b.publishing = true;
    b.pub_start = steady::now();
    b.pub_start_us = now_us();
    for (size_t i = 0; i < o.publishers; ++i) {
      auto p = std::make_shared<publisher>(io0);
      pubs.push_back(p);
      p->sock.async_connect(b.pub_ep, [p](beast::error_code ec) {
        if (ec) {
          std::fprintf(stderr, "publisher connect: %s\n", ec.message().c_str());
          return;
        }
        p->connected();
      });
    }
    if (o.rate > 0) rate_tick(std::make_shared<asio::steady_timer>(io0), steady::now());
    auto stop = std::make_shared<asio::steady_timer>(io0);
    stop->expires_after(std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.duration)));
    stop->async_wait([&, stop](beast::error_code) { start_drain(); });
  };

  b.on_all_connected = [&] {
    // Let the server settle (allocations after the handshake) before measuring.
    // Idle: measure after min(hold, 5 s), then keep holding the rest of
    // --hold (so several bench processes can hold their connections at once).
    auto settle = o.mode == "idle" ? std::min(o.hold, 5.0) : 0.5;
    auto secs = [](double x) { return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(x)); };
    auto t = std::make_shared<asio::steady_timer>(io0);
    t->expires_after(secs(settle));
    t->async_wait([&, t, settle, secs](beast::error_code) {
      rss_connected = servers_rss();
      if (o.mode != "idle") return start_publishing();
      std::fprintf(stderr, "measured server RSS: %llu bytes; holding %.0f s more\n",
                   static_cast<unsigned long long>(rss_connected), o.hold - settle);
      t->expires_after(secs(o.hold - settle));
      idle_cpu0 = servers_cpu_s();
      idle_t0 = steady::now();
      t->async_wait([&, t](beast::error_code) {
        double held = std::chrono::duration<double>(steady::now() - idle_t0).count();
        if (held > 0.5) idle_cpu_pct = 100.0 * (servers_cpu_s() - idle_cpu0) / held;
        finish();
      });
    });
  };

  // Progress line every second; the overall deadline ends a stuck run.
  auto progress = std::make_shared<asio::steady_timer>(io0);
  auto last_delivered = std::make_shared<uint64_t>(0);
  auto tick = std::make_shared<std::function<void()>>();
  *tick = [&, progress, last_delivered, tick] {
    progress->expires_after(std::chrono::seconds(1));
    progress->async_wait([&, progress, last_delivered, tick](beast::error_code ec) {
      if (ec || finished) return;
      auto d = b.t.delivered.load();
      std::fprintf(stderr, "[%5.1fs] conns %llu/%zu (failed %llu, closed %llu)  published %llu  deliveries %llu (+%llu/s)\n",
                   std::chrono::duration<double>(steady::now() - run_start).count(),
                   static_cast<unsigned long long>(b.t.ready.load()), o.conns,
                   static_cast<unsigned long long>(b.t.failed.load()), static_cast<unsigned long long>(b.t.closed.load()),
                   static_cast<unsigned long long>(b.t.accepted.load()), static_cast<unsigned long long>(d),
                   static_cast<unsigned long long>(d - *last_delivered));
      *last_delivered = d;
      if (steady::now() > deadline) {
        std::fprintf(stderr, "herald-bench: overall deadline reached\n");
        return finish();
      }
      if (steady::now() - run_start > std::chrono::duration<double>(o.connect_timeout) && b.on_all_connected) {
        std::fprintf(stderr, "herald-bench: connect timeout (%llu ready)\n", static_cast<unsigned long long>(b.t.ready.load()));
        b.next_conn = o.conns;
        b.in_flight = 0;
        connect_more();
      }
      (*tick)();
    });
  };
  (*tick)();

  b.connect_start = steady::now();
  asio::post(io0, [] { connect_more(); });
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& io : b.ios) guards.emplace_back(io->get_executor());
  for (size_t i = 1; i < b.ios.size(); ++i) threads.emplace_back([&, i] { b.ios[i]->run(); });
  b.ios[0]->run();
  for (auto& io : b.ios) io->stop();
  for (auto& th : threads) th.join();

  // -- results ----------------------------------------------------------------
  histogram lat;
  for (auto& h : b.lat) lat.merge(*h);
  uint64_t unique = 0, dups = 0, expected = 0;
  for (size_t i = 0; i < b.conns.size(); ++i) {
    auto& c = b.conns[i];
    if (!c) continue;
    auto& s = c->seqs;
    std::sort(s.begin(), s.end());
    auto u = static_cast<uint64_t>(std::unique(s.begin(), s.end()) - s.begin());
    unique += u;
    dups += s.size() - u;
    if (!c->is_ready) continue;
    expected += expected_of(b, i);
  }
  double connect_s = std::chrono::duration<double>(b.connect_end - b.connect_start).count();
  double pub_s = std::chrono::duration<double>(b.pub_end - b.pub_start).count();
  // Deliveries per second over the publishing window plus the time the last
  // deliveries took to arrive after it.
  double deliver_s = b.t.last_delivery_us > b.pub_start_us ? (b.t.last_delivery_us - b.pub_start_us) / 1e6 : pub_s;
  uint64_t ready = b.t.ready.load();
  uint64_t lost = expected > unique ? expected - unique : 0;
  std::ostringstream js;
  js << "{\"server\":\"" << name_of(o.kind) << "\",\"mode\":\"" << o.mode << "\",\"conns\":" << o.conns
     << ",\"ready\":" << ready << ",\"failed\":" << b.t.failed.load() << ",\"rooms\":" << o.rooms
     << ",\"connect_s\":" << fmt(connect_s, 3) << ",\"connect_rate\":" << fmt(connect_s > 0 ? ready / connect_s : 0)
     << ",\"published\":" << b.t.accepted.load() << ",\"rejected\":" << b.t.rejected.load()
     << ",\"publish_rate\":" << fmt(pub_s > 0 ? b.t.accepted.load() / pub_s : 0)
     << ",\"api_p50_us\":" << b.api_lat.percentile(0.5) << ",\"api_p99_us\":" << b.api_lat.percentile(0.99)
     << ",\"api_p999_us\":" << b.api_lat.percentile(0.999) << ",\"api_max_us\":" << b.api_lat.max()
     << ",\"delivered\":" << b.t.delivered.load() << ",\"expected\":" << expected
     << ",\"deliveries_per_s\":" << fmt(deliver_s > 0 ? b.t.delivered.load() / deliver_s : 0)
     << ",\"lost\":" << lost << ",\"duplicates\":" << dups
     << ",\"lat_p50_us\":" << lat.percentile(0.5) << ",\"lat_p99_us\":" << lat.percentile(0.99)
     << ",\"lat_p999_us\":" << lat.percentile(0.999) << ",\"lat_max_us\":" << lat.max()
     << ",\"server_rss_before\":" << rss0 << ",\"server_rss_connected\":" << rss_connected
     << ",\"rss_per_conn\":" << (ready > 0 && rss_connected > rss0 ? (rss_connected - rss0) / ready : 0)
     << ",\"server_idle_cpu_pct\":" << fmt(idle_cpu_pct, 2) << "}";
  std::printf("%s\n", js.str().c_str());
  if (!o.json.empty()) std::ofstream(o.json, std::ios::app) << js.str() << "\n";
  std::fflush(stdout);
  // Sockets close with the process; nothing else to clean up.
  std::_Exit(b.t.failed.load() == 0 ? 0 : 1);
}
