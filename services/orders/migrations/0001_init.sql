-- Orders service. An order and its items are written in one batch, after stock is
-- reserved; order_ids hands out the id first, so reservations can name the order.
CREATE TABLE order_ids (
  id INTEGER PRIMARY KEY AUTOINCREMENT
);

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL CHECK (user_id > 0),
  status      TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
  currency    TEXT    NOT NULL CHECK (length(currency) = 3),
  created_at  TEXT    NOT NULL
);
CREATE INDEX orders_by_user ON orders (user_id, id);

CREATE TABLE order_items (
  order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  sku              TEXT    NOT NULL,
  quantity         INTEGER NOT NULL CHECK (quantity >= 1),
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  -- Inventory reservation holding this line's stock (null for seeded history).
  reservation_id   INTEGER,
  PRIMARY KEY (order_id, sku)
);
