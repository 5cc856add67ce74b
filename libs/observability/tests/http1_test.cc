#include "ntf/observability/http1.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ntf::observability {
namespace {

using ::testing::HasSubstr;

TEST(Http1Test, FindHeadEnd) {
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\n"), std::string_view::npos);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\n\r\nNEXT"), 18u);
  EXPECT_EQ(FindHeadEnd(""), std::string_view::npos);
}

TEST(Http1Test, ParsesAGet) {
  auto head = ParseHttpRequestHead(
      "GET /readyz?verbose=1 HTTP/1.1\r\nHost: localhost:9090\r\nUser-Agent: kube-probe/1.29\r\n"
      "Accept: */*\r\n\r\n");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->method, "GET");
  EXPECT_EQ(head->target, "/readyz?verbose=1");
  EXPECT_EQ(head->path(), "/readyz");
  EXPECT_EQ(head->minor_version, 1);
  EXPECT_TRUE(head->keep_alive);
  EXPECT_EQ(head->content_length, 0u);
}

TEST(Http1Test, KeepAliveRules) {
  EXPECT_TRUE(ParseHttpRequestHead("GET / HTTP/1.1\r\n\r\n")->keep_alive);
  EXPECT_FALSE(ParseHttpRequestHead("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")->keep_alive);
  EXPECT_FALSE(
      ParseHttpRequestHead("GET / HTTP/1.1\r\nconnection:  Upgrade, CLOSE \r\n\r\n")->keep_alive);
  EXPECT_FALSE(ParseHttpRequestHead("GET / HTTP/1.0\r\n\r\n")->keep_alive);
  EXPECT_TRUE(ParseHttpRequestHead("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")->keep_alive);
}

TEST(Http1Test, ContentLength) {
  EXPECT_EQ(ParseHttpRequestHead("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n")->content_length,
            12u);
  EXPECT_EQ(
      ParseHttpRequestHead("POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n")
          ->content_length,
      3u);
}

TEST(Http1Test, RejectsMalformedHeads) {
  const std::string kBad[] = {
      "",
      "\r\n\r\n",
      "GET / HTTP/1.1\r\n",                            // No blank line.
      "GET / HTTP/1.1\n\n",                            // Bare LFs.
      "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",       // Bare LF inside.
      "GET /\r\n\r\n",                                 // HTTP/0.9.
      "GET / HTTP/2.0\r\n\r\n",                        // Unsupported version.
      "GET http://example.com/ HTTP/1.1\r\n\r\n",      // Absolute form.
      "GET  / HTTP/1.1\r\n\r\n",                       // Empty target.
      "G(T / HTTP/1.1\r\n\r\n",                        // Bad method token.
      "GET /a b HTTP/1.1\r\n\r\n",                     // Space in target.
      "GET /\x01 HTTP/1.1\r\n\r\n",                    // Control byte in target.
      "GET / HTTP/1.1\r\n folded\r\n\r\n",             // Obsolete folding.
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",             // Header without ':'.
      "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",         // Space in name.
      "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",           // Control byte in value.
      "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",  // Negative length.
      "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",  // Junk length.
      "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
      std::string("GET / HTTP/1.1\r\nX: \0\r\n\r\n", 24),
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  // A TLS ClientHello-ish prefix.
  };
  for (const std::string& bad : kBad) {
    auto head = ParseHttpRequestHead(bad);
    EXPECT_EQ(head.status().code(), absl::StatusCode::kInvalidArgument) << "accepted: " << bad;
  }
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-H: v\r\n";
  many += "\r\n";
  EXPECT_THAT(ParseHttpRequestHead(many).status().message(), HasSubstr("too many headers"));
}

TEST(Http1Test, SerializesResponses) {
  EXPECT_EQ(SerializeHttpResponse(200, "text/plain", "ok\n", true),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Cache-Control: no-store\r\nConnection: keep-alive\r\n\r\nok\n");
  EXPECT_EQ(SerializeHttpResponse(405, "text/plain", "no\n", false, /*head_only=*/true,
                                  "Allow: GET, HEAD\r\n"),
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\nAllow: GET, HEAD\r\n\r\n");
  EXPECT_EQ(HttpReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(HttpReasonPhrase(299), "Unknown");
}

}  // namespace
}  // namespace ntf::observability
