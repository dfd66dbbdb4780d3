-- A notification re-sent under another message id is a duplicate (same leave id): it is not
-- recorded again, but its message id must still be traceable (GET /v1/messages/:id).
CREATE TABLE duplicate_notifications (
  message_id       text PRIMARY KEY,
  notification_key text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now()
);
