// ESLint 9 flat config: typescript-eslint's type-aware recommended rules, the React hooks rules
// (rules-of-hooks, exhaustive-deps and the React Compiler checks of the recommended preset), and
// react-refresh's export check (component files export components only, which Fast Refresh
// needs once @vitejs/plugin-react is added; today's build has no Fast Refresh). `npm run lint`
// allows no warnings, unused eslint-disable comments included.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import { reactRefresh } from "eslint-plugin-react-refresh";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig([
  globalIgnores(["dist/", "coverage/"]),
  {
    files: ["**/*.{js,ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Types come from tsconfig.json; this file is outside it and is checked on its own.
        projectService: { allowDefaultProject: ["eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `const { omitted: _o, ...rest } = x` is how a copy without some fields is made.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    extends: [reactHooks.configs.flat.recommended, reactRefresh.configs.vite()],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["vite.config.ts", "eslint.config.js"],
    languageOptions: { globals: globals.node },
  },
]);
