"""Human-machine teaming: the automation's classifier, the operator's acceptance of its recommendations, and IFF.

Rules (docs/engine.md, "Human-machine teaming"):

* **Classifier.** Each fire unit has a classifier (``automation.classifiers`` by unit id, else
  ``automation.classifier``). When the fire unit nominates a target, it is judged by the row of the confusion matrix
  named by its profile (its flight's ``profile``, else hostile for a raid's aircraft and decoys, arm for its
  anti-radiation missiles, civil or friendly for traffic by its side). One keyed uniform ``u`` gives the label: the
  first whose cumulative probability along the row (in the order hostile, arm, civil, friendly) exceeds ``u``
  (:func:`classify`); one ``u`` per nomination, or per target with persistent identification. Hostile and arm
  recommend an engagement, which goes to authorisation; civil and friendly recommend holding fire: nothing is
  nominated, and the target is not engaged again before ``reconsider_after`` (never with persistent
  identification). The classifier shows the operator its configured confidence in that label.
* **Operator.** The probability of accepting a recommendation to engage is the logistic function
  (:func:`acceptance`)::

      logit p = intercept + trust_weight * trust + confidence_weight * confidence
                + pressure_weight * pressure + workload_weight * workload + vigilance_weight * hours

  with ``trust`` the deciding crew's trust in the automation (0..1, as trained: a unit's ``trust``, else the
  operator model's), ``confidence`` the classifier's, ``pressure = clip(1 - t_intercept / horizon, 0, 1)``
  (``t_intercept``: the time of flight to the intercept predicted from the fire unit's track when the
  authorisation ends, the truth's where it has none; none predicted: no pressure), ``workload`` the tracks in the
  deciding fire unit's picture plus the engagements waiting for its deciding crew, per operator
  (``doctrine.concurrent_decisions`` operators), and ``hours`` the time on task (``hours_on_task`` at the start
  plus the run's time: the vigilance decrement). The form follows the automation-bias literature (reliance grows
  with trust and time pressure and under workload; Parasuraman and Riley 1997; Parasuraman and Manzey 2010); the
  weights are assumptions, graded so, for the analyst to vary.
* **IFF.** A target can reply when its transponder is on and works (``identification.transponder_availability``,
  once per replication) and, for a friendly aircraft, its IFF codes are loaded (civil aircraft reply in their
  civil modes). The network's surveillance interrogation of each target gets through with
  ``identification.interrogator_availability`` and its reply is not missed (``p_transponder_missed``): a valid
  reply keeps the target off the engagement list. With automation, the operator asked to engage cross-checks
  IFF with probability ``identification.cross_check``: the fire unit's own interrogator (working or not for the
  replication: the unit's ``interrogator_availability``, else the identification's) asks the same transponder,
  the reply may be missed afresh, and a valid reply vetoes the engagement (:func:`iff_reply_probability`).
* **Authority.** ``autonomous`` launches on the classifier's recommendation alone; ``human-on-the-loop`` launches
  on it unless the operator vetoes within the window (an operator slower than the window vetoes nothing);
  ``human-in-the-loop`` launches only what the operator accepts.

References
----------
.. [1] Parasuraman, R. and Riley, V. (1997). Humans and automation: use, misuse, disuse, abuse. Human Factors
   39(2), 230-253.
.. [2] Parasuraman, R. and Manzey, D. H. (2010). Complacency and bias in human use of automation: an attentional
   integration. Human Factors 52(3), 381-410.
.. [3] Defense Science Board (2005). Report of the Defense Science Board Task Force on Patriot System
   Performance: two of the three 2003 fratricides, an aircraft classified as an anti-radiation missile and
   crews trained to trust the system.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.scenario.models import LABELS
from iadsim.scenario.relocation import home_of

__all__ = ["ENGAGE", "LABELS", "Teaming", "acceptance", "classify", "iff_reply_probability", "label_cdf", "pressure",
           "teaming"]

ENGAGE = frozenset({"hostile", "arm"})
"""The labels that recommend an engagement."""


def label_cdf(row: dict[str, float]) -> np.ndarray:
    """Cumulative probabilities of a confusion-matrix row over :data:`LABELS` in order (the last set to 1)."""
    cdf = np.cumsum([float(row.get(label, 0.0)) for label in LABELS])
    cdf[-1] = 1.0
    return cdf


def classify(cdf: np.ndarray, u) -> np.ndarray:
    """The label index (into :data:`LABELS`) a uniform ``u`` in [0, 1) gives on a row's :func:`label_cdf`; rows
    ``cdf`` (n, labels) with draws ``u`` (n,): one label each."""
    cdf, u = np.asarray(cdf, dtype=float), np.asarray(u, dtype=float)
    if cdf.ndim == 1:
        return np.searchsorted(cdf, u, side="right")
    return np.sum(cdf <= u[..., None], axis=-1)  # (searchsorted's index on each row: how many entries are <= u)


def pressure(time_to_intercept, horizon: float) -> np.ndarray:
    """Time pressure: ``clip(1 - t / horizon, 0, 1)`` (``t`` [s]; no predicted intercept, ``t`` infinite: none)."""
    t = np.asarray(time_to_intercept, dtype=float)
    return np.where(np.isnan(t), 0.0, np.clip(1.0 - t / horizon, 0.0, 1.0))


def acceptance(operator, confidence, time_pressure, workload, hours, trust=None) -> np.ndarray:
    """The probability that an operator accepts a recommendation to engage (module docstring): ``operator`` an
    :class:`iadsim.scenario.models.OperatorModel`, the rest numbers or arrays (broadcast); ``trust`` the deciding
    crew's (None: the operator model's)."""
    trust = operator.trust if trust is None else np.asarray(trust, dtype=float)
    logit = (operator.intercept + operator.trust_weight * trust
             + operator.confidence_weight * np.asarray(confidence, dtype=float)
             + operator.pressure_weight * np.asarray(time_pressure, dtype=float)
             + operator.workload_weight * np.asarray(workload, dtype=float)
             + operator.vigilance_weight * np.asarray(hours, dtype=float))
    return 0.5 * (1.0 + np.tanh(0.5 * logit))  # the logistic, without overflow


def iff_reply_probability(replies: bool, p_missed: float) -> float:
    """Probability that one interrogation gets a valid reply: ``replies``, the target can reply to this
    interrogator (its transponder is on and works and, for a friendly aircraft, its codes are loaded; the
    interrogator works), and the reply is not missed."""
    return 1.0 - p_missed if replies else 0.0



@dataclass(frozen=True)
class Teaming:
    """The automation of a simulated network, as arrays: C classifiers (the default first, then the fire units' own),
    T targets, F fire units, D deciding crews (command posts, then fire units), U units."""

    label_cdf: np.ndarray  # (C, T, 4) each classifier's cumulative label probabilities on each target's row
    classifier_of: np.ndarray  # (F,) int: the classifier of each fire unit
    confidence: np.ndarray  # (C, 4) each classifier's confidence in each label
    trust: np.ndarray  # (D,) each deciding crew's trust in the automation
    interrogator: np.ndarray  # (U,) the availability of each unit's own IFF interrogator


def teaming(automation, identification, profiles: list[str], fire_units: list, posts: list, units: list) -> Teaming:
    """The :class:`Teaming` of ``automation`` (:class:`iadsim.scenario.models.Automation`): ``profiles`` (T,) each
    target's classifier row, ``fire_units`` (F,) and ``posts`` the scenario units of the fire units and the command
    posts, ``units`` (U,) the scenario unit of each of the network's units (a relocating unit's sites share it)."""
    homes = [home_of(u.id)[0] for u in fire_units]  # (a relocating unit's sites keep its classifier)
    own = list(dict.fromkeys(h for h in homes if h in automation.classifiers))
    classifiers = [automation.classifier, *(automation.classifiers[uid] for uid in own)]
    label_rows = [[label_cdf(c.confusion[p]) for p in profiles] for c in classifiers]
    default_trust = automation.operator.trust
    return Teaming(
        label_cdf=np.array(label_rows, float).reshape(len(classifiers), len(profiles), len(LABELS)),
        classifier_of=np.array([own.index(h) + 1 if h in own else 0 for h in homes], np.int64),
        confidence=np.array([[c.confidence[label] for label in LABELS] for c in classifiers], float),
        trust=np.array([default_trust if u.trust is None else u.trust for u in [*posts, *fire_units]], float),
        interrogator=np.array([identification.interrogator_availability if u.interrogator_availability is None
                               else u.interrogator_availability for u in units], float),
    )
