-- Dev/test seed, safe to apply repeatedly. User 1 has two cards (the Visa is the default)
-- and a charge for order 1; user 2's charge for order 4 is partially refunded; user 3's
-- only card has expired.
INSERT OR IGNORE INTO payment_methods (id, user_id, brand, last4, exp_month, exp_year, is_default) VALUES
  (1, 1, 'visa',       '4242', 12, 2030, 1),
  (2, 1, 'mastercard', '4444',  6, 2029, 0),
  (3, 2, 'amex',       '0005',  3, 2031, 1),
  (4, 3, 'visa',       '1881',  1, 2024, 1);

INSERT OR IGNORE INTO charges (id, order_id, user_id, method_id, amount_cents, currency, status, created_at) VALUES
  (1, 1, 1, 1, 3900, 'EUR', 'succeeded',          '2026-02-01T10:05:00.000Z'),
  (2, 4, 2, 3, 1500, 'USD', 'partially_refunded', '2026-02-02T10:05:00.000Z');

INSERT OR IGNORE INTO refunds (id, charge_id, amount_cents, created_at) VALUES
  (1, 2, 500, '2026-02-04T08:00:00.000Z');
