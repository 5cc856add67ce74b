#include "ntf/http2/message.h"

#include "gtest/gtest.h"

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
