-- The order saga: why an order was cancelled; 'pending' now means "the saga runs".
ALTER TABLE orders ADD COLUMN cancellation_reason TEXT;
ALTER TABLE orders ADD COLUMN payment_method_id INTEGER;
