#include "ntf/http2/message.h"

#include <cctype>
#include <string>

#include "gtest/gtest.h"
#include "ntf/common/http_token.h"

namespace ntf::http2 {
namespace {

TEST(MessageTest, FindHeaderIsCaseInsensitiveAndReturnsFirst) {
  const Headers headers = {{"apns-id", "a"}, {"Content-Type", "json"}, {"apns-id", "b"}};
  EXPECT_EQ(FindHeader(headers, "APNS-ID"), "a");
  EXPECT_EQ(FindHeader(headers, "content-type"), "json");
  EXPECT_FALSE(FindHeader(headers, "retry-after").has_value());
}

TEST(MessageTest, ValidateRequestAcceptsTypicalProviderRequests) {
  Request apns{.method = "POST",
               .path = "/3/device/0123abcd",
               .headers = {{"authorization", "bearer x.y.z"},
                           {"apns-topic", "chat.simplex.app"},
                           {"Apns-Push-Type", "alert"},
                           {"te", "trailers"}},
               .body = "{}"};
  EXPECT_TRUE(ValidateRequest(apns).ok());
  EXPECT_TRUE(ValidateRequest(Request{}).ok());
}

TEST(MessageTest, ValidateRequestRejectsWhatHttp2Forbids) {
  auto with_header = [](std::string name, std::string value) {
    return Request{.headers = {{std::move(name), std::move(value)}}};
  };
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(Request{.method = ""})));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(Request{.method = "GE T"})));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(Request{.path = "3/device"})));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(Request{.path = "/a b"})));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(with_header(":authority", "x"))));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(with_header("Connection", "close"))));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(with_header("transfer-encoding", "x"))));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(with_header("te", "gzip"))));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(with_header("bad name", "x"))));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(with_header("x", "a\r\nb"))));
}

// ValidateRequest's verdict, one character at a time, as RFC 9113 words it.
bool ReferenceAccepts(const Request& r) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (!common::IsHttpToken(r.method) || r.path.empty() || r.path[0] != '/') return false;
  for (char c : r.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  for (const auto& [name, value] : r.headers) {
    const std::string n = lower(name);
    if (!common::IsHttpToken(name) || n == "connection" || n == "keep-alive" ||
        n == "proxy-connection" || n == "transfer-encoding" || n == "upgrade" ||
        (n == "te" && value != "trailers")) {
      return false;
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') return false;
    }
  }
  return true;
}

// Every byte value at every position of a path and a header value that span two 8-byte words
// and a tail (the checks go a word at a time), against the reference.
TEST(MessageTest, ValidateRequestMatchesTheReferenceForEveryByte) {
  for (int c = 0; c < 256; ++c) {
    for (size_t pos = 0; pos < 19; ++pos) {
      Request path{.method = "POST", .path = "/3/device/0123abcdef"};  // 20 characters
      path.path[1 + pos] = static_cast<char>(c);
      EXPECT_EQ(ValidateRequest(path).ok(), ReferenceAccepts(path))
          << "path byte " << c << " at " << pos;
      Request value{.headers = {{"authorization", "bearer abc.def.ghi"}}};  // value: 18
      value.headers[0].second[pos % 18] = static_cast<char>(c);
      EXPECT_EQ(ValidateRequest(value).ok(), ReferenceAccepts(value))
          << "value byte " << c << " at " << pos;
      Request name{.headers = {{"apns-push-type", "alert"}}};
      name.headers[0].first[pos % 14] = static_cast<char>(c);
      EXPECT_EQ(ValidateRequest(name).ok(), ReferenceAccepts(name))
          << "name byte " << c << " at " << pos;
    }
  }
}

TEST(MessageTest, ValidateRequestRefusesConnectionHeadersInAnyCase) {
  for (const char* name :
       {"Connection", "KEEP-ALIVE", "Proxy-Connection", "Transfer-Encoding", "upGrade", "TE"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequest(Request{.headers = {{name, "x"}}})))
        << name;
  }
  EXPECT_TRUE(ValidateRequest(Request{.headers = {{"Te", "trailers"}}}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.headers = {{"connections", "x"}, {"tea", "x"}}}).ok());
  EXPECT_TRUE(ValidateRequest(Request{.headers = {{"x", "tab\there"}}}).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      ValidateRequest(Request{.headers = {{"x", std::string("long value with a NUL \0", 23)}}})));
}

TEST(MessageTest, ErrorCodeNames) {
  EXPECT_EQ(ErrorCodeName(0), "NO_ERROR");
  EXPECT_EQ(ErrorCodeName(static_cast<uint32_t>(ErrorCode::kRefusedStream)), "REFUSED_STREAM");
  EXPECT_EQ(ErrorCodeName(0xd), "HTTP_1_1_REQUIRED");
  EXPECT_EQ(ErrorCodeName(0x42), "UNKNOWN(0x42)");
}

TEST(MessageTest, StreamResetStatusMapping) {
  auto code = [](ErrorCode c) { return StreamResetStatus(static_cast<uint32_t>(c)).code(); };
  EXPECT_EQ(code(ErrorCode::kRefusedStream), absl::StatusCode::kUnavailable);
  EXPECT_EQ(code(ErrorCode::kNoError), absl::StatusCode::kUnavailable);
  EXPECT_EQ(code(ErrorCode::kCancel), absl::StatusCode::kUnavailable);
  EXPECT_EQ(code(ErrorCode::kInternalError), absl::StatusCode::kUnavailable);
  EXPECT_EQ(code(ErrorCode::kEnhanceYourCalm), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(code(ErrorCode::kHttp11Required), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(ErrorCode::kProtocolError), absl::StatusCode::kInternal);
  EXPECT_EQ(StreamResetStatus(0x99).code(), absl::StatusCode::kInternal);
  EXPECT_NE(StreamResetStatus(7).message().find("REFUSED_STREAM"), std::string::npos);
}

}  // namespace
}  // namespace ntf::http2
