import { topicSpecAs, TOPICS } from '@shardline/integration-events';
import { createKafka, enforceTopicConfig, kafkaConfigFromEnv, type TopicConfigChange } from '@shardline/kafka';
import { resendLedgerTopic } from '@shardline/projections/kafka';

/**
 * The Kafka part of the maintenance job: every topic Shardline owns gets the retention of
 * TOPIC_SPECS (a topic created by an older version, or by hand, keeps whatever it had otherwise).
 * Topic names as the apps configure them.
 */
export async function maintainKafka(env: Record<string, string | undefined>): Promise<TopicConfigChange[]> {
  const kafka = createKafka(kafkaConfigFromEnv(env, 'maintain'));
  const deadLetter = env.SHARDLINE_EVENTS_DLQ_TOPIC ?? TOPICS.eventsDeadLetter;
  return enforceTopicConfig(kafka, [
    topicSpecAs('events', env.SHARDLINE_EVENTS_TOPIC ?? TOPICS.events),
    topicSpecAs('eventsDeadLetter', deadLetter),
    topicSpecAs('eventsDeadLetter', resendLedgerTopic(deadLetter)),
    topicSpecAs('commands', env.SHARDLINE_COMMANDS_TOPIC ?? TOPICS.commands),
    topicSpecAs('commandResults', env.SHARDLINE_COMMAND_RESULTS_TOPIC ?? TOPICS.commandResults),
  ]);
}
