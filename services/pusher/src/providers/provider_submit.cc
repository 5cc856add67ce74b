#include "services/pusher/src/providers/provider_submit.h"

#include <memory>

#include "services/pusher/src/providers/http_convert.h"
#include "services/pusher/src/response_classifier.h"

namespace ntf::pusher {

SendResult LocalResult(SendResult::Kind kind, absl::Status error) {
  SendResult r;
  r.kind = kind;
  r.error = std::move(error);
  return r;
}

SendResult::Kind SubmitFailureKind(const absl::Status& submitted) {
  if (absl::IsResourceExhausted(submitted)) return SendResult::Kind::kBusy;
  if (absl::IsInvalidArgument(submitted)) return SendResult::Kind::kRejectedLocally;
  return SendResult::Kind::kTransportError;  // not started / shut down
}

void ProviderBatch::Add(absl::StatusOr<HttpRequest> request, absl::Duration timeout,
                        ProviderCall call, PushSender::Done done) {
  if (!request.ok()) {
    done(LocalResult(absl::IsDeadlineExceeded(request.status())
                         ? SendResult::Kind::kExpired
                         : SendResult::Kind::kRejectedLocally,
                     request.status()));
    return;
  }
  // `done` moves into the callback; keep a way to call it if the client refuses the request.
  auto shared_done = std::make_shared<PushSender::Done>(std::move(done));
  const common::Clock::SteadyTimePoint start = clock_.SteadyNow();
  submissions_.push_back(
      {.request = ToHttp2(*std::move(request)),
       .timeout = timeout,
       .done = [shared_done, call = std::move(call), start, &clock = clock_,
                &client = client_](absl::StatusOr<http2::Response> response) mutable {
         SendResult r;
         r.credential = std::move(call.credential);
         r.latency = common::FromSteadyDuration(clock.SteadyNow() - start);
         if (!response.ok()) {
           // Aborted: not processed, and the client released the body (release_sent_bodies).
           r.kind = absl::IsAborted(response.status()) ? SendResult::Kind::kRefused
                                                       : SendResult::Kind::kTransportError;
           r.error = response.status();
         } else {
           r.kind = SendResult::Kind::kAnswered;
           const uint64_t connection = response->connection_id;
           r.outcome = ClassifyResponse(call.provider, FromHttp2(*std::move(response)),
                                        call.registered_at, clock.Now());
           // APNs 503 and provider-token 403s: retry on a new connection.
           if (r.outcome.reconnect) client.RetireConnection(connection);
         }
         (*shared_done)(std::move(r));
       }});
  dones_.push_back(std::move(shared_done));
}

void ProviderBatch::Submit() {
  if (submissions_.empty()) return;
  std::vector<std::shared_ptr<PushSender::Done>> dones = std::move(dones_);
  dones_.clear();
  std::vector<absl::Status> statuses = client_.SubmitBatch(std::move(submissions_));
  submissions_.clear();
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (!statuses[i].ok()) (*dones[i])(LocalResult(SubmitFailureKind(statuses[i]), statuses[i]));
  }
}

void SubmitProviderRequest(http2::Http2Client& client, absl::StatusOr<HttpRequest> request,
                           absl::Duration timeout, ProviderCall call, const common::Clock& clock,
                           PushSender::Done done) {
  ProviderBatch batch(client, clock);
  batch.Add(std::move(request), timeout, std::move(call), std::move(done));
  batch.Submit();
}

}  // namespace ntf::pusher
