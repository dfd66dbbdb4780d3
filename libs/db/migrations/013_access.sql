-- Who may call the hub (docs/security.md). Operators have named accounts with a role; partners
-- and accounts authenticate with OAuth2 client credentials: a client id and a secret stored only
-- as its scrypt hash. Rotating a principal's credential revokes the previous one.
CREATE TABLE accounts (
  account_id  text COLLATE "C" PRIMARY KEY,
  role        text COLLATE "C" NOT NULL CHECK (role IN ('admin', 'ops', 'analyst', 'sender')),
  name        text COLLATE "C" NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE credentials (
  client_id      text COLLATE "C" PRIMARY KEY,
  principal_kind text COLLATE "C" NOT NULL CHECK (principal_kind IN ('partner', 'account')),
  principal_id   text COLLATE "C" NOT NULL,
  secret_hash    text COLLATE "C" NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz
);
CREATE INDEX credentials_principal ON credentials (principal_kind, principal_id) WHERE revoked_at IS NULL;

-- A partner that authenticates with a client certificate (mutual TLS): the SHA-256 fingerprint
-- of its certificate, lowercase hex.
ALTER TABLE partners ADD COLUMN certificate_sha256 text COLLATE "C" UNIQUE;
