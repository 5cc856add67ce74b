#include "ntf/crypto/signed_key.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "der.h"
#include "ntf/crypto/sign.h"

namespace ntf::crypto {
namespace {

// OID contents of 1.3.101.112 (Ed25519) and 1.3.101.113 (Ed448).
constexpr std::array<uint8_t, 3> kOidEd25519 = {0x2b, 0x65, 0x70};
constexpr std::array<uint8_t, 3> kOidEd448 = {0x2b, 0x65, 0x71};

bool Equal(ByteSpan a, ByteSpan b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

absl::StatusOr<Bytes> EncodeSignedKey(const PublicKey& key, const PrivateKey& signer) {
  ByteSpan oid;
  switch (signer.alg()) {
    case KeyAlgorithm::kEd25519:
      oid = kOidEd25519;
      break;
    case KeyAlgorithm::kEd448:
      oid = kOidEd448;
      break;
    case KeyAlgorithm::kX25519:
    case KeyAlgorithm::kX448:
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(AlgorithmName(signer.alg())), " key cannot sign a key"));
  }
  absl::StatusOr<Bytes> spki = EncodeSpki(key);
  if (!spki.ok()) return spki.status();
  absl::StatusOr<Bytes> signature = Sign(signer, *spki);
  if (!signature.ok()) return signature.status();

  // SEQUENCE { spki, SEQUENCE { OID }, BIT STRING (00 || signature) }. Every part is far below
  // the 65535-byte limit of AppendDer, so its errors cannot occur; they are checked anyway.
  Bytes bits = {0x00};  // no unused bits
  bits.insert(bits.end(), signature->begin(), signature->end());
  Bytes oid_der;
  Bytes body = *std::move(spki);
  Bytes out;
  absl::Status s = internal::AppendDer(oid_der, internal::kDerOid, oid);
  if (s.ok()) s = internal::AppendDer(body, internal::kDerSequence, oid_der);
  if (s.ok()) s = internal::AppendDer(body, internal::kDerBitString, bits);
  if (s.ok()) s = internal::AppendDer(out, internal::kDerSequence, body);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<SignedKeyParts> ParseSignedKey(ByteSpan der) {
  internal::DerReader top(der);
  absl::StatusOr<internal::DerElement> outer = top.Read(internal::kDerSequence, "SignedExact");
  if (!outer.ok()) return outer.status();
  if (!top.AtEnd()) return absl::InvalidArgumentError("DER SignedExact: trailing bytes");

  internal::DerReader fields(outer->content);
  absl::StatusOr<internal::DerElement> spki =
      fields.Read(internal::kDerSequence, "SubjectPublicKeyInfo");
  if (!spki.ok()) return spki.status();
  absl::StatusOr<internal::DerElement> alg_id =
      fields.Read(internal::kDerSequence, "AlgorithmIdentifier");
  if (!alg_id.ok()) return alg_id.status();
  absl::StatusOr<internal::DerElement> bits = fields.Read(internal::kDerBitString, "signature");
  if (!bits.ok()) return bits.status();
  if (!fields.AtEnd()) {
    return absl::InvalidArgumentError("DER SignedExact: extra elements after the signature");
  }

  internal::DerReader alg_fields(alg_id->content);
  absl::StatusOr<internal::DerElement> oid = alg_fields.Read(internal::kDerOid, "algorithm OID");
  if (!oid.ok()) return oid.status();
  if (!alg_fields.AtEnd()) {
    return absl::InvalidArgumentError("DER AlgorithmIdentifier: EdDSA takes no parameters");
  }
  SignedKeyParts parts{.signed_spki = spki->whole};
  if (Equal(oid->content, kOidEd25519)) {
    parts.signature_alg = KeyAlgorithm::kEd25519;
  } else if (Equal(oid->content, kOidEd448)) {
    parts.signature_alg = KeyAlgorithm::kEd448;
  } else {
    return absl::InvalidArgumentError(
        "DER AlgorithmIdentifier: signature algorithm is neither Ed25519 nor Ed448");
  }
  if (bits->content.empty() || bits->content[0] != 0x00) {
    return absl::InvalidArgumentError("DER signature BIT STRING: unused bits must be 0");
  }
  parts.signature = bits->content.subspan(1);
  if (parts.signature.size() != SignatureSize(parts.signature_alg)) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(AlgorithmName(parts.signature_alg)), " signature of ", parts.signature.size(),
        " bytes, expected ", SignatureSize(parts.signature_alg)));
  }
  return parts;
}

absl::StatusOr<PublicKey> VerifySignedKey(ByteSpan der, const PublicKey& signer,
                                          KeyAlgorithm expected_alg) {
  absl::StatusOr<SignedKeyParts> parts = ParseSignedKey(der);
  if (!parts.ok()) return parts.status();
  if (parts->signature_alg != signer.alg) {
    return absl::PermissionDeniedError(
        absl::StrCat("signed key uses ", std::string(AlgorithmName(parts->signature_alg)),
                     ", the signer's key is ", std::string(AlgorithmName(signer.alg))));
  }
  if (!Verify(signer, parts->signed_spki, parts->signature)) {
    return absl::PermissionDeniedError("signed key: invalid signature");
  }
  absl::StatusOr<PublicKey> key = DecodePublicKeySpki(parts->signed_spki);
  if (!key.ok()) return key.status();
  if (key->alg != expected_alg) {
    return absl::InvalidArgumentError(
        absl::StrCat("signed key is ", std::string(AlgorithmName(key->alg)), ", expected ",
                     std::string(AlgorithmName(expected_alg))));
  }
  return key;
}

}  // namespace ntf::crypto
