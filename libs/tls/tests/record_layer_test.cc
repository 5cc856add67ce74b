// The server's own TLS 1.3 record layer (src/record_layer.h), byte by byte. Interoperation with
// OpenSSL as the peer is covered by connection_test.cc (every loopback test's server runs it).

#include "../src/record_layer.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace ntf::tls::internal {
namespace {

std::vector<uint8_t> Hex(std::string_view hex) {
  std::string bytes = absl::HexStringToBytes(std::string(hex));
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

TrafficSecret Secret(uint8_t seed) {
  TrafficSecret s;
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(seed + i);
  return s;
}

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

TEST(HkdfExpandLabelTest, MatchesRfc8448HandshakeKeyAndIv) {
  // RFC 8448 §3, "derive write traffic keys for handshake data" (server, SHA-256).
  const std::vector<uint8_t> secret =
      Hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  std::array<uint8_t, 16> key;
  std::array<uint8_t, 12> iv;
  HkdfExpandLabel(secret, "key", absl::MakeSpan(key));
  HkdfExpandLabel(secret, "iv", absl::MakeSpan(iv));
  EXPECT_EQ(std::vector<uint8_t>(key.begin(), key.end()), Hex("3fce516009c21727d0f2e4e86ee403bc"));
  EXPECT_EQ(std::vector<uint8_t>(iv.begin(), iv.end()), Hex("5d313eb2671276ee13000b30"));
}

TEST(RecordCipherTest, SealsWhatTheOtherSideOpensInSequence) {
  RecordCipher sender(Secret(1)), receiver(Secret(1));
  for (int i = 0; i < 3; ++i) {
    std::vector<uint8_t> record;
    const std::vector<uint8_t> content = Pattern(512, static_cast<uint8_t>(i));
    sender.Seal(23, content, record);
    ASSERT_EQ(record.size(), 5 + 512 + 1 + 16u);
    EXPECT_EQ(record[0], 23);
    EXPECT_EQ(record[1], 3);
    EXPECT_EQ(record[2], 3);
    EXPECT_EQ((record[3] << 8) | record[4], 512 + 1 + 16);
    uint8_t type = 0;
    size_t size = 0;
    absl::Span<uint8_t> body = absl::MakeSpan(record).subspan(5);
    ASSERT_TRUE(receiver.Open(absl::MakeConstSpan(record).first(5), body, &type, &size).ok());
    EXPECT_EQ(type, 23);
    EXPECT_EQ(std::vector<uint8_t>(body.begin(), body.begin() + size), content);
  }
}

TEST(RecordCipherTest, RejectsTamperingReplayAndTheWrongKey) {
  RecordCipher sender(Secret(1));
  std::vector<uint8_t> record;
  sender.Seal(23, Pattern(40, 9), record);
  uint8_t type;
  size_t size;
  auto open = [&](RecordCipher& c, std::vector<uint8_t> r) {
    return c.Open(absl::MakeConstSpan(r).first(5), absl::MakeSpan(r).subspan(5), &type, &size);
  };
  RecordCipher wrong_key(Secret(2));
  EXPECT_FALSE(open(wrong_key, record).ok());
  std::vector<uint8_t> flipped = record;
  flipped[20] ^= 1;
  RecordCipher r1(Secret(1));
  EXPECT_FALSE(open(r1, flipped).ok());
  std::vector<uint8_t> header_changed = record;
  header_changed[4] ^= 0;  // same length, but the AAD covers the type byte:
  header_changed[0] = 22;
  RecordCipher r2(Secret(1));
  EXPECT_FALSE(open(r2, header_changed).ok());
  RecordCipher r3(Secret(1));
  EXPECT_TRUE(open(r3, record).ok());
  EXPECT_FALSE(open(r3, record).ok()) << "a replayed record has the wrong sequence number";
}

TEST(RecordCipherTest, KeyUpdateMovesBothSidesToTheNextSecret) {
  RecordCipher sender(Secret(5)), receiver(Secret(5)), stale(Secret(5));
  sender.Update();
  receiver.Update();
  std::vector<uint8_t> record;
  sender.Seal(23, Pattern(10, 1), record);
  uint8_t type;
  size_t size;
  std::vector<uint8_t> copy = record;
  EXPECT_FALSE(
      stale.Open(absl::MakeConstSpan(copy).first(5), absl::MakeSpan(copy).subspan(5), &type, &size)
          .ok());
  EXPECT_TRUE(receiver
                  .Open(absl::MakeConstSpan(record).first(5), absl::MakeSpan(record).subspan(5),
                        &type, &size)
                  .ok());
}

// Two ends of a non-blocking socketpair: `layer` under test on one, raw records on the other.
class RecordLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ours_ = fds[0];
    theirs_ = fds[1];
    ASSERT_EQ(::fcntl(ours_, F_SETFL, O_NONBLOCK), 0);
  }
  void TearDown() override {
    ::close(ours_);
    ::close(theirs_);
  }

  void SendRaw(const std::vector<uint8_t>& bytes) {
    ASSERT_EQ(::send(theirs_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  // Reads everything the layer sent so far from the other end.
  std::vector<uint8_t> ReceiveRaw() {
    std::vector<uint8_t> out(1 << 20);
    ssize_t n = ::recv(theirs_, out.data(), out.size(), MSG_DONTWAIT);
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
  }
  // Reads `n` bytes of application data through the layer (the data is already on the socket).
  absl::Status ReadAll(RecordLayer& layer, std::vector<uint8_t>& out, size_t n, size_t chunk) {
    out.assign(n, 0);
    size_t done = 0;
    while (done < n) {
      RecordIo io = layer.Read(ours_, absl::MakeSpan(out).subspan(done, std::min(chunk, n - done)));
      if (!io.error.ok()) return io.error;
      if (io.want != RecordIo::Want::kNothing) return absl::DeadlineExceededError("would block");
      done += io.bytes;
    }
    return absl::OkStatus();
  }

  int ours_ = -1;
  int theirs_ = -1;
  const TrafficSecret kClient = Secret(10);
  const TrafficSecret kServer = Secret(100);
};

TEST_F(RecordLayerTest, ReadsRecordsInAnyChunksAndSkipsEmptyOnes) {
  RecordLayer layer(kClient, kServer);
  RecordCipher client(kClient);
  std::vector<uint8_t> wire;
  const std::vector<uint8_t> a = Pattern(700, 1), b = Pattern(300, 2);
  client.Seal(23, a, wire);
  client.Seal(23, {}, wire);  // zero-length application data is legal and carries nothing
  client.Seal(23, b, wire);
  SendRaw(wire);
  std::vector<uint8_t> got;
  ASSERT_TRUE(ReadAll(layer, got, 1000, 512).ok());
  std::vector<uint8_t> expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(got, expected);
  RecordIo idle = layer.Read(ours_, absl::MakeSpan(got).first(1));
  EXPECT_TRUE(idle.error.ok());
  EXPECT_EQ(idle.want, RecordIo::Want::kRead);
}

TEST_F(RecordLayerTest, AcceptsPaddedRecordsAndRecordsSplitAcrossSends) {
  RecordLayer layer(kClient, kServer);
  RecordCipher client(kClient);
  // Padding: content || type || zeros, sealed by hand as "content" of type 0 would not be.
  std::vector<uint8_t> inner = Pattern(50, 3);
  inner.push_back(23);
  inner.insert(inner.end(), 20, 0);
  std::vector<uint8_t> wire;
  client.Seal(0, inner, wire);  // appends a trailing 0: more padding
  for (size_t i = 0; i < wire.size(); i += 7) {
    SendRaw(std::vector<uint8_t>(wire.begin() + i, wire.begin() + std::min(wire.size(), i + 7)));
    if (i + 7 < wire.size()) {
      std::array<uint8_t, 64> buf;
      RecordIo io = layer.Read(ours_, absl::MakeSpan(buf));
      ASSERT_EQ(io.want, RecordIo::Want::kRead);
    }
  }
  std::vector<uint8_t> got;
  ASSERT_TRUE(ReadAll(layer, got, 50, 64).ok());
  EXPECT_EQ(got, Pattern(50, 3));
}

TEST_F(RecordLayerTest, WritesRecordsOfAtMost16KiBThatThePeerOpens) {
  RecordLayer layer(kClient, kServer);
  const std::vector<uint8_t> data = Pattern(40000, 4);
  size_t done = 0;
  while (done < data.size() || layer.write_pending()) {
    RecordIo io = layer.Write(ours_, absl::MakeConstSpan(data).subspan(done));
    ASSERT_TRUE(io.error.ok()) << io.error;
    ASSERT_EQ(io.want, RecordIo::Want::kNothing);
    done += io.bytes;
  }
  std::vector<uint8_t> wire = ReceiveRaw();
  RecordCipher server(kServer);
  std::vector<uint8_t> got;
  size_t records = 0;
  for (size_t at = 0; at < wire.size(); ++records) {
    const size_t length = (wire[at + 3] << 8) | wire[at + 4];
    uint8_t type;
    size_t size;
    ASSERT_TRUE(server
                    .Open(absl::MakeConstSpan(wire).subspan(at, 5),
                          absl::MakeSpan(wire).subspan(at + 5, length), &type, &size)
                    .ok());
    EXPECT_EQ(type, 23);
    EXPECT_LE(size, RecordLayer::kMaxPlaintext);
    got.insert(got.end(), wire.begin() + at + 5, wire.begin() + at + 5 + size);
    at += 5 + length;
  }
  EXPECT_EQ(records, 3u);
  EXPECT_EQ(got, data);
}

TEST_F(RecordLayerTest, AnswersARequestedKeyUpdateBeforeItsNextData) {
  RecordLayer layer(kClient, kServer);
  RecordCipher client(kClient), server(kServer);
  std::vector<uint8_t> wire;
  const uint8_t key_update_requested[] = {24, 0, 0, 1, 1};
  client.Seal(22, key_update_requested, wire);
  client.Update();
  client.Seal(23, Pattern(512, 5), wire);  // under the client's next key
  SendRaw(wire);
  std::vector<uint8_t> got;
  ASSERT_TRUE(ReadAll(layer, got, 512, 512).ok());
  EXPECT_EQ(got, Pattern(512, 5));
  EXPECT_TRUE(layer.write_pending()) << "the answer waits for our next write";

  const std::vector<uint8_t> reply = Pattern(512, 6);
  RecordIo io = layer.Write(ours_, reply);  // flushes the KeyUpdate first; data comes next
  ASSERT_TRUE(io.error.ok());
  size_t done = io.bytes;
  while (done < reply.size() || layer.write_pending()) {
    io = layer.Write(ours_, absl::MakeConstSpan(reply).subspan(done));
    ASSERT_TRUE(io.error.ok());
    done += io.bytes;
  }
  std::vector<uint8_t> out = ReceiveRaw();
  uint8_t type;
  size_t size;
  const size_t first = (out[3] << 8) | out[4];
  ASSERT_TRUE(server
                  .Open(absl::MakeConstSpan(out).first(5), absl::MakeSpan(out).subspan(5, first),
                        &type, &size)
                  .ok());
  EXPECT_EQ(type, 22);
  EXPECT_EQ(std::vector<uint8_t>(out.begin() + 5, out.begin() + 5 + size),
            std::vector<uint8_t>({24, 0, 0, 1, 0}))
      << "KeyUpdate(update_not_requested)";
  server.Update();
  const size_t at = 5 + first;
  const size_t second = (out[at + 3] << 8) | out[at + 4];
  ASSERT_TRUE(server
                  .Open(absl::MakeConstSpan(out).subspan(at, 5),
                        absl::MakeSpan(out).subspan(at + 5, second), &type, &size)
                  .ok());
  EXPECT_EQ(type, 23);
  EXPECT_EQ(std::vector<uint8_t>(out.begin() + at + 5, out.begin() + at + 5 + size), reply);
}

TEST_F(RecordLayerTest, CloseNotifyIsAPeerClose) {
  RecordLayer layer(kClient, kServer);
  RecordCipher client(kClient);
  std::vector<uint8_t> wire;
  const uint8_t close_notify[] = {1, 0};
  client.Seal(21, close_notify, wire);
  SendRaw(wire);
  std::array<uint8_t, 16> buf;
  RecordIo io = layer.Read(ours_, absl::MakeSpan(buf));
  EXPECT_TRUE(absl::IsUnavailable(io.error)) << io.error;
  EXPECT_EQ(io.error.message(), "connection closed by peer");
  // Sticky: every later call reports the same.
  EXPECT_EQ(layer.Write(ours_, buf).error, io.error);
}

TEST_F(RecordLayerTest, EofIsAPeerClose) {
  RecordLayer layer(kClient, kServer);
  ::shutdown(theirs_, SHUT_WR);
  std::array<uint8_t, 16> buf;
  EXPECT_EQ(layer.Read(ours_, absl::MakeSpan(buf)).error.message(), "connection closed by peer");
}

struct BadRecord {
  const char* name;
  std::vector<uint8_t> (*make)(RecordCipher& client);
  const char* error;
};

class RecordLayerBadInputTest : public RecordLayerTest,
                                public ::testing::WithParamInterface<BadRecord> {};

TEST_P(RecordLayerBadInputTest, FailsTheConnection) {
  RecordLayer layer(kClient, kServer);
  RecordCipher client(kClient);
  SendRaw(GetParam().make(client));
  std::array<uint8_t, 600> buf;
  RecordIo io = layer.Read(ours_, absl::MakeSpan(buf));
  ASSERT_FALSE(io.error.ok()) << GetParam().name;
  EXPECT_NE(io.error.message().find(GetParam().error), std::string::npos) << io.error;
}

INSTANTIATE_TEST_SUITE_P(
    Records, RecordLayerBadInputTest,
    ::testing::Values(
        BadRecord{"plaintext handshake record",
                  [](RecordCipher&) { return std::vector<uint8_t>{22, 3, 3, 0, 1, 0}; },
                  "unexpected TLS record type 22"},
        BadRecord{"change_cipher_spec after the handshake",
                  [](RecordCipher&) { return std::vector<uint8_t>{20, 3, 3, 0, 1, 1}; },
                  "unexpected TLS record type 20"},
        BadRecord{"oversized record",
                  [](RecordCipher&) {
                    return std::vector<uint8_t>{23, 3, 3, 0x41, 0x01};
                  },
                  "TLS record of 16641 bytes"},
        BadRecord{"wrong key",
                  [](RecordCipher&) {
                    std::vector<uint8_t> w;
                    RecordCipher other(Secret(99));
                    other.Seal(23, Pattern(10, 1), w);
                    return w;
                  },
                  "bad_record_mac"},
        BadRecord{"other handshake message",
                  [](RecordCipher& c) {
                    std::vector<uint8_t> w;
                    const uint8_t ticket[] = {4, 0, 0, 0};
                    c.Seal(22, ticket, w);
                    return w;
                  },
                  "unexpected TLS handshake message type 4"},
        BadRecord{"fatal alert",
                  [](RecordCipher& c) {
                    std::vector<uint8_t> w;
                    const uint8_t alert[] = {2, 40};
                    c.Seal(21, alert, w);
                    return w;
                  },
                  "TLS alert 40 from peer"},
        BadRecord{"unknown content type",
                  [](RecordCipher& c) {
                    std::vector<uint8_t> w;
                    c.Seal(99, Pattern(3, 1), w);
                    return w;
                  },
                  "unexpected TLS content type 99"},
        BadRecord{"content longer than 2^14",
                  [](RecordCipher& c) {
                    std::vector<uint8_t> w;
                    c.Seal(23, Pattern(16385, 1), w);
                    return w;
                  },
                  "content too long"}),
    [](const ::testing::TestParamInfo<BadRecord>& info) {
      std::string name = info.param.name;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace ntf::tls::internal
