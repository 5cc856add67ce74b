#include "services/pusher/src/providers/fcm_sender.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/pusher/src/provider_request.h"
#include "services/pusher/src/providers/http_convert.h"
#include "services/pusher/src/providers/provider_submit.h"

namespace ntf::pusher {

absl::StatusOr<std::string> OriginOf(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!absl::StartsWith(absl::string_view(url.data(), url.size()), "https://")) {
    return absl::InvalidArgumentError(absl::StrCat("not an https URL: ", std::string(url)));
  }
  const size_t slash = url.find('/', kScheme.size());
  return std::string(url.substr(0, slash));
}

absl::StatusOr<HttpResponse> Http2TokenFetcher::PostForm(std::string_view url,
                                                         std::string_view form_body) {
  absl::StatusOr<std::string> origin = OriginOf(url);
  if (!origin.ok()) return origin.status();
  if (*origin != client_.options().origin) {
    return absl::InvalidArgumentError(
        absl::StrCat("token endpoint ", std::string(url), " is not on ", client_.options().origin));
  }
  http2::Request request;
  request.method = "POST";
  request.path = std::string(url.substr(origin->size()));
  if (request.path.empty()) request.path = "/";
  request.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  request.body = std::string(form_body);
  absl::StatusOr<http2::Response> response = client_.Send(std::move(request), timeout_);
  if (!response.ok()) return response.status();
  return FromHttp2(*std::move(response));
}

FcmSender::FcmSender(FcmTokenProvider* auth, http2::Http2Client* client,
                     absl::Duration request_timeout, const common::Clock& clock)
    : auth_(auth), client_(client), request_timeout_(request_timeout), clock_(clock) {}

void FcmSender::Send(const Delivery& delivery, const PushContent& content, Done done) {
  if (auth_ == nullptr || client_ == nullptr) {
    done(LocalResult(SendResult::Kind::kProviderDisabled));
    return;
  }
  const PushTarget& target = *delivery.target;
  if (target.device.token.empty()) {
    done(LocalResult(SendResult::Kind::kBadDeviceToken));
    return;
  }
  absl::StatusOr<std::string> access_token = auth_->AccessToken();  // may fetch (blocking)
  if (!access_token.ok()) {
    done(LocalResult(SendResult::Kind::kAuthUnavailable, access_token.status()));
    return;
  }
  const std::string registration(target.device.token.begin(), target.device.token.end());
  SubmitProviderRequest(*client_,
                        BuildFcmRequest(content, {.registration_token = registration,
                                                  .project_id = auth_->account().project_id,
                                                  .enqueued_at = delivery.job.enqueued_at,
                                                  .now = clock_.Now(),
                                                  .access_token = *access_token}),
                        request_timeout_,
                        {.provider = wire::PushProvider::kFcm,
                         .credential = *access_token,
                         .registered_at = target.registered_at},
                        clock_, std::move(done));
}

bool FcmSender::RefreshAuth(wire::PushProvider /*provider*/, std::string_view rejected) {
  return auth_ != nullptr && auth_->Invalidate(rejected);
}

}  // namespace ntf::pusher
