-- Documents the hub writes whole and reads whole are stored as json (their text, checked by
-- PostgreSQL's JSON lexer) rather than jsonb: an episode's case event and history are rewritten
-- with each notification, and an inbox item's delivery with each version. Building jsonb (each
-- string copied character by character, each object's keys sorted) was a quarter of the
-- database's CPU in the sick-leave pipeline (docs/performance.md); the few queries that look inside
-- them (->, ->>) work on json as they did on jsonb.
ALTER TABLE episodes ALTER COLUMN case_event TYPE json USING case_event::json;
ALTER TABLE episodes ALTER COLUMN notifications DROP DEFAULT;
ALTER TABLE episodes ALTER COLUMN notifications TYPE json USING notifications::json;
ALTER TABLE episodes ALTER COLUMN notifications SET DEFAULT '[]'::json;
ALTER TABLE inbox_items ALTER COLUMN payload TYPE json USING payload::json;
