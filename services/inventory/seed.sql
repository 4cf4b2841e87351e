-- Dev/test seed, safe to apply repeatedly. SKU-LIMITED-PIN has little stock on purpose.
INSERT OR IGNORE INTO stock (sku, name, on_hand, reserved) VALUES
  ('SKU-RED-MUG',      'Red mug',           120, 0),
  ('SKU-BLUE-CAP',     'Blue cap',          150, 0),
  ('SKU-GREEN-TEE',    'Green t-shirt',     200, 0),
  ('SKU-YELLOW-SOCKS', 'Yellow socks',      300, 0),
  ('SKU-BLACK-HOODIE', 'Black hoodie',      100, 0),
  ('SKU-LIMITED-PIN',  'Limited enamel pin',  3, 0);
