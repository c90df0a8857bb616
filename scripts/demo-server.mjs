// Serves the repository root for the demo (npm run demo): http://127.0.0.1:PORT/demo/
// COOP/COEP headers come from static-server.mjs so WASM threads work. PORT: $PORT or 8080.
import { serveStatic } from './static-server.mjs';

const port = Number(process.env.PORT ?? 8080);
const { url } = await serveStatic('.', { port });
console.log(`BERT4Rec demo: ${url}/demo/  (Chrome/Edge with WebGPU; other browsers fall back to WASM). Ctrl-C stops the server.`);
