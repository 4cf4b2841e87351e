-- Users service: profile data. Emails are stored lower-case; NOCASE keeps the
-- uniqueness check case-insensitive even for rows written by other tools.
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  email      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  role       TEXT    NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
  created_at TEXT    NOT NULL
);
