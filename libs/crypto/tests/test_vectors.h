#pragma once

// Inputs and expected outputs of smp-notifier.md §8 (smp-notifier-testvectors.py), shared by the
// crypto tests.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ntf/wire/encoding.h"

namespace ntf::crypto::testing {

// Decodes hex that the test itself wrote; a typo fails the test loudly.
inline wire::Bytes Hex(std::string_view hex) {
  absl::StatusOr<wire::Bytes> bytes = wire::HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : wire::Bytes();
}

inline std::string ToHex(wire::ByteSpan bytes) { return wire::HexEncode(bytes); }

// Common inputs.
inline constexpr std::string_view kSessionId =
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
inline constexpr std::string_view kCorrId = "000102030405060708090a0b0c0d0e0f1011121314151617";
inline constexpr std::string_view kNotifierId = "303132333435363738393a3b3c3d3e3f4041424344454647";

// TV0.
inline constexpr std::string_view kDummyEd25519Spki =
    "302a300506032b6570032100d77f4eaace10829a9b026074a3bad97fa4f5f6bca5ec4eb99380187b4904dd0b";
inline constexpr std::string_view kDummyX25519Spki =
    "302a300506032b656e032100e0919231886dd7c1f899ab3f8c7781c1f70cee32f035824d380862dbf8384578";

// TV1.
inline constexpr std::string_view kNotifierSeed =
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
inline constexpr std::string_view kNotifierPub =
    "2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d";
// short(sessionId) short(corrId) short(nId) "NSUB"
inline constexpr std::string_view kNsubSignedBytes =
    "20a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "18000102030405060708090a0b0c0d0e0f1011121314151617"
    "18303132333435363738393a3b3c3d3e3f4041424344454647"
    "4e535542";
inline constexpr std::string_view kNsubSignature =
    "7816fa955933ab8f1b0f48bf0904ba38c64f7bc0ed33294102e96f0a4719f051"
    "930b6c1a53ec91568b7c477e773c68afc55f1569e8f29e3e977ac0809db3650e";

// TV2.
inline constexpr std::string_view kServerSessionPriv =
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f";
inline constexpr std::string_view kServerSessionPub =
    "675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f";
inline constexpr std::string_view kNotifierXPriv =
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
inline constexpr std::string_view kNotifierXPub =
    "493e82fc74464a59268817623d2053c5eb8e2cc4a988b4fee179ec6b010d531d";
inline constexpr std::string_view kAuthenticator =
    "f0f69f0753e4db08f5bc00bdfe711a3d378913e1faf4c45338233ebfe000d33eefcb88b547fd836a0a8e0ef92f4ffb"
    "c8"
    "81edb4aa790af67b534022a751d199459a48319341d1ce552206d38163a2a61d";

// TV3.
inline constexpr std::string_view kPingTransmission =
    "0018000102030405060708090a0b0c0d0e0f10111213141516170050494e47";

// TV4.
inline constexpr std::string_view kServerNtfPriv =
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
inline constexpr std::string_view kServerNtfPub =
    "605a725d2a4adfeeb1a29e17edd621c1b7593ee8cdbc44ac6c4ab6e2f805d23c";
inline constexpr std::string_view kRecipientNtfPriv =
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
inline constexpr std::string_view kRecipientNtfPub =
    "dc2cca31e8e43bbd91dff7e475cca3347eb478107d5bd765aba4ae4a30c35d44";
inline constexpr std::string_view kRcvNtfDhSecret =
    "3b87c5035cce13678dd93d2dbc3a3d42039ebec86444a1ff82cd61b84c6fe968";
inline constexpr std::string_view kNMsgMeta =
    "18e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7000000006553f100";
inline constexpr std::string_view kNMsgNonce = "101112131415161718191a1b1c1d1e1f2021222324252627";
inline constexpr std::string_view kEncNMsgMeta =
    "36915d0281fa1bdce26945aa6811030423bc0781a9b3c98e023ea7e3fa157198"
    "98de84ddc6eda26e4cac04d06e42159f524bc668d47732e76dc1c6a2b93e2036"
    "36585a911d76d8d26fb64afbd086d127d6533e85f6486e3ae5a996e010b829ca"
    "9ff04b4057f20fbdccfd1c14d83308eed1727d60a037b1cbbb4158de410760ce"
    "c909fba05b6fee41f1c366ca3f4a2058";

// TV5.
inline constexpr std::string_view kClientHelloPriv =
    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
inline constexpr std::string_view kClientHelloPub =
    "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c";
inline constexpr std::string_view kHandshakeDh =
    "3ca2c26f7ae52730d3553c274e94087c89f029cf62fedcdc8b5ad2fe948eab52";
inline constexpr std::string_view kCk1 =
    "6858b51c5e09f6bc5673e0f617809fed53a3b80613c6ea81b9ee3f9e80f550c3";
inline constexpr std::string_view kCk2 =
    "c04245b11be8be0bcfb810cbf2a4ecd678de244266e371a6e3b83b3ed49d2fa3";
inline constexpr std::string_view kC2sKey1 =
    "e3f58b4c771a5b1ac615e79a559ce9461944a49ec1f15f75b66b5fa1ac09da13";
inline constexpr std::string_view kC2sNonce1 = "b1b07b1d151d95434217c464cab9e8bfaef6d8e04605a0f5";
inline constexpr std::string_view kC2sNextCk =
    "c58918e3f5cf8f654b5c2dd166d5cc60811c1c573389b8b89edd4534157bc5aa";
inline constexpr std::string_view kEncPingFirst48 =
    "fb60382c1623f2a344afc806d5e209bc92f4ca73333aa5cbaf2f95a9b24b6ea1"
    "6c5dfb1997729fe5cb65b81fd8adbc15";
inline constexpr std::string_view kEncPingSha256 =
    "c6d83f6db870c47ecf3697d3ffef8316811577aec130b55a499f8a4b8f9cc6cd";
inline constexpr std::string_view kS2cKey1 =
    "b4f876a68fe95e0cfd32050c2994911092e376ef258c6924f19876d9e0a3413d";
inline constexpr std::string_view kS2cNonce1 = "4714343abf8ef4a5657abfd2f7538e5ae3f0de596e35b2b5";

// TV7.
inline constexpr std::string_view kTlsSeed =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
inline constexpr std::string_view kTlsPub =
    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7";
inline constexpr std::string_view kSignedExact =
    "3076"
    "302a300506032b656e032100675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
    "300506032b6570"
    "034100fa60d83de7b480b4a5b93da33217966742fabe96b5c9140afac1c9eeb843633a"
    "81bf4ef3d0bdb302243de367eedb06f292a229513fcdee346560561c8c555400";

}  // namespace ntf::crypto::testing
