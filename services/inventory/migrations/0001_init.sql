-- Inventory service: stock levels and the reservations held against them.
-- The CHECK on reserved is a backstop; reservations are made by a conditional UPDATE.
CREATE TABLE stock (
  sku      TEXT    PRIMARY KEY,
  name     TEXT    NOT NULL,
  on_hand  INTEGER NOT NULL CHECK (on_hand >= 0),
  reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand)
);

CREATE TABLE reservations (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  sku         TEXT    NOT NULL REFERENCES stock (sku),
  order_id    INTEGER,
  quantity    INTEGER NOT NULL CHECK (quantity >= 1),
  status      TEXT    NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released')),
  created_at  TEXT    NOT NULL,
  released_at TEXT
);
CREATE INDEX reservations_by_order ON reservations (order_id);
