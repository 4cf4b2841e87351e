-- Dev/test seed, safe to apply repeatedly. User 1 has three orders, user 2 one.
-- Seeded ids also go into order_ids so new orders are numbered after them.
INSERT OR IGNORE INTO order_ids (id) VALUES (1), (2), (3), (4);

INSERT OR IGNORE INTO orders (id, user_id, status, total_cents, currency, created_at) VALUES
  (1, 1, 'paid',    3900, 'EUR', '2026-02-01T10:00:00.000Z'),
  (2, 1, 'shipped', 6000, 'EUR', '2026-02-03T10:00:00.000Z'),
  (3, 1, 'pending', 3200, 'EUR', '2026-02-05T10:00:00.000Z'),
  (4, 2, 'paid',    1500, 'USD', '2026-02-02T10:00:00.000Z');

INSERT OR IGNORE INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES
  (1, 'SKU-RED-MUG',   2, 1200),
  (1, 'SKU-BLUE-CAP',  1, 1500),
  (2, 'SKU-GREEN-TEE', 3, 2000),
  (3, 'SKU-RED-MUG',   1, 1200),
  (3, 'SKU-GREEN-TEE', 1, 2000),
  (4, 'SKU-BLUE-CAP',  1, 1500);
