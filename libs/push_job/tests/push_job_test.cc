#include "ntf/push_job/push_job.h"

#include <string>

#include "gtest/gtest.h"
#include "ntf/push/v1/push_job.pb.h"

namespace ntf::push_job {
namespace {

redis::Fields EntryOf(const push::v1::PushJob& proto) {
  return {{"kind", "whatever"}, {"job", proto.SerializeAsString()}};
}

push::v1::PushJob ValidProto() {
  push::v1::PushJob proto;
  proto.set_job_id("job-1");
  proto.set_kind(push::v1::PUSH_KIND_VERIFICATION);
  proto.set_token_id(std::string(24, '\x07'));
  proto.set_enqueued_at_unix_ms(1'700'000'000'123);
  return proto;
}

TEST(PushJobTest, RoundTripsEveryKind) {
  for (PushKind kind : {PushKind::kVerification, PushKind::kMessage, PushKind::kCheckMessages}) {
    PushJob job{.job_id = "abc",
                .kind = kind,
                .token_id = wire::Bytes(24, 0xab),
                .notification_ids = {3, 1, 2},
                .attempt = 4,
                .enqueued_at = absl::FromUnixMillis(1'700'000'000'123)};
    absl::StatusOr<PushJob> back = DecodeEntry(EncodeEntry(job));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, job);
  }
}

TEST(PushJobTest, EntryHasKindNameThenJob) {
  redis::Fields fields = EncodeEntry(NewJob(PushKind::kMessage, {1, 2}, {9}, absl::Now()));
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"kind", "PUSH_KIND_MESSAGE"}));
  EXPECT_EQ(fields[1].first, "job");
  push::v1::PushJob proto;
  ASSERT_TRUE(proto.ParseFromString(fields[1].second));
  EXPECT_EQ(proto.kind(), push::v1::PUSH_KIND_MESSAGE);
  EXPECT_EQ(proto.token_id(), std::string("\x01\x02", 2));
  ASSERT_EQ(proto.notification_ids_size(), 1);
  EXPECT_EQ(proto.notification_ids(0), 9);
}

TEST(PushJobTest, EnqueueTimeIsMilliseconds) {
  PushJob job = NewJob(PushKind::kVerification, {1}, {}, absl::FromUnixMicros(1'000'999));
  absl::StatusOr<PushJob> back = DecodeEntry(EncodeEntry(job));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->enqueued_at, absl::FromUnixMillis(1'000));
}

TEST(PushJobTest, NewJobHasFreshRandomId) {
  PushJob a = NewJob(PushKind::kCheckMessages, {1}, {}, absl::UnixEpoch());
  PushJob b = NewJob(PushKind::kCheckMessages, {1}, {}, absl::UnixEpoch());
  EXPECT_FALSE(a.job_id.empty());
  EXPECT_NE(a.job_id, b.job_id);
  EXPECT_EQ(a.attempt, 0u);
}

TEST(PushJobTest, IgnoresOtherFieldsAndFieldOrder) {
  redis::Fields fields = EncodeEntry(NewJob(PushKind::kVerification, {5}, {}, absl::Now()));
  redis::Fields dead = {{"reason", "attempts"}, fields[1], {"kind", "PUSH_KIND_MESSAGE"}};
  absl::StatusOr<PushJob> job = DecodeEntry(dead);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->kind, PushKind::kVerification);  // the `kind` field is not read back
}

TEST(PushJobTest, MissingEnqueueTimeIsEpoch) {
  push::v1::PushJob proto = ValidProto();
  proto.clear_enqueued_at_unix_ms();
  absl::StatusOr<PushJob> job = DecodeEntry(EntryOf(proto));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->enqueued_at, absl::UnixEpoch());
}

TEST(PushJobTest, RejectsMalformedEntries) {
  auto rejected = [](const redis::Fields& fields) {
    absl::StatusOr<PushJob> job = DecodeEntry(fields);
    return !job.ok() && absl::IsInvalidArgument(job.status());
  };
  EXPECT_TRUE(rejected({}));
  EXPECT_TRUE(rejected({{"kind", "PUSH_KIND_VERIFICATION"}}));
  EXPECT_TRUE(rejected({{"job", "\xff\xff garbage"}}));

  push::v1::PushJob unspecified = ValidProto();
  unspecified.set_kind(push::v1::PUSH_KIND_UNSPECIFIED);
  EXPECT_TRUE(rejected(EntryOf(unspecified)));

  push::v1::PushJob unknown = ValidProto();
  unknown.set_kind(static_cast<push::v1::PushKind>(42));
  EXPECT_TRUE(rejected(EntryOf(unknown)));

  push::v1::PushJob no_token = ValidProto();
  no_token.clear_token_id();
  EXPECT_TRUE(rejected(EntryOf(no_token)));

  push::v1::PushJob empty_message = ValidProto();
  empty_message.set_kind(push::v1::PUSH_KIND_MESSAGE);
  EXPECT_TRUE(rejected(EntryOf(empty_message)));

  EXPECT_TRUE(rejected(EncodeEntry(NewJob(PushKind::kMessage, {1}, {}, absl::Now()))));
  EXPECT_TRUE(rejected(EncodeEntry(NewJob(PushKind::kVerification, {}, {}, absl::Now()))));
}

TEST(PushJobTest, RejectsEmptyJobValue) {
  // An empty `job` value parses as a PushJob with every field unset: unspecified kind.
  EXPECT_FALSE(DecodeEntry({{"job", ""}}).ok());
}

}  // namespace
}  // namespace ntf::push_job
