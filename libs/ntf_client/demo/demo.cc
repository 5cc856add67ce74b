#include "demo.h"

#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ntf/client/agent_token.h"
#include "ntf/client/ntf_client.h"
#include "ntf/crypto/keys.h"
#include "ntf/wire/encoding.h"

namespace ntf::client::demo {
namespace {

// A device token of the kind the provider issues, made only of characters the fake keeps as
// they are in its inbox file names.
std::string NewDeviceToken(wire::PushProvider provider) {
  wire::Bytes random(32);
  randombytes_buf(random.data(), random.size());
  if (provider == wire::PushProvider::kFcm) {
    return absl::StrCat("demo-", wire::Base64UrlEncode(random).substr(0, 40));
  }
  return wire::HexEncode(random);
}

// The last push body in the device's inbox file, or "" if none arrived yet.
std::string LastPush(const std::string& inbox, const std::string& device) {
  std::ifstream in(absl::StrCat(inbox, "/", device, ".jsonl"));
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// The members of the push's notificationData (APNs) or message.data (FCM).
absl::StatusOr<std::pair<std::string, std::string>> VerificationOf(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::DataLossError("the push body is not JSON");
  }
  const nlohmann::json* data = nullptr;
  if (json.contains("notificationData")) {
    data = &json["notificationData"];
  } else if (json.contains("message") && json["message"].contains("data")) {
    data = &json["message"]["data"];
  }
  if (data == nullptr || !data->contains("nonce") || !data->contains("verification") ||
      !(*data)["nonce"].is_string() || !(*data)["verification"].is_string()) {
    return absl::DataLossError(absl::StrCat("not a verification push: ", body));
  }
  return std::make_pair((*data)["nonce"].get<std::string>(),
                        (*data)["verification"].get<std::string>());
}

// The status of a call that must succeed with an answer of the expected type.
template <typename T>
absl::Status Expect(const char* step, const absl::StatusOr<Answer<T>>& answer) {
  if (!answer.ok())
    return absl::Status(answer.status().code(),
                        absl::StrCat(step, ": ", answer.status().message()));
  if (!answer->ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(step, ": the server answered ERR ", wire::FormatError(answer->error())));
  }
  return absl::OkStatus();
}

// Polls TCHK until the token reaches `want` or the deadline passes; returns the last status.
absl::StatusOr<wire::TokenStatus> WaitForStatus(NtfClient& client, const AgentToken& token,
                                                wire::TokenState want, absl::Time deadline) {
  for (;;) {
    auto tchk = client.Tchk(token.token_id(), token.verify_key());
    if (absl::Status s = Expect("TCHK", tchk); !s.ok()) return s;
    if ((*tchk)->state == want || absl::Now() >= deadline) return tchk->value();
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace

absl::Status RunDemo(const DemoOptions& options, std::ostream& out) {
  if (sodium_init() < 0) return absl::InternalError("sodium_init failed");
  if (options.inbox.empty()) return absl::InvalidArgumentError("no inbox directory");
  if (options.provider != wire::PushProvider::kApnsProd &&
      options.provider != wire::PushProvider::kFcm) {
    return absl::InvalidArgumentError("the demo registers apns_prod or fcm tokens");
  }
  absl::StatusOr<ConnectOptions> connect = ConnectOptions::FromAddress(options.server);
  if (!connect.ok()) return connect.status();
  absl::StatusOr<std::unique_ptr<NtfClient>> connected = NtfClient::Connect(*connect);
  if (!connected.ok()) return connected.status();
  NtfClient& client = **connected;
  out << "connected to " << connect->host << ":" << connect->port << " (NTF v" << client.version()
      << ", ALPN " << (client.alpn().empty() ? "none" : client.alpn()) << ")\n";

  const std::string device = NewDeviceToken(options.provider);
  absl::StatusOr<AgentToken> token =
      AgentToken::Generate({.provider = options.provider, .token = wire::ToBytes(device)});
  if (!token.ok()) return token.status();
  absl::StatusOr<wire::TnewCommand> tnew = token->MakeTnew();
  if (!tnew.ok()) return tnew.status();
  auto idtkn = client.Tnew(*tnew, token->verify_key());
  if (absl::Status s = Expect("TNEW", idtkn); !s.ok()) return s;
  if (absl::Status s = token->OnRegistered(idtkn->value()); !s.ok()) return s;
  out << "TNEW " << wire::PushProviderName(options.provider) << " " << device
      << " -> IDTKN token id " << wire::HexEncode(token->token_id()) << "\n";

  const absl::Time deadline = absl::Now() + options.timeout;
  std::string push;
  while ((push = LastPush(options.inbox, device)).empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (push.empty()) {
    return absl::DeadlineExceededError(absl::StrCat("no verification push in ", options.inbox,
                                                    " within ",
                                                    absl::FormatDuration(options.timeout)));
  }
  absl::StatusOr<std::pair<std::string, std::string>> verification = VerificationOf(push);
  if (!verification.ok()) return verification.status();
  absl::StatusOr<wire::Bytes> code =
      token->DecryptVerification(verification->first, verification->second);
  if (!code.ok()) return code.status();
  out << "verification push received (" << push.size() << " bytes), decrypted code "
      << wire::Base64UrlEncode(*code) << "\n";

  // The pusher marks the token CONFIRMED once the provider accepted the push.
  absl::StatusOr<wire::TokenStatus> status =
      WaitForStatus(client, *token, wire::TokenState::kConfirmed, deadline);
  if (!status.ok()) return status.status();
  out << "TCHK -> " << wire::FormatTokenStatus(*status, client.version()) << "\n";
  auto tvfy = client.Tvfy(token->token_id(), *code, token->verify_key());
  if (absl::Status s = Expect("TVFY", tvfy); !s.ok()) return s;
  out << "TVFY -> OK\n";
  status = WaitForStatus(client, *token, wire::TokenState::kActive, absl::Now());
  if (!status.ok()) return status.status();
  out << "TCHK -> " << wire::FormatTokenStatus(*status, client.version()) << "\n";
  if (status->state != wire::TokenState::kActive) {
    return absl::FailedPreconditionError("the token is not ACTIVE after TVFY");
  }

  // A subscription to a (made-up) SMP queue, as an app creates one per contact.
  absl::StatusOr<crypto::PrivateKey> notifier_key =
      crypto::GenerateKeyPair(crypto::KeyAlgorithm::kEd25519);
  if (!notifier_key.ok()) return notifier_key.status();
  wire::Bytes notifier_id(24), key_hash(32);
  randombytes_buf(notifier_id.data(), notifier_id.size());
  randombytes_buf(key_hash.data(), key_hash.size());
  const wire::ProtocolServer smp{.hosts = {"smp.demo.example"}, .port = "", .key_hash = key_hash};
  auto snew = client.Snew({.token_id = token->token_id(),
                           .smp_server = smp,
                           .notifier_id = notifier_id,
                           .notifier_key = crypto::EncodePkcs8(*notifier_key)},
                          token->verify_key());
  if (absl::Status s = Expect("SNEW", snew); !s.ok()) return s;
  const wire::Bytes subscription = snew->value();
  out << "SNEW smp.demo.example -> subscription id " << wire::HexEncode(subscription) << "\n";
  auto schk = client.Schk(subscription, token->verify_key());
  if (absl::Status s = Expect("SCHK", schk); !s.ok()) return s;
  out << "SCHK -> " << wire::FormatSubscriptionStatus(schk->value()) << "\n";
  auto tcrn = client.Tcrn(token->token_id(), 20, token->verify_key());
  if (absl::Status s = Expect("TCRN", tcrn); !s.ok()) return s;
  out << "TCRN 20 -> OK (a periodic push every 20 minutes)\n";

  if (options.keep) {
    out << "kept: token and subscription stay registered\n";
    return absl::OkStatus();
  }
  auto sdel = client.Sdel(subscription, token->verify_key());
  if (absl::Status s = Expect("SDEL", sdel); !s.ok()) return s;
  auto tdel = client.Tdel(token->token_id(), token->verify_key());
  if (absl::Status s = Expect("TDEL", tdel); !s.ok()) return s;
  out << "SDEL, TDEL -> OK\n";
  return absl::OkStatus();
}

}  // namespace ntf::client::demo
