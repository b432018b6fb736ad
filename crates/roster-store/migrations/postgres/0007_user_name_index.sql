-- `userName sw` compares email keys in code point order (COLLATE "C"), which the primary
-- key's index, in the database's default collation, cannot serve: without this index every
-- such filter read the whole email table. Only first emails (userNames), with the person.
CREATE INDEX person_emails_by_user_name ON person_emails (email_key COLLATE "C")
    INCLUDE (person_id) WHERE position = 0;
