// Bundles the extension into dist/extension.js (vscode is provided by the host).
//   node esbuild.mjs               development build (sourcemap)
//   node esbuild.mjs --production  minified, as packaged into the .vsix
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");

await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node18",
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: "info",
});
