import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { describeStorageConformance } from './conformance.js';

describeStorageConformance('memory', async () => createMemoryStore());
