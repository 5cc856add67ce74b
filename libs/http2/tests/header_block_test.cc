// The header block the client hands nghttp2: order, lowercase names, content-length, and HPACK
// never-indexing of the configured headers.
#include "header_block.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ntf::http2::internal {
namespace {

struct Field {
  std::string name, value;
  bool never_indexed;
  bool operator==(const Field&) const = default;
};

std::vector<Field> Fields(const HeaderBlock& block) {
  std::vector<Field> out;
  for (const nghttp2_nv& nv : block.nv) {
    out.push_back({std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                   std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen),
                   (nv.flags & NGHTTP2_NV_FLAG_NO_INDEX) != 0});
  }
  return out;
}

Request ApnsLikeRequest() {
  Request r;
  r.method = "POST";
  r.path = "/3/device/abcd";
  r.headers = {{"authorization", "bearer token"},
               {"apns-id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
               {"Apns-Topic", "chat.simplex.app"}};
  r.body = std::string(4017, 'x');
  return r;
}

TEST(HeaderBlockTest, PseudoHeadersFirstLowercaseNamesAndContentLength) {
  const Request request = ApnsLikeRequest();  // the block points into it
  HeaderBlock block;
  BuildHeaderBlock(request, "api.push.apple.com", {}, block);
  EXPECT_EQ(Fields(block),
            (std::vector<Field>{{":method", "POST", false},
                                {":scheme", "https", false},
                                {":authority", "api.push.apple.com", false},
                                {":path", "/3/device/abcd", false},
                                {"authorization", "bearer token", false},
                                {"apns-id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", false},
                                {"apns-topic", "chat.simplex.app", false},
                                {"content-length", "4017", false}}));
}

TEST(HeaderBlockTest, ConfiguredHeadersAreNeverIndexed) {
  const Request request = ApnsLikeRequest();
  HeaderBlock block;
  const std::vector<std::string> never = {"apns-id"};
  BuildHeaderBlock(request, "api.push.apple.com", never, block);
  for (const Field& f : Fields(block)) {
    EXPECT_EQ(f.never_indexed, f.name == "apns-id") << f.name;
  }
}

TEST(HeaderBlockTest, ResponseBlockHasStatusLowercaseNamesAndNeverIndexedFields) {
  Response r;
  r.status = 410;
  r.headers = {{"Apns-Id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
               {"content-type", "application/json"}};
  r.body = R"({"reason":"Unregistered"})";
  HeaderBlock block;
  const std::vector<std::string> never = {"apns-id"};
  BuildResponseHeaderBlock(r, never, block);
  EXPECT_EQ(Fields(block),
            (std::vector<Field>{{":status", "410", false},
                                {"apns-id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", true},
                                {"content-type", "application/json", false},
                                {"content-length", "25", false}}));
  r.body.clear();
  r.status = 200;
  BuildResponseHeaderBlock(r, {}, block);  // reused: starts over; no body, no length
  EXPECT_EQ(Fields(block),
            (std::vector<Field>{{":status", "200", false},
                                {"apns-id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", false},
                                {"content-type", "application/json", false}}));
}

TEST(HeaderBlockTest, GivenContentLengthIsKeptAndAnEmptyBodyGetsNone) {
  Request r = ApnsLikeRequest();
  r.headers.emplace_back("Content-Length", "4017");
  HeaderBlock block;
  BuildHeaderBlock(r, "a", {}, block);
  int lengths = 0;
  for (const Field& f : Fields(block)) lengths += f.name == "content-length";
  EXPECT_EQ(lengths, 1);

  r = ApnsLikeRequest();
  r.body.clear();
  BuildHeaderBlock(r, "a", {}, block);  // reused: starts over
  EXPECT_EQ(Fields(block).size(), 7u);
  for (const Field& f : Fields(block)) EXPECT_NE(f.name, "content-length");
}

// Many uppercase names: the lowered copies must stay where the block points.
TEST(HeaderBlockTest, LoweredNamesStayValid) {
  Request r;
  r.method = "GET";
  r.path = "/";
  for (int i = 0; i < 40; ++i) r.headers.emplace_back("X-Header-" + std::to_string(i), "v");
  HeaderBlock block;
  BuildHeaderBlock(r, "a", {}, block);
  const std::vector<Field> fields = Fields(block);
  ASSERT_EQ(fields.size(), 44u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(fields[4 + i].name, "x-header-" + std::to_string(i));
}

}  // namespace
}  // namespace ntf::http2::internal
