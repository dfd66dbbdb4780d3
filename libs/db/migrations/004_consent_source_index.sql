-- The coordinator checks per referral whether the consent stated on a fiche is already
-- recorded (by source); without an index that check scans the whole registry.
CREATE INDEX consent_records_source ON consent_records (source);
