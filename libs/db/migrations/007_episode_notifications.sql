-- An episode's notifications live in its row (docs/performance.md): the separate log cost every notification
-- a heap row and three random-key index entries (key, episode, message id) plus a conflict
-- probe, about half of the database's time per notification. The episode row is rewritten
-- anyway when a notification arrives; the history rides along. A notification is recorded
-- once per episode (its key is the pseudonymised leave id); the episode follows from the leave
-- (its initial leave id), so that is once per leave.
ALTER TABLE episodes ADD COLUMN notifications jsonb NOT NULL DEFAULT '[]';

-- Every accepted message, found by the sender's message id (GET /v1/messages/:id): one row per
-- message and notification (replays conflict and add nothing). A copy of a leave already
-- recorded, re-sent under a new message id, is a duplicate: duplicate_of names the message that
-- counted.
CREATE TABLE leave_messages (
  message_id       text NOT NULL,
  notification_key text NOT NULL,
  episode_id       text NOT NULL,
  duplicate_of     text,
  received_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, notification_key)
);

UPDATE episodes e
   SET notifications = h.notifications
  FROM (SELECT episode_id,
               jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                 'k', notification_key, 'm', source_message_id, 't', kind,
                 's', to_char(start_date, 'YYYY-MM-DD'), 'd', to_char(expected_end_date, 'YYYY-MM-DD'),
                 'r', pdp_risk, 'c', consent_granted)) ORDER BY received_at, notification_key) AS notifications
          FROM leave_notifications GROUP BY episode_id) h
 WHERE h.episode_id = e.episode_id;

INSERT INTO leave_messages (message_id, notification_key, episode_id, duplicate_of, received_at)
SELECT source_message_id, notification_key, episode_id, NULL, received_at FROM leave_notifications
ON CONFLICT DO NOTHING;

INSERT INTO leave_messages (message_id, notification_key, episode_id, duplicate_of, received_at)
SELECT d.message_id, d.notification_key, n.episode_id, n.source_message_id, d.received_at
  FROM duplicate_notifications d JOIN leave_notifications n ON n.notification_key = d.notification_key
ON CONFLICT DO NOTHING;

DROP TABLE duplicate_notifications;
DROP TABLE leave_notifications;
