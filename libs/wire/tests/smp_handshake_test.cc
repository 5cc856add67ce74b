#include "ntf/wire/smp_handshake.h"

#include <gtest/gtest.h>

namespace ntf::wire::smp {
namespace {

Bytes Hex(std::string_view h) { return HexDecode(h).value(); }

const Bytes kKeyHash(32, 0x2d);
const Bytes kSessionId(32, 0xa0);
const Bytes kX25519Spki =
    Hex("302a300506032b656e03210007a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c");

CertChainPubKey SomeCertKey() {
  return CertChainPubKey{.cert_chain = {Bytes(40, 1), Bytes(30, 2)}, .signed_key = Bytes(120, 3)};
}

TEST(SmpVersions, NegotiatePicksHighestCommon) {
  EXPECT_EQ(NegotiateVersion(kServerVersionRange).value(), 18);
  EXPECT_EQ(NegotiateVersion({6, 15}).value(), 15);
  EXPECT_EQ(NegotiateVersion({7, 7}).value(), 7);
  EXPECT_EQ(NegotiateVersion({10, 30}, {7, 18}).value(), 18);
}

TEST(SmpVersions, NegotiateFailsWithVersionError) {
  // Without ALPN servers offer 6..6, which our client (7..18) refuses.
  absl::StatusOr<uint16_t> v = NegotiateVersion(kLegacyServerVersionRange);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(v.status().message().find("VERSION"), std::string_view::npos);
  EXPECT_FALSE(NegotiateVersion({9, 8}).ok());
  EXPECT_FALSE(NegotiateVersion({19, 20}).ok());
}

TEST(SmpVersions, HistoryCoversSixToEighteen) {
  uint16_t expected = kMinVersion;
  for (const VersionInfo& info : kVersionHistory) {
    EXPECT_EQ(info.version, expected++);
    EXPECT_FALSE(info.feature.empty());
    EXPECT_FALSE(info.effect.empty());
  }
  EXPECT_EQ(expected, kMaxVersion + 1);
}

TEST(SmpVersions, SessionParamsPerVersion) {
  const SmpSessionParams v6 = SessionParamsFor(6);
  EXPECT_TRUE(v6.session_id_on_wire);
  EXPECT_FALSE(v6.server_auth_key);
  EXPECT_TRUE(v6.transmission_format().session_id_on_wire);

  const SmpSessionParams v7 = SessionParamsFor(7);
  EXPECT_FALSE(v7.session_id_on_wire);
  EXPECT_TRUE(v7.server_auth_key);
  EXPECT_FALSE(v7.deld_event);
  EXPECT_FALSE(v7.block_encryption_possible);

  EXPECT_TRUE(SessionParamsFor(9).skey);
  EXPECT_TRUE(SessionParamsFor(10).deld_event);
  EXPECT_TRUE(SessionParamsFor(11).block_encryption_possible);
  EXPECT_FALSE(SessionParamsFor(11).blocked_error);
  EXPECT_TRUE(SessionParamsFor(12).blocked_error);
  EXPECT_FALSE(SessionParamsFor(13).proxy_flag);
  EXPECT_TRUE(SessionParamsFor(14).proxy_flag);

  const SmpSessionParams v15 = SessionParamsFor(15);
  EXPECT_FALSE(v15.service_byte);
  EXPECT_FALSE(v15.nsub_answers_sok);
  const SmpSessionParams v16 = SessionParamsFor(16);
  EXPECT_TRUE(v16.service_byte);
  EXPECT_TRUE(v16.nsub_answers_sok);
  EXPECT_TRUE(v16.transmission_format().service_byte);
  EXPECT_FALSE(v16.ntf_creds_in_new);
  EXPECT_TRUE(SessionParamsFor(17).ntf_creds_in_new);
}

TEST(SmpVersions, BlockEncryptionNeedsV11KeyAndNoProxy) {
  EXPECT_TRUE(UsesBlockEncryption(11, true, false));
  EXPECT_TRUE(UsesBlockEncryption(18, true, false));
  EXPECT_FALSE(UsesBlockEncryption(10, true, false));
  EXPECT_FALSE(UsesBlockEncryption(18, false, false));
  EXPECT_FALSE(UsesBlockEncryption(18, true, true));
}

TEST(SmpServerHello, RoundTripWithAuth) {
  const ServerHello hello{.versions = {7, 18}, .session_id = kSessionId, .auth = SomeCertKey()};
  const Bytes b = EncodeServerHello(hello).value();
  EXPECT_EQ(DecodeServerHello(b).value(), hello);
}

TEST(SmpServerHello, LegacyRangeHasNoAuth) {
  const ServerHello hello{.versions = {6, 6}, .session_id = kSessionId};
  const Bytes b = EncodeServerHello(hello).value();
  EXPECT_EQ(b.size(), 4u + 33u);
  EXPECT_EQ(DecodeServerHello(b).value(), hello);
  // A v6-only server hello cannot carry the key.
  ServerHello bad = hello;
  bad.auth = SomeCertKey();
  EXPECT_FALSE(EncodeServerHello(bad).ok());
  // ... and a decoder at max 6 does not read it.
  Bytes with_extra = b;
  with_extra.insert(with_extra.end(), {1, 0, 1, 9, 0, 0});
  EXPECT_FALSE(DecodeServerHello(with_extra)->auth.has_value());
}

TEST(SmpServerHello, TrailingBytesIgnored) {
  const ServerHello hello{.versions = {6, 18}, .session_id = kSessionId, .auth = SomeCertKey()};
  Bytes b = EncodeServerHello(hello).value();
  b.insert(b.end(), {'f', 'u', 't', 'u', 'r', 'e'});
  EXPECT_EQ(DecodeServerHello(b).value(), hello);
}

TEST(SmpServerHello, UnparsableAuthIsAbsentLikeReference) {
  const ServerHello hello{.versions = {6, 18}, .session_id = kSessionId};
  Bytes b = EncodeServerHello(hello).value();
  EXPECT_EQ(DecodeServerHello(b).value(), hello);  // nothing after the session id
  b.push_back(0);                                  // a chain of 0 certificates is invalid
  EXPECT_FALSE(DecodeServerHello(b)->auth.has_value());
  b.back() = 2;  // two certificates announced, none present
  EXPECT_FALSE(DecodeServerHello(b)->auth.has_value());
}

TEST(SmpServerHello, Errors) {
  EXPECT_FALSE(DecodeServerHello(Hex("0006")).ok());
  EXPECT_FALSE(DecodeServerHello(Hex("00060012")).ok());        // no session id
  EXPECT_FALSE(DecodeServerHello(Hex("0006001220a0a1")).ok());  // truncated session id
  EXPECT_FALSE(DecodeServerHello(Hex("0012000600")).ok());      // min > max
  EXPECT_FALSE(EncodeServerHello({.versions = {9, 8}}).ok());
  ServerHello empty_chain{.versions = {7, 18}, .session_id = kSessionId, .auth = SomeCertKey()};
  empty_chain.auth->cert_chain.clear();
  EXPECT_FALSE(EncodeServerHello(empty_chain).ok());
}

TEST(SmpClientHello, LayoutsByVersion) {
  // v7..v13: version, keyHash, optional key; nothing else.
  ClientHello v7{.version = 7, .key_hash = kKeyHash};
  EXPECT_EQ(EncodeClientHello(v7)->size(), 2u + 33u);
  v7.dh_key = kX25519Spki;
  EXPECT_EQ(EncodeClientHello(v7)->size(), 2u + 33u + 45u);
  EXPECT_EQ(DecodeClientHello(EncodeClientHello(v7).value()).value(), v7);
  // v14, v15: + proxy byte.
  const ClientHello v14{.version = 14, .key_hash = kKeyHash};
  const Bytes b14 = EncodeClientHello(v14).value();
  EXPECT_EQ(b14.size(), 2u + 33u + 1u);
  EXPECT_EQ(b14.back(), 'F');
  EXPECT_EQ(DecodeClientHello(b14).value(), v14);
  // v16+: + maybe(service).
  const ClientHello v16{.version = 16, .key_hash = kKeyHash, .dh_key = kX25519Spki};
  const Bytes b16 = EncodeClientHello(v16).value();
  EXPECT_EQ(b16.size(), 2u + 33u + 45u + 2u);
  EXPECT_EQ(HexEncode(ByteSpan(b16).subspan(b16.size() - 2)), "4630");
  EXPECT_EQ(DecodeClientHello(b16).value(), v16);
}

TEST(SmpClientHello, ServiceRoundTrip) {
  const ClientHello hello{
      .version = 18,
      .key_hash = kKeyHash,
      .dh_key = kX25519Spki,
      .service = ServiceHello{.role = ServiceRole::kNotifier, .cert_key = SomeCertKey()}};
  const Bytes b = EncodeClientHello(hello).value();
  EXPECT_EQ(b[2 + 33 + 45], 'F');
  EXPECT_EQ(b[2 + 33 + 45 + 1], '1');
  EXPECT_EQ(b[2 + 33 + 45 + 2], 'N');
  EXPECT_EQ(DecodeClientHello(b).value(), hello);
}

TEST(SmpClientHello, FieldsTheVersionCannotCarry) {
  EXPECT_FALSE(EncodeClientHello({.version = 6, .key_hash = kKeyHash, .dh_key = kX25519Spki}).ok());
  EXPECT_FALSE(EncodeClientHello({.version = 13, .key_hash = kKeyHash, .proxy = true}).ok());
  EXPECT_FALSE(
      EncodeClientHello(
          {.version = 15, .key_hash = kKeyHash, .service = ServiceHello{.cert_key = SomeCertKey()}})
          .ok());
  // A DH key must be an X25519 SPKI.
  Bytes ed = kX25519Spki;
  ed[8] = 0x70;
  EXPECT_FALSE(EncodeClientHello({.version = 18, .key_hash = kKeyHash, .dh_key = ed}).ok());
}

TEST(SmpClientHello, KeyIsRecognisedByBacktracking) {
  // v18 with no key: 'F' (0x46 = 70) right after the key hash must not be read as a length.
  const Bytes b = EncodeClientHello({.version = 18, .key_hash = kKeyHash}).value();
  EXPECT_FALSE(DecodeClientHello(b)->dh_key.has_value());
  // A short(44 bytes) that is not an X25519 SPKI is not a key: then it is not a proxy byte
  // either, so parsing fails.
  Bytes bad =
      EncodeClientHello({.version = 18, .key_hash = kKeyHash, .dh_key = kX25519Spki}).value();
  bad[35 + 9] = 0x70;  // Ed25519 OID
  EXPECT_FALSE(DecodeClientHello(bad).ok());
  // Below v14 there is nothing after the optional key, so anything is ignored.
  Bytes v13 = EncodeClientHello({.version = 13, .key_hash = kKeyHash}).value();
  v13.insert(v13.end(), {'x', 'y'});
  EXPECT_EQ(DecodeClientHello(v13).value(), (ClientHello{.version = 13, .key_hash = kKeyHash}));
}

TEST(SmpClientHello, TrailingBytesIgnoredAndErrors) {
  Bytes b = EncodeClientHello({.version = 18, .key_hash = kKeyHash, .proxy = true}).value();
  b.insert(b.end(), {1, 2, 3});
  EXPECT_EQ(DecodeClientHello(b).value(),
            (ClientHello{.version = 18, .key_hash = kKeyHash, .proxy = true}));
  EXPECT_FALSE(DecodeClientHello(Hex("0012")).ok());
  EXPECT_FALSE(DecodeClientHello(Hex("001220")).ok());
  // v16 hello missing its service byte; then with a bad role; then a bad maybe tag.
  Bytes v16 = EncodeClientHello({.version = 16, .key_hash = kKeyHash}).value();
  v16.pop_back();
  EXPECT_FALSE(DecodeClientHello(v16).ok());
  Bytes role = v16;
  role.insert(role.end(), {'1', 'X'});
  EXPECT_FALSE(DecodeClientHello(role).ok());
  Bytes tag = v16;
  tag.push_back('2');
  EXPECT_FALSE(DecodeClientHello(tag).ok());
  Bytes proxy = EncodeClientHello({.version = 14, .key_hash = kKeyHash}).value();
  proxy.back() = 'X';
  EXPECT_FALSE(DecodeClientHello(proxy).ok());
}

TEST(SmpServiceResponse, RoundTrip) {
  const ServiceResponse ok{.service_id = Bytes(24, 7)};
  const Bytes b = EncodeServiceResponse(ok).value();
  EXPECT_EQ(b[0], 'R');
  EXPECT_EQ(b.size(), 26u);
  EXPECT_EQ(DecodeServiceResponse(b).value(), ok);

  const ServiceResponse err{.error = TransportError::kHandshakeBadService};
  const Bytes e = EncodeServiceResponse(err).value();
  EXPECT_EQ(AsStringView(e), "EHANDSHAKE BAD_SERVICE");
  EXPECT_EQ(DecodeServiceResponse(e).value(), err);
  EXPECT_EQ(DecodeServiceResponse(AsSpan("EVERSION")).value().error, TransportError::kVersion);
  EXPECT_EQ(DecodeServiceResponse(AsSpan("EBLOCK trailing")).value().error, TransportError::kBlock);
  EXPECT_FALSE(DecodeServiceResponse(AsSpan("EHANDSHAKE NOPE")).ok());
  EXPECT_FALSE(DecodeServiceResponse(AsSpan("X")).ok());
  EXPECT_FALSE(DecodeServiceResponse(AsSpan("")).ok());
  EXPECT_FALSE(DecodeServiceResponse(Hex("5205")).ok());
}

TEST(SmpTransportError, AllTexts) {
  for (TransportError e :
       {TransportError::kBlock, TransportError::kVersion, TransportError::kLargeMsg,
        TransportError::kSession, TransportError::kNoServerAuth, TransportError::kHandshakeParse,
        TransportError::kHandshakeIdentity, TransportError::kHandshakeBadAuth,
        TransportError::kHandshakeBadService}) {
    EXPECT_EQ(ParseTransportError(TransportErrorText(e)).value(), e) << TransportErrorText(e);
  }
  EXPECT_EQ(TransportErrorText(TransportError::kNoServerAuth), "NO_AUTH");
  EXPECT_FALSE(ParseTransportError("HANDSHAKE").ok());
  EXPECT_FALSE(ParseTransportError("BLOCK ").ok());
  EXPECT_FALSE(ParseTransportError("block").ok());
}

}  // namespace
}  // namespace ntf::wire::smp
