// ntf-fake-fcm: the fake FCM of tests/support as a process, for the benchmark and manual runs.
//
//   ntf-fake-fcm [--host IP] [--port N] [--latency 5ms] [--inbox DIR2] --dir DIR
//
// Writes DIR/fcm_service_account.json (a fresh key, token_uri pointing at this server; the
// pusher's fcm.service_account_file) and DIR/fcm_ca.pem (fcm.ca_file), then prints one line
//   fake-fcm ready port=<p> origin=<url> service_account=<f> ca_file=<f>
// and answers every push with 200 after the latency, until SIGTERM/SIGINT. With --inbox, the
// body of every push answered 200 is appended to DIR2/<device token>.jsonl (the demo reads it).
#include <fstream>
#include <iostream>
#include <optional>

#include "ntf/common/signal_waiter.h"
#include "ntf/testing/fake_fcm.h"
#include "ntf/testing/fake_server_flags.h"

int main(int argc, char** argv) {
  std::optional<ntf::testing::FakeServerFlags> flags =
      ntf::testing::FakeServerFlagsOrUsage("ntf-fake-fcm", argc, argv, {}, std::cerr);
  if (!flags) return 2;
  ntf::testing::FakeFcmOptions options;
  if (!flags->host.empty()) options.host = flags->host;
  options.port = flags->port;
  const std::string& dir = flags->dir;
  absl::StatusOr<ntf::testing::FakeFcmCredentials> creds = ntf::testing::MakeFakeFcmCredentials();
  if (!creds.ok()) {
    std::cerr << "ntf-fake-fcm: " << creds.status() << "\n";
    return 1;
  }
  options.credentials = *creds;
  auto signals = ntf::common::SignalWaiter::Install();
  absl::StatusOr<std::unique_ptr<ntf::testing::FakeFcm>> fake =
      ntf::testing::FakeFcm::Start(options);
  if (!signals.ok() || !fake.ok()) {
    std::cerr << "ntf-fake-fcm: " << (fake.ok() ? signals.status() : fake.status()) << "\n";
    return 1;
  }
  ntf::testing::FakeAnswer answer;
  answer.delay = flags->latency;
  (*fake)->SetDefaultAnswer(answer);
  (*fake)->SetInbox(flags->inbox);
  const std::string account_file = dir + "/fcm_service_account.json";
  const std::string ca_file = dir + "/fcm_ca.pem";
  std::ofstream(account_file) << creds->ServiceAccountJson((*fake)->token_uri());
  std::ofstream(ca_file) << (*fake)->ca_pem();
  std::cout << "fake-fcm ready port=" << (*fake)->port() << " origin=" << (*fake)->origin()
            << " service_account=" << account_file << " ca_file=" << ca_file << std::endl;
  (*signals)->Wait();
  std::cout << "fake-fcm requests=" << (*fake)->RequestCount() << std::endl;
  return 0;
}
