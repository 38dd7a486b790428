import { defineConfig } from 'drizzle-kit'

// Generates the numbered SQL migrations in migrations/ that `wrangler d1 migrations apply` runs.
export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/index-db/schema.ts',
  out: './migrations',
})
