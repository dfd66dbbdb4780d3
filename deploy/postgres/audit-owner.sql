-- The audit trail's owner (docs/operations.md, "The audit trail's owner"): an operator's step of
-- the distributed mode, once per database, after the apps have applied migration 012_audit_chain:
--
--   psql "postgres://<superuser>@<host>:5432/<hub database>" -v ON_ERROR_STOP=1 -f deploy/postgres/audit-owner.sql
--
-- Run it as a superuser, in the hub's database, with the hub's schema first in the search path
-- (public unless you changed it). It can be run again (after a migration that touched the
-- trail, which the owner then applies: see the operations guide).
--
-- The application role is the one that owns schema_migrations (the apps migrate as it).
-- Afterwards the role pdp_audit_owner (NOLOGIN: nobody connects as it) owns audit_log,
-- audit_anchor and the chain's functions, and the application role may only SELECT and INSERT
-- audit_log and SELECT audit_anchor: it can neither UPDATE, DELETE nor TRUNCATE them, nor
-- ALTER them (DISABLE TRIGGER), nor DROP them, nor replace the functions that chain the rows.
-- Its appends still go through: the chain's statement triggers run as pdp_audit_owner
-- (SECURITY DEFINER) to lock and move the anchor.
DO $$
DECLARE
  s name := current_schema();
  app name;
  f regprocedure;
BEGIN
  SELECT tableowner INTO app FROM pg_tables WHERE schemaname = s AND tablename = 'schema_migrations';
  IF app IS NULL THEN
    RAISE EXCEPTION 'no schema_migrations in schema %: start the apps once (they migrate), then run this', s;
  END IF;
  IF to_regclass(format('%I.audit_anchor', s)) IS NULL THEN
    RAISE EXCEPTION 'no audit_anchor in schema %: migration 012_audit_chain has not run yet', s;
  END IF;
  IF app = 'pdp_audit_owner' THEN
    RAISE EXCEPTION 'schema_migrations belongs to pdp_audit_owner: the apps must migrate as their own role';
  END IF;
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = app) THEN
    RAISE EXCEPTION 'the application role % is a superuser: no owner can keep it from the trail; give the apps a role of their own', app;
  END IF;

  BEGIN
    CREATE ROLE pdp_audit_owner NOLOGIN;
  EXCEPTION WHEN duplicate_object THEN
    NULL; -- another database of the cluster made it already
  END;
  IF pg_has_role(app, 'pdp_audit_owner', 'MEMBER') THEN
    RAISE EXCEPTION 'the application role % is a member of pdp_audit_owner: it could act as the owner', app;
  END IF;

  -- Who owns the database or the schema can drop them, and the trail with them.
  IF (SELECT datdba FROM pg_database WHERE datname = current_database()) = (SELECT oid FROM pg_roles WHERE rolname = app) THEN
    RAISE WARNING 'the application role % owns the database %: it could drop it whole; give the database to an operator role (ALTER DATABASE … OWNER TO …)', app, current_database();
  END IF;
  IF pg_has_role(app, (SELECT nspowner FROM pg_namespace WHERE nspname = s), 'MEMBER') THEN
    RAISE WARNING 'the application role % owns schema %: it could drop it with the trail; give it to an operator role and GRANT USAGE, CREATE ON SCHEMA % TO %', app, s, s, app;
  END IF;

  EXECUTE format('GRANT USAGE ON SCHEMA %I TO pdp_audit_owner', s);
  EXECUTE format('ALTER TABLE %I.audit_log OWNER TO pdp_audit_owner', s);
  EXECUTE format('ALTER TABLE %I.audit_anchor OWNER TO pdp_audit_owner', s);
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = s::regnamespace
       AND p.proname IN ('audit_log_row_hash', 'audit_log_chain_begin', 'audit_log_chain_row', 'audit_log_chain_end', 'audit_log_append_only', 'audit_anchor_guard')
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO pdp_audit_owner', f);
  END LOOP;

  EXECUTE format('REVOKE ALL ON %I.audit_log, %I.audit_anchor FROM PUBLIC, %I', s, s, app);
  EXECUTE format('GRANT SELECT, INSERT ON %I.audit_log TO %I', s, app);
  EXECUTE format('GRANT SELECT ON %I.audit_anchor TO %I', s, app);
  RAISE NOTICE 'audit_log and audit_anchor in schema % belong to pdp_audit_owner; % may SELECT and INSERT', s, app;
END $$;
