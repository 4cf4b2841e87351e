-- Catalogue prices (orders take prices from here, never from the client), and holds
-- that expire: a saga reservation not confirmed by expires_at is released by the sweep.
ALTER TABLE stock ADD COLUMN price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0);
ALTER TABLE reservations ADD COLUMN expires_at TEXT;
ALTER TABLE reservations ADD COLUMN confirmed_at TEXT;
CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE status = 'held' AND expires_at IS NOT NULL;
