-- OAuth 2 (Webex integrations): clients, passwords, codes, grants, browser sessions,
-- remembered consents, sign-in throttling and pre-approved sign-ins. Every secret here
-- (client secrets, codes, refresh tokens, session cookies) is kept only as a SHA-256 hex
-- digest; passwords as Argon2id PHC strings. Timestamps are milliseconds since the epoch.

-- An integration: an OAuth client of one organization.
CREATE TABLE oauth_integrations (
    id            TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL UNIQUE,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    -- A JSON array of the registered URIs, matched exactly.
    redirect_uris TEXT NOT NULL,
    -- Scopes here and below are space-separated, as OAuth writes them.
    scopes        TEXT NOT NULL,
    created       BIGINT NOT NULL
);

CREATE TABLE person_passwords (
    person_id TEXT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    hash      TEXT NOT NULL,
    updated   BIGINT NOT NULL
);

-- A grant: a person let a client act with some scopes. Its refresh token, and the access
-- tokens issued under it (tokens.authorization_id), die with it.
CREATE TABLE oauth_authorizations (
    id                 TEXT PRIMARY KEY,
    person_id          TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    client_id          TEXT NOT NULL REFERENCES oauth_integrations(client_id) ON DELETE CASCADE,
    scopes             TEXT NOT NULL,
    refresh_hash       TEXT NOT NULL UNIQUE,
    refresh_expires_at BIGINT NOT NULL,
    created            BIGINT NOT NULL,
    revoked_at         BIGINT
);
CREATE INDEX oauth_authorizations_by_person ON oauth_authorizations (person_id);
CREATE INDEX oauth_authorizations_by_client ON oauth_authorizations (client_id);

-- Authorization codes: single use; `authorization_id` is what the first use issued, so a
-- second use can revoke it.
CREATE TABLE oauth_codes (
    code_hash             TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES oauth_integrations(client_id) ON DELETE CASCADE,
    person_id             TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    scopes                TEXT NOT NULL,
    nonce                 TEXT,
    auth_time             BIGINT NOT NULL,
    created               BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL,
    used_at               BIGINT,
    authorization_id      TEXT
);

-- Access tokens carry their scopes (NULL: full access, as `roster token create` makes) and
-- the grant they were issued under.
ALTER TABLE tokens ADD COLUMN scopes TEXT;
ALTER TABLE tokens ADD COLUMN authorization_id TEXT;
CREATE INDEX tokens_by_authorization ON tokens (authorization_id);

-- Browser sessions of the sign-in pages, so that any node accepts the cookie.
CREATE TABLE oauth_sessions (
    session_hash TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    auth_time    BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- Consents remembered per person and client: the union of the scopes granted.
CREATE TABLE oauth_consents (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES oauth_integrations(client_id) ON DELETE CASCADE,
    scopes    TEXT NOT NULL,
    PRIMARY KEY (person_id, client_id)
);

-- Failed sign-ins in the current window, per key (`account:<email>` or `address:<ip>`).
CREATE TABLE sign_in_failures (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);

-- Sign-ins approved ahead of time (test controls): the next /v1/authorize of the client
-- (or of any client, when client_id is NULL) signs this person in and consents.
CREATE TABLE sign_in_approvals (
    id        TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    client_id TEXT,
    created   BIGINT NOT NULL,
    taken_at  BIGINT
);
