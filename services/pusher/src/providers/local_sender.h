#pragma once

// The sender of the local lane: apns_null tokens (the app's "test server" feature) are
// delivered without sending anything (spec/ntf-protocol.md §3.1). Skipped jobs never reach a
// sender. Thread-safe; never blocks.

#include "services/pusher/src/push_sender.h"

namespace ntf::pusher {

class LocalSender final : public PushSender {
 public:
  // ntf::pusher::PushSender
  void Send(const Delivery& delivery, const PushContent& /*content*/, Done done) override {
    SendResult result;
    result.kind =
        delivery.target && delivery.target->device.provider == wire::PushProvider::kApnsNull
            ? SendResult::Kind::kLocalSuccess
            : SendResult::Kind::kProviderDisabled;
    done(std::move(result));
  }
  bool RefreshAuth(wire::PushProvider /*provider*/, std::string_view /*rejected*/) override {
    return false;
  }
};

}  // namespace ntf::pusher
