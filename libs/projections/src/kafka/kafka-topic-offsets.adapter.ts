import type { Admin, Kafka } from 'kafkajs';
import { UnavailableError } from '@shardline/errors';
import type { PartitionWatermarks, TopicOffsetsPort } from '../lag/topic-offsets.port';
import type { RebuildOffsetsPort } from '../rebuild/rebuild.port';
import { connected } from './connected';

/** Offsets of a topic and of consumer groups through one kafkajs admin client (lag, rebuild). */
export class KafkaTopicOffsets implements TopicOffsetsPort, RebuildOffsetsPort {
  private admin?: Admin;

  constructor(private readonly kafka: Kafka) {}

  async connect(): Promise<void> {
    this.admin ??= await connected(this.kafka.admin());
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => {});
  }

  async topicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    const offsets = await this.connected().fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }));
  }

  async groupOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const [group] = await this.connected().fetchOffsets({ groupId, topics: [topic] });
    return new Map((group?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }

  async seekGroup(groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    await this.connected().setOffsets({ groupId, topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })) });
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.connected().deleteGroups([groupId]);
  }

  private connected(): Admin {
    if (!this.admin) throw new UnavailableError('PROJECTION.NOT_STARTED', 'the Kafka admin client is not connected (runner not started)');
    return this.admin;
  }
}
