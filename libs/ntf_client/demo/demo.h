#pragma once

// The registration a SimpleX app runs against a notification server, step by step, for `make
// run`: TNEW, the verification push (read from a fake provider's inbox, the device's side of
// the channel), TVFY, TCHK, SNEW, SCHK, TCRN, and SDEL + TDEL to clean up. Each step is printed
// with what the server answered. Blocking; one connection.

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ntf/wire/ntf_protocol.h"

namespace ntf::client::demo {

struct DemoOptions {
  // "ntf://<key hash>@host[:port]", as `make run` prints it.
  std::string server = "";
  // Where the fake provider appends the pushes it delivered, one JSON body per line, in
  // <device token>.jsonl (ntf-fake-apns / ntf-fake-fcm --inbox).
  std::string inbox = "";
  // kApnsProd (a random 32-byte hex token) or kFcm (a random URL-safe token).
  wire::PushProvider provider = wire::PushProvider::kApnsProd;
  // How long to wait for the verification push and for the server to mark the token CONFIRMED.
  absl::Duration timeout = absl::Seconds(30);
  // Leave the token and subscription registered (no SDEL/TDEL at the end).
  bool keep = false;
};

// OK when every step got the answer a client expects; otherwise the first step that did not,
// with what came back (the steps before it are printed to `out`).
absl::Status RunDemo(const DemoOptions& options, std::ostream& out);

}  // namespace ntf::client::demo
