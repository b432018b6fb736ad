-- Roster's PostgreSQL schema (the same shape as the SQLite one). Timestamps are milliseconds since the Unix epoch (UTC);
-- UUIDs are lowercase hyphenated text. Lists that are never queried (phone numbers,
-- addresses, SIP addresses, site URLs, licenses) are JSON arrays in the person row.

CREATE TABLE orgs (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created      BIGINT NOT NULL
);

-- A partner organization manages its customers: its admins administer their people.
CREATE TABLE org_management (
    partner_org_id  TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    customer_org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (partner_org_id, customer_org_id),
    CHECK (partner_org_id <> customer_org_id)
);

CREATE TABLE roles (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

INSERT INTO roles (id, name) VALUES
    ('id_full_admin', 'Full Administrator'),
    ('id_user_admin', 'User Administrator'),
    ('id_readonly_admin', 'Read-only Administrator'),
    ('id_device_admin', 'Device Administrator');

CREATE TABLE locations (
    id     TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name   TEXT NOT NULL
);

CREATE TABLE licenses (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    total_units BIGINT NOT NULL
);

CREATE TABLE people (
    -- Insertion order; pagination cursors are built on it so pages never overlap.
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    org_id              TEXT NOT NULL REFERENCES orgs(id),
    display_name        TEXT NOT NULL,
    -- Lowercased display name, for case-insensitive "starts with" search.
    display_name_key    TEXT COLLATE "C" NOT NULL,
    nick_name           TEXT,
    first_name          TEXT,
    last_name           TEXT,
    avatar              TEXT,
    phone_numbers       TEXT NOT NULL DEFAULT '[]',
    extension           TEXT,
    location_id         TEXT REFERENCES locations(id),
    licenses            TEXT NOT NULL DEFAULT '[]',
    department          TEXT,
    manager             TEXT,
    manager_id          TEXT,
    title               TEXT,
    addresses           TEXT NOT NULL DEFAULT '[]',
    site_urls           TEXT NOT NULL DEFAULT '[]',
    sip_addresses       TEXT NOT NULL DEFAULT '[]',
    xmpp_federation_jid TEXT,
    timezone            TEXT,
    created             BIGINT NOT NULL,
    last_modified       BIGINT NOT NULL,
    last_activity       BIGINT,
    -- An explicitly set presence state (DoNotDisturb, call, ...) and when it ends.
    presence            TEXT,
    presence_until      BIGINT,
    status_sharing      BOOLEAN NOT NULL DEFAULT TRUE,
    invite_pending      BOOLEAN NOT NULL DEFAULT FALSE,
    login_enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    person_type         TEXT NOT NULL DEFAULT 'person'
);

CREATE INDEX people_by_org ON people (org_id, seq);
CREATE INDEX people_by_name ON people (org_id, display_name_key, seq);
CREATE INDEX people_by_location ON people (location_id, seq);

-- Emails live in their own table so that uniqueness is case-insensitive and global.
CREATE TABLE person_emails (
    email_key TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    email     TEXT NOT NULL
);
CREATE INDEX person_emails_by_person ON person_emails (person_id, position);

CREATE TABLE person_roles (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role_id   TEXT NOT NULL REFERENCES roles(id),
    PRIMARY KEY (person_id, role_id)
);
CREATE INDEX person_roles_by_role ON person_roles (role_id, person_id);

-- Access tokens: only a SHA-256 of the token is kept.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label      TEXT,
    created    BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_by_person ON tokens (person_id);

-- A feed of changes that invalidate caches, read by every server process on the database
-- (the CLI writes here too, so a running server sees `roster token revoke` quickly).
CREATE TABLE changes (
    seq   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic TEXT NOT NULL,
    key   TEXT NOT NULL,
    at    BIGINT NOT NULL
);

CREATE INDEX changes_by_time ON changes (at);
