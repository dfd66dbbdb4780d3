import type { KafkaConfig } from 'kafkajs';
import type { HubConfig } from '@pdp/config';

/** The TLS and SASL settings every Kafka client of the hub connects with. */
export type KafkaSecuritySettings = Pick<HubConfig['kafka'], 'ssl' | 'sasl'>;

/**
 * kafkajs's `ssl` and `sasl` options from the hub's settings (docs/operations.md, "Kafka
 * security"). With TLS and no CA given, Node's trusted roots apply; the broker's name is always
 * verified.
 */
export function kafkaSecurity({ ssl, sasl }: KafkaSecuritySettings): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (ssl) options.ssl = Object.keys(ssl).length ? { rejectUnauthorized: true, ...ssl } : true;
  if (sasl) {
    const { username, password } = sasl;
    // kafkajs types each mechanism apart; the three take the same credentials.
    options.sasl =
      sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username, password }
        : sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password };
  }
  return options;
}
