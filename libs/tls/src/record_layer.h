#pragma once

// TLS 1.3 record protection for an established connection, without OpenSSL's SSL object
// (RFC 8446 §5, §7.3; TLS_CHACHA20_POLY1305_SHA256 only, the one suite the contexts allow).
//
// After the handshake, the server keeps only what the record layer needs: the two application
// traffic secrets (from the handshake's key log), the derived keys and IVs, two sequence
// numbers, and buffers that exist only while a record is half-read or a write half-sent. That
// is how an idle server connection costs ~0.3 KB instead of OpenSSL's ~13.5 KB (README.md,
// "Memory per connection"). Not thread-safe: it belongs to its connection's event loop.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace ntf::tls::internal {

inline constexpr size_t kTrafficSecretSize = 32;  // SHA-256
using TrafficSecret = std::array<uint8_t, kTrafficSecretSize>;

// HKDF-Expand-Label(secret, label, "", out.size()) with SHA-256 (RFC 8446 §7.1), for outputs
// of at most 32 bytes (one HMAC block). Exposed for tests.
void HkdfExpandLabel(absl::Span<const uint8_t> secret, std::string_view label,
                     absl::Span<uint8_t> out);

// One direction's protection: key and IV from a traffic secret, and the record sequence number.
class RecordCipher {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kIvSize = 12;
  static constexpr size_t kTagSize = 16;

  explicit RecordCipher(const TrafficSecret& secret);
  ~RecordCipher();
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  // Appends one protected record (header + AEAD of content || type) to `out`. `content` is at
  // most kMaxPlaintext bytes.
  void Seal(uint8_t content_type, absl::Span<const uint8_t> content, std::vector<uint8_t>& out);
  // Opens the record whose 5-byte header is `header` and whose body is `body`, in place. On
  // success the first `*content_size` bytes of `body` are the content, `*content_type` its type.
  absl::Status Open(absl::Span<const uint8_t> header, absl::Span<uint8_t> body,
                    uint8_t* content_type, size_t* content_size);
  // KeyUpdate: the next traffic secret, its key and IV, sequence number 0 (RFC 8446 §7.2).
  void Update();

 private:
  void Derive();
  std::array<uint8_t, 12> Nonce() const;

  TrafficSecret secret_;
  std::array<uint8_t, kKeySize> key_;
  std::array<uint8_t, kIvSize> iv_;
  uint64_t sequence_ = 0;
};

// The outcome of one non-blocking step: bytes of the caller's data moved, and what the socket
// must become before the next step can progress.
struct RecordIo {
  enum class Want { kNothing, kRead, kWrite };
  size_t bytes = 0;
  Want want = Want::kNothing;
  absl::Status error =
      {};  // not OK: the connection is unusable (peer closed, bad record, I/O error)
};

// Both directions over a non-blocking socket descriptor the caller owns.
class RecordLayer {
 public:
  static constexpr size_t kMaxPlaintext = 16384;  // 2^14
  static constexpr size_t kMaxCiphertext = kMaxPlaintext + 256;

  // `read_secret` protects what the peer sends, `write_secret` what we send; both are wiped by
  // the caller's copy going away, ours are wiped on destruction.
  RecordLayer(const TrafficSecret& read_secret, const TrafficSecret& write_secret);

  // Copies application data into `out` (whatever one record gives, or what is left of one).
  // Handles the peer's KeyUpdate and close_notify on the way. kRead: nothing available yet.
  RecordIo Read(int fd, absl::Span<uint8_t> out);
  // Protects up to one record of `data` (only when nothing is waiting to be sent) and sends
  // what the socket takes. `bytes` counts data consumed into records; kWrite: some protected
  // bytes are still waiting (see write_pending()).
  RecordIo Write(int fd, absl::Span<const uint8_t> data);
  // Protected bytes not yet sent (a half-sent record, or our answer to a KeyUpdate).
  bool write_pending() const { return out_sent_ < out_.size(); }

 private:
  RecordIo Fail(absl::Status status);
  // Acts on a handshake-type record's messages (only KeyUpdate is legal after the handshake).
  absl::Status HandlePostHandshake(absl::Span<const uint8_t> messages);
  // Sends queued protected bytes until done or EAGAIN; releases the buffer when empty.
  absl::Status Flush(int fd, bool* blocked);

  RecordCipher read_;
  RecordCipher write_;
  absl::Status failed_;  // sticky

  // Read side: a record in progress, then the unread part of its content.
  std::array<uint8_t, 5> header_{};
  size_t header_have_ = 0;
  std::vector<uint8_t> body_;
  size_t body_have_ = 0;
  std::vector<uint8_t> plain_;
  size_t plain_read_ = 0;

  // Write side: protected records not yet sent.
  std::vector<uint8_t> out_;
  size_t out_sent_ = 0;
};

}  // namespace ntf::tls::internal
