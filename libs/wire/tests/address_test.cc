#include "ntf/wire/address.h"

#include <gtest/gtest.h>

namespace ntf::wire {
namespace {

// SHA-256 of the upstream test CA certificate (spec/smp-notifier.md §1.4).
constexpr std::string_view kKeyHashHex =
    "2dc25431f561c03f32c6302249a0f3cc6177fa42c6e14874165fd9223ad1c232";
constexpr std::string_view kKeyHashB64 = "LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI=";
constexpr std::string_view kOnion =
    "o5vmywmrnaxalvz6wi3zicyftgio6psuvyniis6gco6bp6ekl4cqj4id.onion";

Bytes KeyHash() { return *HexDecode(kKeyHashHex); }

TEST(Address, UpstreamSmpExample) {
  const std::string text = "smp://LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI=@localhost:7001";
  absl::StatusOr<ServerAddress> a = ParseServerAddress(text);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->scheme, ServerScheme::kSmp);
  EXPECT_EQ(a->server.hosts, std::vector<std::string>{"localhost"});
  EXPECT_EQ(a->server.port, "7001");
  EXPECT_EQ(a->server.key_hash, KeyHash());
  EXPECT_FALSE(a->basic_auth.has_value());
  EXPECT_EQ(EffectivePort(a->server, a->scheme), 7001);
  EXPECT_EQ(FormatServerAddress(*a), text);
}

TEST(Address, UpstreamNtfExample) {
  const std::string text = "ntf://LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI=@localhost:6001";
  absl::StatusOr<ServerAddress> a = ParseServerAddress(text);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->scheme, ServerScheme::kNtf);
  EXPECT_EQ(a->server.port, "6001");
  EXPECT_EQ(EffectivePort(a->server, ServerScheme::kNtf), 6001);
  EXPECT_EQ(FormatServerAddress(*a), text);
}

TEST(Address, KeyHashWithoutPaddingIsPrintedWithIt) {
  absl::StatusOr<ServerAddress> a =
      ParseServerAddress("smp://LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwjI@smp.example.com");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->server.key_hash, KeyHash());
  EXPECT_EQ(FormatServerAddress(*a), "smp://" + std::string(kKeyHashB64) + "@smp.example.com");
}

TEST(Address, DefaultPortsOmitted) {
  absl::StatusOr<ServerAddress> smp =
      ParseServerAddress("smp://" + std::string(kKeyHashB64) + "@smp.example.com");
  ASSERT_TRUE(smp.ok()) << smp.status();
  EXPECT_EQ(smp->server.port, "");
  EXPECT_EQ(EffectivePort(smp->server, ServerScheme::kSmp), 5223);

  ServerAddress ntf{.scheme = ServerScheme::kNtf,
                    .server = {.hosts = {"ntf.example.com"}, .key_hash = KeyHash()}};
  EXPECT_EQ(FormatServerAddress(ntf), "ntf://" + std::string(kKeyHashB64) + "@ntf.example.com");
  EXPECT_EQ(EffectivePort(ntf.server, ServerScheme::kNtf), 443);
}

TEST(Address, ExplicitDefaultPortIsKeptVerbatim) {
  // The client's agent matches queues by the exact port string it registered.
  const std::string text = "smp://" + std::string(kKeyHashB64) + "@smp.example.com:5223";
  absl::StatusOr<ServerAddress> a = ParseServerAddress(text);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->server.port, "5223");
  EXPECT_EQ(FormatServerAddress(*a), text);
}

TEST(Address, PortLeadingZerosAreDropped) {
  absl::StatusOr<ServerAddress> a =
      ParseServerAddress("smp://" + std::string(kKeyHashB64) + "@localhost:07001");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->server.port, "7001");
}

TEST(Address, SeveralHostsAndBasicAuth) {
  const std::string text = "smp://" + std::string(kKeyHashB64) + ":s3cr3t!pw@smp4.simplex.im," +
                           std::string(kOnion) + ",10.0.0.1:443";
  absl::StatusOr<ServerAddress> a = ParseServerAddress(text);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->basic_auth, "s3cr3t!pw");
  ASSERT_EQ(a->server.hosts.size(), 3u);
  EXPECT_EQ(a->server.hosts[0], "smp4.simplex.im");
  EXPECT_EQ(a->server.hosts[1], kOnion);
  EXPECT_EQ(a->server.hosts[2], "10.0.0.1");
  EXPECT_EQ(a->server.port, "443");
  EXPECT_EQ(FormatServerAddress(*a), text);
}

TEST(Address, ClassifyHost) {
  EXPECT_EQ(*ClassifyHost("localhost"), HostKind::kDomain);
  EXPECT_EQ(*ClassifyHost("smp-1.Example_net.com"), HostKind::kDomain);
  EXPECT_EQ(*ClassifyHost("192.168.0.255"), HostKind::kIpv4);
  EXPECT_EQ(*ClassifyHost("0.0.0.0"), HostKind::kIpv4);
  EXPECT_EQ(*ClassifyHost(kOnion), HostKind::kOnion);
  for (std::string_view bad :
       {"", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a..b", ".a", "a.", ".onion",
        "ABC.onion", "a b", "a:b", "a/b", "a@b", "a,b", "h\xc3\xa9llo"}) {
    EXPECT_FALSE(ClassifyHost(bad).ok()) << bad;
  }
  EXPECT_FALSE(ClassifyHost(std::string(256, 'a')).ok());
  EXPECT_FALSE(ClassifyHost(std::string(64, 'a') + ".com").ok());
}

TEST(Address, RejectsInvalidText) {
  const std::string h(kKeyHashB64);
  const std::vector<std::string> cases = {
      std::string(""),
      "smp:/" + h + "@host",
      "xftp://" + h + "@host",
      "SMP://" + h + "@host",
      "smp://" + h + "host",                                      // no '@'
      "smp://@host",                                              // no key hash
      "smp://" + h + "@",                                         // no host
      "smp://" + h + "@a,,b",                                     // empty host
      "smp://" + h + "@host,",                                    // trailing comma
      "smp://" + h + "@host:",                                    // empty port
      "smp://" + h + "@host:0",                                   // port 0
      "smp://" + h + "@host:000",                                 // port 0
      "smp://" + h + "@host:65536",                               // port out of range
      "smp://" + h + "@host:70a",                                 // bad port
      "smp://" + h + "@host:7001/",                               // trailing bytes
      "smp://" + h + "@host/path",                                // trailing bytes
      "smp://" + h + "@host:1:2",                                 // two ports
      "smp://" + h + ":@host",                                    // empty basic auth
      "smp://" + h + ":a b@host",                                 // space in basic auth
      "smp://" + h + ":a/b@host",                                 // '/' in basic auth
      "smp://" + h + "@256.0.0.1",                                // bad IPv4
      "smp://LcJUMfVhwD8yxjAiSaDzzGF3-kLG4Uh0Fl_ZIjrRwg==@host",  // 31 bytes
      "smp://LcJUMfVhwD8yxjAiSaDzzGF3+kLG4Uh0Fl/ZIjrRwjI=@host",  // not base64url
  };
  for (const std::string& bad : cases) {
    EXPECT_FALSE(ParseServerAddress(bad).ok()) << bad;
  }
}

TEST(Address, BinaryLayout) {
  const ProtocolServer server{.hosts = {"localhost"}, .port = "7001", .key_hash = KeyHash()};
  absl::StatusOr<Bytes> bytes = EncodeProtocolServer(server);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  // count 1, short("localhost"), short("7001"), short(32-byte key hash)
  EXPECT_EQ(HexEncode(*bytes),
            "01"
            "09"
            "6c6f63616c686f7374"
            "04"
            "37303031"
            "20" +
                std::string(kKeyHashHex));
  EXPECT_EQ(*DecodeProtocolServer(*bytes), server);
}

TEST(Address, BinaryDefaultPortAndSeveralHosts) {
  const ProtocolServer server{.hosts = {"smp4.simplex.im", std::string(kOnion)},
                              .key_hash = KeyHash()};
  Bytes bytes = *EncodeProtocolServer(server);
  EXPECT_EQ(bytes[0], 2);
  EXPECT_EQ(bytes.size(), 1u + 16 + 63 + 1 + 33);
  EXPECT_EQ(bytes[1 + 16 + 63], 0);  // short("") = default port
  EXPECT_EQ(*DecodeProtocolServer(bytes), server);
}

TEST(Address, BinaryRejectsInvalid) {
  const std::string kh = "20" + std::string(kKeyHashHex);
  const std::vector<std::string> cases = {
      std::string(""),
      "00" + std::string("00") + kh,  // zero hosts
      "01"
      "00"
      "00" +
          kh,  // empty host
      "01"
      "03"
      "612062"
      "00" +
          kh,  // "a b"
      "01"
      "01"
      "61"
      "04"
      "37303031",  // missing key hash
      "01"
      "01"
      "61"
      "00"
      "1f" +
          std::string(kKeyHashHex).substr(2),  // 31-byte key hash
      "01"
      "01"
      "61"
      "02"
      "3030" +
          kh,  // port "00"
      "01"
      "01"
      "61"
      "05"
      "3635353336" +
          kh,  // port 65536
      "01"
      "01"
      "61"
      "00" +
          kh + "00",  // trailing byte
      "02"
      "01"
      "61"
      "00" +
          kh,  // count says 2 hosts
  };
  for (const std::string& hex : cases) {
    absl::StatusOr<Bytes> bytes = HexDecode(hex);
    ASSERT_TRUE(bytes.ok()) << hex;
    EXPECT_FALSE(DecodeProtocolServer(*bytes).ok()) << hex;
  }
}

TEST(Address, EncoderValidates) {
  EXPECT_FALSE(EncodeProtocolServer({.hosts = {}, .key_hash = KeyHash()}).ok());
  EXPECT_FALSE(EncodeProtocolServer({.hosts = {"a"}, .key_hash = Bytes(31)}).ok());
  EXPECT_FALSE(EncodeProtocolServer({.hosts = {"a"}, .port = "x", .key_hash = KeyHash()}).ok());
  EXPECT_FALSE(EncodeProtocolServer({.hosts = {""}, .key_hash = KeyHash()}).ok());
  EXPECT_TRUE(EncodeProtocolServer({.hosts = {"a"}, .port = "65535", .key_hash = KeyHash()}).ok());
}

}  // namespace
}  // namespace ntf::wire
