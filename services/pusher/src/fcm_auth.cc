#include "services/pusher/src/fcm_auth.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ntf::pusher {
namespace {

using Json = nlohmann::json;

constexpr absl::Duration kDefaultExpiresIn = absl::Hours(1);

// application/x-www-form-urlencoded (WHATWG URL §5.2): bytes outside [A-Za-z0-9*-._] become
// %XX, space becomes '+'.
std::string FormUrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
        c == '-' || c == '.' || c == '_') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

// The string member `key` of `obj`: "" if absent, InvalidArgument if not a string.
absl::StatusOr<std::string> StringField(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return absl::InvalidArgumentError(absl::StrCat(key, " is not a string"));
  return it->get<std::string>();
}

// A short, single-line excerpt of a response body for error messages.
std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 200;
  std::string out(body.substr(0, kMax));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

absl::StatusOr<ServiceAccount> ParseServiceAccount(std::string_view json) {
  Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("service account: not a JSON object");
  }
  ServiceAccount account;
  std::string type;
  for (auto [key, out] : {std::pair{"type", &type}, std::pair{"project_id", &account.project_id},
                          std::pair{"client_email", &account.client_email},
                          std::pair{"private_key", &account.private_key_pem},
                          std::pair{"private_key_id", &account.private_key_id},
                          std::pair{"token_uri", &account.token_uri}}) {
    absl::StatusOr<std::string> value = StringField(doc, key);
    if (!value.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("service account: ", value.status().message()));
    *out = *std::move(value);
  }
  if (!type.empty() && type != "service_account") {
    return absl::InvalidArgumentError(
        absl::StrCat("service account: type is \"", type, "\", not \"service_account\""));
  }
  for (auto [key, value] : {std::pair{"project_id", &account.project_id},
                            std::pair{"client_email", &account.client_email},
                            std::pair{"private_key", &account.private_key_pem}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("service account: ", key, " is required"));
    }
  }
  if (account.token_uri.empty()) account.token_uri = std::string(kGoogleTokenUri);
  return account;
}

absl::StatusOr<std::string> MakeFcmAssertion(const SigningKey& key, const ServiceAccount& account,
                                             absl::Time issued_at) {
  if (key.algorithm() != JwsAlgorithm::kRs256) {
    return absl::InvalidArgumentError("the FCM assertion needs an RS256 key");
  }
  nlohmann::ordered_json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!account.private_key_id.empty()) header["kid"] = account.private_key_id;
  const int64_t iat = absl::ToUnixSeconds(issued_at);
  const nlohmann::ordered_json claims = {
      {"iss", account.client_email},
      {"scope", std::string(kFcmScope)},
      {"aud", account.token_uri},
      {"iat", iat},
      {"exp", iat + absl::ToInt64Seconds(kFcmAssertionLifetime)}};
  return SignCompactJws(key, header.dump(), claims.dump());
}

std::string MakeTokenRequestBody(std::string_view assertion) {
  return absl::StrCat("grant_type=", FormUrlEncode(kJwtBearerGrantType),
                      "&assertion=", FormUrlEncode(assertion));
}

absl::StatusOr<OAuthAccessToken> ParseTokenResponse(const HttpResponse& response) {
  if (response.status != 200) {
    std::string what = absl::StrCat("token endpoint answered ", response.status);
    Json doc = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object()) {
      absl::StatusOr<std::string> error = StringField(doc, "error");
      absl::StatusOr<std::string> description = StringField(doc, "error_description");
      if (error.ok() && !error->empty()) absl::StrAppend(&what, " ", Excerpt(*error));
      if (description.ok() && !description->empty()) {
        absl::StrAppend(&what, ": ", Excerpt(*description));
      }
    } else if (!response.body.empty()) {
      absl::StrAppend(&what, ": ", Excerpt(response.body));
    }
    if (response.status == 400 || response.status == 401 || response.status == 403) {
      return absl::UnauthenticatedError(what);
    }
    if (response.status == 429 || (response.status >= 500 && response.status <= 599)) {
      return absl::UnavailableError(what);
    }
    return absl::UnknownError(what);
  }
  Json doc = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("token response: not a JSON object");
  }
  OAuthAccessToken token;
  absl::StatusOr<std::string> access = StringField(doc, "access_token");
  if (!access.ok() || access->empty()) {
    return absl::InvalidArgumentError("token response: no access_token");
  }
  token.token = *std::move(access);
  absl::StatusOr<std::string> type = StringField(doc, "token_type");
  if (!type.ok() || (!type->empty() && *type != "Bearer")) {
    return absl::InvalidArgumentError("token response: token_type is not Bearer");
  }
  token.expires_in = kDefaultExpiresIn;
  if (auto it = doc.find("expires_in"); it != doc.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
      return absl::InvalidArgumentError("token response: expires_in is not a positive integer");
    }
    token.expires_in = absl::Seconds(it->get<int64_t>());
  }
  return token;
}

absl::StatusOr<std::unique_ptr<FcmTokenProvider>> FcmTokenProvider::Create(
    const common::Clock& clock, TokenFetcher& fetcher, ServiceAccount account,
    FcmAuthOptions options) {
  absl::StatusOr<SigningKey> key =
      SigningKey::FromPkcs8Pem(account.private_key_pem, JwsAlgorithm::kRs256);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("service account private_key: ", key.status().message()));
  }
  return std::unique_ptr<FcmTokenProvider>(
      new FcmTokenProvider(clock, fetcher, std::move(account), *std::move(key), options));
}

FcmTokenProvider::FcmTokenProvider(const common::Clock& clock, TokenFetcher& fetcher,
                                   ServiceAccount account, SigningKey key, FcmAuthOptions options)
    : clock_(clock),
      fetcher_(fetcher),
      account_(std::move(account)),
      key_(std::move(key)),
      options_(options) {}

bool FcmTokenProvider::UsableLocked(common::Clock::SteadyTimePoint now) const {
  return !token_.empty() && now < refresh_at_;
}

absl::StatusOr<pusher::OAuthAccessToken> FcmTokenProvider::Fetch() {
  absl::StatusOr<std::string> assertion = MakeFcmAssertion(key_, account_, clock_.Now());
  if (!assertion.ok()) return assertion.status();
  absl::StatusOr<HttpResponse> response =
      fetcher_.PostForm(account_.token_uri, MakeTokenRequestBody(*assertion));
  if (!response.ok()) return response.status();
  return ParseTokenResponse(*response);
}

absl::StatusOr<std::string> FcmTokenProvider::AccessToken() {
  uint64_t fetches_seen = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (UsableLocked(clock_.SteadyNow())) return token_;
    fetches_seen = fetches_;
  }
  absl::MutexLock fetch_lock(&fetch_mu_);
  {
    // A fetch finished while this caller waited for fetch_mu_: share its result, success or
    // failure, instead of queueing another request behind it.
    absl::ReaderMutexLock lock(&mu_);
    if (UsableLocked(clock_.SteadyNow())) return token_;
    if (fetches_ != fetches_seen && !last_fetch_.ok()) return last_fetch_;
  }

  const common::Clock::SteadyTimePoint started = clock_.SteadyNow();
  absl::StatusOr<pusher::OAuthAccessToken> token = Fetch();
  absl::MutexLock lock(&mu_);
  ++fetches_;
  last_fetch_ = token.status();
  if (!token.ok()) return token.status();
  // Lifetimes count from when the request was sent, so the cache errs on the early side.
  absl::Duration refresh_in = token->expires_in - options_.refresh_margin;
  if (token->expires_in < 2 * options_.refresh_margin) refresh_in = token->expires_in / 2;
  token_ = token->token;
  refresh_at_ = started + common::ToSteadyDuration(refresh_in);
  expires_at_ = started + common::ToSteadyDuration(token->expires_in);
  replaced_invalidated_ = after_invalidate_;
  after_invalidate_ = false;
  return token_;
}

std::optional<std::string> FcmTokenProvider::CachedAccessToken() const {
  absl::ReaderMutexLock lock(&mu_);
  if (!UsableLocked(clock_.SteadyNow())) return std::nullopt;
  return token_;
}

bool FcmTokenProvider::Invalidate(std::string_view rejected) {
  absl::MutexLock lock(&mu_);
  if (token_.empty() || rejected != token_) return true;
  if (replaced_invalidated_) return false;
  token_.clear();
  after_invalidate_ = true;
  return true;
}

double FcmTokenProvider::ExpiresInSeconds() const {
  absl::ReaderMutexLock lock(&mu_);
  if (expires_at_ == common::Clock::SteadyTimePoint{}) return 0;
  return absl::ToDoubleSeconds(common::FromSteadyDuration(expires_at_ - clock_.SteadyNow()));
}

}  // namespace ntf::pusher
