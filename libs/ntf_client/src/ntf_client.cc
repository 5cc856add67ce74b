#include "ntf/client/ntf_client.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "ntf/crypto/auth.h"
#include "ntf/crypto/primitives.h"
#include "ntf/crypto/signed_key.h"
#include "ntf/tls/blocking_client.h"
#include "ntf/wire/block.h"

namespace ntf::client {
namespace {

// Blocks written but not yet fully answered. The server answers block by block, so a few in
// flight hide the round trip without letting both sides block on full socket buffers.
constexpr size_t kMaxBlocksInFlight = 8;

std::string TagName(const wire::Command& command) {
  return std::string(wire::CommandTagName(wire::TagOf(command)));
}

absl::Status WithContext(const absl::Status& status, std::string_view context) {
  return absl::Status(status.code(), absl::StrCat(std::string(context), ": ", status.message()));
}

// The leaf certificate's key as a signature-verifying key (Ed25519 or Ed448).
absl::StatusOr<crypto::PublicKey> LeafKey(const tls::BlockingTlsClient& tls) {
  absl::StatusOr<tls::RawPublicKey> raw = tls::GetRawPublicKey(tls.peer_public_key());
  if (!raw.ok()) return WithContext(raw.status(), "server certificate key");
  return crypto::PublicKey{.alg = raw->algorithm == tls::KeyAlgorithm::kEd448
                                      ? crypto::KeyAlgorithm::kEd448
                                      : crypto::KeyAlgorithm::kEd25519,
                           .raw = std::move(raw->key)};
}

// How many transmissions a block we encoded carries.
size_t TransmissionsIn(wire::ByteSpan block, const wire::SessionParams& session) {
  if (!session.batch) return 1;
  absl::StatusOr<wire::ByteSpan> content = wire::UnpadBlock(block, wire::kNtfBlockSize);
  return content.ok() && !content->empty() ? (*content)[0] : 1;
}

// The typed part of a response, if it is of the type a command expects.
bool Extract(const wire::Response& r, wire::IdtknResponse* out) {
  const auto* v = std::get_if<wire::IdtknResponse>(&r);
  if (v != nullptr) *out = *v;
  return v != nullptr;
}
bool Extract(const wire::Response& r, wire::OkResponse* /*out*/) {
  return std::holds_alternative<wire::OkResponse>(r);
}
bool Extract(const wire::Response& r, wire::PongResponse* /*out*/) {
  return std::holds_alternative<wire::PongResponse>(r);
}
bool Extract(const wire::Response& r, wire::TokenStatus* out) {
  const auto* v = std::get_if<wire::TknResponse>(&r);
  if (v != nullptr) *out = v->status;
  return v != nullptr;
}
bool Extract(const wire::Response& r, wire::SubscriptionStatus* out) {
  const auto* v = std::get_if<wire::SubResponse>(&r);
  if (v != nullptr) *out = v->status;
  return v != nullptr;
}
bool Extract(const wire::Response& r, wire::Bytes* out) {
  const auto* v = std::get_if<wire::IdsubResponse>(&r);
  if (v != nullptr) *out = v->subscription_id;
  return v != nullptr;
}

}  // namespace

absl::StatusOr<ConnectOptions> ConnectOptions::FromAddress(std::string_view address) {
  absl::StatusOr<wire::ServerAddress> parsed = wire::ParseServerAddress(address);
  if (!parsed.ok()) return parsed.status();
  if (parsed->scheme != wire::ServerScheme::kNtf) {
    return absl::InvalidArgumentError("server address: not an ntf:// address");
  }
  ConnectOptions options;
  options.host = parsed->server.hosts.front();
  options.port = wire::EffectivePort(parsed->server, wire::ServerScheme::kNtf);
  std::copy(parsed->server.key_hash.begin(), parsed->server.key_hash.end(),
            options.key_hash.begin());
  return options;
}

NtfClient::NtfClient(std::unique_ptr<tls::BlockingTlsClient> tls, absl::Duration io_timeout)
    : tls_(std::move(tls)), io_timeout_(io_timeout) {}

NtfClient::~NtfClient() = default;

absl::StatusOr<std::unique_ptr<NtfClient>> NtfClient::Connect(const ConnectOptions& options) {
  if (options.versions.min == 0 || options.versions.min > options.versions.max) {
    return absl::InvalidArgumentError(absl::StrCat("client version range ", options.versions.min,
                                                   "..", options.versions.max, " is empty"));
  }
  const absl::Time deadline = absl::Now() + options.connect_timeout;
  std::shared_ptr<const tls::TlsClientContext> context = options.tls_context;
  if (context == nullptr) {
    absl::StatusOr<std::shared_ptr<const tls::TlsClientContext>> created =
        tls::TlsClientContext::Create();
    if (!created.ok()) return created.status();
    context = *std::move(created);
  }
  absl::StatusOr<std::unique_ptr<tls::BlockingTlsClient>> tls =
      tls::BlockingTlsClient::Connect(std::move(context), options.host, options.port,
                                      tls::ConnectOptions{.key_hash = options.key_hash,
                                                          .alpn = options.alpn ? tls::kNtfAlpn : "",
                                                          .timeout = options.connect_timeout});
  if (!tls.ok()) return tls.status();
  std::unique_ptr<NtfClient> client(new NtfClient(*std::move(tls), options.io_timeout));
  // The server hello is part of connecting: it gets what is left of the connect budget.
  client->io_timeout_ = std::max(deadline - absl::Now(), absl::Milliseconds(1));
  absl::Status handshake = client->Handshake(options);
  if (!handshake.ok()) return handshake;
  return client;
}

absl::Status NtfClient::Handshake(const ConnectOptions& options) {
  alpn_ = tls_->info().alpn;
  absl::StatusOr<wire::Bytes> block = ReadBlock();
  if (!block.ok()) return WithContext(block.status(), "server hello");
  io_timeout_ = options.io_timeout;  // from now on, per block
  absl::StatusOr<wire::ServerHello> hello = wire::DecodeServerHelloBlock(*block);
  if (!hello.ok()) return WithContext(hello.status(), "server hello");
  const std::vector<uint8_t>& tls_session = tls_->info().session_id;
  if (hello->session_id != wire::Bytes(tls_session.begin(), tls_session.end())) {
    return absl::InvalidArgumentError("server hello: session id is not the TLS session's");
  }
  server_versions_ = hello->versions;
  const std::optional<uint16_t> version = wire::NegotiateVersion(hello->versions, options.versions);
  if (!version) {
    return absl::FailedPreconditionError(
        absl::StrCat("TEVersion: server offers ", hello->versions.min, "..", hello->versions.max,
                     ", client speaks ", options.versions.min, "..", options.versions.max));
  }
  // As the reference client: a key that is present is verified, whatever the version.
  std::optional<crypto::PublicKey> session_key;
  if (hello->signed_auth_key) {
    absl::StatusOr<crypto::PublicKey> leaf = LeafKey(*tls_);
    if (!leaf.ok()) return leaf.status();
    absl::StatusOr<crypto::PublicKey> key = crypto::VerifySignedKey(*hello->signed_auth_key, *leaf);
    if (!key.ok()) {
      return absl::UnauthenticatedError(
          absl::StrCat("server hello: signed session key: ", key.status().message()));
    }
    session_key = *std::move(key);
  }
  if (*version >= wire::kAuthBatchCmdsNtfVersion) {
    if (!session_key) {
      return absl::InvalidArgumentError("server hello: no session key for a v2+ session");
    }
    server_session_key_ = std::move(session_key);
  }
  session_ = wire::MakeSessionParams(*version, hello->session_id);

  wire::ClientHello client_hello{.version = *version};
  if (options.hello_key_hash_for_test.empty()) {
    client_hello.key_hash.assign(options.key_hash.begin(), options.key_hash.end());
  } else {
    client_hello.key_hash = options.hello_key_hash_for_test;
  }
  absl::StatusOr<wire::Bytes> out = wire::EncodeClientHelloBlock(client_hello);
  if (!out.ok()) return WithContext(out.status(), "client hello");
  return WriteBlock(*out);
}

absl::StatusOr<std::vector<Reply>> NtfClient::Send(std::vector<Request> requests) {
  std::vector<RawRequest> raw;
  raw.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<wire::Bytes> command = wire::EncodeCommand(requests[i].command);
    if (!command.ok()) {
      return WithContext(command.status(),
                         absl::StrCat("request ", i, " (", TagName(requests[i].command), ")"));
    }
    raw.push_back(RawRequest{.command = *std::move(command),
                             .entity_id = std::move(requests[i].entity_id),
                             .signer = requests[i].signer});
  }
  return SendEncoded(std::move(raw));
}

absl::StatusOr<std::vector<Reply>> NtfClient::SendRawCommandsForTest(
    std::vector<RawRequest> requests) {
  return SendEncoded(std::move(requests));
}

absl::StatusOr<std::vector<Reply>> NtfClient::SendEncoded(std::vector<RawRequest> requests) {
  if (!broken_.ok()) return absl::FailedPreconditionError(broken_.message());
  std::vector<Reply> replies;
  if (requests.empty()) return replies;

  std::map<wire::Bytes, size_t> by_corr_id;
  std::vector<wire::Transmission> transmissions;
  transmissions.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    RawRequest& r = requests[i];
    wire::Transmission t{
        .corr_id = crypto::RandomId(), .entity_id = std::move(r.entity_id), .command = r.command};
    if (r.signer != nullptr) {
      absl::StatusOr<wire::Bytes> authorized =
          wire::BytesToAuthorize(session_.session_id, t.corr_id, t.entity_id, t.command);
      if (!authorized.ok()) return WithContext(authorized.status(), absl::StrCat("request ", i));
      absl::StatusOr<wire::Bytes> auth =
          crypto::Authorize(*r.signer, server_session_key(), t.corr_id, *authorized);
      if (!auth.ok()) return WithContext(auth.status(), absl::StrCat("request ", i));
      t.auth = *std::move(auth);
    }
    by_corr_id.emplace(t.corr_id, i);
    transmissions.push_back(std::move(t));
  }
  absl::StatusOr<std::vector<wire::Bytes>> blocks =
      wire::EncodeClientBlocks(transmissions, session_);
  if (!blocks.ok()) return blocks.status();

  // answered_by[b]: how many answers complete blocks 0..b.
  std::vector<size_t> answered_by;
  for (const wire::Bytes& block : *blocks) {
    answered_by.push_back((answered_by.empty() ? 0 : answered_by.back()) +
                          TransmissionsIn(block, session_));
  }
  size_t written = 0;
  size_t completed = 0;
  while (replies.size() < requests.size()) {
    while (completed < written && answered_by[completed] <= replies.size()) ++completed;
    while (written < blocks->size() && written - completed < kMaxBlocksInFlight) {
      if (absl::Status s = WriteBlock((*blocks)[written]); !s.ok()) return s;
      ++written;
    }
    absl::StatusOr<wire::Bytes> block = ReadBlock();
    if (!block.ok()) return block.status();
    for (wire::ReceivedResponse& received : wire::DecodeServerBlock(*block, session_)) {
      Reply reply{.corr_id = std::move(received.corr_id),
                  .entity_id = std::move(received.entity_id),
                  .result = std::move(received.result)};
      if (auto it = by_corr_id.find(reply.corr_id); it != by_corr_id.end()) {
        reply.request = it->second;
      }
      replies.push_back(std::move(reply));
    }
  }
  return replies;
}

absl::StatusOr<std::vector<Reply>> NtfClient::SendRawBlockForTest(wire::ByteSpan bytes,
                                                                  size_t answers) {
  if (!broken_.ok()) return absl::FailedPreconditionError(broken_.message());
  if (absl::Status s = WriteBlock(bytes); !s.ok()) return s;
  std::vector<Reply> replies;
  do {
    absl::StatusOr<wire::Bytes> block = ReadBlock();
    if (!block.ok()) return block.status();
    for (wire::ReceivedResponse& received : wire::DecodeServerBlock(*block, session_)) {
      replies.push_back(Reply{.corr_id = std::move(received.corr_id),
                              .entity_id = std::move(received.entity_id),
                              .result = std::move(received.result)});
    }
  } while (replies.size() < answers);
  return replies;
}

template <typename T>
absl::StatusOr<Answer<T>> NtfClient::SendOne(Request request) {
  const std::string tag = TagName(request.command);
  std::vector<Request> requests;
  requests.push_back(std::move(request));
  absl::StatusOr<std::vector<Reply>> replies = Send(std::move(requests));
  if (!replies.ok()) return replies.status();
  // Send() returns at least one answer; prefer the one carrying our corrId.
  const Reply* reply = &replies->front();
  for (const Reply& r : *replies) {
    if (r.request == 0) {
      reply = &r;
      break;
    }
  }
  const wire::Response* response = reply->response();
  if (response == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("undecodable answer to ", tag, ": ",
                     wire::FormatError(std::get<wire::ErrorType>(reply->result))));
  }
  if (const auto* err = std::get_if<wire::ErrResponse>(response)) return Answer<T>(err->error);
  if (!reply->request) {
    return absl::InvalidArgumentError(absl::StrCat("answer to ", tag, " with an unknown corrId"));
  }
  T value{};
  if (!Extract(*response, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected answer ",
                     std::string(wire::ResponseTagName(wire::TagOf(*response))), " to ", tag));
  }
  return Answer<T>(std::move(value));
}

absl::StatusOr<Answer<wire::IdtknResponse>> NtfClient::Tnew(const wire::TnewCommand& command,
                                                            const crypto::PrivateKey& signer) {
  return SendOne<wire::IdtknResponse>({.command = command, .signer = &signer});
}

absl::StatusOr<Answer<wire::OkResponse>> NtfClient::Tvfy(wire::ByteSpan token_id,
                                                         wire::ByteSpan reg_code,
                                                         const crypto::PrivateKey& signer) {
  return SendOne<wire::OkResponse>(
      {.command = wire::TvfyCommand{.reg_code = wire::Bytes(reg_code.begin(), reg_code.end())},
       .entity_id = wire::Bytes(token_id.begin(), token_id.end()),
       .signer = &signer});
}

absl::StatusOr<Answer<wire::TokenStatus>> NtfClient::Tchk(wire::ByteSpan token_id,
                                                          const crypto::PrivateKey& signer) {
  return SendOne<wire::TokenStatus>({.command = wire::TchkCommand{},
                                     .entity_id = wire::Bytes(token_id.begin(), token_id.end()),
                                     .signer = &signer});
}

absl::StatusOr<Answer<wire::OkResponse>> NtfClient::Trpl(wire::ByteSpan token_id,
                                                         const wire::DeviceToken& device_token,
                                                         const crypto::PrivateKey& signer) {
  return SendOne<wire::OkResponse>({.command = wire::TrplCommand{.device_token = device_token},
                                    .entity_id = wire::Bytes(token_id.begin(), token_id.end()),
                                    .signer = &signer});
}

absl::StatusOr<Answer<wire::OkResponse>> NtfClient::Tdel(wire::ByteSpan token_id,
                                                         const crypto::PrivateKey& signer) {
  return SendOne<wire::OkResponse>({.command = wire::TdelCommand{},
                                    .entity_id = wire::Bytes(token_id.begin(), token_id.end()),
                                    .signer = &signer});
}

absl::StatusOr<Answer<wire::OkResponse>> NtfClient::Tcrn(wire::ByteSpan token_id, uint16_t minutes,
                                                         const crypto::PrivateKey& signer) {
  return SendOne<wire::OkResponse>({.command = wire::TcrnCommand{.interval_minutes = minutes},
                                    .entity_id = wire::Bytes(token_id.begin(), token_id.end()),
                                    .signer = &signer});
}

absl::StatusOr<Answer<wire::Bytes>> NtfClient::Snew(const wire::SnewCommand& command,
                                                    const crypto::PrivateKey& signer) {
  return SendOne<wire::Bytes>({.command = command, .signer = &signer});
}

absl::StatusOr<Answer<wire::SubscriptionStatus>> NtfClient::Schk(wire::ByteSpan subscription_id,
                                                                 const crypto::PrivateKey& signer) {
  return SendOne<wire::SubscriptionStatus>(
      {.command = wire::SchkCommand{},
       .entity_id = wire::Bytes(subscription_id.begin(), subscription_id.end()),
       .signer = &signer});
}

absl::StatusOr<Answer<wire::OkResponse>> NtfClient::Sdel(wire::ByteSpan subscription_id,
                                                         const crypto::PrivateKey& signer) {
  return SendOne<wire::OkResponse>(
      {.command = wire::SdelCommand{},
       .entity_id = wire::Bytes(subscription_id.begin(), subscription_id.end()),
       .signer = &signer});
}

absl::StatusOr<Answer<wire::PongResponse>> NtfClient::Ping() {
  return SendOne<wire::PongResponse>({.command = wire::PingCommand{}});
}

void NtfClient::Close() {
  if (broken_.ok()) broken_ = absl::FailedPreconditionError("connection closed");
  tls_->Close();
}

absl::StatusOr<wire::Bytes> NtfClient::ReadBlock() {
  absl::StatusOr<std::vector<uint8_t>> block = tls_->ReadBlock(wire::kNtfBlockSize, io_timeout_);
  if (!block.ok()) return Fail(block.status());
  return *std::move(block);
}

absl::Status NtfClient::WriteBlock(wire::ByteSpan block) {
  absl::Status s = tls_->WriteAll(block, io_timeout_);
  if (!s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

absl::Status NtfClient::Fail(absl::Status status) {
  if (broken_.ok()) {
    broken_ = absl::FailedPreconditionError(
        absl::StrCat("connection failed earlier: ", status.message()));
  }
  tls_->Close();
  return status;
}

}  // namespace ntf::client
