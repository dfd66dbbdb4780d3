-- A partner's public key (JWK): the worker's identity travels on its Kafka topic encrypted for it
-- alone (JWE), so that whoever operates Kafka cannot read it (docs/security.md, "Identity on the
-- partners' topics"). Without one, its topic stays pseudonymous.
ALTER TABLE partners ADD COLUMN encryption_jwk jsonb;
