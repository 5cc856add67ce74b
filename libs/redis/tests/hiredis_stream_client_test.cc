// Integration tests: the stream contract and hiredis-specific behaviour against the real Redis
// of scripts/local-stack.sh (NTF_REDIS_URL). Redis is never restarted: connection loss is
// produced with CLIENT KILL.
#include "ntf/redis/hiredis_stream_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ntf/redis/testing/test_env.h"
#include "stream_contract.h"

namespace ntf::redis {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::unique_ptr<HiredisStreamClient>> NewClient(const std::string& url,
                                                               std::string name = "") {
  ConnectionOptions options;
  options.url = url;
  options.client_name = std::move(name);
  return HiredisStreamClient::Create(std::move(options));
}

class RealEnv {
 public:
  absl::Status SetUp() {
    absl::StatusOr<std::string> url = testing::RedisUrlFromEnv();
    if (!url.ok()) return url.status();
    prefix_ = testing::UniqueKeyPrefix("contract");
    for (auto* client : {&publisher_, &consumer_, &blocking_}) {
      absl::StatusOr<std::unique_ptr<HiredisStreamClient>> c = NewClient(*url);
      if (!c.ok()) return c.status();
      *client = *std::move(c);
    }
    return consumer_->Ping(CommandOptions{});
  }
  void TearDown() {
    if (consumer_ == nullptr || keys_.empty()) return;
    std::vector<std::string> del = {"DEL"};
    del.insert(del.end(), keys_.begin(), keys_.end());
    (void)consumer_->Command(del, CommandOptions{});
  }
  StreamPublisher& publisher() { return *publisher_; }
  StreamConsumer& consumer() { return *consumer_; }
  StreamConsumer& blocking_consumer() { return *blocking_; }
  std::string Key(std::string_view name) {
    keys_.push_back(absl::StrCat(prefix_, std::string(name)));
    return keys_.back();
  }
  void AdvanceTime(absl::Duration d) { absl::SleepFor(d); }

 private:
  std::string prefix_;
  std::vector<std::string> keys_;
  std::unique_ptr<HiredisStreamClient> publisher_, consumer_, blocking_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, StreamContractTest, RealEnv);

class HiredisStreamClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = testing::RedisUrlFromEnv();
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    prefix_ = testing::UniqueKeyPrefix("hiredis");
    absl::StatusOr<std::unique_ptr<HiredisStreamClient>> admin = NewClient(url_);
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = *std::move(admin);
  }
  void TearDown() override {
    if (admin_ == nullptr) return;
    absl::StatusOr<Reply> keys = admin_->Command({"KEYS", prefix_ + "*"}, CommandOptions{});
    if (!keys.ok() || keys->elements.empty()) return;
    std::vector<std::string> del = {"DEL"};
    for (const Reply& k : keys->elements) del.push_back(k.str);
    (void)admin_->Command(del, CommandOptions{});
  }

  // Closes the server side of every connection named `name` (CLIENT LIST -> CLIENT KILL ID).
  int KillClientsNamed(const std::string& name) {
    absl::StatusOr<Reply> list = admin_->Command({"CLIENT", "LIST"}, CommandOptions{});
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return -1;
    int killed = 0;
    for (const std::string& line : std::vector<std::string>(absl::StrSplit(list->str, '\n'))) {
      if (line.find(absl::StrCat(" name=", name, " ")) == std::string::npos) continue;
      const std::string id = line.substr(3, line.find(' ') - 3);  // "id=<n> addr=..."
      absl::StatusOr<Reply> kill = admin_->Command({"CLIENT", "KILL", "ID", id}, CommandOptions{});
      EXPECT_TRUE(kill.ok()) << kill.status();
      if (kill.ok()) killed += static_cast<int>(kill->integer);
    }
    return killed;
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<HiredisStreamClient> admin_;
};

TEST_F(HiredisStreamClientTest, KilledConnectionIsUnavailableThenReconnects) {
  const std::string name = absl::StrCat("kill", ::testing::UnitTest::GetInstance()->random_seed(),
                                        prefix_.size(), getpid());
  absl::StatusOr<std::unique_ptr<HiredisStreamClient>> client = NewClient(url_, name);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Ping(CommandOptions{}).ok());
  ASSERT_EQ(KillClientsNamed(name), 1);

  absl::StatusOr<int64_t> lost = (*client)->Len(prefix_ + "s", CommandOptions{});
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable) << lost.status();
  EXPECT_FALSE((*client)->Healthy());

  absl::StatusOr<int64_t> back = (*client)->Len(prefix_ + "s", CommandOptions{});
  ASSERT_TRUE(back.ok()) << back.status();  // the first reconnect is immediate
  EXPECT_TRUE((*client)->Healthy());
}

TEST_F(HiredisStreamClientTest, RetriesHideALostConnection) {
  const std::string name = absl::StrCat("retry", getpid(), prefix_.size());
  absl::StatusOr<std::unique_ptr<HiredisStreamClient>> client = NewClient(url_, name);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Ping(CommandOptions{}).ok());
  ASSERT_EQ(KillClientsNamed(name), 1);
  CommandOptions retry;
  retry.retries = 1;
  std::vector<Fields> one = {{{"k", "v"}}};
  absl::StatusOr<std::vector<std::string>> ids = (*client)->Publish(prefix_ + "s", one, {}, retry);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->size(), 1u);
}

TEST_F(HiredisStreamClientTest, LargePipelineOnAKilledConnectionDoesNotRaiseSigpipe) {
  const std::string name = absl::StrCat("pipe", getpid(), prefix_.size());
  absl::StatusOr<std::unique_ptr<HiredisStreamClient>> client = NewClient(url_, name);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Ping(CommandOptions{}).ok());
  ASSERT_EQ(KillClientsNamed(name), 1);
  // ~8 MB in one pipeline: writes continue after the peer's reset, which is EPIPE/SIGPIPE.
  std::vector<Fields> big(4000, Fields{{"payload", std::string(2048, 'x')}});
  absl::StatusOr<std::vector<std::string>> ids =
      (*client)->Publish(prefix_ + "s", big, {}, CommandOptions{});
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kUnavailable) << ids.status();
  // Still alive; and the next batch goes through on a new connection.
  ids = (*client)->Publish(prefix_ + "s", big, {}, CommandOptions{});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->size(), 4000u);
}

TEST_F(HiredisStreamClientTest, SlowReplyIsDeadlineExceeded) {
  CommandOptions fast;
  fast.timeout = absl::Milliseconds(100);
  const absl::Time start = absl::Now();
  absl::StatusOr<Reply> blocked = admin_->Command({"BLPOP", prefix_ + "list", "2"}, fast);
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kDeadlineExceeded) << blocked.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(admin_->Ping(CommandOptions{}).ok());  // a fresh connection, in step again
}

TEST_F(HiredisStreamClientTest, BlockTimeExtendsTheReadTimeout) {
  ASSERT_TRUE(admin_->EnsureGroup(prefix_ + "s", "g", "$", CommandOptions{}).ok());
  CommandOptions fast;
  fast.timeout = absl::Milliseconds(100);
  ReadGroupOptions read;
  read.block = absl::Milliseconds(400);  // longer than the timeout: must not time out
  absl::StatusOr<std::vector<StreamEntry>> entries =
      admin_->ReadGroup(prefix_ + "s", "g", "c", read, fast);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_TRUE(entries->empty());
}

TEST_F(HiredisStreamClientTest, UnreachableServerFailsFastWithBackoff) {
  ConnectionOptions options;
  options.url = "redis://127.0.0.1:1/0";
  options.reconnect_backoff_min = absl::Seconds(2);
  int connects = 0;
  options.on_connect = [&connects](const absl::Status&) { ++connects; };
  absl::StatusOr<std::unique_ptr<HiredisStreamClient>> client =
      HiredisStreamClient::Create(std::move(options));
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Healthy());  // nothing tried yet
  absl::Status first = (*client)->Ping(CommandOptions{});
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  EXPECT_FALSE((*client)->Healthy());
  const absl::Time before = absl::Now();
  absl::Status second = (*client)->Ping(CommandOptions{});
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.message(), HasSubstr("next connection attempt"));
  EXPECT_LT(absl::Now() - before, absl::Milliseconds(50));
  EXPECT_EQ(connects, 1);
}

TEST_F(HiredisStreamClientTest, ErrorRepliesCarryTheServerMessage) {
  ASSERT_TRUE(admin_->Command({"SET", prefix_ + "str", "x"}, CommandOptions{}).ok());
  std::vector<Fields> one = {{{"k", "v"}}};
  absl::StatusOr<std::vector<std::string>> wrong =
      admin_->Publish(prefix_ + "str", one, {}, CommandOptions{});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong.status().message(), HasSubstr("WRONGTYPE"));
  absl::StatusOr<Reply> unknown = admin_->Command({"NOSUCHCOMMAND"}, CommandOptions{});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown command"));
  // The connection stays usable after error replies.
  EXPECT_TRUE(admin_->Ping(CommandOptions{}).ok());
}

// hiredis builds replies straight into Reply (connection.cc): every RESP2 shape, nesting,
// binary strings and a reply larger than one socket read arrive intact, in pipeline order.
TEST_F(HiredisStreamClientTest, RepliesOfEveryShapeArriveIntact) {
  ConnectionOptions options;
  options.url = url_;
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Create(std::move(options));
  ASSERT_TRUE(connection.ok()) << connection.status();
  const std::string binary("a\0b\r\nc", 6);
  std::vector<std::string> push = {"RPUSH", prefix_ + "big"};
  for (int i = 0; i < 20000; ++i) push.push_back(absl::StrCat("element-", i));
  absl::StatusOr<std::vector<Reply>> replies =
      (*connection)
          ->Pipeline({{"SET", prefix_ + "bin", binary},
                      {"GET", prefix_ + "bin"},
                      {"GET", prefix_ + "missing"},
                      {"INCRBY", prefix_ + "n", "-7"},
                      {"NOSUCHCOMMAND"},
                      {"EVAL", "return {1, {'a', {}}, false, {err = 'E boom'}}", "0"},
                      push,
                      {"LRANGE", prefix_ + "big", "0", "-1"},
                      {"LRANGE", prefix_ + "missing", "0", "-1"}},
                     CommandOptions{});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 9u);
  const std::vector<Reply>& r = *replies;
  EXPECT_EQ(r[0].type, Reply::Type::kStatus);
  EXPECT_EQ(r[0].str, "OK");
  EXPECT_TRUE(r[1].is_string());
  EXPECT_EQ(r[1].str, binary);
  EXPECT_TRUE(r[2].is_nil());
  EXPECT_TRUE(r[3].is_integer());
  EXPECT_EQ(r[3].integer, -7);
  EXPECT_TRUE(r[4].is_error());
  EXPECT_THAT(r[4].str, HasSubstr("unknown command"));
  // [1, ["a", []], nil, error] (Lua false is a nil bulk; a table with `err` an error reply)
  ASSERT_TRUE(r[5].is_array());
  ASSERT_EQ(r[5].elements.size(), 4u);
  EXPECT_EQ(r[5].elements[0].integer, 1);
  ASSERT_TRUE(r[5].elements[1].is_array());
  ASSERT_EQ(r[5].elements[1].elements.size(), 2u);
  EXPECT_EQ(r[5].elements[1].elements[0].str, "a");
  EXPECT_TRUE(r[5].elements[1].elements[1].is_array());
  EXPECT_TRUE(r[5].elements[1].elements[1].elements.empty());
  EXPECT_TRUE(r[5].elements[2].is_nil());
  EXPECT_TRUE(r[5].elements[3].is_error());
  EXPECT_EQ(r[5].elements[3].str, "E boom");
  EXPECT_EQ(r[6].integer, 20000);
  ASSERT_TRUE(r[7].is_array());
  ASSERT_EQ(r[7].elements.size(), 20000u);
  EXPECT_EQ(r[7].elements[0].str, "element-0");
  EXPECT_EQ(r[7].elements[19999].str, "element-19999");
  EXPECT_TRUE(r[8].is_array());
  EXPECT_TRUE(r[8].elements.empty());
}

TEST_F(HiredisStreamClientTest, DeadLetterOnWrongTypeReportsTheFailingCommand) {
  ASSERT_TRUE(admin_->Command({"SET", prefix_ + "str", "x"}, CommandOptions{}).ok());
  absl::StatusOr<std::string> id = admin_->DeadLetter(prefix_ + "s", "g", "1-0", prefix_ + "str",
                                                      {{"k", "v"}}, {}, CommandOptions{});
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition) << id.status();
  EXPECT_THAT(id.status().message(), HasSubstr("XADD"));
}

TEST_F(HiredisStreamClientTest, DatabaseNumberFromUrlIsSelected) {
  // The URL's /db selects the database: a stream written through /5 is invisible in the default.
  std::string url5 = url_.substr(0, url_.rfind('/')) + "/5";
  absl::StatusOr<std::unique_ptr<HiredisStreamClient>> db5 = NewClient(url5);
  ASSERT_TRUE(db5.ok()) << db5.status();
  std::vector<Fields> one = {{{"k", "v"}}};
  ASSERT_TRUE((*db5)->Publish(prefix_ + "s", one, {}, CommandOptions{}).ok());
  EXPECT_EQ(*(*db5)->Len(prefix_ + "s", CommandOptions{}), 1);
  EXPECT_EQ(*admin_->Len(prefix_ + "s", CommandOptions{}), 0);
  (void)(*db5)->Command({"DEL", prefix_ + "s"}, CommandOptions{});
}

TEST_F(HiredisStreamClientTest, ObserverSeesEveryCallWithItsLabel) {
  std::vector<std::string> ops;
  ConnectionOptions options;
  options.url = url_;
  options.on_command = [&ops](std::string_view op, absl::Duration latency, const absl::Status& s) {
    EXPECT_GE(latency, absl::ZeroDuration());
    ops.push_back(absl::StrCat(std::string(op), s.ok() ? "" : "!"));
  };
  absl::StatusOr<std::unique_ptr<HiredisStreamClient>> client =
      HiredisStreamClient::Create(std::move(options));
  ASSERT_TRUE(client.ok());
  std::vector<Fields> two = {{{"k", "1"}}, {{"k", "2"}}};
  ASSERT_TRUE((*client)->Publish(prefix_ + "s", two, {}, CommandOptions{}).ok());
  ASSERT_TRUE((*client)->Len(prefix_ + "s", CommandOptions{}).ok());
  EXPECT_THAT(ops, ::testing::ElementsAre("publish", "len"));  // one round trip per call
}

}  // namespace
}  // namespace ntf::redis
