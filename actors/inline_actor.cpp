#include "actors/inline_actor.hpp"

#include <mutex>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

namespace herald {

inline_actor::inline_actor(caf::actor_config& cfg) : caf::monitorable_actor(cfg) {}

void inline_actor::enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (busy_) {
      backlog_.push_back(std::move(what));
      return;
    }
    busy_ = true;
  }
  dispatch(what, host);
  std::vector<caf::mailbox_element_ptr> more;
  for (;;) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (backlog_.empty()) {
        busy_ = false;
        return;
      }
      more.swap(backlog_);
    }
    for (auto& x : more) dispatch(x, host);
    more.clear();
  }
}

void inline_actor::dispatch(caf::mailbox_element_ptr& x, caf::execution_unit* host) {
  if (terminated()) return bounce(x);
  if (handle_system_message(*x, host, false)) return;
  if (handle(*x, host) || !x->mid.is_request() || !x->sender) return;
  x->sender->enqueue(caf::make_mailbox_element(ctrl(), x->mid.response_id(), {},
                                               caf::make_error(caf::sec::unexpected_message)),
                     host);
}

void inline_actor::quit(caf::error reason, caf::execution_unit* host) { cleanup(std::move(reason), host); }

void inline_actor::on_destroy() {
  // The last handle went without the actor ending: its monitors still fire.
  if (!getf(is_cleaned_up_flag)) cleanup(caf::make_error(caf::exit_reason::unreachable), nullptr);
  caf::monitorable_actor::on_destroy();
}

}  // namespace herald
