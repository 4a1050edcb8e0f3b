import { fetchShapeOf, projectorConfigFromEnv } from './config';

describe('projector fetch shape per projection', () => {
  it('by default both groups take the shared shape: fetches of 1 MiB or 500 ms', () => {
    const config = projectorConfigFromEnv({ SHARDLINE_PROJECTIONS: 'elasticsearch' });
    expect(config.runner.fetch).toEqual({ minBytes: 1024 * 1024, maxWaitTimeInMs: 500 });
    expect(fetchShapeOf(config, 'elasticsearch')).toEqual(config.runner.fetch);
    expect(fetchShapeOf(config, 'clickhouse')).toEqual(config.runner.fetch);
  });

  it('a projection’s own settings override the shared ones one by one', () => {
    const config = projectorConfigFromEnv({
      SHARDLINE_PROJECTIONS: 'elasticsearch',
      SHARDLINE_PROJECTOR_FETCH_MIN_BYTES: '1000',
      SHARDLINE_PROJECTOR_FETCH_MAX_WAIT_MS: '100',
      SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MIN_BYTES: '2000',
      SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS: '100',
      SHARDLINE_PROJECTOR_ELASTICSEARCH_FETCH_MAX_WAIT_MS: '50',
    });
    expect(fetchShapeOf(config, 'clickhouse')).toEqual({ minBytes: 2000, maxWaitTimeInMs: 100 });
    expect(fetchShapeOf(config, 'elasticsearch')).toEqual({ minBytes: 1000, maxWaitTimeInMs: 50 });
    // One own setting, the other from the shared shape.
    expect(projectorConfigFromEnv({ SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS: '900' }).fetchOf.clickhouse).toEqual({ minBytes: 1024 * 1024, maxWaitTimeInMs: 900 });
    // A sink a test injects under another name keeps the shared shape.
    expect(fetchShapeOf(config, 'failing-sink')).toEqual({ minBytes: 1000, maxWaitTimeInMs: 100 });
  });

  it('refuses a shape out of range, naming the variable', () => {
    expect(() => projectorConfigFromEnv({ SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS: '0' })).toThrow('SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS');
    expect(() => projectorConfigFromEnv({ SHARDLINE_PROJECTOR_FETCH_MIN_BYTES: String(32 * 1024 * 1024) })).toThrow('SHARDLINE_PROJECTOR_FETCH_MIN_BYTES');
  });
});
