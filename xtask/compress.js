// Pre-compresses the built frontend: `file.gz` (gzip -9) and `file.br` (brotli 11), which
// the server sends to browsers that accept them. Node's zlib has both, so no extra tool.
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

function compress(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      compress(file);
      continue;
    }
    if (!/\.(html|js|css|wasm|svg)$/.test(entry.name)) continue;
    const data = fs.readFileSync(file);
    fs.writeFileSync(file + ".gz", zlib.gzipSync(data, { level: 9 }));
    fs.writeFileSync(file + ".br", zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }));
  }
}

compress(process.argv[2]);
