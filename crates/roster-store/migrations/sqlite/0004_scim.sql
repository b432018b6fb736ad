-- SCIM 2 over the same directory. A SCIM user is a person; what SCIM knows about them and
-- the People API does not (externalId, name parts, enterprise and Cisco extension fields,
-- photos, ...) is kept beside the person, and goes with them when they are deleted.
CREATE TABLE scim_users (
    person_id   TEXT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    external_id TEXT,
    -- A JSON object of the SCIM-only attributes, keyed by their SCIM names.
    attributes  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scim_users_by_external_id ON scim_users (external_id);

CREATE TABLE scim_groups (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    display_name     TEXT NOT NULL,
    -- Lowercased display name, for case-insensitive filters.
    display_name_key TEXT NOT NULL,
    external_id      TEXT,
    attributes       TEXT NOT NULL DEFAULT '{}',
    created          INTEGER NOT NULL,
    last_modified    INTEGER NOT NULL
);
CREATE INDEX scim_groups_by_org ON scim_groups (org_id, seq);
CREATE INDEX scim_groups_by_name ON scim_groups (org_id, display_name_key);

-- Members are people of the group's organization; deleting a person or a group removes
-- the membership.
CREATE TABLE scim_group_members (
    group_id  TEXT NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX scim_group_members_by_person ON scim_group_members (person_id);
