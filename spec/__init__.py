"""Bundled protocol models. `BUNDLED` maps the name used on the command line to `module:Class`;
modules are imported only when a model is used."""

BUNDLED: dict[str, str] = {
    "diehard": "spec.diehard:DieHard",
    "two-phase": "spec.two_phase:TwoPhase",
    "zk-election": "spec.zk_election:ZkElection",
    "kafka-producer": "spec.kafka_producer:KafkaProducer",
    "kafka-consumer-group": "spec.kafka_consumer_group:KafkaConsumerGroup",
    "kafka-transactions": "spec.kafka_transactions:KafkaTransactions",
    "kafka-replication": "spec.kafka_replication:KafkaReplication",
    "kafka-controller": "spec.kafka_controller:KafkaController",
}
