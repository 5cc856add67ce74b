#include "services/ntfctl/src/ntfctl.h"

#include <sys/stat.h>

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ntf/pg/migrations.h"
#include "ntf/store/pg_store.h"
#include "ntf/store/seal_key_file.h"
#include "ntf/tls/certificates.h"
#include "ntf/wire/address.h"
#include "services/intake/src/intake_config.h"

namespace ntf::ntfctl {
namespace {

std::string Join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

constexpr char kUsage[] =
    "usage:\n"
    "  ntfctl init [--dir DIR] [--host HOST] [--port PORT] [--algorithm ed25519|ed448]\n"
    "              [--database-url URL] [--redis-url URL] [--force]\n"
    "  ntfctl migrate --database-url URL\n";

// --key value pairs and --flag booleans; unknown flags are errors.
absl::StatusOr<std::map<std::string, std::string>> ParseFlags(
    const std::vector<std::string>& args, size_t from, const std::vector<std::string>& valued,
    const std::vector<std::string>& booleans) {
  std::map<std::string, std::string> flags;
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (std::find(booleans.begin(), booleans.end(), a) != booleans.end()) {
      flags[a] = "true";
    } else if (std::find(valued.begin(), valued.end(), a) != valued.end()) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(a, " needs a value"));
      flags[a] = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument ", a));
    }
  }
  return flags;
}

}  // namespace

absl::StatusOr<InitResult> Init(const InitOptions& options) {
  tls::KeyAlgorithm alg;
  if (options.algorithm == "ed25519") {
    alg = tls::KeyAlgorithm::kEd25519;
  } else if (options.algorithm == "ed448") {
    alg = tls::KeyAlgorithm::kEd448;
  } else {
    return absl::InvalidArgumentError("--algorithm must be ed25519 or ed448");
  }
  if (options.port < 1 || options.port > 65535) {
    return absl::InvalidArgumentError("--port must be 1..65535");
  }
  absl::StatusOr<wire::HostKind> host_kind = wire::ClassifyHost(options.host);
  if (!host_kind.ok())
    return absl::InvalidArgumentError(absl::StrCat("--host: ", host_kind.status().message()));
  if (::mkdir(options.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", options.dir));
  }

  absl::StatusOr<tls::CertificateAndKey> ca = tls::GenerateCa({.algorithm = alg});
  if (!ca.ok()) return ca.status();
  absl::StatusOr<tls::CertificateAndKey> server =
      tls::GenerateServerCertificate(*ca, {.algorithm = alg, .common_name = options.host});
  if (!server.ok()) return server.status();
  absl::StatusOr<tls::Fingerprint> fp = tls::FingerprintOfPem(ca->certificate_pem);
  if (!fp.ok()) return fp.status();

  InitResult result;
  wire::ServerAddress address{
      .scheme = wire::ServerScheme::kNtf,
      .server = {.hosts = {options.host},
                 .port = options.port == wire::kDefaultNtfPort ? "" : std::to_string(options.port),
                 .key_hash = wire::Bytes(fp->begin(), fp->end())}};
  result.address = wire::FormatServerAddress(address);

  intake::IntakeConfig config;
  config.listen_port = options.port;
  config.tls_server_cert = Join(options.dir, "server.crt");
  config.tls_ca_cert = Join(options.dir, "ca.crt");
  config.tls_server_key = Join(options.dir, "server.key");
  config.secret_key_file = Join(options.dir, "server_secret.key");
  config.database.url = options.database_url;
  config.redis_url = options.redis_url;
  if (absl::Status s = intake::IntakeConfigSchema().Validate(config); !s.ok()) return s;
  result.config_path = Join(options.dir, "intake.yaml");

  struct File {
    std::string name;
    std::string contents;
    bool secret;
  };
  const std::vector<File> files = {
      {"ca.crt", ca->certificate_pem, false},
      {"ca.key", ca->private_key_pem, true},
      {"server.crt", server->certificate_pem, false},
      {"server.key", server->private_key_pem, true},
      {"fingerprint", tls::FormatFingerprint(*fp) + "\n", false},
      {"intake.yaml", intake::IntakeConfigSchema().Render(config), false},
  };
  for (const File& f : files) {
    if (absl::Status s =
            tls::WritePemFile(Join(options.dir, f.name), f.contents, f.secret, options.force);
        !s.ok()) {
      return s;
    }
    result.files.push_back(Join(options.dir, f.name));
  }
  if (absl::Status s = store::WriteSealKeyFile(config.secret_key_file, crypto::SealKey::Generate(),
                                               options.force);
      !s.ok()) {
    return s;
  }
  result.files.push_back(config.secret_key_file);
  return result;
}

absl::StatusOr<std::vector<std::string>> Migrate(const std::string& database_url) {
  std::vector<std::string> applied;
  absl::Status s = pg::ApplyMigrations(database_url, store::Migrations(), &applied);
  if (!s.ok()) return s;
  return applied;
}

int Main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  if (args[0] == "init") {
    auto flags = ParseFlags(
        args, 1, {"--dir", "--host", "--port", "--algorithm", "--database-url", "--redis-url"},
        {"--force"});
    if (!flags.ok()) {
      err << "ntfctl init: " << flags.status().message() << "\n" << kUsage;
      return 2;
    }
    InitOptions o;
    auto get = [&](const char* k, std::string& v) {
      if (flags->contains(k)) v = flags->at(k);
    };
    get("--dir", o.dir);
    get("--host", o.host);
    get("--algorithm", o.algorithm);
    get("--database-url", o.database_url);
    get("--redis-url", o.redis_url);
    if (flags->contains("--port") && !absl::SimpleAtoi(flags->at("--port"), &o.port)) {
      err << "ntfctl init: --port must be a number\n";
      return 2;
    }
    o.force = flags->contains("--force");
    absl::StatusOr<InitResult> r = Init(o);
    if (!r.ok()) {
      err << "ntfctl init: " << r.status().message() << "\n";
      return 1;
    }
    for (const std::string& f : r->files) out << "wrote " << f << "\n";
    out << "Move " << o.dir << "/ca.key offline: it is only needed to issue a new online "
        << "certificate.\n";
    out << "Server address: " << r->address << "\n";
    return 0;
  }
  if (args[0] == "migrate") {
    auto flags = ParseFlags(args, 1, {"--database-url"}, {});
    if (!flags.ok() || !flags->contains("--database-url")) {
      err << "ntfctl migrate: --database-url is required\n" << kUsage;
      return 2;
    }
    absl::StatusOr<std::vector<std::string>> applied = Migrate(flags->at("--database-url"));
    if (!applied.ok()) {
      err << "ntfctl migrate: " << applied.status().message() << "\n";
      return 1;
    }
    if (applied->empty()) out << "schema is up to date\n";
    for (const std::string& v : *applied) out << "applied " << v << "\n";
    return 0;
  }
  err << "ntfctl: unknown command " << args[0] << "\n" << kUsage;
  return 2;
}

}  // namespace ntf::ntfctl
