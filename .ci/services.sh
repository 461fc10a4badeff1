#!/usr/bin/env bash
# Makes the real brokers the tests use available, idempotently, and fails loudly if one cannot be
# reached:
#   RabbitMQ  AMQP 127.0.0.1:5672, STOMP plugin 127.0.0.1:61613, MQTT plugin 127.0.0.1:1884,
#             management plugin (HTTP API, `aes dlq` browses dead letters with it) 127.0.0.1:15672
#   Mosquitto MQTT 127.0.0.1:1883
#   PostgreSQL     127.0.0.1:5432 (already on the machine; only checked: the coordination suite
#                  uses database `test` as user postgres, in a schema of its own per run)
# Mosquitto holds 1883, so RabbitMQ's MQTT listener is moved to 1884.
set -euo pipefail

RABBIT_CONF=/etc/rabbitmq/rabbitmq.conf
RABBIT_MQTT_PORT=${AES_RABBITMQ_MQTT_PORT:-1884}
RABBIT_STOMP_PORT=${AES_RABBITMQ_STOMP_PORT:-61613}
RABBIT_MANAGEMENT_PORT=${AES_RABBITMQ_MANAGEMENT_PORT:-15672}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds name
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    if listening "$1"; then return 0; fi
    sleep 0.25
  done
  echo "services: $3 is not listening on 127.0.0.1:$1 after $2 s" >&2
  return 1
}

# --- Mosquitto --------------------------------------------------------------------------------
if ! listening 1883; then
  echo "services: starting mosquitto"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
fi
wait_port 1883 20 mosquitto

# --- RabbitMQ ---------------------------------------------------------------------------------
restart_rabbit=0
touch "$RABBIT_CONF"
want_lines=(
  "listeners.tcp.local = 127.0.0.1:5672"
  "mqtt.listeners.tcp.default = 127.0.0.1:$RABBIT_MQTT_PORT"
  "stomp.listeners.tcp.1 = 127.0.0.1:$RABBIT_STOMP_PORT"
  "mqtt.allow_anonymous = false"
  # Loopback only: the user guest may log in from loopback alone anyway.
  "management.tcp.ip = 127.0.0.1"
  "management.tcp.port = $RABBIT_MANAGEMENT_PORT"
)
for line in "${want_lines[@]}"; do
  key=${line%% =*}
  if ! grep -qxF "$line" "$RABBIT_CONF"; then
    # Replace a different value for the same key, or append.
    grep -v "^${key//./\\.} *=" "$RABBIT_CONF" >"$RABBIT_CONF.new" || true
    echo "$line" >>"$RABBIT_CONF.new"
    mv "$RABBIT_CONF.new" "$RABBIT_CONF"
    restart_rabbit=1
  fi
done

# Plugins are enabled offline (written to enabled_plugins) so they start with the configuration
# above; enabling them on a running node would bind MQTT to Mosquitto's port and fail.
enabled_file=$(rabbitmq-plugins directories -s 2>/dev/null | awk -F': ' '/Enabled plugins file/ {print $2}')
enabled_file=${enabled_file:-/etc/rabbitmq/enabled_plugins}
for plugin in rabbitmq_stomp rabbitmq_mqtt rabbitmq_management; do
  if ! grep -qE "[[,] *$plugin *[],]" "$enabled_file" 2>/dev/null; then
    echo "services: enabling $plugin"
    rabbitmq-plugins enable --offline "$plugin" >/dev/null
    restart_rabbit=1
  fi
done

if listening 5672 && { [[ $restart_rabbit == 1 ]] || ! listening "$RABBIT_STOMP_PORT" || ! listening "$RABBIT_MQTT_PORT" || ! listening "$RABBIT_MANAGEMENT_PORT"; }; then
  echo "services: restarting rabbitmq to apply its plugins and listeners"
  rabbitmqctl --timeout 60 stop >/dev/null 2>&1 || true
  for ((i = 0; i < 120; i++)); do listening 5672 || break; sleep 0.5; done
fi
if ! listening 5672; then
  echo "services: starting rabbitmq"
  rabbitmq-server -detached
fi
wait_port 5672 90 rabbitmq
rabbitmqctl --timeout 60 await_startup >/dev/null
wait_port "$RABBIT_STOMP_PORT" 60 "rabbitmq stomp plugin"
wait_port "$RABBIT_MQTT_PORT" 60 "rabbitmq mqtt plugin"
wait_port "$RABBIT_MANAGEMENT_PORT" 60 "rabbitmq management plugin"
# --- PostgreSQL -------------------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432 -t 20; then
  echo "services: PostgreSQL is not accepting connections on 127.0.0.1:5432 (the coordination suite needs it)" >&2
  exit 1
fi

echo "services: mosquitto 1883, rabbitmq 5672 / stomp $RABBIT_STOMP_PORT / mqtt $RABBIT_MQTT_PORT / management $RABBIT_MANAGEMENT_PORT, postgresql 5432 ready"
