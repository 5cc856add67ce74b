#pragma once

// PushSender for APNs (apns_prod, apns_dev, apns_test tokens): builds the request with the
// core (provider_request.h), signs with the shared provider JWT (ApnsTokenProvider), sends it
// on the endpoint's Http2Client and classifies the answer (ClassifyResponse) on the client's
// I/O thread.
//
// Thread-safety: thread-safe. Send() never blocks (the JWT is re-signed in ~30 µs when due);
// the callback runs on the client's I/O thread.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/http2/client.h"
#include "services/pusher/src/apns_auth.h"
#include "services/pusher/src/push_sender.h"

namespace ntf::pusher {

struct ApnsEndpoints {
  http2::Http2Client* production = nullptr;  // apns_prod
  http2::Http2Client* sandbox = nullptr;     // apns_dev
  http2::Http2Client* test = nullptr;        // apns_test (null: disabled)
};

class ApnsSender final : public PushSender {
 public:
  // `auth` null or an endpoint null: jobs for it complete with kProviderDisabled. Everything
  // must outlive the sender.
  ApnsSender(ApnsTokenProvider* auth, ApnsEndpoints endpoints, std::string topic,
             absl::Duration request_timeout, const common::Clock& clock);

  // ntf::pusher::PushSender
  void Send(const Delivery& delivery, const PushContent& content, Done done) override;
  void SendBatch(std::vector<Item> items) override;
  bool RefreshAuth(wire::PushProvider provider, std::string_view rejected) override;

 private:
  class Batches;

  http2::Http2Client* ClientFor(wire::PushProvider provider) const;
  // Completes `done` locally, or adds the request to the batch of its endpoint.
  void Add(const Delivery& delivery, const PushContent& content, Done done, Batches& batches);

  ApnsTokenProvider* const auth_;
  const ApnsEndpoints endpoints_;
  const std::string topic_;
  const absl::Duration request_timeout_;
  const common::Clock& clock_;
};

}  // namespace ntf::pusher
