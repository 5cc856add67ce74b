#pragma once

// The NTF command semantics of spec/ntf-protocol.md §2.3–§2.6: authorization of each command by
// its entity's key, the token lifecycle (TNEW, TVFY, TCHK, TRPL, TDEL, TCRN) and the
// subscription lifecycle (SNEW, SCHK, SDEL), on top of the Store.
//
// A block is handled in two steps:
//   1. Execute() runs every command of the block against a Store (for PostgreSQL: one
//      transaction for the whole block) and collects the side effects (verification pushes,
//      subscriber notifications) instead of performing them;
//   2. Finish() is called with the outcome of the transaction: on success it performs the side
//      effects (so the pusher and the subscriber never see uncommitted rows); on failure every
//      answer that was not already an error becomes ERR STORE, since nothing was stored.
//
// Thread-safety: both methods may run concurrently on any number of threads (the processor has
// no mutable state of its own). Blocking: both block (store, push queue), so they run on the
// database pool, never on an event loop.

#include <chrono>
#include <vector>

#include "ntf/crypto/keys.h"
#include "ntf/store/store.h"
#include "ntf/wire/ntf_protocol.h"
#include "services/intake/src/intake_metrics.h"
#include "services/intake/src/ports.h"

namespace ntf::intake {

// What a connection's commands are checked against.
struct SessionContext {
  wire::SessionParams params = {};
  // The per-connection X25519 key of the server handshake (v2+), for X25519 authenticators;
  // null for v1 sessions.
  const crypto::PrivateKey* session_key = nullptr;
};

// The result of executing one block, before its transaction is known to have committed.
struct BlockOutcome {
  std::vector<wire::OutgoingResponse> responses = {};
  // Index into `responses` of each answer that depends on a side effect below, per command.
  struct Executed {
    wire::CommandTag tag = wire::CommandTag::kPing;
    std::chrono::steady_clock::duration latency = {};
  };
  std::vector<std::optional<Executed>> executed = {};  // nullopt: rejected before execution
  // Token ids to send a verification push to, and the response index each one answers.
  std::vector<std::pair<store::Bytes, size_t>> verifications = {};
  std::vector<store::Subscription> subscribed = {};
  std::vector<store::Subscription> unsubscribed = {};
  // Lifecycle counters to bump once the transaction committed.
  std::vector<void (IntakeMetrics::*)()> events = {};
};

class CommandProcessor {
 public:
  // All references must outlive the processor.
  CommandProcessor(PushJobQueue& push_queue, SubscriptionEvents& events, IntakeMetrics& metrics);

  // Step 1: answers the transmissions of one block, in order, one response each.
  BlockOutcome Execute(store::Store& store, const SessionContext& session,
                       const std::vector<wire::ReceivedCommand>& commands) const;

  // Step 2: `committed` is the outcome of the block's transaction. Returns the final answers.
  std::vector<wire::OutgoingResponse> Finish(BlockOutcome outcome,
                                             const absl::Status& committed) const;

 private:
  struct Context;
  wire::Response Run(Context& ctx, const wire::ReceivedCommand& received,
                     const wire::Command& command) const;
  wire::Response NewToken(Context& ctx, const wire::ReceivedCommand& received,
                          const wire::TnewCommand& command) const;
  wire::Response TokenCommand(Context& ctx, const wire::ReceivedCommand& received,
                              const wire::Command& command) const;
  wire::Response NewSubscription(Context& ctx, const wire::ReceivedCommand& received,
                                 const wire::SnewCommand& command) const;
  wire::Response SubscriptionCommand(Context& ctx, const wire::ReceivedCommand& received,
                                     const wire::Command& command) const;

  PushJobQueue& push_queue_;
  SubscriptionEvents& events_;
  IntakeMetrics& metrics_;
};

}  // namespace ntf::intake
