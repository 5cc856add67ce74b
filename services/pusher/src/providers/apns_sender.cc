#include "services/pusher/src/providers/apns_sender.h"

#include <optional>
#include <utility>

#include "ntf/wire/encoding.h"
#include "services/pusher/src/provider_request.h"
#include "services/pusher/src/providers/provider_submit.h"

namespace ntf::pusher {

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

// One ProviderBatch per endpoint client (at most three), submitted together, and the time the
// batch's pushes are checked against their expiry (one clock read per batch).
class ApnsSender::Batches {
 public:
  explicit Batches(const common::Clock& clock) : clock_(clock), now_(clock.Now()) {}
  absl::Time now() const { return now_; }
  ProviderBatch& For(http2::Http2Client& client) {
    for (auto& b : batches_) {
      if (b && &b->client == &client) return b->batch;
    }
    for (auto& b : batches_) {
      if (!b) return b.emplace(client, clock_).batch;
    }
    return batches_[0]->batch;  // unreachable: three endpoints at most
  }
  void SubmitAll() {
    for (auto& b : batches_) {
      if (b) b->batch.Submit();
    }
  }

 private:
  struct Entry {
    Entry(http2::Http2Client& c, const common::Clock& clock) : client(c), batch(c, clock) {}
    http2::Http2Client& client;
    ProviderBatch batch;
  };
  const common::Clock& clock_;
  const absl::Time now_;
  std::optional<Entry> batches_[3];
};

void ApnsSender::Send(const Delivery& delivery, const PushContent& content, Done done) {
  Batches batches(clock_);
  Add(delivery, content, std::move(done), batches);
  batches.SubmitAll();
}

void ApnsSender::SendBatch(std::vector<Item> items) {
  Batches batches(clock_);
  for (Item& item : items) Add(*item.delivery, item.content, std::move(item.done), batches);
  batches.SubmitAll();
}

void ApnsSender::Add(const Delivery& delivery, const PushContent& content, Done done,
                     Batches& batches) {
  const PushTarget& target = *delivery.target;
  http2::Http2Client* client = ClientFor(target.device.provider);
  if (auth_ == nullptr || client == nullptr) {
    done(LocalResult(SendResult::Kind::kProviderDisabled));
    return;
  }
  if (!IsApnsDeviceToken(wire::AsStringView(target.device.token))) {
    done(LocalResult(SendResult::Kind::kBadDeviceToken));
    return;
  }
  absl::StatusOr<std::string> jwt = auth_->Current();
  if (!jwt.ok()) {
    done(LocalResult(SendResult::Kind::kAuthUnavailable, jwt.status()));
    return;
  }
  absl::StatusOr<HttpRequest> request =
      BuildApnsRequest(content, {.device_token = wire::AsStringView(target.device.token),
                                 .topic = topic_,
                                 .job_id = delivery.job.job_id,
                                 .enqueued_at = delivery.job.enqueued_at,
                                 .now = batches.now(),
                                 .provider_token = *jwt});
  // The request holds its own copy of the token now; the call keeps this one.
  batches.For(*client).Add(std::move(request), request_timeout_,
                           {.provider = target.device.provider,
                            .credential = *std::move(jwt),
                            .registered_at = target.registered_at},
                           std::move(done));
}

bool ApnsSender::RefreshAuth(wire::PushProvider /*provider*/, std::string_view rejected) {
  return auth_ != nullptr && auth_->ForceRefresh(rejected);
}

}  // namespace ntf::pusher
