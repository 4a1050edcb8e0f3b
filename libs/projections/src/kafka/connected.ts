interface KafkaClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Connects a kafkajs client; when that fails, disconnects it (a half-open connect keeps sockets and timers) and rethrows. */
export async function connected<T extends KafkaClient>(client: T): Promise<T> {
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.disconnect().catch(() => {});
    throw error;
  }
}
