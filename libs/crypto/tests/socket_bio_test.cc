// The failure text of an SSL call on a socket BIO (SocketSslErrorText), shared by libs/tls and
// libs/http2.
#include "ntf/crypto/socket_bio.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace ntf::crypto {
namespace {

TEST(SocketSslErrorTextTest, ThePeerEndingTheConnectionReadsTheSameWhicheverWay) {
  EXPECT_EQ(SocketSslErrorText(SSL_ERROR_ZERO_RETURN, {}), "connection closed by peer");
  EXPECT_EQ(SocketSslErrorText(SSL_ERROR_SSL, {.eof = true}), "connection closed by peer");
  EXPECT_EQ(SocketSslErrorText(SSL_ERROR_SYSCALL, {}), "connection closed by peer");
  EXPECT_EQ(SocketSslErrorText(SSL_ERROR_SYSCALL, {.last_errno = ECONNRESET}),
            "connection closed by peer");
}

TEST(SocketSslErrorTextTest, OtherFailuresSayWhat) {
  EXPECT_EQ(SocketSslErrorText(SSL_ERROR_SYSCALL, {.last_errno = EBADF}), "Bad file descriptor");
  EXPECT_EQ(SocketSslErrorText(SSL_ERROR_SSL, {}), "SSL error 1");
  // OpenSSL's queued reasons come first (this test loads no libssl strings: only the code), and
  // the queue is left empty.
  ERR_put_error(ERR_LIB_SSL, 0, SSL_R_WRONG_VERSION_NUMBER, __FILE__, __LINE__);
  const std::string text = SocketSslErrorText(SSL_ERROR_SSL, {});
  EXPECT_NE(text, "SSL error 1");
  EXPECT_NE(text.find("0A00010B"), std::string::npos) << text;
  EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
}  // namespace ntf::crypto
