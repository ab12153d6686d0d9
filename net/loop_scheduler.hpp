#pragma once
// CAF's scheduler replaced by the node's event loop: actors run on the Asio
// threads (node.scheduler = loop). Why: with CAF's own worker pool, every
// push crossed threads four times (HTTP read -> worker -> socket write,
// store -> worker -> HTTP answer), each a condition-variable wake and a
// context switch; perf put ~25 % of the node's CPU in futex and
// scheduling on point-to-point pushes (docs/benchmarks.md). On the loop,
// a message an actor sends to another actor runs on the same thread right
// after the sender's handler, and a frame it queues for a socket is
// written by that thread too.
//
// The trade: an actor's handler now holds up the sockets of its thread
// while it runs, so handlers must stay short and never block (they already
// must: the store's reads and writes run on its own threads).
#include <caf/actor_system_config.hpp>

namespace herald {

class event_loop;

// Makes the actor system built from `cfg` run its actors on `loop`, which
// must outlive it.
void run_actors_on(caf::actor_system_config& cfg, event_loop& loop);

}  // namespace herald
