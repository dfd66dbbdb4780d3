-- A FHIR copy whose partner endpoint failed is pushed again by the hub itself, with exponential
-- backoff (docs/integrators.md, "FHIR"): how many pushes failed, and when the next one is due
-- (none once delivered, cancelled or given up).
ALTER TABLE coordination_deliveries ADD COLUMN fhir_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE coordination_deliveries ADD COLUMN fhir_next_at timestamptz;
CREATE INDEX coordination_deliveries_fhir_due ON coordination_deliveries (fhir_next_at) WHERE fhir_next_at IS NOT NULL;
-- Copies pending or failed before this migration are due now.
UPDATE coordination_deliveries SET fhir_next_at = now() WHERE status = 'delivered' AND fhir_status IN ('pending', 'failed');
