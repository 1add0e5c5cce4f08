"""Ports of the atomic commitment protocols of specifications/acp (Charpov, after Mullender,
"Distributed Systems" 1993), participants = {p0, p1}, no deadlock check, AC1 checked as an
invariant (it is []P):

- ACP_NB_WRONG_TLC.tla (.cfg), variant "nb_wrong": a participant delivers the coordinator's
  broadcast before forwarding it. TLC: AC1 violated, 13-state trace; -continue 13756 / 72616 / 17.
- ACP_NB_TLC.tla (.cfg) over ACP_NB.tla, variant "nb": forward first, then decide.
  TLC: 4284 / 23988 / 19, ok. ACP_NB.tla itself is not in the searchable index (only edited
  copies are); its actions are rebuilt from ACP_NB_WRONG (same module structure) plus the
  reliable broadcast of the comments (preDecide, preDecideOnForward, decideNB), and TLC's
  counts are what confirm the reconstruction.

Both extend ACP_SB.tla. Participant p_k is index k. TLC enumerates
`\\E i, j \\in participants : parDie(i) \\/ parProgNB(i, j)`, so every participant action
is generated once per j, also those that do not mention j (one successor per (i, j) pair):
the j parameter below is that witness. makeDecision's abort branch `\\E j : vote[j] = no`
likewise yields one successor per participant that voted no.
"""

from __future__ import annotations

from itertools import product
from typing import Literal, NamedTuple

import attrs

from checker import Spec, action, fail, invariant
from spec.mechanics import set_at

UNDECIDED, COMMIT, ABORT, NOTSENT, WAITING = "undecided", "commit", "abort", "notsent", "waiting"


class Participant(NamedTuple):
    vote: str  # yes | no
    alive: bool
    decision: str  # undecided | commit | abort
    faulty: bool
    voteSent: bool
    forward: tuple[str, ...]  # per participant: notsent | commit | abort (| undecided in nb_wrong)


class Coordinator(NamedTuple):
    request: tuple[bool, ...]
    vote: tuple[str, ...]  # waiting | yes | no
    broadcast: tuple[str, ...]  # notsent | commit | abort
    decision: str
    alive: bool
    faulty: bool


class ACPState(NamedTuple):
    participant: tuple[Participant, ...]
    coordinator: Coordinator


def _ps(spec, s):
    return range(spec.participants)


@attrs.frozen
class ACP(Spec):
    participants: int = 2
    variant: Literal["nb_wrong", "nb"] = "nb_wrong"

    def init(self):
        n = self.participants
        coord = Coordinator((False,) * n, (WAITING,) * n, (NOTSENT,) * n, UNDECIDED, True, False)
        for votes in product(("yes", "no"), repeat=n):
            yield ACPState(tuple(Participant(v, True, UNDECIDED, False, False, (NOTSENT,) * n) for v in votes), coord)

    def _set_p(self, s, i, **changes) -> ACPState:
        return s._replace(participant=set_at(s.participant, i, s.participant[i]._replace(**changes)))

    def _set_c(self, s, **changes) -> ACPState:
        return s._replace(coordinator=s.coordinator._replace(**changes))

    # -- coordinator (ACP_SB): coordDie \/ makeDecision \/ \E i : coordProgA(i) --------------

    @action
    def coord_die(self, s):
        if not s.coordinator.alive:
            return None
        return self._set_c(s, alive=False, faulty=True)

    @action(no_voter=lambda spec, s: range(-1, spec.participants))
    def make_decision(self, s, no_voter):
        """no_voter = -1: the all-yes disjunct; else the witness of `\\E j : vote[j] = no`."""
        c = s.coordinator
        if not c.alive or c.decision != UNDECIDED or not all(v in ("yes", "no") for v in c.vote):
            return None
        if no_voter == -1:
            return self._set_c(s, decision=COMMIT) if all(v == "yes" for v in c.vote) else None
        return self._set_c(s, decision=ABORT) if c.vote[no_voter] == "no" else None

    @action(i=_ps)
    def request(self, s, i):
        c = s.coordinator
        if not c.alive or c.request[i]:
            return None
        return self._set_c(s, request=set_at(c.request, i, True))

    @action(i=_ps)
    def get_vote(self, s, i):
        c, p = s.coordinator, s.participant[i]
        if not (c.alive and c.decision == UNDECIDED and all(c.request) and c.vote[i] == WAITING and p.voteSent):
            return None
        return self._set_c(s, vote=set_at(c.vote, i, p.vote))

    @action(i=_ps)
    def detect_fault(self, s, i):
        c, p = s.coordinator, s.participant[i]
        if not (c.alive and c.decision == UNDECIDED and all(c.request) and c.vote[i] == WAITING):
            return None
        if p.alive or p.voteSent:
            return None
        return self._set_c(s, decision=ABORT)

    @action(i=_ps)
    def coord_broadcast(self, s, i):
        c = s.coordinator
        if not c.alive or c.decision == UNDECIDED or c.broadcast[i] != NOTSENT:
            return None
        return self._set_c(s, broadcast=set_at(c.broadcast, i, c.decision))

    # -- participants: \E i, j : parDie(i) \/ parProgNB(i, j) ---------------------------------

    @action(i=_ps, j=_ps)
    def par_die(self, s, i, j):
        if not s.participant[i].alive:
            return None
        return self._set_p(s, i, alive=False, faulty=True)

    @action(i=_ps, j=_ps)
    def send_vote(self, s, i, j):
        if not s.participant[i].alive or not s.coordinator.request[i]:
            return None
        return self._set_p(s, i, voteSent=True)

    @action(i=_ps, j=_ps)
    def abort_on_vote(self, s, i, j):
        p = s.participant[i]
        if not (p.alive and p.decision == UNDECIDED and p.voteSent and p.vote == "no"):
            return None
        return self._set_p(s, i, decision=ABORT)

    @action(i=_ps, j=_ps)
    def abort_on_timeout_request(self, s, i, j):
        p, c = s.participant[i], s.coordinator
        if not (p.alive and p.decision == UNDECIDED and not c.alive and not c.request[i]):
            return None
        return self._set_p(s, i, decision=ABORT)

    @action(i=_ps, j=_ps)
    def decide(self, s, i, j):
        """ACP_SB's decide(i), part of parProg(i) in nb_wrong: deliver the broadcast at once."""
        p, c = s.participant[i], s.coordinator
        if self.variant != "nb_wrong" or not (p.alive and p.decision == UNDECIDED and c.broadcast[i] != NOTSENT):
            return None
        return self._set_p(s, i, decision=c.broadcast[i])

    @action(i=_ps, j=_ps)
    def forward(self, s, i, j):
        p = s.participant[i]
        if i == j or not p.alive or p.forward[j] != NOTSENT:
            return None
        if self.variant == "nb_wrong":  # decision # notsent: always true, even when undecided
            return self._set_p(s, i, forward=set_at(p.forward, j, p.decision))
        if p.forward[i] == NOTSENT:
            return None
        return self._set_p(s, i, forward=set_at(p.forward, j, p.forward[i]))

    @action(i=_ps, j=_ps)
    def decide_on_forward(self, s, i, j):
        """nb_wrong: decideOnForward(i, j); nb: preDecideOnForward(i, j) (store, not decide)."""
        p, sent = s.participant[i], s.participant[j].forward[i]
        if i == j or not p.alive or sent == NOTSENT:
            return None
        if self.variant == "nb_wrong":
            return self._set_p(s, i, decision=sent) if p.decision == UNDECIDED else None
        return self._set_p(s, i, forward=set_at(p.forward, i, sent)) if p.forward[i] == NOTSENT else None

    @action(i=_ps, j=_ps)
    def pre_decide(self, s, i, j):
        """nb only: receive the coordinator's broadcast into forward[i] before forwarding it."""
        p, c = s.participant[i], s.coordinator
        if self.variant != "nb" or not (p.alive and p.forward[i] == NOTSENT and c.broadcast[i] != NOTSENT):
            return None
        return self._set_p(s, i, forward=set_at(p.forward, i, c.broadcast[i]))

    @action(i=_ps, j=_ps)
    def decide_nb(self, s, i, j):
        """nb only: deliver forward[i] once it has been forwarded to every other participant.
        There is no `decision = undecided` guard, so a decided participant re-delivers the same
        decision (a stuttering successor): TLC's 23988 generated states count those (23028 without)."""
        p = s.participant[i]
        if self.variant != "nb" or not p.alive or NOTSENT in p.forward:
            return None
        return self._set_p(s, i, decision=p.forward[i])

    @action(i=_ps, j=_ps)
    def abort_on_timeout(self, s, i, j):
        p, c, ps = s.participant[i], s.coordinator, s.participant
        if not (p.alive and p.decision == UNDECIDED and not c.alive):
            return None
        n = self.participants
        if any(ps[k].alive and c.broadcast[k] != NOTSENT for k in range(n)):
            return None
        if any(not ps[a].alive and ps[b].alive and ps[a].forward[b] != NOTSENT for a in range(n) for b in range(n)):
            return None
        return self._set_p(s, i, decision=ABORT)

    # -- properties ----------------------------------------------------------------------------

    @invariant(name="AC1")
    def ac1(self, s):
        """No participant commits while another aborts."""
        ds = [p.decision for p in s.participant]
        return not (COMMIT in ds and ABORT in ds) or fail(f"decisions {ds}")

    @invariant(name="AC2")
    def ac2(self, s):
        if any(p.decision == COMMIT for p in s.participant) and any(p.vote != "yes" for p in s.participant):
            return fail("a participant committed although some participant voted no")
        return True

    @invariant(name="AC3_1")
    def ac3_1(self, s):
        ps = s.participant
        if any(p.decision == ABORT for p in ps):
            if not (any(p.vote == "no" for p in ps) or any(p.faulty for p in ps) or s.coordinator.faulty):
                return fail("abort without a no vote or a failure")
        return True
