// Copies the pinned npm builds of Tabler, htmx and ECharts into sanfang/static/vendor.
// The platform runs on closed government networks: nothing is fetched at run time.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "sanfang", "static", "vendor");
const files = [
  ["@tabler/core/dist/css/tabler.min.css", "tabler.min.css"],
  ["@tabler/core/dist/js/tabler.min.js", "tabler.min.js"],
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
];
mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  const src = join(root, "node_modules", from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run npm ci first`);
    process.exit(1);
  }
  copyFileSync(src, join(out, to));
  // The minified files name their source maps; the manifest storage needs those to exist.
  if (existsSync(`${src}.map`)) copyFileSync(`${src}.map`, join(out, `${to}.map`));
}
console.log(`assets: ${files.length} files in ${out}`);
