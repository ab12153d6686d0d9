#include "actors/session_actor.hpp"

#include <algorithm>

#include <caf/exit_reason.hpp>

namespace herald {

session_actor::session_actor(caf::actor_config& cfg, std::string ns, session_info info, connection_ptr conn,
                             caf::actor local_ns, context_ptr ctx, token_grant grant)
    : inline_actor(cfg),
      ns_(std::move(ns)),
      info_(std::move(info)),
      conn_(std::move(conn)),
      local_ns_(as_namespace(std::move(local_ns))),
      ctx_(std::move(ctx)),
      grant_(std::move(grant)) {}

namespace {
// Frames that may wait behind a join's permission checks; beyond, a frame
// is refused (a client that floods while it waits gets errors, not memory).
constexpr size_t max_waiting_frames = 256;
}  // namespace

void session_actor::start(storage::device_record device) {
  // Frames that arrive before the answer wait in early_: the namespace
  // actor writes `welcome` when it answers, and every reply comes after it.
  auto me = as_actor();
  auto ans = std::make_shared<answer>([me](result<uint64_t> r) {
    caf::anon_send(me, session_attached{static_cast<bool>(r)});
  });
  auto self_ref = herald::handle<session_interface>::assume(me);  // this session (handle() is a member here)
  tell(local_ns_, nullptr,
       attach_session{session_ref{info_, self_ref, local_ns_}, conn_, std::move(ans), std::move(device)});
}

bool session_actor::handle(caf::mailbox_element& x, caf::execution_unit* host) {
  auto& c = x.content();
  if (c.match_elements<wire::client_frame>()) {
    auto& f = c.get_mutable_as<wire::client_frame>(0);
    if (attached_ && !checking_) on_frame(f, host);
    else if (!early_ || early_->size() < max_waiting_frames) {
      if (!early_) early_ = std::make_unique<std::vector<wire::client_frame>>();
      early_->push_back(std::move(f));
    }
    else reply_error(f.req_id, errc::rate_limited, "too many frames while a join is being checked");
  } else if (c.match_elements<room_checked>()) {
    on_room_checked(c.get_as<room_checked>(0), host);
  } else if (c.match_elements<session_closed>()) {
    quit(caf::exit_reason::normal, host);
  } else if (c.match_elements<session_kick>()) {
    auto& k = c.get_as<session_kick>(0);
    conn_->close(k.code, k.reason);
  } else if (c.match_elements<session_attached>()) {
    if (!c.get_as<session_attached>(0).ok) {
      conn_->close(close_code::going_away, "cannot register session");
      quit(caf::exit_reason::normal, host);
      return true;
    }
    attached_ = true;
    run_waiting(host);
  } else {
    return false;
  }
  return true;
}

void session_actor::on_cleanup(const caf::error&) {
  // Under the actor's lock: only hand the close to the socket's thread,
  // and tell the namespace actor (instead of its monitoring every session).
  // Anonymously: this may run in on_destroy, when no new reference to this
  // actor (a sender) may be made.
  conn_->close(close_code::normal, "session ended");
  herald::tell(local_ns_, session_gone{info_.session});
}

void session_actor::on_frame(wire::client_frame& f, caf::execution_unit* host) {
  switch (f.type) {
    case wire::kind::join: return on_join(f, host);
    case wire::kind::leave: return on_leave(f, host);
    case wire::kind::publish: return on_publish(f, host);
    case wire::kind::ack:
      tell(local_ns_, host, client_ack{info_.user, info_.client, std::move(f.ids)});
      if (!f.req_id.empty()) write(wire::reply_ok(f.req_id));
      return;
    // A request like any other when it has an id: its reply carries it.
    case wire::kind::ping: return write(f.req_id.empty() ? wire::pong() : wire::reply_ok(f.req_id));
    case wire::kind::refresh: return on_refresh(f);
  }
}

// A newer token for the same user moves the session's expiry; anything
// else is refused and changes nothing (the old expiry still stands).
void session_actor::on_refresh(wire::client_frame& f) {
  auto settings = ctx_->catalog->get(ns_);
  if (!settings || !ctx_->verify_token) return reply_error(f.req_id, errc::unavailable, "the namespace is gone");
  auto c = ctx_->verify_token(f.data, settings->secrets(now_ms()));
  if (!c) return write(wire::failure(f.req_id, c.err()));
  if (c.value().user != info_.user)
    return reply_error(f.req_id, errc::unauthorized, "the token is for another user");
  auto next = c.value().expires_ms;
  if (grant_.expires_ms != 0 && next != 0 && next <= grant_.expires_ms)
    return reply_error(f.req_id, errc::unauthorized, "the token does not expire later than the current one");
  grant_.expires_ms = next;
  // The newer token's room claims govern the joins and publishes to come;
  // rooms joined already stay joined.
  auto& g = c.value().grants;
  grant_.rooms = g.rooms || g.publish ? std::make_shared<const room_grants>(std::move(g)) : nullptr;
  conn_->expire_at(next);
  write(wire::reply_ok(f.req_id, next ? R"("expires":)" + std::to_string(next / 1000) : R"("expires":null)"));
}

void session_actor::write(std::string text) { conn_->send(std::make_shared<const std::string>(std::move(text))); }

void session_actor::reply_error(const std::string& req_id, errc code, std::string msg) {
  write(wire::failure(req_id, error{code, std::move(msg)}));
}

answer_ptr session_actor::reply_when_done(std::string req_id, std::string extra) {
  // The connection, not the actor: an answer may come on any thread, and
  // the reply needs nothing else.
  return std::make_shared<answer>([conn = conn_, req_id = std::move(req_id), extra = std::move(extra)](
                                    result<uint64_t> r) {
    if (r) {
      if (!req_id.empty()) conn->send(std::make_shared<const std::string>(wire::reply_ok(req_id, extra)));
      return;
    }
    conn->send(std::make_shared<const std::string>(wire::failure(req_id, r.err())));
  });
}

void session_actor::on_join(wire::client_frame& f, caf::execution_unit* host) {
  size_t fresh = 0;
  std::vector<std::string> ask;  // rooms the subscribe callback decides on
  for (auto& r : f.rooms)
    if (!rooms_.count(r) && std::find(ask.begin(), ask.end(), r) == ask.end()) ask.push_back(r), ++fresh;
  if (rooms_.size() + fresh > ctx_->lim.max_rooms)
    return reply_error(f.req_id, errc::too_many_rooms,
                       "a session may be in at most " + std::to_string(ctx_->lim.max_rooms) + " rooms");
  auto settings = ctx_->catalog->get(ns_);
  auto policy = settings && !f.granted ? settings->rooms : room_policy::open;
  if (policy == room_policy::token) {
    // Every room, joined already or not: `since` replays history too.
    for (auto& r : f.rooms)
      if (!grant_.rooms || !grant_.rooms->may_join(r))
        return reply_error(f.req_id, errc::forbidden, "not allowed to join room \"" + r + "\"");
  } else if (policy == room_policy::callback && !ask.empty()) {
    // Rooms joined already passed their check; a replay of one needs none.
    return ask_subscribe(f, *settings, ask);
  }
  join_now(f, host);
}

void session_actor::ask_subscribe(wire::client_frame& f, const namespace_settings& ns,
                                  const std::vector<std::string>& rooms) {
  if (!ctx_->check_subscribe)
    return reply_error(f.req_id, errc::forbidden, "room permissions cannot be checked on this node");
  auto join = ++joins_checked_;
  checking_ = std::make_unique<pending_join>(pending_join{std::move(f), rooms.size(), std::nullopt});
  auto me = as_actor();
  // A verdict may come at once (cached): it waits in the backlog behind
  // this message, so every verdict arrives as a message.
  for (auto& r : rooms)
    ctx_->check_subscribe(ns, info_, r, [me, join, r](status st) {
      caf::anon_send(me, room_checked{join, r, std::move(st)});
    });
}

void session_actor::on_room_checked(const room_checked& c, caf::execution_unit* host) {
  if (!checking_ || c.join != joins_checked_) return;
  auto& p = *checking_;
  if (!c.verdict && !p.no) p.no = c;
  if (--p.left > 0) return;
  auto f = std::move(p.frame);
  auto no = std::move(p.no);
  checking_.reset();
  if (!no) join_now(f, host);
  else if (no->verdict.err().code == errc::forbidden)
    reply_error(f.req_id, errc::forbidden, "not allowed to join room \"" + no->room + "\"");
  else  // the failure policy is deny; the reason is in the node's log
    reply_error(f.req_id, errc::forbidden, "the permission check for room \"" + no->room + "\" failed");
  run_waiting(host);
}

// Frames that waited (for the attach, or behind a join's checks), in
// order, until one of them is a join that waits in its turn.
void session_actor::run_waiting(caf::execution_unit* host) {
  if (!early_) return;
  size_t i = 0;
  while (i < early_->size() && !checking_) on_frame((*early_)[i++], host);
  early_->erase(early_->begin(), early_->begin() + static_cast<std::ptrdiff_t>(i));
  if (early_->empty()) early_.reset();
}

void session_actor::join_now(wire::client_frame& f, caf::execution_unit* host) {
  std::vector<std::string> fresh;
  for (auto& r : f.rooms)
    if (!rooms_.count(r) && std::find(fresh.begin(), fresh.end(), r) == fresh.end()) fresh.push_back(r);
  // Rooms joined already are joined again when they carry `since`: that is a
  // request to replay.
  std::vector<std::string> rooms, since;
  for (auto& r : f.rooms) {
    auto s = f.since.find(r);
    bool replay = s != f.since.end();
    if (!rooms_.count(r) || replay) {
      rooms.push_back(r);
      since.push_back(replay ? s->second : std::string{});
    }
  }
  for (auto& r : fresh) rooms_.insert(r);
  // "ts": this node's time before the join: a client that later replays
  // a room it has seen nothing of (since = an unknown id: all retained)
  // can drop what came before it joined.
  tell(local_ns_, host, join_rooms{info_.session, std::move(rooms), std::move(since),
                                   reply_when_done(f.req_id, "\"ts\":" + std::to_string(now_ms()))});
}

void session_actor::on_leave(wire::client_frame& f, caf::execution_unit* host) {
  std::vector<std::string> rooms;
  for (auto& r : f.rooms)
    if (rooms_.erase(r)) rooms.push_back(r);
  tell(local_ns_, host, leave_rooms{info_.session, std::move(rooms), reply_when_done(f.req_id)});
}

void session_actor::on_publish(wire::client_frame& f, caf::execution_unit* host) {
  auto settings = ctx_->catalog->get(ns_);
  if (!settings || !settings->client_publish)
    return reply_error(f.req_id, errc::forbidden, "clients may not publish in this namespace");
  for (auto& r : f.rooms)
    if (!rooms_.count(r)) return reply_error(f.req_id, errc::not_in_room, "not a member of room \"" + r + "\"");
  if (settings->rooms == room_policy::token)
    for (auto& r : f.rooms)
      if (!grant_.rooms || !grant_.rooms->may_publish(r))
        return reply_error(f.req_id, errc::forbidden, "not allowed to publish to room \"" + r + "\"");
  publish_request req;
  req.users = std::move(f.users);
  req.rooms = std::move(f.rooms);
  req.exclude_session = info_.session;
  req.msg.id = ctx_->ids->next();
  req.msg.ts = now_ms();
  req.msg.from = info_.user;
  req.msg.data = std::move(f.data);
  req.ttl = f.ttl;  // -1: the namespace's message_ttl
  auto extra = "\"message\":" + wire::quote(req.msg.id);
  tell(local_ns_, host, publish_call{std::move(req), reply_when_done(f.req_id, std::move(extra))});
}

caf::actor spawn_session_actor(caf::actor_system& sys, std::string ns, session_info info, connection_ptr conn,
                               caf::actor local_ns, context_ptr ctx, token_grant grant, storage::device_record device) {
  auto a = make_inline_actor<session_actor>(sys, std::move(ns), std::move(info), std::move(conn),
                                            std::move(local_ns), std::move(ctx), std::move(grant));
  static_cast<session_actor*>(caf::actor_cast<caf::abstract_actor*>(a))->start(std::move(device));
  return a;
}

}  // namespace herald
