#include "record_layer.h"

#include <sodium.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ntf::tls::internal {
namespace {

// TLS 1.3 content types (RFC 8446 §5.1) and the handshake message that may follow the
// handshake on a server without client authentication or resumption.
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kKeyUpdate = 24;
constexpr uint8_t kCloseNotify = 0;
constexpr size_t kHeaderSize = 5;

// A buffer's memory goes back to the allocator (clear() keeps the capacity).
void Release(std::vector<uint8_t>& buffer) { std::vector<uint8_t>().swap(buffer); }

void SealKeyUpdate(RecordCipher& cipher, bool request_update, std::vector<uint8_t>& out) {
  const uint8_t message[5] = {kKeyUpdate, 0, 0, 1, static_cast<uint8_t>(request_update ? 1 : 0)};
  cipher.Seal(kHandshake, message, out);
}

}  // namespace

void HkdfExpandLabel(absl::Span<const uint8_t> secret, std::string_view label,
                     absl::Span<uint8_t> out) {
  // HkdfLabel = uint16 length || opaque label<7..255> = "tls13 " + label || opaque context<0..255>
  // (empty); out.size() <= 32, so HKDF-Expand is one block: HMAC(secret, HkdfLabel || 0x01).
  std::string info;
  info.push_back(static_cast<char>(out.size() >> 8));
  info.push_back(static_cast<char>(out.size() & 0xff));
  info.push_back(static_cast<char>(6 + label.size()));
  info.append("tls13 ").append(label);
  info.push_back('\0');
  info.push_back('\x01');
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, secret.data(), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(info.data()),
                                info.size());
  uint8_t block[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, block);
  std::memcpy(out.data(), block, std::min(out.size(), sizeof block));
  sodium_memzero(block, sizeof block);
  sodium_memzero(&state, sizeof state);
}

// ---------------------------------------------------------------------------------------------
// RecordCipher

RecordCipher::RecordCipher(const TrafficSecret& secret) : secret_(secret) { Derive(); }

RecordCipher::~RecordCipher() {
  sodium_memzero(secret_.data(), secret_.size());
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(iv_.data(), iv_.size());
}

void RecordCipher::Derive() {
  HkdfExpandLabel(secret_, "key", absl::MakeSpan(key_));
  HkdfExpandLabel(secret_, "iv", absl::MakeSpan(iv_));
  sequence_ = 0;
}

void RecordCipher::Update() {
  TrafficSecret next;
  HkdfExpandLabel(secret_, "traffic upd", absl::MakeSpan(next));
  secret_ = next;
  sodium_memzero(next.data(), next.size());
  Derive();
}

std::array<uint8_t, 12> RecordCipher::Nonce() const {
  // The 64-bit sequence number, big-endian, left-padded to the IV's length, XORed with it.
  std::array<uint8_t, 12> nonce = iv_;
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(sequence_ >> (8 * i));
  return nonce;
}

void RecordCipher::Seal(uint8_t content_type, absl::Span<const uint8_t> content,
                        std::vector<uint8_t>& out) {
  const size_t inner = content.size() + 1;  // TLSInnerPlaintext without padding
  const size_t length = inner + kTagSize;
  const size_t start = out.size();
  out.resize(start + kHeaderSize + length);
  uint8_t* header = out.data() + start;
  header[0] = kApplicationData;  // opaque_type
  header[1] = 0x03;              // legacy_record_version 0x0303
  header[2] = 0x03;
  header[3] = static_cast<uint8_t>(length >> 8);
  header[4] = static_cast<uint8_t>(length & 0xff);
  uint8_t* body = header + kHeaderSize;
  if (!content.empty()) std::memcpy(body, content.data(), content.size());
  body[content.size()] = content_type;
  const std::array<uint8_t, 12> nonce = Nonce();
  unsigned long long sealed = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(body, &sealed, body, inner, header, kHeaderSize,
                                            nullptr, nonce.data(), key_.data());
  ++sequence_;
}

absl::Status RecordCipher::Open(absl::Span<const uint8_t> header, absl::Span<uint8_t> body,
                                uint8_t* content_type, size_t* content_size) {
  if (body.size() < kTagSize + 1) return absl::DataLossError("TLS record too short");
  const std::array<uint8_t, 12> nonce = Nonce();
  unsigned long long opened = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(body.data(), &opened, nullptr, body.data(),
                                                body.size(), header.data(), header.size(),
                                                nonce.data(), key_.data()) != 0) {
    return absl::DataLossError("TLS record failed authentication (bad_record_mac)");
  }
  ++sequence_;
  // TLSInnerPlaintext: content || type || zero padding; the type is the last non-zero byte.
  size_t n = static_cast<size_t>(opened);
  while (n > 0 && body[n - 1] == 0) --n;
  if (n == 0) return absl::DataLossError("TLS record without a content type");
  *content_type = body[n - 1];
  *content_size = n - 1;
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// RecordLayer

RecordLayer::RecordLayer(const TrafficSecret& read_secret, const TrafficSecret& write_secret)
    : read_(read_secret), write_(write_secret) {}

RecordIo RecordLayer::Fail(absl::Status status) {
  if (failed_.ok()) failed_ = std::move(status);
  Release(body_);
  Release(plain_);
  Release(out_);
  out_sent_ = 0;
  return RecordIo{.error = failed_};
}

RecordIo RecordLayer::Read(int fd, absl::Span<uint8_t> out) {
  if (!failed_.ok()) return RecordIo{.error = failed_};
  for (;;) {
    if (plain_read_ < plain_.size()) {
      const size_t n = std::min(out.size(), plain_.size() - plain_read_);
      std::memcpy(out.data(), plain_.data() + plain_read_, n);
      plain_read_ += n;
      if (plain_read_ == plain_.size()) {
        Release(plain_);
        plain_read_ = 0;
      }
      return RecordIo{.bytes = n};
    }

    // The header, then exactly the body: never more than one record from the kernel.
    uint8_t* target;
    size_t wanted;
    if (header_have_ < kHeaderSize) {
      target = header_.data() + header_have_;
      wanted = kHeaderSize - header_have_;
    } else {
      target = body_.data() + body_have_;
      wanted = body_.size() - body_have_;
    }
    const ssize_t r = ::recv(fd, target, wanted, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return RecordIo{.want = RecordIo::Want::kRead};
      return Fail(absl::UnavailableError(std::system_category().message(errno)));
    }
    if (r == 0) return Fail(absl::UnavailableError("connection closed by peer"));
    if (header_have_ < kHeaderSize) {
      header_have_ += static_cast<size_t>(r);
      if (header_have_ < kHeaderSize) continue;
      const size_t length = (size_t{header_[3]} << 8) | header_[4];
      if (header_[0] != kApplicationData || header_[1] != 0x03 || header_[2] != 0x03) {
        return Fail(absl::DataLossError(
            absl::StrCat("unexpected TLS record type ", header_[0], " after the handshake")));
      }
      if (length > kMaxCiphertext) {
        return Fail(absl::DataLossError(absl::StrCat("TLS record of ", length, " bytes")));
      }
      body_.resize(length);
      body_have_ = 0;
      continue;
    }
    body_have_ += static_cast<size_t>(r);
    if (body_have_ < body_.size()) continue;

    uint8_t type = 0;
    size_t size = 0;
    if (absl::Status s = read_.Open(header_, absl::MakeSpan(body_), &type, &size); !s.ok()) {
      return Fail(std::move(s));
    }
    header_have_ = 0;
    body_have_ = 0;
    if (size > kMaxPlaintext) return Fail(absl::DataLossError("TLS record content too long"));
    if (type == kApplicationData) {
      body_.resize(size);
      plain_ = std::move(body_);  // the record's buffer becomes the unread content
      plain_read_ = 0;
      Release(body_);
      continue;
    }
    absl::Status handled;
    if (type == kHandshake) {
      handled = HandlePostHandshake(absl::MakeConstSpan(body_).first(size));
    } else if (type == kAlert && size == 2 && body_[1] == kCloseNotify) {
      handled = absl::UnavailableError("connection closed by peer");
    } else if (type == kAlert && size == 2) {
      handled = absl::UnavailableError(absl::StrCat("TLS alert ", body_[1], " from peer"));
    } else {
      handled = absl::DataLossError(absl::StrCat("unexpected TLS content type ", type));
    }
    Release(body_);
    if (!handled.ok()) return Fail(std::move(handled));
  }
}

absl::Status RecordLayer::HandlePostHandshake(absl::Span<const uint8_t> messages) {
  // Only KeyUpdate, and it must end its record (RFC 8446 §5.1: a key change aligns with a
  // record boundary). Handshake messages split across records are not expected here.
  if (messages.size() != 5 || messages[0] != kKeyUpdate || messages[1] != 0 || messages[2] != 0 ||
      messages[3] != 1 || messages[4] > 1) {
    return absl::DataLossError(absl::StrCat("unexpected TLS handshake message type ",
                                            messages.empty() ? -1 : int{messages[0]},
                                            " after the handshake"));
  }
  read_.Update();
  if (messages[4] == 1) {
    // update_requested: ours goes out before our next application data (RFC 8446 §4.6.3),
    // queued after whatever is already protected.
    SealKeyUpdate(write_, /*request_update=*/false, out_);
    write_.Update();
  }
  return absl::OkStatus();
}

absl::Status RecordLayer::Flush(int fd, bool* blocked) {
  *blocked = false;
  while (out_sent_ < out_.size()) {
    const ssize_t r = ::send(fd, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        *blocked = true;
        return absl::OkStatus();
      }
      return absl::UnavailableError(std::system_category().message(errno));
    }
    out_sent_ += static_cast<size_t>(r);
  }
  Release(out_);
  out_sent_ = 0;
  return absl::OkStatus();
}

RecordIo RecordLayer::Write(int fd, absl::Span<const uint8_t> data) {
  if (!failed_.ok()) return RecordIo{.error = failed_};
  size_t consumed = 0;
  if (!write_pending() && !data.empty()) {
    consumed = std::min(data.size(), kMaxPlaintext);
    write_.Seal(kApplicationData, data.first(consumed), out_);
  }
  bool blocked = false;
  if (absl::Status s = Flush(fd, &blocked); !s.ok()) return Fail(std::move(s));
  return RecordIo{.bytes = consumed,
                  .want = blocked ? RecordIo::Want::kWrite : RecordIo::Want::kNothing};
}

}  // namespace ntf::tls::internal
