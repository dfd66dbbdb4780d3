-- Partners of the hub (SPSTI, service social, Cap emploi…). API keys are stored hashed.
CREATE TABLE partners (
  partner_id    text PRIMARY KEY,
  category      text NOT NULL,
  name          text NOT NULL,
  api_key_hash  text UNIQUE,
  region        text,
  departements  text[] NOT NULL DEFAULT '{}',
  fhir_endpoint text,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Adhesion directory: which SPSTI an employer establishment adheres to, and when.
CREATE TABLE adhesions (
  siret       char(14) NOT NULL,
  spsti_id    text NOT NULL REFERENCES partners (partner_id),
  valid_from  date NOT NULL,
  valid_to    date,
  source      text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (siret, valid_from)
);

-- Every accepted notification, keyed by a pseudonym of the sender's leave id (idempotency).
CREATE TABLE leave_notifications (
  notification_key  text PRIMARY KEY,
  episode_id        text NOT NULL,
  source_message_id text NOT NULL,
  kind              text NOT NULL,
  start_date        date NOT NULL,
  expected_end_date date NOT NULL,
  pdp_risk          boolean NOT NULL,
  consent_granted   boolean,
  received_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leave_notifications_episode ON leave_notifications (episode_id);
CREATE INDEX leave_notifications_message ON leave_notifications (source_message_id);

-- Current state of each sick-leave episode (the last case event computed for it).
CREATE TABLE episodes (
  episode_id       text PRIMARY KEY,
  person_pseudonym text NOT NULL,
  source           text NOT NULL,
  employer_siret   char(14) NOT NULL,
  version          integer NOT NULL,
  eligible         boolean NOT NULL,
  case_event       jsonb NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX episodes_person ON episodes (person_pseudonym);

-- Case events that cannot be routed yet; released when the cause is fixed.
CREATE TABLE parked_cases (
  parked_id      text PRIMARY KEY,
  episode_id     text NOT NULL,
  reason_code    text NOT NULL,
  reason         text NOT NULL,
  employer_siret char(14) NOT NULL,
  case_event     jsonb NOT NULL,
  parked_at      timestamptz NOT NULL DEFAULT now(),
  released_at    timestamptz
);
CREATE INDEX parked_cases_waiting ON parked_cases (employer_siret) WHERE released_at IS NULL;

-- Durable partner inboxes: one item per partner and episode, updated by prolongations.
CREATE TABLE inbox_items (
  item_id         text PRIMARY KEY,
  partner_id      text NOT NULL REFERENCES partners (partner_id),
  episode_id      text NOT NULL,
  item_type       text NOT NULL,
  version         integer NOT NULL,
  idempotency_key text NOT NULL,
  legal_basis     text NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('new', 'updated', 'acknowledged')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  UNIQUE (partner_id, episode_id)
);
CREATE INDEX inbox_items_pending ON inbox_items (partner_id, updated_at) WHERE status <> 'acknowledged';

-- Rejected messages with their reason and original bytes (restricted: may hold a NIR).
CREATE TABLE dead_letters (
  dead_letter_id text PRIMARY KEY,
  stage          text NOT NULL,
  source_topic   text NOT NULL,
  message_id     text,
  reason         text NOT NULL,
  errors         jsonb NOT NULL,
  original_bytes bytea NOT NULL,
  rejected_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_message ON dead_letters (message_id);

-- Version of each inbox item already published on the partner's Kafka topic (outbox marker).
ALTER TABLE inbox_items ADD COLUMN published_version integer;
