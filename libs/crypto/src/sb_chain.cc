#include "ntf/crypto/sb_chain.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "internal.h"
#include "ntf/crypto/primitives.h"
#include "ntf/wire/encoding.h"

namespace ntf::crypto {
namespace {

constexpr std::string_view kInitInfo = "SimpleXSbChainInit";
constexpr std::string_view kStepInfo = "SimpleXSbChain";

}  // namespace

SbChain::~SbChain() { sodium_memzero(ck_.data(), ck_.size()); }

absl::StatusOr<SbChainStep> SbChain::NextKey() {
  // ck' (32) || key (32) || nonce (24), with an empty salt.
  absl::StatusOr<Bytes> okm =
      HkdfSha512({}, ck_, wire::AsSpan(kStepInfo), kChainKeySize + kBoxKeySize + kNonceSize);
  if (!okm.ok()) return okm.status();
  const ByteSpan out(*okm);
  std::copy_n(out.begin(), kChainKeySize, ck_.begin());
  std::array<uint8_t, kBoxKeySize> key;
  std::copy_n(out.begin() + kChainKeySize, kBoxKeySize, key.begin());
  CbNonce nonce;
  std::copy_n(out.begin() + kChainKeySize + kBoxKeySize, kNonceSize, nonce.begin());
  SbChainStep step{.key = SbKey(key), .nonce = nonce};
  sodium_memzero(key.data(), key.size());
  sodium_memzero(okm->data(), okm->size());
  return step;
}

absl::StatusOr<std::array<std::array<uint8_t, kChainKeySize>, 2>> SbChainInitKeys(
    ByteSpan session_id, const DhSecret& dh) {
  absl::StatusOr<Bytes> okm =
      HkdfSha512(session_id, dh.raw(), wire::AsSpan(kInitInfo), 2 * kChainKeySize);
  if (!okm.ok()) return okm.status();
  std::array<std::array<uint8_t, kChainKeySize>, 2> keys;
  std::copy_n(okm->begin(), kChainKeySize, keys[0].begin());
  std::copy_n(okm->begin() + kChainKeySize, kChainKeySize, keys[1].begin());
  sodium_memzero(okm->data(), okm->size());
  return keys;
}

absl::StatusOr<SbChains> InitSbChains(ByteSpan session_id, const DhSecret& dh, SbRole role) {
  absl::StatusOr<std::array<std::array<uint8_t, kChainKeySize>, 2>> keys =
      SbChainInitKeys(session_id, dh);
  if (!keys.ok()) return keys.status();
  const auto& [ck1, ck2] = *keys;
  SbChains chains = role == SbRole::kClient
                        ? SbChains{.send = SbChain(ck2), .receive = SbChain(ck1)}
                        : SbChains{.send = SbChain(ck1), .receive = SbChain(ck2)};
  sodium_memzero(keys->data(), sizeof(*keys));
  return chains;
}

absl::StatusOr<Bytes> EncryptBlock(SbChain& chain, ByteSpan content, size_t block_size) {
  if (block_size < kBoxTagSize + 2) {
    return absl::InvalidArgumentError(absl::StrCat("block size ", block_size, " is too small"));
  }
  absl::StatusOr<Bytes> padded = Pad(content, block_size - kBoxTagSize);
  if (!padded.ok()) return padded.status();
  absl::StatusOr<SbChainStep> step = chain.NextKey();
  if (!step.ok()) return step.status();
  return SbEncrypt(step->key, step->nonce, *padded);
}

absl::StatusOr<Bytes> DecryptBlock(SbChain& chain, ByteSpan block, size_t block_size) {
  absl::StatusOr<SbChainStep> step = chain.NextKey();
  if (!step.ok()) return step.status();
  if (block.size() != block_size || block_size < kBoxTagSize + 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("encrypted block of ", block.size(), " bytes, expected ", block_size));
  }
  absl::StatusOr<Bytes> padded = SbDecrypt(step->key, step->nonce, block);
  if (!padded.ok()) return padded.status();
  absl::StatusOr<ByteSpan> content = Unpad(*padded);
  if (!content.ok()) return content.status();
  return Bytes(content->begin(), content->end());
}

}  // namespace ntf::crypto
