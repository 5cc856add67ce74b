#pragma once

// The port between a provider lane and a push provider: one implementation per provider family
// in providers/ (ApnsSender, FcmSender, LocalSender) and fakes in the tests.

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/wire/ntf_protocol.h"
#include "services/pusher/src/push_job.h"
#include "services/pusher/src/push_payload.h"
#include "services/pusher/src/response_classifier.h"

namespace ntf::pusher {

// What became of one attempt to send a push.
struct SendResult {
  enum class Kind {
    kAnswered,          // the provider answered: `outcome` (ClassifyResponse)
    kTransportError,    // no answer (connection, timeout, reset): `error`; retry
    kRefused,           // refused unprocessed after its body was sent (GOAWAY, REFUSED_STREAM)
    kExpired,           // past its lifetime (PushLifetime): not sent
    kBadDeviceToken,    // the device token cannot be a valid one (not sent): token INVALID,BAD
    kRejectedLocally,   // the request could not be built (our bug or configuration): `error`
    kBusy,              // the client's queue is full: try again shortly (not an attempt)
    kAuthUnavailable,   // no provider credential could be obtained: `error`; retry
    kProviderDisabled,  // no credentials or endpoint configured for this provider
    kLocalSuccess,      // accepted without sending (apns_null)
  };
  Kind kind = Kind::kTransportError;
  PushOutcome outcome = {};
  absl::Status error = absl::OkStatus();
  std::string credential = {};  // the bearer credential the request carried (for RefreshAuth)
  absl::Duration latency = absl::ZeroDuration();  // send to answer
};

class PushSender {
 public:
  using Done = absl::AnyInvocable<void(SendResult)>;
  virtual ~PushSender() = default;

  // Sends `content` for `delivery` (whose target is set). `done` runs exactly once: on the
  // calling thread for local failures, or on an HTTP/2 I/O thread with the answer, so it must
  // not block. The sender does not touch `delivery` after calling `done`. May block the calling
  // thread briefly (FCM fetches an access token when its cached one is due), so it is called
  // from the lane's own sender thread only.
  virtual void Send(const Delivery& delivery, const PushContent& content, Done done) = 0;

  // One push of SendBatch(): `delivery` must stay alive until `done` runs.
  struct Item {
    const Delivery* delivery = nullptr;
    PushContent content = {};
    Done done = {};
  };
  // Send() for every item, with the same guarantees per item. A sender that talks HTTP/2 hands
  // the whole batch to its client at once (Http2Client::SubmitBatch: one wake-up of the I/O
  // thread); the default sends them one by one.
  virtual void SendBatch(std::vector<Item> items) {
    for (Item& item : items) Send(*item.delivery, item.content, std::move(item.done));
  }

  // After the provider rejected `rejected` as a credential (APNs 403 ExpiredProviderToken, FCM
  // 401): refreshes it and returns true if retrying now is worthwhile. Never blocks on I/O.
  virtual bool RefreshAuth(wire::PushProvider provider, std::string_view rejected) = 0;
};

}  // namespace ntf::pusher
