-- 0002_notifications: the push outbox (docs/architecture.md §3, §4). One row per NMSG the
-- subscriber received for an ACTIVE token, written before its message job goes to the Redis
-- stream `ntf:push`. The pusher loads the rows a job names, marks them delivered or failed, and
-- re-creates the jobs of rows that stay queued after their job left Redis (services/pusher).

CREATE TABLE notifications (
  notification_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_id              BYTEA NOT NULL REFERENCES tokens ON DELETE CASCADE,
  subscription_id       BYTEA NOT NULL REFERENCES subscriptions ON DELETE CASCADE,
  received_at           TIMESTAMPTZ NOT NULL,           -- ntfTs: when the NMSG arrived here
  nmsg_nonce            BYTEA NOT NULL CHECK (length(nmsg_nonce) = 24),
  nmsg_meta             BYTEA NOT NULL,                 -- encNMsgMeta, opaque to this server
  push_state            TEXT NOT NULL DEFAULT 'queued'
                        CHECK (push_state IN ('queued', 'delivered', 'failed')),
  job_id                TEXT,                           -- PushJob.job_id of the job carrying it
  queued_at             TIMESTAMPTZ NOT NULL DEFAULT now(),  -- when that job was (re)enqueued
  pushed_at             TIMESTAMPTZ                     -- when a provider accepted a push with it
);
-- The newest notifications of a token (a message push carries up to 6, oldest first).
CREATE INDEX notifications_token_time ON notifications (token_id, received_at);
-- ON DELETE CASCADE from subscriptions.
CREATE INDEX notifications_subscription ON notifications (subscription_id);
-- The outbox sweep: rows still waiting for a push, oldest first.
CREATE INDEX notifications_queued ON notifications (queued_at) WHERE push_state = 'queued';
