-- Named snapshots of the whole directory, taken and restored through the control API
-- (`POST /snapshots`). A snapshot's rows live in tables `control_snapshot_<id>_<n>`, one
-- per directory table, made when it is taken; `tables` names the source of each, in order
-- (`n` is the position), comma-separated.
CREATE TABLE control_snapshots (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    tables  TEXT NOT NULL
);
