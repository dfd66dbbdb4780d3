-- The workers' identities (NIR or INS and the traits received), apart from everything else and
-- encrypted at rest: AES-256-GCM, the key named on every row (IDENTITY_KEYS), the person
-- pseudonym as associated data so that a sealed identity cannot be moved to another person's row.
-- Read only to deliver to an entitled recipient, and every read is audited.
CREATE TABLE identities (
  person_pseudonym text COLLATE "C" PRIMARY KEY,
  key_id           text COLLATE "C" NOT NULL,
  sealed           bytea NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
