#include "services/pusher/src/push_job.h"

namespace ntf::pusher {

std::vector<int64_t> Delivery::NotificationIds() const {
  std::vector<int64_t> ids;
  ids.reserve(notifications.size());
  for (const OutboxNotification& n : notifications) ids.push_back(n.notification_id);
  return ids;
}

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kNone:
      return "";
    case SkipReason::kTokenGone:
      return "token_gone";
    case SkipReason::kTokenNotActive:
      return "token_not_active";
    case SkipReason::kNoNotifications:
      return "no_notifications";
  }
  return "";
}

}  // namespace ntf::pusher
