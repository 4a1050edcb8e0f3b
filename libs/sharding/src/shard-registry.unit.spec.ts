import { connectionOfShard, registryUrlOf } from './shard-registry';
import { shardingConfigFromEnv } from './sharding.config';

describe('where a process reaches a registered shard', () => {
  const config = shardingConfigFromEnv({ SHARDLINE_SHARD_COUNT: '2', SHARDLINE_MYSQL_USER: 'app', SHARDLINE_MYSQL_PASSWORD: 's3cret', SHARDLINE_MYSQL_HOST: 'db-a' });

  it('registers configured shards without their password', () => {
    expect(registryUrlOf(config.shards[1])).toBe('mysql://app@db-a:3306/data_db_1');
  });

  it('reaches a configured shard as configured, whatever the registry says', () => {
    expect(connectionOfShard(config, { shard: 1, url: 'mysql://other@db-z:3307/x' })).toEqual(config.shards[1]);
  });

  it('reaches a registered shard by its url, with the control database credentials when the url names no user or no password', () => {
    expect(connectionOfShard(config, { shard: 4, url: 'mysql://db-b:3310/data_db_4' })).toEqual({ host: 'db-b', port: 3310, user: 'app', password: 's3cret', database: 'data_db_4' });
    expect(connectionOfShard(config, { shard: 4, url: 'mysql://app@db-b/data_db_4' })).toMatchObject({ port: 3306, user: 'app', password: 's3cret' });
    // Another user's password is never guessed from the control database's.
    expect(connectionOfShard(config, { shard: 4, url: 'mysql://ops@db-b/data_db_4' })).toMatchObject({ user: 'ops', password: '' });
    expect(connectionOfShard(config, { shard: 4, url: 'mysql://ops:p%40ss@db-b/data_db_4' })).toMatchObject({ user: 'ops', password: 'p@ss' });
  });

  it('refuses what is not a mysql url, without echoing a password', () => {
    expect(() => connectionOfShard(config, { shard: 4, url: 'postgres://u:pw@h/d' })).toThrow(/must start with mysql:\/\//);
    expect(() => connectionOfShard(config, { shard: 4, url: 'postgres://u:pw@h/d' })).not.toThrow(/pw/);
    expect(() => connectionOfShard(config, { shard: 4, url: 'not a url' })).toThrow(/not a mysql:\/\/ url/);
    expect(() => connectionOfShard(config, { shard: 4, url: 'mysql://h/bad`name' })).toThrow(/database: database names are/);
  });
});
