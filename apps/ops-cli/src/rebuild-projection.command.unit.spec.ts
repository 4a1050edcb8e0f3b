import { rebuildReplayOptionsFromEnv } from './rebuild-projection.command';

describe('projections:rebuild replay options', () => {
  it('keeps the rebuild defaults (1,000 events per read and write, 2 shards at once) when unset', () => {
    expect(rebuildReplayOptionsFromEnv({})).toEqual({ replayBatchSize: 1000, replayConcurrency: 2 });
  });

  it('reads SHARDLINE_REBUILD_BATCH_SIZE and SHARDLINE_REBUILD_CONCURRENCY', () => {
    expect(rebuildReplayOptionsFromEnv({ SHARDLINE_REBUILD_BATCH_SIZE: '5000', SHARDLINE_REBUILD_CONCURRENCY: '4' })).toEqual({ replayBatchSize: 5000, replayConcurrency: 4 });
  });

  it.each([
    [{ SHARDLINE_REBUILD_BATCH_SIZE: '0' }, 'SHARDLINE_REBUILD_BATCH_SIZE'],
    [{ SHARDLINE_REBUILD_BATCH_SIZE: 'many' }, 'SHARDLINE_REBUILD_BATCH_SIZE'],
    [{ SHARDLINE_REBUILD_CONCURRENCY: '65' }, 'SHARDLINE_REBUILD_CONCURRENCY'],
  ])('refuses %j naming the variable', (env, variable) => {
    expect(() => rebuildReplayOptionsFromEnv(env)).toThrow(variable);
  });
});
