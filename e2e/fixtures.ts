/**
 * Shared e2e fixture: every test records the URLs the page (and its workers) requested and fails if any left
 * 127.0.0.1. The studio must work offline; a stray CDN or telemetry request is a bug.
 */
import { test as base, expect } from '@playwright/test';

export const test = base.extend<{ requests: string[] }>({
  // auto: every test checks it, whether or not it reads the list.
  requests: [
    async ({ context }, use) => {
      const urls: string[] = [];
      context.on('request', (r) => urls.push(r.url()));
      await use(urls);
      const external = urls.filter((u) => !/^(https?:\/\/127\.0\.0\.1[:/]|data:|blob:)/.test(u));
      expect(external, 'requests that left 127.0.0.1').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Directory for screenshots that humans look at (gitignored). */
export const ARTIFACTS = 'e2e-artifacts';
