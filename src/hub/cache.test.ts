// The HubCache contract on every implementation that runs in Node: memory, folder, and the studio's IndexedDB
// cache (src/storage, on fake-indexeddb) that the browser uses.
import 'fake-indexeddb/auto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { idbHubCache, openStudioDb } from '../storage';
import { describeHubCache } from './cache-contract.testkit';
import { folderHubCache } from './folder-cache.node.js';
import { memoryHubCache } from './memory-cache';

let n = 0;
describeHubCache('memory', () => memoryHubCache());
describeHubCache('folder', () => folderHubCache(mkdtempSync(path.join(os.tmpdir(), 'hub-cache-'))));
describeHubCache('IndexedDB (src/storage)', async () =>
  idbHubCache(await openStudioDb({ name: `hub-cache-test-${n++}` })),
);
