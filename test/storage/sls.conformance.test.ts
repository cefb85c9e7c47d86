/**
 * The shared storage conformance suite on `sls://` against the local SLS emulator (the real
 * @alicloud/log SDK over HTTP on 127.0.0.1), and — only with JAEGER_SLS_IT=1 and real
 * credentials in the environment — against real SLS (JAEGER_SLS_IT_STORE=sls://PROJECT/INSTANCE?endpoint=…).
 */
import { afterAll, describe } from 'vitest';
import { describeStorageConformance } from './conformance.js';
import { SlsEmulator } from '../support/sls-emulator/index.js';
import { parseSlsUri } from '../../src/storage/sls/config.js';
import { openSlsStore } from '../../src/storage/sls/sls-store.js';
import type { SlsStore } from '../../src/storage/sls/sls-store.js';
import { traceLogstores } from '../../src/storage/sls/index-config.js';
import { openStore } from '../../src/storage/open-store.js';

const emulator = await new SlsEmulator().start();
afterAll(() => emulator.stop());
const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'test-ak-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-ak-secret' };
let instances = 0;

describeStorageConformance(
  'sls (emulator)',
  async () => {
    const uri = `sls://conformance/inst-${++instances}?endpoint=${encodeURIComponent(emulator.endpoint)}`;
    const config = parseSlsUri(uri, env);
    const store = await openSlsStore(config, { skipStartupCheck: true });
    await store.ensureLogstore(traceLogstores(config.instance).traces);
    // The real entry point must open the same URI.
    await (await openStore(uri, { env, log: () => {} })).close();
    return store;
  },
  { pollTimeoutMs: 5_000 },
);

/**
 * Real SLS: JAEGER_SLS_IT=1, credentials in ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, and
 * JAEGER_SLS_IT_STORE=sls://PROJECT/PREFIX?endpoint=… . Each store gets a fresh instance
 * `PREFIX-<run>-<n>` (logstore and index created, then deleted after the run).
 */
const realStore = process.env.JAEGER_SLS_IT_STORE;
describe.skipIf(process.env.JAEGER_SLS_IT !== '1' || !realStore)('real SLS (JAEGER_SLS_IT=1)', () => {
  const run = Date.now().toString(36);
  const created: SlsStore[] = [];
  let count = 0;
  afterAll(async () => {
    for (const store of created) {
      const { project, instance } = store.config;
      const names = ['', 'tenant-a', 'tenant-b', 'tenant-c'].flatMap((tenant) => [traceLogstores(instance, tenant).traces, traceLogstores(instance, tenant).archive]);
      for (const ls of names) {
        await store.client.call((o) => store.client.deleteLogStore(project, ls, o)).catch(() => undefined);
      }
      store.client.close();
    }
  });
  describeStorageConformance(
    'sls (real service)',
    async () => {
      const base = parseSlsUri(realStore!, process.env);
      const config = { ...base, instance: `${base.instance}-${run}-${++count}` };
      const store = await openSlsStore(config, { log: (l) => console.warn(l), skipStartupCheck: true });
      await store.ensureLogstore(traceLogstores(config.instance).traces);
      created.push(await openSlsStore(config, { skipStartupCheck: true }));
      return store;
    },
    { pollTimeoutMs: 90_000 },
  );
});
