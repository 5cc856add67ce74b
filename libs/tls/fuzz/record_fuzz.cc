// Fuzzes the server's TLS 1.3 record layer with what a client may send after the handshake: raw
// bytes, and well-sealed records of any content type (so the input gets past authentication),
// key updates included. It must never crash or read out of bounds; when the input is only
// well-formed application data and key updates, it must deliver exactly that data.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "../src/record_layer.h"

using ntf::tls::internal::RecordCipher;
using ntf::tls::internal::RecordIo;
using ntf::tls::internal::RecordLayer;
using ntf::tls::internal::TrafficSecret;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) abort();
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) abort();
  int buffer = 1 << 20;
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  const TrafficSecret client{1, 2, 3}, server{4, 5, 6};
  RecordLayer layer(client, server);
  RecordCipher peer(client);

  std::vector<uint8_t> wire, expected;
  bool well_formed = true;
  for (size_t i = 0; i + 2 <= size;) {
    const uint8_t op = data[i];
    const size_t len = data[i + 1];
    i += 2;
    const size_t n = std::min(len, size - i);
    const std::vector<uint8_t> chunk(data + i, data + i + n);
    i += n;
    switch (op % 4) {
      case 0:  // raw bytes
        wire.insert(wire.end(), chunk.begin(), chunk.end());
        well_formed = false;
        break;
      case 1:  // application data
        peer.Seal(23, chunk, wire);
        expected.insert(expected.end(), chunk.begin(), chunk.end());
        break;
      case 2:  // any content type
        peer.Seal(chunk.empty() ? 0 : chunk[0], chunk, wire);
        well_formed = false;
        break;
      case 3: {  // KeyUpdate, requested or not
        const uint8_t key_update[] = {24, 0, 0, 1, static_cast<uint8_t>(op >> 7)};
        peer.Seal(22, key_update, wire);
        peer.Update();
        break;
      }
    }
  }
  if (!wire.empty() &&
      ::send(fds[1], wire.data(), wire.size(), 0) != static_cast<ssize_t>(wire.size())) {
    abort();
  }
  std::vector<uint8_t> got;
  uint8_t buf[700];
  bool failed = false;
  for (;;) {
    RecordIo io = layer.Read(fds[0], buf);
    if (!io.error.ok()) {
      failed = true;
      break;
    }
    got.insert(got.end(), buf, buf + io.bytes);
    if (io.want != RecordIo::Want::kNothing) break;
  }
  if (well_formed && (failed || got != expected)) abort();
  // Whatever was queued (KeyUpdate answers) goes out with a write.
  const uint8_t reply[3] = {1, 2, 3};
  (void)layer.Write(fds[0], reply);
  ::close(fds[0]);
  ::close(fds[1]);
  return 0;
}
