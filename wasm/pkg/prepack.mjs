// Run by `npm pack` and `npm publish` (the prepack script): refuse to pack
// a package that lacks a file it lists, such as the module and glue that
// wasm/build.sh generates and git does not hold.
import { existsSync, readFileSync } from 'node:fs';

const { files } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url)));
const missing = files.filter((file) => !existsSync(new URL(`./${file}`, import.meta.url)));
if (missing.length > 0) {
  console.error(`mediascrub: not packing, missing ${missing.join(', ')}.`);
  console.error('Run wasm/build.sh from the repository first (dist/release.sh does).');
  process.exit(1);
}
