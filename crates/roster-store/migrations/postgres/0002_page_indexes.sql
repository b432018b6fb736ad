-- A page of people is read from an index alone: the position columns plus the id and the
-- version (last_modified) let the server take the records from its cache and read only
-- those it lacks (or holds in an older version).
DROP INDEX people_by_org;
DROP INDEX people_by_name;
CREATE INDEX people_by_org ON people (org_id, seq) INCLUDE (id, last_modified);
CREATE INDEX people_by_name ON people (org_id, display_name_key, seq) INCLUDE (id, last_modified);
