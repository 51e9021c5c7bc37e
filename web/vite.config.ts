import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  // Kit's server runtime (run once at build time to write the SPA fallback page) needs cookie 0.6,
  // nested under @sveltejs/kit; left external, Node would load the workspace root's cookie 2.x.
  ssr: { noExternal: ['cookie'] },
  // `vite dev` against a running `npm start` (port 8080): the API stays the only backend.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
