// The last service of rpc-span-close-order (see worker.js): returns a value or throws.
import { WorkerEntrypoint } from 'cloudflare:workers';

export default class Leaf extends WorkerEntrypoint {
  value() {
    return 'leaf value';
  }

  fail() {
    throw new Error('leaf failed');
  }
}
