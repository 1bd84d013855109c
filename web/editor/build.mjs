// Bundles the island into ../static/dist/editor.js and editor.css, which the
// Go binary embeds.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.tsx"],
  outfile: "../static/dist/editor.js",
  bundle: true,
  format: "esm",
  target: ["es2022"],
  jsx: "automatic",
  minify: true,
  sourcemap: false,
  legalComments: "linked",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "info",
});
