-- Refresh tokens, kept as SHA-256 digests only: a leaked table holds no usable token.
-- Every login starts a family; each refresh marks its token used and adds the next
-- one to the family. Presenting a used token again (reuse) revokes the whole family.
CREATE TABLE refresh_families (
  id             TEXT    PRIMARY KEY,
  user_id        INTEGER NOT NULL REFERENCES users(id),
  created_at     INTEGER NOT NULL,
  -- Unix seconds; set on logout or on detected reuse.
  revoked_at     INTEGER,
  revoked_reason TEXT    CHECK (revoked_reason IN ('logout', 'reuse'))
);

CREATE TABLE refresh_tokens (
  -- base64url SHA-256 of the token.
  token_hash TEXT    PRIMARY KEY,
  family_id  TEXT    NOT NULL REFERENCES refresh_families(id),
  issued_at  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  -- Unix seconds of the refresh that consumed it; a token is good for one refresh.
  used_at    INTEGER
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
