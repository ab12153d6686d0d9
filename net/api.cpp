#include "net/api.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_set>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/names.hpp"
#include "actors/wire.hpp"
#include "actors/protocol.hpp"
#include "net/admission.hpp"
#include "net/answer_deadlines.hpp"
#include "net/api_ask.hpp"
#include "net/api_call.hpp"
#include "net/token.hpp"
#include "net/url.hpp"

namespace herald {

using json = nlohmann::json;
using api_detail::secret_equal;
using api_detail::starts_with;

std::string error_body(const error& e) {
  return json{{"error", {{"code", code_name(e.code)}, {"message", e.message}}}}.dump(
    -1, ' ', false, json::error_handler_t::replace);
}

namespace {

json sessions_json(const std::vector<session_info>& v) {
  json arr = json::array();
  for (auto& s : v)
    arr.push_back({{"session", s.session},
                   {"user", s.user},
                   {"client", s.client.empty() ? json(nullptr) : json(s.client)},
                   {"node", s.node},
                   {"since", s.since}});
  return arr;
}

json totals_json(const window_totals& t) {
  return {{"minute", t.minute}, {"hour", t.hour}, {"day", t.day}};
}

}  // namespace

api::api(node& n, std::string admin_token)
  : node_(n),
    admin_token_(std::move(admin_token)),
    answers_(std::make_unique<answer_deadlines>(node_.context()->ask_timeout)),
    admit_(std::make_unique<admission>(node_.context()->lim.ns_connections, node_.context()->lim.ns_push_rate,
                                       node_.context()->lim.admin_failures)) {}

api::~api() = default;

void api::expire_answers() { answers_->expire(answer_deadlines::clock::now()); }
size_t api::answers_in_flight() const { return answers_->in_flight(); }

void api::handle(api_request req, reply_fn reply) {
  call c{std::move(req), std::move(reply), {}, {}};
  c.target = url::parse_target(c.req.target);
  if (!c.target.ok) return c.fail(errc::bad_request, "malformed query string");
  route(c);
}

void api::route(call& c) {
  auto segs = url::segments(c.target.path);
  if (!segs) return c.fail(errc::bad_request, "malformed path");
  auto& s = *segs;
  auto& m = c.req.method;
  auto method_is = [&](const char* want) {
    if (m == want) return true;
    c.fail(errc::method_not_allowed, "use " + std::string(want) + " on " + c.target.path);
    return false;
  };
  if (s.size() == 1 && s[0] == "healthz") {
    if (method_is("GET")) c.ok({{"status", "ok"}, {"node", node_.context()->node_name}});
    return;
  }
  if (s.size() == 1 && s[0] == "readyz") {
    if (!method_is("GET")) return;
    if (ready_) return c.ok({{"status", "ready"}, {"node", node_.context()->node_name}});
    return c.fail(errc::unavailable, "node " + node_.context()->node_name + " is draining or stopping");
  }
  if (s.size() == 1 && s[0] == "metrics") {
    if (method_is("GET"))
      c.reply(api_response{200, node_.context()->stats->text(), "text/plain; version=0.0.4"});
    return;
  }
  if (s.size() == 2 && s[0] == "demo" && s[1] == "token" && !demo_ns_.empty()) {
    if (method_is("POST")) demo_token(c);
    return;
  }
  if (s.size() < 2 || s[0] != "v1") return c.fail(errc::not_found, "no route " + c.target.path);
  if (s[1] == "admin") return admin(c, s);

  // Namespace calls: Basic NS:SECRET, or the admin token with ?ns=NS.
  auto& auth = c.req.authorization;
  if (starts_with(auth, "Basic ")) {
    auto raw = url::base64_decode(auth.substr(6));
    auto colon = raw ? raw->find(':') : std::string::npos;
    if (colon == std::string::npos) return c.fail(errc::unauthorized, "malformed Basic credentials");
    auto ns = raw->substr(0, colon);
    auto settings = node_.context()->catalog->get(ns);
    auto given = raw->substr(colon + 1);
    bool match = false;
    if (settings)
      for (auto& secret : settings->secrets(now_ms())) match = secret_equal(given, secret) || match;  // no early exit
    if (!match) return c.fail(errc::unauthorized, "wrong namespace or secret");
    c.ns = ns;
  } else if (starts_with(auth, "Bearer ")) {
    if (!admin_ok(c)) return;
    auto q = c.target.query.find("ns");
    // The cluster view belongs to no namespace.
    if (q == c.target.query.end() && s.size() == 2 && s[1] == "cluster") return method_is("GET") ? cluster(c) : void();
    if (q == c.target.query.end()) return c.fail(errc::bad_request, "admin calls to a namespace need ?ns=NS");
    if (!node_.context()->catalog->get(q->second)) return c.fail(errc::not_found, "no namespace " + q->second);
    c.ns = q->second;
  } else {
    return c.fail(errc::unauthorized, "use HTTP Basic auth NS:SECRET or the admin Bearer token");
  }

  if (s.size() == 2 && s[1] == "push") {
    if (method_is("POST")) push(c);
  } else if (s.size() == 3 && s[1] == "push" && s[2] == "batch") {
    if (method_is("POST")) push_batch(c);
  } else if (s.size() == 2 && s[1] == "webhooks") {
    if (method_is("GET")) webhooks(c);
  } else if (s.size() == 2 && s[1] == "stats") {
    if (method_is("GET")) stats(c);
  } else if (s.size() == 2 && s[1] == "cluster") {
    if (method_is("GET")) cluster(c);
  } else if (s.size() == 3 && s[1] == "users") {
    if (!valid_id(s[2])) return c.fail(errc::bad_request, "invalid user id");
    if (method_is("GET")) user_info(c, s[2]);
  } else if (s.size() == 4 && s[1] == "users" && s[3] == "devices") {
    if (!valid_id(s[2])) return c.fail(errc::bad_request, "invalid user id");
    if (method_is("GET")) user_devices(c, s[2]);
  } else if (s.size() == 5 && s[1] == "users" && s[3] == "devices") {
    if (!valid_id(s[2]) || !valid_id(s[4])) return c.fail(errc::bad_request, "invalid user or device id");
    if (method_is("DELETE")) forget_device(c, s[2], s[4]);
  } else if (s.size() == 3 && s[1] == "devices" && s[2] == "prune") {
    if (method_is("POST")) prune_devices(c);
  } else if (s.size() == 4 && s[1] == "users" && s[3] == "disconnect") {
    if (!valid_id(s[2])) return c.fail(errc::bad_request, "invalid user id");
    if (method_is("POST")) user_disconnect(c, s[2]);
  } else if (s.size() == 3 && s[1] == "rooms") {
    if (!valid_id(s[2])) return c.fail(errc::bad_request, "invalid room name");
    if (method_is("GET")) room_info(c, s[2]);
  } else if (s.size() == 4 && s[1] == "rooms" && s[3] == "history") {
    if (!valid_id(s[2])) return c.fail(errc::bad_request, "invalid room name");
    if (method_is("GET")) room_history(c, s[2]);
  } else if (s.size() == 3 && s[1] == "messages") {
    if (s[2].empty() || s[2].size() > 128) return c.fail(errc::bad_request, "invalid message id");
    if (method_is("GET")) receipt(c, s[2]);
  } else {
    c.fail(errc::not_found, "no route " + c.target.path);
  }
}

namespace {
// "to.clients": device ids (any user's device of that id) or
// {"user","client"} objects (that user's device only); each counted once.
std::string read_devices(const std::vector<json_scan::member>& to, size_t max, publish_request& req) {
  namespace js = json_scan;
  auto* v = js::find(to, "clients");
  if (!v || v->k == js::kind::null) return {};
  auto list = js::array_of(v);
  const std::string what =
    "\"to.clients\" entries must be device ids or {\"user\",\"client\"} objects, each 1..128 bytes without control "
    "characters";
  if (!list) return "\"to.clients\" must be an array";
  if (list->size() > max) return "\"to.clients\" has more than " + std::to_string(max) + " entries";
  std::unordered_set<std::string> any;
  std::set<std::pair<std::string, std::string>> pairs;
  for (auto& e : *list) {
    if (e.k == js::kind::string) {
      auto id = js::string(e.text);
      if (!valid_id(id)) return what;
      if (any.insert(id).second) req.clients.push_back(std::move(id));
      continue;
    }
    auto o = e.k == js::kind::object ? js::object_of(&e) : std::nullopt;
    if (!o) return what;
    auto* u = js::find(*o, "user");
    auto* d = js::find(*o, "client");
    if (!u || !d || u->k != js::kind::string || d->k != js::kind::string) return what;
    auto user = js::string(u->text), client = js::string(d->text);
    if (!valid_id(user) || !valid_id(client)) return what;
    if (pairs.emplace(user, client).second) {
      req.device_users.push_back(std::move(user));
      req.device_clients.push_back(std::move(client));
    }
  }
  return {};
}
}  // namespace

namespace {
// One push ("to", "data", "ttl") of a body read by json_scan into `req`;
// the reason it is refused, or empty.
std::string read_push(const std::vector<json_scan::member>& body, size_t max, publish_request& req) {
  namespace js = json_scan;
  auto to = js::object_of(js::find(body, "to"));
  if (!to) return "\"to\" must be an object";
  for (auto [field, list] : {std::pair{"users", &req.users}, std::pair{"rooms", &req.rooms}})
    if (auto p = wire::read_id_list(*to, field, std::string("to.") + field, max, *list, false); !p.empty()) return p;
  if (auto p = read_devices(*to, max, req); !p.empty()) return p;
  if (auto a = js::find(*to, "all"); a && a->k != js::kind::null) {
    if (a->k != js::kind::boolean) return "\"to.all\" must be a boolean";
    req.all = a->text == "true";
  }
  if (req.users.empty() && req.clients.empty() && req.device_users.empty() && req.rooms.empty() && !req.all)
    return "\"to\" names no users, clients or rooms and \"all\" is not true";
  auto data = js::find(body, "data");
  if (!data) return "\"data\" is required";
  if (auto t = js::find(body, "ttl"); t && t->k != js::kind::null) {
    auto secs = t->k == js::kind::number ? js::integer(t->text) : std::nullopt;
    if (!secs || *secs < 0 || *secs > namespace_settings::max_message_ttl)
      return "\"ttl\" must be an integer number of seconds, 0..315360000";
    req.ttl = *secs;
  }
  req.msg.ts = now_ms();
  req.msg.from = "api";
  req.msg.data = js::compact(data->text);
  return {};
}

std::string push_result(const std::string& id, uint64_t sessions) {
  // Written directly: a json object here cost as much as the HTTP answer.
  return R"({"id":)" + wire::quote(id) + R"(,"sessions":)" + std::to_string(sessions) + '}';
}
}  // namespace

bool api::admit_pushes(call& c, size_t n) {
  int64_t retry = 0;
  if (admit_->push(c.ns, admission::clock::now(), retry, n)) return true;
  error e{errc::rate_limited, "namespace " + c.ns + " is over its push rate on this node"};
  c.reply(api_response{http_status(e.code), error_body(e), "application/json",
                       "Retry-After: " + std::to_string(retry) + "\r\n"});
  return false;
}

void api::push(call& c) {
  if (!admit_pushes(c, 1)) return;
  // Read without a JSON tree (actors/json_scan.hpp): "data" is kept as text.
  auto body = json_scan::object(c.req.body);
  if (!body) return c.fail(errc::bad_request, "body must be a JSON object (nested at most 64 levels)");
  publish_request req;
  if (auto why = read_push(*body, node_.context()->lim.max_targets, req); !why.empty())
    return c.fail(errc::bad_request, why);
  req.msg.id = node_.context()->ids->next();
  auto id = req.msg.id;
  ask<uint64_t>(c, publish_call{std::move(req), {}}, [id](call& c2, uint64_t n) { c2.ok_text(push_result(id, n)); });
}

// Every push of the batch goes to the namespace actor at once, so the
// durable ones meet in the store's group commit and are synced together;
// the answer waits for the last.
void api::push_batch(call& c) {
  namespace js = json_scan;
  auto body = js::object(c.req.body);
  if (!body) return c.fail(errc::bad_request, "body must be a JSON object (nested at most 64 levels)");
  auto pushes = js::array_of(js::find(*body, "pushes"));
  if (!pushes) return c.fail(errc::bad_request, "\"pushes\" must be an array");
  auto& ctx = *node_.context();
  if (pushes->empty()) return c.fail(errc::bad_request, "\"pushes\" is empty");
  if (pushes->size() > ctx.lim.max_batch)
    return c.fail(errc::bad_request, "\"pushes\" has more than " + std::to_string(ctx.lim.max_batch) +
                                        " entries (limits.max_batch)");
  auto dest = node_.dir().local(c.ns);
  if (!dest) return c.fail(errc::unavailable, "namespace is not active on this node");
  if (!admit_pushes(c, pushes->size())) return;
  struct gathered {
    std::mutex mtx;
    std::vector<std::string> results;
    size_t left;
    reply_fn reply;
  };
  auto g = std::make_shared<gathered>();
  g->results.resize(pushes->size());
  g->left = pushes->size();
  g->reply = c.reply;
  auto settle = [g](size_t i, std::string r) {
    std::unique_lock lock(g->mtx);
    g->results[i] = std::move(r);
    if (--g->left > 0) return;
    lock.unlock();  // the last one: nobody else touches the results now
    std::string out = R"({"results":[)";
    for (size_t k = 0; k < g->results.size(); ++k) {
      if (k) out += ',';
      out += g->results[k];
    }
    g->reply(api_response{200, out + "]}"});
  };
  auto ns = as_namespace(dest);
  for (size_t i = 0; i < pushes->size(); ++i) {
    auto& p = (*pushes)[i];
    auto o = p.k == js::kind::object ? js::object_of(&p) : std::nullopt;
    publish_request req;
    std::string why = o ? read_push(*o, ctx.lim.max_targets, req) : "each push must be a JSON object";
    if (!why.empty()) {
      settle(i, error_body({errc::bad_request, why}));
      continue;
    }
    req.msg.id = ctx.ids->next();
    auto ans = make_answer<uint64_t>([settle, i, id = req.msg.id](result<uint64_t> r) {
      settle(i, r ? push_result(id, r.value()) : error_body(r.err()));
    });
    answers_->add(ans, answer_deadlines::clock::now());
    tell(ns, publish_call{std::move(req), std::move(ans)});
  }
}

void api::user_info(call& c, const std::string& user) {
  ask<std::vector<session_info>>(c, u_info{user, {}}, [](call& c2, const std::vector<session_info>& v) {
    c2.ok({{"online", !v.empty()}, {"sessions", sessions_json(v)}});
  });
}

void api::user_disconnect(call& c, const std::string& user) {
  ask<uint64_t>(c, u_kick{user, close_code::api_disconnect, {}},
                [](call& c2, uint64_t n) { c2.ok({{"disconnected", n}}); });
}

void api::room_info(call& c, const std::string& room) {
  ask<std::vector<session_info>>(c, r_info{room, {}}, [](call& c2, const std::vector<session_info>& v) {
    c2.ok({{"members", v.size()}, {"sessions", sessions_json(v)}});
  });
}

void api::room_history(call& c, const std::string& room) {
  uint64_t limit = 100;
  if (auto l = c.target.query.find("limit"); l != c.target.query.end()) {
    try {
      size_t used = 0;
      auto n = std::stoll(l->second, &used);
      if (used != l->second.size() || n < 1 || n > 100000) throw std::out_of_range("limit");
      limit = static_cast<uint64_t>(n);
    } catch (const std::exception&) {
      return c.fail(errc::bad_request, "\"limit\" must be an integer 1..100000");
    }
  }
  std::string since;
  if (auto q = c.target.query.find("since"); q != c.target.query.end()) since = q->second;
  ask<std::vector<message>>(c, r_history{room, limit, since, {}}, [](call& c2, const std::vector<message>& msgs) {
    std::string out = R"({"messages":[)";
    for (auto& m : msgs) {
      if (out.back() != '[') out += ',';
      wire::append_message(out, m, false);
    }
    c2.ok_text(out + "]}");
  });
}

void api::receipt(call& c, const std::string& id) {
  ask<receipt_counts>(c, gather_receipt{id, {}}, [id](call& c2, const receipt_counts& sum) {
    if (!sum.found) return c2.fail(errc::not_found, "no message " + id + " (unknown or past its retention)");
    c2.ok({{"id", id}, {"sent", sum.sent}, {"acked", sum.acked}});
  });
}

namespace {
json stats_json(const ns_stats& s) {
  return {{"connections", s.connections},
          {"users_online", s.users_online},
          {"rooms", s.rooms},
          {"messages",
           {{"published", totals_json(s.published)},
            {"delivered", totals_json(s.delivered)},
            {"acked", totals_json(s.acked)}}}};
}
}  // namespace

void api::stats(call& c) {
  // ?nodes=1: each node's share too (the admin console's cluster view).
  if (c.target.query.count("nodes"))
    return ask<std::vector<node_stats>>(c, gather_node_stats{}, [](call& c2, const std::vector<node_stats>& v) {
      ns_stats sum;
      json nodes = json::array();
      for (auto& n : v) {
        add_stats(sum, n.stats);
        auto j = stats_json(n.stats);
        j["node"] = n.node;
        nodes.push_back(std::move(j));
      }
      auto out = stats_json(sum);
      out["nodes"] = std::move(nodes);
      c2.ok(std::move(out));
    });
  ask<ns_stats>(c, gather_stats{}, [](call& c2, const ns_stats& s) { c2.ok(stats_json(s)); });
}

// The demo page's tokens: any user of demo_ns, for an hour. Whoever
// reaches the node may act as any user of that namespace: only for a
// namespace made for trying herald (logged as a warning at start).
void api::demo_token(call& c) {
  auto j = json_scan::valid(c.req.body) ? json::parse(c.req.body, nullptr, false) : json(json::value_t::discarded);
  if (!j.is_object() || !j.contains("user") || !j["user"].is_string())
    return c.fail(errc::bad_request, "the body is {\"user\": a user id}");
  auto user = j["user"].get<std::string>();
  if (!valid_id(user)) return c.fail(errc::bad_request, "\"user\" must be 1..128 bytes without control characters");
  auto settings = node_.context()->catalog->get(demo_ns_);
  if (!settings) return c.fail(errc::not_found, "no namespace " + demo_ns_);
  c.ok({{"ns", demo_ns_}, {"user", user}, {"token", token::mint(settings->secret, user, 3600)}});
}

void api::cluster(call& c) {
  auto self = node_.context()->node_name;
  auto members = node_.dir().members();
  if (members.empty())  // a lone node
    return c.ok({{"self", self},
                 {"nodes", json::array({{{"name", self}, {"state", "up"}, {"self", true}}})}});
  json arr = json::array();
  for (auto& n : members)
    arr.push_back({{"name", n.name}, {"state", n.draining ? "draining" : "up"}, {"self", n.name == self}, {"http", n.http}, {"cluster", n.cluster}});
  c.ok({{"self", self}, {"nodes", arr}});
}

}  // namespace herald
