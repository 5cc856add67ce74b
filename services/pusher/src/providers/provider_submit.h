#pragma once

// The part of sending a push that APNs and FCM share: completing a job locally, and submitting a
// built provider request on an Http2Client, then classifying the answer on the client's I/O
// thread (ClassifyResponse). Thread-safe; never blocks.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/http2/client.h"
#include "services/pusher/src/http_message.h"
#include "services/pusher/src/push_sender.h"

namespace ntf::pusher {

// A result decided without talking to the provider.
SendResult LocalResult(SendResult::Kind kind, absl::Status error = absl::OkStatus());

// How a request Http2Client::Submit() refused completes: kBusy (queue full), kRejectedLocally
// (invalid request) or kTransportError (client not running).
SendResult::Kind SubmitFailureKind(const absl::Status& submitted);

// What the answer of one provider request is judged against.
struct ProviderCall {
  wire::PushProvider provider = wire::PushProvider::kApnsProd;
  std::string credential = {};                   // JWT / access token the request carries
  absl::Time registered_at = absl::UnixEpoch();  // the token's registration time
};

// Provider requests for one Http2Client, submitted together (Http2Client::SubmitBatch: one
// hand-off to the I/O thread). Add() completes a request that could not be built at once;
// Submit() hands the others over, and completes those the client refuses. Not thread-safe;
// `client` and `clock` must outlive the callbacks.
class ProviderBatch {
 public:
  ProviderBatch(http2::Http2Client& client, const common::Clock& clock)
      : client_(client), clock_(clock) {}
  ProviderBatch(const ProviderBatch&) = delete;
  ProviderBatch& operator=(const ProviderBatch&) = delete;

  // As SubmitProviderRequest, but the request is only queued here until Submit().
  void Add(absl::StatusOr<HttpRequest> request, absl::Duration timeout, ProviderCall call,
           PushSender::Done done);
  // Submits what was added (nothing to do when empty) and clears the batch.
  void Submit();
  bool empty() const { return submissions_.empty(); }

 private:
  http2::Http2Client& client_;
  const common::Clock& clock_;
  std::vector<http2::Http2Client::Submission> submissions_;
  std::vector<std::shared_ptr<PushSender::Done>> dones_;  // parallel to submissions_
};

// Sends `request` (as Build{Apns,Fcm}Request returned it) and calls `done` exactly once: at once
// when the request could not be built (kExpired for DeadlineExceeded, else kRejectedLocally) or
// Submit refused it, else on the client's I/O thread with the classified answer or the
// transport error. `client` and `clock` must outlive the call.
void SubmitProviderRequest(http2::Http2Client& client, absl::StatusOr<HttpRequest> request,
                           absl::Duration timeout, ProviderCall call, const common::Clock& clock,
                           PushSender::Done done);

}  // namespace ntf::pusher
