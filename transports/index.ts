/** The public API of `transports/`: the contract, its errors, the registry and built-in transports. */
export type * from './transport.js';
export { MESSAGE_ID_HEADER } from './transport.js';
export * from './errors.js';
export { parseDestination, toDestination, type ParsedDestination } from './destination.js';
export { createTransport, registerTransport, registeredSchemes, redactUrl } from './registry.js';
export { brokerSocketAddress, type BrokerSocketAddress } from './broker-address.js';
export { MemoryTransport } from './memory/memory-transport.js';
export { MemoryHub, memoryHub } from './memory/hub.js';
export { StompTransport } from './stomp/stomp-transport.js';
export { MqttTransport } from './mqtt/mqtt-transport.js';
export { MQTT_BROKERS, type MqttBrokerName, type MqttBrokerProfile } from './mqtt/brokers.js';
