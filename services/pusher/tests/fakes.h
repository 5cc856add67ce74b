#pragma once

// Fakes of the pusher core's ports for unit tests.

#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/pusher/src/fcm_auth.h"
#include "services/pusher/src/retry_policy.h"

namespace ntf::pusher::testing {

// Records every POST and answers from a queue of scripted results (an error status stands for
// "no response"). With the queue empty it answers 500.
class FakeTokenFetcher final : public TokenFetcher {
 public:
  struct Call {
    std::string url;
    std::string body;
  };

  // ntf::pusher::TokenFetcher
  absl::StatusOr<HttpResponse> PostForm(std::string_view url, std::string_view form_body) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({std::string(url), std::string(form_body)});
    if (results_.empty()) return HttpResponse{.status = 500};
    absl::StatusOr<HttpResponse> next = std::move(results_.front());
    results_.pop_front();
    return next;
  }

  void Push(absl::StatusOr<HttpResponse> result) {
    absl::MutexLock lock(&mu_);
    results_.push_back(std::move(result));
  }
  // Queues a 200 answer with this token and lifetime.
  void PushToken(std::string token, int expires_in = 3599) {
    Push(HttpResponse{.status = 200,
                      .body = absl::StrCat(R"({"access_token":")", token, R"(","expires_in":)",
                                           expires_in, R"(,"token_type":"Bearer"})")});
  }
  std::vector<Call> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<absl::StatusOr<HttpResponse>> results_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

// Returns scripted values in turn, then repeats the last one.
class FakeRandomSource final : public RandomSource {
 public:
  explicit FakeRandomSource(std::vector<double> values) : values_(std::move(values)) {}

  // ntf::pusher::RandomSource
  double Uniform01() override {
    absl::MutexLock lock(&mu_);
    const double v = values_.empty() ? 0.0 : values_[std::min(next_, values_.size() - 1)];
    ++next_;
    return v;
  }

 private:
  absl::Mutex mu_;
  std::vector<double> values_ ABSL_GUARDED_BY(mu_);
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ntf::pusher::testing
