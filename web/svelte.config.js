import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * A single-page app: the API serves web/build and answers every client route with index.html
 * (api/src/web.ts), so nothing is prerendered or rendered on a server.
 */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // web/static is the API's placeholder page for a clone without a build, not an asset folder
    // (its index.html would collide with the SPA fallback).
    files: { assets: 'assets' },
    adapter: adapter({ fallback: 'index.html', strict: true }),
    typescript: {
      config: (config) => {
        // The repository's convention: relative imports carry their .ts extension.
        config.compilerOptions.allowImportingTsExtensions = true;
        config.include.push('../scripts/**/*.ts');
        return config;
      },
    },
  },
};
