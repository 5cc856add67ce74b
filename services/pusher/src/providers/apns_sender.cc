#include "services/pusher/src/providers/apns_sender.h"

#include "services/pusher/src/provider_request.h"
#include "services/pusher/src/providers/http_convert.h"

namespace ntf::pusher {
namespace {

bool IsLowerHex(const wire::Bytes& token) {
  if (token.empty() || token.size() % 2 != 0) return false;
  for (uint8_t c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

SendResult::Kind SubmitFailureKind(const absl::Status& submitted) {
  if (absl::IsResourceExhausted(submitted)) return SendResult::Kind::kBusy;
  if (absl::IsInvalidArgument(submitted)) return SendResult::Kind::kRejectedLocally;
  return SendResult::Kind::kTransportError;  // not started / shut down
}

namespace {

SendResult Local(SendResult::Kind kind, absl::Status error = absl::OkStatus()) {
  SendResult r;
  r.kind = kind;
  r.error = std::move(error);
  return r;
}

}  // namespace

ApnsSender::ApnsSender(ApnsTokenProvider* auth, ApnsEndpoints endpoints, std::string topic,
                       absl::Duration request_timeout, const common::Clock& clock)
    : auth_(auth),
      endpoints_(endpoints),
      topic_(std::move(topic)),
      request_timeout_(request_timeout),
      clock_(clock) {}

http2::Http2Client* ApnsSender::ClientFor(wire::PushProvider provider) const {
  switch (provider) {
    case wire::PushProvider::kApnsProd:
      return endpoints_.production;
    case wire::PushProvider::kApnsDev:
      return endpoints_.sandbox;
    case wire::PushProvider::kApnsTest:
      return endpoints_.test;
    default:
      return nullptr;
  }
}

void ApnsSender::Send(const Delivery& delivery, const PushContent& content, Done done) {
  const PushTarget& target = *delivery.target;
  http2::Http2Client* client = ClientFor(target.device.provider);
  if (auth_ == nullptr || client == nullptr) {
    done(Local(SendResult::Kind::kProviderDisabled));
    return;
  }
  if (!IsLowerHex(target.device.token)) {
    done(Local(SendResult::Kind::kBadDeviceToken));
    return;
  }
  absl::StatusOr<std::string> jwt = auth_->Current();
  if (!jwt.ok()) {
    done(Local(SendResult::Kind::kAuthUnavailable, jwt.status()));
    return;
  }
  const std::string device(target.device.token.begin(), target.device.token.end());
  absl::StatusOr<HttpRequest> request =
      BuildApnsRequest(content, {.device_token = device,
                                 .topic = topic_,
                                 .job_id = delivery.job.job_id,
                                 .enqueued_at = delivery.job.enqueued_at,
                                 .now = clock_.Now(),
                                 .provider_token = *jwt});
  if (!request.ok()) {
    done(Local(absl::IsDeadlineExceeded(request.status()) ? SendResult::Kind::kExpired
                                                          : SendResult::Kind::kRejectedLocally,
               request.status()));
    return;
  }
  // `done` moves into the callback; keep a way to call it if Submit refuses the request.
  auto shared_done = std::make_shared<Done>(std::move(done));
  const common::Clock::SteadyTimePoint start = clock_.SteadyNow();
  absl::Status submitted =
      client->Submit(ToHttp2(*std::move(request)), request_timeout_,
                     [shared_done, credential = *jwt, provider = target.device.provider,
                      registered_at = target.registered_at, start,
                      &clock = clock_](absl::StatusOr<http2::Response> response) mutable {
                       SendResult r;
                       r.credential = std::move(credential);
                       r.latency = common::FromSteadyDuration(clock.SteadyNow() - start);
                       if (!response.ok()) {
                         r.kind = SendResult::Kind::kTransportError;
                         r.error = response.status();
                       } else {
                         r.kind = SendResult::Kind::kAnswered;
                         r.outcome = ClassifyResponse(provider, FromHttp2(*std::move(response)),
                                                      registered_at, clock.Now());
                       }
                       (*shared_done)(std::move(r));
                     });
  if (!submitted.ok()) (*shared_done)(Local(SubmitFailureKind(submitted), submitted));
}

bool ApnsSender::RefreshAuth(wire::PushProvider /*provider*/, std::string_view rejected) {
  return auth_ != nullptr && auth_->ForceRefresh(rejected);
}

}  // namespace ntf::pusher
