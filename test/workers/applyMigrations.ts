import { applyD1Migrations, env } from 'cloudflare:test'

// Setup files run before each test file; applying migrations is idempotent.
await applyD1Migrations(
  env.INDEX_DB,
  (env as unknown as { TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).TEST_MIGRATIONS,
)
