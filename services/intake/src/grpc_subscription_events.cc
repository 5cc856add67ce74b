#include "services/intake/src/grpc_subscription_events.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "ntf/subscriber/v1/subscriber.grpc.pb.h"

namespace ntf::intake {
namespace {

namespace pb = ::ntf::subscriber::v1;

void Fill(pb::SubscriptionRef* ref, const store::Subscription& s) {
  ref->set_subscription_id(s.subscription_id.data(), s.subscription_id.size());
  ref->set_notifier_id(s.notifier_id.data(), s.notifier_id.size());
  pb::SmpServer* server = ref->mutable_server();
  for (const std::string& h : s.server.hosts) server->add_hosts(h);
  server->set_port(s.server.port);
  server->set_key_hash(s.server.key_hash.data(), s.server.key_hash.size());
}

absl::Status ToStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace

struct GrpcSubscriptionEvents::Impl {
  std::unique_ptr<pb::SubscriberControl::Stub> stub;
  absl::Duration timeout;
  std::function<void(const absl::Status&)> on_result;
  std::mutex mu;
  std::condition_variable idle;
  int in_flight = 0;  // guarded by mu

  template <typename Req, typename Resp, typename Call>
  void Send(Req request, Call call) {
    struct State {
      grpc::ClientContext ctx;
      Req request;
      Resp response;
    };
    auto* state = new State{.ctx = {}, .request = std::move(request), .response = {}};
    state->ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    {
      std::lock_guard lock(mu);
      ++in_flight;
    }
    call(&state->ctx, &state->request, &state->response, [this, state](grpc::Status status) {
      if (on_result) on_result(ToStatus(status));
      delete state;
      std::lock_guard lock(mu);
      if (--in_flight == 0) idle.notify_all();
    });
  }
};

absl::StatusOr<std::unique_ptr<GrpcSubscriptionEvents>> GrpcSubscriptionEvents::Create(
    const std::string& address, absl::Duration timeout,
    std::function<void(const absl::Status&)> on_result) {
  if (address.empty()) return absl::InvalidArgumentError("subscriber address is empty");
  auto impl = std::make_unique<Impl>();
  impl->stub = pb::SubscriberControl::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  impl->timeout = timeout;
  impl->on_result = std::move(on_result);
  return std::unique_ptr<GrpcSubscriptionEvents>(new GrpcSubscriptionEvents(std::move(impl)));
}

GrpcSubscriptionEvents::GrpcSubscriptionEvents(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

GrpcSubscriptionEvents::~GrpcSubscriptionEvents() {
  // Calls hold a pointer to impl_: wait for them (each is bounded by its deadline).
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait(lock, [this] { return impl_->in_flight == 0; });
}

void GrpcSubscriptionEvents::Subscribed(std::vector<store::Subscription> subscriptions) {
  pb::SubscribeRequest request;
  for (const store::Subscription& s : subscriptions) Fill(request.add_subscriptions(), s);
  impl_->Send<pb::SubscribeRequest, pb::SubscribeResponse>(
      std::move(request), [this](auto* ctx, auto* req, auto* resp, auto cb) {
        impl_->stub->async()->Subscribe(ctx, req, resp, std::move(cb));
      });
}

void GrpcSubscriptionEvents::Unsubscribed(std::vector<store::Subscription> subscriptions) {
  pb::UnsubscribeRequest request;
  for (const store::Subscription& s : subscriptions) Fill(request.add_subscriptions(), s);
  impl_->Send<pb::UnsubscribeRequest, pb::UnsubscribeResponse>(
      std::move(request), [this](auto* ctx, auto* req, auto* resp, auto cb) {
        impl_->stub->async()->Unsubscribe(ctx, req, resp, std::move(cb));
      });
}

}  // namespace ntf::intake
