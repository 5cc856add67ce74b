// The fake APNs answers like APNs where the pusher and the benchmark can tell: every answer
// carries an apns-id, the request's or a new UUID.
#include "ntf/testing/fake_apns.h"

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <utility>

#include "ntf/http2/client.h"

namespace ntf::testing {
namespace {

const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

TEST(FakeApnsTest, AnswerApnsIdEchoesTheRequestsOrMakesAUuid) {
  EXPECT_EQ(fake_internal::AnswerApnsId("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  const std::string a = fake_internal::AnswerApnsId("");
  const std::string b = fake_internal::AnswerApnsId("");
  EXPECT_TRUE(std::regex_match(a, kUuidV4)) << a;
  EXPECT_TRUE(std::regex_match(b, kUuidV4)) << b;
  EXPECT_NE(a, b);
}

TEST(FakeApnsTest, EveryAnswerCarriesAnApnsId) {
  absl::StatusOr<FakeApnsCredentials> credentials = MakeFakeApnsCredentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  absl::StatusOr<std::unique_ptr<FakeApns>> fake =
      FakeApns::Start({.credentials = *std::move(credentials)});
  ASSERT_TRUE(fake.ok()) << fake.status();
  http2::ClientOptions options;
  options.origin = (*fake)->origin();
  options.ca_pem = (*fake)->ca_pem();
  absl::StatusOr<std::unique_ptr<http2::Http2Client>> client =
      http2::Http2Client::Create(std::move(options));
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Start().ok());

  // No provider token: 403, with a UUID of the fake's making.
  http2::Request request;
  request.method = "POST";
  request.path = "/3/device/abcd";
  request.body = "{}";
  absl::StatusOr<http2::Response> response = (*client)->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 403);
  const std::string id(http2::FindHeader(response->headers, "apns-id").value_or(""));
  EXPECT_TRUE(std::regex_match(id, kUuidV4)) << id;

  // A bad path (404) echoes the request's apns-id.
  request.path = "/4/device/abcd";
  request.headers = {{"apns-id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}};
  response = (*client)->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(http2::FindHeader(response->headers, "apns-id").value_or(""),
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
}

}  // namespace
}  // namespace ntf::testing
