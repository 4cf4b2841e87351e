-- What payments knows of an order in the saga: amount and method (from OrderPlaced),
-- and where it stands: awaiting-stock → charged | failed | cancelled → refunded.
CREATE TABLE payment_intents (
  order_id     INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL,
  amount_cents INTEGER NOT NULL,
  currency     TEXT    NOT NULL,
  method_id    INTEGER,
  status       TEXT    NOT NULL
               CHECK (status IN ('awaiting-stock', 'charged', 'failed', 'cancelled', 'refunded')),
  charge_id    INTEGER,
  reason       TEXT,
  updated_at   TEXT    NOT NULL
);
