"""The engine: R replications of one scenario advanced together, one readable step at a time.

:class:`Engine` holds a :class:`iadsim.engine.phases.Context` (what does not change during a run) and a
:class:`iadsim.engine.state.State` (arrays over replications, grouped), and calls the phases of
:mod:`iadsim.engine.phases` in order. Events happen at their exact times inside a step; the step only sets
how often the geometry is sampled. Every random draw is keyed by (seed, replication, a counter, stream), so
a replication's result does not depend on which other replications run beside it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from iadsim.engine import phases
from iadsim.engine.state import State
from iadsim.engine.world import World
from iadsim.events import empty_events

__all__ = ["Engine"]


class Engine:
    """Advance R replications of one scenario together. ``run()`` steps to the end of the duration.

    ``events=False`` keeps no event log (sweeps). The modelling constants (acquisition basket, track rules,
    process noise, default guidance channels) are scenario fields (``doctrine``).
    """

    def __init__(self, world: World, replications, seed: int | None = None, events: bool = True):
        self.seed = world.scenario.spec.seed if seed is None else int(seed)
        self.ctx = phases.Context.build(world, replications, self.seed, events)
        self.state: State = phases.initial_state(self.ctx)

    @property
    def w(self) -> World:
        return self.ctx.world

    @property
    def reps(self):
        return self.ctx.reps

    def step(self) -> None:
        """One time step: readiness at its time sample (failures, repairs, relocating units leaving and setting up),
        the cued radars that go live and the anti-radiation
        missiles launched in its window, which radars emit at its start, then the looks of its window in time order
        (and the crews their own tracks warn of a missile), the defensive layers the targets have reached, then the
        fire-control cycle over the window, event by
        event (:func:`iadsim.engine.phases.fire_control`), and the window's emission."""
        ctx, st = self.ctx, self.state
        k = st.time_index
        phases.repair_and_fail(ctx, k, st.readiness, st.tracks)
        phases.relocate(ctx, k, st)
        phases.cue(ctx, k, st)
        phases.release_arms(ctx, k, st)
        phases.emit(ctx, k, st.readiness)
        phases.sense(ctx, k, st.readiness, st.tracks, st.outcomes)
        phases.warn_on_tracks(ctx, k, st.readiness, st.tracks, st.outcomes)
        phases.track(ctx, k, st.tracks, st.picture)
        phases.reach_layers(ctx, k, st)
        phases.fire_control(ctx, k, st)
        st.time_index += 1

    def run(self, on_step: Callable[[int], None] | None = None) -> State:
        """Step until the last time sample of the scenario's duration has been simulated; ``on_step`` (if
        given) is called with the number of steps done after each step (for progress bars)."""
        while self.state.time_index < len(self.w.times):
            self.step()
            if on_step is not None:
                on_step(self.state.time_index)
        return self.state

    @property
    def decisions(self) -> pd.DataFrame:
        """With automation, its decisions so far (:data:`iadsim.events.DECISION_DTYPES`); else an empty table."""
        from iadsim.events import decisions_frame

        return decisions_frame(self.ctx.decisions or [])

    @property
    def events(self) -> pd.DataFrame:
        """The events so far as one typed table (:data:`iadsim.events.EVENT_DTYPES`)."""
        return self.ctx.log.frame() if self.ctx.log is not None else empty_events()
