"""Train one small model per task family and record what PyTorch and ONNX Runtime make of a few
probe images, for serving's three-way parity test (serving/src/parity.test.ts), which runs the
same images through serving in Node.

    PYTHONPATH=trainer:trainer/tests python serving/test/parity-models.py RECIPES.json OUT_DIR

RECIPES.json maps a family name to how its model is made. It only names what the trainer's own
tests use, so no dataset generator or job spec is copied here:
  generator      a make_* function of trainer/tests/synthetic*.py (writes a dataset)
  count, seed    its image count and seed; "generatorArgs" (optional): more keyword arguments
  builder        a *_spec function of trainer/tests/conftest.py (the job spec of that family),
                 or "job": the task, arch, classes ... for conftest.job_spec, where conftest has
                 no builder for the family
  hyper          the job's hyper-parameters (epochs, imageSize, ...)
  probes         how many images to probe with, held-out ones first

Each job spec is validated and run as the CLI runs it (`load_spec`, `run_train`), one after the
other in this process: the trainer's imports cost more CPU than training these models, so they
are paid once instead of once per job. Writes into OUT_DIR:
  <family>/job.json, <family>/model/  the job and its output (model.onnx, model.json, model.pt,
                                      metrics.json)
  <family>/probe-K.png  probe images: dataset images stretched to the model's input size (PIL
                        bilinear, as the trainer loads images), so serving does not resample them
                        and only the runtimes differ between the three answers
  parity.json           {"families": {<family>: {"model": "<family>/model/model.onnx",
                          "metrics": <metrics.json>, "probes": [{"image": "<family>/probe-K.png",
                          "source": <dataset path>, "torch": OUTPUTS, "onnxruntime": OUTPUTS}]}}}
with OUTPUTS = {<graph output>: {"dtype": "float32" | "int64", "shape": [...], "data": [...]}}
(data flat, row-major): the raw outputs of the deployable module (what the trainer exports and
evaluates) and of model.onnx in ONNX Runtime, before any decoding.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import conftest
import numpy as np
import onnxruntime as ort
import torch
from aip_trainer.artifacts import load_model_pt
from aip_trainer.device import configure_threads
from aip_trainer.events import EventWriter
from aip_trainer.models import build_deploy, build_network
from aip_trainer.spec import load_spec
from aip_trainer.train import run_train
from PIL import Image

SPLIT_ORDER = ("test", "val", "train")


def generator(name: str) -> Any:
    """The make_* function called ``name`` in whichever trainer/tests/synthetic*.py has it."""
    tests = Path(conftest.__file__).parent
    for module_file in sorted(tests.glob("synthetic*.py")):
        module = importlib.import_module(module_file.stem)
        if hasattr(module, name):
            return getattr(module, name)
    raise SystemExit(f"no dataset generator {name} in {tests}/synthetic*.py")


def train(family: str, recipe: dict[str, Any], out: Path, data: Path) -> Path:
    """Generate the dataset and run the training job; returns the job's output folder."""
    make = generator(recipe["generator"])
    make(data, recipe["count"], seed=recipe["seed"], **recipe.get("generatorArgs", {}))
    output = out / family / "model"
    if "builder" in recipe:
        spec = getattr(conftest, recipe["builder"])(data, output, hyper=recipe["hyper"])
    else:
        spec = conftest.job_spec(
            data, output, recipe["job"], {"hyper": recipe["hyper"]}
        )
    job = out / family / "job.json"
    job.parent.mkdir(parents=True, exist_ok=True)
    job.write_text(json.dumps(spec), encoding="utf-8")
    events = io.StringIO()
    run_train(load_spec(job), EventWriter(events))
    last = json.loads(events.getvalue().splitlines()[-1])
    if last["event"] != "done":
        raise SystemExit(f"{family}: the training job ended with {last}")
    return output


def probe_sources(data: Path, count: int) -> list[str]:
    """Manifest paths of ``count`` images, held-out splits first."""
    lines = (data / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    ordered = sorted(records, key=lambda r: SPLIT_ORDER.index(r["split"]))
    return [r["path"] for r in ordered[:count]]


def tensor(value: np.ndarray) -> dict[str, Any]:
    # float32 -> Python float is exact, so the JSON carries every output bit for bit.
    data = value.reshape(-1).tolist()
    return {"dtype": str(value.dtype), "shape": list(value.shape), "data": data}


def record(
    family: str, recipe: dict[str, Any], out: Path, data: Path
) -> dict[str, Any]:
    """Probe images, and the PyTorch and ONNX Runtime outputs on each."""
    output = out / family / "model"
    # The deployable module exactly as the trainer's `kind: evaluate` builds it from model.pt.
    model = load_model_pt(output / "model.pt")
    net = build_network(model.arch, len(model.labels), model.input_size)
    net.load_state_dict(model.state_dict)
    deploy = build_deploy(model.arch, net, model.input_size)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(
        str(output / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    height, width = model.input_size
    probes = []
    for k, source in enumerate(probe_sources(data, recipe["probes"])):
        with Image.open(data / source) as image:
            rgb = image.convert("RGB").resize(
                (width, height), Image.Resampling.BILINEAR
            )
        name = f"{family}/probe-{k}.png"
        rgb.save(out / name)
        # Read back from the PNG, as serving will: the pixels all three runtimes see.
        with Image.open(out / name) as saved:
            hwc = np.asarray(saved.convert("RGB"), dtype=np.float32)
        pixels = np.ascontiguousarray(hwc.transpose(2, 0, 1)[None])
        with torch.no_grad():
            expected = deploy(torch.from_numpy(pixels))
        if isinstance(expected, torch.Tensor):
            expected = (expected,)
        actual = session.run(None, {"image": pixels})
        probes.append(
            {
                "image": name,
                "source": source,
                "torch": {
                    n: tensor(t.numpy()) for n, t in zip(names, expected, strict=True)
                },
                "onnxruntime": {
                    n: tensor(np.asarray(a)) for n, a in zip(names, actual, strict=True)
                },
            }
        )
    metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
    return {"model": f"{family}/model/model.onnx", "metrics": metrics, "probes": probes}


def main() -> None:
    recipes: dict[str, dict[str, Any]] = json.loads(
        Path(sys.argv[1]).read_text(encoding="utf-8")
    )
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(name)s: %(message)s",
    )
    configure_threads()
    families: dict[str, Any] = {}
    # Datasets are only needed until the probes are written.
    with tempfile.TemporaryDirectory(prefix="aip-parity-data-") as scratch:
        for family, recipe in recipes.items():
            data = Path(scratch) / family
            train(family, recipe, out, data)
            families[family] = record(family, recipe, out, data)
            # The job's resume state (optimizer, best weights): not needed to compare outputs.
            (out / family / "model" / "checkpoint.pt").unlink(missing_ok=True)
    text = json.dumps({"families": families}, ensure_ascii=False)
    (out / "parity.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
