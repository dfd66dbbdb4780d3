-- An episode's case event is kept as the columns it is rebuilt from, not as a JSON document
-- (docs/performance.md): the event was serialised by the normalizer and lexed by PostgreSQL for each
-- episode written, about 600 bytes of JSON per row, and most of it repeats the notifications
-- (dates, days, prolongations, risk, consent, version), which the row holds already. What the
-- history cannot give is stored here; libs/sick-leave/src/episode-rows.ts rebuilds the event.
-- The events delivered to partners stay whole in inbox_items.payload.
ALTER TABLE episodes
  ADD COLUMN source_message_id  text,
  ADD COLUMN nature             text,
  ADD COLUMN issuing_cpam       text,
  ADD COLUMN worker_departement text,
  ADD COLUMN start_date         date,
  ADD COLUMN eligibility_reason text,
  ADD COLUMN legal_basis        text;

UPDATE episodes
   SET source_message_id  = case_event->>'sourceMessageId',
       nature             = case_event->>'nature',
       issuing_cpam       = case_event->>'issuingCpam',
       worker_departement = case_event->>'workerDepartement',
       start_date         = (case_event->>'startDate')::date,
       eligibility_reason = case_event->>'eligibilityReason',
       legal_basis        = case_event->>'legalBasis',
       -- normalizedAt becomes the row's write time, which it was to the millisecond.
       updated_at         = coalesce((case_event->>'normalizedAt')::timestamptz, updated_at);

ALTER TABLE episodes DROP COLUMN case_event;
