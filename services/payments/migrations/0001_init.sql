-- Payments service: stored cards, charges against orders, and refunds of charges.
CREATE TABLE payment_methods (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL CHECK (user_id > 0),
  brand      TEXT    NOT NULL,
  last4      TEXT    NOT NULL CHECK (length(last4) = 4),
  exp_month  INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year   INTEGER NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
);
CREATE INDEX payment_methods_by_user ON payment_methods (user_id);
-- At most one default card per user.
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (user_id) WHERE is_default = 1;

CREATE TABLE charges (
  id           INTEGER PRIMARY KEY,
  order_id     INTEGER NOT NULL CHECK (order_id > 0),
  user_id      INTEGER NOT NULL CHECK (user_id > 0),
  method_id    INTEGER NOT NULL REFERENCES payment_methods (id),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  currency     TEXT    NOT NULL CHECK (length(currency) = 3),
  status       TEXT    NOT NULL DEFAULT 'succeeded'
                       CHECK (status IN ('succeeded', 'refunded', 'partially_refunded')),
  created_at   TEXT    NOT NULL
);
CREATE INDEX charges_by_order ON charges (order_id);

CREATE TABLE refunds (
  id           INTEGER PRIMARY KEY,
  charge_id    INTEGER NOT NULL REFERENCES charges (id),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  created_at   TEXT    NOT NULL
);
CREATE INDEX refunds_by_charge ON refunds (charge_id);
