-- The keys that sign OpenID Connect id_tokens, shared by every node on the database.
-- One key is active (retired_at NULL) and signs; a retired key has lost its private half
-- and stays published in the JWKS until the id_tokens it signed have expired.
CREATE TABLE oidc_signing_keys (
    kid             TEXT PRIMARY KEY,
    -- PKCS#8 PEM of the RSA private key; NULL once the key is retired.
    private_key_pem TEXT,
    -- The public key as a JWK (JSON text), as /v1/verification publishes it.
    public_jwk      TEXT NOT NULL,
    created         BIGINT NOT NULL,
    retired_at      BIGINT,
    CHECK (retired_at IS NOT NULL OR private_key_pem IS NOT NULL)
);
-- At most one active key: nodes that start together and each make a key keep only the
-- first one stored.
CREATE UNIQUE INDEX oidc_one_active_signing_key ON oidc_signing_keys ((retired_at IS NULL))
    WHERE retired_at IS NULL;
