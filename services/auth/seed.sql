-- Dev/test seed, safe to apply repeatedly: the same accounts as the users service.
-- password_hash '!' and an empty salt mark "no password set": no password can match.
INSERT OR IGNORE INTO users (id, email, password_hash, salt, roles, created_at) VALUES
  (1, 'ada@example.com', '!', '', '["customer"]', '2026-01-01T09:00:00.000Z'),
  (2, 'grace@example.com', '!', '', '["admin"]', '2026-01-02T09:00:00.000Z'),
  (3, 'alan.turing@example.com', '!', '', '["customer"]', '2026-01-03T09:00:00.000Z'),
  (4, 'edsger.dijkstra@example.com', '!', '', '["customer"]', '2026-01-04T09:00:00.000Z'),
  (5, 'barbara.liskov@example.com', '!', '', '["customer"]', '2026-01-05T09:00:00.000Z'),
  (6, 'donald.knuth@example.com', '!', '', '["customer"]', '2026-01-06T09:00:00.000Z'),
  (7, 'margaret.hamilton@example.com', '!', '', '["customer"]', '2026-01-07T09:00:00.000Z'),
  (8, 'john.mccarthy@example.com', '!', '', '["customer"]', '2026-01-08T09:00:00.000Z'),
  (9, 'frances.allen@example.com', '!', '', '["customer"]', '2026-01-09T09:00:00.000Z'),
  (10, 'ken.thompson@example.com', '!', '', '["customer"]', '2026-01-10T09:00:00.000Z'),
  (11, 'dennis.ritchie@example.com', '!', '', '["customer"]', '2026-01-11T09:00:00.000Z'),
  (12, 'radia.perlman@example.com', '!', '', '["customer"]', '2026-01-12T09:00:00.000Z'),
  (13, 'tim.bernerslee@example.com', '!', '', '["customer"]', '2026-01-13T09:00:00.000Z'),
  (14, 'leslie.lamport@example.com', '!', '', '["customer"]', '2026-01-14T09:00:00.000Z'),
  (15, 'adele.goldberg@example.com', '!', '', '["customer"]', '2026-01-15T09:00:00.000Z'),
  (16, 'niklaus.wirth@example.com', '!', '', '["customer"]', '2026-01-16T09:00:00.000Z'),
  (17, 'karen.sparck.jones@example.com', '!', '', '["customer"]', '2026-01-17T09:00:00.000Z'),
  (18, 'tony.hoare@example.com', '!', '', '["customer"]', '2026-01-18T09:00:00.000Z'),
  (19, 'shafi.goldwasser@example.com', '!', '', '["customer"]', '2026-01-19T09:00:00.000Z'),
  (20, 'vint.cerf@example.com', '!', '', '["customer"]', '2026-01-20T09:00:00.000Z'),
  (21, 'jean.sammet@example.com', '!', '', '["customer"]', '2026-01-21T09:00:00.000Z'),
  (22, 'claude.shannon@example.com', '!', '', '["customer"]', '2026-01-22T09:00:00.000Z'),
  (23, 'hedy.lamarr@example.com', '!', '', '["customer"]', '2026-01-23T09:00:00.000Z'),
  (24, 'john.backus@example.com', '!', '', '["customer"]', '2026-01-24T09:00:00.000Z'),
  (25, 'sophie.wilson@example.com', '!', '', '["customer"]', '2026-01-25T09:00:00.000Z');

-- Dev passwords (README "Dev accounts"): PBKDF2-SHA256, 100 000 iterations, a random
-- 16-byte salt per user. Public in this repository: dev and test databases only.
--   ada@example.com    ada-dev-password    customer
--   grace@example.com  grace-dev-password  admin
--   alan.turing@example.com  alan-dev-password  customer
UPDATE users SET salt = '069NWjMFH6y7pZulunCF8A',
  password_hash = 'pbkdf2-sha256$100000$E4hj0gD7ZzvThOGQqYBbK7ZfZ2vIBGSzrMX_b_iWb2Q' WHERE id = 1;
UPDATE users SET salt = 'P6d6Kb-wpP6_40-mUvLasw',
  password_hash = 'pbkdf2-sha256$100000$XezwjlycHlKbln76jOFSDCcL2Df4hh-pwc0kcXmpYno' WHERE id = 2;
UPDATE users SET salt = 'NndVl071-cajdrIHF6dpUQ',
  password_hash = 'pbkdf2-sha256$100000$2AJqL8kizYHdD0a9qka9eI0vQPyaiyWnY-LFw7LWvWM' WHERE id = 3;
