#include "ntf/wire/transmission.h"

#include <gtest/gtest.h>

namespace ntf::wire {
namespace {

Bytes Hex(std::string_view h) { return *HexDecode(h); }

const Bytes kSession(32, 0xA5);
const Bytes kCorr = Hex("000102030405060708090a0b0c0d0e0f1011121314151617");

TEST(Transmission, PingV7Layout) {
  // smp-notifier.md TV3: PING transmission, 31 bytes.
  Transmission t{.corr_id = kCorr, .command = ToBytes("PING")};
  Bytes out = *EncodeTransmission(t, kSession, {});
  EXPECT_EQ(HexEncode(out),
            "0018000102030405060708090a0b0c0d0e0f101112131415161700"
            "50494e47");
  EXPECT_EQ(out.size(), 31u);
  TransmissionView v = *DecodeTransmission(out, {});
  EXPECT_TRUE(v.auth.empty());
  EXPECT_FALSE(v.session_id.has_value());
  EXPECT_EQ(Bytes(v.corr_id.begin(), v.corr_id.end()), kCorr);
  EXPECT_TRUE(v.entity_id.empty());
  EXPECT_EQ(AsStringView(v.command), "PING");
}

TEST(Transmission, ServiceByteOnlyAfterNonEmptyAuth) {
  const TransmissionFormat v16{.service_byte = true};
  Transmission signed_t{.auth = Bytes(64, 1),
                        .corr_id = kCorr,
                        .entity_id = Bytes(24, 2),
                        .command = ToBytes("NSUB")};
  Bytes out = *EncodeTransmission(signed_t, kSession, v16);
  EXPECT_EQ(out.size(), 120u);  // TV1 size
  EXPECT_EQ(out[65], '0');
  TransmissionView v = *DecodeTransmission(out, v16);
  EXPECT_EQ(v.auth.size(), 64u);
  EXPECT_FALSE(v.service_sig.has_value());
  EXPECT_EQ(v.entity_id.size(), 24u);
  EXPECT_EQ(AsStringView(v.command), "NSUB");
  // The same without the service byte: 119 bytes.
  EXPECT_EQ(EncodeTransmission(signed_t, kSession, {})->size(), 119u);

  Transmission unsigned_t{.corr_id = kCorr, .command = ToBytes("PING")};
  EXPECT_EQ(EncodeTransmission(unsigned_t, kSession, v16)->size(), 31u);

  signed_t.service_sig = Bytes(64, 3);
  out = *EncodeTransmission(signed_t, kSession, v16);
  v = *DecodeTransmission(out, v16);
  ASSERT_TRUE(v.service_sig.has_value());
  EXPECT_EQ(v.service_sig->size(), 64u);
}

TEST(Transmission, SessionOnWireAndSignedBytes) {
  const TransmissionFormat v1{.session_id_on_wire = true};
  Transmission t{.auth = Bytes(64, 9),
                 .corr_id = kCorr,
                 .entity_id = ToBytes("tkn"),
                 .command = ToBytes("TCHK")};
  Bytes out = *EncodeTransmission(t, kSession, v1);
  TransmissionView v = *DecodeTransmission(out, v1);
  ASSERT_TRUE(v.session_id.has_value());
  EXPECT_EQ(Bytes(v.session_id->begin(), v.session_id->end()), kSession);
  Bytes to_sign = *BytesToAuthorize(kSession, kCorr, ToBytes("tkn"), ToBytes("TCHK"));
  // With the session on the wire, everything after the auth is exactly what is signed.
  EXPECT_EQ(Bytes(v.after_auth.begin(), v.after_auth.end()), to_sign);

  // Implied session: short(session) + after_auth is what is signed.
  Bytes implied = *EncodeTransmission(t, kSession, {});
  TransmissionView iv = *DecodeTransmission(implied, {});
  Bytes rebuilt = *Writer().Short(kSession).Raw(iv.after_auth).Finish();
  EXPECT_EQ(rebuilt, to_sign);
}

TEST(Transmission, TruncatedInputFails) {
  EXPECT_FALSE(DecodeTransmission({}, {}).ok());
  EXPECT_FALSE(DecodeTransmission(Hex("40aa"), {}).ok());
  EXPECT_FALSE(DecodeTransmission(Hex("0103"), {.service_byte = true}).ok());    // no svc byte
  EXPECT_FALSE(DecodeTransmission(Hex("010332"), {.service_byte = true}).ok());  // bad tag
}

TEST(Transmission, SplitCommand) {
  const Bytes tnew = ToBytes("TNEW Tparams here"), ping = ToBytes("PING"), ok = ToBytes("OK ");
  CommandParts p = SplitCommand(tnew);
  EXPECT_EQ(p.tag, "TNEW");
  EXPECT_EQ(AsStringView(p.params), "Tparams here");
  p = SplitCommand(ping);
  EXPECT_EQ(p.tag, "PING");
  EXPECT_TRUE(p.params.empty());
  p = SplitCommand(ok);
  EXPECT_EQ(p.tag, "OK");
  EXPECT_TRUE(p.params.empty());
}

}  // namespace
}  // namespace ntf::wire
