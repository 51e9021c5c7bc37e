"""AutoPruning: the channel-ratio search lands on parameter targets, pruned networks reload from a
plain state_dict, and a pruning job through the CLI (target 0.5 in 3 steps) with ONNX parity and a
bounded accuracy drop."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch
from refinery_p1_support import DIGITS, Batches, build, save_aip, teacher_of, train_supervised
from refinery_support import Recorder, context
from synthetic_digits import digit_tensors, make_digits

from aip_trainer.artifacts import load_model_pt
from aip_trainer.models import build_deploy, build_network
from aip_trainer.models.pruned import mark_pruned
from aip_trainer.refinery import prune
from aip_trainer.refinery.measure import count_parameters
from aip_trainer.refinery.prune import prune_to

from conftest import run_job

SIZE = (32, 32)


@pytest.mark.parametrize(("arch", "outputs"), [("tiny_cnn", 10), ("tiny_unet", 2), ("mobilenet_v3_small", 5)])
def test_prune_to_a_parameter_target_and_reload(arch, outputs):
    net = build(arch, outputs, SIZE).eval()
    before = count_parameters(net)
    pruned, channel_ratio, mode = prune_to(net, round(before * 0.6), outputs + (1 if arch == "tiny_unet" else 0), SIZE)
    pruned.eval()
    ratio = count_parameters(pruned) / before
    print(f"{arch}: parameter ratio {ratio:.4f} at {mode} channel ratio {channel_ratio:.3f}")
    assert ratio == pytest.approx(0.6, abs=0.6 * 0.01)
    # The output layer keeps every class.
    x = torch.randn(2, 3, *SIZE)
    with torch.no_grad():
        out = pruned(x)
    out = out["out"] if isinstance(out, dict) else out
    assert out.shape[1] == (outputs + 1 if arch == "tiny_unet" else outputs)
    # A fresh registry network takes the pruned state_dict (marked) and computes the same outputs.
    state = mark_pruned({k: v.clone() for k, v in pruned.state_dict().items()})
    rebuilt = build_network(arch, outputs, SIZE)
    rebuilt.load_state_dict(state)
    rebuilt.eval()
    with torch.no_grad():
        again = rebuilt(x)
    again = again["out"] if isinstance(again, dict) else again
    torch.testing.assert_close(again, out)
    assert count_parameters(rebuilt) == count_parameters(pruned)


@pytest.mark.slow
def test_pruning_job_halves_the_parameters(tmp_path):
    data = tmp_path / "data"
    make_digits(data, 360, seed=8)
    teacher_net = train_supervised(build("tiny_cnn", 10, SIZE), *digit_tensors(1500, seed=1), epochs=5)
    save_aip(tmp_path / "teacher.pt", teacher_net, "tiny_cnn", "classification", DIGITS, SIZE)
    spec = {
        "kind": "refine",
        "algorithm": "auto_prune",
        "teachers": [{"file": str(tmp_path / "teacher.pt"), "format": "aip"}],
        "student": None,
        "manifest": str(data / "manifest.jsonl"),
        "imageRoot": str(data),
        "output": str(tmp_path / "out"),
        "params": {
            "targetRatio": 0.5,
            "steps": 3,
            "epochsPerStep": 2,
            "learningRate": 3e-3,
            "batchSize": 32,
            "imageSize": None,
        },
        "device": "cpu",
        "seed": 0,
    }
    result = run_job(tmp_path, spec)
    assert result.code == 0, result.stderr[-3000:]
    assert [e["epoch"] for e in result.of("epoch")] == list(range(1, 7))
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    ratio = metrics["parameterRatio"]
    rounds = [r["parameterRatio"] for r in metrics["rounds"]]
    teacher_accuracy = metrics["teachers"][0]["accuracy"]
    print(
        f"parameters {metrics['before']['parameters']} -> {metrics['after']['parameters']} (ratio {ratio:.4f}, "
        f"rounds {rounds}); MACs ratio {metrics['macsRatio']:.3f}; latency {metrics['before']['latencyMs']} -> "
        f"{metrics['after']['latencyMs']} ms; accuracy {teacher_accuracy:.3f} -> {metrics['accuracy']:.3f}"
    )
    assert 0.5 * 0.97 <= ratio <= 0.5 * 1.03
    assert rounds == sorted(rounds, reverse=True)
    assert rounds[0] == pytest.approx(0.5 ** (1 / 3), abs=0.02)
    assert metrics["after"]["macs"] < metrics["before"]["macs"]
    # The accuracy drop is bounded (measured: a few points at most on these sizes).
    assert teacher_accuracy > 0.85
    assert metrics["accuracy"] >= teacher_accuracy - 0.1
    # model.pt reloads (no pickled code) into the pruned network, and the ONNX graph matches it.
    model = load_model_pt(tmp_path / "out" / "model.pt")
    net = build_network(model.arch, len(model.classes), model.input_size)
    net.load_state_dict(model.state_dict)
    assert count_parameters(net) == metrics["after"]["parameters"]
    deploy = build_deploy(model.arch, net, model.input_size)
    images, _ = digit_tensors(8, seed=11)
    session = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_probs = np.concatenate([session.run(None, {"image": images[i : i + 1].numpy()})[0] for i in range(8)])
    with torch.no_grad():
        torch_probs = deploy(images).numpy()
    np.testing.assert_allclose(onnx_probs, torch_probs, atol=1e-5)
    # The flowchart's evaluate job works on the pruned model.pt.
    evaluated = run_job(
        tmp_path,
        {
            "kind": "evaluate",
            "task": "classification",
            "arch": "tiny_cnn",
            "classes": DIGITS,
            "model": str(tmp_path / "out" / "model.pt"),
            "manifest": str(data / "manifest.jsonl"),
            "imageRoot": str(data),
            "output": str(tmp_path / "eval"),
            "device": "cpu",
        },
    )
    assert evaluated.code == 0, evaluated.stderr[-2000:]
    assert evaluated.of("done")[0]["metrics"]["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-6)


class Crash(Exception):
    pass


def test_pruning_resumes_from_its_checkpoint(tmp_path):
    """A job killed after epoch 3 of 6 (round 2 of 3) resumes there with the pruned structure of
    round 2, and ends as an uninterrupted run would (same rounds, same parameter count)."""
    images, labels = digit_tensors(96, seed=12)
    teacher = teacher_of(build("tiny_cnn", 10, SIZE).eval(), "tiny_cnn", "classification", DIGITS, SIZE)
    params = {
        "targetRatio": 0.4,
        "steps": 3,
        "epochsPerStep": 2,
        "learningRate": 3e-3,
        "batchSize": 32,
        "imageSize": 32,
    }

    def ctx(recorder, work_dir):
        return context(
            [teacher],
            DIGITS,
            SIZE,
            Batches(images, labels, 32, True),
            Batches(images[:32], labels[:32], 32, False),
            params,
            None,
            recorder,
            work_dir,
        )

    class Stopping(Recorder):
        def on_epoch(self, epoch, total, figures):
            super().on_epoch(epoch, total, figures)
            if epoch == 3:
                raise Crash

    with pytest.raises(Crash):
        prune.run(ctx(Stopping(), tmp_path / "resumed"))
    recorder = Recorder()
    resumed = prune.run(ctx(recorder, tmp_path / "resumed"))
    assert [e[0] for e in recorder.epochs] == [4, 5, 6]
    straight = prune.run(ctx(Recorder(), tmp_path / "straight"))
    assert resumed.metrics["rounds"] == straight.metrics["rounds"]
    assert count_parameters(resumed.network) == count_parameters(straight.network)
    assert resumed.metrics["parameterRatio"] == pytest.approx(0.4, rel=0.03)
