-- Events (services/shared/events/): the transactional outbox, the ids of handled
-- events (idempotent consumers), dead letters and the failures that led to them.
-- One outbox row per (event, subscriber): each subscriber queue is sent to, and
-- marked sent, on its own.
CREATE TABLE outbox (
  event_id    TEXT    NOT NULL,
  subscriber  TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  envelope    TEXT    NOT NULL,
  created_at  TEXT    NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  -- Epoch ms until which a relay owns the row; 0 = free.
  lease_until INTEGER NOT NULL DEFAULT 0,
  sent_at     TEXT,
  last_error  TEXT,
  PRIMARY KEY (event_id, subscriber)
);
CREATE INDEX outbox_pending ON outbox (lease_until) WHERE sent_at IS NULL;

CREATE TABLE handled_events (
  event_id   TEXT PRIMARY KEY,
  type       TEXT NOT NULL,
  handled_at TEXT NOT NULL
);

CREATE TABLE event_failures (
  event_id   TEXT PRIMARY KEY,
  attempts   INTEGER NOT NULL,
  last_error TEXT    NOT NULL,
  updated_at TEXT    NOT NULL
);

CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT,
  type        TEXT,
  body        TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  dead_at     TEXT    NOT NULL,
  replayed_at TEXT
);

-- Keyed POSTs (Idempotency-Key): the first result per caller and key, written in the
-- same batch as the resource it names.
CREATE TABLE idempotency_keys (
  caller      TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  resource_id INTEGER NOT NULL,
  created_at  TEXT    NOT NULL,
  PRIMARY KEY (caller, key)
);
