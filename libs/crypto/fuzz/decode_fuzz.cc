// Fuzzes every decoder of untrusted crypto input: SPKI and PKCS#8 key blobs, the SignedExact
// DER, padding, authorization classification and verification, and block decryption. None may
// crash or read out of bounds; whatever decodes must re-encode to the same bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

#include "ntf/crypto/auth.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/keys.h"
#include "ntf/crypto/sb_chain.h"
#include "ntf/crypto/signed_key.h"

using namespace ntf::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);

  if (absl::StatusOr<PublicKey> key = DecodePublicKeySpki(in); key.ok()) {
    absl::StatusOr<Bytes> again = EncodeSpki(*key);
    if (!again.ok() || *again != Bytes(in.begin(), in.end())) abort();
    (void)VerifyAuthorization(*key, nullptr, in, in, in.subspan(0, std::min<size_t>(size, 64)));
  }
  if (absl::StatusOr<PrivateKey> key = DecodePrivateKeyPkcs8(in); key.ok()) {
    if (EncodePkcs8(*key) != Bytes(in.begin(), in.end())) abort();
  }
  if (absl::StatusOr<SignedKeyParts> parts = ParseSignedKey(in); parts.ok()) {
    if (parts->signature.size() != 64 && parts->signature.size() != 114) abort();
    (void)VerifySignedKey(in, DummyKey(parts->signature_alg));
  }
  if (absl::StatusOr<ByteSpan> msg = Unpad(in); msg.ok()) {
    absl::StatusOr<Bytes> again = Pad(*msg, size);
    if (!again.ok() || again->size() != size) abort();
  }
  (void)ClassifyAuthorization(in);

  static const std::array<uint8_t, kChainKeySize> kChainKey = {1, 2, 3};
  SbChain chain(kChainKey);
  (void)DecryptBlock(chain, in, size);
  return 0;
}
