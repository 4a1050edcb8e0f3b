import { KafkaEventPublisher } from '@shardline/outbox-relay/kafka';
import { eventPublisherContract } from '@shardline/testing/contracts';
import { TcpProxy } from '../support/tcp-proxy';
import { BROKERS, kafkaThroughProxy, testTopic, TopicCollector } from '../relay/relay-test-kit';

eventPublisherContract('Kafka (a private topic, the publisher behind a TCP proxy)', async () => {
  const topic = testTopic('publisher-contract');
  const [host, port] = BROKERS[0].split(':');
  const proxy = new TcpProxy(host, Number(port));
  const proxyPort = await proxy.start();
  const publisher = new KafkaEventPublisher(kafkaThroughProxy(proxyPort), { topic, retries: 1, publishTimeoutMs: 4000, pingTimeoutMs: 2000 });
  await publisher.prepare();
  const collector = new TopicCollector(topic); // reads from the broker directly
  await collector.start();
  return {
    publisher,
    received: async () => collector.messages.map((m) => m.envelope),
    cut: async (down) => (down ? proxy.stop() : void (await proxy.start(proxyPort))),
    close: async () => {
      await collector.close();
      await proxy.stop();
    },
  };
});
