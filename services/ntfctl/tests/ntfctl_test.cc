#include "services/ntfctl/src/ntfctl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "ntf/store/seal_key_file.h"
#include "ntf/tls/certificates.h"
#include "ntf/wire/address.h"
#include "services/intake/src/intake_config.h"

namespace ntf::ntfctl {
namespace {

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "ntfctl.XXXXXX";
  return std::string(::mkdtemp(tmpl.data()));
}

TEST(NtfctlInit, WritesAWorkingServerIdentityAndConfig) {
  const std::string dir = TempDir();
  absl::StatusOr<InitResult> r = Init({.dir = dir, .host = "ntf.example.com", .port = 8443});
  ASSERT_TRUE(r.ok()) << r.status();

  // The address pins the CA fingerprint.
  absl::StatusOr<wire::ServerAddress> address = wire::ParseServerAddress(r->address);
  ASSERT_TRUE(address.ok()) << r->address;
  EXPECT_EQ(address->scheme, wire::ServerScheme::kNtf);
  EXPECT_EQ(address->server.hosts, std::vector<std::string>{"ntf.example.com"});
  EXPECT_EQ(address->server.port, "8443");
  auto ca_pem = tls::ReadPemFile(dir + "/ca.crt");
  ASSERT_TRUE(ca_pem.ok());
  auto fp = tls::FingerprintOfPem(*ca_pem);
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(address->server.key_hash, wire::Bytes(fp->begin(), fp->end()));

  // The services can load everything the config points at.
  auto config = intake::LoadIntakeConfig(r->config_path, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_port, 8443);
  auto creds = tls::ServerCredentials::FromFiles(config->tls_server_cert, config->tls_ca_cert,
                                                 config->tls_server_key);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->fingerprint(), *fp);
  EXPECT_TRUE(store::ReadSealKeyFile(config->secret_key_file).ok());

  // Private keys are not world-readable.
  for (const char* secret : {"/ca.key", "/server.key", "/server_secret.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir + secret).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600) << secret;
  }
  std::filesystem::remove_all(dir);
}

TEST(NtfctlInit, RefusesToOverwriteWithoutForce) {
  const std::string dir = TempDir();
  ASSERT_TRUE(Init({.dir = dir}).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(Init({.dir = dir}).status()));
  auto again = Init({.dir = dir, .algorithm = "ed448", .force = true});
  ASSERT_TRUE(again.ok()) << again.status();
  auto creds =
      tls::ServerCredentials::FromFiles(dir + "/server.crt", dir + "/ca.crt", dir + "/server.key");
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->algorithm(), tls::KeyAlgorithm::kEd448);
  std::filesystem::remove_all(dir);
}

TEST(NtfctlInit, DefaultPortIsOmittedFromTheAddress) {
  const std::string dir = TempDir();
  auto r = Init({.dir = dir, .host = "10.0.0.1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->address.rfind("ntf://", 0), 0u);
  EXPECT_EQ(r->address.substr(r->address.size() - 9), "@10.0.0.1");
  std::filesystem::remove_all(dir);
}

TEST(NtfctlMain, BadArgumentsAreUsageErrors) {
  std::ostringstream out, err;
  EXPECT_EQ(Main({}, out, err), 2);
  EXPECT_EQ(Main({"init", "--bogus"}, out, err), 2);
  EXPECT_NE(err.str().find("unknown argument --bogus"), std::string::npos);
  EXPECT_EQ(Main({"init", "--algorithm", "rsa", "--dir", TempDir()}, out, err), 1);
  EXPECT_EQ(Main({"migrate"}, out, err), 2);
  EXPECT_EQ(Main({"frobnicate"}, out, err), 2);
}

}  // namespace
}  // namespace ntf::ntfctl
