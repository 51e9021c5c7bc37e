"""unet_enhance_tiny learns to denoise and deblur the synthetic pairs; metrics, model files, ONNX, warm
start and ``kind: evaluate`` follow the contract; PSNR and SSIM agree with scikit-image."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import onnxruntime as ort
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from aip_trainer.enhance import PSNR_CAP_DB, QualitySums, augment_pairs, enhancement_loss, target_store
from aip_trainer.errors import UserError
from aip_trainer.export import export_onnx, verify_onnx
from aip_trainer.images import ImageStore
from aip_trainer.manifest import read_manifest
from aip_trainer.models import build_deploy, build_network, output_names
from aip_trainer.spec import validate_spec
from aip_trainer.tasks import make_adapter

from conftest import enh_spec, run_job
from synthetic import make_enhancement

IMAGE_SIZE = 64
EPOCHS = 12
# Observed on the 41 test pairs (seed 0): PSNR 21.9 dB -> 27.7 dB, SSIM 0.31 -> 0.86.
MIN_PSNR_GAIN_DB = 3.0
MIN_SSIM_GAIN = 0.3
METRIC_KEYS = {"psnr", "ssim", "inputPsnr", "inputSsim", "testImages"}


def skimage_quality(image: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """The reference: PSNR and SSIM of HxWx3 0..255 arrays as the contract defines them."""
    image, target = image.astype(np.float64), target.astype(np.float64)
    psnr = peak_signal_noise_ratio(target, image, data_range=255)
    ssim = structural_similarity(
        target,
        image,
        channel_axis=-1,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=255,
    )
    return float(psnr), float(ssim)


def hwc(image: torch.Tensor) -> np.ndarray:
    return image.permute(1, 2, 0).numpy()


@pytest.fixture(scope="module")
def enh_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("enh-data")
    make_enhancement(root, 200, seed=4)
    return root


@pytest.fixture(scope="module")
def trained(enh_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("enh-train")
    spec = enh_spec(enh_data, work / "out", hyper={"imageSize": IMAGE_SIZE, "epochs": EPOCHS})
    started = time.monotonic()
    result = run_job(work, spec)
    print(f"unet_enhance_tiny training took {time.monotonic() - started:.1f}s; done: {result.of('done')}")
    assert result.code == 0, result.stderr[-3000:]
    return spec, result


def test_beats_the_unprocessed_input(trained):
    _, result = trained
    metrics = result.of("done")[0]["metrics"]
    assert set(metrics) == METRIC_KEYS | {"evaluatedOn", "bestEpoch"}
    assert metrics["evaluatedOn"] == "test"
    assert metrics["testImages"] == result.events[0]["testImages"] > 0
    assert metrics["psnr"] >= metrics["inputPsnr"] + MIN_PSNR_GAIN_DB
    assert metrics["ssim"] >= metrics["inputSsim"] + MIN_SSIM_GAIN
    assert 0 < metrics["inputSsim"] < metrics["ssim"] <= 1
    epochs = result.of("epoch")
    assert len(epochs) == EPOCHS
    assert all(e["metricName"] == "psnr" for e in epochs)
    assert epochs[-1]["metric"] > epochs[0]["metric"]


def test_model_files(trained):
    spec, _ = trained
    out = validate_spec(spec).output
    described = json.loads((out / "model.json").read_text())
    assert described["task"] == "enhancement"
    assert described["arch"] == "unet_enhance_tiny"
    assert described["classes"] == []
    assert described["outputs"] == ["enhanced"]
    assert described["inputSize"] == [IMAGE_SIZE, IMAGE_SIZE]
    assert described["input"]["range"] == [0, 255]
    assert "scoreThreshold" not in described
    model = torch.load(out / "model.pt", weights_only=True)
    assert (model["task"], model["classes"]) == ("enhancement", [])


def test_onnx_output_matches_torch_and_the_metrics(trained):
    """model.onnx's outputs on the test images, scored by scikit-image, reproduce metrics.json."""
    spec, result = trained
    job = validate_spec(spec)
    net = build_network("unet_enhance_tiny", 0, (IMAGE_SIZE, IMAGE_SIZE))
    net.load_state_dict(torch.load(job.output / "model.pt", weights_only=True)["state_dict"])
    deploy = build_deploy("unet_enhance_tiny", net, (IMAGE_SIZE, IMAGE_SIZE))
    session = ort.InferenceSession(str(job.output / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["image"]
    assert [o.name for o in session.get_outputs()] == ["enhanced"]
    inputs = ImageStore([e for e in read_manifest(job) if e.split == "test"], (IMAGE_SIZE, IMAGE_SIZE))
    targets = target_store(inputs)
    scores = []
    for i in range(len(inputs)):
        image = inputs[i][None].float()
        (enhanced,) = session.run(None, {"image": image.numpy()})
        assert enhanced.dtype == np.float32
        assert enhanced.shape == (1, 3, IMAGE_SIZE, IMAGE_SIZE)
        assert enhanced.min() >= 0
        assert enhanced.max() <= 255
        with torch.no_grad():
            assert np.abs(enhanced - deploy(image).numpy()).max() <= 0.5
        target = hwc(targets[i])
        scores.append(
            [*skimage_quality(enhanced[0].transpose(1, 2, 0), target), *skimage_quality(hwc(inputs[i]), target)]
        )
    psnr, ssim, input_psnr, input_ssim = np.mean(scores, axis=0)
    metrics = result.of("done")[0]["metrics"]
    assert metrics["psnr"] == pytest.approx(psnr, abs=0.01)
    assert metrics["ssim"] == pytest.approx(ssim, abs=1e-4)
    assert metrics["inputPsnr"] == pytest.approx(input_psnr, abs=1e-9)
    assert metrics["inputSsim"] == pytest.approx(input_ssim, abs=1e-9)


def test_evaluate_kind_writes_metrics(trained, enh_data, tmp_path):
    spec, first = trained
    model_pt = validate_spec(spec).output / "model.pt"
    evaluate = enh_spec(enh_data, tmp_path / "eval", kind="evaluate", model=str(model_pt))
    result = run_job(tmp_path, evaluate)
    assert result.code == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert result.of("done")[0]["metrics"] == metrics
    assert set(metrics) == METRIC_KEYS | {"evaluatedOn"}
    trained_metrics = first.of("done")[0]["metrics"]
    for key in METRIC_KEYS:
        assert metrics[key] == pytest.approx(trained_metrics[key], abs=1e-6), key


def test_warm_start_continues_from_the_trained_model(trained, enh_data, tmp_path):
    spec, first = trained
    model_pt = validate_spec(spec).output / "model.pt"
    warm = enh_spec(enh_data, tmp_path / "out", hyper={"imageSize": IMAGE_SIZE, "epochs": 1}, initWeights=str(model_pt))
    result = run_job(tmp_path, warm)
    assert result.code == 0, result.stderr[-3000:]
    assert f"warm start: {len(torch.load(model_pt, weights_only=True)['state_dict'])} of" in result.stderr
    # From scratch, one epoch barely moves off the identity; warm, it starts where training ended.
    trained_metrics = first.of("done")[0]["metrics"]
    assert result.of("done")[0]["metrics"]["psnr"] >= trained_metrics["psnr"] - 1.0


def test_psnr_and_ssim_match_scikit_image():
    gen = torch.Generator().manual_seed(0)
    # Non-square, so that a swapped row/column pass of the window would show.
    targets = (torch.rand(3, 3, 40, 72, generator=gen) * 255).round()
    smooth = torch.nn.functional.avg_pool2d(targets, 5, stride=1, padding=2, count_include_pad=False)
    noisy = (targets + torch.randn(targets.shape, generator=gen) * 25).clamp(0, 255)
    for images in (smooth, noisy):
        sums = QualitySums()
        sums.add(images, targets, targets)
        expected = np.mean([skimage_quality(hwc(a), hwc(b)) for a, b in zip(images, targets, strict=True)], axis=0)
        metrics = sums.metrics()
        assert metrics["psnr"] == pytest.approx(expected[0], abs=1e-9)
        assert metrics["ssim"] == pytest.approx(expected[1], abs=1e-9)
        # The targets against themselves: identical, so the capped PSNR and an SSIM of 1.
        assert metrics["inputPsnr"] == PSNR_CAP_DB
        assert metrics["inputSsim"] == pytest.approx(1.0)
        assert metrics["testImages"] == 3


def test_loss_is_zero_only_at_the_target():
    gen = torch.Generator().manual_seed(1)
    targets = torch.rand(2, 3, 32, 32, generator=gen)
    assert float(enhancement_loss(targets, targets)) == pytest.approx(0.0, abs=1e-6)
    assert float(enhancement_loss((targets + 0.05).clamp(0, 1), targets)) > 0.03


def test_augmentation_moves_input_and_target_together():
    gen = torch.Generator().manual_seed(2)
    images = torch.rand(16, 3, 24, 24) * 255
    inputs, targets = augment_pairs(images, images.clone(), gen)
    assert torch.equal(inputs, targets)
    assert not torch.equal(inputs, images)
    # Pixels move, their values do not change: no colour jitter.
    assert inputs.min() >= images.min()
    assert inputs.max() <= images.max()


def test_manifest_pairs_inputs_with_targets(tmp_path):
    data = tmp_path / "data"
    make_enhancement(data, 6, seed=5, size=32)
    lines = (data / "manifest.jsonl").read_text().splitlines()
    unpaired = json.loads(lines[0])
    del unpaired["target"]
    (data / "manifest.jsonl").write_text("\n".join([json.dumps(unpaired), *lines[1:]]))
    job = validate_spec(enh_spec(data, tmp_path / "out"))
    entries = read_manifest(job)
    assert len(entries) == 5  # the input without a target is skipped
    assert all(e.target_file == data / e.target for e in entries)
    assert all(e.target.startswith("images/target/") for e in entries)
    (data / entries[2].target).unlink()
    with pytest.raises(UserError, match=entries[2].target):
        read_manifest(job)


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"arch": "unet_enhance"}, True),
        ({"classes": ["sharp"]}, False),
        ({"arch": "tiny_unet"}, False),
        ({"task": "segmentation"}, False),
        ({"task": "detection", "arch": "tiny_det"}, False),
    ],
)
def test_schema_takes_enhancement_without_classes(tmp_path, change, valid):
    spec = {**enh_spec(tmp_path, tmp_path / "out"), **change}
    if valid:
        assert validate_spec(spec).classes == []
    else:
        with pytest.raises(UserError, match="the job spec is invalid"):
            validate_spec(spec)


def test_unet_enhance_trains_exports_and_matches_onnx(tmp_path):
    """The wide model on a few tiny images: one step, the identity at the start, ONNX parity."""
    size = (32, 32)
    make_enhancement(tmp_path / "data", 4, seed=6, size=32)
    job = validate_spec(enh_spec(tmp_path / "data", tmp_path / "out", arch="unet_enhance"))
    store = ImageStore(read_manifest(job), size)
    torch.manual_seed(0)
    net = build_network("unet_enhance", 0, size)
    adapter = make_adapter("enhancement", "unet_enhance", [], torch.device("cpu"))
    batch = adapter.collate([adapter.dataset(store)[i] for i in range(len(store))])
    loss = adapter.train_loss(net.train(), batch, torch.Generator().manual_seed(0))
    loss.backward()
    assert math.isfinite(float(loss.detach()))
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())

    deploy = build_deploy("unet_enhance", net, size)
    sample = store[0][None].float()
    with torch.no_grad():
        # The last convolution starts at zero: an untrained enhancer returns its input.
        assert torch.equal(deploy(sample), sample)
        metrics = adapter.evaluate(deploy, store).metrics
        assert metrics["psnr"] == pytest.approx(metrics["inputPsnr"])
        for parameter in net.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.02)
    export_onnx(deploy, sample, tmp_path / "model.onnx", output_names("enhancement"))
    verify_onnx(tmp_path / "model.onnx", deploy, sample, adapter.parity_problem)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["enhanced"]
    (enhanced,) = session.run(None, {"image": sample.numpy()})
    assert enhanced.shape == (1, 3, *size)
    assert not np.allclose(enhanced, sample.numpy(), atol=1.0)  # the perturbed net does change pixels


def test_parity_problem_tolerates_half_a_grey_level():
    adapter = make_adapter("enhancement", "unet_enhance_tiny", [], torch.device("cpu"))
    expected = np.full((1, 3, 4, 4), 100.0, dtype=np.float32)
    assert adapter.parity_problem([expected], [expected + 0.4]) is None
    assert "differ by up to" in str(adapter.parity_problem([expected], [expected + 0.6]))
    assert "float32" in str(adapter.parity_problem([expected], [expected[:, :, :2]]))
