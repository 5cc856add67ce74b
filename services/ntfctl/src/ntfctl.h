#pragma once

// The operator CLI's commands as functions (main.cc only parses arguments):
//   init     CA + online certificate, server secret key and a config file; prints the address
//   migrate  applies the schema migrations to PostgreSQL (idempotent)
// Blocking (files, database).

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ntf::ntfctl {

struct InitOptions {
  std::string dir = "/etc/simplex-ntf";  // where every file goes
  std::string host = "localhost";        // server host name, in the address and the certificate
  int port = 443;                        // NTF port, in the address and the config
  std::string algorithm = "ed25519";     // ed25519 | ed448 (certificate keys)
  std::string database_url = "postgresql://ntf@127.0.0.1/ntf";
  std::string redis_url = "redis://127.0.0.1:6379/0";
  bool force = false;  // overwrite existing files
};

struct InitResult {
  std::string address;      // ntf://<fingerprint>@host[:port]
  std::string config_path;  // <dir>/intake.yaml
  std::vector<std::string> files;
};

// Writes ca.crt, ca.key (move it offline), server.crt, server.key, server_secret.key,
// fingerprint and intake.yaml under options.dir. AlreadyExists if a file exists and !force.
absl::StatusOr<InitResult> Init(const InitOptions& options);

// Applies every migration to `database_url`; returns the versions applied now (empty when the
// schema was up to date).
absl::StatusOr<std::vector<std::string>> Migrate(const std::string& database_url);

// Runs the CLI with argv (without the program name); output to `out`, errors to `err`.
// Returns the process exit code.
int Main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ntf::ntfctl
