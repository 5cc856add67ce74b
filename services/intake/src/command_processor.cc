#include "services/intake/src/command_processor.h"

#include <chrono>
#include <optional>
#include <variant>

#include "ntf/crypto/auth.h"
#include "ntf/crypto/box.h"
#include "ntf/crypto/primitives.h"

namespace ntf::intake {
namespace {

using wire::ErrorCode;
using wire::ErrorType;
using wire::Response;

constexpr size_t kRegCodeSize = 32;
constexpr uint16_t kMinCronInterval = 20;

Response Err(ErrorType e) { return wire::ErrResponse{.error = std::move(e)}; }
Response Err(ErrorCode code) { return Err(ErrorType::Of(code)); }
Response Syntax() { return Err(ErrorType::Cmd(wire::CmdError::kSyntax)); }

// A store failure, answered as the reference does: ERR STORE with a short reason. The database's
// own message is not sent to clients.
Response StoreErr(const absl::Status& status) {
  return Err(ErrorType{.code = ErrorCode::kStore,
                       .detail = absl::IsUnavailable(status) ? "unavailable" : "error"});
}

bool Authorized(const SessionContext& session, const wire::ReceivedCommand& received,
                const store::Bytes& key_spki) {
  absl::StatusOr<crypto::PublicKey> key = crypto::DecodePublicKeySpki(key_spki);
  if (!key.ok()) {
    crypto::DummyVerifyAuthorization(session.session_key, received.corr_id, received.authorized,
                                     received.auth);
    return false;
  }
  return crypto::VerifyAuthorization(*key, session.session_key, received.corr_id,
                                     received.authorized, received.auth);
}

void Append(std::vector<store::Subscription>& to, std::vector<store::Subscription> from) {
  for (store::Subscription& s : from) to.push_back(std::move(s));
}

void DummyAuthorize(const SessionContext& session, const wire::ReceivedCommand& received) {
  crypto::DummyVerifyAuthorization(session.session_key, received.corr_id, received.authorized,
                                   received.auth);
}

// The token whose verify key authorizes `received`, loaded by `token_id` (nullopt: there is
// none), or the answer to give instead: ERR AUTH — after an equal-cost dummy verification when
// the token does not exist, so timing does not tell — or the store's error.
std::variant<store::Token, Response> AuthorizingToken(store::Store& store,
                                                      const SessionContext& session,
                                                      const wire::ReceivedCommand& received,
                                                      std::optional<wire::ByteSpan> token_id) {
  absl::StatusOr<std::optional<store::Token>> found =
      token_id ? store.GetToken(*token_id)
               : absl::StatusOr<std::optional<store::Token>>(std::nullopt);
  if (!found.ok()) return StoreErr(found.status());
  if (!found->has_value()) {
    DummyAuthorize(session, received);
    return Err(ErrorCode::kAuth);
  }
  if (!Authorized(session, received, (*found)->verify_key)) return Err(ErrorCode::kAuth);
  return **std::move(found);
}

}  // namespace

struct CommandProcessor::Context {
  store::Store& store;
  const SessionContext& session;
  BlockOutcome& outcome;
  size_t index = 0;  // of the response being computed

  void Verify(const store::Bytes& token_id) { outcome.verifications.emplace_back(token_id, index); }
};

CommandProcessor::CommandProcessor(PushJobQueue& push_queue, SubscriptionEvents& events,
                                   IntakeMetrics& metrics)
    : push_queue_(push_queue), events_(events), metrics_(metrics) {}

BlockOutcome CommandProcessor::Execute(store::Store& store, const SessionContext& session,
                                       const std::vector<wire::ReceivedCommand>& commands) const {
  BlockOutcome outcome;
  outcome.responses.reserve(commands.size());
  outcome.executed.reserve(commands.size());
  Context ctx{.store = store, .session = session, .outcome = outcome};
  for (const wire::ReceivedCommand& received : commands) {
    ctx.index = outcome.responses.size();
    wire::OutgoingResponse response{.corr_id = received.corr_id, .entity_id = received.entity_id};
    if (const auto* error = std::get_if<ErrorType>(&received.result)) {
      response.response = wire::ErrResponse{.error = *error};
      outcome.executed.emplace_back(std::nullopt);
    } else {
      const auto start = std::chrono::steady_clock::now();
      const wire::Command& command = std::get<wire::Command>(received.result);
      response.response = Run(ctx, received, command);
      outcome.executed.emplace_back(BlockOutcome::Executed{
          .tag = wire::TagOf(command), .latency = std::chrono::steady_clock::now() - start});
    }
    // IDTKN, IDSUB and PONG carry no entity (the reference client rejects them otherwise).
    const wire::ResponseTag tag = wire::TagOf(response.response);
    if (tag == wire::ResponseTag::kIdtkn || tag == wire::ResponseTag::kIdsub ||
        tag == wire::ResponseTag::kPong) {
      response.entity_id.clear();
    }
    outcome.responses.push_back(std::move(response));
  }
  return outcome;
}

std::vector<wire::OutgoingResponse> CommandProcessor::Finish(BlockOutcome outcome,
                                                             const absl::Status& committed) const {
  std::vector<wire::OutgoingResponse>& responses = outcome.responses;
  if (!committed.ok()) {
    // Nothing of this block was stored: no answer may claim otherwise.
    for (wire::OutgoingResponse& r : responses) {
      if (!std::holds_alternative<wire::ErrResponse>(r.response) &&
          !std::holds_alternative<wire::PongResponse>(r.response)) {
        r.response = StoreErr(committed);
        r.entity_id.clear();
      }
    }
  } else {
    if (!outcome.verifications.empty()) {
      std::vector<store::Bytes> ids;
      for (const auto& [id, index] : outcome.verifications) ids.push_back(id);
      if (!push_queue_.EnqueueVerifications(ids).ok()) {
        // The rows are stored; the client retries TNEW/TRPL, which re-sends the verification.
        for (const auto& [id, index] : outcome.verifications) {
          responses[index].response = Err(ErrorCode::kInternal);
          responses[index].entity_id.clear();
        }
      }
    }
    for (const auto event : outcome.events) (metrics_.*event)();
    if (!outcome.subscribed.empty()) events_.Subscribed(std::move(outcome.subscribed));
    if (!outcome.unsubscribed.empty()) events_.Unsubscribed(std::move(outcome.unsubscribed));
  }
  for (size_t i = 0; i < responses.size(); ++i) {
    if (outcome.executed[i]) {
      metrics_.CommandDone(outcome.executed[i]->tag, responses[i].response,
                           outcome.executed[i]->latency);
    } else {
      metrics_.CommandRejected(std::get<wire::ErrResponse>(responses[i].response).error);
    }
  }
  return std::move(responses);
}

Response CommandProcessor::Run(Context& ctx, const wire::ReceivedCommand& received,
                               const wire::Command& command) const {
  switch (wire::TagOf(command)) {
    case wire::CommandTag::kPing:
      return wire::PongResponse{};
    case wire::CommandTag::kTnew:
      return NewToken(ctx, received, std::get<wire::TnewCommand>(command));
    case wire::CommandTag::kSnew:
      return NewSubscription(ctx, received, std::get<wire::SnewCommand>(command));
    case wire::CommandTag::kSchk:
    case wire::CommandTag::kSdel:
      return SubscriptionCommand(ctx, received, command);
    case wire::CommandTag::kTvfy:
    case wire::CommandTag::kTchk:
    case wire::CommandTag::kTrpl:
    case wire::CommandTag::kTdel:
    case wire::CommandTag::kTcrn:
      return TokenCommand(ctx, received, command);
  }
  return Err(ErrorCode::kInternal);
}

Response CommandProcessor::NewToken(Context& ctx, const wire::ReceivedCommand& received,
                                    const wire::TnewCommand& command) const {
  absl::StatusOr<crypto::PublicKey> client_dh = crypto::DecodePublicKeySpki(command.dh_key);
  absl::StatusOr<crypto::PublicKey> verify_key = crypto::DecodePublicKeySpki(command.verify_key);
  if (!client_dh.ok() || client_dh->alg != crypto::KeyAlgorithm::kX25519 || !verify_key.ok() ||
      !crypto::IsAuthAlgorithm(verify_key->alg)) {
    return Syntax();
  }
  if (!crypto::VerifyAuthorization(*verify_key, ctx.session.session_key, received.corr_id,
                                   received.authorized, received.auth)) {
    return Err(ErrorCode::kAuth);
  }

  absl::StatusOr<std::optional<store::Token>> existing =
      ctx.store.FindTokenRegistration(command.device_token, command.verify_key);
  if (!existing.ok()) return StoreErr(existing.status());

  if (!existing->has_value()) {
    absl::StatusOr<crypto::PrivateKey> server_dh =
        crypto::GenerateKeyPair(crypto::KeyAlgorithm::kX25519);
    if (!server_dh.ok()) return Err(ErrorCode::kInternal);
    absl::StatusOr<crypto::DhSecret> secret = crypto::ComputeDhSecret(*client_dh, *server_dh);
    absl::StatusOr<store::Bytes> server_pub = crypto::EncodeSpki(server_dh->public_key());
    if (!secret.ok()) return Syntax();  // a low-order client key
    if (!server_pub.ok()) return Err(ErrorCode::kInternal);
    store::Token token{
        .token_id = crypto::RandomId(),
        .device = command.device_token,
        .verify_key = command.verify_key,
        .dh_pub_key = *server_pub,
        .dh_priv_key = crypto::EncodePkcs8(*server_dh),
        .dh_secret = store::Bytes(secret->raw().begin(), secret->raw().end()),
        .reg_code = crypto::RandomBytes(kRegCodeSize),
        .status = {.state = store::TokenState::kRegistered},
        .registered_at = absl::Now(),
    };
    absl::Status inserted = ctx.store.InsertToken(token);
    if (absl::IsAlreadyExists(inserted)) {
      // A concurrent retry of the same TNEW won: answer as a retry.
      existing = ctx.store.FindTokenRegistration(command.device_token, command.verify_key);
      if (!existing.ok()) return StoreErr(existing.status());
      if (!existing->has_value()) return Err(ErrorCode::kInternal);
    } else if (!inserted.ok()) {
      return StoreErr(inserted);
    } else {
      ctx.Verify(token.token_id);
      ctx.outcome.events.push_back(&IntakeMetrics::TokenCreated);
      return wire::IdtknResponse{.token_id = token.token_id, .server_dh_key = token.dh_pub_key};
    }
  }

  // A retry of a registration: the same client DH key must give the same secret, or this is
  // someone else trying to take over the token (spec/ntf-protocol.md §2.3).
  const store::Token& token = **existing;
  absl::StatusOr<crypto::PrivateKey> server_dh = crypto::DecodePrivateKeyPkcs8(token.dh_priv_key);
  if (!server_dh.ok()) return Err(ErrorCode::kInternal);
  absl::StatusOr<crypto::DhSecret> secret = crypto::ComputeDhSecret(*client_dh, *server_dh);
  if (!secret.ok() || !crypto::ConstantTimeEquals(secret->raw(), token.dh_secret)) {
    return Err(ErrorCode::kAuth);
  }
  if (!store::AllowsVerification(token.status)) {
    absl::Status s =
        ctx.store.SetTokenStatus(token.token_id, {.state = store::TokenState::kRegistered});
    if (!s.ok()) return StoreErr(s);
  }
  ctx.Verify(token.token_id);
  return wire::IdtknResponse{.token_id = token.token_id, .server_dh_key = token.dh_pub_key};
}

Response CommandProcessor::TokenCommand(Context& ctx, const wire::ReceivedCommand& received,
                                        const wire::Command& command) const {
  std::variant<store::Token, Response> found =
      AuthorizingToken(ctx.store, ctx.session, received, received.entity_id);
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  const store::Token& token = std::get<store::Token>(found);

  if (const auto* tvfy = std::get_if<wire::TvfyCommand>(&command)) {
    if (!store::AllowsVerification(token.status) ||
        !crypto::ConstantTimeEquals(tvfy->reg_code, token.reg_code)) {
      return Err(ErrorCode::kAuth);
    }
    absl::StatusOr<std::vector<store::Subscription>> dropped =
        ctx.store.ActivateToken(token.token_id);
    if (!dropped.ok()) return StoreErr(dropped.status());
    Append(ctx.outcome.unsubscribed, *std::move(dropped));
    ctx.outcome.events.push_back(&IntakeMetrics::TokenVerified);
    return wire::OkResponse{};
  }
  if (std::holds_alternative<wire::TchkCommand>(command)) {
    return wire::TknResponse{.status = token.status};
  }
  if (const auto* trpl = std::get_if<wire::TrplCommand>(&command)) {
    const store::Bytes code = crypto::RandomBytes(kRegCodeSize);
    absl::Status s = ctx.store.ReplaceDeviceToken(token.token_id, trpl->device_token, code);
    if (absl::IsAlreadyExists(s)) return Err(ErrorCode::kAuth);
    if (!s.ok()) return StoreErr(s);
    ctx.Verify(token.token_id);
    return wire::OkResponse{};
  }
  if (std::holds_alternative<wire::TdelCommand>(command)) {
    absl::StatusOr<std::vector<store::Subscription>> deleted =
        ctx.store.DeleteToken(token.token_id);
    if (!deleted.ok()) return StoreErr(deleted.status());
    Append(ctx.outcome.unsubscribed, *std::move(deleted));
    ctx.outcome.events.push_back(&IntakeMetrics::TokenDeleted);
    return wire::OkResponse{};
  }
  if (const auto* tcrn = std::get_if<wire::TcrnCommand>(&command)) {
    if (tcrn->interval_minutes != 0 && tcrn->interval_minutes < kMinCronInterval) {
      return Err(ErrorCode::kQuota);
    }
    absl::Status s = ctx.store.SetCronInterval(token.token_id, tcrn->interval_minutes);
    if (!s.ok()) return StoreErr(s);
    return wire::OkResponse{};
  }
  return Err(ErrorCode::kInternal);
}

Response CommandProcessor::NewSubscription(Context& ctx, const wire::ReceivedCommand& received,
                                           const wire::SnewCommand& command) const {
  std::variant<store::Token, Response> found =
      AuthorizingToken(ctx.store, ctx.session, received, command.token_id);
  if (auto* refused = std::get_if<Response>(&found)) return std::move(*refused);
  const store::Token& token = std::get<store::Token>(found);
  if (!store::AllowsSubscriptionCommands(token.status)) return Err(ErrorCode::kAuth);

  absl::StatusOr<crypto::PrivateKey> notifier_key =
      crypto::DecodePrivateKeyPkcs8(command.notifier_key);
  if (!notifier_key.ok() || !crypto::IsAuthAlgorithm(notifier_key->alg())) return Syntax();

  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<std::optional<store::Subscription>> existing =
        ctx.store.FindSubscription(command.smp_server, command.notifier_id);
    if (!existing.ok()) return StoreErr(existing.status());
    if (existing->has_value()) {
      const store::Subscription& sub = **existing;
      // Idempotent retry by the same token with the same key; anything else is not theirs.
      if (sub.token_id != token.token_id ||
          !crypto::ConstantTimeEquals(sub.notifier_key, command.notifier_key)) {
        return Err(ErrorCode::kAuth);
      }
      return wire::IdsubResponse{.subscription_id = sub.subscription_id};
    }
    store::Subscription sub{
        .subscription_id = crypto::RandomId(),
        .token_id = token.token_id,
        .server = command.smp_server,
        .notifier_id = command.notifier_id,
        .notifier_key = command.notifier_key,
        .status = {.state = store::SubscriptionState::kNew},
    };
    absl::Status inserted = ctx.store.InsertSubscription(sub);
    if (absl::IsAlreadyExists(inserted)) continue;  // a concurrent SNEW won: look again
    if (absl::IsNotFound(inserted)) return Err(ErrorCode::kAuth);  // token deleted meanwhile
    if (!inserted.ok()) return StoreErr(inserted);
    const store::Bytes id = sub.subscription_id;
    ctx.outcome.subscribed.push_back(std::move(sub));
    ctx.outcome.events.push_back(&IntakeMetrics::SubscriptionCreated);
    return wire::IdsubResponse{.subscription_id = id};
  }
  return Err(ErrorCode::kInternal);
}

Response CommandProcessor::SubscriptionCommand(Context& ctx, const wire::ReceivedCommand& received,
                                               const wire::Command& command) const {
  absl::StatusOr<std::optional<store::Subscription>> found =
      ctx.store.GetSubscription(received.entity_id);
  if (!found.ok()) return StoreErr(found.status());
  std::variant<store::Token, Response> token = AuthorizingToken(
      ctx.store, ctx.session, received,
      found->has_value() ? std::optional<wire::ByteSpan>((*found)->token_id) : std::nullopt);
  if (auto* refused = std::get_if<Response>(&token)) return std::move(*refused);
  if (!store::AllowsSubscriptionCommands(std::get<store::Token>(token).status)) {
    return Err(ErrorCode::kAuth);
  }
  const store::Subscription& sub = **found;
  if (std::holds_alternative<wire::SchkCommand>(command)) {
    return wire::SubResponse{.status = sub.status};
  }
  absl::StatusOr<bool> deleted = ctx.store.DeleteSubscription(sub.subscription_id);
  if (!deleted.ok()) return StoreErr(deleted.status());
  if (*deleted) {
    ctx.outcome.unsubscribed.push_back(sub);
    ctx.outcome.events.push_back(&IntakeMetrics::SubscriptionDeleted);
  }
  return wire::OkResponse{};
}

}  // namespace ntf::intake
