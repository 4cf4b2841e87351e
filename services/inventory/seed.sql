-- Dev/test seed, safe to apply repeatedly. SKU-LIMITED-PIN has little stock on purpose.
-- A re-run keeps stock levels and refreshes catalogue prices.
INSERT INTO stock (sku, name, on_hand, reserved, price_cents) VALUES
  ('SKU-RED-MUG',      'Red mug',           120, 0, 1200),
  ('SKU-BLUE-CAP',     'Blue cap',          150, 0, 1500),
  ('SKU-GREEN-TEE',    'Green t-shirt',     200, 0, 2000),
  ('SKU-YELLOW-SOCKS', 'Yellow socks',      300, 0,  800),
  ('SKU-BLACK-HOODIE', 'Black hoodie',      100, 0, 4500),
  ('SKU-LIMITED-PIN',  'Limited enamel pin',  3, 0,  900)
ON CONFLICT (sku) DO UPDATE SET price_cents = excluded.price_cents;
