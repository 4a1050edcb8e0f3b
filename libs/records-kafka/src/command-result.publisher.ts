import type { Producer } from 'kafkajs';
import { OutgoingResult } from './command-result.message';

/**
 * Publishes one result, keyed like the command (business_id) with the command id in the
 * `command_id` header as well as in the value. Retries until the broker acknowledges (acks=all)
 * or `attempts` run out; then it throws so the command message is NOT committed and comes back,
 * and the redelivery replays the stored outcome (nothing is written twice).
 */
export async function publishCommandResult(
  producer: Producer,
  topic: string,
  out: OutgoingResult,
  options: { attempts: number; backoffMs: number } = { attempts: 10, backoffMs: 500 },
): Promise<void> {
  const headers: Record<string, string> = { source: `${out.result.source.topic}/${out.result.source.partition}/${out.result.source.offset}` };
  if (out.result.command_id !== null) headers.command_id = out.result.command_id;
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: out.key, value: JSON.stringify(out.result), headers }] });
      return;
    } catch (error) {
      if (attempt >= options.attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.backoffMs * attempt));
    }
  }
}
