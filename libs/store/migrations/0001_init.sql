-- 0001_init: tokens, SMP servers and subscriptions (docs/architecture.md §3).
-- Secrets (the per-token server X25519 private key, the token DH secret and notifier private
-- keys) are stored sealed with the server secret key (libsodium secretbox: nonce || box); the
-- database alone does not reveal them.

CREATE TABLE tokens (
  token_id              BYTEA PRIMARY KEY,              -- 24 random bytes
  push_provider         TEXT NOT NULL,                  -- apns_dev | apns_prod | apns_test | apns_null | fcm
  push_token            BYTEA NOT NULL,                 -- device token as the client sent it
  verify_key            BYTEA NOT NULL,                 -- SPKI DER (Ed25519 | Ed448 | X25519)
  dh_pub_key            BYTEA NOT NULL,                 -- server X25519 public key (SPKI), sent in IDTKN
  dh_priv_key_sealed    BYTEA NOT NULL,                 -- server X25519 private key (PKCS#8), sealed
  dh_secret_sealed      BYTEA NOT NULL,                 -- X25519(client dh, server dh), sealed
  reg_code              BYTEA NOT NULL,                 -- 32 random bytes, pushed for TVFY
  status                TEXT NOT NULL,                  -- REGISTERED | CONFIRMED | ACTIVE | INVALID[,reason] | ...
  cron_interval         INTEGER NOT NULL DEFAULT 0,     -- minutes; 0 = periodic pushes off
  cron_next_at          TIMESTAMPTZ,                    -- next periodic push due (NULL = off)
  registered_at         TIMESTAMPTZ NOT NULL DEFAULT now(),  -- when push_token was last set
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (push_provider, push_token, verify_key)
);
CREATE INDEX tokens_device ON tokens (push_provider, push_token);
CREATE INDEX tokens_cron_due ON tokens (cron_next_at) WHERE cron_interval > 0;

CREATE TABLE smp_servers (
  smp_server_id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  smp_hosts             TEXT NOT NULL,                  -- comma-joined host list
  smp_port              TEXT NOT NULL,                  -- '' = default port
  smp_key_hash          BYTEA NOT NULL,                 -- SHA-256 of the server's CA certificate
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (smp_hosts, smp_port, smp_key_hash)
);

CREATE TABLE subscriptions (
  subscription_id       BYTEA PRIMARY KEY,              -- 24 random bytes
  token_id              BYTEA NOT NULL REFERENCES tokens ON DELETE CASCADE,
  smp_server_id         BIGINT NOT NULL REFERENCES smp_servers ON DELETE RESTRICT,
  notifier_id           BYTEA NOT NULL,
  notifier_key_sealed   BYTEA NOT NULL,                 -- PKCS#8 private key, sealed
  status                TEXT NOT NULL,                  -- NEW | PENDING | ACTIVE | INACTIVE | END | DELETED | AUTH | SERVICE | ERR ...
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (smp_server_id, notifier_id)
);
CREATE INDEX subscriptions_token ON subscriptions (token_id);
CREATE INDEX subscriptions_server_status ON subscriptions (smp_server_id, status);
