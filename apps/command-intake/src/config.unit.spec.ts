import { commandIntakeConfigFromEnv } from './config';

describe('command intake auth configuration', () => {
  it('defaults to keys, secure by default', () => {
    expect(commandIntakeConfigFromEnv({}).auth.intake).toEqual({ mode: 'keys' });
  });
  it('trusted-topic needs an actor and takes optional prefixes', () => {
    expect(() => commandIntakeConfigFromEnv({ SHARDLINE_INTAKE_AUTH: 'trusted-topic' })).toThrow('SHARDLINE_INTAKE_ACTOR');
    expect(commandIntakeConfigFromEnv({ SHARDLINE_INTAKE_AUTH: 'trusted-topic', SHARDLINE_INTAKE_ACTOR: 'billing', SHARDLINE_INTAKE_BUSINESS_PREFIXES: 'acme-, globex' }).auth.intake).toEqual({
      mode: 'trusted-topic',
      actor: 'billing',
      businessPrefixes: ['acme-', 'globex'],
    });
  });
  it('SHARDLINE_AUTH=off turns the intake checks off too', () => {
    expect(commandIntakeConfigFromEnv({ SHARDLINE_AUTH: 'off' }).auth.intake).toEqual({ mode: 'off' });
  });
});
