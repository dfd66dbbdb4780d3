-- Every message that carried a signalement or an accompaniment report, not only its latest
-- version's: a sender that re-sends a signalement (same id, a new message) can still follow the
-- first message to where its referral ended (GET /v1/messages/:id; docs/faults.md).
CREATE TABLE coordination_messages (
  message_id   text COLLATE "C" NOT NULL,
  subject_type text COLLATE "C" NOT NULL CHECK (subject_type IN ('signalement', 'accompaniment-report')),
  subject_id   text COLLATE "C" NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, subject_type, subject_id)
);
CREATE INDEX coordination_messages_subject ON coordination_messages (subject_id);
INSERT INTO coordination_messages (message_id, subject_type, subject_id, received_at)
  SELECT message_id, 'signalement', referral_id, received_at FROM referrals
  UNION ALL SELECT message_id, 'accompaniment-report', report_key, received_at FROM accompaniment_reports
  ON CONFLICT DO NOTHING;
