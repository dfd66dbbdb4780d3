-- Outcomes and harmonised metrics. No table below is ever published as such: the
-- API and the metrics topic only expose aggregates from the *_cells tables, masked.

-- Dictionaries that keep the outcome log compact (small integers instead of repeated text).
CREATE TABLE metric_partners (
  partner_no serial PRIMARY KEY,
  partner_id text NOT NULL UNIQUE,
  category   text NOT NULL
);

CREATE TABLE metric_persons (
  person_no        serial PRIMARY KEY,
  person_pseudonym text NOT NULL UNIQUE
);

-- The outcome event log (pseudonymised, compact): the source of every outcome metric and of a
-- full rebuild. Dates are days since 1970-01-01; codes index the enums of outcome-report/1
-- (see libs/metrics/src/codes.ts, append-only). One row per (reporter, reportId): a re-sent or
-- corrected report replaces its row.
CREATE TABLE outcome_events (
  event_no    bigserial PRIMARY KEY,
  partner_no  integer NOT NULL REFERENCES metric_partners (partner_no),
  report_id   text NOT NULL,
  person_no   integer NOT NULL REFERENCES metric_persons (person_no),
  start_day   integer NOT NULL,
  end_day     integer NOT NULL,
  outcome_day integer NOT NULL,
  follow_up   smallint NOT NULL,
  outcome     smallint NOT NULL,
  measures    integer NOT NULL,
  pyramide    smallint NOT NULL,
  departement text NOT NULL,
  requester   smallint NOT NULL,
  message_id  text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (partner_no, report_id)
);
CREATE INDEX outcome_events_person ON outcome_events (person_no);

-- Aggregates maintained incrementally (n += delta) and rebuilt from outcome_events. One row per
-- combination of dimensions of a "claim": a partner's latest report on a deduplicated case.
-- credited: this claim is the one that stands for the case (counted once, deduplicated).
-- case_maintien: the case's standing outcome is a maintien en emploi.
-- disagreement: the partners' outcomes for the case differ.
CREATE TABLE metric_outcome_cells (
  month         date NOT NULL,
  departement   text NOT NULL,
  partner_id    text NOT NULL,
  category      text NOT NULL,
  pyramide      text NOT NULL,
  outcome       text NOT NULL,
  credited      boolean NOT NULL,
  case_maintien boolean NOT NULL,
  disagreement  boolean NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (month, departement, partner_id, pyramide, outcome, credited, case_maintien, disagreement)
);

-- Measures mobilised, per claim; credited marks the one claim that counts the measure for the case.
CREATE TABLE metric_measure_cells (
  month         date NOT NULL,
  departement   text NOT NULL,
  partner_id    text NOT NULL,
  category      text NOT NULL,
  measure       text NOT NULL,
  requester     text NOT NULL,
  credited      boolean NOT NULL,
  case_maintien boolean NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (month, departement, partner_id, measure, requester, credited, case_maintien)
);

-- Cases claimed by every member of a pair or triple of partners (level partner) or categories
-- (level category); scope maintien counts maintien claims, scope accompaniment any report.
CREATE TABLE metric_overlap_cells (
  month       date NOT NULL,
  departement text NOT NULL,
  scope       text NOT NULL,
  level       text NOT NULL,
  members     text NOT NULL,
  size        smallint NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (month, departement, scope, level, members)
);

-- Orientations (signalements) as facts for the metrics, recorded by recordOrientation() from the
-- signalement/1 shape. One row per referral and recipient.
CREATE TABLE orientation_facts (
  sender_partner_id    text NOT NULL,
  signalement_id       text NOT NULL,
  recipient_key        text NOT NULL,
  sender_category      text NOT NULL,
  recipient_partner_id text,
  recipient_category   text NOT NULL,
  person_pseudonym     text NOT NULL,
  referral_date        date NOT NULL,
  departement          text NOT NULL,
  reason               text NOT NULL,
  pyramide             text NOT NULL,
  requested_measures   text[] NOT NULL,
  consent_granted      boolean NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sender_partner_id, signalement_id, recipient_key)
);
CREATE INDEX orientation_facts_person ON orientation_facts (person_pseudonym, referral_date);

-- Who leads each person's case, as told by the signalement flow through
-- recordChefDeFile(); follow-ups fall to the reporting partner while it is unknown.
CREATE TABLE follow_up_chef_de_file (
  person_pseudonym text PRIMARY KEY,
  partner_id       text NOT NULL,
  assigned_at      timestamptz NOT NULL,
  reason           text
);

-- Follow-ups owed 6 months after an accompaniment ends (IGAS recommendation 20).
-- status is derived from the dates when read; emitted_status is the last one published.
CREATE TABLE follow_ups (
  follow_up_id           text PRIMARY KEY,
  person_pseudonym       text NOT NULL,
  point                  text NOT NULL,
  base_date              date NOT NULL,
  due_date               date NOT NULL,
  responsible_partner_id text NOT NULL,
  responsible_reason     text NOT NULL,
  departement            text NOT NULL,
  reported_by            text NOT NULL,
  report_id              text NOT NULL,
  episode_id             text,
  done_date              date,
  emitted_status         text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX follow_ups_person ON follow_ups (person_pseudonym);
CREATE INDEX follow_ups_partner ON follow_ups (responsible_partner_id, due_date) WHERE done_date IS NULL;
