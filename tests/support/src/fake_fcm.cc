#include "ntf/testing/fake_fcm.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ntf::testing {
namespace {

using Json = nlohmann::json;

std::string FormDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string StatusName(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 500:
      return "INTERNAL";
    case 503:
      return "UNAVAILABLE";
    default:
      return "UNKNOWN";
  }
}

http2::Response FcmError(int status, const std::string& error_code, http2::Headers headers = {}) {
  Json error = {{"code", status}, {"message", "fake FCM error"}, {"status", StatusName(status)}};
  if (!error_code.empty()) {
    error["details"] =
        Json::array({{{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"},
                      {"errorCode", error_code}}});
  }
  http2::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers.emplace_back("content-type", "application/json");
  r.body = Json({{"error", error}}).dump();
  return r;
}

}  // namespace

std::string FakeFcmCredentials::ServiceAccountJson(const std::string& token_uri) const {
  return Json({{"type", "service_account"},
               {"project_id", project_id},
               {"private_key_id", private_key_id},
               {"private_key", private_key_pem},
               {"client_email", client_email},
               {"token_uri", token_uri}})
      .dump(2);
}

absl::StatusOr<FakeFcmCredentials> MakeFakeFcmCredentials() {
  absl::StatusOr<std::pair<std::string, std::string>> keys = fake_internal::GenerateKeyPair(2048);
  if (!keys.ok()) return keys.status();
  FakeFcmCredentials c;
  c.private_key_pem = keys->first;
  c.public_key_pem = keys->second;
  return c;
}

absl::StatusOr<std::unique_ptr<FakeFcm>> FakeFcm::Start(FakeFcmOptions options) {
  std::unique_ptr<FakeFcm> fake(new FakeFcm(std::move(options)));
  const FakeFcmOptions& o = fake->options_;
  if (absl::Status s = fake->StartServer(o.host, o.port, o.max_concurrent_streams); !s.ok()) {
    return s;
  }
  return fake;
}

void FakeFcm::RevokeAccessTokens() {
  absl::MutexLock lock(&mu_);
  valid_tokens_.clear();
}

void FakeFcm::HandleToken(const http2::Request& request, http2::Responder& responder) {
  token_requests_.fetch_add(1);
  std::string grant_type, assertion;
  for (absl::string_view pair : absl::StrSplit(request.body, '&')) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2) continue;
    if (kv[0] == "grant_type") grant_type = FormDecode(kv[1]);
    if (kv[0] == "assertion") assertion = FormDecode(kv[1]);
  }
  auto reject = [&](const char* why) {
    http2::Response r;
    r.status = 400;
    r.headers = {{"content-type", "application/json"}};
    r.body = Json({{"error", "invalid_grant"}, {"error_description", why}}).dump();
    responder.Respond(std::move(r));
  };
  if (grant_type != "urn:ietf:params:oauth:grant-type:jwt-bearer") return reject("grant_type");
  std::vector<std::string> parts = absl::StrSplit(assertion, '.');
  if (parts.size() != 3) return reject("malformed assertion");
  const Json header = Json::parse(fake_internal::Base64UrlDecode(parts[0]), nullptr, false);
  const Json claims = Json::parse(fake_internal::Base64UrlDecode(parts[1]), nullptr, false);
  if (!header.is_object() || !claims.is_object() || header.value("alg", "") != "RS256") {
    return reject("bad header");
  }
  if (!fake_internal::VerifyJws("RS256", options_.credentials.public_key_pem,
                                absl::StrCat(parts[0], ".", parts[1]),
                                fake_internal::Base64UrlDecode(parts[2]))) {
    return reject("Invalid JWT Signature.");
  }
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  if (claims.value("iss", "") != options_.credentials.client_email ||
      claims.value("aud", "") != token_uri() ||
      !absl::StrContains(claims.value("scope", ""), "firebase.messaging") ||
      claims.value("exp", int64_t{0}) <= now || claims.value("iat", int64_t{0}) > now + 60) {
    return reject("bad claims");
  }
  std::string token;
  {
    absl::MutexLock lock(&mu_);
    token = absl::StrCat("ya29.fake-", ++issued_);
    valid_tokens_.insert(token);
  }
  http2::Response r;
  r.status = 200;
  r.headers = {{"content-type", "application/json"}};
  r.body = Json({{"access_token", token},
                 {"expires_in", absl::ToInt64Seconds(options_.access_token_lifetime)},
                 {"token_type", "Bearer"}})
               .dump();
  responder.Respond(std::move(r));
}

void FakeFcm::Handle(const http2::Request& request, http2::Responder responder) {
  if (request.path == "/token") {
    if (request.method != "POST") return responder.Respond(405);
    HandleToken(request, responder);
    return;
  }
  RecordedRequest record;
  record.method = request.method;
  record.path = request.path;
  record.headers = request.headers;
  record.body = request.body;
  record.received_at = absl::Now();
  const std::string expected =
      absl::StrCat("/v1/projects/", options_.credentials.project_id, "/messages:send");
  if (request.method != "POST" || request.path != expected) {
    record.answered = 404;
    Record(record);
    responder.Respond(FcmError(404, ""));
    return;
  }
  const Json body = Json::parse(request.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_object()) {
    record.device_token = body["message"].value("token", "");
  }
  const std::string authorization = record.Header("authorization");
  bool authorized = false;
  if (absl::StartsWith(authorization, "Bearer ")) {
    absl::MutexLock lock(&mu_);
    authorized = valid_tokens_.count(authorization.substr(7)) != 0;
  }
  if (!authorized) {
    record.answered = 401;
    record.answered_reason = "UNAUTHENTICATED";
    Record(record);
    responder.Respond(FcmError(401, ""));
    return;
  }
  if (record.device_token.empty()) {
    record.answered = 400;
    record.answered_reason = "INVALID_ARGUMENT";
    Record(record);
    responder.Respond(FcmError(400, "INVALID_ARGUMENT"));
    return;
  }
  const std::optional<FakeAnswer> scripted = RecordNextAnswer(record, responder);
  if (!scripted) return;
  const FakeAnswer& answer = *scripted;
  http2::Headers headers;
  if (!answer.retry_after.empty()) headers.emplace_back("retry-after", answer.retry_after);
  http2::Response response;
  if (answer.status == 200) {
    int64_t n = 0;
    {
      absl::MutexLock lock(&mu_);
      n = ++messages_;
    }
    response.status = 200;
    response.headers = std::move(headers);
    response.headers.emplace_back("content-type", "application/json");
    response.body =
        Json(
            {{"name", absl::StrCat("projects/", options_.credentials.project_id, "/messages/", n)}})
            .dump();
  } else {
    response = FcmError(answer.status, answer.reason, std::move(headers));
  }
  Send(responder, std::move(response), answer.delay);
}

}  // namespace ntf::testing
