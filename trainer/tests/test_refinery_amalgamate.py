"""Layer-wise amalgamation: two tiny_cnn classifiers trained on disjoint digit halves (0-4, 5-9)
become one tiny_cnn over all ten digits, trained on unlabeled images with the teachers only."""

from __future__ import annotations

import torch
from refinery_support import DIGITS, Batches, Recorder, Timer, accuracy, context, half_accuracies, halves_teachers
from synthetic_digits import digit_tensors

from aip_trainer.models import build_network
from aip_trainer.models.normalize import Normalize
from aip_trainer.refinery import amalgamate
from aip_trainer.refinery.losses import concatenated_targets, mk_mmd, union_mapping

SIZE = (32, 32)
# The student's accuracy on all ten digits must reach the teachers' mean accuracy on their own
# halves minus this. Measured (seed 0, these sizes): teachers 1.000 and 0.984 on their halves,
# student 0.954 over ten classes (teacher-only supervision, no labels). With a weaker second
# teacher (0.856 after 5 epochs on fewer images) the student reached 0.822.
MARGIN = 0.10


def test_union_mapping_merges_classes_by_name():
    mapping = union_mapping([["cat", "dog"], ["dog", "fox"]], ["cat", "dog", "fox"])
    assert mapping.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]]
    # A "dog" from both teachers: the union's dog gets both teachers' mass.
    probs = concatenated_targets([torch.tensor([[0.0, 5.0]]), torch.tensor([[5.0, 0.0]])], mapping, 1.0)
    assert probs.argmax().item() == 1
    assert torch.allclose(probs.sum(), torch.tensor(1.0))


def test_mk_mmd_separates_distributions():
    torch.manual_seed(0)
    x, same, shifted = torch.randn(64, 8), torch.randn(64, 8), torch.randn(64, 8) + 1.5
    assert float(mk_mmd(x, shifted)) > 5 * float(mk_mmd(x, same))


def test_layerwise_amalgamation_of_digit_halves(tmp_path):
    timer = Timer()
    train = digit_tensors(2000, seed=1, size=SIZE[0])
    val = digit_tensors(300, seed=2, size=SIZE[0])
    test = digit_tensors(500, seed=3, size=SIZE[0])
    torch.manual_seed(0)  # the teachers' initial weights: their quality varies with them
    teachers = halves_teachers(
        [(arch, build_network(arch, 5, SIZE)) for arch in ("tiny_cnn", "tiny_cnn")], train, SIZE, epochs=6
    )
    own = half_accuracies(teachers, test)
    print(f"teachers on their halves: {own} ({timer():.0f}s)")

    recorder = Recorder()
    ctx = context(
        teachers,
        DIGITS,
        SIZE,
        # No labels in training: the teachers are the only supervision. Validation has labels.
        Batches(train[0], None, 32, shuffle=True),
        Batches(*val, 128, shuffle=False),
        {"epochs": 8, "temperature": 4.0, "featureWeight": 1.0, "learningRate": 3e-3},
        "tiny_cnn",
        recorder,
        work_dir=tmp_path,
    )
    result = amalgamate.run(ctx)
    normalize = Normalize()
    student_accuracy = accuracy(lambda x: result.network(normalize(x)), *test)
    print(f"student on all ten digits: {student_accuracy:.3f} ({timer():.0f}s)")

    assert result.arch == "tiny_cnn"
    assert result.classes == DIGITS
    assert result.network(torch.zeros(1, 3, *SIZE)).shape == (1, 10)
    # The adapters are not part of the result: the student is a plain registry tiny_cnn.
    assert set(result.network.state_dict()) == set(build_network("tiny_cnn", 10, SIZE).state_dict())
    assert [e[0] for e in recorder.epochs] == list(range(1, 9))
    assert {"loss", "kl", "feature", "val_agreement", "val_accuracy"} <= set(recorder.epochs[-1][2])
    assert result.metrics["alignedLayers"] == ["features.0", "features.3", "features.6", "features.8"]
    assert min(own) > 0.85, "the teachers must be good for the comparison to mean anything"
    assert student_accuracy >= sum(own) / len(own) - MARGIN
    # A checkpoint of the finished run: resuming it trains no further epoch.
    assert (tmp_path / "checkpoint.pt").exists()
    again = Recorder()
    ctx.on_epoch, ctx.log = again.on_epoch, again.log
    amalgamate.run(ctx)
    assert again.epochs == []
