"""Make the DIS byte fixtures of tests/report/test_dis.py with open-dis-python (opendis 1.0), once.

opendis pins numpy < 2, so it runs in an environment of its own, never iadsim's:

    python3 -m venv /tmp/opendis && /tmp/opendis/bin/pip install opendis==1.0
    /tmp/opendis/bin/python scripts/dis_fixtures.py tests/data/dis

It writes one PDU per file (``entity_state.bin``, ``fire.bin``, ``detonation.bin``, ``emission.bin``), each
encoded by opendis from the field values in ``fields.json`` (also written), which the test gives iadsim's own
encoder. opendis 1.0 writes 0 where version 7 puts a beam's status (its "padding" byte): 0 is "active"; its
header would carry PDU type and family 0, so they are set from its PDU classes.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from opendis.DataOutputStream import DataOutputStream
from opendis.dis7 import (
    DetonationPdu,
    EEFundamentalParameterData,
    ElectromagneticEmissionsPdu,
    EmissionSystemBeamRecord,
    EmissionSystemRecord,
    EmitterSystem,
    EntityID,
    EntityMarking,
    EntityStatePdu,
    EntityType,
    EulerAngles,
    EventIdentifier,
    FirePdu,
    MunitionDescriptor,
    SimulationAddress,
    Vector3Double,
    Vector3Float,
)

FIELDS = {
    "entity_state": {
        "exercise": 1, "seconds": 1234.5, "entity": [1, 1, 7], "force": 2, "entity_type": [1, 2, 0, 21, 0, 0, 0],
        "velocity": [12.5, -3.25, 0.5], "location": [525976.3147772418, -5098360.470335602, 3784059.6242371206],
        "orientation": [-1.25, 0.5, 3.0], "appearance": 24, "dead_reckoning": 2, "marking": "raid-3"},
    "fire": {
        "exercise": 3, "seconds": 61.0, "firing": [1, 1, 5], "target": [1, 1, 20], "munition": [1, 1, 40],
        "event": [1, 1, 9], "location": [524175.3881798678, -5102135.668818606, 3779318.5327159995],
        "munition_type": [2, 1, 0, 1, 0, 0, 0], "velocity": [300.0, -150.0, 800.0], "range_": 15250.0},
    "detonation": {
        "exercise": 3, "seconds": 79.5, "firing": [1, 1, 5], "target": [1, 1, 20], "munition": [1, 1, 40],
        "event": [1, 1, 9], "velocity": [300.0, -150.0, 800.0],
        "location": [526000.5, -5099000.25, 3785000.125], "munition_type": [2, 1, 0, 1, 0, 0, 0], "result": 2},
    "emission": {
        "exercise": 1, "seconds": 10.0, "entity": [1, 1, 3], "event": [1, 1, 101], "update": 1, "name": 0,
        "function": 5, "beam": {"frequency": 3.0e9, "frequency_range": 0.0, "erp": 123.8, "prf": 500.0,
                                "pulse_width": 10.0, "azimuth_center": 0.0, "azimuth_sweep": 3.1415927,
                                "elevation_center": 0.05, "elevation_sweep": 0.1, "function": 1, "status": 0}},
}


def _bytes(pdu) -> bytes:
    buffer = io.BytesIO()
    pdu.serialize(DataOutputStream(buffer))
    pdu.length = len(buffer.getvalue())  # opendis leaves the length to its caller
    buffer = io.BytesIO()
    pdu.serialize(DataOutputStream(buffer))
    return buffer.getvalue()


def _timestamp(seconds: float) -> int:
    return (min(int(round((seconds % 3600.0) / 3600.0 * 2**31)), 2**31 - 1) << 1) | 1


def _header(pdu, f) -> None:
    pdu.exerciseID = f["exercise"]
    pdu.timestamp = _timestamp(f["seconds"])
    pdu.pduStatus = 0
    # opendis 1.0's header writes the instance's pduType and protocolFamily, which its constructor sets to 0: the
    # class's own values (the standard's) are put there
    pdu.pduType, pdu.protocolFamily = type(pdu).pduType, type(pdu).protocolFamily


def _etype(v) -> EntityType:
    t = EntityType()
    (t.entityKind, t.domain, t.country, t.category, t.subcategory, t.specific, t.extra) = v
    return t


def _eid(v) -> EntityID:
    return EntityID(*v)


def _event(v) -> EventIdentifier:
    return EventIdentifier(SimulationAddress(v[0], v[1]), v[2])


def entity_state(f) -> bytes:
    marking = EntityMarking(1)
    marking.setString(f["marking"])
    pdu = EntityStatePdu(entityID=_eid(f["entity"]), forceId=f["force"], entityType=_etype(f["entity_type"]),
                         alternativeEntityType=_etype(f["entity_type"]),
                         entityLinearVelocity=Vector3Float(*f["velocity"]),
                         entityLocation=Vector3Double(*f["location"]), entityOrientation=EulerAngles(*f["orientation"]),
                         entityAppearance=f["appearance"], marking=marking, capabilities=0)
    pdu.deadReckoningParameters.deadReckoningAlgorithm = f["dead_reckoning"]
    _header(pdu, f)
    return _bytes(pdu)


def fire(f) -> bytes:
    pdu = FirePdu(munitionExpendableID=_eid(f["munition"]), eventID=_event(f["event"]), fireMissionIndex=0,
                  location=Vector3Double(*f["location"]),
                  descriptor=MunitionDescriptor(_etype(f["munition_type"]), 0, 0, 1, 0),
                  velocity=Vector3Float(*f["velocity"]), range_=f["range_"])
    pdu.firingEntityID, pdu.targetEntityID = _eid(f["firing"]), _eid(f["target"])
    _header(pdu, f)
    return _bytes(pdu)


def detonation(f) -> bytes:
    pdu = DetonationPdu(explodingEntityID=_eid(f["munition"]), eventID=_event(f["event"]),
                        velocity=Vector3Float(*f["velocity"]), location=Vector3Double(*f["location"]),
                        descriptor=MunitionDescriptor(_etype(f["munition_type"]), 0, 0, 1, 0),
                        locationInEntityCoordinates=Vector3Float(0.0, 0.0, 0.0), detonationResult=f["result"])
    pdu.firingEntityID, pdu.targetEntityID = _eid(f["firing"]), _eid(f["target"])
    _header(pdu, f)
    return _bytes(pdu)


def emission(f) -> bytes:
    b = f["beam"]
    parameters = EEFundamentalParameterData(b["frequency"], b["frequency_range"], b["erp"], b["prf"], b["pulse_width"],
                                            b["azimuth_center"], b["azimuth_sweep"], b["elevation_center"],
                                            b["elevation_sweep"], 0.0)
    beam = EmissionSystemBeamRecord(beamDataLength=13, beamIDNumber=1, beamParameterIndex=0,
                                    fundamentalParameterData=parameters, beamFunction=b["function"],
                                    highDensityTrackJam=0)
    beam.jammingModeSequence = 0  # (a 0 given to the constructor is replaced by a record object)
    system = EmissionSystemRecord(systemDataLength=18, emitterSystem=EmitterSystem(f["name"], f["function"], 1),
                                  location=Vector3Float(0.0, 0.0, 0.0), beamRecords=[beam])
    pdu = ElectromagneticEmissionsPdu(emittingEntityID=_eid(f["entity"]), eventID=_event(f["event"]),
                                      stateUpdateIndicator=f["update"], systems=[system])
    _header(pdu, f)
    return _bytes(pdu)


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (("entity_state", entity_state), ("fire", fire), ("detonation", detonation),
                       ("emission", emission)):
        (out / f"{name}.bin").write_bytes(make(FIELDS[name]))
    (out / "fields.json").write_text(json.dumps(FIELDS, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
