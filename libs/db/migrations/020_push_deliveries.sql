-- Push delivery to the partners' own systems (docs/integrators.md, "Webhooks" and "FHIR"). A
-- partner's webhook: the URL the hub calls, and the secret that signs the calls (Standard
-- Webhooks), sealed with the identity keyring since the hub must read it back to sign.
ALTER TABLE partners ADD COLUMN webhook_url text COLLATE "C";
ALTER TABLE partners ADD COLUMN webhook_secret_key_id text COLLATE "C";
ALTER TABLE partners ADD COLUMN webhook_secret_sealed bytea;

-- The push outbox: one event per item version (or retraction notice) and push channel of the
-- partner (its webhook; its FHIR endpoint for the sick-leave alerts), written in the transaction
-- that changes the partner's inbox, then pushed and retried until a terminal state: delivered,
-- superseded (the item changed or left the inbox before it went out: a later event says so) or
-- parked (too many failures; ops may replay it).
CREATE TABLE push_deliveries (
  event_id text COLLATE "C" PRIMARY KEY,
  -- The order events were written in: the pushes about one item go out in it.
  seq bigserial NOT NULL,
  channel text COLLATE "C" NOT NULL CHECK (channel IN ('webhook', 'fhir')),
  partner_id text COLLATE "C" NOT NULL,
  event_type text COLLATE "C" NOT NULL,
  item_id text COLLATE "C" NOT NULL,
  item_version integer,
  -- A retraction notice is kept here (the item it withdraws may be gone); a delivery is read from
  -- the inbox when it goes out.
  notice json,
  person_pseudonym text COLLATE "C",
  status text COLLATE "C" NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'superseded', 'parked')),
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz,
  last_status integer,
  last_error text COLLATE "C",
  -- What the partner's system made of it (the FHIR Task's reference).
  remote_ref text COLLATE "C",
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX push_deliveries_due ON push_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX push_deliveries_item ON push_deliveries (item_id, channel, seq) WHERE status = 'pending';
CREATE INDEX push_deliveries_partner ON push_deliveries (partner_id, status, updated_at);
CREATE INDEX push_deliveries_person ON push_deliveries (person_pseudonym) WHERE person_pseudonym IS NOT NULL;
