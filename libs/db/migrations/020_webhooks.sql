-- Push delivery by webhook (docs/integrators.md, "Webhooks"). A partner's webhook: the URL the
-- hub calls, and the secret that signs the calls (Standard Webhooks), sealed with the identity
-- keyring since the hub must read it back to sign.
ALTER TABLE partners ADD COLUMN webhook_url text COLLATE "C";
ALTER TABLE partners ADD COLUMN webhook_secret_key_id text COLLATE "C";
ALTER TABLE partners ADD COLUMN webhook_secret_sealed bytea;

-- The webhook outbox: one event per item version (or retraction notice) for a partner with a
-- webhook, written in the transaction that changes the partner's inbox, then pushed and retried
-- until a terminal state: delivered, superseded (the item changed or left the inbox before it
-- went out: a later event says so) or parked (too many failures; ops may replay it).
CREATE TABLE webhook_deliveries (
  event_id text COLLATE "C" PRIMARY KEY,
  -- The order events were written in: calls about one item go out in it.
  seq bigserial NOT NULL,
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
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_item ON webhook_deliveries (item_id, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_partner ON webhook_deliveries (partner_id, status, created_at);
CREATE INDEX webhook_deliveries_person ON webhook_deliveries (person_pseudonym) WHERE person_pseudonym IS NOT NULL;
