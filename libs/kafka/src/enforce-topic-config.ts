import { ConfigResourceTypes, type Kafka } from 'kafkajs';

export interface TopicConfigChange {
  topic: string;
  /** Entries that differed: name → [value in force before, value set]. */
  changed: Record<string, [string | null, string]>;
  /** The topic does not exist (it is created with its configuration by the app that uses it). */
  missing?: true;
}

/**
 * Sets configuration entries (retention.ms, cleanup.policy) on existing topics where they differ.
 * kafkajs speaks only the non-incremental AlterConfigs, which resets every entry it is not given to
 * the broker default, so the topic's own overrides (configSource TOPIC_CONFIG) are read first and
 * sent back with ours. Idempotent: a topic already as wanted is not altered.
 */
export async function enforceTopicConfig(kafka: Kafka, topics: ReadonlyArray<{ topic: string; configEntries: Readonly<Record<string, string>> }>): Promise<TopicConfigChange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const out: TopicConfigChange[] = [];
    for (const { topic, configEntries } of topics) {
      if (!existing.has(topic)) {
        out.push({ topic, changed: {}, missing: true });
        continue;
      }
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
      const entries = resources[0]?.configEntries ?? [];
      const inForce = new Map(entries.map((e) => [e.configName, e.configValue]));
      const changed: TopicConfigChange['changed'] = {};
      for (const [name, value] of Object.entries(configEntries)) if (inForce.get(name) !== value) changed[name] = [inForce.get(name) ?? null, value];
      if (Object.keys(changed).length > 0) {
        // configSource 1 = TOPIC_CONFIG: the overrides this topic has of its own.
        const overrides = Object.fromEntries(entries.filter((e) => e.configSource === 1 && !e.isSensitive).map((e) => [e.configName, e.configValue]));
        const wanted = { ...overrides, ...configEntries };
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(wanted).map(([name, value]) => ({ name, value })) }],
        });
      }
      out.push({ topic, changed });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
