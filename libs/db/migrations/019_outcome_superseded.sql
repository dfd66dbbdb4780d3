-- The messages of an outcome report that a later version of it replaced (same reporter and report
-- id): the outcome log keeps the latest message only, and the sender of an earlier one must still
-- find it counted (GET /v1/messages/:id; docs/faults.md).
CREATE TABLE outcome_superseded (
  message_id text COLLATE "C" PRIMARY KEY,
  partner_no integer NOT NULL,
  report_id  text COLLATE "C" NOT NULL
);
