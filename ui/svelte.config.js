import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Svelte 5 runes only: `$state`, `$derived`, `$props`, `$effect`.
    runes: true,
  },
};
