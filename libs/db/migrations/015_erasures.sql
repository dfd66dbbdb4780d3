-- Erasures of a person (docs/architecture.md, "Personal data"), at her request or when her data's
-- retention is over: when, by whom, why, and what was removed or unlinked. Never who: no
-- pseudonym, no identifier; the count is what the published figures' readers are told (their
-- facts stay, unlinked).
CREATE TABLE erasures (
  erasure_id text COLLATE "C" PRIMARY KEY,
  kind       text COLLATE "C" NOT NULL CHECK (kind IN ('request', 'retention')),
  erased_at  timestamptz NOT NULL DEFAULT now(),
  actor      text COLLATE "C" NOT NULL,
  reason     text COLLATE "C" NOT NULL,
  summary    jsonb NOT NULL
);
