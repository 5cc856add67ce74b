// ntf-demo: registers a device with a notification server the way a SimpleX app does (see
// demo.h), reading the verification push from a fake provider's inbox.
//
//   ntf-demo --server ntf://<key hash>@127.0.0.1:5443 --inbox .run/fake/inbox
//            [--provider apns|fcm] [--timeout 30s] [--keep]
//
// `make run` prints the exact command. Exit status 0 when every step succeeded.
#include <iostream>
#include <string>

#include "absl/time/time.h"
#include "demo.h"

int main(int argc, char** argv) {
  ntf::client::demo::DemoOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--keep") {
      options.keep = true;
    } else if (flag == "--server" && has_value) {
      options.server = argv[++i];
    } else if (flag == "--inbox" && has_value) {
      options.inbox = argv[++i];
    } else if (flag == "--provider" && has_value) {
      const std::string provider = argv[++i];
      if (provider != "apns" && provider != "fcm") {
        std::cerr << "ntf-demo: --provider must be apns or fcm\n";
        return 2;
      }
      options.provider =
          provider == "fcm" ? ntf::wire::PushProvider::kFcm : ntf::wire::PushProvider::kApnsProd;
    } else if (flag == "--timeout" && has_value) {
      if (!absl::ParseDuration(argv[++i], &options.timeout)) {
        std::cerr << "ntf-demo: bad --timeout (e.g. 30s)\n";
        return 2;
      }
    } else {
      std::cerr << "usage: ntf-demo --server ntf://... --inbox DIR [--provider apns|fcm]"
                   " [--timeout 30s] [--keep]\n";
      return 2;
    }
  }
  if (options.server.empty() || options.inbox.empty()) {
    std::cerr << "ntf-demo: --server and --inbox are required\n";
    return 2;
  }
  absl::Status done = ntf::client::demo::RunDemo(options, std::cout);
  if (!done.ok()) {
    std::cerr << "ntf-demo: " << done << "\n";
    return 1;
  }
  std::cout << "demo complete\n";
  return 0;
}
