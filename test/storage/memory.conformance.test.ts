import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { describeStorageConformance } from './conformance.js';

describeStorageConformance('memory', async () => createMemoryStore());

// The fallback used when ../shared/data is absent: our own fixtures drive every test.
describeStorageConformance('memory (own fixtures only)', async () => createMemoryStore(), { ownFixturesOnly: true });
