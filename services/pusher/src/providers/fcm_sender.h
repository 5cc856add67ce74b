#pragma once

// PushSender for FCM HTTP v1 (fcm tokens), and the OAuth2 token endpoint client that feeds its
// access-token cache.
//
// Thread-safety: thread-safe. Send() blocks the calling thread (the FCM lane's sender thread)
// only while FcmTokenProvider fetches a new access token (about once an hour); the answer is
// classified on the client's I/O thread.

#include <string>

#include "absl/time/time.h"
#include "ntf/common/clock.h"
#include "ntf/http2/client.h"
#include "services/pusher/src/fcm_auth.h"
#include "services/pusher/src/push_sender.h"

namespace ntf::pusher {

// TokenFetcher over an Http2Client bound to the token endpoint's origin (token_uri of the
// service account). Blocking (Http2Client::Send); never call it on an HTTP/2 I/O thread.
class Http2TokenFetcher final : public TokenFetcher {
 public:
  // `client` must outlive the fetcher.
  Http2TokenFetcher(http2::Http2Client& client, absl::Duration timeout)
      : client_(client), timeout_(timeout) {}

  // ntf::pusher::TokenFetcher. InvalidArgument if `url` is not on the client's origin.
  absl::StatusOr<HttpResponse> PostForm(std::string_view url, std::string_view form_body) override;

 private:
  http2::Http2Client& client_;
  const absl::Duration timeout_;
};

// "https://host[:port]" of an https URL (the Http2Client origin), or InvalidArgument.
absl::StatusOr<std::string> OriginOf(std::string_view url);

class FcmSender final : public PushSender {
 public:
  // `auth` or `client` null: FCM is off and jobs complete with kProviderDisabled. Everything
  // must outlive the sender.
  FcmSender(FcmTokenProvider* auth, http2::Http2Client* client, absl::Duration request_timeout,
            const common::Clock& clock);

  // ntf::pusher::PushSender
  void Send(const Delivery& delivery, const PushContent& content, Done done) override;
  bool RefreshAuth(wire::PushProvider provider, std::string_view rejected) override;

 private:
  FcmTokenProvider* const auth_;
  http2::Http2Client* const client_;
  const absl::Duration request_timeout_;
  const common::Clock& clock_;
};

}  // namespace ntf::pusher
