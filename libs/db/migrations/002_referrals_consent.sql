-- The signalement flow: signalements, consent registry, chef de file, deliveries, audit.
-- Everything is keyed by pseudonyms: no NIR/INS is stored here.

-- Accepted signalements, pseudonymised (canonical holds the IRDP: restricted like the inbox).
CREATE TABLE referrals (
  referral_id       text PRIMARY KEY,
  sender_id         text NOT NULL,
  signalement_id    text NOT NULL,
  message_id        text NOT NULL,
  case_id           text NOT NULL,
  person_pseudonym  text NOT NULL,
  reason            text NOT NULL,
  pyramide          text,
  referral_date     date NOT NULL,
  rules_version     text NOT NULL,
  canonical         jsonb NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sender_id, signalement_id)
);
CREATE INDEX referrals_person ON referrals (person_pseudonym);
CREATE INDEX referrals_message ON referrals (message_id);

-- Accompaniment reports of SPSTI on transmitted leaves (return flow of art. L.4622-2-1).
CREATE TABLE accompaniment_reports (
  report_key        text PRIMARY KEY,
  sender_id         text NOT NULL,
  report_id         text NOT NULL,
  message_id        text NOT NULL,
  episode_id        text NOT NULL,
  case_id           text NOT NULL,
  person_pseudonym  text NOT NULL,
  content           jsonb NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sender_id, report_id)
);
CREATE INDEX accompaniment_reports_person ON accompaniment_reports (person_pseudonym);

-- Consent registry: append-only history per person, purpose and recipient category.
CREATE TABLE consent_records (
  consent_id         text PRIMARY KEY,
  person_pseudonym   text NOT NULL,
  purpose            text NOT NULL CHECK (purpose IN ('sick-leave-transmission', 'orientation', 'irdp-sharing')),
  recipient_category text NOT NULL,
  status             text NOT NULL CHECK (status IN ('granted', 'refused', 'withdrawn')),
  effective_at       timestamptz NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT now(),
  source             text NOT NULL,
  collected_by       text,
  evidence_ref       text,
  fhir_consent_id    text
);
CREATE INDEX consent_records_lookup ON consent_records (person_pseudonym, purpose, recipient_category, effective_at);

-- One chef de file per case (IGAS recommendation 2); history is in the audit trail.
CREATE TABLE case_leads (
  case_id          text PRIMARY KEY,
  person_pseudonym text NOT NULL,
  partner_id       text,
  category         text NOT NULL,
  assigned_by      text NOT NULL CHECK (assigned_by IN ('rule', 'manual')),
  rule_id          text,
  rules_version    text,
  reason           text NOT NULL,
  assigned_at      timestamptz NOT NULL DEFAULT now()
);

-- Every routing decision of the signalement flow, delivered or not: withheld items stay
-- visible (ops, sender status) with their reason, and are re-decided when consent arrives.
CREATE TABLE coordination_deliveries (
  delivery_id      text PRIMARY KEY,
  subject_type     text NOT NULL CHECK (subject_type IN ('signalement', 'accompaniment-report')),
  subject_id       text NOT NULL,
  case_id          text NOT NULL,
  person_pseudonym text NOT NULL,
  category         text NOT NULL,
  partner_id       text,
  status           text NOT NULL CHECK (status IN ('delivered', 'withheld', 'pulled-back')),
  reason_code      text NOT NULL,
  reason           text NOT NULL,
  purpose          text,
  legal_basis      text,
  consent_id       text,
  rule_ids         text[] NOT NULL DEFAULT '{}',
  rules_version    text NOT NULL,
  irdp_shared      boolean NOT NULL DEFAULT false,
  inbox_item_id    text,
  fhir_status      text CHECK (fhir_status IN ('pending', 'delivered', 'failed', 'cancelled')),
  fhir_task        text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subject_type, subject_id, category)
);
CREATE INDEX coordination_deliveries_person ON coordination_deliveries (person_pseudonym, category);
CREATE INDEX coordination_deliveries_withheld ON coordination_deliveries (status) WHERE status = 'withheld';

-- Append-only audit trail: what, to whom, on which consent or legal basis, by which rule version.
CREATE TABLE audit_log (
  audit_id         bigserial PRIMARY KEY,
  at               timestamptz NOT NULL DEFAULT now(),
  action           text NOT NULL,
  case_id          text,
  person_pseudonym text,
  subject_type     text NOT NULL,
  subject_id       text NOT NULL,
  partner_id       text,
  category         text,
  legal_basis      text,
  consent_id       text,
  rule_id          text,
  rules_version    text,
  actor            text NOT NULL,
  detail           jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_case ON audit_log (case_id, audit_id);
CREATE INDEX audit_log_person ON audit_log (person_pseudonym, audit_id);
CREATE INDEX audit_log_partner ON audit_log (partner_id, audit_id);

-- The trail cannot be rewritten, even by a bug: updates and deletes raise.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_rewrite BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
