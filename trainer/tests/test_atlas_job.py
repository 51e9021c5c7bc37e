"""``kind: atlas`` through the CLI: models signed, later ones added with only their new pairs, models
that cannot be signed reported per model, bad specs refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from atlas_support import digits_data, save_aip, train_classifier

from aip_trainer.atlas.signature import load_signature
from aip_trainer.errors import UserError
from aip_trainer.spec import validate_any_spec

from conftest import run_job

FIVE = [str(d) for d in range(5)]
ONNX_INPUT = {"size": [32, 32], "colorSpace": "RGB", "range": [0, 255], "mean": None, "std": None}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("atlas-job-models")
    data = digits_data(300)
    return {
        f"m{seed}": save_aip(root / f"m{seed}.pt", train_classifier(data, range(5), seed=seed, epochs=2), FIVE)
        for seed in range(4)
    }


def atlas_job(output: Path, models: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "atlas",
        "output": str(output),
        "device": "cpu",
        "seed": 0,
        "probes": {"set": "v1", "count": 32, "size": 32},
        "models": models,
        "signatures": [],
        "pairs": [],
        **extra,
    }


def aip(model_id: str, path: Path) -> dict[str, Any]:
    return {"id": model_id, "file": str(path), "format": "aip"}


def test_atlas_job_signs_then_adds_one_model(models, tmp_path):
    first = tmp_path / "first"
    ids = ["m0", "m1", "m2"]
    pairs = [["m0", "m1"], ["m0", "m2"], ["m1", "m2"]]
    result = run_job(tmp_path, atlas_job(first, [aip(i, models[i]) for i in ids], pairs=pairs))
    assert result.code == 0, result.stderr[-3000:]
    atlas = json.loads((first / "atlas.json").read_text())
    assert result.of("done")[0]["metrics"] == {
        "probeSet": "v1",
        "signed": 3,
        "unplaced": 0,
        "distances": 3,
        "skipped": 0,
        "seconds": atlas["seconds"],
    }
    assert [p["fraction"] for p in result.of("progress")] == [0.25, 0.5, 0.75, 1.0]
    assert (atlas["probeSet"], atlas["probes"], atlas["size"]) == ("v1", 32, 32)
    assert [(s["id"], s["status"], s["file"]) for s in atlas["signatures"]] == [
        (i, "ready", f"signatures/{i}.npz") for i in ids
    ]
    assert [(d["a"], d["b"]) for d in atlas["distances"]] == [tuple(p) for p in pairs]
    for distance in atlas["distances"]:
        assert 0 < distance["attribution"] <= 1
        assert 0 < distance["depara"] <= 1
    signature = load_signature(first / "signatures/m0.npz")
    assert signature.maps.dtype == np.float32  # read back from float16
    assert signature.maps.shape == (32, 3, 16, 16)
    assert signature.edges.shape == (32 * 31 // 2,)

    # One new model, the three earlier signatures and only the three new pairs; an ONNX upload and a
    # broken file beside it.
    second = tmp_path / "second"
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a model")
    onnx = tmp_path / "upload.onnx"
    onnx.write_bytes(b"an ONNX graph")
    new_models = [
        aip("m3", models["m3"]),
        {
            "id": "x-onnx",
            "file": str(onnx),
            "format": "onnx",
            "task": "classification",
            "classes": FIVE,
            "input": ONNX_INPUT,
        },
        aip("x-broken", broken),
    ]
    earlier = [{"id": i, "file": str(first / f"signatures/{i}.npz")} for i in ids]
    new_pairs = [["m0", "m3"], ["m1", "m3"], ["m2", "m3"], ["m0", "x-onnx"], ["x-broken", "m3"]]
    result = run_job(tmp_path, atlas_job(second, new_models, signatures=earlier, pairs=new_pairs))
    assert result.code == 0, result.stderr[-3000:]
    atlas = json.loads((second / "atlas.json").read_text())
    status = {s["id"]: s for s in atlas["signatures"]}
    assert status["m3"]["status"] == "ready"
    assert status["x-onnx"]["status"] == "unsupported"
    assert "ONNX upload has no gradients" in status["x-onnx"]["reason"]
    assert status["x-broken"]["status"] == "failed"
    assert "cannot load model file" in status["x-broken"]["reason"]
    assert sorted(p.name for p in (second / "signatures").iterdir()) == ["m3.npz"]
    assert [(d["a"], d["b"]) for d in atlas["distances"]] == [("m0", "m3"), ("m1", "m3"), ("m2", "m3")]
    skipped = {(s["a"], s["b"]): s["reason"] for s in atlas["skipped"]}
    assert skipped.keys() == {("m0", "x-onnx"), ("x-broken", "m3")}
    assert skipped["m0", "x-onnx"].startswith("x-onnx has no signature (unsupported")
    assert skipped["x-broken", "m3"].startswith("x-broken has no signature (failed")

    # A signature over another probe count is not compared.
    third = tmp_path / "third"
    job = atlas_job(third, [], signatures=earlier, pairs=[["m0", "m1"]], probes={"set": "v1", "count": 16, "size": 32})
    result = run_job(tmp_path, job)
    assert result.code == 0, result.stderr[-3000:]
    atlas = json.loads((third / "atlas.json").read_text())
    assert atlas["distances"] == []
    assert "probe set v1 with 32 probes of 32 px, not this job's v1 with 16" in atlas["skipped"][0]["reason"]


def test_bad_atlas_specs_are_user_errors(models, tmp_path):
    good = atlas_job(tmp_path / "out", [aip("m0", models["m0"])], pairs=[["m0", "m9"]])
    with pytest.raises(UserError, match="unknown id 'm9'"):
        validate_any_spec(good)
    twice = atlas_job(tmp_path / "out", [aip("m0", models["m0"]), aip("m0", models["m1"])])
    with pytest.raises(UserError, match="'m0' is given more than once"):
        validate_any_spec(twice)
    with pytest.raises(UserError, match=r"job\.models\[0\]\.id"):
        validate_any_spec(atlas_job(tmp_path / "out", [aip("../m0", models["m0"])]))
    # A missing file fails the job as a user error naming it, through the CLI.
    missing = atlas_job(tmp_path / "out", [aip("m0", tmp_path / "gone.pt")])
    result = run_job(tmp_path, missing)
    assert result.code == 2
    assert result.events[-1]["userError"] is True
    assert "job.models[0] m0" in result.events[-1]["message"]
    assert "gone.pt" in result.events[-1]["message"]
