-- Auth service: credentials and roles. Login and token issuing build on this table.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT    NOT NULL,
  salt          TEXT    NOT NULL,
  -- JSON array of role names, e.g. ["customer"].
  roles         TEXT    NOT NULL DEFAULT '["customer"]' CHECK (json_valid(roles)),
  created_at    TEXT    NOT NULL
);
