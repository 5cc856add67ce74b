// ntf-fake-apns: the fake APNs of tests/support as a process, for the benchmark and manual runs.
//
//   ntf-fake-apns [--host IP] [--port N] [--topic T] [--latency 5ms] --dir DIR
//
// Writes DIR/apns_key.p8 (a fresh key; the pusher's apns.key_file) and DIR/apns_ca.pem (trust
// anchor; apns.ca_file), then prints one line
//   fake-apns ready port=<p> origin=<url> key_file=<f> key_id=<k> team_id=<t> ca_file=<f>
// and answers every push with 200 after the latency, until SIGTERM/SIGINT.
#include <fstream>
#include <iostream>

#include "ntf/common/signal_waiter.h"
#include "ntf/testing/fake_apns.h"

int main(int argc, char** argv) {
  ntf::testing::FakeApnsOptions options;
  std::string dir;
  absl::Duration latency = absl::ZeroDuration();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--host") {
      options.host = value;
    } else if (flag == "--port") {
      options.port = static_cast<uint16_t>(std::stoi(value));
    } else if (flag == "--topic") {
      options.topic = value;
    } else if (flag == "--latency" && absl::ParseDuration(value, &latency)) {
    } else if (flag == "--dir") {
      dir = value;
    } else {
      std::cerr
          << "usage: ntf-fake-apns [--host IP] [--port N] [--topic T] [--latency D] --dir DIR\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "ntf-fake-apns: --dir is required\n";
    return 2;
  }
  absl::StatusOr<ntf::testing::FakeApnsCredentials> creds = ntf::testing::MakeFakeApnsCredentials();
  if (!creds.ok()) {
    std::cerr << "ntf-fake-apns: " << creds.status() << "\n";
    return 1;
  }
  options.credentials = *creds;
  auto signals = ntf::common::SignalWaiter::Install();
  absl::StatusOr<std::unique_ptr<ntf::testing::FakeApns>> fake =
      ntf::testing::FakeApns::Start(options);
  if (!signals.ok() || !fake.ok()) {
    std::cerr << "ntf-fake-apns: " << (fake.ok() ? signals.status() : fake.status()) << "\n";
    return 1;
  }
  ntf::testing::FakeAnswer answer;
  answer.delay = latency;
  (*fake)->SetDefaultAnswer(answer);
  const std::string key_file = dir + "/apns_key.p8";
  const std::string ca_file = dir + "/apns_ca.pem";
  std::ofstream(key_file) << creds->private_key_pem;
  std::ofstream(ca_file) << (*fake)->ca_pem();
  std::cout << "fake-apns ready port=" << (*fake)->port() << " origin=" << (*fake)->origin()
            << " key_file=" << key_file << " key_id=" << creds->key_id
            << " team_id=" << creds->team_id << " ca_file=" << ca_file << std::endl;
  (*signals)->Wait();
  std::cout << "fake-apns requests=" << (*fake)->RequestCount() << std::endl;
  return 0;
}
