import { DynamicModule, Global, Logger, Module, Provider } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { createMetricsRegistry, METRICS_REGISTRY } from '@shardline/observability';
import { RecordsModule } from '@shardline/records';
import { RecordsCacheModule } from '@shardline/records-cache';
import { AUTH_OFF_WARNING, KeyVerifier } from '@shardline/auth';
import { AuthMysqlModule } from '@shardline/auth/mysql';
import { INTAKE_AUTH, type IntakeAuth, RecordsKafkaModule } from '@shardline/records-kafka';
import { RecordsMysqlModule } from '@shardline/records-mysql';
import { RecordsSagasModule } from '@shardline/records-sagas';
import { CommandIntakeConfig } from './config';

@Global()
@Module({ providers: [{ provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('command-intake') }], exports: [METRICS_REGISTRY] })
class MetricsModule {}

/** Composition root: Kafka commands -> the same records command handlers (and cache invalidation) as REST. */
@Module({})
export class CommandIntakeModule {
  static forRoot(config: CommandIntakeConfig): DynamicModule {
    return {
      module: CommandIntakeModule,
      imports: [
        MetricsModule,
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel } }),
        config.cache.enabled ? RecordsCacheModule.forWriters(config.cache) : RecordsCacheModule.disabledForWriters(),
        RecordsModule.withInfrastructure(RecordsMysqlModule.forRoot(config.records)),
        RecordsKafkaModule.forIntake(intakeAuthProvider(config.auth), [AuthMysqlModule.forRoot(config.auth, { adminRoutes: false })]),
        ...(config.sagas ? [RecordsSagasModule.forRoot(config.sagas)] : []),
      ],
    };
  }
}

/** How messages prove their right (README "Security"): their own API key, the topic's ACLs, or nothing (SHARDLINE_AUTH=off). */
function intakeAuthProvider(auth: CommandIntakeConfig['auth']): Provider {
  const intake = auth.intake;
  return {
    provide: INTAKE_AUTH,
    inject: [KeyVerifier],
    useFactory: (verifier: KeyVerifier): IntakeAuth => {
      if (intake.mode === 'off') {
        new Logger('command-intake').warn(AUTH_OFF_WARNING);
        return { mode: 'off' };
      }
      if (intake.mode === 'keys') return { mode: 'keys', verifier };
      return { mode: 'trusted-topic', principal: { keyId: intake.actor, roles: ['writer'], businessPrefixes: intake.businessPrefixes } };
    },
  };
}
