-- The version of the person pseudonyms this database holds: 1 plus the rotations of the
-- pseudonymisation key it was re-keyed through (docs/operations.md, "Rotating the
-- pseudonymisation key"). A service whose key chain makes another version refuses to start, so
-- that two versions never meet in new rows. A database that holds persons already is at version
-- 1; an empty one takes the version of the first service that starts on it.
CREATE TABLE pseudonym_version (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version    integer NOT NULL CHECK (version >= 1),
  rekeyed_at timestamptz
);
INSERT INTO pseudonym_version (version)
SELECT 1 WHERE EXISTS (SELECT 1 FROM identities) OR EXISTS (SELECT 1 FROM episodes) OR EXISTS (SELECT 1 FROM referrals)
            OR EXISTS (SELECT 1 FROM consent_records) OR EXISTS (SELECT 1 FROM metric_persons);
