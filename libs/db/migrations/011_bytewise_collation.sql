-- Every text column compares bytewise (COLLATE "C"), whatever locale the cluster was created
-- with (docs/performance.md). The hub's keys are pseudonyms, digests, ids, codes and dates: under a libc
-- locale such as C.UTF-8, PostgreSQL copies both strings and calls strcoll for each comparison
-- (it cannot know that C.UTF-8 is code-point order), and every index insert, probe and join
-- compares a dozen times. The database's CPU per message fell from ~18.6 to ~17.5 µs in
-- interleaved bench drains (docs/journal/round-14.md). Orders do not change on this deployment: C.UTF-8 sorts by code point, which is
-- UTF-8's byte order. Indexes no longer depend on the C library's collation tables either (a
-- glibc upgrade that changes them silently corrupts text indexes).
-- All columns change together: a comparison between a "C" column and a default-collation one
-- is made in "C", and a default-collation index would then not serve it. A new text column
-- must say COLLATE "C" too; libs/db's migration spec checks that none is left behind.
-- Indexes on the changed columns are rebuilt; tables are not rewritten (same type).
DO $$ DECLARE t record; BEGIN
  FOR t IN
    SELECT c.oid::regclass AS tbl,
           string_agg(format('ALTER COLUMN %I TYPE %s COLLATE "C"', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum) AS alters
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
       AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attcollation = (SELECT oid FROM pg_collation WHERE collname = 'default')
     GROUP BY c.oid
  LOOP
    EXECUTE format('ALTER TABLE %s %s', t.tbl, t.alters); END LOOP; END $$;
