#include "ntf/common/signal_waiter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ntf::common {
namespace {

// The handler's only state: the pipe it writes to. -1 when no waiter is installed.
std::atomic<int> g_write_fd{-1};
struct sigaction g_old_term;
struct sigaction g_old_int;

void WriteSignal(int fd, int signo) {
  const unsigned char byte = static_cast<unsigned char>(signo);
  // Non-blocking: if the pipe is full, enough wake-ups are pending already.
  while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
  }
}

void OnSignal(int signo) {
  const int saved_errno = errno;
  const int fd = g_write_fd.load();
  if (fd >= 0) WriteSignal(fd, signo);
  errno = saved_errno;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SignalWaiter>> SignalWaiter::Install() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", strerror(errno)));
  }
  int expected = -1;
  if (!g_write_fd.compare_exchange_strong(expected, fds[1])) {
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::FailedPreconditionError("a SignalWaiter is already installed");
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = &OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (::sigaction(SIGTERM, &sa, &g_old_term) != 0 || ::sigaction(SIGINT, &sa, &g_old_int) != 0) {
    const int err = errno;
    ::sigaction(SIGTERM, &g_old_term, nullptr);
    g_write_fd.store(-1);
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat("sigaction: ", strerror(err)));
  }
  return std::unique_ptr<SignalWaiter>(new SignalWaiter(fds[0], fds[1]));
}

SignalWaiter::SignalWaiter(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}

SignalWaiter::~SignalWaiter() {
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  ::sigaction(SIGINT, &g_old_int, nullptr);
  g_write_fd.store(-1);
  ::close(read_fd_);
  ::close(write_fd_);
}

int SignalWaiter::Wait() {
  std::optional<int> signo;
  while (!(signo = WaitFor(absl::InfiniteDuration()))) {
  }
  return *signo;
}

std::optional<int> SignalWaiter::WaitFor(absl::Duration timeout) {
  const absl::Time deadline =
      timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + timeout;
  for (;;) {
    unsigned char byte = 0;
    const ssize_t n = ::read(read_fd_, &byte, 1);
    if (n == 1) return static_cast<int>(byte);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return std::nullopt;
    int wait_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return std::nullopt;
      const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
      wait_ms = static_cast<int>(std::min<int64_t>(ms, 1 << 30));
    }
    pollfd pfd{.fd = read_fd_, .events = POLLIN, .revents = 0};
    ::poll(&pfd, 1, wait_ms);
  }
}

void SignalWaiter::Notify(int signo) { WriteSignal(write_fd_, signo); }

}  // namespace ntf::common
