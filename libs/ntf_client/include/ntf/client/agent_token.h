#pragma once

// The agent's state for one push token (spec/ntf-protocol.md §2.1–§2.3, §3.2): its keys, the
// id and DH secret the server gave it, and the decryption of the pushes it receives.
//
//   absl::StatusOr<AgentToken> token = AgentToken::Generate(device);
//   auto idtkn = client.Tnew(*token->MakeTnew(), token->verify_key());
//   token->OnRegistered(**idtkn);
//   auto code = token->DecryptVerification(json_nonce, json_verification);  // from the push
//   client.Tvfy(token->token_id(), *code, token->verify_key());
//
// Thread-compatible value type: const methods may run concurrently; mutation needs exclusive
// access. No I/O. Errors: InvalidArgument for bad input, FailedPrecondition for a decryption
// before OnRegistered().

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ntf/client/push_payload.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/keys.h"
#include "ntf/wire/ntf_protocol.h"

namespace ntf::client {

class AgentToken {
 public:
  // Fresh keys: the verify key (Ed25519 as the real agent, or Ed448 / X25519) that signs every
  // command about the token and its subscriptions, and the X25519 DH key of TNEW.
  // InvalidArgument for an algorithm that cannot authorize commands (X448).
  static absl::StatusOr<AgentToken> Generate(
      wire::DeviceToken device, crypto::KeyAlgorithm verify_alg = crypto::KeyAlgorithm::kEd25519);
  // Given keys (e.g. fixed seeds in tests). InvalidArgument if verify_key cannot authorize or
  // dh_key is not X25519.
  static absl::StatusOr<AgentToken> FromKeys(wire::DeviceToken device,
                                             crypto::PrivateKey verify_key,
                                             crypto::PrivateKey dh_key);

  const wire::DeviceToken& device_token() const { return device_; }
  const crypto::PrivateKey& verify_key() const { return verify_key_; }
  const crypto::PrivateKey& dh_key() const { return dh_key_; }

  // TNEW for this token: the device token and both public keys.
  absl::StatusOr<wire::TnewCommand> MakeTnew() const;
  // Records the IDTKN answer: the token id, and the DH secret with the server's per-token key.
  // InvalidArgument if the key is not a valid X25519 SPKI. May be called again (a TNEW retry
  // answers with the same key).
  absl::Status OnRegistered(const wire::IdtknResponse& idtkn);
  // After a successful TRPL.
  void SetDeviceToken(wire::DeviceToken device) { device_ = std::move(device); }

  bool registered() const { return secret_.has_value(); }
  // Empty before OnRegistered().
  const wire::Bytes& token_id() const { return token_id_; }
  // Null before OnRegistered().
  const crypto::DhSecret* dh_secret() const { return secret_ ? &*secret_ : nullptr; }

  // The JSON members of a push's notificationData (see push_payload.h).
  absl::StatusOr<wire::Bytes> DecryptVerification(std::string_view nonce_b64,
                                                  std::string_view verification_b64) const;
  absl::StatusOr<std::vector<PNMessageData>> DecryptMessages(std::string_view nonce_b64,
                                                             std::string_view message_b64) const;

 private:
  AgentToken(wire::DeviceToken device, crypto::PrivateKey verify_key, crypto::PrivateKey dh_key)
      : device_(std::move(device)),
        verify_key_(std::move(verify_key)),
        dh_key_(std::move(dh_key)) {}

  wire::DeviceToken device_;
  crypto::PrivateKey verify_key_;
  crypto::PrivateKey dh_key_;
  wire::Bytes token_id_;
  std::optional<crypto::DhSecret> secret_;
};

}  // namespace ntf::client
