// drizzle-kit: `npm run db:generate -w platform` writes a new migration into ./drizzle after a
// schema change. The migrations are committed; openDatabase() applies them at start.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
