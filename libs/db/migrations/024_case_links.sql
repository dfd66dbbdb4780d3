-- Case ids partners received before a rotation of the pseudonymisation key, linked to the case
-- ids made since from the new pseudonyms: the case routes still answer them. Each link is keyed
-- by an HMAC under the rotation's key (libs/domain Pseudonymizer.linkKeys), so whoever holds only
-- the earlier keys cannot follow it (docs/security.md, "Rotating the pseudonymisation key").
CREATE TABLE case_links (
  link_key text COLLATE "C" PRIMARY KEY,
  case_id  text COLLATE "C" NOT NULL
);
CREATE INDEX case_links_case ON case_links (case_id);
