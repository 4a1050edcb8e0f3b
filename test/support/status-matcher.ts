/**
 * `expect(response).toHaveStatus(201)`: an HTTP status assertion that prints the response body when
 * it fails, so a failure explains itself (a bare `expect(r).toHaveStatus(201)` shows only "503").
 * Registered for every jest project by jest.config.js (setupFilesAfterEnv).
 */
interface StatusLike {
  status: number;
  body?: unknown;
}

expect.extend({
  toHaveStatus(received: StatusLike, expected: number) {
    const pass = received?.status === expected;
    return {
      pass,
      message: () => `expected HTTP ${this.isNot ? 'not ' : ''}${expected}, got ${received?.status}: ${JSON.stringify(received?.body)}`,
    };
  },
});

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toHaveStatus(status: number): R;
    }
  }
}

export {};
