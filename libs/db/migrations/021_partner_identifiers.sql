-- A partner's national identifiers, as the FR Core Organization profile carries them (SIRET, and
-- FINESS for a health or medico-social establishment): read from an Annuaire Santé import or
-- registered, and given on the Organization the hub's FHIR Tasks are owned by.
ALTER TABLE partners ADD COLUMN siret text COLLATE "C";
ALTER TABLE partners ADD COLUMN finess text COLLATE "C";
