-- The audit trail becomes a hash chain (docs/architecture.md, "The audit trail"): every row
-- carries prev_hash, the hash of the row appended before it (32 zero bytes for the first), and
-- hash = sha256(prev_hash || the row's canonical text). The database computes both, whichever
-- app appends, so every process extends one chain; libs/audit verifies it (verifyChain,
-- GET /v1/audit/verify, npm run audit:verify).
--
-- How an append works, per statement (INSERT … SELECT, or COPY, which the apps use):
--   BEFORE STATEMENT (audit_log_chain_begin): locks the one audit_anchor row (FOR UPDATE, held
--     until the transaction ends: appends of concurrent transactions wait there, in turn) and
--     puts its head, "<last audit_id>:<last hash in hex>", in the transaction-local setting
--     pdp_audit.head;
--   BEFORE ROW (audit_log_chain_row): audit_id = the head's id + 1, at = now(), prev_hash = the
--     head's hash, hash computed, the head moved on. No table is read or written per row;
--   AFTER STATEMENT (audit_log_chain_end): writes the head back to audit_anchor, with the count.
-- Transition tables (statement-level AFTER triggers) see the rows only once written: setting
-- their hashes would take a second write of every row, so the rows are chained one by one in
-- the BEFORE ROW trigger and only the lock and the anchor are per statement.
--
-- audit_id is assigned under the lock, from the anchor: ids follow the chain's order and have
-- no gaps from here on (a rolled-back append rolls the anchor back too), so a missing id is a
-- removed row. The sequence is no longer used.
--
-- audit_anchor keeps the head and the count apart from the log: a log emptied or cut at its
-- start while the anchor says otherwise is a truncation. deploy/postgres/audit-owner.sql gives
-- both tables and these functions to the role pdp_audit_owner, and the application role only
-- INSERT and SELECT (docs/operations.md, "The audit trail's owner").

ALTER TABLE audit_log ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;

-- The row's canonical text: a JSON array of its fields in a fixed order, the time in UTC to
-- the microsecond, detail as jsonb prints it (keys sorted). The migration and the verification
-- call it; audit_log_chain_row computes the same expression over NEW.
CREATE FUNCTION audit_log_row_hash(prev bytea, r audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT sha256(prev || convert_to(json_build_array(
    r.audit_id, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), r.action, r.case_id, r.person_pseudonym,
    r.subject_type, r.subject_id, r.partner_id, r.category, r.legal_basis, r.consent_id, r.rule_id, r.rules_version, r.actor, r.detail
  )::text, 'UTF8'))
$$;

-- The chain's head, one row: the last audit_id and hash, how many rows the chain holds, and its first id.
CREATE TABLE audit_anchor (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_audit_id   bigint NOT NULL,
  last_hash       bytea NOT NULL,
  row_count       bigint NOT NULL,
  first_audit_id  bigint,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The rows already there are chained in audit_id order (the append-only trigger is set aside
-- meanwhile), in slices of 10,000 rows: one UPDATE per slice.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_rewrite;

DO $$
DECLARE
  r audit_log;
  head bytea := decode(repeat('00', 32), 'hex');
  ids bigint[] := '{}';
  prevs bytea[] := '{}';
  hashes bytea[] := '{}';
  n bigint := 0;
  first_id bigint;
  last_id bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY audit_id LOOP
    ids := ids || r.audit_id;
    prevs := prevs || head;
    head := audit_log_row_hash(head, r);
    hashes := hashes || head;
    n := n + 1;
    first_id := coalesce(first_id, r.audit_id);
    last_id := r.audit_id;
    IF cardinality(ids) >= 10000 THEN
      UPDATE audit_log l SET prev_hash = u.p, hash = u.h FROM unnest(ids, prevs, hashes) AS u(i, p, h) WHERE l.audit_id = u.i;
      ids := '{}'; prevs := '{}'; hashes := '{}';
    END IF;
  END LOOP;
  UPDATE audit_log l SET prev_hash = u.p, hash = u.h FROM unnest(ids, prevs, hashes) AS u(i, p, h) WHERE l.audit_id = u.i;
  INSERT INTO audit_anchor (last_audit_id, last_hash, row_count, first_audit_id) VALUES (last_id, head, n, first_id);
END $$;

ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_rewrite;

ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL, ALTER COLUMN audit_id DROP DEFAULT;
DROP SEQUENCE audit_log_audit_id_seq;

CREATE FUNCTION audit_log_chain_begin() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE a audit_anchor;
BEGIN
  SELECT * INTO a FROM audit_anchor FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'audit_anchor has no row: the audit trail cannot be extended'; END IF;
  PERFORM set_config('pdp_audit.head', a.last_audit_id || ':' || encode(a.last_hash, 'hex'), true);
  RETURN NULL;
END $$;

-- Per row: no table access, no lock; reads and moves the head the statement trigger set. The
-- hash is audit_log_row_hash's expression written out over NEW (passing NEW whole would build a
-- composite value per row); the verification recomputes it with audit_log_row_hash, so the two
-- cannot drift apart unnoticed. Assignments, not PERFORM: a PERFORM runs a query per row.
CREATE FUNCTION audit_log_chain_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head text := current_setting('pdp_audit.head', true);
  sep int := strpos(head, ':');
BEGIN
  IF sep = 0 OR sep IS NULL THEN RAISE EXCEPTION 'audit_log: no chain head (audit_log_chain_begin did not run)'; END IF;
  NEW.audit_id := substr(head, 1, sep - 1)::bigint + 1;
  NEW.at := now(); -- the column's default, which an insert cannot override: no entry is backdated
  NEW.prev_hash := decode(substr(head, sep + 1), 'hex');
  NEW.hash := sha256(NEW.prev_hash || convert_to(json_build_array(
    NEW.audit_id, to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), NEW.action, NEW.case_id, NEW.person_pseudonym,
    NEW.subject_type, NEW.subject_id, NEW.partner_id, NEW.category, NEW.legal_basis, NEW.consent_id, NEW.rule_id, NEW.rules_version, NEW.actor, NEW.detail
  )::text, 'UTF8'));
  head := set_config('pdp_audit.head', NEW.audit_id || ':' || encode(NEW.hash, 'hex'), true);
  RETURN NEW;
END $$;

CREATE FUNCTION audit_log_chain_end() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  head text := current_setting('pdp_audit.head', true);
  sep int := strpos(head, ':');
  last_id bigint := substr(head, 1, sep - 1)::bigint;
BEGIN
  UPDATE audit_anchor
     SET row_count = row_count + (last_id - last_audit_id),
         first_audit_id = coalesce(first_audit_id, last_audit_id + 1),
         last_audit_id = last_id,
         last_hash = decode(substr(head, sep + 1), 'hex'),
         updated_at = now()
   WHERE last_audit_id <> last_id;
  RETURN NULL;
END $$;

-- The two SECURITY DEFINER functions resolve names in this schema and the catalog only.
DO $$ BEGIN
  EXECUTE format('ALTER FUNCTION audit_log_chain_begin() SET search_path = pg_catalog, %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION audit_log_chain_end() SET search_path = pg_catalog, %I, pg_temp', current_schema());
END $$;

CREATE TRIGGER audit_log_chain_begin BEFORE INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_chain_begin();
CREATE TRIGGER audit_log_chain_row BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain_row();
CREATE TRIGGER audit_log_chain_end AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_chain_end();
-- TRUNCATE too is refused (the owner can still set the trigger aside: the anchor then tells).
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The anchor changes only through audit_log_chain_end (a trigger, so at depth 2 here), and is never truncated.
CREATE FUNCTION audit_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN RAISE EXCEPTION 'audit_anchor changes only with the audit trail'; END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER audit_anchor_guard BEFORE UPDATE OR DELETE ON audit_anchor FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_guard();
