#include "ntf/client/agent_token.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace ntf::client {
namespace {

absl::Status CheckKeys(const crypto::PrivateKey& verify_key, const crypto::PrivateKey& dh_key) {
  if (!crypto::IsAuthAlgorithm(verify_key.alg())) {
    return absl::InvalidArgumentError(
        absl::StrCat("token verify key: ", std::string(crypto::AlgorithmName(verify_key.alg())),
                     " cannot authorize commands"));
  }
  if (dh_key.alg() != crypto::KeyAlgorithm::kX25519) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token DH key: ", std::string(crypto::AlgorithmName(dh_key.alg())), " is not X25519"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AgentToken> AgentToken::Generate(wire::DeviceToken device,
                                                crypto::KeyAlgorithm verify_alg) {
  if (!crypto::IsAuthAlgorithm(verify_alg)) {
    return absl::InvalidArgumentError(
        absl::StrCat("token verify key: ", std::string(crypto::AlgorithmName(verify_alg)),
                     " cannot authorize commands"));
  }
  absl::StatusOr<crypto::PrivateKey> verify_key = crypto::GenerateKeyPair(verify_alg);
  if (!verify_key.ok()) return verify_key.status();
  absl::StatusOr<crypto::PrivateKey> dh_key =
      crypto::GenerateKeyPair(crypto::KeyAlgorithm::kX25519);
  if (!dh_key.ok()) return dh_key.status();
  return AgentToken(std::move(device), *std::move(verify_key), *std::move(dh_key));
}

absl::StatusOr<AgentToken> AgentToken::FromKeys(wire::DeviceToken device,
                                                crypto::PrivateKey verify_key,
                                                crypto::PrivateKey dh_key) {
  if (absl::Status s = CheckKeys(verify_key, dh_key); !s.ok()) return s;
  return AgentToken(std::move(device), std::move(verify_key), std::move(dh_key));
}

absl::StatusOr<wire::TnewCommand> AgentToken::MakeTnew() const {
  absl::StatusOr<wire::Bytes> verify = crypto::EncodeSpki(verify_key_.public_key());
  if (!verify.ok()) return verify.status();
  absl::StatusOr<wire::Bytes> dh = crypto::EncodeSpki(dh_key_.public_key());
  if (!dh.ok()) return dh.status();
  return wire::TnewCommand{
      .device_token = device_, .verify_key = *std::move(verify), .dh_key = *std::move(dh)};
}

absl::Status AgentToken::OnRegistered(const wire::IdtknResponse& idtkn) {
  if (idtkn.token_id.empty()) return absl::InvalidArgumentError("IDTKN: empty token id");
  absl::StatusOr<crypto::PublicKey> server_key = crypto::DecodePublicKeySpki(idtkn.server_dh_key);
  if (!server_key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("IDTKN server DH key: ", server_key.status().message()));
  }
  absl::StatusOr<crypto::DhSecret> secret = crypto::ComputeDhSecret(*server_key, dh_key_);
  if (!secret.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("IDTKN server DH key: ", secret.status().message()));
  }
  token_id_ = idtkn.token_id;
  secret_ = *std::move(secret);
  return absl::OkStatus();
}

absl::StatusOr<wire::Bytes> AgentToken::DecryptVerification(
    std::string_view nonce_b64, std::string_view verification_b64) const {
  if (!secret_) return absl::FailedPreconditionError("token not registered (no IDTKN yet)");
  return client::DecryptVerification(*secret_, nonce_b64, verification_b64);
}

absl::StatusOr<std::vector<PNMessageData>> AgentToken::DecryptMessages(
    std::string_view nonce_b64, std::string_view message_b64) const {
  if (!secret_) return absl::FailedPreconditionError("token not registered (no IDTKN yet)");
  return client::DecryptMessages(*secret_, nonce_b64, message_b64);
}

}  // namespace ntf::client
