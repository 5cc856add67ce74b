#pragma once

// A fake APNs provider API for tests and the benchmark: an HTTP/2 TLS server (libs/http2
// Http2Server) with APNs' semantics (spec/push-providers.md §2):
//
//   POST /3/device/<hex token>, authorization: bearer <ES256 JWT>, apns-topic, apns-push-type
//   JWT: header alg ES256 + kid, claims iss + iat, signature checked with the configured
//        public key    -> 403 MissingProviderToken / InvalidProviderToken / ExpiredProviderToken
//   wrong topic       -> 400 BadTopic;  no push type -> 400 InvalidPushType
//   body > 4096 bytes -> 413 PayloadTooLarge
//   otherwise the scripted answer for that device token, or the default answer (200).
//   Every answer carries apns-id: the request's, or a new UUID when it had none (as APNs).
//
// Every request is recorded (headers, body, what was answered). The control methods act on
// the next request; all are thread-safe. In-process use: tests; the ntf-fake-apns binary
// (fake_apns_main.cc) serves the same for the benchmark.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ntf/http2/message.h"
#include "ntf/http2/server.h"

namespace ntf::testing {

// What a fake provider answers to one request.
struct FakeAnswer {
  int status = 200;
  // APNs: the body's "reason" (e.g. "BadDeviceToken"); FCM: the FcmError errorCode (e.g.
  // "UNREGISTERED"). Empty for 200.
  std::string reason = "";
  std::optional<int64_t> timestamp_ms = std::nullopt;  // APNs 410 "timestamp"
  std::string retry_after = "";                        // Retry-After header, if set
  absl::Duration delay = absl::ZeroDuration();         // answer after this long (slow provider)
  bool reset = false;  // reset the stream (RST_STREAM INTERNAL_ERROR) instead of answering
  // Reset it with REFUSED_STREAM instead: "not processed", as a server going away or over its
  // stream limit does (the request is recorded with answered = 0 all the same).
  bool refuse = false;

  static FakeAnswer Ok() { return {}; }
  static FakeAnswer Error(int status, std::string reason) {
    FakeAnswer a;
    a.status = status;
    a.reason = std::move(reason);
    return a;
  }
};

struct RecordedRequest {
  std::string method;
  std::string path;
  http2::Headers headers;
  std::string body;
  std::string device_token;  // APNs: from the path; FCM: message.token
  int answered = 0;          // the status answered (0: reset)
  std::string answered_reason;
  absl::Time received_at;

  std::string Header(std::string_view name) const;
};

// A P-256 key pair for the APNs provider token (the .p8 file and its public key).
struct FakeApnsCredentials {
  std::string key_id = "FAKEKEY123";
  std::string team_id = "FAKETEAM12";
  std::string private_key_pem;  // PKCS#8 "PRIVATE KEY" (what a .p8 file holds)
  std::string public_key_pem;   // SubjectPublicKeyInfo
};
// A fresh key (Internal if OpenSSL fails).
absl::StatusOr<FakeApnsCredentials> MakeFakeApnsCredentials();

struct FakeApnsOptions {
  FakeApnsCredentials credentials;  // key_id, team_id and public_key_pem are checked
  std::string topic = "chat.simplex.app";
  // A JWT whose iat is older than this is answered 403 ExpiredProviderToken.
  absl::Duration token_max_age = absl::Minutes(60);
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  uint32_t max_concurrent_streams = 1000;
};

// Shared by the fakes: a recording HTTP/2 server with scripted answers.
class FakeProviderBase {
 public:
  // Derived classes call Stop() in their destructor (the handler is theirs).
  virtual ~FakeProviderBase();

  uint16_t port() const;
  // "https://127.0.0.1:<port>"
  std::string origin() const;
  // The CA certificate that signed the server certificate (ClientOptions::ca_pem / ca_file).
  const std::string& ca_pem() const { return ca_pem_; }

  // Answer for requests with no scripted answer (initially 200).
  void SetDefaultAnswer(FakeAnswer answer);
  // The device's side of the channel, for manual runs and the demo: from now on the body of
  // every push answered 200 is appended as one line to DIR/<device token>.jsonl (characters
  // outside [A-Za-z0-9._-] of the token become '_'). Empty: off (the default).
  void SetInbox(std::string dir);
  // The next answers for this device token, in order; then the default again.
  void ScriptAnswers(const std::string& device_token, std::vector<FakeAnswer> answers);

  // Push requests received (authentication failures included), oldest first.
  std::vector<RecordedRequest> Requests() const;
  std::vector<RecordedRequest> RequestsFor(std::string_view device_token) const;
  size_t RequestCount() const;
  // Waits until at least `n` push requests were received.
  bool WaitForRequests(size_t n, absl::Duration timeout) const;
  void ClearRequests();
  http2::ServerStats stats() const;
  void Stop();

 protected:
  // `never_indexed`: response headers sent as HPACK never-indexed literals
  // (ServerOptions::never_indexed_headers).
  absl::Status StartServer(const std::string& host, uint16_t port, uint32_t max_streams,
                           std::vector<std::string> never_indexed = {});
  // Handles one request (on the server's I/O thread).
  virtual void Handle(const http2::Request& request, http2::Responder responder) = 0;
  // The answer for `device_token` (scripted or default).
  FakeAnswer NextAnswer(const std::string& device_token);
  // NextAnswer for record.device_token, recorded with the request. nullopt when that answer is
  // a stream reset, which this already sent.
  std::optional<FakeAnswer> RecordNextAnswer(RecordedRequest record, http2::Responder& responder);
  void Record(RecordedRequest request);
  // Sends `response` now or after `delay`.
  static void Send(http2::Responder& responder, http2::Response response, absl::Duration delay);

 private:
  std::unique_ptr<http2::Http2Server> server_;
  std::string ca_pem_;
  std::string host_;
  mutable absl::Mutex mu_;
  FakeAnswer default_answer_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<FakeAnswer>> scripted_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::string inbox_ ABSL_GUARDED_BY(mu_);
};

class FakeApns final : public FakeProviderBase {
 public:
  // Creates the TLS identity and starts serving.
  static absl::StatusOr<std::unique_ptr<FakeApns>> Start(FakeApnsOptions options);
  ~FakeApns() override { Stop(); }  // before the members the handler uses go

  // JWTs issued (iat) before `t` are answered 403 ExpiredProviderToken, as APNs does with
  // tokens older than an hour.
  void RejectTokensIssuedBefore(absl::Time t);
  // Every JWT seen so far is answered 403 ExpiredProviderToken from now on (the pusher must
  // sign a new one).
  void ExpireTokensSeenSoFar();
  // Distinct JWTs seen, in order of first use.
  std::vector<std::string> TokensSeen() const;

 private:
  explicit FakeApns(FakeApnsOptions options) : options_(std::move(options)) {}
  void Handle(const http2::Request& request, http2::Responder responder) override;
  // Empty when the JWT is good, else the 403 reason.
  std::string CheckJwt(const std::string& authorization);

  const FakeApnsOptions options_;
  mutable absl::Mutex jwt_mu_;
  absl::Time reject_before_ ABSL_GUARDED_BY(jwt_mu_) = absl::InfinitePast();
  std::vector<std::string> tokens_seen_ ABSL_GUARDED_BY(jwt_mu_);
  std::vector<std::string> expired_ ABSL_GUARDED_BY(jwt_mu_);
};

namespace fake_internal {
// Helpers shared by the fakes (fake_apns.cc defines them).
std::string Base64UrlDecode(std::string_view text);  // padded or not; "" when malformed
// Verifies a compact JWS signature: ES256 (raw 64-byte R || S) or RS256, with a PEM public key.
bool VerifyJws(std::string_view alg, std::string_view public_key_pem,
               std::string_view signing_input, std::string_view signature);
// A fresh key pair as PEM: {PKCS#8 private, SPKI public}. `rsa_bits` 0: EC P-256.
absl::StatusOr<std::pair<std::string, std::string>> GenerateKeyPair(int rsa_bits);
// Response headers of a fake APNs that are new on every answer (apns-id): never HPACK-indexed,
// so they do not churn the tables of the fake and its client.
std::vector<std::string> ApnsAnswerNeverIndexed();
// The apns-id of an APNs answer: the request's `apns-id`, or, when it sent none, a new random
// (version 4) UUID in lowercase 8-4-4-4-12 form, as APNs does.
std::string AnswerApnsId(std::string_view request_apns_id);
}  // namespace fake_internal

}  // namespace ntf::testing
