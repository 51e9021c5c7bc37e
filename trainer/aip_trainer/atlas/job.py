"""``kind: atlas``: signs the job's models over the probe set, then computes the distances of the
pairs it asks for, from those signatures and from earlier ones it is given.

The platform keeps signatures and distances and only asks for what is new: adding a model to an
atlas of N is one signature and N distances, not a recomputation of everything. A model that cannot
be signed (an ONNX upload, a broken file) is reported in ``atlas.json`` with its reason and the job
goes on; a spec that names a missing file or an unknown id is a user error.

Outputs: ``signatures/<id>.npz`` per signed model (signature.py) and ``atlas.json``; events: ``start``,
``progress`` after each model and after the distances, ``done`` with atlas.json's counts.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import torch

from aip_trainer.artifacts import write_json
from aip_trainer.atlas.probes import probe_hash, probe_set
from aip_trainer.atlas.represent import Unsupported, load_subject
from aip_trainer.atlas.signature import (
    Signature,
    attribution_distance,
    compute_signature,
    depara_distance,
    load_signature,
    save_signature,
)
from aip_trainer.device import seed_everything, select_device
from aip_trainer.errors import UserError, first_line
from aip_trainer.events import EventWriter
from aip_trainer.spec import AtlasModel, AtlasSpec

log = logging.getLogger(__name__)

ATLAS_JSON = "atlas.json"
SIGNATURES_DIR = "signatures"


def _check_files(spec: AtlasSpec) -> None:
    named = [(f"job.models[{i}] {m.id}", m.model.file) for i, m in enumerate(spec.models)]
    named += [(f"job.signatures[{i}] {r.id}", r.file) for i, r in enumerate(spec.signatures)]
    missing = [f"{where}: {file}" for where, file in named if not file.exists()]
    if missing:
        raise UserError("the job names files that do not exist:\n" + "\n".join(missing))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def sign_model(
    entry: AtlasModel, probes: torch.Tensor, spec: AtlasSpec, fingerprint: str, device: torch.device
) -> tuple[dict[str, Any], Signature | None]:
    """One model's signature and its atlas.json entry; a model that cannot be signed is an entry
    with its reason, never a failed job."""
    started = time.monotonic()
    try:
        subject = load_subject(entry.model, device)
        signature = compute_signature(subject, probes, spec.probe_set, fingerprint, device)
    except Unsupported as reason:
        log.info("model %s: unsupported: %s", entry.id, reason)
        return {"id": entry.id, "status": "unsupported", "reason": str(reason), "seconds": _since(started)}, None
    except UserError as error:
        log.warning("model %s: %s", entry.id, error)
        return {"id": entry.id, "status": "failed", "reason": str(error), "seconds": _since(started)}, None
    except Exception as error:  # one model's crash must not cost the others their signatures
        log.exception("model %s could not be signed", entry.id)
        reason = f"the model could not be run: {type(error).__name__}: {first_line(error)}"
        return {"id": entry.id, "status": "failed", "reason": reason, "seconds": _since(started)}, None
    relative = f"{SIGNATURES_DIR}/{entry.id}.npz"
    save_signature(spec.output / relative, signature)
    seconds = _since(started)
    log.info("model %s (%s %s, %s): signed in %.1fs", entry.id, subject.format, subject.task, subject.arch, seconds)
    return {"id": entry.id, "status": "ready", "file": relative, "seconds": seconds}, signature


def _mismatch(signature: Signature, spec: AtlasSpec) -> str | None:
    ours = (spec.probe_set, spec.probe_count, spec.probe_size)
    if (signature.probe_set, signature.count, signature.size) != ours:
        return (
            f"probe set {signature.probe_set} with {signature.count} probes of {signature.size} px, not this job's "
            f"{spec.probe_set} with {spec.probe_count} of {spec.probe_size} px"
        )
    return None


def run_atlas(spec: AtlasSpec, events: EventWriter) -> dict[str, Any]:
    _check_files(spec)
    # Earlier signatures are read before any work: an unreadable one is a bad spec.
    earlier = {ref.id: load_signature(ref.file) for ref in spec.signatures}
    spec.output.mkdir(parents=True, exist_ok=True)
    device = select_device(spec.device)
    seed_everything(spec.seed)
    events.emit(
        "start",
        epochs=0,
        device=device.type,
        trainImages=0,
        valImages=0,
        testImages=0,
        models=len(spec.models),
        pairs=len(spec.pairs),
    )
    probes = probe_set(spec.probe_set, spec.probe_count, spec.probe_size)
    fingerprint = probe_hash(probes)
    steps = len(spec.models) + 1
    started = time.monotonic()
    entries, signatures = [], {}
    for index, entry in enumerate(spec.models):
        described, signature = sign_model(entry, probes, spec, fingerprint, device)
        entries.append(described)
        if signature is not None:
            signatures[entry.id] = signature
        events.emit("progress", step=index + 1, steps=steps, fraction=round((index + 1) / steps, 4), model=entry.id)
    signing = time.monotonic() - started

    unusable = {e["id"]: f"{e['id']} has no signature ({e['status']}: {e['reason']})" for e in entries if "reason" in e}
    for key, signature in earlier.items():
        problem = _mismatch(signature, spec)
        if problem:
            unusable[key] = f"{key}'s signature was taken on {problem}"
        else:
            if signature.probe_hash != fingerprint:
                # Same set, count and size but other pixels: a probe generator changed under us.
                log.warning("signature %s: other probe pixels (%s, not %s)", key, signature.probe_hash, fingerprint)
            signatures[key] = signature
    started = time.monotonic()
    distances, skipped = [], []
    for a, b in spec.pairs:
        reasons = [unusable.get(x) or f"{x} has no signature" for x in (a, b) if x not in signatures]
        if reasons:
            skipped.append({"a": a, "b": b, "reason": "; ".join(reasons)})
            continue
        sa, sb = signatures[a], signatures[b]
        attribution, depara = attribution_distance(sa, sb), depara_distance(sa, sb)
        distances.append({"a": a, "b": b, "attribution": round(attribution, 6), "depara": round(depara, 6)})
    result: dict[str, Any] = {
        "probeSet": spec.probe_set,
        "probes": spec.probe_count,
        "size": spec.probe_size,
        "probeHash": fingerprint,
        "signatures": entries,
        "distances": distances,
        "skipped": skipped,
        "seconds": {"signatures": round(signing, 3), "distances": round(time.monotonic() - started, 3)},
    }
    write_json(spec.output / ATLAS_JSON, result)
    events.emit("progress", step=steps, steps=steps, fraction=1.0)
    # The counts only: the distances (tens of thousands of pairs) are atlas.json's, not an event line's.
    events.emit("done", metrics=summary(result))
    return result


def summary(result: dict[str, Any]) -> dict[str, Any]:
    placed = sum(1 for s in result["signatures"] if s["status"] == "ready")
    return {
        "probeSet": result["probeSet"],
        "signed": placed,
        "unplaced": len(result["signatures"]) - placed,
        "distances": len(result["distances"]),
        "skipped": len(result["skipped"]),
        "seconds": result["seconds"],
    }


def signature_path(output: Path, model_id: str) -> Path:
    return output / SIGNATURES_DIR / f"{model_id}.npz"
