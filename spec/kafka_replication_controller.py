"""The controller's side of Kafka replication (KafkaController / QuorumController), and
broker faults: leader election (clean, unclean, KIP-966 ELR), AlterPartition handling,
removing failed brokers from the ISR, crash and restart. Mixed into KafkaReplication
(spec/kafka_replication.py)."""

from __future__ import annotations

from checker import action
from spec.mechanics import budget_left, set_at

NONE = -1
SENT, ACCEPTED, REJECTED = 0, 1, 2  # AlterPartition stages (kafka_replication_leader.py)


def _without(ids: tuple, x: int) -> tuple:
    return tuple(i for i in ids if i != x)


def _replicas(spec, s):
    return range(spec.replicas)


def _lost_tail(spec, s):
    return range(spec.records + 1) if spec.lose_unflushed else (0,)


class ControllerActions:
    """The controller's partition state machine and broker crashes/restarts."""

    def _elr_after(self, s, isr: tuple, removed) -> tuple:
        """KIP-966: while the ISR is below min_insync, replicas leaving it stay eligible
        (the hw cannot advance without them, so they hold every committed record); once
        the ISR is back at min_insync the ELR is emptied."""
        if not self.elr or len(isr) >= self.min_insync:
            return ()
        return tuple(sorted((set(s.controller_elr) | set(removed)) - set(isr)))

    @action(new=_replicas, fair="weak")  # the controller does replace a failed leader
    def elect(self, s, new: int):
        """The controller replaces a failed leader (its broker died or its ZooKeeper session
        expired): bumps the leader epoch, writes the partition state, sends LeaderAndIsr.
        Clean: a live ISR member; with KIP-966, when no ISR member is live, a live ELR member;
        unclean (when enabled and no ISR or ELR member is live): any live replica, which
        becomes the ISR."""
        if s.alive[s.controller_leader]:
            return None  # a live leader is moved by move_leadership, never forced
        return self._elect(s, new)

    @action(new=_replicas)  # an operator's or the balancer's choice: never forced (no fairness)
    def move_leadership(self, s, new: int):
        """The controller moves leadership off a live leader (controlled shutdown, preferred-
        leader election, reassignment): the same election as `elect`, split from it only
        because a real controller must replace a failed leader but need never move a live one."""
        if not s.alive[s.controller_leader]:
            return None
        return self._elect(s, new)

    def _elect(self, s, new: int):
        if s.controller_leader_epoch >= self.max_leader_epoch or new == s.controller_leader or not s.alive[new]:
            return None
        live_isr = tuple(r for r in s.controller_isr if s.alive[r])
        live_elr = tuple(r for r in s.controller_elr if s.alive[r])
        if new in live_isr:
            isr = live_isr
        elif new in live_elr and not live_isr:
            isr = (new,)
        elif self.unclean_election and not live_isr and not live_elr:
            isr = (new,)
        else:
            return None
        e = s.controller_leader_epoch + 1
        elr = self._elr_after(s, isr, [r for r in s.controller_isr if r not in isr])
        return s._replace(controller_leader=new, controller_leader_epoch=e, controller_isr=isr, controller_elr=elr,
                          requests=s.requests + ((e, new, isr),))

    @action(ldr=_replicas, fair="weak", each=True)
    def alter_partition(self, s, ldr: int):
        """The controller handles the leader's AlterPartition: accepted only if the leader
        and leader epoch are current and the ISR it started from is the committed one (the
        partition-epoch / zkVersion compare-and-set); else INVALID_UPDATE_VERSION or
        FENCED_LEADER_EPOCH; a replica joining the ISR must be registered with the broker epoch
        its fetch carried (KIP-903: not fenced, not restarted since, e.g. after losing its
        unflushed tail). The answer travels back (alter_partition_response)."""
        a = s.alter_in_flight[ldr]
        if not a or a[0] != SENT:
            return None
        _, proposed, base, e, joiner, broker_epoch = a
        stale_joiner = joiner != NONE and (not s.alive[joiner] or s.broker_epoch[joiner] != broker_epoch)
        if s.controller_leader != ldr or s.controller_leader_epoch != e or s.controller_isr != base or stale_joiner:
            return s._replace(alter_in_flight=set_at(s.alter_in_flight, ldr, (REJECTED,) + a[1:]))
        elr = self._elr_after(s, proposed, [r for r in base if r not in proposed])
        return s._replace(controller_isr=proposed, controller_elr=elr,
                          alter_in_flight=set_at(s.alter_in_flight, ldr, (ACCEPTED,) + a[1:]))

    @action(r=_replicas, fair="weak", each=True)
    def controller_shrink_isr(self, s, r: int):
        """KafkaController.onBrokerFailure: a dead follower leaves the ISR (never its last
        member; a dead leader is handled by elect), into the ELR under KIP-966. The leader,
        if it is the true one, learns the new ISR in the same step (the LeaderAndIsr or
        metadata update that tells it is not modelled as a message); the leader epoch is
        not bumped. The newer partition state supersedes the leader's AlterPartition in
        flight: Partition ignores the answer to a request that is no longer its current
        proposal, and the controller would reject it anyway (its base is the old ISR). A
        leader that has not yet applied the current epoch's LeaderAndIsr gets the new ISR
        with it (KRaft: the ISR change is in the metadata log it replays; ZooKeeper mode: the
        controller sends LeaderAndIsr with the new ISR)."""
        if s.alive[r] or r not in s.controller_isr or s.controller_isr == (r,) or r == s.controller_leader:
            return None
        isr = _without(s.controller_isr, r)
        ldr = s.controller_leader
        if self._true_leader(s, ldr):
            s = s._replace(isr=set_at(s.isr, ldr, isr), alter_in_flight=set_at(s.alter_in_flight, ldr, ()))
        e, named, _ = s.requests[-1]
        if e == s.controller_leader_epoch:  # a leader yet to apply its epoch gets today's ISR with it
            s = s._replace(requests=s.requests[:-1] + ((e, named, isr),))
        return s._replace(controller_isr=isr, controller_elr=self._elr_after(s, isr, [r]))

    @action(r=_replicas, lost=_lost_tail)  # a fault: never forced (no fairness), bounded by max_crashes
    def crash(self, s, r: int, lost: int):
        """The broker process dies. In-memory state (leadership, purgatory, recorded fetch
        offsets, the in-memory hw) is gone, and so is everything in flight on its
        connections; with `lose_unflushed` the last `lost` records were acknowledged but
        never fsynced. What stays is the log and the hw checkpoint."""
        if not s.alive[r] or not budget_left(s.crashes, self.max_crashes) or lost > len(s.log[r]):
            return None
        keep = len(s.log[r]) - lost
        checkpoint = min(s.hw_checkpoint[r], keep)
        fetch = tuple(() if (f == r or (m and m[1] == r)) else m for f, m in enumerate(s.fetch))
        return self._prune(self.forget_checkpoints(s._replace(
            pending=self._drop_purgatory(s, r), alive=set_at(s.alive, r, False),
            log=set_at(s.log, r, s.log[r][:keep]), hw=set_at(s.hw, r, checkpoint),
            hw_checkpoint=set_at(s.hw_checkpoint, r, checkpoint),
            leader=set_at(s.leader, r, NONE), isr=set_at(s.isr, r, ()), truncate_to=set_at(s.truncate_to, r, NONE),
            fetch_offsets=set_at(s.fetch_offsets, r, (NONE,) * self.replicas), fetch=fetch,
            alter_in_flight=set_at(s.alter_in_flight, r, ()),
            crashes=s.crashes + 1)))

    @action(r=_replicas)  # a dead broker may stay dead: never forced
    def restart(self, s, r: int):
        """The broker restarts with its log and its hw checkpoint. The controller sees a bounce
        as a failure first (KIP-380 broker epoch): the broker must be out of the ISR unless it
        is its last member, and a failed leader is replaced (elect) while another ISR (or
        ELR) member is live; a leader that is the last live one is re-elected in a new epoch.
        Under KIP-966 the crash was an unclean shutdown, so the broker leaves the ELR.
        Requests sent before the crash died with the connection: the replica accepts only
        the current epoch's request, re-sent on startup with today's ISR, or later."""
        if s.alive[r]:
            return None
        others_live = [x for x in s.controller_isr + s.controller_elr if x != r and s.alive[x]]
        s = s._replace(alive=set_at(s.alive, r, True), broker_epoch=set_at(s.broker_epoch, r, s.broker_epoch[r] + 1),
                       controller_elr=_without(s.controller_elr, r))
        if s.controller_leader == r:
            if others_live or s.controller_leader_epoch >= self.max_leader_epoch:
                return None  # the controller must elect another leader first (or the epoch bound is reached)
            e = s.controller_leader_epoch + 1
            return s._replace(epoch=set_at(s.epoch, r, s.controller_leader_epoch), controller_leader_epoch=e,
                              requests=s.requests + ((e, r, s.controller_isr),))
        if r in s.controller_isr and s.controller_isr != (r,):
            return None  # still in the ISR: the controller removes it first (controller_shrink_isr)
        return s._replace(epoch=set_at(s.epoch, r, s.controller_leader_epoch - 1),
                          requests=s.requests[:-1] + ((s.controller_leader_epoch, s.controller_leader,
                                                        s.controller_isr),))
