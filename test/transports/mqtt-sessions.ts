/** Test support: ends the persistent MQTT sessions a test run created, so brokers keep nothing. */
import mqtt from 'mqtt';

export async function endMqttSessions(
  url: string,
  clientIds: readonly string[],
  protocolVersion: 4 | 5,
): Promise<void> {
  const parsed = new URL(url);
  for (const clientId of clientIds) {
    const options: mqtt.IClientOptions = {
      host: parsed.hostname,
      port: Number(parsed.port),
      clientId,
      clean: true, // MQTT 3.1.1 and 5: discards the stored session
      protocolVersion,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    };
    if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
    if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
    const client = mqtt.connect(options);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.endAsync(true);
  }
}
