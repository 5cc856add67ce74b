-- 0003_token_changes: every change of a token row that a push depends on is announced on the
-- channel ntf_token_changed (payload: the token_id in hex), so pushers can cache token rows and
-- drop an entry as soon as it changes (services/pusher, TokenCache). NOTIFY is transactional: the
-- announcement is delivered when the change commits. Changes of the periodic-push schedule
-- (cron_interval, cron_next_at) and of updated_at alone are not announced: no push reads them.

CREATE FUNCTION ntf_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ntf_token_changed', encode(OLD.token_id, 'hex'));
  RETURN NULL;
END
$$;

CREATE TRIGGER tokens_changed_notify AFTER UPDATE ON tokens FOR EACH ROW
  WHEN (OLD.token_id IS DISTINCT FROM NEW.token_id
        OR OLD.push_provider IS DISTINCT FROM NEW.push_provider
        OR OLD.push_token IS DISTINCT FROM NEW.push_token
        OR OLD.dh_secret_sealed IS DISTINCT FROM NEW.dh_secret_sealed
        OR OLD.reg_code IS DISTINCT FROM NEW.reg_code
        OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.registered_at IS DISTINCT FROM NEW.registered_at)
  EXECUTE FUNCTION ntf_token_changed();

CREATE TRIGGER tokens_deleted_notify AFTER DELETE ON tokens FOR EACH ROW
  EXECUTE FUNCTION ntf_token_changed();
