"""The kafka-producer model's sequence diagrams (`check --html`, reports/flow.py): produce
requests and responses as arrows between the producer and each partition's leader. Kept
apart from the model so kafka_producer.py holds only the protocol."""

from __future__ import annotations

RESPONSE_TEXT = {"ok": "ok", "dup": "DUPLICATE_SEQUENCE (ok)", "err": "retriable error",
                 "fenced": "INVALID_PRODUCER_EPOCH", "oos": "OUT_OF_ORDER_SEQUENCE_NUMBER"}


class ProducerFlow:
    """Mixed into KafkaProducer: reads its `partitions`, `idempotence` and the states."""

    def processes(self) -> list[str]:
        return ["producer"] + [self._leader_name(p) for p in range(self.partitions)]

    def _leader_name(self, p: int) -> str:
        return "leader" if self.partitions == 1 else f"leader p{p}"

    def message_flow(self, step, before):
        """Produce requests and their responses as arrows between the producer and the
        partition's leader; what either side does alone as a box on its lifeline."""
        s, p, name = step.state, step.args.get("p"), step.name
        if name == "restart_producer":
            return "producer", "producer", "restart: new instance, epoch + 1"
        leader = self._leader_name(p)
        if name == "send":
            r, epoch, seq = s.requests[p][-1]
            stamp = f" (epoch {epoch}, seq {seq})" if self.idempotence else ""
            return "producer", leader, f"Produce b{r}{stamp}"
        if name == "receive":
            r, outcome, _ = before.responses[p][0]
            return leader, "producer", f"b{r}: {RESPONSE_TEXT[outcome]}"
        if name == "leader_append":
            r, outcome, off = s.responses[p][-1]
            return leader, leader, f"b{r} appended at offset {off}" if outcome == "ok" else f"b{r}: {RESPONSE_TEXT[outcome]}"
        if name == "leader_append_late":
            return leader, leader, f"late b{step.args['req'][0]} handled (connection gone)"
        if name == "leader_error":
            return leader, leader, f"b{s.responses[p][-1][0]}: retriable error"
        if name == "disconnect":
            return "producer", "producer", "connection dropped: in-flight batches retried"
        if name == "replicate":
            return leader, leader, f"follower caught up: high watermark {s.hw[p]}"
        if name == "failover":
            return leader, leader, "leader fails over to the in-sync follower"
        return None
