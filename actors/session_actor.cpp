#include "actors/session_actor.hpp"

#include <caf/all.hpp>

namespace herald {

namespace {
using self_ptr = caf::stateful_actor<session_state>*;

void write(self_ptr self, std::string text) {
  self->state.conn->send(std::make_shared<const std::string>(std::move(text)));
}

void reply_error(self_ptr self, const std::string& req_id, errc code, std::string msg) {
  error e{code, std::move(msg)};
  write(self, req_id.empty() ? wire::error_frame(e) : wire::reply_error(req_id, e));
}

void reply_ok(self_ptr self, const std::string& req_id, const std::string& extra = {}) {
  if (!req_id.empty()) write(self, wire::reply_ok(req_id, extra));
}

// Answers `req_id` once the namespace actor has done the work.
auto on_done(self_ptr self, std::string req_id, std::string extra = {}) {
  return [self, req_id, extra](uint64_t) { reply_ok(self, req_id, extra); };
}
auto on_fail(self_ptr self, std::string req_id) {
  return [self, req_id](caf::error& err) {
    reply_error(self, req_id, errc::unavailable, "request failed: " + caf::to_string(err));
  };
}

void on_join(self_ptr self, wire::client_frame& f) {
  auto& st = self->state;
  std::vector<std::string> fresh, since;
  for (auto& r : f.rooms)
    if (!st.rooms.count(r) && std::find(fresh.begin(), fresh.end(), r) == fresh.end()) fresh.push_back(r);
  if (st.rooms.size() + fresh.size() > st.ctx->lim.max_rooms)
    return reply_error(self, f.req_id, errc::too_many_rooms,
                       "a session may be in at most " + std::to_string(st.ctx->lim.max_rooms) + " rooms");
  // Rooms joined already are joined again when they carry `since`: that is a
  // request to replay.
  std::vector<std::string> rooms;
  for (auto& r : f.rooms) {
    auto s = f.since.find(r);
    bool replay = s != f.since.end();
    if (!st.rooms.count(r) || replay) {
      rooms.push_back(r);
      since.push_back(replay ? s->second : std::string{});
    }
  }
  for (auto& r : fresh) st.rooms.insert(r);
  self->request(st.local_ns, st.ctx->ask_timeout, join_atom_v, st.info.session, rooms, since)
    .then(on_done(self, f.req_id), on_fail(self, f.req_id));
}

void on_leave(self_ptr self, wire::client_frame& f) {
  auto& st = self->state;
  std::vector<std::string> rooms;
  for (auto& r : f.rooms)
    if (st.rooms.erase(r)) rooms.push_back(r);
  self->request(st.local_ns, st.ctx->ask_timeout, leave_atom_v, st.info.session, rooms)
    .then(on_done(self, f.req_id), on_fail(self, f.req_id));
}

void on_publish(self_ptr self, wire::client_frame& f) {
  auto& st = self->state;
  auto settings = st.ctx->catalog->get(st.ns);
  if (!settings || !settings->client_publish)
    return reply_error(self, f.req_id, errc::forbidden, "clients may not publish in this namespace");
  for (auto& r : f.rooms)
    if (!st.rooms.count(r))
      return reply_error(self, f.req_id, errc::not_in_room, "not a member of room \"" + r + "\"");
  publish_request req;
  req.users = std::move(f.users);
  req.rooms = std::move(f.rooms);
  req.exclude_session = st.info.session;
  req.msg.id = st.ctx->ids->next();
  req.msg.ts = now_ms();
  req.msg.from = st.info.user;
  req.msg.data = std::move(f.data);
  req.ttl = -1;  // the namespace's message_ttl
  auto extra = "\"message\":" + wire::quote(req.msg.id);
  self->request(st.local_ns, st.ctx->ask_timeout, publish_atom_v, std::move(req))
    .then(on_done(self, f.req_id, extra), on_fail(self, f.req_id));
}

}  // namespace

caf::behavior session_actor(self_ptr self, std::string ns, session_info info, connection_ptr conn,
                            caf::actor local_ns, context_ptr ctx) {
  auto& st = self->state;
  st.ns = std::move(ns);
  st.info = std::move(info);
  st.conn = conn;
  st.local_ns = std::move(local_ns);
  st.ctx = std::move(ctx);
  self->attach_functor([conn] { conn->close(close_code::normal, "session ended"); });
  // Register with this node's namespace actor before anything else: frames
  // that arrive meanwhile wait (await). It writes `welcome` and tells the
  // user's home.
  self->request(st.local_ns, st.ctx->ask_timeout, attach_atom_v,
                session_ref{st.info, caf::actor{self}, st.local_ns}, conn)
    .await(
      [](uint64_t) {},
      [self](caf::error&) {
        self->state.conn->close(close_code::going_away, "cannot register session");
        self->quit();
      });
  return {
    [self](wire::client_frame& f) {
      switch (f.type) {
        case wire::kind::join: return on_join(self, f);
        case wire::kind::leave: return on_leave(self, f);
        case wire::kind::publish: return on_publish(self, f);
        case wire::kind::ack: {
          auto& s = self->state;
          self->send(s.local_ns, ack_atom_v, s.info.user, s.info.client, std::move(f.ids));
          return reply_ok(self, f.req_id);
        }
        case wire::kind::ping: return write(self, wire::pong());
      }
    },
    [self](closed_atom) { self->quit(); },
    [self](kick_atom, uint16_t code, const std::string& reason) { self->state.conn->close(code, reason); },
  };
}

}  // namespace herald
