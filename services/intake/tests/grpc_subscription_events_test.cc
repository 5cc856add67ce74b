// GrpcSubscriptionEvents against a real gRPC SubscriberControl server on loopback: each change
// arrives as one call with every field; a subscriber that is down costs a failed call, nothing
// else.
#include "services/intake/src/grpc_subscription_events.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "ntf/subscriber/v1/subscriber.grpc.pb.h"

namespace ntf::intake {
namespace {

namespace pb = ::ntf::subscriber::v1;

class RecordingSubscriber final : public pb::SubscriberControl::CallbackService {
 public:
  grpc::ServerUnaryReactor* Subscribe(grpc::CallbackServerContext* ctx,
                                      const pb::SubscribeRequest* request,
                                      pb::SubscribeResponse* response) override {
    {
      std::lock_guard lock(mu_);
      subscribed_.push_back(*request);
    }
    cv_.notify_all();
    response->set_accepted(request->subscriptions_size());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* Unsubscribe(grpc::CallbackServerContext* ctx,
                                        const pb::UnsubscribeRequest* request,
                                        pb::UnsubscribeResponse*) override {
    {
      std::lock_guard lock(mu_);
      unsubscribed_.push_back(*request);
    }
    cv_.notify_all();
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  bool WaitFor(size_t subscribed, size_t unsubscribed) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      return subscribed_.size() >= subscribed && unsubscribed_.size() >= unsubscribed;
    });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pb::SubscribeRequest> subscribed_;
  std::vector<pb::UnsubscribeRequest> unsubscribed_;
};

store::Subscription Sub(uint8_t n) {
  return {.subscription_id = store::Bytes(24, n),
          .token_id = store::Bytes(24, 0xAA),
          .server = {.hosts = {"smp1.example", "abc.onion"},
                     .port = "5224",
                     .key_hash = store::Bytes(32, 7)},
          .notifier_id = store::Bytes(24, static_cast<uint8_t>(n + 1)),
          .notifier_key = store::Bytes(48, 9),
          .status = {}};
}

TEST(GrpcSubscriptionEvents, ChangesReachTheSubscriber) {
  RecordingSubscriber service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  std::mutex mu;
  std::vector<absl::Status> results;
  auto events = GrpcSubscriptionEvents::Create("127.0.0.1:" + std::to_string(port),
                                               absl::Seconds(5), [&](const absl::Status& s) {
                                                 std::lock_guard lock(mu);
                                                 results.push_back(s);
                                               });
  ASSERT_TRUE(events.ok()) << events.status();
  (*events)->Subscribed({Sub(1), Sub(2)});
  (*events)->Unsubscribed({Sub(3)});
  ASSERT_TRUE(service.WaitFor(1, 1));
  events->reset();  // waits for the calls in flight

  std::lock_guard lock(service.mu_);
  const pb::SubscribeRequest& req = service.subscribed_.at(0);
  ASSERT_EQ(req.subscriptions_size(), 2);
  const pb::SubscriptionRef& ref = req.subscriptions(0);
  EXPECT_EQ(ref.subscription_id(), std::string(24, '\x01'));
  EXPECT_EQ(ref.notifier_id(), std::string(24, '\x02'));
  EXPECT_EQ(ref.server().hosts_size(), 2);
  EXPECT_EQ(ref.server().hosts(1), "abc.onion");
  EXPECT_EQ(ref.server().port(), "5224");
  EXPECT_EQ(ref.server().key_hash(), std::string(32, '\x07'));
  EXPECT_EQ(service.unsubscribed_.at(0).subscriptions(0).subscription_id(),
            std::string(24, '\x03'));
  std::lock_guard lock2(mu);
  ASSERT_EQ(results.size(), 2u);
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  server->Shutdown();
}

TEST(GrpcSubscriptionEvents, DeadSubscriberIsAFailedCallOnly) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<absl::Status> results;
  // Nothing listens on port 1.
  auto events = GrpcSubscriptionEvents::Create("127.0.0.1:1", absl::Milliseconds(500),
                                               [&](const absl::Status& s) {
                                                 std::lock_guard lock(mu);
                                                 results.push_back(s);
                                                 cv.notify_all();
                                               });
  ASSERT_TRUE(events.ok());
  (*events)->Subscribed({Sub(1)});  // never blocks
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !results.empty(); }));
  EXPECT_FALSE(results[0].ok());
}

}  // namespace
}  // namespace ntf::intake
