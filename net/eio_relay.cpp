#include "net/eio_relay.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "net/eio_registry.hpp"
#include "net/ws_session.hpp"

namespace herald {

namespace {

// The holder's side of a bridged WebSocket: the session writes to it as
// to its own, and the frames go back to the relay of the node that has it.
class remote_ws : public connection {
 public:
  remote_ws(caf::actor relay, uint64_t link) : relay_(std::move(relay)), link_(link) {}
  bool send(frame_ptr frame) override {
    caf::anon_send(relay_, eio_ws_out{link_, *frame});
    return true;  // its own queue's bound applies over there
  }
  void close(uint16_t code, std::string reason) override {
    caf::anon_send(relay_, eio_ws_close{link_, code, std::move(reason)});
  }
  uint16_t closed_with() const override { return ended.load(); }
  void wake_all(std::vector<connection_ptr>&&) override {}
  std::atomic<uint16_t> ended{0};

 private:
  caf::actor relay_;
  uint64_t link_;
};

struct bridged {
  std::shared_ptr<remote_ws> ws;
  std::shared_ptr<eio_session> session;
};

struct relay_state {
  std::shared_ptr<eio_registry> reg;
  uint64_t next_poll = 0;
  std::unordered_map<uint64_t, caf::typed_response_promise<eio_poll_answer>> polls;
  std::unordered_map<uint64_t, bridged> links;  // WebSockets other nodes bridge to sessions here
  static inline const char* name = "herald.eio_relay";
};

caf::behavior relay_actor(caf::stateful_actor<relay_state>* self) {
  auto unknown = [] {
    return eio_poll_answer{400, eio::failure_body(eio::failure::unknown_sid, "Session ID unknown"), "application/json"};
  };
  return {
    [self](eio_attach& a) { self->state.reg = std::move(a.reg); },
    // -- on the node a request reached ------------------------------------
    [self](eio_poll_relay& r) {
      auto done = std::move(r.done);
      self->request(r.to, std::chrono::milliseconds(r.timeout_ms), std::move(r.call))
        .then([done](eio_poll_answer& a) { done(api_response{a.status, std::move(a.body), std::move(a.content_type)}); },
              [done](caf::error&) {
                // The holder is gone or silent: the session is as good as
                // unknown, and the client starts a new one.
                done(api_response{400, eio::failure_body(eio::failure::unknown_sid, "Session ID unknown")});
              });
    },
    [self](eio_ws_out& o) {
      if (!self->state.reg) return;
      if (auto ws = self->state.reg->bridged(o.link)) ws->send(std::make_shared<const std::string>(std::move(o.text)));
    },
    [self](eio_ws_close& c) {
      if (!self->state.reg) return;
      if (auto ws = self->state.reg->bridged(c.link)) ws->close(c.code, std::move(c.reason));
    },
    // -- on the holder ----------------------------------------------------
    [self, unknown](eio_poll_call& c) -> caf::result<eio_poll_answer> {
      auto& st = self->state;
      if (!st.reg) return unknown();
      auto id = ++st.next_poll;
      st.polls.emplace(id, self->make_response_promise<eio_poll_answer>());
      auto me = caf::actor_cast<caf::actor>(self);
      st.reg->http_here(c.method, c.sid, std::move(c.body),
                        [me, id](api_response res) { caf::anon_send(me, eio_poll_done{id, std::move(res)}); });
      return caf::delegated<eio_poll_answer>{};
    },
    [self](eio_poll_done& d) {
      // The promise is kept on the actor's own thread.
      auto i = self->state.polls.find(d.id);
      if (i == self->state.polls.end()) return;
      i->second.deliver(eio_poll_answer{d.res.status, std::move(d.res.body), std::move(d.res.content_type)});
      self->state.polls.erase(i);
    },
    [self](eio_ws_open& o) {
      auto& st = self->state;
      // Bridges whose session ended while their node said nothing (it died).
      for (auto i = st.links.begin(); i != st.links.end();)
        i = i->second.session->closed() ? st.links.erase(i) : std::next(i);
      auto session = st.reg ? st.reg->find(o.sid) : nullptr;
      if (!session) return caf::anon_send(o.relay, eio_ws_close{o.link, close_code::policy, "Session ID unknown"});
      auto ws = std::make_shared<remote_ws>(o.relay, o.link);
      st.links[o.link] = bridged{ws, session};
      session->transport_opened(ws);
    },
    [self](eio_ws_in& in) {
      auto i = self->state.links.find(in.link);
      if (i == self->state.links.end()) return;
      if (in.binary) i->second.session->transport_binary(*i->second.ws);
      else i->second.session->transport_text(*i->second.ws, in.text);
    },
    [self](eio_ws_closed& c) {
      auto i = self->state.links.find(c.link);
      if (i == self->state.links.end()) return;
      auto b = std::move(i->second);
      self->state.links.erase(i);
      b.ws->ended = c.code ? c.code : close_code::lost;
      b.session->transport_closed(*b.ws);
    },
  };
}

}  // namespace

caf::actor spawn_eio_relay(caf::actor_system& sys) { return sys.spawn(relay_actor); }

// -- the bridge -------------------------------------------------------------------

void eio_bridge::ws_opened(const std::shared_ptr<ws_session>& ws) {
  reg_.bridge(link_, ws);
  caf::anon_send(holder_, eio_ws_open{sid_, link_, local_});
}

void eio_bridge::ws_text(ws_session&, std::string& text) { caf::anon_send(holder_, eio_ws_in{link_, std::move(text), false}); }

void eio_bridge::ws_binary(ws_session&) { caf::anon_send(holder_, eio_ws_in{link_, {}, true}); }

void eio_bridge::ws_closed(ws_session& ws) {
  reg_.unbridge(link_);
  caf::anon_send(holder_, eio_ws_closed{link_, ws.closed_with()});
}

}  // namespace herald
