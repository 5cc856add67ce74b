#include "ntf/testing/fake_apns.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <array>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ntf/http2/testing/test_pki.h"
#include "ntf/wire/encoding.h"

namespace ntf::testing {
namespace {

using Json = nlohmann::json;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::string BioString(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

http2::Response JsonResponse(int status, const Json& body, http2::Headers headers = {}) {
  http2::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers.emplace_back("content-type", "application/json");
  r.body = body.dump();
  return r;
}

}  // namespace

namespace fake_internal {

std::string Base64UrlDecode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return {};
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

bool VerifyJws(std::string_view alg, std::string_view public_key_pem,
               std::string_view signing_input, std::string_view signature) {
  BioPtr bio(BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())));
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return false;
  std::string der;
  if (alg == "ES256") {
    if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_EC || signature.size() != 64) return false;
    SigPtr sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr);
    BIGNUM* s =
        BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr);
    ECDSA_SIG_set0(sig.get(), r, s);
    unsigned char* buf = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &buf);
    if (len <= 0) return false;
    der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
    OPENSSL_free(buf);
  } else if (alg == "RS256") {
    if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) return false;
    der = std::string(signature);
  } else {
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

absl::StatusOr<std::pair<std::string, std::string>> GenerateKeyPair(int rsa_bits) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(rsa_bits > 0 ? EVP_PKEY_RSA : EVP_PKEY_EC, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return absl::InternalError("keygen init");
  if (rsa_bits > 0) {
    if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1) {
      return absl::InternalError("rsa bits");
    }
  } else if (EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) != 1) {
    return absl::InternalError("ec curve");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) return absl::InternalError("keygen");
  PkeyPtr key(raw);
  BioPtr priv(BIO_new(BIO_s_mem()));
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return absl::InternalError("PEM write");
  }
  return std::make_pair(BioString(priv.get()), BioString(pub.get()));
}

std::vector<std::string> ApnsAnswerNeverIndexed() { return {"apns-id"}; }

std::string AnswerApnsId(std::string_view request_apns_id) {
  if (!request_apns_id.empty()) return std::string(request_apns_id);
  // Unique, not secret: a per-thread splitmix64 stream seeded once from OpenSSL, so the fake's
  // cost per answer stays that of formatting (RAND_bytes per answer took the benchmark's
  // HTTP/2 ceiling down by a third).
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed) != 1) std::abort();
    return seed;
  }();
  auto next = [] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::array<uint8_t, 16> uuid;
  const uint64_t halves[2] = {next(), next()};
  std::memcpy(uuid.data(), halves, uuid.size());
  uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0f) | 0x40);  // version 4
  uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3f) | 0x80);  // variant 10xx
  return wire::FormatUuid(uuid);
}

}  // namespace fake_internal

std::string RecordedRequest::Header(std::string_view name) const {
  std::optional<std::string_view> v = http2::FindHeader(headers, name);
  return v ? std::string(*v) : std::string();
}

absl::StatusOr<FakeApnsCredentials> MakeFakeApnsCredentials() {
  absl::StatusOr<std::pair<std::string, std::string>> keys = fake_internal::GenerateKeyPair(0);
  if (!keys.ok()) return keys.status();
  FakeApnsCredentials c;
  c.private_key_pem = keys->first;
  c.public_key_pem = keys->second;
  return c;
}

// ---- FakeProviderBase -----------------------------------------------------------------------

FakeProviderBase::~FakeProviderBase() { Stop(); }

void FakeProviderBase::Stop() {
  if (server_) server_->Stop();
}

absl::Status FakeProviderBase::StartServer(const std::string& host, uint16_t port,
                                           uint32_t max_streams,
                                           std::vector<std::string> never_indexed) {
  http2::testing::TestPkiOptions pki_options;
  pki_options.ip_addresses = {host};
  absl::StatusOr<http2::testing::TestPki> pki = http2::testing::MakeTestPki(pki_options);
  if (!pki.ok()) return pki.status();
  ca_pem_ = pki->ca_certificate_pem;
  host_ = host;
  http2::ServerOptions options;
  options.host = host;
  options.port = port;
  options.certificate_chain_pem = pki->server_certificate_pem;
  options.private_key_pem = pki->server_private_key_pem;
  options.max_concurrent_streams = max_streams;
  options.never_indexed_headers = std::move(never_indexed);
  absl::StatusOr<std::unique_ptr<http2::Http2Server>> server = http2::Http2Server::Create(
      std::move(options), [this](const http2::Request& request, http2::Responder responder) {
        Handle(request, std::move(responder));
      });
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  server_->Start();
  return absl::OkStatus();
}

uint16_t FakeProviderBase::port() const { return server_->port(); }

std::string FakeProviderBase::origin() const {
  return absl::StrCat("https://", host_, ":", port());
}

void FakeProviderBase::SetDefaultAnswer(FakeAnswer answer) {
  absl::MutexLock lock(&mu_);
  default_answer_ = std::move(answer);
}

void FakeProviderBase::ScriptAnswers(const std::string& device_token,
                                     std::vector<FakeAnswer> answers) {
  absl::MutexLock lock(&mu_);
  auto& queue = scripted_[device_token];
  for (FakeAnswer& a : answers) queue.push_back(std::move(a));
}

FakeAnswer FakeProviderBase::NextAnswer(const std::string& device_token) {
  absl::MutexLock lock(&mu_);
  auto it = scripted_.find(device_token);
  if (it == scripted_.end() || it->second.empty()) return default_answer_;
  FakeAnswer a = std::move(it->second.front());
  it->second.pop_front();
  return a;
}

std::optional<FakeAnswer> FakeProviderBase::RecordNextAnswer(RecordedRequest record,
                                                             http2::Responder& responder) {
  FakeAnswer answer = NextAnswer(record.device_token);
  record.answered = answer.reset || answer.refuse ? 0 : answer.status;
  record.answered_reason = answer.reason;
  Record(std::move(record));
  if (answer.reset || answer.refuse) {
    responder.Reset(answer.refuse ? http2::ErrorCode::kRefusedStream
                                  : http2::ErrorCode::kInternalError);
    return std::nullopt;
  }
  return answer;
}

void FakeProviderBase::SetInbox(std::string dir) {
  absl::MutexLock lock(&mu_);
  inbox_ = std::move(dir);
}

void FakeProviderBase::Record(RecordedRequest request) {
  absl::MutexLock lock(&mu_);
  if (!inbox_.empty() && request.answered == 200 && !request.device_token.empty()) {
    std::string name = request.device_token;
    for (char& c : name) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
        c = '_';
      }
    }
    std::ofstream(absl::StrCat(inbox_, "/", name, ".jsonl"), std::ios::app) << request.body << "\n";
  }
  requests_.push_back(std::move(request));
}

std::vector<RecordedRequest> FakeProviderBase::Requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::vector<RecordedRequest> FakeProviderBase::RequestsFor(std::string_view device_token) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedRequest> out;
  for (const RecordedRequest& r : requests_) {
    if (r.device_token == device_token) out.push_back(r);
  }
  return out;
}

size_t FakeProviderBase::RequestCount() const {
  absl::MutexLock lock(&mu_);
  return requests_.size();
}

bool FakeProviderBase::WaitForRequests(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void FakeProviderBase::ClearRequests() {
  absl::MutexLock lock(&mu_);
  requests_.clear();
}

http2::ServerStats FakeProviderBase::stats() const { return server_->stats(); }

void FakeProviderBase::Send(http2::Responder& responder, http2::Response response,
                            absl::Duration delay) {
  if (delay > absl::ZeroDuration()) {
    responder.RespondAfter(delay, std::move(response));
  } else {
    responder.Respond(std::move(response));
  }
}

// ---- FakeApns -------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<FakeApns>> FakeApns::Start(FakeApnsOptions options) {
  std::unique_ptr<FakeApns> fake(new FakeApns(std::move(options)));
  const FakeApnsOptions& o = fake->options_;
  if (absl::Status s = fake->StartServer(o.host, o.port, o.max_concurrent_streams,
                                         fake_internal::ApnsAnswerNeverIndexed());
      !s.ok()) {
    return s;
  }
  return fake;
}

void FakeApns::RejectTokensIssuedBefore(absl::Time t) {
  absl::MutexLock lock(&jwt_mu_);
  reject_before_ = t;
}

void FakeApns::ExpireTokensSeenSoFar() {
  absl::MutexLock lock(&jwt_mu_);
  expired_ = tokens_seen_;
}

std::vector<std::string> FakeApns::TokensSeen() const {
  absl::MutexLock lock(&jwt_mu_);
  return tokens_seen_;
}

std::string FakeApns::CheckJwt(const std::string& authorization) {
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() <= kBearer.size() ||
      absl::AsciiStrToLower(authorization.substr(0, kBearer.size())) != kBearer) {
    return "MissingProviderToken";
  }
  const std::string jwt = authorization.substr(kBearer.size());
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) return "InvalidProviderToken";
  const Json header = Json::parse(fake_internal::Base64UrlDecode(parts[0]), nullptr, false);
  const Json claims = Json::parse(fake_internal::Base64UrlDecode(parts[1]), nullptr, false);
  if (!header.is_object() || !claims.is_object()) return "InvalidProviderToken";
  if (header.value("alg", "") != "ES256" ||
      header.value("kid", "") != options_.credentials.key_id ||
      claims.value("iss", "") != options_.credentials.team_id || !claims.contains("iat") ||
      !claims["iat"].is_number_integer()) {
    return "InvalidProviderToken";
  }
  if (!fake_internal::VerifyJws("ES256", options_.credentials.public_key_pem,
                                absl::StrCat(parts[0], ".", parts[1]),
                                fake_internal::Base64UrlDecode(parts[2]))) {
    return "InvalidProviderToken";
  }
  const absl::Time iat = absl::FromUnixSeconds(claims["iat"].get<int64_t>());
  absl::MutexLock lock(&jwt_mu_);
  if (std::find(tokens_seen_.begin(), tokens_seen_.end(), jwt) == tokens_seen_.end()) {
    tokens_seen_.push_back(jwt);
  }
  if (iat < reject_before_ || absl::Now() - iat > options_.token_max_age ||
      std::find(expired_.begin(), expired_.end(), jwt) != expired_.end()) {
    return "ExpiredProviderToken";
  }
  return "";
}

void FakeApns::Handle(const http2::Request& request, http2::Responder responder) {
  RecordedRequest record;
  record.method = request.method;
  record.path = request.path;
  record.headers = request.headers;
  record.body = request.body;
  record.received_at = absl::Now();
  // Every answer carries one: the request's, or a new one (as APNs).
  const std::string answer_id = fake_internal::AnswerApnsId(record.Header("apns-id"));
  constexpr absl::string_view kPrefix = "/3/device/";
  if (request.method != "POST" || !absl::StartsWith(request.path, kPrefix)) {
    record.answered = request.method != "POST" ? 405 : 404;
    record.answered_reason = request.method != "POST" ? "MethodNotAllowed" : "BadPath";
    Record(record);
    responder.Respond(JsonResponse(record.answered, {{"reason", record.answered_reason}},
                                   {{"apns-id", answer_id}}));
    return;
  }
  record.device_token = request.path.substr(kPrefix.size());
  std::string reason = CheckJwt(record.Header("authorization"));
  int status = reason.empty() ? 0 : 403;
  if (status == 0 && record.Header("apns-topic") != options_.topic) {
    status = 400;
    reason = "BadTopic";
  }
  if (status == 0 && record.Header("apns-push-type").empty()) {
    status = 400;
    reason = "InvalidPushType";
  }
  if (status == 0 && request.body.size() > 4096) {
    status = 413;
    reason = "PayloadTooLarge";
  }
  if (status != 0) {
    record.answered = status;
    record.answered_reason = reason;
    Record(record);
    responder.Respond(JsonResponse(status, {{"reason", reason}}, {{"apns-id", answer_id}}));
    return;
  }
  const std::optional<FakeAnswer> scripted = RecordNextAnswer(record, responder);
  if (!scripted) return;
  const FakeAnswer& answer = *scripted;
  http2::Headers headers;
  if (!answer.retry_after.empty()) headers.emplace_back("retry-after", answer.retry_after);
  headers.emplace_back("apns-id", answer_id);
  http2::Response response;
  if (answer.status == 200) {
    response.status = 200;
    response.headers = std::move(headers);
  } else {
    Json body = {{"reason", answer.reason}};
    if (answer.timestamp_ms) body["timestamp"] = *answer.timestamp_ms;
    response = JsonResponse(answer.status, body, std::move(headers));
  }
  Send(responder, std::move(response), answer.delay);
}

}  // namespace ntf::testing
