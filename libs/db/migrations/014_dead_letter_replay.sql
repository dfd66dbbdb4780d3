-- Dead letters are replayed after a fix (docs/operations.md, "Dead letters"): the replay puts
-- the original bytes back on their topic under their original key (so they reach the same
-- partition, after what came before them), once: replayed_at is set by the first replay.
-- Their original bytes may hold a worker's identity: from now on they are sealed with the
-- identity keyring (original_key_id names the key; NULL for the rows kept in clear before).
-- Sealed bytes cannot be searched: what a sender asks about (its sender id and its own id of the
-- message, e.g. "spsti-a:sig-42") is read from them, best effort, when they are rejected.
ALTER TABLE dead_letters
  ADD COLUMN sender_ref       text COLLATE "C",
  ADD COLUMN original_key_id  text COLLATE "C",
  ADD COLUMN source_key       text COLLATE "C",
  ADD COLUMN source_partition integer,
  ADD COLUMN source_offset    text COLLATE "C",
  ADD COLUMN replayed_at      timestamptz,
  ADD COLUMN replayed_by      text COLLATE "C";

-- The ops lists walk newest first (dead letters) or oldest first (parked), a page at a time.
CREATE INDEX dead_letters_sender_ref ON dead_letters (sender_ref) WHERE sender_ref IS NOT NULL;
CREATE INDEX dead_letters_listing ON dead_letters (rejected_at DESC, dead_letter_id DESC);
CREATE INDEX parked_cases_listing ON parked_cases (parked_at, parked_id) WHERE released_at IS NULL;
CREATE INDEX coordination_deliveries_withheld_listing ON coordination_deliveries (updated_at DESC, delivery_id DESC) WHERE status = 'withheld';

-- A message's trace (GET /v1/messages/:id) finds an outcome report by its message id.
CREATE INDEX outcome_events_message ON outcome_events (message_id);
