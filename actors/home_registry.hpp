#pragma once
// The home side of one namespace on this node: the user and room actors it
// activated for the keys it owns, with how many messages it forwarded to
// each (the passivation handshake compares them), the users whose live
// sessions wait here without an actor (dormant), the attaches waiting for
// the store to say whether a device has a backlog, and which users are
// online and which rooms active here. It answers the home's questions:
// "is there an actor?", "may it stop?", "park these sessions", "whose
// sessions are these?". Pure: actor handles are opaque values to it; the
// namespace actor spawns, monitors and stops.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/directory.hpp"
#include "actors/types.hpp"

namespace herald {

// What to do once a session's attach is settled at its user's home: hand it
// to the user's actor, or (an invalid actor) it waits there without one.
struct user_interface;  // actors/key_protocol.hpp
using attach_then = std::function<void(handle<user_interface> user_actor, uint64_t sessions)>;

class home_registry {
 public:
  struct child {
    caf::actor actor;
    uint64_t sent = 0;     // messages forwarded; compared with the actor's count on idle
    bool leaving = false;  // handing its state to the key's new owner
  };
  struct pending_attach {
    session_ref ref;
    attach_then then;
  };

  // -- activated actors ---------------------------------------------------------
  child* find(key_kind kind, const std::string& key);
  // Records an actor just spawned for the key.
  child& add(key_kind kind, const std::string& key, caf::actor a);
  // The child offers to stop having seen `seen` messages: when that is all
  // that was forwarded and it is not handing off, it is forgotten and
  // returned, to be stopped.
  std::optional<caf::actor> accept_idle(key_kind kind, const std::string& key, uint64_t seen);
  // The actor `a` of the key ended (a passivated one was forgotten already,
  // and a newer one may hold the key by now). Returns whether it was
  // handing off; nullopt when it is not the key's actor.
  std::optional<bool> ended(key_kind kind, const std::string& key, const caf::actor_addr& a);
  // Every activated actor, for placement passes.
  template <class F>
  void each(F f) {
    for (auto& [key, c] : users_) f(key_kind::user, key, c);
    for (auto& [key, c] : rooms_) f(key_kind::room, key, c);
  }

  // -- dormant users --------------------------------------------------------------
  // Keeps a live session of a user without an actor; returns how many the
  // user has (a session parked twice counts once). Another node's session
  // is kept whole; this node's by its id only, since the local hub holds
  // the rest (a whole copy was ~150 B per idle connection).
  size_t park(const std::string& user, session_ref ref);
  size_t park_local(const std::string& user, std::string session);
  // The user's parked sessions, for its actor being activated.
  struct parked_sessions {
    std::vector<std::string> local;  // ids: the local hub has them
    std::vector<session_ref> remote;
  };
  parked_sessions unpark(const std::string& user);
  size_t parked(const std::string& user) const;
  // A parked session ended.
  void forget(const std::string& user, const std::string& session);
  std::vector<std::string> dormant_users() const;

  // -- attaches waiting for a backlog check ----------------------------------------
  uint64_t wait_for_check(pending_attach p);
  std::optional<pending_attach> checked(uint64_t token);

  // -- presence of keys homed here -------------------------------------------------
  // The user's actor says whether it has live sessions (a room's: members).
  // `moved`: off because the key went to another node.
  void set_online(key_kind kind, const std::string& key, bool on, bool moved = false);
  // Called when a user homed here comes online (its first live session
  // anywhere) or goes offline (its last one ended); not when it moves to
  // another home. The namespace actor emits the webhook events.
  std::function<void(const std::string& user, bool online)> on_presence;
  size_t users_online() const { return users_online_; }
  size_t rooms_active() const { return active_rooms_.size(); }

 private:
  std::unordered_map<std::string, child>& table(key_kind k) { return k == key_kind::user ? users_ : rooms_; }

  std::unordered_map<std::string, child> users_, rooms_;
  struct parked_entry {
    std::string session;
    std::unique_ptr<session_ref> remote;  // null: this node's
  };
  size_t park(const std::string& user, std::string session, std::unique_ptr<session_ref> remote);

  // A user homed here that is online or has parked sessions: one entry
  // for both (a dormant user's presence cost a second node per user).
  struct homed_user {
    std::vector<parked_entry> parked;  // non-empty: dormant
    bool online = false;
  };
  void set_user_online(const std::string& user, bool on, bool moved);

  std::unordered_map<std::string, homed_user> homed_users_;  // by user
  size_t users_online_ = 0;
  std::unordered_map<uint64_t, pending_attach> checking_;             // by token
  uint64_t next_check_ = 0;
  std::unordered_set<std::string> active_rooms_;
};

}  // namespace herald
