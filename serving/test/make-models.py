"""Write tiny ONNX models (and their model.json) that follow docs/contracts.md "Model files".

Used by the serving tests, which need real ONNX graphs whose output depends on the image:
  python make-models.py OUT_DIR

Writes into OUT_DIR:
  colour.onnx / colour.json  classification over ["red", "green", "blue"]: softmax of the per-channel
                             means (scaled), so a mostly red image is "red".
  shapes.onnx / shapes.json  detection over ["round", "angular"]: fixed boxes, scores and labels
                             (normalized xyxy), see DETECTIONS below.
  colour-2.onnx              the colour graph with only two outputs, for "wrong output shape" tests.
  paint.onnx / paint.json    segmentation over ["red", "blue"]: each pixel's mask value is the index
                             of its strongest channel among (background = green, red, blue) after
                             subtracting 100 from red and blue, so white and grey pixels are
                             background, pure red is 1 and pure blue is 2.
  invert.onnx / invert.json  enhancement: enhanced = 255 - image (a photographic negative).
  reader.onnx / reader.json  text recognition over the charset ["猫", "A"]: always reads "A猫"
                             (indices [2, 1], scores [0.9, 0.7]).
  lines.onnx / lines.json    text detection: prob = sigmoid((100 - mean(R, G, B)) * 0.2), so dark
                             pixels are text (black: 1 - 2e-9) and white ones are not (3e-14).
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8  # accepted by every onnxruntime >= 1.14

# (x1, y1, x2, y2) normalized, score, label index. The third one is below the 0.3 threshold.
DETECTIONS = [
    ((0.10, 0.20, 0.40, 0.60), 0.90, 0),
    ((0.55, 0.30, 0.95, 0.90), 0.80, 1),
    ((0.00, 0.00, 0.20, 0.20), 0.10, 0),
]


def image_input() -> onnx.ValueInfoProto:
    # Symbolic H and W: the caller resizes to model.json inputSize, the graph does not care.
    return helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, "H", "W"])


def save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def colour_model(path: Path, classes: int) -> None:
    # logits = (mean over H, W of image / 255) @ W * 10, with W the identity on RGB.
    weights = np.eye(3, classes, dtype=np.float32) * 10.0 / 255.0
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["means"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["means", "weights"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "colour",
        [image_input()],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, classes])],
        initializer=[numpy_helper.from_array(weights, "weights")],
    )
    save(graph, path)


def shapes_model(path: Path) -> None:
    boxes = np.array([d[0] for d in DETECTIONS], dtype=np.float32)
    scores = np.array([d[1] for d in DETECTIONS], dtype=np.float32)
    labels = np.array([d[2] for d in DETECTIONS], dtype=np.int64)
    # The outputs are constants; adding 0 * mean(image) keeps the input part of the graph.
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["const_boxes", "nothing"], ["boxes"]),
        helper.make_node("Add", ["const_scores", "nothing"], ["scores"]),
        helper.make_node("Identity", ["const_labels"], ["labels"]),
    ]
    graph = helper.make_graph(
        nodes,
        "shapes",
        [image_input()],
        [
            helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["K", 4]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["K"]),
            helper.make_tensor_value_info("labels", TensorProto.INT64, ["K"]),
        ],
        initializer=[
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
            numpy_helper.from_array(boxes, "const_boxes"),
            numpy_helper.from_array(scores, "const_scores"),
            numpy_helper.from_array(labels, "const_labels"),
        ],
    )
    save(graph, path)


def paint_model(path: Path) -> None:
    # scores[c] = image[channel c] + bias[c] over (G, R, B); mask = argmax over c, [1, H, W] int64.
    order = np.array([1, 0, 2], dtype=np.int64)
    bias = np.array([0.0, -100.0, -100.0], dtype=np.float32).reshape(1, 3, 1, 1)
    nodes = [
        helper.make_node("Gather", ["image", "order"], ["reordered"], axis=1),
        helper.make_node("Add", ["reordered", "bias"], ["scores"]),
        helper.make_node("ArgMax", ["scores"], ["mask"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "paint",
        [image_input()],
        [helper.make_tensor_value_info("mask", TensorProto.INT64, [1, "H", "W"])],
        initializer=[
            numpy_helper.from_array(order, "order"),
            numpy_helper.from_array(bias, "bias"),
        ],
    )
    save(graph, path)


def invert_model(path: Path) -> None:
    nodes = [helper.make_node("Sub", ["full", "image"], ["enhanced"])]
    graph = helper.make_graph(
        nodes,
        "invert",
        [image_input()],
        [
            helper.make_tensor_value_info(
                "enhanced", TensorProto.FLOAT, [1, 3, "H", "W"]
            )
        ],
        initializer=[
            numpy_helper.from_array(np.array(255.0, dtype=np.float32), "full")
        ],
    )
    save(graph, path)


def reader_model(path: Path) -> None:
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["const_scores", "nothing"], ["scores"]),
        helper.make_node("Identity", ["const_indices"], ["indices"]),
    ]
    graph = helper.make_graph(
        nodes,
        "reader",
        [image_input()],
        [
            helper.make_tensor_value_info("indices", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N"]),
        ],
        initializer=[
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
            numpy_helper.from_array(np.array([2, 1], dtype=np.int64), "const_indices"),
            numpy_helper.from_array(
                np.array([0.9, 0.7], dtype=np.float32), "const_scores"
            ),
        ],
    )
    save(graph, path)


def lines_model(path: Path) -> None:
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["grey"], axes=[1], keepdims=0),
        helper.make_node("Sub", ["dark_level", "grey"], ["darkness"]),
        helper.make_node("Mul", ["darkness", "steepness"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["prob"]),
    ]
    graph = helper.make_graph(
        nodes,
        "lines",
        [image_input()],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, "H", "W"])],
        initializer=[
            numpy_helper.from_array(np.array(100.0, dtype=np.float32), "dark_level"),
            numpy_helper.from_array(np.array(0.2, dtype=np.float32), "steepness"),
        ],
    )
    save(graph, path)


def model_json(
    task: str, arch: str, classes: list[str], input_size: list[int], outputs: list[str]
) -> dict:
    info = {
        "version": 1,
        "task": task,
        "arch": arch,
        "classes": classes,
        "inputSize": input_size,
        "input": {
            "name": "image",
            "layout": "NCHW",
            "dtype": "float32",
            "colorSpace": "RGB",
            "range": [0, 255],
        },
        "outputs": outputs,
        "normalization": {"mean": [0, 0, 0], "std": [255, 255, 255]},
        "parameters": 0,
    }
    if task == "detection":
        info["scoreThreshold"] = 0.3
    if task == "text_detection":
        info["textDetection"] = {
            "binaryThreshold": 0.3,
            "boxThreshold": 0.6,
            "unclipRatio": 1.5,
            "minSize": 3,
        }
    return info


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    colour_model(out / "colour.onnx", 3)
    colour_model(out / "colour-2.onnx", 2)
    shapes_model(out / "shapes.onnx")
    paint_model(out / "paint.onnx")
    invert_model(out / "invert.onnx")
    reader_model(out / "reader.onnx")
    lines_model(out / "lines.onnx")
    colour = model_json(
        "classification", "test_colour", ["red", "green", "blue"], [16, 16], ["probs"]
    )
    shapes = model_json(
        "detection",
        "test_shapes",
        ["round", "angular"],
        [32, 48],
        ["boxes", "scores", "labels"],
    )
    (out / "colour.json").write_text(json.dumps(colour, indent=2))
    (out / "shapes.json").write_text(json.dumps(shapes, indent=2))
    paint = model_json(
        "segmentation", "test_paint", ["red", "blue"], [50, 100], ["mask"]
    )
    (out / "paint.json").write_text(json.dumps(paint, indent=2))
    invert = model_json("enhancement", "test_invert", [], [20, 40], ["enhanced"])
    (out / "invert.json").write_text(json.dumps(invert, indent=2))
    reader = model_json(
        "text_recognition", "test_reader", [], [8, 32], ["indices", "scores"]
    )
    reader["charset"] = ["猫", "A"]
    (out / "reader.json").write_text(json.dumps(reader, indent=2, ensure_ascii=False))
    lines = model_json("text_detection", "test_lines", [], [64, 128], ["prob"])
    (out / "lines.json").write_text(json.dumps(lines, indent=2))


if __name__ == "__main__":
    main()
