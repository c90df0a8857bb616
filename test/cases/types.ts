import type { Runtime } from '../../runtime/index.js';

/** A test case that runs unchanged in vitest, Deno and the browser. */
export interface PortableCase {
  name: string;
  run(rt: Runtime): Promise<void>;
}
